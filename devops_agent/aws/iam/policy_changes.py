"""Changes to IAM policies: create, attach, detach, delete, and the steps deletions carry.

``iam policy delete`` is a composite: its plan detaches the policy where it is
attached (with ``--force``), deletes the versions other than the default one, and
then the policy, each an entry of its own so the plan shows exactly what goes. The
detach and inline-policy steps are also carried by ``iam user|role delete``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import AfterValidator, model_validator

from devops_agent.aws import client
from devops_agent.aws.iam.policies import (
    DETAIL_READS,
    NameOrArn,
    OnePrincipal,
    PolicyArn,
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
from devops_agent.aws.writes import Change, write_errors
from devops_agent.errors import BadInput, Refused
from devops_agent.operation import Args, Command, Positional, Proposal, Reader, Write, Writers

if TYPE_CHECKING:
    import boto3

__all__ = [
    "attach_policy",
    "create_policy",
    "delete_inline_policy",
    "delete_policy",
    "delete_policy_version",
]

_VERSION = re.compile(r"^v[1-9]\d*(?:\.[A-Za-z0-9-]+)?$")


# --------------------------------------------------------------------------- writes
# Only the apply path calls these, with the write role's session.


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
    wanted = principal_name(name, "policy")
    params: dict[str, Any] = {
        "PolicyName": wanted,
        "PolicyDocument": validate_policy(text, "identity"),
        "Path": iam_path(path),
    }
    if description:
        params["Description"] = description
    with write_errors("iam:CreatePolicy", resource=wanted):
        arn = client(session, "iam").create_policy(**params)["Policy"]["Arn"]
    return Change(action="iam:CreatePolicy", resource=arn, message=f"created policy {arn}")


def delete_policy(session: boto3.Session, arn: str) -> Change:
    """Delete a customer managed policy (IAM refuses while attached or with other versions).

    Args:
        session: The **write** session of an approved plan.
        arn: The policy's ARN.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    with write_errors("iam:DeletePolicy", resource=arn):
        client(session, "iam").delete_policy(PolicyArn=policy_arn(arn))
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
    with write_errors("iam:DeletePolicyVersion", resource=arn):
        client(session, "iam").delete_policy_version(PolicyArn=policy_arn(arn), VersionId=version)
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
    verb = "Detach" if detach else "Attach"
    action = f"iam:{verb}{kind.capitalize()}Policy"
    method = f"{verb.lower()}_{kind}_policy"
    with write_errors(action, resource=f"{kind} {wanted}"):
        getattr(client(session, "iam"), method)(PolicyArn=policy_arn(arn), **{param(kind): wanted})
    done = "detached" if detach else "attached"
    way = "from" if detach else "to"
    return Change(action=action, resource=arn, message=f"{done} {arn} {way} {kind} {wanted}")


def delete_inline_policy(
    session: boto3.Session, kind: PrincipalKind, name: str, policy_name: str
) -> Change:
    """Delete an inline policy of a user, role or group.

    Args:
        session: The **write** session of an approved plan.
        kind: ``user``, ``role`` or ``group``.
        name: The principal's name.
        policy_name: The inline policy's name.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    wanted = principal_name(name, kind)
    action = f"iam:Delete{kind.capitalize()}Policy"
    with write_errors(action, resource=f"{kind} {wanted}"):
        getattr(client(session, "iam"), f"delete_{kind}_policy")(
            PolicyName=policy_name, **{param(kind): wanted}
        )
    return Change(
        action=action,
        resource=wanted,
        message=f"deleted inline policy {policy_name} of {kind} {wanted}",
    )


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
    reads=("iam:ListPolicies",),
    actions=("iam:CreatePolicy",),
    arns=("arn:{partition}:iam::{account}:policy{path}{policy}",),
    plan=_plan_create,
    run=_run_create,
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
    reads=("iam:GetUser", "iam:GetRole", "iam:GetGroup", *DETAIL_READS),
    actions=("iam:AttachUserPolicy", "iam:AttachRolePolicy", "iam:AttachGroupPolicy"),
    arns=_PRINCIPAL_ARNS,
    plan=_plan_attach,
    run=_run_attach,
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
    reads=("iam:GetUser", "iam:GetRole", "iam:GetGroup", *DETAIL_READS),
    actions=("iam:DetachUserPolicy", "iam:DetachRolePolicy", "iam:DetachGroupPolicy"),
    arns=_PRINCIPAL_ARNS,
    plan=_plan_attach,
    run=_run_attach,
)


class InlinePolicyArgs(Args):
    """One inline policy of a user, role or group (a step of ``iam user|role delete``)."""

    kind: PrincipalKind
    """What holds the policy: user, role or group."""
    name: str
    """The user, role or group name."""
    policy: Annotated[str, AfterValidator(lambda v: principal_name(v, "policy"))]
    """The inline policy's name."""

    @model_validator(mode="after")
    def _named(self) -> InlinePolicyArgs:
        principal_name(self.name, self.kind)
        return self


DELETE_INLINE_POLICY = Write(
    name="iam.delete_inline_policy",
    args=InlinePolicyArgs,
    summary="Delete an inline policy of a user, role or group (a step of a deletion).",
    service="iam",
    agent="A cleanup step: delete_user and delete_role plan it (with force).",
    actions=("iam:DeleteUserPolicy", "iam:DeleteRolePolicy", "iam:DeleteGroupPolicy"),
    arns=_PRINCIPAL_ARNS[:4],
    plan=only_in_plans("iam user|role delete NAME --force"),
    run=lambda writers, args: (
        delete_inline_policy(writers.aws(), args.kind, args.name, args.policy).message
    ),
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


DELETE_POLICY_VERSION = Write(
    name="iam.delete_policy_version",
    args=PolicyVersionArgs,
    summary="Delete a non-default version of a managed policy (a step of its deletion).",
    service="iam",
    agent="A cleanup step: delete_policy plans it.",
    actions=("iam:DeletePolicyVersion",),
    arns=("{arn}",),
    plan=only_in_plans("iam policy delete NAME|ARN"),
    run=lambda writers, args: delete_policy_version(writers.aws(), args.arn, args.version).message,
)


class PolicyArgs(Args):
    """A customer managed policy by ARN (the last step of ``iam policy delete``)."""

    arn: PolicyArn
    """The policy's ARN."""


DELETE_POLICY = Write(
    name="iam.delete_policy",
    tool="delete_policy_step",  # never a tool: the composite's tool has the plain name
    args=PolicyArgs,
    summary="Delete a customer managed policy (the last step of its deletion).",
    service="iam",
    agent="A step: delete_policy plans it after the detaches and old versions.",
    actions=("iam:DeletePolicy",),
    arns=("{arn}",),
    plan=only_in_plans("iam policy delete NAME|ARN"),
    run=lambda writers, args: delete_policy(writers.aws(), args.arn).message,
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
