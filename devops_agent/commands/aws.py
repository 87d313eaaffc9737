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


def _ec2_list(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, ec2

    regions = regions_of(ctx, inv)
    state = inv.option("--state") or None
    session = ctx.session()
    instances = across_regions(regions, lambda r: ec2.list_instances(session, r, state=state))
    rows = [
        [
            i.id,
            i.name or "",
            i.state,
            i.type,
            i.availability_zone or i.region,
            i.private_ip or "",
            i.public_ip or "",
            when(i.launch_time),
        ]
        for i in instances
    ]
    which = f"{state} " if state else ""
    return Result(
        title=f"{plural(len(instances), which + 'EC2 instance')} in {where(regions)}",
        tables=[
            Table(
                columns=[
                    "Instance",
                    "Name",
                    "State",
                    "Type",
                    "Zone",
                    "Private IP",
                    "Public IP",
                    "Launched",
                ],
                rows=rows,
                empty=f"No {which}instances in {', '.join(regions)}.",
            )
        ],
        data={"regions": regions, "instances": dump(instances)},
    )


def _ec2_describe(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import ec2

    (region,) = regions_of(ctx, inv)[:1]
    instances = ec2.describe_instances(ctx.session(), region, list(inv.args))
    rows = [
        [
            i.id,
            i.name or "",
            i.state,
            i.type,
            i.availability_zone or "",
            i.vpc_id or "",
            i.subnet_id or "",
            i.private_ip or "",
            i.public_ip or "",
            i.image_id or "",
            i.key_name or "",
            ", ".join(i.security_group_ids),
            ", ".join(f"{k}={v}" for k, v in sorted(i.tags.items())),
        ]
        for i in instances
    ]
    return Result(
        title=f"{plural(len(instances), 'EC2 instance')} in {region}",
        tables=[
            Table(
                columns=[
                    "Instance",
                    "Name",
                    "State",
                    "Type",
                    "Zone",
                    "VPC",
                    "Subnet",
                    "Private IP",
                    "Public IP",
                    "AMI",
                    "Key pair",
                    "Security groups",
                    "Tags",
                ],
                rows=rows,
            )
        ],
        data={"region": region, "instances": dump(instances)},
    )


def _ec2_sg_list(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, ec2

    regions = regions_of(ctx, inv)
    session = ctx.session()
    vpc_id = inv.option("--vpc") or None
    groups = across_regions(regions, lambda r: ec2.list_security_groups(session, r, vpc_id=vpc_id))

    def rules(group: ec2.SecurityGroup) -> str:
        return "; ".join(
            f"{r.protocol} {r.ports} from {', '.join(r.sources) or '-'}" for r in group.ingress
        )

    rows = [[g.id, g.name, g.vpc_id or "", g.region, rules(g) or "none"] for g in groups]
    return Result(
        title=f"{plural(len(groups), 'security group')} in {where(regions)}",
        tables=[Table(columns=["Group", "Name", "VPC", "Region", "Inbound rules"], rows=rows)],
        data={"regions": regions, "security_groups": dump(groups)},
    )


def _ec2_keypairs(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, ec2

    regions = regions_of(ctx, inv)
    session = ctx.session()
    pairs = across_regions(regions, lambda r: ec2.list_key_pairs(session, r))
    rows = [[k.name, k.id or "", k.type or "", k.region, when(k.created)] for k in pairs]
    return Result(
        title=f"{plural(len(pairs), 'key pair')} in {where(regions)}",
        tables=[Table(columns=["Key pair", "ID", "Type", "Region", "Created"], rows=rows)],
        data={"regions": regions, "key_pairs": dump(pairs)},
    )


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


def _ec2_state(action: str) -> Handler:
    """A planner: checks the instances exist, then proposes the state change."""

    def plan(ctx: DevOpsContext, inv: Invocation) -> Result:
        from devops_agent.apply import propose
        from devops_agent.aws.operations import instance_state_entry

        regions = regions_of(ctx, inv)
        if len(regions) != 1:
            raise BadInput(f"`ec2 {action}` works on one region at a time.")
        region = regions[0]
        entry = instance_state_entry(ctx.session(), region, list(inv.args), action)
        what = f"{action} {plural(len(entry.resources), 'EC2 instance')} in {region}"
        return propose(ctx, [entry], region=region, what=what)

    return plan


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


# --------------------------------------------------------------------------- EC2


def _ec2_create(ctx: DevOpsContext, inv: Invocation) -> Result:
    import uuid

    from devops_agent.aws import ec2, vpc

    region = _region(ctx, inv, "ec2 create")
    session = ctx.session()
    if not inv.option("--type"):
        raise BadInput("`ec2 create` needs --type, e.g. --type t3.micro.")
    count_text = inv.option("--count", "1")
    if not count_text.isdigit() or not 1 <= int(count_text) <= 10:
        raise BadInput("--count must be a number from 1 to 10.")
    with _named():
        image = ec2.describe_image(session, region, inv.args[0])
        instance_type = ec2.check_instance_type(session, region, inv.option("--type"))
        subnet = (
            vpc.describe_subnet(session, region, inv.option("--subnet"))
            if inv.option("--subnet")
            else None
        )
        groups = [ec2.describe_security_group(session, region, g) for g in _ids(inv.option("--sg"))]
    if image.state and image.state != "available":
        raise BadInput(f"{image.id} is {image.state}; only an available AMI can be launched.")
    for group in groups:
        if subnet is not None and group.vpc_id != subnet.vpc_id:
            raise BadInput(
                f"{group.id} ({group.name}) is in {group.vpc_id}, but {subnet.id} is in "
                f"{subnet.vpc_id}; security groups must be in the subnet's VPC."
            )
    key = inv.option("--key")
    if key and ec2.find_key_pair(session, region, key) is None:
        raise BadInput(f"There is no key pair '{key}' in {region}; see `ec2 keypairs`.")
    tags = _tags(inv)
    if inv.option("--name"):
        tags["Name"] = inv.option("--name")
    imds_v2 = not inv.flag("--allow-imdsv1")
    count = int(count_text)
    where_ = f"{subnet.id} ({subnet.vpc_id})" if subnet else "the default VPC"
    description = (
        f"Launch {plural(count, instance_type + ' instance')} from {image.id}"
        + (f" ({image.name})" if image.name else "")
        + f" in {where_}"
        + (f", security groups {', '.join(g.id for g in groups)}" if groups else "")
        + (f", key pair {key}" if key else "")
        + ("; IMDSv2 required" if imds_v2 else "; IMDSv1 allowed")
    )
    entry = _entry(
        "ec2.run_instances",
        {
            "region": region,
            "image_id": image.id,
            "instance_type": instance_type,
            "subnet_id": subnet.id if subnet else None,
            "security_group_ids": [g.id for g in groups],
            "key_name": key or None,
            "tags": tags,
            "count": count,
            "imds_v2_required": imds_v2,
            "client_token": uuid.uuid4().hex,
        },
        description,
        [image.id, *([subnet.id] if subnet else []), *(g.id for g in groups)],
    )
    return _plan(ctx, [entry], region=region, what=f"launch {plural(count, 'EC2 instance')}")


def _ec2_sg_describe(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import ec2
    from devops_agent.sanitize import table_cell

    region = _region(ctx, inv, "ec2 sg describe")
    session = ctx.session()
    with _named():
        group = ec2.describe_security_group(session, region, inv.args[0])
    use = ec2.security_group_use(session, region, group.id)

    def rows(rules: list[ec2.SecurityGroupRule]) -> list[list[Any]]:
        return [[r.protocol, r.ports, ", ".join(r.sources) or "-"] for r in rules]

    return Result(
        title=f"Security group {group.id} ({group.name}) in {group.vpc_id or region}",
        text=(group.description and f"Description: {table_cell(group.description)}\n\n")
        + (
            f"Used by {', '.join(use.network_interfaces)}."
            if use.network_interfaces
            else "No network interface uses it."
        )
        + (f" Named in the rules of {', '.join(use.referenced_by)}." if use.referenced_by else ""),
        tables=[
            Table(
                title="Inbound",
                columns=["Protocol", "Ports", "From"],
                rows=rows(group.ingress),
                empty="No inbound rules: nothing may connect in.",
            ),
            Table(
                title="Outbound",
                columns=["Protocol", "Ports", "To"],
                rows=rows(group.egress),
                empty="No outbound rules.",
            ),
        ],
        data={
            "region": region,
            "security_group": group.model_dump(mode="json"),
            "use": use.model_dump(mode="json"),
        },
    )


def _ec2_sg_create(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import ec2, vpc

    region = _region(ctx, inv, "ec2 sg create")
    name = inv.args[0].strip()
    if not 1 <= len(name) <= 255 or not name.isascii() or name.lower().startswith("sg-"):
        raise BadInput(f"'{name}' cannot be a security group name (1-255 ASCII, not sg-...).")
    if not inv.option("--vpc"):
        raise BadInput("`ec2 sg create` needs --vpc VPC_ID: the VPC the group belongs to.")
    session = ctx.session()
    with _named():
        network = vpc.describe_vpc(session, region, inv.option("--vpc"))
    if any(g.name == name for g in ec2.list_security_groups(session, region, vpc_id=network.id)):
        raise BadInput(f"{network.id} already has a security group called '{name}'.")
    description = inv.option("--description") or f"{name} (created by devops-agent)"
    if len(description) > 255 or not description.isascii():
        raise BadInput("A security group description is at most 255 ASCII characters.")
    entry = _entry(
        "ec2.create_security_group",
        {
            "region": region,
            "name": name,
            "description": description,
            "vpc_id": network.id,
            "tags": _tags(inv),
        },
        f"Create security group '{name}' in {network.id} (no inbound rules; all outbound allowed)",
        [network.id],
    )
    return _plan(ctx, [entry], region=region, what=f"create security group {name}")


def _ec2_sg_delete(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import ec2

    region = _region(ctx, inv, "ec2 sg delete")
    session = ctx.session()
    with _named():
        group = ec2.describe_security_group(session, region, inv.args[0])
    if group.name == "default":
        raise BadInput(f"{group.id} is its VPC's default group; AWS never deletes it.")
    use = ec2.security_group_use(session, region, group.id)
    if use.network_interfaces or use.referenced_by:
        blockers = [*use.network_interfaces, *(f"rules of {g}" for g in use.referenced_by)]
        raise BadInput(
            f"{group.id} ({group.name}) is still in use: {', '.join(blockers)}.",
            remedy="Move the instances to other groups and remove the rules that name it first.",
        )
    entry = _entry(
        "ec2.delete_security_group",
        {"region": region, "group_id": group.id},
        f"Delete security group {group.id} ({group.name}) in {group.vpc_id}",
        [group.id],
    )
    return _plan(ctx, [entry], region=region, what=f"delete security group {group.id}")


def _ec2_sg_rule(revoke: bool) -> Handler:
    verb = "revoke" if revoke else "authorize"

    def plan(ctx: DevOpsContext, inv: Invocation) -> Result:
        from devops_agent.aws import ec2

        region = _region(ctx, inv, f"ec2 sg {verb}")
        session = ctx.session()
        spec = ec2.rule_spec(
            protocol=inv.option("--protocol", "tcp"),
            port=inv.option("--port"),
            cidr=inv.option("--cidr"),
            source_group=inv.option("--source-sg"),
            prefix_list=inv.option("--prefix-list"),
            description=inv.option("--description"),
        )
        with _named():
            group = ec2.describe_security_group(session, region, inv.args[0])
            if spec.source_group:
                ec2.describe_security_group(session, region, spec.source_group)
        egress = inv.flag("--egress")
        way = "outbound" if egress else "inbound"
        exists = ec2.has_rule(group, spec, egress=egress)
        if exists and not revoke:
            raise BadInput(f"{group.id} already allows {way} {spec.summary()}.")
        if not exists and revoke:
            raise BadInput(
                f"{group.id} has no {way} rule {spec.summary()}; "
                f"`ec2 sg describe {group.id}` shows its rules."
            )
        warning = ""
        if not revoke and not egress and spec.cidr in ("0.0.0.0/0", "::/0"):
            warning = " — open to the whole internet"
        change = "Remove" if revoke else "Allow"
        entry = _entry(
            "ec2.security_group_rule",
            {
                "region": region,
                "group_id": group.id,
                "rule": spec.model_dump(mode="json"),
                "egress": egress,
                "revoke": revoke,
            },
            f"{change} {way} {spec.summary()} on {group.id} ({group.name}){warning}",
            [group.id],
        )
        return _plan(ctx, [entry], region=region, what=f"{verb} a rule of {group.id}")

    return plan


def _ec2_keypair_create(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import ec2
    from devops_agent.gh.secrets import secret_name

    region = _region(ctx, inv, "ec2 keypairs create")
    name = ec2.key_pair_name(inv.args[0])
    if not inv.option("--secret"):
        raise BadInput(
            "`ec2 keypairs create` needs --secret NAME: the repository Actions secret that "
            "will hold the private key (it is never shown anywhere else)."
        )
    secret = secret_name(inv.option("--secret"))
    if not ctx.repository:
        raise BadInput("Creating a key pair needs a repository to keep its private key in.")
    key_type = inv.option("--type", "ed25519").lower()
    if key_type not in ("ed25519", "rsa"):
        raise BadInput(f"'{key_type}' is not a key type; use ed25519 or rsa.")
    if ec2.find_key_pair(ctx.session(), region, name) is not None:
        raise BadInput(f"{region} already has a key pair called '{name}'.")
    entry = _entry(
        "ec2.create_key_pair",
        {
            "region": region,
            "name": name,
            "key_type": key_type,
            "repository": ctx.repository,
            "secret": secret,
        },
        f"Create key pair '{name}' ({key_type}) in {region}; its private key is stored only "
        f"in the Actions secret {secret} of {ctx.repository}",
        [name],
    )
    return _plan(ctx, [entry], region=region, what=f"create key pair {name}")


def _ec2_keypair_import(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import ec2
    from devops_agent.aws.workspace_files import read_document

    region = _region(ctx, inv, "ec2 keypairs import")
    name = ec2.key_pair_name(inv.args[0])
    rest = inv.args[1:]
    if len(rest) > 1 or " " in rest[0].strip():  # the key itself, quoted or not
        material = " ".join(rest)
        source = "the command"
    else:
        if len(rest) != 1:
            raise BadInput("Give the public key as one file path, or quote the key itself.")
        material = read_document(ctx.env.workspace, rest[0], limit=16 * 1024)
        source = rest[0]
    key = ec2.public_key(material)
    if ec2.find_key_pair(ctx.session(), region, name) is not None:
        raise BadInput(f"{region} already has a key pair called '{name}'.")
    comment = key.split()[2] if len(key.split()) > 2 else ""
    entry = _entry(
        "ec2.import_key_pair",
        {"region": region, "name": name, "public_key_hex": key.encode("utf-8").hex()},
        f"Import key pair '{name}' in {region} from the {key.split()[0]} public key in "
        f"{source}" + (f" ({comment})" if comment else ""),
        [name],
    )
    return _plan(ctx, [entry], region=region, what=f"import key pair {name}")


def _ec2_keypair_delete(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import ec2

    region = _region(ctx, inv, "ec2 keypairs delete")
    name = ec2.key_pair_name(inv.args[0])
    pair = ec2.find_key_pair(ctx.session(), region, name)
    if pair is None:
        raise BadInput(f"There is no key pair '{name}' in {region}; see `ec2 keypairs`.")
    entry = _entry(
        "ec2.delete_key_pair",
        {"region": region, "name": name},
        f"Delete key pair '{name}' in {region} (instances launched with it keep their key)",
        [pair.id or name],
    )
    return _plan(ctx, [entry], region=region, what=f"delete key pair {name}")


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
    # EC2 ----------------------------------------------------------------------------
    Spec(
        ("ec2", "list"),
        "ec2 list [--state S]",
        "EC2 instances (every state unless --state).",
        _ec2_list,
        REGION | {"--state"},
    ),
    Spec(
        ("ec2", "describe"),
        "ec2 describe ID...",
        "Details of instances.",
        _ec2_describe,
        REGION,
        min_args=1,
        max_args=50,
    ),
    _s(
        "ec2 create",
        "ec2 create AMI_ID --type TYPE [--subnet ID] [--sg ID,...] [--key NAME] [--name N] "
        "[--tag K=V,...] [--count N] [--allow-imdsv1]",
        "Plan to launch instances (IMDSv2 required unless --allow-imdsv1).",
        _ec2_create,
        (1, 1),
        ("--type", "--subnet", "--sg", "--key", "--name", "--tag", "--count"),
        ("--allow-imdsv1",),
        pairs=True,
    ),
    Spec(
        ("ec2", "start"),
        "ec2 start ID...",
        "Plan to start instances.",
        _ec2_state("start"),
        REGION,
        1,
        50,
    ),
    Spec(
        ("ec2", "stop"),
        "ec2 stop ID...",
        "Plan to stop instances.",
        _ec2_state("stop"),
        REGION,
        1,
        50,
    ),
    Spec(
        ("ec2", "reboot"),
        "ec2 reboot ID...",
        "Plan to reboot instances.",
        _ec2_state("reboot"),
        REGION,
        1,
        50,
    ),
    Spec(
        ("ec2", "terminate"),
        "ec2 terminate ID...",
        "Plan to terminate instances.",
        _ec2_state("terminate"),
        REGION,
        1,
        50,
    ),
    Spec(
        ("ec2", "sg", "list"),
        "ec2 sg list [--vpc VPC_ID]",
        "Security groups and inbound rules.",
        _ec2_sg_list,
        REGION | {"--vpc"},
    ),
    _s(
        "ec2 sg describe",
        "ec2 sg describe SG_ID",
        "A security group's rules and users.",
        _ec2_sg_describe,
        (1, 1),
    ),
    _s(
        "ec2 sg create",
        "ec2 sg create NAME --vpc VPC_ID [--description D] [--tag K=V,...]",
        "Plan to create a security group.",
        _ec2_sg_create,
        (1, 1),
        ("--vpc", "--description", "--tag"),
        pairs=True,
    ),
    _s(
        "ec2 sg delete",
        "ec2 sg delete SG_ID",
        "Plan to delete an unused security group.",
        _ec2_sg_delete,
        (1, 1),
    ),
    _s(
        "ec2 sg authorize",
        "ec2 sg authorize SG_ID --port P[-P2] (--cidr CIDR | --source-sg SG_ID | "
        "--prefix-list PL_ID) [--protocol tcp|udp|icmp|icmpv6|all] [--egress] [--description D]",
        "Plan to add a rule to a security group.",
        _ec2_sg_rule(revoke=False),
        (1, 1),
        ("--port", "--cidr", "--source-sg", "--prefix-list", "--protocol", "--description"),
        ("--egress",),
    ),
    _s(
        "ec2 sg revoke",
        "ec2 sg revoke SG_ID --port P[-P2] (--cidr CIDR | --source-sg SG_ID | --prefix-list PL_ID) "
        "[--protocol P] [--egress]",
        "Plan to remove a rule from a security group.",
        _ec2_sg_rule(revoke=True),
        (1, 1),
        ("--port", "--cidr", "--source-sg", "--prefix-list", "--protocol", "--description"),
        ("--egress",),
    ),
    Spec(("ec2", "keypairs"), "ec2 keypairs", "EC2 key pairs.", _ec2_keypairs, REGION),
    _s(
        "ec2 keypairs create",
        "ec2 keypairs create NAME --secret SECRET_NAME [--type ed25519|rsa]",
        "Plan to create a key pair; its private key goes only to a repository secret.",
        _ec2_keypair_create,
        (1, 1),
        ("--secret", "--type"),
    ),
    _s(
        "ec2 keypairs import",
        "ec2 keypairs import NAME PUBLIC_KEY_FILE|'ssh-ed25519 AAAA...'",
        "Plan to import a public key as a key pair.",
        _ec2_keypair_import,
        (2, 4),
    ),
    _s(
        "ec2 keypairs delete",
        "ec2 keypairs delete NAME",
        "Plan to delete a key pair.",
        _ec2_keypair_delete,
        (1, 1),
    ),
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
