"""IAM users, roles and groups: their models, the rules for their names, and lookups.

Everything else in :mod:`devops_agent.aws.iam` names principals through the checks
here (:func:`principal_name`, :func:`iam_path` and the ``UserName``-style argument
types), so a name is judged the same way by a command, an agent tool and an apply.

IAM is global: no function takes a region. Every list goes through botocore's
paginator (IAM pages hold 100 items by default), so accounts with hundreds of users
or roles are read in full.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn, Protocol, TypeVar
from urllib.parse import unquote

from botocore import xform_name
from pydantic import AfterValidator, Field

from devops_agent.aws import AwsModel, aws_errors, client, pages, utc
from devops_agent.aws.iam.calls import not_yet
from devops_agent.errors import BadInput, Refused
from devops_agent.operation import PlanEntry, Reader, Verification, Verified, Write
from devops_agent.report import plural

if TYPE_CHECKING:
    import boto3

__all__ = [
    "Dependencies",
    "Group",
    "GroupName",
    "IamPath",
    "PrincipalKind",
    "Role",
    "RoleName",
    "User",
    "UserName",
    "UserOrRoleName",
    "describe_dependencies",
    "get_role",
    "get_user",
    "group_exists",
    "groups_of_user",
    "has_login_profile",
    "iam_path",
    "list_groups",
    "list_roles",
    "list_users",
    "principal_exists",
    "principal_name",
    "profiles_of_role",
    "undo_created",
    "verify_deleted",
]

PrincipalKind = Literal["user", "role", "group"]
"""What a policy can be attached to."""


class _Named(Protocol):
    @property
    def name(self) -> str: ...


_P = TypeVar("_P", bound=_Named)

_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_GROUP_OR_POLICY = re.compile(r"^[\w+=,.@-]{1,128}$")
_PATH = re.compile(r"^/(?:[\x21-\x7e]*/)?$")


def principal_name(name: str, kind: str = "user") -> str:
    """A user, role, group or policy name after IAM's rules.

    Args:
        name: What was typed.
        kind: ``user``, ``role``, ``group`` or ``policy``, for the rules and the message.

    Returns:
        The name, trimmed.

    Raises:
        BadInput: empty, too long, or characters IAM does not allow.
    """
    cleaned = name.strip()
    short = kind in ("user", "role", "user or role")
    pattern = _NAME if short else _GROUP_OR_POLICY
    if not pattern.match(cleaned):
        longest = 64 if short else 128
        raise BadInput(
            f"'{name}' is not an IAM {kind} name: 1-{longest} letters, digits and + = , . @ _ -."
        )
    return cleaned


def iam_path(path: str) -> str:
    """An IAM path such as ``/`` or ``/ci/``.

    Args:
        path: What was typed.

    Returns:
        The path.

    Raises:
        BadInput: not starting and ending with ``/``, or too long.
    """
    if not _PATH.match(path) or len(path) > 512:
        raise BadInput(f"'{path}' is not an IAM path; paths look like / or /ci/deployers/.")
    return path


def _name_of(kind: str) -> Callable[[str], str]:
    return lambda value: principal_name(value, kind)


UserName = Annotated[str, AfterValidator(_name_of("user"))]
"""An IAM user name (1-64 letters, digits and ``+=,.@_-``)."""
RoleName = Annotated[str, AfterValidator(_name_of("role"))]
"""An IAM role name (1-64 letters, digits and ``+=,.@_-``)."""
GroupName = Annotated[str, AfterValidator(_name_of("group"))]
"""An IAM group name (1-128 letters, digits and ``+=,.@_-``)."""
UserOrRoleName = Annotated[str, AfterValidator(_name_of("user or role"))]
"""A user's or a role's name (the same rules)."""
IamPath = Annotated[str, AfterValidator(iam_path)]
"""An IAM path: ``/`` or ``/segment/.../``."""


def param(kind: PrincipalKind) -> str:
    """The API parameter that names a principal of ``kind`` (``UserName``...)."""
    return {"user": "UserName", "role": "RoleName", "group": "GroupName"}[kind]


def document(value: Any) -> dict[str, Any] | None:
    """A policy document as a dict: botocore decodes most, some arrive as URL-encoded JSON."""
    if value is None or isinstance(value, dict):
        return value
    try:
        decoded = json.loads(unquote(str(value)))
    except ValueError:
        return None
    return decoded if isinstance(decoded, dict) else None


# --------------------------------------------------------------------------- models


class User(AwsModel):
    """One IAM user."""

    name: str
    """User name."""
    user_id: str
    """Stable unique id (``AIDA...``); it changes if the user is deleted and re-created."""
    arn: str
    """User ARN."""
    created: datetime
    """When the user was created (UTC)."""
    password_last_used: datetime | None = None
    """Last console sign-in (UTC); ``None`` when never used, no password, or unknown."""
    path: str = "/"
    """IAM path, e.g. ``/`` or ``/engineering/``."""


class Role(AwsModel):
    """One IAM role."""

    name: str
    """Role name."""
    role_id: str = ""
    """Stable unique id (``AROA...``)."""
    arn: str
    """Role ARN."""
    created: datetime
    """When the role was created (UTC)."""
    description: str = ""
    """Description given at creation."""
    max_session_duration: int = 3600
    """Longest session, in seconds, that assuming the role may ask for."""
    path: str = "/"
    """IAM path; ``/aws-service-role/`` marks service-linked roles."""
    trust_policy: dict[str, Any] | None = None
    """The trust (assume-role) policy document: who may assume the role."""

    @property
    def service_linked(self) -> bool:
        """Whether an AWS service owns the role (only that service may delete it)."""
        return self.path.startswith("/aws-service-role/")


class Group(AwsModel):
    """One IAM group."""

    name: str
    """Group name."""
    group_id: str = ""
    """Stable unique id (``AGPA...``)."""
    arn: str
    """Group ARN."""
    created: datetime | None = None
    """When the group was created (UTC)."""
    path: str = "/"
    """IAM path."""


class Dependencies(AwsModel):
    """What must go before IAM deletes a user or role."""

    access_keys: list[str] = Field(default_factory=list)
    """Access key ids of a user (full ids: they go into plan entries lower-cased)."""
    attached: list[str] = Field(default_factory=list)
    """ARNs of attached managed policies."""
    inline: list[str] = Field(default_factory=list)
    """Names of inline policies."""
    groups: list[str] = Field(default_factory=list)
    """Groups a user is in."""
    login_profile: bool = False
    """Whether a user has a console password."""
    instance_profiles: list[str] = Field(default_factory=list)
    """Instance profiles holding a role."""
    blockers: list[str] = Field(default_factory=list)
    """What devops-agent will not remove (MFA devices, SSH keys, certificates...)."""

    @property
    def empty(self) -> bool:
        """Whether nothing is in the way."""
        return not (
            self.access_keys
            or self.attached
            or self.inline
            or self.groups
            or self.login_profile
            or self.instance_profiles
            or self.blockers
        )


def describe_dependencies(deps: Dependencies) -> str:
    """What stands in the way, in words: ``1 access key, a console password, ...``.

    Args:
        deps: What IAM wants gone first.

    Returns:
        A comma list; empty when nothing stands in the way (blockers are not listed here).
    """
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


# --------------------------------------------------------------------------- reads


def _user(raw: Any) -> User:
    return User(
        name=raw["UserName"],
        user_id=raw["UserId"],
        arn=raw["Arn"],
        created=utc(raw["CreateDate"]),
        password_last_used=utc(raw.get("PasswordLastUsed")),
        path=raw.get("Path", "/"),
    )


def _role(raw: Any) -> Role:
    return Role(
        name=raw["RoleName"],
        role_id=raw.get("RoleId", ""),
        arn=raw["Arn"],
        created=utc(raw["CreateDate"]),
        description=raw.get("Description") or "",
        max_session_duration=raw.get("MaxSessionDuration", 3600),
        path=raw.get("Path", "/"),
        trust_policy=document(raw.get("AssumeRolePolicyDocument")),
    )


def _group(raw: Any) -> Group:
    return Group(
        name=raw["GroupName"],
        group_id=raw.get("GroupId", ""),
        arn=raw["Arn"],
        created=utc(raw.get("CreateDate")),
        path=raw.get("Path", "/"),
    )


def _every(
    session: boto3.Session,
    action: str,
    key: str,
    parse: Callable[[Any], _P],
    page_size: int | None,
) -> list[_P]:
    """Every user, role or group of the account, through IAM's paginator, sorted by name
    (case-insensitively, then as written)."""
    iam = client(session, "iam")
    with aws_errors(action):
        found = [
            parse(raw)
            for page in pages(iam, _method(action), page_size=page_size)
            for raw in page.get(key, [])
        ]
    return sorted(found, key=lambda p: (p.name.lower(), p.name))


def _method(action: str) -> str:
    """The boto3 method of an IAM action: ``iam:GetUser`` → ``get_user``."""
    return xform_name(action.split(":", 1)[1])


def _answer(
    session: boto3.Session, action: str, kind: PrincipalKind, name: str, **params: Any
) -> dict[str, Any] | None:
    """IAM's answer to ``action`` about the ``kind`` called ``name``, or ``None`` when IAM
    has no such entity (a ``Get…`` of something that is not there)."""
    iam = client(session, "iam")
    wanted = principal_name(name, kind)
    with aws_errors(action, resource=wanted):
        try:
            return dict(getattr(iam, _method(action))(**{param(kind): wanted}, **params))
        except iam.exceptions.NoSuchEntityException:
            return None


def _names(
    session: boto3.Session, action: str, kind: PrincipalKind, name: str, key: str, field: str
) -> list[str]:
    """The names IAM lists by ``action`` for the ``kind`` called ``name`` (the groups of a
    user, the instance profiles of a role), sorted."""
    iam = client(session, "iam")
    wanted = principal_name(name, kind)
    params: dict[str, Any] = {param(kind): wanted}
    with aws_errors(action, resource=wanted):
        return sorted(
            item[field]
            for page in pages(iam, _method(action), **params)
            for item in page.get(key, [])
        )


def list_users(session: boto3.Session, *, page_size: int | None = None) -> list[User]:
    """Every IAM user of the account.

    Args:
        session: credentials to read with (``iam:ListUsers``).
        page_size: users per request (1-1000); IAM's default of 100 when ``None``.

    Returns:
        The users sorted by name. Tags and access keys are not included.

    Raises:
        ServiceError: AWS refused.
    """
    return _every(session, "iam:ListUsers", "Users", _user, page_size)


def list_roles(session: boto3.Session, *, page_size: int | None = None) -> list[Role]:
    """Every IAM role of the account, service-linked roles included.

    Args:
        session: credentials to read with (``iam:ListRoles``).
        page_size: roles per request (1-1000); IAM's default of 100 when ``None``.

    Returns:
        The roles sorted by name, each with its trust policy.

    Raises:
        ServiceError: AWS refused.
    """
    return _every(session, "iam:ListRoles", "Roles", _role, page_size)


def list_groups(session: boto3.Session, *, page_size: int | None = None) -> list[Group]:
    """Every IAM group of the account.

    Args:
        session: Credentials to read with (the read role's).
        page_size: Items per page; ``None`` lets IAM choose.

    Returns:
        The groups.

    Raises:
        ServiceError: AWS refused (``iam:ListGroups``).
    """
    return _every(session, "iam:ListGroups", "Groups", _group, page_size)


def get_user(session: boto3.Session, name: str) -> User | None:
    """One user, or ``None`` when there is none by that name.

    Args:
        session: Credentials to read with (the read role's).
        name: The user's name.

    Returns:
        The user, or ``None``.

    Raises:
        ServiceError: AWS refused (``iam:GetUser``).
    """
    answer = _answer(session, "iam:GetUser", "user", name)
    return None if answer is None else _user(answer["User"])


def get_role(session: boto3.Session, name: str) -> Role | None:
    """One role with its trust policy, or ``None`` when there is none by that name.

    Args:
        session: Credentials to read with (the read role's).
        name: The role's name.

    Returns:
        The role, or ``None``.

    Raises:
        ServiceError: AWS refused (``iam:GetRole``).
    """
    answer = _answer(session, "iam:GetRole", "role", name)
    return None if answer is None else _role(answer["Role"])


def group_exists(session: boto3.Session, name: str) -> bool:
    """Whether a group of that name exists.

    Args:
        session: Credentials to read with (the read role's).
        name: The group's name.

    Returns:
        True when it exists.

    Raises:
        ServiceError: AWS refused (``iam:GetGroup``).
    """
    return _answer(session, "iam:GetGroup", "group", name, MaxItems=1) is not None


def has_login_profile(session: boto3.Session, user: str) -> bool:
    """Whether the user has a console password (a login profile).

    Args:
        session: Credentials to read with (the read role's).
        user: The user's name.

    Returns:
        True when it has one; False when it has none (or the user does not exist).

    Raises:
        ServiceError: AWS refused (``iam:GetLoginProfile``).
    """
    return _answer(session, "iam:GetLoginProfile", "user", user) is not None


def groups_of_user(session: boto3.Session, user: str) -> list[str]:
    """The groups a user is in.

    Args:
        session: Credentials to read with (the read role's).
        user: The user's name.

    Returns:
        The group names, sorted.

    Raises:
        ServiceError: no such user, or AWS refused (``iam:ListGroupsForUser``).
    """
    return _names(session, "iam:ListGroupsForUser", "user", user, "Groups", "GroupName")


def profiles_of_role(session: boto3.Session, role: str) -> list[str]:
    """The instance profiles that hold a role.

    Args:
        session: Credentials to read with (the read role's).
        role: The role's name.

    Returns:
        The instance profile names, sorted.

    Raises:
        ServiceError: no such role, or AWS refused (``iam:ListInstanceProfilesForRole``).
    """
    return _names(
        session,
        "iam:ListInstanceProfilesForRole",
        "role",
        role,
        "InstanceProfiles",
        "InstanceProfileName",
    )


def principal_exists(session: boto3.Session, kind: PrincipalKind, name: str) -> bool:
    """Whether a user, role or group of that name exists.

    Args:
        session: Credentials to read with (the read role's).
        kind: ``user``, ``role`` or ``group``.
        name: Its name.

    Returns:
        True when it exists.

    Raises:
        ServiceError: AWS refused (``iam:GetUser``, ``iam:GetRole`` or ``iam:GetGroup``).
    """
    return {
        "user": lambda: get_user(session, name) is not None,
        "role": lambda: get_role(session, name) is not None,
        "group": lambda: group_exists(session, name),
    }[kind]()


def require(session: boto3.Session, kind: PrincipalKind, name: str) -> None:
    """Check that a user, role or group exists (a preview's check of what it names).

    Args:
        session: Credentials to read with (the read role's).
        kind: ``user``, ``role`` or ``group``.
        name: Its name.

    Raises:
        BadInput: there is no such principal. ServiceError: AWS refused.
    """
    if not principal_exists(session, kind, name):
        raise BadInput(f"There is no IAM {kind} called '{name}'.")


# --------------------------------------------------------------------------- plan steps


def only_in_plans(composite: str) -> Callable[[Reader, Any], NoReturn]:
    """The preview of a step that only other plans carry (a cleanup before a delete).

    Such a step has no command and no tool: asking for it alone is refused, naming the
    command whose plan holds it.

    Args:
        composite: The command whose plans carry the step.

    Returns:
        A preview that always refuses.
    """

    def refuse(reader: Reader, args: Any) -> NoReturn:
        raise Refused(
            f"This change is only planned as a step of `{composite}`.",
            remedy=f"Ask for `{composite}` instead.",
        )

    return refuse


def only_in_rollbacks(change: str) -> Callable[[Reader, Any], NoReturn]:
    """The preview of a step that only rollback plans carry (putting back what a plan
    removed, such as a group membership a user deletion took away).

    Such a step has no command and no tool: asking for it alone is refused.

    Args:
        change: What it puts back, for the message (``a group membership``).

    Returns:
        A preview that always refuses.
    """

    def refuse(reader: Reader, args: Any) -> NoReturn:
        raise Refused(
            f"Putting back {change} is only planned as a rollback of an applied plan.",
            remedy="Apply the rollback plan that the applied plan's comment carries.",
        )

    return refuse


def verify_deleted(kind: PrincipalKind) -> Callable[[Reader, Any], Verification]:
    """The read-back of deleting a user or role: IAM no longer knows it.

    Args:
        kind: ``user`` or ``role``; the step's argument of that name holds the name.

    Returns:
        A ``verify``: verified when it is gone, not yet while IAM still shows it.
    """

    def verify(reader: Reader, args: Any) -> Verification:
        name = getattr(args, kind)
        if principal_exists(reader.session(), kind, name):
            return not_yet(f"the IAM {kind} {name} still exists")
        return Verified(f"there is no IAM {kind} called {name}")

    return verify


def undo_created(
    kind: PrincipalKind, delete: Callable[[], Write[Any]]
) -> Callable[[Reader, object, Any], list[PlanEntry]]:
    """The way back of creating a user or role: delete it again (it has nothing yet unless
    someone added it since).

    Args:
        kind: ``user`` or ``role``; the create's argument of that name holds the name.
        delete: Gives the step that deletes one (declared after the create, so it is looked
            up when the rollback is planned); its arguments are that one name.

    Returns:
        An ``undo``: one entry while the principal exists, none once it is gone.
    """

    def undo(reader: Reader, before: object, args: Any) -> list[PlanEntry]:
        name = getattr(args, kind)
        if not principal_exists(reader.session(), kind, name):
            return []
        step = delete()
        line = f"Roll back: delete the IAM {kind} {name} that the plan created"
        return [step.entry(step.args.model_validate({kind: name}), line, [name])]

    return undo
