"""AWS commands: reads answer at once; changes become plans (CONTRACT.md §5, §6).

Reads run with the read session and answer in the same run. A command that would
change something validates its arguments first (ids, names, CIDRs, JSON
documents, workspace paths) and checks with the read session that what it names
exists and that the change makes sense (an empty bucket, an unused group, a rule
not there yet); then it proposes a plan. The executors registered in
:mod:`devops_agent.aws.operations` carry a plan out on ``apply``, with the write
role. ``s3 download`` is the one command that writes at once, and only into the
workspace.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from devops_agent.commands.language import (
    REGION,
    Handler,
    Invocation,
    Spec,
    dump,
    plural,
    regions_of,
    when,
    where,
)
from devops_agent.errors import BadInput, ServiceError
from devops_agent.report import Result, Table

if TYPE_CHECKING:
    from devops_agent.context import DevOpsContext
    from devops_agent.plans import PlanEntry


def _s3_list(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import s3

    buckets = s3.list_buckets(ctx.session())
    wanted = inv.option("--region")
    if wanted:
        keep = set(regions_of(ctx, inv))
        buckets = [b for b in buckets if b.region in keep]
    rows = [[b.name, b.region, when(b.created)] for b in buckets]
    return Result(
        title=f"{plural(len(buckets), 'S3 bucket')}" + (f" in {wanted}" if wanted else ""),
        tables=[Table(columns=["Bucket", "Region", "Created"], rows=rows, empty="No buckets.")],
        data={"buckets": dump(buckets)},
    )


def _s3_ls(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import s3

    bucket = inv.args[0]
    prefix = inv.args[1] if len(inv.args) > 1 else inv.option("--prefix")
    limit = 1000
    objects = s3.list_objects(ctx.session(), bucket, prefix=prefix, limit=limit)
    rows = [[o.key, f"{o.size:,}", when(o.last_modified), o.storage_class or ""] for o in objects]
    where = f"s3://{bucket}/{prefix}"
    return Result(
        title=("First " if len(objects) >= limit else "")
        + f"{plural(len(objects), 'object')} in {where}",
        tables=[
            Table(
                columns=["Key", "Bytes", "Last modified", "Storage class"],
                rows=rows,
                empty=f"No objects under {where}.",
            )
        ],
        data={"bucket": bucket, "prefix": prefix, "objects": dump(objects)},
    )


def _s3_policy(ctx: DevOpsContext, inv: Invocation) -> Result:
    import json

    from devops_agent.aws import s3

    bucket = inv.args[0]
    policy = s3.get_bucket_policy(ctx.session(), bucket)
    if policy is None:
        return Result(
            title=f"s3://{bucket} has no bucket policy", data={"bucket": bucket, "policy": None}
        )
    try:
        pretty = json.dumps(json.loads(policy), indent=2)
    except ValueError:
        pretty = policy
    pretty = pretty.replace("```", "'''")
    return Result(
        title=f"Bucket policy of s3://{bucket}",
        text=f"```json\n{pretty}\n```",
        data={"bucket": bucket, "policy": policy},
    )


def _iam_users(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import iam

    users = iam.list_users(ctx.session())
    rows = [[u.name, u.arn, when(u.created), when(u.password_last_used) or "never"] for u in users]
    return Result(
        title=f"{plural(len(users), 'IAM user')}",
        tables=[
            Table(
                columns=["User", "ARN", "Created", "Password last used"],
                rows=rows,
                empty="No IAM users.",
            )
        ],
        data={"users": dump(users)},
    )


def _iam_roles(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import iam

    roles = iam.list_roles(ctx.session())
    rows = [[r.name, r.arn, r.description or "", when(r.created)] for r in roles]
    return Result(
        title=f"{plural(len(roles), 'IAM role')}",
        tables=[
            Table(
                columns=["Role", "ARN", "Description", "Created"], rows=rows, empty="No IAM roles."
            )
        ],
        data={"roles": dump(roles)},
    )


def _iam_policies(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import iam

    target = _principal_option(inv)
    if target is not None:
        return _iam_policies_of(ctx, inv, *target)
    policies = iam.list_policies(ctx.session())
    rows = [[p.name, p.arn, p.attachment_count, when(p.updated)] for p in policies]
    return Result(
        title=f"{plural(len(policies), 'customer managed IAM policy')}".replace(
            "policys", "policies"
        ),
        tables=[
            Table(
                columns=["Policy", "ARN", "Attachments", "Updated"],
                rows=rows,
                empty="No customer managed policies.",
            )
        ],
        data={"policies": dump(policies)},
    )


def _vpc_list(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, vpc

    regions = regions_of(ctx, inv)
    session = ctx.session()
    vpcs = across_regions(regions, lambda r: vpc.list_vpcs(session, r))
    rows = [
        [v.id, v.name or "", v.cidr, v.state, "yes" if v.is_default else "", v.region] for v in vpcs
    ]
    return Result(
        title=f"{plural(len(vpcs), 'VPC')} in {where(regions)}",
        tables=[Table(columns=["VPC", "Name", "CIDR", "State", "Default", "Region"], rows=rows)],
        data={"regions": regions, "vpcs": dump(vpcs)},
    )


def _vpc_subnets(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, vpc

    regions = regions_of(ctx, inv)
    session = ctx.session()
    vpc_id = inv.args[0] if inv.args else None
    subnets = across_regions(regions, lambda r: vpc.list_subnets(session, r, vpc_id=vpc_id))
    rows = [
        [
            s.id,
            s.name or "",
            s.vpc_id,
            s.cidr,
            s.availability_zone,
            s.available_ips,
            "yes" if s.map_public_ip_on_launch else "",
        ]
        for s in subnets
    ]
    return Result(
        title=f"{plural(len(subnets), 'subnet')}"
        + (f" in {vpc_id}" if vpc_id else f" in {where(regions)}"),
        tables=[
            Table(
                columns=[
                    "Subnet",
                    "Name",
                    "VPC",
                    "CIDR",
                    "Zone",
                    "Free IPs",
                    "Public IP on launch",
                ],
                rows=rows,
            )
        ],
        data={"regions": regions, "subnets": dump(subnets)},
    )


def _vpc_routes(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, vpc

    regions = regions_of(ctx, inv)
    session = ctx.session()
    vpc_id = inv.args[0] if inv.args else None
    tables = across_regions(regions, lambda r: vpc.list_route_tables(session, r, vpc_id=vpc_id))
    rows = [
        [t.id, t.vpc_id, "yes" if t.main else "", "; ".join(t.routes), ", ".join(t.associations)]
        for t in tables
    ]
    return Result(
        title=f"{plural(len(tables), 'route table')}"
        + (f" in {vpc_id}" if vpc_id else f" in {where(regions)}"),
        tables=[Table(columns=["Route table", "VPC", "Main", "Routes", "Associations"], rows=rows)],
        data={"regions": regions, "route_tables": dump(tables)},
    )


# =========================================================================== changes
# Every handler below that changes something validates its arguments with the read
# session, then proposes a plan; the executors in devops_agent.aws.operations carry
# it out on apply, with the write role.


def _region(ctx: DevOpsContext, inv: Invocation, command: str) -> str:
    regions = regions_of(ctx, inv)
    if len(regions) != 1:
        raise BadInput(f"`{command}` works on one region at a time.")
    return regions[0]


@contextmanager
def _named() -> Iterator[None]:
    """A resource the command names that does not exist is a bad argument (exit 2)."""
    try:
        yield
    except ServiceError as exc:
        code = exc.code or ""
        if (
            code.endswith(("NotFound", ".Malformed"))
            or code.startswith("NoSuch")
            or code
            in (
                "404",
                "NoSuchEntity",
            )
        ):
            raise BadInput(exc.message, remedy=exc.remedy or "Check the name or id.") from exc
        raise


def _entry(
    operation: str, args: dict[str, Any], description: str, resources: list[str] | None = None
) -> PlanEntry:
    from devops_agent.plans import PlanEntry

    return PlanEntry(
        operation=operation, args=args, description=description, resources=resources or []
    )


def _plan(
    ctx: DevOpsContext, entries: list[PlanEntry], *, region: str, what: str, note: str = ""
) -> Result:
    """Propose ``entries`` (``propose`` refuses a plan the redactor would alter)."""
    from devops_agent.apply import propose

    result = propose(ctx, entries, region=region, what=what)
    if note:
        result = result.model_copy(update={"text": f"{result.text}\n\n{note}"})
    return result


def _unchanged(title: str, data: dict[str, Any]) -> Result:
    """The answer when what was asked for is already so: no plan."""
    return Result(title=title, text="Nothing to change, so no plan.", data=data)


def _tags(inv: Invocation) -> dict[str, str]:
    from devops_agent.aws.writes import tag_map

    return tag_map(inv.pairs, inv.option("--tag"))


def _json_block(document: str | dict[str, Any] | list[Any]) -> str:
    value = json.loads(document) if isinstance(document, str) else document
    pretty = json.dumps(value, indent=2).replace("```", "'''")
    return f"```json\n{pretty}\n```"


def _ids(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


# --------------------------------------------------------------------------- S3


def _bucket_region(ctx: DevOpsContext, bucket: str) -> tuple[str, str]:
    """The bucket's name and region; a bucket that does not exist is a bad argument."""
    from devops_agent.aws import s3

    name = bucket.strip().removeprefix("s3://").rstrip("/")
    region = s3.bucket_owner_region(ctx.session(), name)
    if region is None:
        raise BadInput(
            f"There is no bucket s3://{name}.", remedy="`s3 list` shows the account's buckets."
        )
    return name, region


def _s3_url(text: str) -> tuple[str, str]:
    if not text.startswith("s3://"):
        raise BadInput(f"'{text}' is not an S3 location; write s3://BUCKET/KEY.")
    bucket, _, key = text[len("s3://") :].partition("/")
    if not bucket:
        raise BadInput(f"'{text}' names no bucket; write s3://BUCKET/KEY.")
    return bucket, key


def _s3_create(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import s3

    region = _region(ctx, inv, "s3 create")
    name = s3.new_bucket_name(inv.args[0])
    existing = s3.bucket_owner_region(ctx.session(), name)
    if existing is not None:
        raise BadInput(f"s3://{name} already exists in this account ({existing}).")
    entry = _entry(
        "s3.create_bucket",
        {"bucket": name, "region": region},
        f"Create bucket s3://{name} in {region} (S3 defaults: public access blocked, "
        "SSE-S3 encryption, ACLs off)",
        [f"arn:aws:s3:::{name}"],
    )
    return _plan(ctx, [entry], region=region, what=f"create s3://{name}")


def _s3_delete(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import s3

    name, region = _bucket_region(ctx, inv.args[0])
    held = s3.bucket_emptiness(ctx.session(), name)
    everything = inv.flag("--delete-objects")
    count = f"{held.versions + held.delete_markers:,}{'+' if held.more else ''}"
    if not held.empty and not everything:
        raise BadInput(
            f"s3://{name} is not empty: it holds {count} object versions and delete markers.",
            remedy=f"Add --delete-objects to delete them all with the bucket: "
            f"`s3 delete {name} --delete-objects`.",
        )
    description = (
        f"Delete every object version and delete marker in s3://{name} ({count}), then "
        "delete the bucket"
        if not held.empty
        else f"Delete the empty bucket s3://{name}"
    )
    entry = _entry(
        "s3.delete_bucket",
        {"bucket": name, "delete_objects": everything},
        description,
        [f"arn:aws:s3:::{name}"],
    )
    return _plan(ctx, [entry], region=region, what=f"delete s3://{name}")


def _s3_upload(ctx: DevOpsContext, inv: Invocation) -> Result:
    import mimetypes
    from pathlib import PurePosixPath

    from devops_agent.aws import s3
    from devops_agent.aws.workspace_files import stat_file

    local = stat_file(ctx.env.workspace, inv.args[0])
    bucket, key = _s3_url(inv.args[1])
    if not key or key.endswith("/"):
        key += PurePosixPath(local.path).name
    if len(key.encode("utf-8")) > 1024:
        raise BadInput("S3 keys are at most 1024 bytes long.")
    name, region = _bucket_region(ctx, bucket)
    overwrite = inv.flag("--force")
    existing = s3.head_object(ctx.session(), name, key)
    if existing is not None and not overwrite:
        raise BadInput(
            f"s3://{name}/{key} already exists ({existing.size:,} bytes); add --force to "
            "replace it."
        )
    content_type = mimetypes.guess_type(local.path)[0]
    entry = _entry(
        "s3.upload",
        {
            "bucket": name,
            "key": key,
            "file": local.model_dump(mode="json"),
            "overwrite": overwrite,
            "content_type": content_type,
        },
        f"Upload {local.path} ({local.size:,} bytes, sha256 {local.sha256[:12]}…) to "
        f"s3://{name}/{key}" + (" (replacing it)" if existing is not None else ""),
        [f"arn:aws:s3:::{name}/{key}"],
    )
    return _plan(
        ctx,
        [entry],
        region=region,
        what=f"upload {local.path}",
        note="On apply the file must be in the workspace with the same content (checked by "
        "its SHA-256).",
    )


def _s3_download(ctx: DevOpsContext, inv: Invocation) -> Result:
    from pathlib import PurePosixPath

    from devops_agent.aws import s3

    bucket, key = _s3_url(inv.args[0])
    if not key or key.endswith("/"):
        raise BadInput(f"'{inv.args[0]}' names no object; write s3://BUCKET/KEY.")
    path = inv.args[1] if len(inv.args) > 1 else PurePosixPath(key).name
    with _named():
        done = s3.download_object(
            ctx.session(), bucket, key, ctx.env.workspace, path, overwrite=inv.flag("--force")
        )
    return Result(
        title=f"Downloaded s3://{done.bucket}/{done.key} to {done.path}",
        text=f"{done.size:,} bytes written into the workspace.",
        data=done.model_dump(mode="json"),
    )


def _s3_policy_set(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws.policy_document import validate_policy
    from devops_agent.aws.workspace_files import read_document

    name, region = _bucket_region(ctx, inv.args[0])
    document = read_document(ctx.env.workspace, inv.args[1])
    policy = validate_policy(document, "bucket", bucket=name)
    statements = json.loads(policy)["Statement"]
    count = len(statements) if isinstance(statements, list) else 1
    entry = _entry(
        "s3.put_bucket_policy",
        {"bucket": name, "policy": policy},
        f"Replace the bucket policy of s3://{name} with {inv.args[1]} "
        f"({plural(count, 'statement')})",
        [f"arn:aws:s3:::{name}"],
    )
    return _plan(
        ctx,
        [entry],
        region=region,
        what=f"set the policy of s3://{name}",
        note="The policy it will set:\n\n" + _json_block(policy),
    )


def _s3_policy_delete(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import s3

    name, region = _bucket_region(ctx, inv.args[0])
    if s3.get_bucket_policy(ctx.session(), name) is None:
        return _unchanged(f"s3://{name} has no bucket policy", {"bucket": name})
    entry = _entry(
        "s3.delete_bucket_policy",
        {"bucket": name},
        f"Remove the bucket policy of s3://{name}",
        [f"arn:aws:s3:::{name}"],
    )
    return _plan(ctx, [entry], region=region, what=f"remove the policy of s3://{name}")


_ON = {"on": True, "enable": True, "enabled": True, "off": False, "suspend": False}


def _s3_versioning(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import s3

    name, region = _bucket_region(ctx, inv.args[0])
    current = s3.get_versioning(ctx.session(), name)
    if len(inv.args) == 1:
        return Result(
            title=f"Versioning of s3://{name}: {current}",
            data={"bucket": name, "versioning": current},
        )
    word = inv.args[1].lower()
    if word not in _ON:
        raise BadInput(f"'{inv.args[1]}': say on or off.")
    wanted = "Enabled" if _ON[word] else "Suspended"
    if current == wanted or (wanted == "Suspended" and current == "Disabled"):
        return _unchanged(f"Versioning of s3://{name} is already {current}", {"bucket": name})
    entry = _entry(
        "s3.put_versioning",
        {"bucket": name, "enabled": _ON[word]},
        f"Turn versioning of s3://{name} "
        + ("on" if _ON[word] else "off (Suspended: existing versions stay)"),
        [f"arn:aws:s3:::{name}"],
    )
    return _plan(ctx, [entry], region=region, what=f"change versioning of s3://{name}")


def _s3_encryption(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import s3

    name, region = _bucket_region(ctx, inv.args[0])
    algorithm, key = s3.get_encryption(ctx.session(), name)
    if len(inv.args) == 1:
        shown = {"AES256": "SSE-S3", "aws:kms": "SSE-KMS"}.get(algorithm or "", algorithm)
        return Result(
            title=f"Default encryption of s3://{name}: {shown or 'not set'}"
            + (f" ({key})" if key else ""),
            data={"bucket": name, "algorithm": algorithm, "kms_key": key},
        )
    word = inv.args[1].lower()
    kms_key = inv.option("--kms-key") or None
    arn = f"arn:aws:s3:::{name}"
    if word == "off":
        if algorithm is None:
            return _unchanged(f"s3://{name} has no default encryption setting", {"bucket": name})
        entry = _entry(
            "s3.delete_encryption",
            {"bucket": name},
            f"Remove the default encryption setting of s3://{name} (S3 then uses SSE-S3)",
            [arn],
        )
    elif word in ("sse-s3", "aes256", "sse-kms", "kms"):
        wanted = "AES256" if word in ("sse-s3", "aes256") else "aws:kms"
        if wanted == "AES256" and kms_key:
            raise BadInput("--kms-key goes with sse-kms.")
        if (algorithm, key) == (wanted, kms_key):
            return _unchanged(f"s3://{name} already uses {word}", {"bucket": name})
        entry = _entry(
            "s3.put_encryption",
            {"bucket": name, "algorithm": wanted, "kms_key": kms_key},
            f"Encrypt new objects in s3://{name} with {word.upper()}"
            + (f" (key {kms_key})" if kms_key else ""),
            [arn],
        )
    else:
        raise BadInput(f"'{inv.args[1]}': say sse-s3, sse-kms or off.")
    return _plan(ctx, [entry], region=region, what=f"change default encryption of s3://{name}")


def _s3_public_access(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import s3

    name, region = _bucket_region(ctx, inv.args[0])
    current = s3.get_public_access_block(ctx.session(), name)
    if len(inv.args) == 1:
        rows = [[k, "on" if v else "off"] for k, v in (current or {}).items()]
        return Result(
            title=f"Public access block of s3://{name}: "
            + (
                "not set" if current is None else "all on" if all(current.values()) else "partly on"
            ),
            tables=[Table(columns=["Setting", "Value"], rows=rows, empty="No bucket-level block.")],
            data={"bucket": name, "public_access_block": current},
        )
    word = inv.args[1].lower()
    arn = f"arn:aws:s3:::{name}"
    if word == "block":
        if current is not None and all(current.values()):
            return _unchanged(f"s3://{name} already blocks all public access", {"bucket": name})
        entry = _entry(
            "s3.put_public_access_block",
            {"bucket": name},
            f"Block all public access to s3://{name} (all four settings on)",
            [arn],
        )
    elif word == "unblock":
        if current is None:
            return _unchanged(f"s3://{name} has no bucket-level block", {"bucket": name})
        entry = _entry(
            "s3.delete_public_access_block",
            {"bucket": name},
            f"Remove the public access block of s3://{name} (account-level settings still apply)",
            [arn],
        )
    else:
        raise BadInput(f"'{inv.args[1]}': say block or unblock.")
    return _plan(ctx, [entry], region=region, what=f"change public access of s3://{name}")


def _s3_tags(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import s3
    from devops_agent.aws.writes import tag_map

    name, region = _bucket_region(ctx, inv.args[0])
    current = s3.get_tags(ctx.session(), name)
    removing = _ids(inv.option("--remove"))
    if not inv.pairs and not removing:
        rows = [[k, v] for k, v in sorted(current.items())]
        return Result(
            title=f"{plural(len(current), 'tag')} on s3://{name}",
            tables=[Table(columns=["Key", "Value"], rows=rows, empty="No tags.")],
            data={"bucket": name, "tags": current},
        )
    missing = [k for k in removing if k not in current]
    if missing:
        raise BadInput(f"s3://{name} has no tag {', '.join(missing)}.")
    wanted = tag_map({**{k: v for k, v in current.items() if k not in removing}, **inv.pairs})
    if wanted == current:
        return _unchanged(f"s3://{name} already has those tags", {"bucket": name})
    changes = [f"{k}={v}" for k, v in sorted(inv.pairs.items()) if current.get(k) != v]
    changes += [f"remove {k}" for k in removing]
    entry = _entry(
        "s3.put_tags",
        {"bucket": name, "tags": wanted},
        f"Set the tags of s3://{name}: {', '.join(changes)} ({plural(len(wanted), 'tag')} in all)",
        [f"arn:aws:s3:::{name}"],
    )
    return _plan(ctx, [entry], region=region, what=f"change tags of s3://{name}")


def _s3_lifecycle(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import s3
    from devops_agent.aws.workspace_files import read_document

    name, region = _bucket_region(ctx, inv.args[0])
    current = s3.get_lifecycle(ctx.session(), name)
    days = inv.option("--expire-days")
    modes = sum([len(inv.args) > 1, bool(days), inv.flag("--clear")])
    if modes == 0:
        rows = [
            [
                r.get("ID", ""),
                r.get("Status", ""),
                json.dumps(r.get("Filter", r.get("Prefix", ""))),
                ", ".join(k for k in r if k not in ("ID", "Status", "Filter", "Prefix")),
            ]
            for r in current
        ]
        return Result(
            title=f"{plural(len(current), 'lifecycle rule')} on s3://{name}",
            tables=[
                Table(
                    columns=["Rule", "Status", "Filter", "Actions"],
                    rows=rows,
                    empty="No lifecycle rules.",
                )
            ],
            data={"bucket": name, "rules": current},
        )
    if modes > 1:
        raise BadInput("Give one of FILE, --expire-days N or --clear.")
    if inv.flag("--clear"):
        if not current:
            return _unchanged(f"s3://{name} has no lifecycle rules", {"bucket": name})
        rules: list[dict[str, Any]] = []
        description = f"Remove the {plural(len(current), 'lifecycle rule')} of s3://{name}"
    elif days:
        if not days.isdigit() or not 1 <= int(days) <= 36500:
            raise BadInput("--expire-days must be a number of days from 1 to 36500.")
        prefix = inv.option("--prefix")
        rule_id = f"expire-{prefix.strip('/').replace('/', '-') or 'all'}-{days}d"[:255]
        new_rule = {
            "ID": rule_id,
            "Status": "Enabled",
            "Filter": {"Prefix": prefix},
            "Expiration": {"Days": int(days)},
        }
        rules = [r for r in current if r.get("ID") != rule_id] + [new_rule]
        rules = s3.lifecycle_rules(json.dumps(rules, default=str))
        what_ = f"objects under '{prefix}'" if prefix else "all objects"
        description = f"Expire {what_} in s3://{name} after {days} days (rule {rule_id})"
    else:
        rules = s3.lifecycle_rules(read_document(ctx.env.workspace, inv.args[1]))
        description = (
            f"Replace the lifecycle rules of s3://{name} with the "
            f"{plural(len(rules), 'rule')} in {inv.args[1]}"
        )
    entry = _entry(
        "s3.put_lifecycle", {"bucket": name, "rules": rules}, description, [f"arn:aws:s3:::{name}"]
    )
    return _plan(ctx, [entry], region=region, what=f"change lifecycle rules of s3://{name}")


def _s3_logging(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import s3

    name, region = _bucket_region(ctx, inv.args[0])
    target, prefix = s3.get_logging(ctx.session(), name)
    wanted = inv.option("--target")
    if not wanted and not inv.flag("--off"):
        return Result(
            title=f"Access logging of s3://{name}: "
            + (f"to s3://{target}/{prefix}" if target else "off"),
            data={"bucket": name, "target": target, "prefix": prefix},
        )
    if wanted and inv.flag("--off"):
        raise BadInput("Give --target BUCKET or --off, not both.")
    arn = f"arn:aws:s3:::{name}"
    if inv.flag("--off"):
        if target is None:
            return _unchanged(f"Access logging of s3://{name} is already off", {"bucket": name})
        entry = _entry(
            "s3.put_logging",
            {"bucket": name, "target": None, "prefix": ""},
            f"Turn off access logging of s3://{name}",
            [arn],
        )
    else:
        target_name, target_region = _bucket_region(ctx, wanted)
        if target_region != region:
            raise BadInput(
                f"s3://{target_name} is in {target_region}, s3://{name} in {region}: access "
                "logs go to a bucket in the same region."
            )
        new_prefix = inv.option("--prefix", f"{name}/")
        if (target, prefix) == (target_name, new_prefix):
            return _unchanged(f"s3://{name} already logs there", {"bucket": name})
        target_policy = s3.get_bucket_policy(ctx.session(), target_name) or ""
        warning = (
            ""
            if "logging.s3.amazonaws.com" in target_policy
            else f" (S3 refuses unless the policy of s3://{target_name} lets "
            "logging.s3.amazonaws.com put objects; it does not yet)"
        )
        entry = _entry(
            "s3.put_logging",
            {"bucket": name, "target": target_name, "prefix": new_prefix},
            f"Send access logs of s3://{name} to s3://{target_name}/{new_prefix}{warning}",
            [arn, f"arn:aws:s3:::{target_name}"],
        )
    return _plan(ctx, [entry], region=region, what=f"change access logging of s3://{name}")


def _s3_describe(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import s3

    name, _ = _bucket_region(ctx, inv.args[0])
    settings = s3.describe_bucket(ctx.session(), name)
    block = settings.public_access_block
    rows: list[list[Any]] = [
        ["Region", settings.region],
        ["Versioning", settings.versioning],
        [
            "Default encryption",
            {"AES256": "SSE-S3", "aws:kms": "SSE-KMS"}.get(
                settings.encryption or "", settings.encryption
            )
            or "not set",
        ],
        [
            "Public access block",
            "not set"
            if block is None
            else "all on"
            if all(block.values())
            else ", ".join(k for k, v in block.items() if v) or "all off",
        ],
        ["Bucket policy", "yes" if settings.has_policy else "none"],
        ["Tags", ", ".join(f"{k}={v}" for k, v in sorted(settings.tags.items())) or "none"],
        ["Lifecycle rules", len(settings.lifecycle_rules)],
        [
            "Access logging",
            f"s3://{settings.logging_target}/{settings.logging_prefix}"
            if settings.logging_target
            else "off",
        ],
    ]
    return Result(
        title=f"Settings of s3://{name}",
        tables=[Table(columns=["Setting", "Value"], rows=rows)],
        data=settings.model_dump(mode="json"),
    )


# --------------------------------------------------------------------------- IAM

_SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9.-]+\.amazonaws\.com(?:\.cn)?$")


def _iam_groups(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import iam

    groups = iam.list_groups(ctx.session())
    rows = [[g.name, g.arn, g.path, when(g.created)] for g in groups]
    return Result(
        title=plural(len(groups), "IAM group"),
        tables=[Table(columns=["Group", "ARN", "Path", "Created"], rows=rows, empty="No groups.")],
        data={"groups": dump(groups)},
    )


def _principal_option(inv: Invocation) -> tuple[str, str] | None:
    given = [(k, inv.option(f"--{k}")) for k in ("user", "role", "group") if inv.option(f"--{k}")]
    if len(given) > 1:
        raise BadInput("Name one of --user, --role or --group.")
    return given[0] if given else None


def _iam_policies_of(ctx: DevOpsContext, inv: Invocation, kind: str, name: str) -> Result:
    from devops_agent.aws import iam

    if kind == "group":
        if not iam.group_exists(ctx.session(), name):
            raise BadInput(f"There is no IAM group called '{name}'.")
        refs = iam.policies_of(ctx.session(), "group", name)
    else:
        refs = iam.permissions(ctx.session(), name, kind).policies
        refs = [p for p in refs if p.via == "direct"]
    rows = [[p.name, p.kind, p.arn or ""] for p in refs]
    return Result(
        title=f"{plural(len(refs), 'policy')} of {kind} {name}".replace("policys", "policies"),
        tables=[
            Table(
                columns=["Policy", "Kind", "ARN"],
                rows=rows,
                empty=f"No policies attached to {kind} {name}.",
            )
        ],
        data={kind: name, "policies": dump(refs)},
    )


def _iam_policy_show(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import iam

    detail = iam.policy_detail(ctx.session(), inv.args[0])
    attached = [
        *(["user", u] for u in detail.users),
        *(["role", r] for r in detail.roles),
        *(["group", g] for g in detail.groups),
    ]
    return Result(
        title=f"Policy {detail.policy.name} ({detail.policy.default_version_id})",
        text=f"`{detail.policy.arn}`\n\n" + _json_block(detail.document or {}),
        tables=[
            Table(title="Attached to", columns=["Kind", "Name"], rows=attached, empty="Nothing.")
        ],
        data=detail.model_dump(mode="json"),
    )


def _iam_user_create(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import iam

    name = iam.principal_name(inv.args[0], "user")
    path = iam.iam_path(inv.option("--path", "/"))
    if iam.get_user(ctx.session(), name) is not None:
        raise BadInput(f"There is already an IAM user called '{name}'.")
    entry = _entry(
        "iam.create_user",
        {"user": name, "path": path, "tags": _tags(inv)},
        f"Create IAM user {name} (path {path}; no password, no access key, no policies)",
        [name],
    )
    return _plan(ctx, [entry], region=ctx.region, what=f"create IAM user {name}")


def _cleanup_entries(kind: str, name: str, deps: Any) -> list[PlanEntry]:
    """The plan entries that remove what IAM wants gone before deleting a user or role."""
    entries = [
        _entry(
            "iam.delete_access_key",
            {"user": name, "access_key": key.lower()},
            f"Delete access key …{key[-4:]} of {name}",
            [name],
        )
        for key in deps.access_keys
    ]
    if deps.login_profile:
        entries.append(
            _entry(
                "iam.delete_login_profile",
                {"user": name},
                f"Remove the console password of {name}",
                [name],
            )
        )
    entries += [
        _entry(
            "iam.detach_policy",
            {"arn": arn, "kind": kind, "name": name},
            f"Detach {arn} from {kind} {name}",
            [arn],
        )
        for arn in deps.attached
    ]
    entries += [
        _entry(
            "iam.delete_inline_policy",
            {"kind": kind, "name": name, "policy": policy},
            f"Delete inline policy {policy} of {kind} {name}",
            [name],
        )
        for policy in deps.inline
    ]
    entries += [
        _entry(
            "iam.remove_user_from_group",
            {"user": name, "group": group},
            f"Remove {name} from group {group}",
            [group],
        )
        for group in deps.groups
    ]
    entries += [
        _entry(
            "iam.remove_role_from_instance_profile",
            {"role": name, "profile": profile},
            f"Remove {name} from instance profile {profile}",
            [profile],
        )
        for profile in deps.instance_profiles
    ]
    return entries


def _describe_dependencies(deps: Any) -> str:
    parts = []
    if deps.access_keys:
        parts.append(plural(len(deps.access_keys), "access key"))
    if deps.login_profile:
        parts.append("a console password")
    if deps.attached:
        parts.append(plural(len(deps.attached), "attached policy").replace("policys", "policies"))
    if deps.inline:
        parts.append(plural(len(deps.inline), "inline policy").replace("policys", "policies"))
    if deps.groups:
        parts.append(f"membership of {', '.join(deps.groups)}")
    if deps.instance_profiles:
        parts.append(f"instance profiles {', '.join(deps.instance_profiles)}")
    return ", ".join(parts)


def _iam_user_delete(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import iam

    session = ctx.session()
    name = iam.principal_name(inv.args[0], "user")
    user = iam.get_user(session, name)
    if user is None:
        raise BadInput(f"There is no IAM user called '{name}'.")
    deps = iam.user_dependencies(session, name)
    if deps.blockers:
        raise BadInput(
            f"{name} still has {', '.join(deps.blockers)}; devops-agent does not remove those.",
            remedy="Remove them in the IAM console or with the AWS CLI, then ask again.",
        )
    if not deps.empty and not inv.flag("--force"):
        raise BadInput(
            f"{name} still has {_describe_dependencies(deps)}; IAM deletes a user only "
            "without them.",
            remedy="Add --force to remove them in the same plan: "
            f"`iam user delete {name} --force`.",
        )
    entries = _cleanup_entries("user", name, deps)
    entries.append(_entry("iam.delete_user", {"user": name}, f"Delete IAM user {name}", [user.arn]))
    return _plan(ctx, entries, region=ctx.region, what=f"delete IAM user {name}")


def _iam_role_create(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import iam
    from devops_agent.aws.policy_document import validate_policy
    from devops_agent.aws.workspace_files import read_document

    name = iam.principal_name(inv.args[0], "role")
    path = iam.iam_path(inv.option("--path", "/"))
    trust_file, services = inv.option("--trust"), _ids(inv.option("--service"))
    if bool(trust_file) == bool(services):
        raise BadInput(
            "Say who may assume the role: --trust FILE (a trust policy in the workspace) or "
            "--service ec2.amazonaws.com[,lambda.amazonaws.com]."
        )
    if services:
        bad = [s for s in services if not _SERVICE_PRINCIPAL.match(s)]
        if bad:
            raise BadInput(f"Not a service principal: {', '.join(bad)} (like ec2.amazonaws.com).")
        document = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": services[0] if len(services) == 1 else services},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        )
        source = ", ".join(services)
    else:
        document = read_document(ctx.env.workspace, trust_file)
        source = trust_file
    trust = validate_policy(document, "trust")
    description = inv.option("--description")
    if len(description) > 1000:
        raise BadInput("A role description is at most 1000 characters.")
    if iam.get_role(ctx.session(), name) is not None:
        raise BadInput(f"There is already an IAM role called '{name}'.")
    entry = _entry(
        "iam.create_role",
        {
            "role": name,
            "trust_policy": trust,
            "description": description,
            "path": path,
            "max_session_duration": 3600,
        },
        f"Create IAM role {name} that {source} may assume (no permissions yet)",
        [name],
    )
    return _plan(
        ctx,
        [entry],
        region=ctx.region,
        what=f"create IAM role {name}",
        note="Its trust policy:\n\n" + _json_block(trust),
    )


def _iam_role_delete(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import iam

    session = ctx.session()
    name = iam.principal_name(inv.args[0], "role")
    role = iam.get_role(session, name)
    if role is None:
        raise BadInput(f"There is no IAM role called '{name}'.")
    if role.path.startswith("/aws-service-role/"):
        raise BadInput(f"{name} is a service-linked role; the service that owns it deletes it.")
    deps = iam.role_dependencies(session, name)
    if not deps.empty and not inv.flag("--force"):
        raise BadInput(
            f"{name} still has {_describe_dependencies(deps)}; IAM deletes a role only "
            "without them.",
            remedy="Add --force to remove them in the same plan: "
            f"`iam role delete {name} --force`.",
        )
    entries = _cleanup_entries("role", name, deps)
    entries.append(_entry("iam.delete_role", {"role": name}, f"Delete IAM role {name}", [role.arn]))
    return _plan(ctx, entries, region=ctx.region, what=f"delete IAM role {name}")


def _iam_policy_create(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import iam
    from devops_agent.aws.policy_document import validate_policy
    from devops_agent.aws.workspace_files import read_document

    name = iam.principal_name(inv.args[0], "policy")
    path = iam.iam_path(inv.option("--path", "/"))
    document = validate_policy(read_document(ctx.env.workspace, inv.args[1]), "identity")
    if any(p.name == name for p in iam.list_policies(ctx.session())):
        raise BadInput(f"There is already a customer managed policy called '{name}'.")
    description = inv.option("--description")
    if len(description) > 1000:
        raise BadInput("A policy description is at most 1000 characters.")
    entry = _entry(
        "iam.create_policy",
        {"policy": name, "document": document, "description": description, "path": path},
        f"Create customer managed policy {name} from {inv.args[1]} (attached to nothing)",
        [name],
    )
    return _plan(
        ctx,
        [entry],
        region=ctx.region,
        what=f"create IAM policy {name}",
        note="Its document:\n\n" + _json_block(document),
    )


def _iam_policy_delete(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import iam

    detail = iam.policy_detail(ctx.session(), inv.args[0])
    arn = detail.policy.arn
    if ":aws:policy/" in arn:
        raise BadInput(f"{arn} is an AWS managed policy; it cannot be deleted.")
    attachments = [
        *(("user", u) for u in detail.users),
        *(("role", r) for r in detail.roles),
        *(("group", g) for g in detail.groups),
    ]
    if attachments and not inv.flag("--force"):
        shown = ", ".join(f"{k} {n}" for k, n in attachments)
        raise BadInput(
            f"{detail.policy.name} is attached to {shown}.",
            remedy=f"Add --force to detach it in the same plan: "
            f"`iam policy delete {inv.args[0]} --force`.",
        )
    entries = [
        _entry(
            "iam.detach_policy",
            {"arn": arn, "kind": kind, "name": name},
            f"Detach {detail.policy.name} from {kind} {name}",
            [arn],
        )
        for kind, name in attachments
    ]
    entries += [
        _entry(
            "iam.delete_policy_version",
            {"arn": arn, "version": version},
            f"Delete version {version} of {detail.policy.name}",
            [arn],
        )
        for version in detail.versions
    ]
    entries.append(
        _entry("iam.delete_policy", {"arn": arn}, f"Delete policy {detail.policy.name}", [arn])
    )
    return _plan(ctx, entries, region=ctx.region, what=f"delete IAM policy {detail.policy.name}")


def _iam_policy_attach(detach: bool) -> Handler:
    verb = "detach" if detach else "attach"

    def plan(ctx: DevOpsContext, inv: Invocation) -> Result:
        from devops_agent.aws import iam

        session = ctx.session()
        target = _principal_option(inv)
        if target is None:
            raise BadInput(
                f"Say what to {verb} it {'from' if detach else 'to'}: --user, --role or --group."
            )
        kind, name = target
        name = iam.principal_name(name, kind)
        exists = {
            "user": lambda: iam.get_user(session, name) is not None,
            "role": lambda: iam.get_role(session, name) is not None,
            "group": lambda: iam.group_exists(session, name),
        }[kind]()
        if not exists:
            raise BadInput(f"There is no IAM {kind} called '{name}'.")
        detail = iam.policy_detail(session, inv.args[0])
        attached = (
            name in {"user": detail.users, "role": detail.roles, "group": detail.groups}[kind]
        )
        if attached and not detach:
            raise BadInput(f"{detail.policy.name} is already attached to {kind} {name}.")
        if not attached and detach:
            raise BadInput(f"{detail.policy.name} is not attached to {kind} {name}.")
        entry = _entry(
            f"iam.{verb}_policy",
            {"arn": detail.policy.arn, "kind": kind, "name": name},
            f"{verb.capitalize()} {detail.policy.name} ({detail.policy.arn}) "
            f"{'from' if detach else 'to'} {kind} {name}",
            [detail.policy.arn],
        )
        return _plan(ctx, [entry], region=ctx.region, what=f"{verb} {detail.policy.name}")

    return plan


def _iam_keys(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import iam

    name = iam.principal_name(inv.args[0], "user")
    with _named():
        keys = iam.list_access_keys(ctx.session(), name)
    rows = [
        [
            f"…{k.suffix}",
            k.status,
            when(k.created),
            when(k.last_used) or "never",
            k.last_service or "",
        ]
        for k in keys
    ]
    return Result(
        title=f"{plural(len(keys), 'access key')} of {name}",
        text="Keys are named by their last four characters (full ids are redacted from "
        "answers); use those four characters in `iam keys deactivate|activate|delete`.",
        tables=[
            Table(
                columns=["Key", "Status", "Created", "Last used", "Service"],
                rows=rows,
                empty=f"{name} has no access keys.",
            )
        ],
        data={"user": name, "access_keys": dump(keys)},
    )


def _key_secret(ctx: DevOpsContext, inv: Invocation, command: str) -> tuple[str, str, str]:
    from devops_agent.aws.operations import access_key_secret_names
    from devops_agent.gh.secrets import secret_name

    if not inv.option("--secret"):
        raise BadInput(
            f"`{command}` needs --secret NAME: the new key goes to the repository Actions "
            "secrets NAME_ACCESS_KEY_ID and NAME_SECRET_ACCESS_KEY, and nowhere else."
        )
    if not ctx.repository:
        raise BadInput("A new access key needs a repository to keep its secret in.")
    prefix = secret_name(inv.option("--secret"))
    return (prefix, *access_key_secret_names(prefix))


def _user_keys(ctx: DevOpsContext, user: str) -> list[Any]:
    from devops_agent.aws import iam

    name = iam.principal_name(user, "user")
    if iam.get_user(ctx.session(), name) is None:
        raise BadInput(f"There is no IAM user called '{name}'.")
    return iam.list_access_keys(ctx.session(), name)


def _create_key_entry(ctx: DevOpsContext, user: str, secrets: tuple[str, str, str]) -> PlanEntry:
    prefix, id_secret, key_secret = secrets
    return _entry(
        "iam.create_access_key",
        {"user": user, "repository": ctx.repository, "secret": prefix},
        f"Create an access key for {user}; store it only in the Actions secrets {id_secret} "
        f"and {key_secret} of {ctx.repository}",
        [user],
    )


def _iam_keys_create(ctx: DevOpsContext, inv: Invocation) -> Result:
    user = inv.args[0].strip()
    secrets = _key_secret(ctx, inv, "iam keys create")
    keys = _user_keys(ctx, user)
    if len(keys) >= 2:
        raise BadInput(
            f"{user} already has 2 access keys, the most IAM allows.",
            remedy="Delete one first (`iam keys delete USER KEY`), or rotate with "
            "`iam keys rotate`.",
        )
    entry = _create_key_entry(ctx, user, secrets)
    return _plan(ctx, [entry], region=ctx.region, what=f"create an access key for {user}")


def _iam_keys_rotate(ctx: DevOpsContext, inv: Invocation) -> Result:
    user = inv.args[0].strip()
    secrets = _key_secret(ctx, inv, "iam keys rotate")
    keys = _user_keys(ctx, user)
    active = [k for k in keys if k.status == "Active"]
    if len(keys) >= 2:
        raise BadInput(
            f"{user} already has 2 access keys, the most IAM allows, so a new one cannot be "
            "created.",
            remedy="Delete the one that is no longer used first: `iam keys delete USER KEY`.",
        )
    if not active:
        raise BadInput(
            f"{user} has no active access key to rotate.",
            remedy=f"Create one with `iam keys create {user} --secret NAME`.",
        )
    entries = [_create_key_entry(ctx, user, secrets)]
    entries += [
        _entry(
            "iam.update_access_key",
            {"user": user, "access_key": k.id.lower(), "status": "Inactive"},
            f"Deactivate the old access key …{k.suffix} of {user}",
            [user],
        )
        for k in active
    ]
    return _plan(
        ctx,
        entries,
        region=ctx.region,
        what=f"rotate the access key of {user}",
        note="After the new key works everywhere, delete the old one with "
        f"`iam keys delete {user} {active[0].suffix}`.",
    )


def _find_key(keys: list[Any], user: str, given: str) -> Any:
    wanted = given.strip().upper().lstrip("…").lstrip(".")
    if len(wanted) < 4:
        raise BadInput("Name the key by its id or at least its last four characters.")
    found = [k for k in keys if k.id == wanted or k.id.endswith(wanted)]
    if len(found) != 1:
        raise BadInput(
            f"{user} has no access key ending in {wanted}; `iam keys {user}` lists its keys."
        )
    return found[0]


def _iam_keys_status(status: str) -> Handler:
    verb = "activate" if status == "Active" else "deactivate"

    def plan(ctx: DevOpsContext, inv: Invocation) -> Result:
        user = inv.args[0].strip()
        key = _find_key(_user_keys(ctx, user), user, inv.args[1])
        if key.status == status:
            return _unchanged(
                f"Access key …{key.suffix} of {user} is already {status}", {"user": user}
            )
        entry = _entry(
            "iam.update_access_key",
            {"user": user, "access_key": key.id.lower(), "status": status},
            f"{verb.capitalize()} access key …{key.suffix} of {user}",
            [user],
        )
        return _plan(ctx, [entry], region=ctx.region, what=f"{verb} an access key of {user}")

    return plan


def _iam_keys_delete(ctx: DevOpsContext, inv: Invocation) -> Result:
    user = inv.args[0].strip()
    key = _find_key(_user_keys(ctx, user), user, inv.args[1])
    if key.status == "Active" and not inv.flag("--force"):
        raise BadInput(
            f"Access key …{key.suffix} of {user} is active.",
            remedy=f"Deactivate it first and check nothing breaks (`iam keys deactivate {user} "
            f"{key.suffix}`), or add --force.",
        )
    entry = _entry(
        "iam.delete_access_key",
        {"user": user, "access_key": key.id.lower()},
        f"Delete access key …{key.suffix} of {user} ({key.status.lower()}) for good",
        [user],
    )
    return _plan(ctx, [entry], region=ctx.region, what=f"delete an access key of {user}")


def _iam_permissions(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import iam

    kind = "role" if inv.flag("--role") else "user" if inv.flag("--user") else None
    session = ctx.session()
    found = iam.permissions(session, inv.args[0], kind)
    rows = [[p.name, p.kind, p.via, p.arn or ""] for p in found.policies]
    tables = [
        Table(
            title="Policies",
            columns=["Policy", "Kind", "Through", "ARN"],
            rows=rows,
            empty="No policies: it may do nothing (unless a resource policy allows it).",
        )
    ]
    data: dict[str, Any] = {"permissions": found.model_dump(mode="json")}
    actions = _ids(inv.option("--simulate"))
    if actions:
        resources = _ids(inv.option("--resource")) or None
        results = iam.simulate(session, found.arn, actions, resources)
        tables.append(
            Table(
                title="Simulated",
                columns=["Action", "Resource", "Decision", "Decided by"],
                rows=[
                    [r.action, r.resource, r.decision, ", ".join(r.matched) or "-"] for r in results
                ],
            )
        )
        data["simulation"] = dump(results)
    text = ""
    if found.groups:
        text += f"Groups: {', '.join(found.groups)}. "
    if found.boundary:
        text += f"Permissions boundary: `{found.boundary}`. "
    return Result(
        title=f"What {found.kind} {found.principal} may do",
        text=text.strip(),
        tables=tables,
        data=data,
    )


# --------------------------------------------------------------------------- VPC


def _vpc_create(ctx: DevOpsContext, inv: Invocation) -> Result:
    import ipaddress

    from devops_agent.aws import vpc
    from devops_agent.aws.writes import cidr_block

    region = _region(ctx, inv, "vpc create")
    block = cidr_block(inv.args[0], ipv6=False)
    network = ipaddress.ip_network(block)
    if not 16 <= network.prefixlen <= 28:
        raise BadInput(f"A VPC's CIDR block is between /16 and /28; {block} is not.")
    overlaps = [
        v.id
        for v in vpc.list_vpcs(ctx.session(), region)
        if v.cidr and network.overlaps(ipaddress.ip_network(v.cidr))
    ]
    name = inv.option("--name") or None
    entry = _entry(
        "vpc.create_vpc",
        {"region": region, "cidr": block, "name": name},
        f"Create a VPC {block}"
        + (f" named {name}" if name else "")
        + f" in {region}"
        + (f" (overlaps {', '.join(overlaps)}: they cannot be peered)" if overlaps else ""),
        [block],
    )
    return _plan(ctx, [entry], region=region, what=f"create a VPC {block}")


def _vpc_delete(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import vpc

    region = _region(ctx, inv, "vpc delete")
    session = ctx.session()
    with _named():
        network = vpc.describe_vpc(session, region, inv.args[0])
    if network.is_default:
        raise BadInput(f"{network.id} is the default VPC of {region}; devops-agent keeps it.")
    deps = vpc.vpc_dependencies(session, region, network.id)
    if deps:
        shown = "; ".join(f"{kind}: {', '.join(ids)}" for kind, ids in deps.items())
        raise BadInput(
            f"{network.id} still has {shown}.",
            remedy="Delete those first (each has its own command); AWS deletes only an empty VPC.",
        )
    entry = _entry(
        "vpc.delete_vpc",
        {"region": region, "vpc_id": network.id},
        f"Delete VPC {network.id}"
        + (f" ({network.name})" if network.name else "")
        + f", {network.cidr}",
        [network.id],
    )
    return _plan(ctx, [entry], region=region, what=f"delete {network.id}")


def _vpc_subnet_create(ctx: DevOpsContext, inv: Invocation) -> Result:
    import ipaddress

    from devops_agent.aws import vpc
    from devops_agent.aws.writes import cidr_block

    region = _region(ctx, inv, "vpc subnet create")
    session = ctx.session()
    block = cidr_block(inv.args[1], ipv6=False)
    with _named():
        network = vpc.describe_vpc(session, region, inv.args[0])
    subnet_net = ipaddress.ip_network(block)
    if not subnet_net.subnet_of(ipaddress.ip_network(network.cidr)):  # type: ignore[arg-type]
        raise BadInput(f"{block} is not inside {network.id}'s block {network.cidr}.")
    if not 16 <= subnet_net.prefixlen <= 28:
        raise BadInput(f"A subnet's CIDR block is between /16 and /28; {block} is not.")
    clash = [
        s.id
        for s in vpc.list_subnets(session, region, network.id)
        if subnet_net.overlaps(ipaddress.ip_network(s.cidr))
    ]
    if clash:
        raise BadInput(f"{block} overlaps {', '.join(clash)} in {network.id}.")
    zone = inv.option("--az") or None
    if zone and not (zone.startswith(region) and len(zone) > len(region)):
        raise BadInput(f"'{zone}' is not an availability zone of {region} (like {region}a).")
    public = inv.flag("--public")
    name = inv.option("--name") or None
    entry = _entry(
        "vpc.create_subnet",
        {
            "region": region,
            "vpc_id": network.id,
            "cidr": block,
            "availability_zone": zone,
            "name": name,
            "public": public,
        },
        f"Create subnet {block} in {network.id}"
        + (f" ({zone})" if zone else "")
        + (f" named {name}" if name else "")
        + ("; instances get public IPv4 addresses" if public else ""),
        [network.id],
    )
    return _plan(ctx, [entry], region=region, what=f"create subnet {block}")


def _vpc_subnet_delete(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import vpc

    region = _region(ctx, inv, "vpc subnet delete")
    session = ctx.session()
    with _named():
        subnet = vpc.describe_subnet(session, region, inv.args[0])
    deps = vpc.subnet_dependencies(session, region, subnet.id)
    if deps:
        shown = "; ".join(f"{kind}: {', '.join(ids)}" for kind, ids in deps.items())
        raise BadInput(f"{subnet.id} is still in use: {shown}.")
    entry = _entry(
        "vpc.delete_subnet",
        {"region": region, "subnet_id": subnet.id},
        f"Delete subnet {subnet.id}"
        + (f" ({subnet.name})" if subnet.name else "")
        + f", {subnet.cidr} in {subnet.vpc_id}",
        [subnet.id],
    )
    return _plan(ctx, [entry], region=region, what=f"delete {subnet.id}")


def _vpc_route_table_create(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import vpc

    region = _region(ctx, inv, "vpc route-table create")
    with _named():
        network = vpc.describe_vpc(ctx.session(), region, inv.args[0])
    name = inv.option("--name") or None
    entry = _entry(
        "vpc.create_route_table",
        {"region": region, "vpc_id": network.id, "name": name},
        f"Create a route table in {network.id}"
        + (f" named {name}" if name else "")
        + " (local route only; no subnet uses it yet)",
        [network.id],
    )
    return _plan(ctx, [entry], region=region, what=f"create a route table in {network.id}")


def _vpc_route_table_delete(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import vpc

    region = _region(ctx, inv, "vpc route-table delete")
    with _named():
        table = vpc.describe_route_table(ctx.session(), region, inv.args[0])
    if table.main:
        raise BadInput(f"{table.id} is the main route table of {table.vpc_id}; AWS keeps it.")
    if table.associations:
        raise BadInput(
            f"{table.id} is used by {', '.join(table.associations)}.",
            remedy="Disassociate them first: `vpc route-table disassociate SUBNET_ID`.",
        )
    entry = _entry(
        "vpc.delete_route_table",
        {"region": region, "route_table_id": table.id},
        f"Delete route table {table.id}" + (f" ({table.name})" if table.name else ""),
        [table.id],
    )
    return _plan(ctx, [entry], region=region, what=f"delete {table.id}")


def _route_for(table: Any, destination: str) -> str | None:
    return next((r for r in table.routes if r.split(" -> ")[0] == destination), None)


def _vpc_route_add(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import vpc

    region = _region(ctx, inv, "vpc route add")
    session = ctx.session()
    _, destination = vpc.route_destination(inv.args[1])
    _, target = vpc.route_target(inv.args[2])
    with _named():
        table = vpc.describe_route_table(session, region, inv.args[0])
    existing = _route_for(table, destination)
    if existing:
        raise BadInput(
            f"{table.id} already routes {existing}.",
            remedy=f"Delete it first: `vpc route delete {table.id} {destination}`.",
        )
    if target.startswith("igw-") and target not in {
        g.id for g in vpc.list_internet_gateways(session, region, table.vpc_id)
    }:
        raise BadInput(f"{target} is not attached to {table.vpc_id}.")
    if target.startswith("nat-") and target not in {
        n.id for n in vpc.list_nat_gateways(session, region, table.vpc_id)
    }:
        raise BadInput(f"{target} is not a NAT gateway of {table.vpc_id}.")
    entry = _entry(
        "vpc.create_route",
        {
            "region": region,
            "route_table_id": table.id,
            "destination": destination,
            "target": target,
        },
        f"Route {destination} -> {target} in {table.id}"
        + (f" ({table.name})" if table.name else ""),
        [table.id, target],
    )
    return _plan(ctx, [entry], region=region, what=f"add a route to {table.id}")


def _vpc_route_delete(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import vpc

    region = _region(ctx, inv, "vpc route delete")
    _, destination = vpc.route_destination(inv.args[1])
    with _named():
        table = vpc.describe_route_table(ctx.session(), region, inv.args[0])
    existing = _route_for(table, destination)
    if existing is None:
        raise BadInput(f"{table.id} has no route for {destination}.")
    if existing.endswith("-> local"):
        raise BadInput(f"{existing} is the VPC's local route; AWS keeps it.")
    entry = _entry(
        "vpc.delete_route",
        {"region": region, "route_table_id": table.id, "destination": destination},
        f"Remove the route {existing} from {table.id}",
        [table.id],
    )
    return _plan(ctx, [entry], region=region, what=f"remove a route from {table.id}")


def _vpc_route_table_associate(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import vpc

    region = _region(ctx, inv, "vpc route-table associate")
    session = ctx.session()
    with _named():
        table = vpc.describe_route_table(session, region, inv.args[0])
        subnet = vpc.describe_subnet(session, region, inv.args[1])
    if subnet.vpc_id != table.vpc_id:
        raise BadInput(f"{subnet.id} is in {subnet.vpc_id}, {table.id} in {table.vpc_id}.")
    current = vpc.subnet_association(session, region, subnet.id)
    if current is not None and current.route_table_id == table.id:
        return _unchanged(f"{subnet.id} already uses {table.id}", {"subnet": subnet.id})
    entry = _entry(
        "vpc.associate_route_table",
        {
            "region": region,
            "route_table_id": table.id,
            "subnet_id": subnet.id,
            "replace_association_id": current.id if current else None,
        },
        f"Make {subnet.id} use {table.id}"
        + (f" instead of {current.route_table_id}" if current else " instead of the main table"),
        [subnet.id, table.id],
    )
    return _plan(ctx, [entry], region=region, what=f"associate {table.id} with {subnet.id}")


def _vpc_route_table_disassociate(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import vpc

    region = _region(ctx, inv, "vpc route-table disassociate")
    session = ctx.session()
    with _named():
        subnet = vpc.describe_subnet(session, region, inv.args[0])
    current = vpc.subnet_association(session, region, subnet.id)
    if current is None:
        return _unchanged(
            f"{subnet.id} already uses its VPC's main route table", {"subnet": subnet.id}
        )
    entry = _entry(
        "vpc.disassociate_route_table",
        {"region": region, "association_id": current.id},
        f"Disassociate {subnet.id} from {current.route_table_id} (it falls back to the main table)",
        [subnet.id, current.route_table_id],
    )
    return _plan(ctx, [entry], region=region, what=f"disassociate {subnet.id}")


def _vpc_igw(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, vpc

    regions = regions_of(ctx, inv)
    session = ctx.session()
    vpc_id = inv.args[0] if inv.args else None
    gateways = across_regions(regions, lambda r: vpc.list_internet_gateways(session, r, vpc_id))
    rows = [[g.id, g.name or "", ", ".join(g.vpc_ids) or "detached", g.region] for g in gateways]
    return Result(
        title=f"{plural(len(gateways), 'internet gateway')} in {vpc_id or where(regions)}",
        tables=[Table(columns=["Gateway", "Name", "VPC", "Region"], rows=rows)],
        data={"regions": regions, "internet_gateways": dump(gateways)},
    )


def _vpc_igw_create(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import vpc

    region = _region(ctx, inv, "vpc igw create")
    session = ctx.session()
    with _named():
        network = vpc.describe_vpc(session, region, inv.args[0])
    attached = vpc.list_internet_gateways(session, region, network.id)
    if attached:
        raise BadInput(f"{network.id} already has internet gateway {attached[0].id}.")
    name = inv.option("--name") or None
    entry = _entry(
        "vpc.create_internet_gateway",
        {"region": region, "vpc_id": network.id, "name": name},
        "Create an internet gateway"
        + (f" named {name}" if name else "")
        + f" and attach it to {network.id} (no route uses it yet)",
        [network.id],
    )
    return _plan(ctx, [entry], region=region, what=f"add an internet gateway to {network.id}")


def _vpc_igw_delete(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import vpc
    from devops_agent.aws.writes import resource_id

    region = _region(ctx, inv, "vpc igw delete")
    session = ctx.session()
    wanted = resource_id(inv.args[0], "igw", "internet gateway")
    gateway = next((g for g in vpc.list_internet_gateways(session, region) if g.id == wanted), None)
    if gateway is None:
        raise BadInput(f"There is no internet gateway {wanted} in {region}.")
    routes = [
        t.id
        for v in gateway.vpc_ids
        for t in vpc.list_route_tables(session, region, v)
        if any(r.split(" -> ")[-1].startswith(wanted) for r in t.routes)
    ]
    entry = _entry(
        "vpc.delete_internet_gateway",
        {"region": region, "gateway_id": wanted, "vpc_ids": gateway.vpc_ids},
        (
            f"Detach {wanted} from {', '.join(gateway.vpc_ids)} and delete it"
            if gateway.vpc_ids
            else f"Delete {wanted}"
        )
        + (f"; routes in {', '.join(routes)} become blackholes" if routes else ""),
        [wanted, *gateway.vpc_ids],
    )
    return _plan(ctx, [entry], region=region, what=f"delete {wanted}")


def _vpc_nat(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, vpc

    regions = regions_of(ctx, inv)
    session = ctx.session()
    vpc_id = inv.args[0] if inv.args else None
    gateways = across_regions(regions, lambda r: vpc.list_nat_gateways(session, r, vpc_id))
    rows = [
        [n.id, n.name or "", n.vpc_id, n.subnet_id, n.state, n.connectivity, n.public_ip or ""]
        for n in gateways
    ]
    return Result(
        title=f"{plural(len(gateways), 'NAT gateway')} in {vpc_id or where(regions)}",
        tables=[
            Table(
                columns=["Gateway", "Name", "VPC", "Subnet", "State", "Type", "Public IP"],
                rows=rows,
            )
        ],
        data={"regions": regions, "nat_gateways": dump(gateways)},
    )


def _vpc_nat_create(ctx: DevOpsContext, inv: Invocation) -> Result:
    import uuid

    from devops_agent.aws import vpc
    from devops_agent.aws.writes import resource_id

    region = _region(ctx, inv, "vpc nat create")
    private = inv.flag("--private")
    eip = inv.option("--eip")
    if private and eip:
        raise BadInput("A private NAT gateway has no Elastic IP; drop --eip or --private.")
    allocation = resource_id(eip, "eipalloc", "Elastic IP allocation") if eip else None
    with _named():
        subnet = vpc.describe_subnet(ctx.session(), region, inv.args[0])
    name = inv.option("--name") or None
    how = (
        "private"
        if private
        else f"public, with Elastic IP {allocation}"
        if allocation
        else "public, with a new Elastic IP"
    )
    entry = _entry(
        "vpc.create_nat_gateway",
        {
            "region": region,
            "subnet_id": subnet.id,
            "allocation_id": allocation,
            "private": private,
            "name": name,
            "client_token": uuid.uuid4().hex,
        },
        f"Create a NAT gateway in {subnet.id} ({subnet.vpc_id}), {how}"
        + (f", named {name}" if name else "")
        + " (NAT gateways are billed by the hour)",
        [subnet.id],
    )
    return _plan(ctx, [entry], region=region, what=f"create a NAT gateway in {subnet.id}")


def _vpc_nat_delete(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import vpc
    from devops_agent.aws.writes import resource_id

    region = _region(ctx, inv, "vpc nat delete")
    wanted = resource_id(inv.args[0], "nat", "NAT gateway")
    gateway = next(
        (n for n in vpc.list_nat_gateways(ctx.session(), region) if n.id == wanted), None
    )
    if gateway is None:
        raise BadInput(f"There is no NAT gateway {wanted} in {region}.")
    entry = _entry(
        "vpc.delete_nat_gateway",
        {"region": region, "nat_gateway_id": wanted},
        f"Delete NAT gateway {wanted} in {gateway.subnet_id}"
        + (f" (its Elastic IP {gateway.public_ip} stays allocated)" if gateway.public_ip else ""),
        [wanted],
    )
    return _plan(ctx, [entry], region=region, what=f"delete {wanted}")


def _vpc_flowlogs(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, vpc

    regions = regions_of(ctx, inv)
    session = ctx.session()
    vpc_id = inv.args[0] if inv.args else None
    logs = across_regions(regions, lambda r: vpc.list_flow_logs(session, r, vpc_id))
    rows = [
        [f.id, f.resource_id, f.traffic_type, f.destination_type, f.destination, f.status]
        for f in logs
    ]
    return Result(
        title=f"{plural(len(logs), 'flow log')} in {vpc_id or where(regions)}",
        tables=[
            Table(
                columns=["Flow log", "Records", "Traffic", "Type", "Destination", "Status"],
                rows=rows,
                empty="No flow logs: traffic is not recorded.",
            )
        ],
        data={"regions": regions, "flow_logs": dump(logs)},
    )


def _vpc_flowlogs_enable(ctx: DevOpsContext, inv: Invocation) -> Result:
    import uuid

    from devops_agent.aws import vpc

    region = _region(ctx, inv, "vpc flowlogs enable")
    session = ctx.session()
    destination = vpc.flow_log_destination(
        s3_arn=inv.option("--s3"),
        log_group=inv.option("--log-group"),
        role_arn=inv.option("--role"),
    )
    traffic = inv.option("--traffic", "ALL").upper()
    if traffic not in ("ALL", "ACCEPT", "REJECT"):
        raise BadInput(f"'{traffic}' is not a traffic type; use ALL, ACCEPT or REJECT.")
    with _named():
        network = vpc.describe_vpc(session, region, inv.args[0])
    where_ = destination.get("LogDestination") or destination.get("LogGroupName", "")
    if destination["LogDestinationType"] == "s3":
        bucket = where_.split(":::", 1)[1].split("/", 1)[0]
        _bucket_region(ctx, bucket)
    if any(f.destination == where_ for f in vpc.list_flow_logs(session, region, network.id)):
        raise BadInput(f"{network.id} already sends flow logs to {where_}.")
    entry = _entry(
        "vpc.create_flow_logs",
        {
            "region": region,
            "vpc_id": network.id,
            "destination": destination,
            "traffic_type": traffic,
            "client_token": uuid.uuid4().hex,
        },
        f"Record {traffic} traffic of {network.id} to {where_}"
        + (
            f" (delivered by {destination['DeliverLogsPermissionArn']})"
            if "DeliverLogsPermissionArn" in destination
            else ""
        ),
        [network.id],
    )
    return _plan(ctx, [entry], region=region, what=f"turn on flow logs for {network.id}")


def _vpc_flowlogs_delete(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import vpc
    from devops_agent.aws.writes import resource_id

    region = _region(ctx, inv, "vpc flowlogs delete")
    wanted = resource_id(inv.args[0], "fl", "flow log")
    log = next((f for f in vpc.list_flow_logs(ctx.session(), region) if f.id == wanted), None)
    if log is None:
        raise BadInput(f"There is no flow log {wanted} in {region}.")
    entry = _entry(
        "vpc.delete_flow_logs",
        {"region": region, "flow_log_id": wanted},
        f"Stop recording {log.resource_id} to {log.destination} (delete {wanted}; logs "
        "already delivered stay)",
        [wanted, log.resource_id],
    )
    return _plan(ctx, [entry], region=region, what=f"delete {wanted}")


def _s(
    path: str,
    usage: str,
    summary: str,
    handler: Handler,
    args: tuple[int, int | None] = (0, 0),
    options: tuple[str, ...] = (),
    flags: tuple[str, ...] = (),
    *,
    pairs: bool = False,
) -> Spec:
    return Spec(
        tuple(path.split()),
        usage,
        summary,
        handler,
        REGION | frozenset(options),
        args[0],
        args[1],
        frozenset(flags),
        pairs,
    )


AWS_COMMANDS: tuple[Spec, ...] = (
    # S3 -----------------------------------------------------------------------------
    Spec(("s3", "list"), "s3 list", "S3 buckets with their regions.", _s3_list, REGION),
    Spec(("s3", "ls"), "s3 ls BUCKET [PREFIX]", "Objects in a bucket.", _s3_ls, REGION, 1, 2),
    _s("s3 describe", "s3 describe BUCKET", "Every setting of a bucket.", _s3_describe, (1, 1)),
    _s("s3 create", "s3 create BUCKET", "Plan to create a bucket in --region.", _s3_create, (1, 1)),
    _s(
        "s3 delete",
        "s3 delete BUCKET [--delete-objects]",
        "Plan to delete a bucket (and, if said, everything in it).",
        _s3_delete,
        (1, 1),
        (),
        ("--delete-objects",),
    ),
    _s(
        "s3 upload",
        "s3 upload PATH s3://BUCKET/KEY [--force]",
        "Plan to upload a workspace file (up to 100 MiB).",
        _s3_upload,
        (2, 2),
        (),
        ("--force",),
    ),
    _s(
        "s3 download",
        "s3 download s3://BUCKET/KEY [PATH] [--force]",
        "Copy an object into the workspace now (up to 100 MiB; --force overwrites).",
        _s3_download,
        (1, 2),
        (),
        ("--force",),
    ),
    Spec(("s3", "policy"), "s3 policy BUCKET", "A bucket's policy.", _s3_policy, REGION, 1, 1),
    _s(
        "s3 policy set",
        "s3 policy set BUCKET FILE",
        "Plan to replace a bucket policy with a workspace JSON file.",
        _s3_policy_set,
        (2, 2),
    ),
    _s(
        "s3 policy delete",
        "s3 policy delete BUCKET",
        "Plan to remove a bucket policy.",
        _s3_policy_delete,
        (1, 1),
    ),
    _s(
        "s3 versioning",
        "s3 versioning BUCKET [on|off]",
        "A bucket's versioning; with on/off, plan to change it.",
        _s3_versioning,
        (1, 2),
    ),
    _s(
        "s3 encryption",
        "s3 encryption BUCKET [sse-s3|sse-kms [--kms-key KEY]|off]",
        "A bucket's default encryption; with a setting, plan to change it.",
        _s3_encryption,
        (1, 2),
        ("--kms-key",),
    ),
    _s(
        "s3 public-access",
        "s3 public-access BUCKET [block|unblock]",
        "A bucket's public access block; with block/unblock, plan to change it.",
        _s3_public_access,
        (1, 2),
    ),
    _s(
        "s3 tags",
        "s3 tags BUCKET [KEY=VALUE...] [--remove KEY,...]",
        "A bucket's tags; with changes, plan to set them.",
        _s3_tags,
        (1, 1),
        ("--remove",),
        pairs=True,
    ),
    _s(
        "s3 lifecycle",
        "s3 lifecycle BUCKET [FILE | --expire-days N [--prefix P] | --clear]",
        "A bucket's lifecycle rules; with a change, plan it.",
        _s3_lifecycle,
        (1, 2),
        ("--expire-days", "--prefix"),
        ("--clear",),
    ),
    _s(
        "s3 logging",
        "s3 logging BUCKET [--target BUCKET [--prefix P] | --off]",
        "A bucket's access logging; with a change, plan it.",
        _s3_logging,
        (1, 1),
        ("--target", "--prefix"),
        ("--off",),
    ),
    # IAM ----------------------------------------------------------------------------
    Spec(("iam", "users"), "iam users", "IAM users.", _iam_users, REGION),
    Spec(("iam", "roles"), "iam roles", "IAM roles.", _iam_roles, REGION),
    Spec(("iam", "groups"), "iam groups", "IAM groups.", _iam_groups, REGION),
    Spec(
        ("iam", "policies"),
        "iam policies [--user U | --role R | --group G]",
        "Customer managed IAM policies, or those of one user, role or group.",
        _iam_policies,
        REGION | {"--user", "--role", "--group"},
    ),
    _s(
        "iam policy show",
        "iam policy show NAME|ARN",
        "A managed policy's document and attachments.",
        _iam_policy_show,
        (1, 1),
    ),
    _s(
        "iam policy create",
        "iam policy create NAME FILE [--description D] [--path P]",
        "Plan to create a managed policy from a workspace JSON file.",
        _iam_policy_create,
        (2, 2),
        ("--description", "--path"),
    ),
    _s(
        "iam policy delete",
        "iam policy delete NAME|ARN [--force]",
        "Plan to delete a managed policy (--force detaches it first).",
        _iam_policy_delete,
        (1, 1),
        (),
        ("--force",),
    ),
    _s(
        "iam policy attach",
        "iam policy attach NAME|ARN --user U | --role R | --group G",
        "Plan to attach a managed policy.",
        _iam_policy_attach(detach=False),
        (1, 1),
        ("--user", "--role", "--group"),
    ),
    _s(
        "iam policy detach",
        "iam policy detach NAME|ARN --user U | --role R | --group G",
        "Plan to detach a managed policy.",
        _iam_policy_attach(detach=True),
        (1, 1),
        ("--user", "--role", "--group"),
    ),
    _s(
        "iam user create",
        "iam user create NAME [--path P] [--tag K=V,...]",
        "Plan to create an IAM user.",
        _iam_user_create,
        (1, 1),
        ("--path", "--tag"),
        pairs=True,
    ),
    _s(
        "iam user delete",
        "iam user delete NAME [--force]",
        "Plan to delete an IAM user (--force removes its keys, policies, groups first).",
        _iam_user_delete,
        (1, 1),
        (),
        ("--force",),
    ),
    _s(
        "iam role create",
        "iam role create NAME (--trust FILE | --service PRINCIPAL,...) [--description D] "
        "[--path P]",
        "Plan to create an IAM role with a trust policy.",
        _iam_role_create,
        (1, 1),
        ("--trust", "--service", "--description", "--path"),
    ),
    _s(
        "iam role delete",
        "iam role delete NAME [--force]",
        "Plan to delete an IAM role (--force removes its policies first).",
        _iam_role_delete,
        (1, 1),
        (),
        ("--force",),
    ),
    _s(
        "iam keys",
        "iam keys USER",
        "A user's access keys and when they were last used.",
        _iam_keys,
        (1, 1),
    ),
    _s(
        "iam keys create",
        "iam keys create USER --secret NAME",
        "Plan a new access key, stored only in repository secrets NAME_*.",
        _iam_keys_create,
        (1, 1),
        ("--secret",),
    ),
    _s(
        "iam keys rotate",
        "iam keys rotate USER --secret NAME",
        "Plan a new access key (to secrets NAME_*) and deactivating the old one.",
        _iam_keys_rotate,
        (1, 1),
        ("--secret",),
    ),
    _s(
        "iam keys deactivate",
        "iam keys deactivate USER KEY",
        "Plan to deactivate an access key (KEY: id or last 4 characters).",
        _iam_keys_status("Inactive"),
        (2, 2),
    ),
    _s(
        "iam keys activate",
        "iam keys activate USER KEY",
        "Plan to activate an access key again.",
        _iam_keys_status("Active"),
        (2, 2),
    ),
    _s(
        "iam keys delete",
        "iam keys delete USER KEY [--force]",
        "Plan to delete an access key (--force if it is still active).",
        _iam_keys_delete,
        (2, 2),
        (),
        ("--force",),
    ),
    _s(
        "iam permissions",
        "iam permissions USER|ROLE [--role] [--simulate ACTION,...] [--resource ARN,...]",
        "What a user or role may do; --simulate asks IAM's policy simulator.",
        _iam_permissions,
        (1, 1),
        ("--simulate", "--resource"),
        ("--role", "--user"),
    ),
    # VPC ----------------------------------------------------------------------------
    Spec(("vpc", "list"), "vpc list", "VPCs.", _vpc_list, REGION),
    _s(
        "vpc create",
        "vpc create CIDR [--name N]",
        "Plan to create a VPC.",
        _vpc_create,
        (1, 1),
        ("--name",),
    ),
    _s("vpc delete", "vpc delete VPC_ID", "Plan to delete an empty VPC.", _vpc_delete, (1, 1)),
    Spec(
        ("vpc", "subnets"),
        "vpc subnets [VPC_ID]",
        "Subnets, optionally of one VPC.",
        _vpc_subnets,
        REGION,
        0,
        1,
    ),
    _s(
        "vpc subnet create",
        "vpc subnet create VPC_ID CIDR [--az ZONE] [--name N] [--public]",
        "Plan to create a subnet.",
        _vpc_subnet_create,
        (2, 2),
        ("--az", "--name"),
        ("--public",),
    ),
    _s(
        "vpc subnet delete",
        "vpc subnet delete SUBNET_ID",
        "Plan to delete an unused subnet.",
        _vpc_subnet_delete,
        (1, 1),
    ),
    Spec(
        ("vpc", "routes"),
        "vpc routes [VPC_ID]",
        "Route tables and their routes.",
        _vpc_routes,
        REGION,
        0,
        1,
    ),
    _s(
        "vpc route add",
        "vpc route add RTB_ID CIDR|PL_ID TARGET_ID",
        "Plan to add a route (target igw-, nat-, tgw-, pcx-, eni-, vpce-, i-...).",
        _vpc_route_add,
        (3, 3),
    ),
    _s(
        "vpc route delete",
        "vpc route delete RTB_ID CIDR|PL_ID",
        "Plan to remove a route.",
        _vpc_route_delete,
        (2, 2),
    ),
    _s(
        "vpc route-table create",
        "vpc route-table create VPC_ID [--name N]",
        "Plan to create a route table.",
        _vpc_route_table_create,
        (1, 1),
        ("--name",),
    ),
    _s(
        "vpc route-table delete",
        "vpc route-table delete RTB_ID",
        "Plan to delete an unused route table.",
        _vpc_route_table_delete,
        (1, 1),
    ),
    _s(
        "vpc route-table associate",
        "vpc route-table associate RTB_ID SUBNET_ID",
        "Plan to make a subnet use a route table.",
        _vpc_route_table_associate,
        (2, 2),
    ),
    _s(
        "vpc route-table disassociate",
        "vpc route-table disassociate SUBNET_ID",
        "Plan to return a subnet to its VPC's main route table.",
        _vpc_route_table_disassociate,
        (1, 1),
    ),
    _s("vpc igw", "vpc igw [VPC_ID]", "Internet gateways.", _vpc_igw, (0, 1)),
    _s(
        "vpc igw create",
        "vpc igw create VPC_ID [--name N]",
        "Plan to create an internet gateway and attach it.",
        _vpc_igw_create,
        (1, 1),
        ("--name",),
    ),
    _s(
        "vpc igw delete",
        "vpc igw delete IGW_ID",
        "Plan to detach and delete an internet gateway.",
        _vpc_igw_delete,
        (1, 1),
    ),
    _s("vpc nat", "vpc nat [VPC_ID]", "NAT gateways.", _vpc_nat, (0, 1)),
    _s(
        "vpc nat create",
        "vpc nat create SUBNET_ID [--eip EIPALLOC_ID | --private] [--name N]",
        "Plan to create a NAT gateway.",
        _vpc_nat_create,
        (1, 1),
        ("--eip", "--name"),
        ("--private",),
    ),
    _s(
        "vpc nat delete",
        "vpc nat delete NAT_ID",
        "Plan to delete a NAT gateway.",
        _vpc_nat_delete,
        (1, 1),
    ),
    _s("vpc flowlogs", "vpc flowlogs [VPC_ID]", "VPC flow logs.", _vpc_flowlogs, (0, 1)),
    _s(
        "vpc flowlogs enable",
        "vpc flowlogs enable VPC_ID (--s3 BUCKET_ARN | --log-group NAME --role ROLE_ARN) "
        "[--traffic ALL|ACCEPT|REJECT]",
        "Plan to record a VPC's traffic.",
        _vpc_flowlogs_enable,
        (1, 1),
        ("--s3", "--log-group", "--role", "--traffic"),
    ),
    _s(
        "vpc flowlogs delete",
        "vpc flowlogs delete FLOW_LOG_ID",
        "Plan to stop a flow log.",
        _vpc_flowlogs_delete,
        (1, 1),
    ),
)
