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
)
from devops_agent.errors import BadInput, ServiceError
from devops_agent.report import Result, Table

if TYPE_CHECKING:
    from devops_agent.context import DevOpsContext
    from devops_agent.plans import PlanEntry


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
# The S3 commands are declared in devops_agent.aws.s3; the VPC flow-log handler still
# checks its target bucket through this helper.


def _bucket_region(ctx: DevOpsContext, bucket: str) -> tuple[str, str]:
    """The bucket's name and region; a bucket that does not exist is a bad argument."""
    from devops_agent.aws import s3

    return s3.bucket_name(bucket), s3.existing_bucket(ctx, bucket)


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
)
