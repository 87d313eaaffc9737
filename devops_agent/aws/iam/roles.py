"""IAM roles: listing them with their trust policies, creating one, deleting one.

A role is created with a trust policy (who may assume it): built from AWS service
principals (``--service ec2.amazonaws.com``), read from a workspace file
(``--trust FILE``), or given as JSON by the agent. Every trust policy is checked
(:func:`~devops_agent.aws.policy_document.validate_policy`) and shown in the plan.

``iam role delete`` is a composite like ``iam user delete``: with ``--force`` its plan
detaches and deletes the role's policies and takes it out of its instance profiles
first, each a step of its own. Service-linked roles are refused: the service that owns
one deletes it.

Each step's way back: a role taken out of an instance profile is put back
(:data:`ADD_ROLE_TO_INSTANCE_PROFILE`, a step only rollback plans carry), a created role
is deleted again; deleting a role cannot be undone and says so before approval.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from devops_agent.aws import client
from devops_agent.aws.iam.calls import iam_call, not_yet, principal_arns, send_iam
from devops_agent.aws.iam.inline_policies import DELETE_INLINE_POLICY
from devops_agent.aws.iam.memberships import Membership
from devops_agent.aws.iam.policies import policy_refs
from devops_agent.aws.iam.policy_changes import DETACH_POLICY
from devops_agent.aws.iam.principals import (
    Dependencies,
    IamPath,
    Role,
    RoleName,
    get_role,
    iam_path,
    list_roles,
    only_in_plans,
    only_in_rollbacks,
    principal_name,
    profiles_of_role,
    undo_created,
    verify_deleted,
)
from devops_agent.aws.iam.users import NoArgs, cleanup_entries, refuse_unforced
from devops_agent.aws.policy_document import validate_policy
from devops_agent.aws.workspace_files import read_document
from devops_agent.aws.writes import Change, tag_list
from devops_agent.errors import BadInput, Refused
from devops_agent.operation import (
    ApiCall,
    Args,
    Command,
    Grant,
    Hidden,
    NotAsPlanned,
    Positional,
    Proposal,
    Read,
    Reader,
    Verification,
    Verified,
    Write,
    Writers,
)
from devops_agent.report import Result, Table, dump, plural, when

if TYPE_CHECKING:
    import boto3

__all__ = [
    "add_role_to_instance_profile",
    "create_role",
    "delete_role",
    "remove_role_from_instance_profile",
    "role_dependencies",
    "role_params",
]

_SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9.-]+\.amazonaws\.com(?:\.cn)?$")
_PROFILE = re.compile(r"^[\w+=,.@-]{1,128}$")
_ROLE_ARNS = (
    "arn:{partition}:iam::{account}:role/{role}",
    "arn:{partition}:iam::{account}:role/*/{role}",
)


def role_dependencies(session: boto3.Session, role: str) -> Dependencies:
    """What IAM wants gone before it deletes a role.

    Args:
        session: Credentials to read with (the read role's).
        role: The role's name.

    Returns:
        Its attached and inline policies and instance profiles.

    Raises:
        ServiceError: no such role, or AWS refused one of the list calls.
    """
    iam = client(session, "iam")
    wanted = principal_name(role, "role")
    refs = policy_refs(iam, "role", wanted, "direct")
    profiles = profiles_of_role(session, wanted)
    return Dependencies(
        attached=[p.arn for p in refs if p.arn],
        inline=[p.name for p in refs if p.kind == "inline"],
        instance_profiles=profiles,
    )


# --------------------------------------------------------------------------- writes
# Only the apply path calls these, with the write role's session.


def role_params(
    name: str,
    trust_policy: str,
    *,
    description: str = "",
    path: str = "/",
    max_session_duration: int = 3600,
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The CreateRole parameters: what the executor sends and the plan shows.

    Args:
        name: The role's name.
        trust_policy: Its trust policy, JSON text.
        description: Its description (left out when empty).
        path: Its IAM path.
        max_session_duration: Longest session, in seconds (3600 to 43200).
        tags: Its tags (left out when empty).

    Returns:
        The parameters, the trust policy checked and made compact.

    Raises:
        BadInput: a bad name, path, trust policy or session length.
    """
    if not 3600 <= max_session_duration <= 43200:
        raise BadInput("The longest session is between 1 and 12 hours.")
    params: dict[str, Any] = {
        "RoleName": principal_name(name, "role"),
        "AssumeRolePolicyDocument": validate_policy(trust_policy, "trust"),
        "Path": iam_path(path),
        "MaxSessionDuration": max_session_duration,
    }
    if description:
        params["Description"] = description
    if tags:
        params["Tags"] = tag_list(tags)
    return params


def create_role(
    session: boto3.Session,
    name: str,
    trust_policy: str,
    *,
    description: str = "",
    path: str = "/",
    max_session_duration: int = 3600,
    tags: dict[str, str] | None = None,
) -> Change:
    """Create a role with a trust policy (validated before it was planned).

    Args:
        session: The **write** session of an approved plan.
        name: The role's name.
        trust_policy: Its trust policy, JSON text.
        description: Its description.
        path: Its IAM path.
        max_session_duration: Longest session, in seconds (3600 to 43200).
        tags: Its tags.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    params = role_params(
        name,
        trust_policy,
        description=description,
        path=path,
        max_session_duration=max_session_duration,
        tags=tags,
    )
    wanted = params["RoleName"]
    arn = send_iam(session, "CreateRole", resource=wanted, **params)["Role"]["Arn"]
    return Change(action="iam:CreateRole", resource=arn, message=f"created role {wanted}")


def delete_role(session: boto3.Session, name: str) -> Change:
    """Delete a role (IAM refuses while policies or instance profiles remain).

    Args:
        session: The **write** session of an approved plan.
        name: The role's name.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    wanted = principal_name(name, "role")
    send_iam(session, "DeleteRole", resource=wanted, RoleName=wanted)
    return Change(action="iam:DeleteRole", resource=wanted, message=f"deleted role {wanted}")


def remove_role_from_instance_profile(session: boto3.Session, role: str, profile: str) -> Change:
    """Take a role out of an instance profile.

    Args:
        session: The **write** session of an approved plan.
        role: The role's name.
        profile: The instance profile's name.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    wanted = principal_name(role, "role")
    send_iam(
        session,
        "RemoveRoleFromInstanceProfile",
        resource=wanted,
        RoleName=wanted,
        InstanceProfileName=profile,
    )
    return Change(
        action="iam:RemoveRoleFromInstanceProfile",
        resource=wanted,
        message=f"removed {wanted} from instance profile {profile}",
    )


def add_role_to_instance_profile(session: boto3.Session, role: str, profile: str) -> Change:
    """Put a role (back) into an instance profile.

    Args:
        session: The **write** session of an approved plan.
        role: The role's name.
        profile: The instance profile's name.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    wanted = principal_name(role, "role")
    send_iam(
        session,
        "AddRoleToInstanceProfile",
        resource=wanted,
        RoleName=wanted,
        InstanceProfileName=profile,
    )
    return Change(
        action="iam:AddRoleToInstanceProfile",
        resource=wanted,
        message=f"added {wanted} to instance profile {profile}",
    )


# --------------------------------------------------------------------------- reads


def _roles_table(reader: Reader, args: NoArgs, roles: list[Role]) -> Result:
    rows = [[r.name, r.arn, r.description or "", when(r.created)] for r in roles]
    return Result(
        title=plural(len(roles), "IAM role"),
        tables=[
            Table(
                columns=["Role", "ARN", "Description", "Created"], rows=rows, empty="No IAM roles."
            )
        ],
        data={"roles": dump(roles)},
    )


LIST_ROLES = Read(
    name="iam.list_roles",
    args=NoArgs,
    summary="IAM roles.",
    service="iam",
    commands=(Command("iam roles", "IAM roles."),),
    guide="Each role with its trust policy (who may assume it: services, accounts, OIDC "
    "providers and their conditions), description, path (/aws-service-role/ marks "
    "service-linked roles) and longest session.",
    actions=("iam:ListRoles",),
    read=lambda reader, args: list_roles(reader.session()),
    render=_roles_table,
)


# --------------------------------------------------------------------------- operations


def _services(values: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(v.strip() for v in values if v.strip()))
    bad = [s for s in cleaned if not _SERVICE_PRINCIPAL.match(s)]
    if bad:
        raise BadInput(f"Not a service principal: {', '.join(bad)} (like ec2.amazonaws.com).")
    return cleaned


def _role_description(value: str) -> str:
    if len(value) > 1000:
        raise BadInput("A role description is at most 1000 characters.")
    return value


class CreateRoleArgs(Args):
    """Arguments of ``iam role create``."""

    role: Annotated[RoleName, Positional()]
    """The new role's name (1-64 letters, digits and + = , . @ _ -)."""
    trust: str | None = None
    """A trust policy JSON file in the repository's workspace; null otherwise."""
    service: Annotated[list[str], AfterValidator(_services)] = Field(default_factory=list)
    """AWS service principals that may assume the role, e.g. ["ec2.amazonaws.com"]; empty
    otherwise."""
    trust_policy: str | None = None
    """The trust policy as JSON text (e.g. for GitHub's OIDC provider); null otherwise."""
    description: Annotated[str, AfterValidator(_role_description)] = ""
    """What the role is for (at most 1000 characters)."""
    path: IamPath = "/"
    """IAM path, / unless it should be grouped (e.g. /ci/)."""
    max_session_duration: Annotated[int, Hidden()] = 3600
    """Longest session in seconds: one hour, AWS's default."""

    @model_validator(mode="after")
    def _one_trust(self) -> CreateRoleArgs:
        given = sum(1 for v in (self.trust, self.service, self.trust_policy) if v)
        if given != 1:
            raise BadInput(
                "Say who may assume the role: --trust FILE (a trust policy in the workspace) "
                "or --service ec2.amazonaws.com[,lambda.amazonaws.com]."
            )
        return self


def _service_trust(services: list[str]) -> str:
    return json.dumps(
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


def _plan_create(reader: Reader, args: CreateRoleArgs) -> Proposal:
    if args.service:
        text, source = _service_trust(args.service), ", ".join(args.service)
    elif args.trust:
        text, source = read_document(reader.workspace, args.trust), args.trust
    else:
        text, source = args.trust_policy or "", "the given trust policy"
    trust = validate_policy(text, "trust")
    if get_role(reader.session(), args.role) is not None:
        raise BadInput(f"There is already an IAM role called '{args.role}'.")
    entry = CREATE_ROLE.entry(
        args.model_copy(
            update={"trust": None, "service": [], "trust_policy": trust},
        ),
        f"Create IAM role {args.role} that {source} may assume (no permissions yet)",
        [args.role],
    )
    pretty = json.dumps(json.loads(trust), indent=2).replace("```", "'''")
    return Proposal(
        [entry],
        what=f"create IAM role {args.role}",
        note=f"Its trust policy:\n\n```json\n{pretty}\n```",
    )


def _run_create(writers: Writers, args: CreateRoleArgs) -> str:
    if args.trust_policy is None:
        raise Refused("The plan carries no trust policy; ask for the change again.")
    return create_role(
        writers.aws(),
        args.role,
        args.trust_policy,
        description=args.description,
        path=args.path,
        max_session_duration=args.max_session_duration,
    ).message


def _create_calls(args: CreateRoleArgs) -> list[ApiCall]:
    if args.trust_policy is None:  # the executor refuses such an entry: nothing is sent
        return []
    params = role_params(
        args.role,
        args.trust_policy,
        description=args.description,
        path=args.path,
        max_session_duration=args.max_session_duration,
    )
    return [
        iam_call(
            "CreateRole",
            params,
            (f"arn:{{partition}}:iam::{{account}}:role{args.path}{args.role}",),
        )
    ]


def _verify_create(reader: Reader, args: CreateRoleArgs) -> Verification:
    role = get_role(reader.session(), args.role)
    if role is None:
        return not_yet(f"there is no IAM role called {args.role}")
    if role.path != args.path:
        return NotAsPlanned(f"role {args.role} exists at path {role.path}, not {args.path}")
    if role.trust_policy != json.loads(args.trust_policy or "null"):
        return NotAsPlanned(f"role {args.role} exists with another trust policy than planned")
    return Verified(f"role {role.arn} exists with the planned trust policy")


_EXAMPLE_TRUST = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
    '{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
)

CREATE_ROLE = Write(
    name="iam.create_role",
    args=CreateRoleArgs,
    summary="Plan to create an IAM role with a trust policy.",
    service="iam",
    commands=(
        Command(
            "iam role create NAME (--trust FILE | --service PRINCIPAL,...) [--description D] "
            "[--path P]",
            "Plan to create an IAM role with a trust policy.",
        ),
    ),
    guide="Give exactly one of service (AWS service principals), trust_policy (JSON text) or "
    "trust (a workspace file). The trust policy is checked and shown in the plan. The role "
    "has no permissions until attach_policy.",
    reads=("iam:GetRole",),
    actions=("iam:CreateRole",),
    arns=("arn:{partition}:iam::{account}:role{path}{role}",),
    plan=_plan_create,
    run=_run_create,
    calls=_create_calls,
    verify=_verify_create,
    undo=undo_created("role", lambda: DELETE_ROLE),
    examples=(
        {
            "role": "app",
            "trust": None,
            "service": [],
            "trust_policy": _EXAMPLE_TRUST,
            "description": "The app's instances",
            "path": "/apps/",
            "max_session_duration": 3600,
        },
    ),
)


class RoleArgs(Args):
    """One role (the last step of ``iam role delete``)."""

    role: RoleName
    """The role name."""


def _profile(value: str) -> str:
    if not _PROFILE.match(value):
        raise BadInput(f"'{value}' is not an instance profile name.")
    return value


class InstanceProfileArgs(Args):
    """A role's place in an instance profile (a step of ``iam role delete``, and of its
    rollback)."""

    role: RoleName
    """The role name."""
    profile: Annotated[str, AfterValidator(_profile)]
    """The instance profile to take it out of."""


def _profile_calls(operation: str) -> Callable[[InstanceProfileArgs], list[ApiCall]]:
    def calls(args: InstanceProfileArgs) -> list[ApiCall]:
        params = {"InstanceProfileName": args.profile, "RoleName": args.role}
        extra: tuple[Grant, ...] = ()
        if operation.startswith("Add"):  # AWS: the caller must be allowed to pass the role
            extra = (Grant(action="iam:PassRole", resources=principal_arns("role", args.role)),)
        return [
            iam_call(
                operation, params, principal_arns("instance-profile", args.profile), extra=extra
            )
        ]

    return calls


PROFILE_MEMBERSHIP = Membership(
    member="role",
    container="profile",
    holders=profiles_of_role,
    is_in="instance profile {container} holds {member}",
    not_in="instance profile {container} does not hold {member}",
    still_in="instance profile {container} still holds {member}",
    member_gone="there is no role {member} any more, so no instance profile holds it",
    no_member="there is no IAM role called {member}",
    place="instance profile {container}",
)
"""A role in an instance profile: what its removal and its way back read and say."""


_PROFILE_ARNS = (
    "arn:{partition}:iam::{account}:instance-profile/{profile}",
    "arn:{partition}:iam::{account}:instance-profile/*/{profile}",
)

ADD_ROLE_TO_INSTANCE_PROFILE = Write(
    name="iam.add_role_to_instance_profile",
    args=InstanceProfileArgs,
    summary="Put a role back into an instance profile (a rollback step).",
    service="iam",
    agent="A rollback step: only the rollback of a role taken out of a profile plans it.",
    reads=("iam:ListInstanceProfilesForRole",),
    actions=("iam:AddRoleToInstanceProfile", "iam:PassRole"),
    arns=(*_PROFILE_ARNS, *_ROLE_ARNS),
    plan=only_in_rollbacks("a role's place in an instance profile"),
    run=lambda writers, args: (
        add_role_to_instance_profile(writers.aws(), args.role, args.profile).message
    ),
    calls=_profile_calls("AddRoleToInstanceProfile"),
    verify=PROFILE_MEMBERSHIP.verify_in,
    before=PROFILE_MEMBERSHIP.before,
    undo=PROFILE_MEMBERSHIP.undo_in(lambda: REMOVE_ROLE_FROM_INSTANCE_PROFILE),
    examples=({"role": "app", "profile": "app"},),
)

REMOVE_ROLE_FROM_INSTANCE_PROFILE: Write[InstanceProfileArgs] = Write(
    name="iam.remove_role_from_instance_profile",
    args=InstanceProfileArgs,
    summary="Take a role out of an instance profile (a step of deleting the role).",
    service="iam",
    agent="A cleanup step: delete_role plans it (with force).",
    reads=("iam:ListInstanceProfilesForRole",),
    actions=("iam:RemoveRoleFromInstanceProfile",),
    arns=_PROFILE_ARNS,
    plan=only_in_plans("iam role delete NAME --force"),
    run=lambda writers, args: (
        remove_role_from_instance_profile(writers.aws(), args.role, args.profile).message
    ),
    calls=_profile_calls("RemoveRoleFromInstanceProfile"),
    verify=PROFILE_MEMBERSHIP.verify_out,
    before=PROFILE_MEMBERSHIP.before,
    undo=PROFILE_MEMBERSHIP.undo_out(ADD_ROLE_TO_INSTANCE_PROFILE),
    emits=(ADD_ROLE_TO_INSTANCE_PROFILE,),  # what its rollback plans carry
    examples=({"role": "app", "profile": "app"},),
)


DELETE_ROLE: Write[RoleArgs] = Write(
    name="iam.delete_role",
    tool="delete_role_step",  # never a tool: the composite's tool has the plain name
    args=RoleArgs,
    summary="Delete an IAM role once nothing hangs on it (the last step of its deletion).",
    service="iam",
    agent="A step: delete_role plans it after the cleanup steps.",
    reads=("iam:GetRole",),
    actions=("iam:DeleteRole",),
    arns=_ROLE_ARNS,
    plan=only_in_plans("iam role delete NAME"),
    run=lambda writers, args: delete_role(writers.aws(), args.role).message,
    calls=lambda args: [
        iam_call("DeleteRole", {"RoleName": args.role}, principal_arns("role", args.role))
    ],
    verify=verify_deleted("role"),
    irreversible="a deleted IAM role is gone for good: a role created again under the same "
    "name gets a new unique id, so trust policies, resource policies and other accounts that "
    "named the old role no longer match it",
    examples=({"role": "app"},),
)


class RoleDeleteArgs(Args):
    """Arguments of ``iam role delete``."""

    role: Annotated[RoleName, Positional()]
    """The role to delete (service-linked roles are refused)."""
    force: bool = False
    """Also detach and delete its policies and take it out of its instance profiles, in the
    same plan; without it a role that still has any is refused."""


def _plan_role_delete(reader: Reader, args: RoleDeleteArgs) -> Proposal:
    session = reader.session()
    name = args.role
    role = get_role(session, name)
    if role is None:
        raise BadInput(f"There is no IAM role called '{name}'.")
    if role.service_linked:
        raise BadInput(f"{name} is a service-linked role; the service that owns it deletes it.")
    deps = role_dependencies(session, name)
    refuse_unforced("role", name, deps, force=args.force)
    entries = cleanup_entries("role", name, deps)
    entries += [
        REMOVE_ROLE_FROM_INSTANCE_PROFILE.entry(
            InstanceProfileArgs(role=name, profile=profile),
            f"Remove {name} from instance profile {profile}",
            [profile],
        )
        for profile in deps.instance_profiles
    ]
    entries.append(DELETE_ROLE.entry(RoleArgs(role=name), f"Delete IAM role {name}", [role.arn]))
    return Proposal(entries, what=f"delete IAM role {name}")


ROLE_DELETE = Write(
    name="iam.role_delete",
    args=RoleDeleteArgs,
    summary="Plan to delete an IAM role (--force removes its policies first).",
    service="iam",
    tool="delete_role",
    commands=(
        Command(
            "iam role delete NAME [--force]",
            "Plan to delete an IAM role (--force removes its policies first).",
        ),
    ),
    guide="Without force, a role that still has policies or instance profiles is refused "
    "with what is in the way; with force the plan removes each first. Service-linked roles "
    "are refused.",
    reads=(
        "iam:GetRole",
        "iam:ListAttachedRolePolicies",
        "iam:ListRolePolicies",
        "iam:ListInstanceProfilesForRole",
    ),
    plan=_plan_role_delete,
    emits=(DETACH_POLICY, DELETE_INLINE_POLICY, REMOVE_ROLE_FROM_INSTANCE_PROFILE, DELETE_ROLE),
)
