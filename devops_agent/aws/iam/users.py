"""IAM users and groups: listing them, creating a user, and deleting one with what hangs on it.

``iam user delete`` is a composite. IAM deletes a user only once nothing hangs on it,
so with ``--force`` its plan carries one step per thing to remove first (each access
key, the console password, each attached and inline policy, each group membership),
then the deletion: the plan shows exactly what goes, and each step is an operation of
its own with its own executor (they have no command; the agent reaches them through
``delete_user``). MFA devices, SSH public keys and signing certificates are never
removed by devops-agent: a user with any is refused.

What can be put back is: a group membership (:data:`ADD_USER_TO_GROUP`, a step only
rollback plans carry), a detached or inline policy (:mod:`.policy_changes`,
:mod:`.inline_policies`), and a created user (deleted again). What cannot is said before
approval: a deleted access key, a deleted console password, a deleted user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from devops_agent.aws import aws_errors, client
from devops_agent.aws.iam.calls import iam_call, not_yet, principal_arns, send_iam
from devops_agent.aws.iam.inline_policies import DELETE_INLINE_POLICY, InlinePolicyArgs
from devops_agent.aws.iam.key_changes import DELETE_ACCESS_KEY, DeleteAccessKeyArgs
from devops_agent.aws.iam.keys import list_access_keys
from devops_agent.aws.iam.memberships import Membership
from devops_agent.aws.iam.policies import policy_refs
from devops_agent.aws.iam.policy_changes import DETACH_POLICY, detach_args
from devops_agent.aws.iam.principals import (
    Dependencies,
    Group,
    GroupName,
    IamPath,
    User,
    UserName,
    describe_dependencies,
    get_user,
    groups_of_user,
    has_login_profile,
    iam_path,
    list_groups,
    list_users,
    only_in_plans,
    only_in_rollbacks,
    principal_name,
    undo_created,
    verify_deleted,
)
from devops_agent.aws.writes import Change, Tags, tag_list
from devops_agent.errors import BadInput
from devops_agent.operation import (
    ApiCall,
    Args,
    Command,
    Grant,
    NotAsPlanned,
    PlanEntry,
    Positional,
    Proposal,
    Read,
    Reader,
    Verification,
    Verified,
    Write,
)
from devops_agent.report import Result, Table, dump, plural, when

if TYPE_CHECKING:
    import boto3

__all__ = [
    "add_user_to_group",
    "create_user",
    "delete_login_profile",
    "delete_user",
    "remove_user_from_group",
    "user_dependencies",
    "user_params",
]

_USER_ARNS = (
    "arn:{partition}:iam::{account}:user/{user}",
    "arn:{partition}:iam::{account}:user/*/{user}",
)
#: What a user may have that devops-agent never removes: (call, action, answer key, what).
_BLOCKERS = (
    ("list_mfa_devices", "iam:ListMFADevices", "MFADevices", "MFA device"),
    ("list_ssh_public_keys", "iam:ListSSHPublicKeys", "SSHPublicKeys", "SSH public key"),
    (
        "list_signing_certificates",
        "iam:ListSigningCertificates",
        "Certificates",
        "signing certificate",
    ),
)


def user_dependencies(session: boto3.Session, user: str) -> Dependencies:
    """What IAM wants gone before it deletes a user.

    Args:
        session: Credentials to read with (the read role's).
        user: The user's name.

    Returns:
        Its access keys, console password, attached and inline policies, groups, and anything
        else that blocks the delete.

    Raises:
        ServiceError: no such user, or AWS refused one of the list calls.
    """
    iam = client(session, "iam")
    wanted = principal_name(user, "user")
    refs = policy_refs(iam, "user", wanted, "direct")
    groups = groups_of_user(session, wanted)
    login = has_login_profile(session, wanted)
    blockers: list[str] = []
    for method, action, key, what in _BLOCKERS:
        with aws_errors(action, resource=wanted):
            count = len(getattr(iam, method)(UserName=wanted).get(key, []))
        if count:
            blockers.append(plural(count, what))
    return Dependencies(
        access_keys=[k.id for k in list_access_keys(session, wanted)],
        attached=[p.arn for p in refs if p.arn],
        inline=[p.name for p in refs if p.kind == "inline"],
        groups=groups,
        login_profile=login,
        blockers=blockers,
    )


# --------------------------------------------------------------------------- writes
# Only the apply path calls these, with the write role's session.


def user_params(
    name: str, *, path: str = "/", tags: dict[str, str] | None = None
) -> dict[str, Any]:
    """The CreateUser parameters: what the executor sends and the plan shows.

    Args:
        name: The user's name.
        path: Its IAM path.
        tags: Its tags (left out when empty).

    Returns:
        The parameters.

    Raises:
        BadInput: a bad name or path.
    """
    params: dict[str, Any] = {"UserName": principal_name(name, "user"), "Path": iam_path(path)}
    if tags:
        params["Tags"] = tag_list(tags)
    return params


def create_user(
    session: boto3.Session, name: str, *, path: str = "/", tags: dict[str, str] | None = None
) -> Change:
    """Create an IAM user (no password, no access key).

    Args:
        session: The **write** session of an approved plan.
        name: The user's name.
        path: Its IAM path.
        tags: Its tags.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    params = user_params(name, path=path, tags=tags)
    wanted = params["UserName"]
    arn = send_iam(session, "CreateUser", resource=wanted, **params)["User"]["Arn"]
    return Change(action="iam:CreateUser", resource=arn, message=f"created user {wanted}")


def delete_user(session: boto3.Session, name: str) -> Change:
    """Delete a user (IAM refuses while keys, policies, groups or a password remain).

    Args:
        session: The **write** session of an approved plan.
        name: The user's name.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    wanted = principal_name(name, "user")
    send_iam(session, "DeleteUser", resource=wanted, UserName=wanted)
    return Change(action="iam:DeleteUser", resource=wanted, message=f"deleted user {wanted}")


def remove_user_from_group(session: boto3.Session, user: str, group: str) -> Change:
    """Take a user out of a group.

    Args:
        session: The **write** session of an approved plan.
        user: The user's name.
        group: The group's name.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    wanted = principal_name(user, "user")
    group_name = principal_name(group, "group")
    send_iam(session, "RemoveUserFromGroup", resource=wanted, UserName=wanted, GroupName=group_name)
    return Change(
        action="iam:RemoveUserFromGroup",
        resource=wanted,
        message=f"removed {wanted} from group {group}",
    )


def add_user_to_group(session: boto3.Session, user: str, group: str) -> Change:
    """Put a user (back) into a group.

    Args:
        session: The **write** session of an approved plan.
        user: The user's name.
        group: The group's name.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    wanted = principal_name(user, "user")
    group_name = principal_name(group, "group")
    send_iam(session, "AddUserToGroup", resource=wanted, UserName=wanted, GroupName=group_name)
    return Change(
        action="iam:AddUserToGroup", resource=wanted, message=f"added {wanted} to group {group}"
    )


def delete_login_profile(session: boto3.Session, user: str) -> Change:
    """Remove a user's console password.

    Args:
        session: The **write** session of an approved plan.
        user: The user's name.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    wanted = principal_name(user, "user")
    send_iam(session, "DeleteLoginProfile", resource=wanted, UserName=wanted)
    return Change(
        action="iam:DeleteLoginProfile",
        resource=wanted,
        message=f"removed the console password of {wanted}",
    )


# --------------------------------------------------------------------------- reads


class NoArgs(Args):
    """A read without arguments (``--region`` is accepted and unused: IAM is global)."""


def _users_table(reader: Reader, args: NoArgs, users: list[User]) -> Result:
    rows = [[u.name, u.arn, when(u.created), when(u.password_last_used) or "never"] for u in users]
    return Result(
        title=plural(len(users), "IAM user"),
        tables=[
            Table(
                columns=["User", "ARN", "Created", "Password last used"],
                rows=rows,
                empty="No IAM users.",
            )
        ],
        data={"users": dump(users)},
    )


LIST_USERS = Read(
    name="iam.list_users",
    args=NoArgs,
    summary="IAM users.",
    service="iam",
    commands=(Command("iam users", "IAM users."),),
    guide="Each user's name, id, ARN, path, when it was created and its last console sign-in. "
    "list_access_keys has their access keys and ages.",
    actions=("iam:ListUsers",),
    read=lambda reader, args: list_users(reader.session()),
    render=_users_table,
)


def _groups_table(reader: Reader, args: NoArgs, groups: list[Group]) -> Result:
    rows = [[g.name, g.arn, g.path, when(g.created)] for g in groups]
    return Result(
        title=plural(len(groups), "IAM group"),
        tables=[Table(columns=["Group", "ARN", "Path", "Created"], rows=rows, empty="No groups.")],
        data={"groups": dump(groups)},
    )


LIST_GROUPS = Read(
    name="iam.list_groups",
    args=NoArgs,
    summary="IAM groups.",
    service="iam",
    commands=(Command("iam groups", "IAM groups."),),
    guide="Each group's name, id, ARN, path and creation time; list_policies with group "
    "gives its policies.",
    actions=("iam:ListGroups",),
    read=lambda reader, args: list_groups(reader.session()),
    render=_groups_table,
)


# --------------------------------------------------------------------------- operations


class CreateUserArgs(Args):
    """Arguments of ``iam user create``."""

    user: Annotated[UserName, Positional()]
    """The new user's name (1-64 letters, digits and + = , . @ _ -)."""
    path: IamPath = "/"
    """IAM path, / unless it should be grouped (e.g. /ci/)."""
    tags: Tags
    """Tags for the user, key to value."""


def _plan_create(reader: Reader, args: CreateUserArgs) -> Proposal:
    if get_user(reader.session(), args.user) is not None:
        raise BadInput(f"There is already an IAM user called '{args.user}'.")
    entry = CREATE_USER.entry(
        args,
        f"Create IAM user {args.user} (path {args.path}; no password, no access key, no policies)",
        [args.user],
    )
    return Proposal([entry], what=f"create IAM user {args.user}")


def _create_calls(args: CreateUserArgs) -> list[ApiCall]:
    params = user_params(args.user, path=args.path, tags=dict(args.tags))
    arn = (f"arn:{{partition}}:iam::{{account}}:user{args.path}{args.user}",)
    tag = (Grant(action="iam:TagUser", resources=arn),) if args.tags else ()
    return [iam_call("CreateUser", params, arn, extra=tag)]


def _verify_create(reader: Reader, args: CreateUserArgs) -> Verification:
    user = get_user(reader.session(), args.user)
    if user is None:
        return not_yet(f"there is no IAM user called {args.user}")
    if user.path != args.path:
        return NotAsPlanned(f"user {args.user} exists at path {user.path}, not {args.path}")
    return Verified(f"user {user.arn} exists")


CREATE_USER = Write(
    name="iam.create_user",
    args=CreateUserArgs,
    summary="Plan to create an IAM user.",
    service="iam",
    commands=(
        Command("iam user create NAME [--path P] [--tag K=V,...]", "Plan to create an IAM user."),
    ),
    guide="The user has no password, access key or policy: propose attach_policy or "
    "create_access_key next if asked.",
    reads=("iam:GetUser",),
    actions=("iam:CreateUser", "iam:TagUser"),
    arns=("arn:{partition}:iam::{account}:user{path}{user}",),
    plan=_plan_create,
    run=lambda writers, args: (
        create_user(writers.aws(), args.user, path=args.path, tags=dict(args.tags)).message
    ),
    calls=_create_calls,
    verify=_verify_create,
    undo=undo_created("user", lambda: DELETE_USER),
    examples=(
        {"user": "deployer", "path": "/ci/", "tags": {"team": "ci"}},
        {"user": "deployer", "path": "/", "tags": {}},
    ),
)


class UserArgs(Args):
    """One user (a step of ``iam user delete``)."""

    user: UserName
    """The user name."""


def _verify_no_login(reader: Reader, args: UserArgs) -> Verification:
    if has_login_profile(reader.session(), args.user):
        return not_yet(f"{args.user} still has a console password")
    return Verified(f"{args.user} has no console password")


DELETE_LOGIN_PROFILE = Write(
    name="iam.delete_login_profile",
    args=UserArgs,
    summary="Remove a user's console password (a step of deleting the user).",
    service="iam",
    agent="A cleanup step: delete_user plans it (with force).",
    reads=("iam:GetLoginProfile",),
    actions=("iam:DeleteLoginProfile",),
    arns=_USER_ARNS,
    plan=only_in_plans("iam user delete NAME --force"),
    run=lambda writers, args: delete_login_profile(writers.aws(), args.user).message,
    calls=lambda args: [
        iam_call("DeleteLoginProfile", {"UserName": args.user}, principal_arns("user", args.user))
    ],
    verify=_verify_no_login,
    irreversible="the console password is deleted, and IAM never shows a password, so it "
    "cannot be put back: signing in to the console again needs a new password that an "
    "administrator sets and hands over",
    examples=({"user": "dev"},),
)


class GroupMemberArgs(Args):
    """A user's membership of a group (a step of ``iam user delete``)."""

    user: UserName
    """The user name."""
    group: GroupName
    """The group to take the user out of."""


def _membership_calls(operation: str) -> Callable[[GroupMemberArgs], list[ApiCall]]:
    def calls(args: GroupMemberArgs) -> list[ApiCall]:
        params = {"GroupName": args.group, "UserName": args.user}
        return [iam_call(operation, params, principal_arns("group", args.group))]

    return calls


GROUP_MEMBERSHIP = Membership(
    member="user",
    container="group",
    holders=groups_of_user,
    is_in="{member} is in group {container}",
    not_in="{member} is not in group {container}",
    still_in="{member} is still in group {container}",
    member_gone="there is no user {member} any more, so it is in no group",
    no_member="there is no IAM user called {member}",
    place="group {container}",
)
"""A user in a group: what its removal and its way back read and say."""


_GROUP_ARNS = (
    "arn:{partition}:iam::{account}:group/{group}",
    "arn:{partition}:iam::{account}:group/*/{group}",
)

ADD_USER_TO_GROUP = Write(
    name="iam.add_user_to_group",
    args=GroupMemberArgs,
    summary="Put a user back into a group (a rollback step).",
    service="iam",
    agent="A rollback step: only the rollback of a removed group membership plans it.",
    reads=("iam:ListGroupsForUser",),
    actions=("iam:AddUserToGroup",),
    arns=_GROUP_ARNS,
    plan=only_in_rollbacks("a group membership"),
    run=lambda writers, args: add_user_to_group(writers.aws(), args.user, args.group).message,
    calls=_membership_calls("AddUserToGroup"),
    verify=GROUP_MEMBERSHIP.verify_in,
    before=GROUP_MEMBERSHIP.before,
    undo=GROUP_MEMBERSHIP.undo_in(lambda: REMOVE_USER_FROM_GROUP),
    examples=({"user": "dev", "group": "devs"},),
)

REMOVE_USER_FROM_GROUP: Write[GroupMemberArgs] = Write(
    name="iam.remove_user_from_group",
    args=GroupMemberArgs,
    summary="Take a user out of a group (a step of deleting the user).",
    service="iam",
    agent="A cleanup step: delete_user plans it (with force).",
    reads=("iam:ListGroupsForUser",),
    actions=("iam:RemoveUserFromGroup",),
    arns=_GROUP_ARNS,
    plan=only_in_plans("iam user delete NAME --force"),
    run=lambda writers, args: remove_user_from_group(writers.aws(), args.user, args.group).message,
    calls=_membership_calls("RemoveUserFromGroup"),
    verify=GROUP_MEMBERSHIP.verify_out,
    before=GROUP_MEMBERSHIP.before,
    undo=GROUP_MEMBERSHIP.undo_out(ADD_USER_TO_GROUP),
    emits=(ADD_USER_TO_GROUP,),  # what its rollback plans carry
    examples=({"user": "dev", "group": "devs"},),
)


DELETE_USER: Write[UserArgs] = Write(
    name="iam.delete_user",
    tool="delete_user_step",  # never a tool: the composite's tool has the plain name
    args=UserArgs,
    summary="Delete an IAM user once nothing hangs on it (the last step of its deletion).",
    service="iam",
    agent="A step: delete_user plans it after the cleanup steps.",
    reads=("iam:GetUser",),
    actions=("iam:DeleteUser",),
    arns=_USER_ARNS,
    plan=only_in_plans("iam user delete NAME"),
    run=lambda writers, args: delete_user(writers.aws(), args.user).message,
    calls=lambda args: [
        iam_call("DeleteUser", {"UserName": args.user}, principal_arns("user", args.user))
    ],
    verify=verify_deleted("user"),
    irreversible="a deleted IAM user is gone for good: a user created again under the same "
    "name gets a new unique id, so role trust policies and resource policies that named the "
    "old user no longer match it",
    examples=({"user": "dev"},),
)


class UserDeleteArgs(Args):
    """Arguments of ``iam user delete``."""

    user: Annotated[UserName, Positional()]
    """The user to delete."""
    force: bool = False
    """Also remove, in the same plan, its access keys, console password, policies and group
    memberships; without it a user that still has any is refused."""


def refuse_unforced(kind: str, name: str, deps: Dependencies, *, force: bool) -> None:
    """Refuse a deletion IAM would refuse, unless ``--force`` removes what is in the way.

    Args:
        kind: ``user`` or ``role``.
        name: Its name.
        deps: What hangs on it.
        force: Whether the plan removes those first.

    Raises:
        BadInput: something hangs on it and ``force`` is off; the remedy is the command
            with ``--force``.
    """
    if not deps.empty and not force:
        raise BadInput(
            f"{name} still has {describe_dependencies(deps)}; IAM deletes a {kind} only "
            "without them.",
            remedy="Add --force to remove them in the same plan: "
            f"`iam {kind} delete {name} --force`.",
        )


def cleanup_entries(kind: str, name: str, deps: Dependencies) -> list[PlanEntry]:
    """The plan entries that remove what IAM wants gone before deleting a user or role."""
    entries = [
        DELETE_ACCESS_KEY.entry(
            DeleteAccessKeyArgs(user=name, access_key=key.lower(), force=True),
            f"Delete access key …{key[-4:]} of {name}",
            [name],
        )
        for key in deps.access_keys
    ]
    if deps.login_profile:
        entries.append(
            DELETE_LOGIN_PROFILE.entry(
                UserArgs(user=name), f"Remove the console password of {name}", [name]
            )
        )
    entries += [
        DETACH_POLICY.entry(
            detach_args(arn, "user" if kind == "user" else "role", name),
            f"Detach {arn} from {kind} {name}",
            [arn],
        )
        for arn in deps.attached
    ]
    entries += [
        DELETE_INLINE_POLICY.entry(
            InlinePolicyArgs.model_validate({"kind": kind, "name": name, "policy": policy}),
            f"Delete inline policy {policy} of {kind} {name}",
            [name],
        )
        for policy in deps.inline
    ]
    entries += [
        REMOVE_USER_FROM_GROUP.entry(
            GroupMemberArgs(user=name, group=group), f"Remove {name} from group {group}", [group]
        )
        for group in deps.groups
    ]
    return entries


def _plan_user_delete(reader: Reader, args: UserDeleteArgs) -> Proposal:
    session = reader.session()
    name = args.user
    user = get_user(session, name)
    if user is None:
        raise BadInput(f"There is no IAM user called '{name}'.")
    deps = user_dependencies(session, name)
    if deps.blockers:
        raise BadInput(
            f"{name} still has {', '.join(deps.blockers)}; devops-agent does not remove those.",
            remedy="Remove them in the IAM console or with the AWS CLI, then ask again.",
        )
    refuse_unforced("user", name, deps, force=args.force)
    entries = cleanup_entries("user", name, deps)
    entries.append(DELETE_USER.entry(UserArgs(user=name), f"Delete IAM user {name}", [user.arn]))
    return Proposal(entries, what=f"delete IAM user {name}")


USER_DELETE = Write(
    name="iam.user_delete",
    args=UserDeleteArgs,
    summary="Plan to delete an IAM user (--force removes its keys, policies, groups first).",
    service="iam",
    tool="delete_user",
    commands=(
        Command(
            "iam user delete NAME [--force]",
            "Plan to delete an IAM user (--force removes its keys, policies, groups first).",
        ),
    ),
    guide="Without force, a user that still has access keys, a console password, policies or "
    "groups is refused with what is in the way; with force the plan removes each first, "
    "one entry apiece. Users with MFA devices, SSH keys or signing certificates are refused.",
    reads=(
        "iam:GetUser",
        "iam:ListAccessKeys",
        "iam:GetAccessKeyLastUsed",
        "iam:ListAttachedUserPolicies",
        "iam:ListUserPolicies",
        "iam:ListGroupsForUser",
        "iam:GetLoginProfile",
        *(action for _, action, _, _ in _BLOCKERS),
    ),
    plan=_plan_user_delete,
    emits=(
        DELETE_ACCESS_KEY,
        DELETE_LOGIN_PROFILE,
        DETACH_POLICY,
        DELETE_INLINE_POLICY,
        REMOVE_USER_FROM_GROUP,
        DELETE_USER,
    ),
)
