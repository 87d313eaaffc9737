"""Changes to managed IAM policies: create, attach, detach, delete, and the steps deletions
carry.

``iam policy delete`` is a composite: its plan detaches the policy where it is
attached (with ``--force``), deletes the versions other than the default one, and
then the policy, each an entry of its own so the plan shows exactly what goes. The
detach step is also carried by ``iam user|role delete`` (the inline-policy step is in
:mod:`.inline_policies`).

Each write declares what makes its plan prove itself (:mod:`devops_agent.operation`):
its exact request (an attach or detach may name only the planned policy: the session
policy pins ``iam:PolicyARN``), its read-back, and its way back: a detach is undone by
attaching again, an attach by detaching, a created policy by deleting it. Deleting a
policy or one of its versions cannot be undone and says so before anyone approves it.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import AfterValidator, model_validator

from devops_agent.aws import aws_errors, client, pages
from devops_agent.aws.iam.calls import iam_call, not_yet, policy_condition, principal_arns, send_iam
from devops_agent.aws.iam.policies import (
    DETAIL_READS,
    NameOrArn,
    OnePrincipal,
    PolicyArn,
    PolicyDetail,
    find_policy,
    json_block,
    list_policies,
    policy_arn,
    policy_detail,
)
from devops_agent.aws.iam.principals import (
    GroupName,
    IamPath,
    PrincipalKind,
    RoleName,
    UserName,
    iam_path,
    only_in_plans,
    param,
    principal_name,
    require,
)
from devops_agent.aws.policy_document import validate_policy
from devops_agent.aws.workspace_files import read_document
from devops_agent.aws.writes import Change
from devops_agent.errors import BadInput, Refused, ServiceError
from devops_agent.operation import (
    ApiCall,
    Args,
    Command,
    NotAsPlanned,
    PlanEntry,
    Positional,
    Proposal,
    Reader,
    Verification,
    Verified,
    Write,
    Writers,
)

if TYPE_CHECKING:
    import boto3

__all__ = [
    "attach_policy",
    "attached_policies",
    "create_policy",
    "delete_policy",
    "delete_policy_version",
    "policy_params",
    "policy_versions",
]

_VERSION = re.compile(r"^v[1-9]\d*(?:\.[A-Za-z0-9-]+)?$")


# --------------------------------------------------------------------------- writes
# Only the apply path calls these, with the write role's session.


def policy_params(
    name: str, text: str, *, description: str = "", path: str = "/"
) -> dict[str, Any]:
    """The CreatePolicy parameters: what the executor sends and the plan shows.

    Args:
        name: The policy's name.
        text: Its document, JSON text.
        description: Its description (left out when empty).
        path: Its IAM path.

    Returns:
        The parameters, the document checked and made compact.

    Raises:
        BadInput: a bad name, path or document.
    """
    params: dict[str, Any] = {
        "PolicyName": principal_name(name, "policy"),
        "PolicyDocument": validate_policy(text, "identity"),
        "Path": iam_path(path),
    }
    if description:
        params["Description"] = description
    return params


def create_policy(
    session: boto3.Session, name: str, text: str, *, description: str = "", path: str = "/"
) -> Change:
    """Create a customer managed policy (its document validated before it was planned).

    Args:
        session: The **write** session of an approved plan.
        name: The policy's name.
        text: Its document, JSON text.
        description: Its description.
        path: Its IAM path.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    params = policy_params(name, text, description=description, path=path)
    wanted = params["PolicyName"]
    arn = send_iam(session, "CreatePolicy", resource=wanted, **params)["Policy"]["Arn"]
    return Change(action="iam:CreatePolicy", resource=arn, message=f"created policy {arn}")


def delete_policy(session: boto3.Session, arn: str) -> Change:
    """Delete a customer managed policy (IAM refuses while attached or with other versions).

    Args:
        session: The **write** session of an approved plan.
        arn: The policy's ARN.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    send_iam(session, "DeletePolicy", resource=arn, PolicyArn=policy_arn(arn))
    return Change(action="iam:DeletePolicy", resource=arn, message=f"deleted policy {arn}")


def delete_policy_version(session: boto3.Session, arn: str, version: str) -> Change:
    """Delete one non-default version of a managed policy.

    Args:
        session: The **write** session of an approved plan.
        arn: The policy's ARN.
        version: The version id (``v2``).

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    params = {"PolicyArn": policy_arn(arn), "VersionId": version}
    send_iam(session, "DeletePolicyVersion", resource=arn, **params)
    return Change(
        action="iam:DeletePolicyVersion",
        resource=arn,
        message=f"deleted version {version} of {arn}",
    )


def attach_policy(
    session: boto3.Session, arn: str, kind: PrincipalKind, name: str, *, detach: bool = False
) -> Change:
    """Attach (or detach) a managed policy to a user, role or group.

    Args:
        session: The **write** session of an approved plan.
        arn: The managed policy's ARN.
        kind: ``user``, ``role`` or ``group``.
        name: The principal's name.
        detach: Detach instead of attach.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    wanted = principal_name(name, kind)
    operation = f"{'Detach' if detach else 'Attach'}{kind.capitalize()}Policy"
    params = {"PolicyArn": policy_arn(arn), param(kind): wanted}
    send_iam(session, operation, resource=f"{kind} {wanted}", **params)
    action = f"iam:{operation}"
    done = "detached" if detach else "attached"
    way = "from" if detach else "to"
    return Change(action=action, resource=arn, message=f"{done} {arn} {way} {kind} {wanted}")


def attached_policies(session: boto3.Session, kind: PrincipalKind, name: str) -> set[str] | None:
    """The ARNs of the managed policies attached to a user, role or group.

    Args:
        session: Credentials to read with (the read role's).
        kind: ``user``, ``role`` or ``group``.
        name: Its name.

    Returns:
        The ARNs; ``None`` when there is no such user, role or group.

    Raises:
        ServiceError: AWS refused (``iam:ListAttachedUserPolicies`` and the like).
    """
    iam = client(session, "iam")
    wanted = principal_name(name, kind)
    action = f"iam:ListAttached{kind.capitalize()}Policies"
    params: dict[str, Any] = {param(kind): wanted}
    try:
        with aws_errors(action, resource=f"{kind} {wanted}"):
            return {
                p["PolicyArn"]
                for page in pages(iam, f"list_attached_{kind}_policies", **params)
                for p in page.get("AttachedPolicies", [])
            }
    except ServiceError as exc:
        if exc.code == "NoSuchEntity":
            return None
        raise


def policy_versions(session: boto3.Session, arn: str) -> list[str] | None:
    """The version ids of a managed policy.

    Args:
        session: Credentials to read with (the read role's).
        arn: The policy's ARN.

    Returns:
        The version ids, sorted; ``None`` when there is no such policy.

    Raises:
        ServiceError: AWS refused (``iam:ListPolicyVersions``).
    """
    iam = client(session, "iam")
    try:
        with aws_errors("iam:ListPolicyVersions", resource=arn):
            return sorted(
                v["VersionId"]
                for page in pages(iam, "list_policy_versions", PolicyArn=policy_arn(arn))
                for v in page.get("Versions", [])
            )
    except ServiceError as exc:
        if exc.code == "NoSuchEntity":
            return None
        raise


# --------------------------------------------------------------------------- operations


def _description(value: str) -> str:
    if len(value) > 1000:
        raise BadInput("A policy description is at most 1000 characters.")
    return value


class CreatePolicyArgs(Args):
    """Arguments of ``iam policy create``."""

    policy: Annotated[str, AfterValidator(lambda v: principal_name(v, "policy")), Positional()]
    """The new policy's name (1-128 letters, digits and + = , . @ _ -)."""
    file: Annotated[str | None, Positional()] = None
    """A JSON policy document in the repository's workspace, e.g. policies/reader.json;
    null when giving the document itself."""
    document: str | None = None
    """The policy document as JSON text; null when giving a workspace file."""
    description: Annotated[str, AfterValidator(_description)] = ""
    """What the policy is for (at most 1000 characters)."""
    path: IamPath = "/"
    """IAM path, / unless it should be grouped (e.g. /ci/)."""

    @model_validator(mode="after")
    def _one_source(self) -> CreatePolicyArgs:
        if (self.file is None) == (self.document is None):
            raise BadInput(
                "Give the policy document: a JSON FILE in the workspace, or the document "
                "itself (not both)."
            )
        return self


def _plan_create(reader: Reader, args: CreatePolicyArgs) -> Proposal:
    text = args.document if args.file is None else read_document(reader.workspace, args.file)
    checked = validate_policy(text or "", "identity")
    if any(p.name == args.policy for p in list_policies(reader.session())):
        raise BadInput(f"There is already a customer managed policy called '{args.policy}'.")
    source = f"from {args.file}" if args.file else "from the given document"
    entry = CREATE_POLICY.entry(
        args.model_copy(update={"file": None, "document": checked}),
        f"Create customer managed policy {args.policy} {source} (attached to nothing)",
        [args.policy],
    )
    return Proposal(
        [entry],
        what=f"create IAM policy {args.policy}",
        note="Its document:\n\n" + json_block(checked),
    )


def _run_create(writers: Writers, args: CreatePolicyArgs) -> str:
    if args.document is None:
        raise Refused("The plan carries no policy document; ask for the change again.")
    return create_policy(
        writers.aws(), args.policy, args.document, description=args.description, path=args.path
    ).message


def _create_calls(args: CreatePolicyArgs) -> list[ApiCall]:
    if args.document is None:  # the executor refuses such an entry: nothing is sent
        return []
    params = policy_params(args.policy, args.document, description=args.description, path=args.path)
    arn = f"arn:{{partition}}:iam::{{account}}:policy{args.path}{args.policy}"
    return [iam_call("CreatePolicy", params, (arn,))]


def _created(reader: Reader, name: str) -> PolicyDetail | None:
    try:
        return policy_detail(reader.session(), name)
    except BadInput:  # no customer managed policy of that name
        return None


def _verify_create(reader: Reader, args: CreatePolicyArgs) -> Verification:
    detail = _created(reader, args.policy)
    if detail is None:
        return not_yet(f"there is no customer managed policy called {args.policy}")
    if detail.policy.path != args.path:
        return NotAsPlanned(f"policy {args.policy} exists at path {detail.policy.path}")
    if detail.document != json.loads(args.document or "null"):
        return NotAsPlanned(f"policy {args.policy} exists with another document than planned")
    return Verified(f"policy {detail.policy.arn} exists with the planned document")


def _undo_create(reader: Reader, before: object, args: CreatePolicyArgs) -> list[PlanEntry]:
    """Delete the policy the plan created (found again by name: its ARN is AWS's)."""
    detail = _created(reader, args.policy)
    if detail is None:
        return []
    return [
        DELETE_POLICY.entry(
            PolicyArgs(arn=detail.policy.arn),
            f"Roll back: delete the policy {args.policy} the plan created",
            [detail.policy.arn],
        )
    ]


_POLICY_DOCUMENT = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",'
    '"Resource":"arn:aws:s3:::reports/*"}]}'
)

CREATE_POLICY = Write(
    name="iam.create_policy",
    args=CreatePolicyArgs,
    summary="Plan to create a managed policy from a workspace JSON file.",
    service="iam",
    commands=(
        Command(
            "iam policy create NAME FILE [--description D] [--path P]",
            "Plan to create a managed policy from a workspace JSON file.",
        ),
    ),
    guide="Give the document as JSON text (or a workspace file path). It is checked "
    "(Version 2012-10-17, statements with Effect, Action and Resource, no Principal) and "
    "shown in the plan. The policy is attached to nothing: propose attach_policy next.",
    reads=DETAIL_READS,
    actions=("iam:CreatePolicy",),
    arns=("arn:{partition}:iam::{account}:policy{path}{policy}",),
    plan=_plan_create,
    run=_run_create,
    calls=_create_calls,
    verify=_verify_create,
    undo=_undo_create,
    examples=(
        {
            "policy": "deploy",
            "file": None,
            "document": _POLICY_DOCUMENT,
            "description": "Deploys",
            "path": "/ci/",
        },
    ),
)


class AttachPolicyArgs(OnePrincipal):
    """Arguments of ``iam policy attach``."""

    policy: Annotated[NameOrArn, Positional()]
    """A customer managed policy's name, or any managed policy's ARN; plans carry the ARN."""
    user: UserName | None = None
    """The user to attach it to; null when it is a role or group."""
    role: RoleName | None = None
    """The role to attach it to; null when it is a user or group."""
    group: GroupName | None = None
    """The group to attach it to; null when it is a user or role."""

    missing: ClassVar[str] = "Say what to attach it to: --user, --role or --group."


class DetachPolicyArgs(OnePrincipal):
    """Arguments of ``iam policy detach`` (and of the detach step of deletions)."""

    policy: Annotated[NameOrArn, Positional()]
    """A customer managed policy's name, or any managed policy's ARN; plans carry the ARN."""
    user: UserName | None = None
    """The user to detach it from; null when it is a role or group."""
    role: RoleName | None = None
    """The role to detach it from; null when it is a user or group."""
    group: GroupName | None = None
    """The group to detach it from; null when it is a user or role."""

    missing: ClassVar[str] = "Say what to detach it from: --user, --role or --group."


def detach_args(arn: str, kind: PrincipalKind, name: str) -> DetachPolicyArgs:
    """The arguments of one detach step: ``arn`` from the user, role or group ``name``."""
    return DetachPolicyArgs.model_validate({"policy": arn, kind: name})


def _plan_attach(reader: Reader, args: AttachPolicyArgs | DetachPolicyArgs) -> Proposal:
    detach = isinstance(args, DetachPolicyArgs)
    verb, way = ("detach", "from") if detach else ("attach", "to")
    target = args.principal()
    assert target is not None  # the model requires one
    kind, name = target
    session = reader.session()
    require(session, kind, name)
    detail = policy_detail(session, args.policy)
    attached = (kind, name) in detail.attached_to()
    if attached and not detach:
        raise BadInput(f"{detail.policy.name} is already attached to {kind} {name}.")
    if not attached and detach:
        raise BadInput(f"{detail.policy.name} is not attached to {kind} {name}.")
    normalised = args.model_copy(update={"policy": detail.policy.arn})
    line = f"{verb.capitalize()} {detail.policy.name} ({detail.policy.arn}) {way} {kind} {name}"
    if isinstance(normalised, DetachPolicyArgs):
        entry = DETACH_POLICY.entry(normalised, line, [detail.policy.arn])
    else:
        entry = ATTACH_POLICY.entry(normalised, line, [detail.policy.arn])
    return Proposal([entry], what=f"{verb} {detail.policy.name}")


def _run_attach(writers: Writers, args: AttachPolicyArgs | DetachPolicyArgs) -> str:
    target = args.principal()
    assert target is not None  # the model requires one
    if not args.policy.startswith("arn:"):
        raise Refused("The plan names a policy without its ARN; ask for the change again.")
    detach = isinstance(args, DetachPolicyArgs)
    return attach_policy(writers.aws(), args.policy, *target, detach=detach).message


def _attach_calls(args: AttachPolicyArgs | DetachPolicyArgs) -> list[ApiCall]:
    target = args.principal()
    assert target is not None  # the model requires one
    kind, name = target
    verb = "Detach" if isinstance(args, DetachPolicyArgs) else "Attach"
    return [
        iam_call(
            f"{verb}{kind.capitalize()}Policy",
            {"PolicyArn": args.policy, param(kind): name},
            principal_arns(kind, name),
            conditions=policy_condition(args.policy),
        )
    ]


def _attached_now(reader: Reader, args: AttachPolicyArgs | DetachPolicyArgs) -> dict[str, Any]:
    target = args.principal()
    assert target is not None  # the model requires one
    found = attached_policies(reader.session(), *target)
    return {"attached": found is not None and args.policy in found}


def _verify_attach(reader: Reader, args: AttachPolicyArgs | DetachPolicyArgs) -> Verification:
    target = args.principal()
    assert target is not None  # the model requires one
    kind, name = target
    found = attached_policies(reader.session(), kind, name)
    detach = isinstance(args, DetachPolicyArgs)
    if found is None:
        if detach:
            return Verified(f"there is no {kind} {name} any more, so nothing is attached to it")
        return NotAsPlanned(f"there is no {kind} {name}")
    attached = args.policy in found
    if attached == (not detach):
        way = "is not attached to" if detach else "is attached to"
        return Verified(f"{args.policy} {way} {kind} {name}")
    way = "is still attached to" if detach else "is not attached to"
    return not_yet(f"{args.policy} {way} {kind} {name}")


def _undo_attach(
    reader: Reader, before: Any, args: AttachPolicyArgs | DetachPolicyArgs
) -> list[PlanEntry]:
    """Detach what was attached, attach again what was detached (as it was before; nothing
    once the user, role or group itself is gone)."""
    target = args.principal()
    assert target is not None  # the model requires one
    kind, name = target
    was = before.get("attached") if isinstance(before, dict) else None
    now = attached_policies(reader.session(), kind, name)
    if now is None:
        return []
    if isinstance(args, DetachPolicyArgs):
        if was is not True or args.policy in now:
            return []
        back = AttachPolicyArgs.model_validate({"policy": args.policy, kind: name})
        line = f"Roll back: attach {args.policy} to {kind} {name} again"
        return [ATTACH_POLICY.entry(back, line, [args.policy])]
    if was is not False or args.policy not in now:
        return []
    line = f"Roll back: detach {args.policy} from {kind} {name} again"
    return [DETACH_POLICY.entry(detach_args(args.policy, kind, name), line, [args.policy])]


def _attach_examples(policy: str) -> tuple[dict[str, Any], ...]:
    kinds: tuple[PrincipalKind, ...] = ("user", "role", "group")
    return tuple({"policy": policy, kind: "dev"} for kind in kinds)


_ATTACHED_READS = tuple(f"iam:ListAttached{kind}Policies" for kind in ("User", "Role", "Group"))
_EXAMPLE_ARN = "arn:aws:iam::123456789012:policy/deploy"

_PRINCIPAL_ARNS = (
    "arn:{partition}:iam::{account}:user/{user}",
    "arn:{partition}:iam::{account}:user/*/{user}",
    "arn:{partition}:iam::{account}:role/{role}",
    "arn:{partition}:iam::{account}:role/*/{role}",
    "arn:{partition}:iam::{account}:group/{group}",
    "arn:{partition}:iam::{account}:group/*/{group}",
)

ATTACH_POLICY = Write(
    name="iam.attach_policy",
    args=AttachPolicyArgs,
    summary="Plan to attach a managed policy.",
    service="iam",
    commands=(
        Command(
            "iam policy attach NAME|ARN --user U | --role R | --group G",
            "Plan to attach a managed policy.",
        ),
    ),
    guide="Give exactly one of user, role or group. Attaching what is already attached is refused.",
    reads=("iam:GetUser", "iam:GetRole", "iam:GetGroup", *DETAIL_READS, *_ATTACHED_READS),
    actions=("iam:AttachUserPolicy", "iam:AttachRolePolicy", "iam:AttachGroupPolicy"),
    arns=_PRINCIPAL_ARNS,
    plan=_plan_attach,
    run=_run_attach,
    calls=_attach_calls,
    verify=_verify_attach,
    before=_attached_now,
    undo=_undo_attach,
    examples=_attach_examples(_EXAMPLE_ARN),
)

DETACH_POLICY = Write(
    name="iam.detach_policy",
    args=DetachPolicyArgs,
    summary="Plan to detach a managed policy.",
    service="iam",
    commands=(
        Command(
            "iam policy detach NAME|ARN --user U | --role R | --group G",
            "Plan to detach a managed policy.",
        ),
    ),
    guide="Give exactly one of user, role or group. Detaching what is not attached is refused.",
    reads=("iam:GetUser", "iam:GetRole", "iam:GetGroup", *DETAIL_READS, *_ATTACHED_READS),
    actions=("iam:DetachUserPolicy", "iam:DetachRolePolicy", "iam:DetachGroupPolicy"),
    arns=_PRINCIPAL_ARNS,
    plan=_plan_attach,
    run=_run_attach,
    calls=_attach_calls,
    verify=_verify_attach,
    before=_attached_now,
    undo=_undo_attach,
    examples=_attach_examples(_EXAMPLE_ARN),
)


class PolicyVersionArgs(Args):
    """One non-default version of a managed policy (a step of ``iam policy delete``)."""

    arn: PolicyArn
    """The policy's ARN."""
    version: Annotated[str, AfterValidator(lambda v: _version(v))]
    """The version id, e.g. v2."""


def _version(value: str) -> str:
    if not _VERSION.match(value):
        raise BadInput(f"'{value}' is not a policy version id (v1, v2, ...).")
    return value


def _version_calls(args: PolicyVersionArgs) -> list[ApiCall]:
    params = {"PolicyArn": args.arn, "VersionId": args.version}
    return [iam_call("DeletePolicyVersion", params, (args.arn,))]


def _verify_version(reader: Reader, args: PolicyVersionArgs) -> Verification:
    versions = policy_versions(reader.session(), args.arn)
    if versions is None:
        return Verified(f"there is no policy {args.arn} any more, so no version {args.version}")
    if args.version in versions:
        return not_yet(f"{args.arn} still has version {args.version}")
    return Verified(f"{args.arn} has no version {args.version}")


DELETE_POLICY_VERSION = Write(
    name="iam.delete_policy_version",
    args=PolicyVersionArgs,
    summary="Delete a non-default version of a managed policy (a step of its deletion).",
    service="iam",
    agent="A cleanup step: delete_policy plans it.",
    reads=("iam:ListPolicyVersions",),
    actions=("iam:DeletePolicyVersion",),
    arns=("{arn}",),
    plan=only_in_plans("iam policy delete NAME|ARN"),
    run=lambda writers, args: delete_policy_version(writers.aws(), args.arn, args.version).message,
    calls=_version_calls,
    verify=_verify_version,
    irreversible="a deleted policy version is gone for good: its document cannot be read "
    "again, and IAM never gives its version id to another version",
    examples=({"arn": _EXAMPLE_ARN, "version": "v2"},),
)


class PolicyArgs(Args):
    """A customer managed policy by ARN (the last step of ``iam policy delete``)."""

    arn: PolicyArn
    """The policy's ARN."""


def _verify_deleted(reader: Reader, args: PolicyArgs) -> Verification:
    try:
        find_policy(reader.session(), args.arn)
    except BadInput:
        return Verified(f"there is no policy {args.arn}")
    return not_yet(f"{args.arn} still exists")


DELETE_POLICY = Write(
    name="iam.delete_policy",
    tool="delete_policy_step",  # never a tool: the composite's tool has the plain name
    args=PolicyArgs,
    summary="Delete a customer managed policy (the last step of its deletion).",
    service="iam",
    agent="A step: delete_policy plans it after the detaches and old versions.",
    reads=("iam:GetPolicy",),
    actions=("iam:DeletePolicy",),
    arns=("{arn}",),
    plan=only_in_plans("iam policy delete NAME|ARN"),
    run=lambda writers, args: delete_policy(writers.aws(), args.arn).message,
    calls=lambda args: [iam_call("DeletePolicy", {"PolicyArn": args.arn}, (args.arn,))],
    verify=_verify_deleted,
    irreversible="deleting a managed policy deletes it with its document and every version; "
    "a policy created again under the same name is a new policy, with a new id and no history",
    examples=({"arn": _EXAMPLE_ARN},),
)


class PolicyDeleteArgs(Args):
    """Arguments of ``iam policy delete``."""

    policy: Annotated[NameOrArn, Positional()]
    """A customer managed policy's name or ARN (AWS managed ones cannot be deleted)."""
    force: bool = False
    """Also detach it from every user, role and group it is attached to, in the same plan;
    without it an attached policy is refused."""


def _plan_policy_delete(reader: Reader, args: PolicyDeleteArgs) -> Proposal:
    detail = policy_detail(reader.session(), args.policy)
    policy = detail.policy
    if policy.aws_managed:
        raise BadInput(f"{policy.arn} is an AWS managed policy; it cannot be deleted.")
    attachments = detail.attached_to()
    if attachments and not args.force:
        shown = ", ".join(f"{k} {n}" for k, n in attachments)
        raise BadInput(
            f"{policy.name} is attached to {shown}.",
            remedy=f"Add --force to detach it in the same plan: "
            f"`iam policy delete {args.policy} --force`.",
        )
    entries = [
        DETACH_POLICY.entry(
            detach_args(policy.arn, kind, name),
            f"Detach {policy.name} from {kind} {name}",
            [policy.arn],
        )
        for kind, name in attachments
    ]
    entries += [
        DELETE_POLICY_VERSION.entry(
            PolicyVersionArgs(arn=policy.arn, version=version),
            f"Delete version {version} of {policy.name}",
            [policy.arn],
        )
        for version in detail.versions
    ]
    entries.append(
        DELETE_POLICY.entry(
            PolicyArgs(arn=policy.arn), f"Delete policy {policy.name}", [policy.arn]
        )
    )
    return Proposal(entries, what=f"delete IAM policy {policy.name}")


POLICY_DELETE = Write(
    name="iam.policy_delete",
    args=PolicyDeleteArgs,
    summary="Plan to delete a managed policy (--force detaches it first).",
    service="iam",
    tool="delete_policy",
    commands=(
        Command(
            "iam policy delete NAME|ARN [--force]",
            "Plan to delete a managed policy (--force detaches it first).",
        ),
    ),
    guide="The plan deletes its non-default versions, then the policy. While it is attached "
    "it is refused unless force, which adds a detach for each attachment.",
    reads=DETAIL_READS,
    plan=_plan_policy_delete,
    emits=(DETACH_POLICY, DELETE_POLICY_VERSION, DELETE_POLICY),
)
