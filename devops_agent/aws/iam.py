"""IAM: users, roles, groups, policies and access keys; reads as typed models, and writes.

IAM is global: these functions take no region. Every list goes through
botocore's paginator (IAM pages hold 100 items by default), so accounts with
hundreds of users or roles are read in full.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote

from pydantic import Field, SecretStr

from devops_agent.aws import AwsModel, aws_errors, client, pages, utc
from devops_agent.aws.writes import Change
from devops_agent.errors import BadInput

if TYPE_CHECKING:
    import boto3

__all__ = [
    "POLICY_SCOPES",
    "AccessKey",
    "Dependencies",
    "Group",
    "NewAccessKey",
    "Permissions",
    "Policy",
    "PolicyDetail",
    "PolicyRef",
    "PrincipalKind",
    "Role",
    "Simulation",
    "User",
    "access_key_id",
    "attach_policy",
    "create_access_key",
    "create_policy",
    "create_role",
    "create_user",
    "delete_access_key",
    "delete_inline_policy",
    "delete_login_profile",
    "delete_policy",
    "delete_policy_version",
    "delete_role",
    "delete_user",
    "find_policy",
    "get_role",
    "get_user",
    "group_exists",
    "iam_path",
    "list_access_keys",
    "list_groups",
    "list_policies",
    "list_roles",
    "list_users",
    "permissions",
    "policies_of",
    "policy_detail",
    "principal_name",
    "remove_role_from_instance_profile",
    "remove_user_from_group",
    "role_dependencies",
    "simulate",
    "update_access_key",
    "user_dependencies",
]

#: ListPolicies scopes: ``Local`` = customer managed, ``AWS`` = AWS managed, ``All`` = both.
POLICY_SCOPES = ("Local", "AWS", "All")


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


class Policy(AwsModel):
    """One IAM managed policy."""

    name: str
    """Policy name."""
    arn: str
    """Policy ARN (``arn:aws:iam::aws:policy/...`` for AWS managed ones)."""
    attachment_count: int = 0
    """Users, groups and roles it is attached to."""
    default_version_id: str | None = None
    """The version in effect, e.g. ``v1``."""
    created: datetime | None = None
    """When the policy was created (UTC)."""
    updated: datetime | None = None
    """When its last version was created (UTC)."""
    path: str = "/"
    """IAM path."""


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
    iam = client(session, "iam")
    with aws_errors("iam:ListUsers"):
        users = [
            User(
                name=u["UserName"],
                user_id=u["UserId"],
                arn=u["Arn"],
                created=utc(u["CreateDate"]),
                password_last_used=utc(u.get("PasswordLastUsed")),
                path=u.get("Path", "/"),
            )
            for page in pages(iam, "list_users", page_size=page_size)
            for u in page.get("Users", [])
        ]
    return sorted(users, key=lambda u: (u.name.lower(), u.name))


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
    iam = client(session, "iam")
    with aws_errors("iam:ListRoles"):
        roles = [
            Role(
                name=r["RoleName"],
                role_id=r.get("RoleId", ""),
                arn=r["Arn"],
                created=utc(r["CreateDate"]),
                description=r.get("Description") or "",
                max_session_duration=r.get("MaxSessionDuration", 3600),
                path=r.get("Path", "/"),
                trust_policy=_document(r.get("AssumeRolePolicyDocument")),
            )
            for page in pages(iam, "list_roles", page_size=page_size)
            for r in page.get("Roles", [])
        ]
    return sorted(roles, key=lambda r: (r.name.lower(), r.name))


def list_policies(
    session: boto3.Session, scope: str = "Local", *, page_size: int | None = None
) -> list[Policy]:
    """IAM managed policies: customer managed by default.

    Args:
        session: credentials to read with (``iam:ListPolicies``).
        scope: ``Local`` (customer managed, the default), ``AWS`` (AWS managed,
            about 1,400 of them) or ``All``; case-insensitive.
        page_size: policies per request (1-1000); IAM's default of 100 when ``None``.

    Returns:
        The policies sorted by name.

    Raises:
        BadInput: unknown scope. ServiceError: AWS refused.
    """
    canonical = {s.lower(): s for s in POLICY_SCOPES}.get(scope.strip().lower())
    if canonical is None:
        raise BadInput(
            f"'{scope}' is not a policy scope. Valid scopes: {', '.join(POLICY_SCOPES)}."
        )
    iam = client(session, "iam")
    with aws_errors("iam:ListPolicies"):
        policies = [
            Policy(
                name=p["PolicyName"],
                arn=p["Arn"],
                attachment_count=p.get("AttachmentCount", 0),
                default_version_id=p.get("DefaultVersionId"),
                created=utc(p.get("CreateDate")),
                updated=utc(p.get("UpdateDate")),
                path=p.get("Path", "/"),
            )
            for page in pages(iam, "list_policies", page_size=page_size, Scope=canonical)
            for p in page.get("Policies", [])
        ]
    return sorted(policies, key=lambda p: (p.name.lower(), p.arn))


def _document(value: Any) -> dict[str, Any] | None:
    """botocore decodes IAM policy documents into dicts; accept JSON text too."""
    if value is None or isinstance(value, dict):
        return value
    try:
        decoded = json.loads(unquote(str(value)))
    except ValueError:
        return None
    return decoded if isinstance(decoded, dict) else None


# --------------------------------------------------------------------------- more reads

PrincipalKind = Literal["user", "role", "group"]

_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_GROUP_OR_POLICY = re.compile(r"^[\w+=,.@-]{1,128}$")
_PATH = re.compile(r"^/(?:[\x21-\x7e]*/)?$")
_POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(?:\d{12}|aws):policy/[\x21-\x7e]+$")
_ACCESS_KEY_ID = re.compile(r"^(?:AKIA|ASIA)[A-Z0-9]{16}$")
_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*]+$")


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


class AccessKey(AwsModel):
    """One access key of a user (its id only: the secret exists once, at creation)."""

    id: str
    """Access key id, ``AKIA...``."""
    user: str
    """The user it belongs to."""
    status: str
    """``Active`` or ``Inactive``."""
    created: datetime | None = None
    """When it was created (UTC)."""
    last_used: datetime | None = None
    """When it was last used (UTC); ``None`` when never."""
    last_service: str | None = None
    """The service it last called."""

    @property
    def suffix(self) -> str:
        """The last four characters, the way to name a key in answers (ids are redacted)."""
        return self.id[-4:]


class PolicyRef(AwsModel):
    """One policy that applies to a user or role."""

    name: str
    """Policy name."""
    kind: Literal["managed", "inline"]
    """``managed`` (attached, has an ARN) or ``inline`` (embedded)."""
    arn: str | None = None
    """ARN of a managed policy."""
    via: str = "direct"
    """``direct``, or ``group NAME`` when it comes through a group."""


class Permissions(AwsModel):
    """Everything that grants a user or role its permissions."""

    principal: str
    """User or role name."""
    kind: Literal["user", "role"]
    """Which one it is."""
    arn: str
    """Its ARN."""
    groups: list[str] = Field(default_factory=list)
    """Groups of a user."""
    policies: list[PolicyRef] = Field(default_factory=list)
    """Attached and inline policies, direct first, then through each group."""
    boundary: str | None = None
    """ARN of the permissions boundary, if one is set."""


class Simulation(AwsModel):
    """What IAM's policy simulator decided for one action."""

    action: str
    """The action, e.g. ``s3:GetObject``."""
    resource: str = "*"
    """The resource it was simulated on."""
    decision: str
    """``allowed``, ``implicitDeny`` or ``explicitDeny``."""
    matched: list[str] = Field(default_factory=list)
    """Policies (and statements) that decided it."""


class PolicyDetail(AwsModel):
    """A managed policy with the document of its default version."""

    policy: Policy
    """The policy."""
    document: dict[str, Any] | None = None
    """The default version's document."""
    versions: list[str] = Field(default_factory=list)
    """Ids of versions other than the default one."""
    users: list[str] = Field(default_factory=list)
    """Users it is attached to."""
    roles: list[str] = Field(default_factory=list)
    """Roles it is attached to."""
    groups: list[str] = Field(default_factory=list)
    """Groups it is attached to."""


class Dependencies(AwsModel):
    """What must go before IAM deletes a user or role."""

    access_keys: list[str] = Field(default_factory=list)
    """Access key ids of a user."""
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


def principal_name(name: str, kind: str = "user") -> str:
    """A user, role, group or policy name after IAM's rules.

    Raises:
        BadInput: empty, too long, or characters IAM does not allow.
    """
    cleaned = name.strip()
    pattern = _NAME if kind in ("user", "role") else _GROUP_OR_POLICY
    if not pattern.match(cleaned):
        longest = 64 if kind in ("user", "role") else 128
        raise BadInput(
            f"'{name}' is not an IAM {kind} name: 1-{longest} letters, digits and + = , . @ _ -."
        )
    return cleaned


def iam_path(path: str) -> str:
    """An IAM path such as ``/`` or ``/ci/``.

    Raises:
        BadInput: not starting and ending with ``/``, or too long.
    """
    if not _PATH.match(path) or len(path) > 512:
        raise BadInput(f"'{path}' is not an IAM path; paths look like / or /ci/deployers/.")
    return path


def access_key_id(value: str) -> str:
    """An access key id, upper-cased.

    Raises:
        BadInput: not ``AKIA`` (or ``ASIA``) followed by 16 letters and digits.
    """
    cleaned = value.strip().upper()
    if not _ACCESS_KEY_ID.match(cleaned):
        raise BadInput(f"'{value}' is not an access key id (AKIA followed by 16 characters).")
    return cleaned


def list_groups(session: boto3.Session, *, page_size: int | None = None) -> list[Group]:
    """Every IAM group of the account.

    Raises:
        ServiceError: AWS refused (``iam:ListGroups``).
    """
    iam = client(session, "iam")
    with aws_errors("iam:ListGroups"):
        groups = [
            Group(
                name=g["GroupName"],
                group_id=g.get("GroupId", ""),
                arn=g["Arn"],
                created=utc(g.get("CreateDate")),
                path=g.get("Path", "/"),
            )
            for page in pages(iam, "list_groups", page_size=page_size)
            for g in page.get("Groups", [])
        ]
    return sorted(groups, key=lambda g: (g.name.lower(), g.name))


def get_user(session: boto3.Session, name: str) -> User | None:
    """One user, or ``None`` when there is none by that name.

    Raises:
        ServiceError: AWS refused (``iam:GetUser``).
    """
    iam = client(session, "iam")
    wanted = principal_name(name, "user")
    with aws_errors("iam:GetUser", resource=wanted):
        try:
            u = iam.get_user(UserName=wanted)["User"]
        except iam.exceptions.NoSuchEntityException:
            return None
    return User(
        name=u["UserName"],
        user_id=u["UserId"],
        arn=u["Arn"],
        created=utc(u["CreateDate"]),
        password_last_used=utc(u.get("PasswordLastUsed")),
        path=u.get("Path", "/"),
    )


def get_role(session: boto3.Session, name: str) -> Role | None:
    """One role with its trust policy, or ``None`` when there is none by that name.

    Raises:
        ServiceError: AWS refused (``iam:GetRole``).
    """
    iam = client(session, "iam")
    wanted = principal_name(name, "role")
    with aws_errors("iam:GetRole", resource=wanted):
        try:
            r = iam.get_role(RoleName=wanted)["Role"]
        except iam.exceptions.NoSuchEntityException:
            return None
    return Role(
        name=r["RoleName"],
        role_id=r.get("RoleId", ""),
        arn=r["Arn"],
        created=utc(r["CreateDate"]),
        description=r.get("Description") or "",
        max_session_duration=r.get("MaxSessionDuration", 3600),
        path=r.get("Path", "/"),
        trust_policy=_document(r.get("AssumeRolePolicyDocument")),
    )


def group_exists(session: boto3.Session, name: str) -> bool:
    """Whether a group of that name exists.

    Raises:
        ServiceError: AWS refused (``iam:GetGroup``).
    """
    iam = client(session, "iam")
    wanted = principal_name(name, "group")
    with aws_errors("iam:GetGroup", resource=wanted):
        try:
            iam.get_group(GroupName=wanted, MaxItems=1)
        except iam.exceptions.NoSuchEntityException:
            return False
    return True


def list_access_keys(session: boto3.Session, user: str) -> list[AccessKey]:
    """A user's access keys (at most two), with when each was last used.

    Raises:
        ServiceError: no such user, or AWS refused (``iam:ListAccessKeys``,
            ``iam:GetAccessKeyLastUsed``).
    """
    iam = client(session, "iam")
    wanted = principal_name(user, "user")
    with aws_errors("iam:ListAccessKeys", resource=wanted):
        raw = [
            k
            for page in pages(iam, "list_access_keys", UserName=wanted)
            for k in page.get("AccessKeyMetadata", [])
        ]
    keys = []
    for k in raw:
        with aws_errors("iam:GetAccessKeyLastUsed", resource=wanted):
            used = iam.get_access_key_last_used(AccessKeyId=k["AccessKeyId"]).get(
                "AccessKeyLastUsed", {}
            )
        service = used.get("ServiceName")
        keys.append(
            AccessKey(
                id=k["AccessKeyId"],
                user=wanted,
                status=k.get("Status", ""),
                created=utc(k.get("CreateDate")),
                last_used=utc(used.get("LastUsedDate")),
                last_service=None if service in (None, "N/A") else service,
            )
        )
    return sorted(keys, key=lambda k: (k.created is None, k.created or datetime.min, k.id))


def _policies_of(iam: Any, kind: PrincipalKind, name: str, via: str) -> list[PolicyRef]:
    params: dict[str, Any] = {_key(kind): name}
    title = kind.capitalize()
    with aws_errors(f"iam:ListAttached{title}Policies", resource=name):
        attached = [
            PolicyRef(name=p["PolicyName"], kind="managed", arn=p["PolicyArn"], via=via)
            for page in pages(iam, f"list_attached_{kind}_policies", **params)
            for p in page.get("AttachedPolicies", [])
        ]
    with aws_errors(f"iam:List{title}Policies", resource=name):
        inline = [
            PolicyRef(name=p, kind="inline", via=via)
            for page in pages(iam, f"list_{kind}_policies", **params)
            for p in page.get("PolicyNames", [])
        ]
    return sorted(attached, key=lambda p: p.name) + sorted(inline, key=lambda p: p.name)


def policies_of(session: boto3.Session, kind: PrincipalKind, name: str) -> list[PolicyRef]:
    """The attached and inline policies of one user, role or group (not through groups).

    Raises:
        ServiceError: no such principal, or AWS refused (``iam:ListAttached*Policies``,
            ``iam:List*Policies``).
    """
    return _policies_of(client(session, "iam"), kind, principal_name(name, kind), "direct")


def permissions(session: boto3.Session, name: str, kind: str | None = None) -> Permissions:
    """What grants a user or role its permissions: attached, inline and group policies.

    Args:
        session: credentials to read with (``iam:GetUser``/``iam:GetRole``, the
            ``iam:List*Policies`` calls, ``iam:ListGroupsForUser``).
        name: the user or role name.
        kind: ``user`` or ``role``; ``None`` tries a user first, then a role.

    Raises:
        BadInput: neither a user nor a role has that name.
        ServiceError: AWS refused.
    """
    iam = client(session, "iam")
    user = get_user(session, name) if kind in (None, "user") else None
    if user is not None:
        with aws_errors("iam:GetUser", resource=user.name):
            boundary = (
                iam.get_user(UserName=user.name)["User"].get("PermissionsBoundary") or {}
            ).get("PermissionsBoundaryArn")
        with aws_errors("iam:ListGroupsForUser", resource=user.name):
            groups = sorted(
                g["GroupName"]
                for page in pages(iam, "list_groups_for_user", UserName=user.name)
                for g in page.get("Groups", [])
            )
        policies = _policies_of(iam, "user", user.name, "direct")
        for group in groups:
            policies += _policies_of(iam, "group", group, f"group {group}")
        return Permissions(
            principal=user.name,
            kind="user",
            arn=user.arn,
            groups=groups,
            policies=policies,
            boundary=boundary,
        )
    role = get_role(session, name) if kind in (None, "role") else None
    if role is not None:
        with aws_errors("iam:GetRole", resource=role.name):
            boundary = (
                iam.get_role(RoleName=role.name)["Role"].get("PermissionsBoundary") or {}
            ).get("PermissionsBoundaryArn")
        return Permissions(
            principal=role.name,
            kind="role",
            arn=role.arn,
            policies=_policies_of(iam, "role", role.name, "direct"),
            boundary=boundary,
        )
    which = kind or "user or role"
    raise BadInput(f"There is no IAM {which} called '{name}'.")


def simulate(
    session: boto3.Session,
    principal_arn: str,
    actions: list[str],
    resources: list[str] | None = None,
) -> list[Simulation]:
    """Ask IAM's policy simulator whether a user or role may call ``actions``.

    The simulator evaluates identity policies, group policies and the permissions
    boundary; it does not see SCPs or resource policies unless they are passed.

    Args:
        session: credentials to read with (``iam:SimulatePrincipalPolicy``).
        principal_arn: the user or role ARN.
        actions: actions like ``s3:GetObject`` (at most 50).
        resources: resource ARNs; every resource (``*``) when ``None``.

    Raises:
        BadInput: no action, too many, or one that is not ``service:Action``.
        ServiceError: AWS refused.
    """
    cleaned = list(dict.fromkeys(a.strip() for a in actions if a.strip()))
    if not cleaned or len(cleaned) > 50:
        raise BadInput(
            "Give 1 to 50 actions to simulate, e.g. --simulate s3:GetObject,ec2:StartInstances."
        )
    bad = [a for a in cleaned if not _ACTION.match(a)]
    if bad:
        raise BadInput(f"Not an action: {', '.join(bad)}. Actions look like s3:GetObject.")
    iam = client(session, "iam")
    params: dict[str, Any] = {"PolicySourceArn": principal_arn, "ActionNames": cleaned}
    if resources:
        params["ResourceArns"] = resources
    with aws_errors("iam:SimulatePrincipalPolicy", resource=principal_arn):
        results = [
            r
            for page in pages(iam, "simulate_principal_policy", **params)
            for r in page.get("EvaluationResults", [])
        ]
    return [
        Simulation(
            action=r["EvalActionName"],
            resource=r.get("EvalResourceName", "*"),
            decision=r.get("EvalDecision", ""),
            matched=[s.get("SourcePolicyId", "?") for s in r.get("MatchedStatements", [])],
        )
        for r in results
    ]


def find_policy(session: boto3.Session, name_or_arn: str) -> Policy:
    """A managed policy by ARN, or a customer managed policy by name.

    Raises:
        BadInput: no such policy. ServiceError: AWS refused.
    """
    iam = client(session, "iam")
    text = name_or_arn.strip()
    if text.startswith("arn:"):
        if not _POLICY_ARN.match(text):
            raise BadInput(f"'{text}' is not a policy ARN (arn:aws:iam::ACCOUNT:policy/NAME).")
        with aws_errors("iam:GetPolicy", resource=text):
            try:
                p = iam.get_policy(PolicyArn=text)["Policy"]
            except iam.exceptions.NoSuchEntityException:
                raise BadInput(f"There is no managed policy {text}.") from None
        return Policy(
            name=p["PolicyName"],
            arn=p["Arn"],
            attachment_count=p.get("AttachmentCount", 0),
            default_version_id=p.get("DefaultVersionId"),
            created=utc(p.get("CreateDate")),
            updated=utc(p.get("UpdateDate")),
            path=p.get("Path", "/"),
        )
    wanted = principal_name(text, "policy")
    found = [p for p in list_policies(session) if p.name == wanted]
    if not found:
        raise BadInput(
            f"There is no customer managed policy called '{wanted}'; give an ARN for an AWS "
            "managed one (arn:aws:iam::aws:policy/...)."
        )
    return found[0]


def policy_detail(session: boto3.Session, name_or_arn: str) -> PolicyDetail:
    """A managed policy with its default document, other versions and attachments.

    Raises:
        BadInput: no such policy. ServiceError: AWS refused (``iam:GetPolicyVersion``,
            ``iam:ListPolicyVersions``, ``iam:ListEntitiesForPolicy``).
    """
    policy = find_policy(session, name_or_arn)
    iam = client(session, "iam")
    with aws_errors("iam:GetPolicyVersion", resource=policy.arn):
        version = iam.get_policy_version(
            PolicyArn=policy.arn, VersionId=policy.default_version_id or "v1"
        )["PolicyVersion"]
    with aws_errors("iam:ListPolicyVersions", resource=policy.arn):
        others = [
            v["VersionId"]
            for page in pages(iam, "list_policy_versions", PolicyArn=policy.arn)
            for v in page.get("Versions", [])
            if not v.get("IsDefaultVersion")
        ]
    with aws_errors("iam:ListEntitiesForPolicy", resource=policy.arn):
        entities = list(pages(iam, "list_entities_for_policy", PolicyArn=policy.arn))
    return PolicyDetail(
        policy=policy,
        document=_document(version.get("Document")),
        versions=sorted(others),
        users=sorted(u["UserName"] for p in entities for u in p.get("PolicyUsers", [])),
        roles=sorted(r["RoleName"] for p in entities for r in p.get("PolicyRoles", [])),
        groups=sorted(g["GroupName"] for p in entities for g in p.get("PolicyGroups", [])),
    )


def user_dependencies(session: boto3.Session, user: str) -> Dependencies:
    """What IAM wants gone before it deletes a user.

    Raises:
        ServiceError: no such user, or AWS refused one of the list calls.
    """
    iam = client(session, "iam")
    wanted = principal_name(user, "user")
    refs = _policies_of(iam, "user", wanted, "direct")
    with aws_errors("iam:ListGroupsForUser", resource=wanted):
        groups = sorted(
            g["GroupName"]
            for page in pages(iam, "list_groups_for_user", UserName=wanted)
            for g in page.get("Groups", [])
        )
    with aws_errors("iam:GetLoginProfile", resource=wanted):
        try:
            iam.get_login_profile(UserName=wanted)
            login = True
        except iam.exceptions.NoSuchEntityException:
            login = False
    blockers: list[str] = []
    checks = (
        ("list_mfa_devices", "iam:ListMFADevices", "MFADevices", "MFA device"),
        ("list_ssh_public_keys", "iam:ListSSHPublicKeys", "SSHPublicKeys", "SSH public key"),
        (
            "list_signing_certificates",
            "iam:ListSigningCertificates",
            "Certificates",
            "signing certificate",
        ),
    )
    for method, action, key, what in checks:
        with aws_errors(action, resource=wanted):
            count = len(getattr(iam, method)(UserName=wanted).get(key, []))
        if count:
            blockers.append(f"{count} {what}{'s' if count != 1 else ''}")
    return Dependencies(
        access_keys=[k.id for k in list_access_keys(session, wanted)],
        attached=[p.arn for p in refs if p.arn],
        inline=[p.name for p in refs if p.kind == "inline"],
        groups=groups,
        login_profile=login,
        blockers=blockers,
    )


def role_dependencies(session: boto3.Session, role: str) -> Dependencies:
    """What IAM wants gone before it deletes a role.

    Raises:
        ServiceError: no such role, or AWS refused one of the list calls.
    """
    iam = client(session, "iam")
    wanted = principal_name(role, "role")
    refs = _policies_of(iam, "role", wanted, "direct")
    with aws_errors("iam:ListInstanceProfilesForRole", resource=wanted):
        profiles = sorted(
            p["InstanceProfileName"]
            for page in pages(iam, "list_instance_profiles_for_role", RoleName=wanted)
            for p in page.get("InstanceProfiles", [])
        )
    return Dependencies(
        attached=[p.arn for p in refs if p.arn],
        inline=[p.name for p in refs if p.kind == "inline"],
        instance_profiles=profiles,
    )


# --------------------------------------------------------------------------- writes
# Only the apply path calls these, with the write role's session.


class NewAccessKey(AwsModel):
    """An access key just created: its secret exists only here, once."""

    change: Change
    """What was done."""
    access_key_id: str
    """The new key's id."""
    secret_access_key: SecretStr
    """The secret; hidden from ``repr`` and dumps."""


def _key(kind: PrincipalKind) -> str:
    return {"user": "UserName", "role": "RoleName", "group": "GroupName"}[kind]


def create_user(
    session: boto3.Session, name: str, *, path: str = "/", tags: dict[str, str] | None = None
) -> Change:
    """Create an IAM user (no password, no access key)."""
    from devops_agent.aws.writes import tag_list, write_errors

    wanted = principal_name(name, "user")
    params: dict[str, Any] = {"UserName": wanted, "Path": iam_path(path)}
    if tags:
        params["Tags"] = tag_list(tags)
    with write_errors("iam:CreateUser", resource=wanted):
        arn = client(session, "iam").create_user(**params)["User"]["Arn"]
    return Change(action="iam:CreateUser", resource=arn, message=f"created user {wanted}")


def delete_user(session: boto3.Session, name: str) -> Change:
    """Delete a user (IAM refuses while keys, policies, groups or a password remain)."""
    from devops_agent.aws.writes import write_errors

    wanted = principal_name(name, "user")
    with write_errors("iam:DeleteUser", resource=wanted):
        client(session, "iam").delete_user(UserName=wanted)
    return Change(action="iam:DeleteUser", resource=wanted, message=f"deleted user {wanted}")


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
    """Create a role with a trust policy (validated before it was planned)."""
    from devops_agent.aws.policy_document import validate_policy
    from devops_agent.aws.writes import tag_list, write_errors

    wanted = principal_name(name, "role")
    if not 3600 <= max_session_duration <= 43200:
        raise BadInput("The longest session is between 1 and 12 hours.")
    params: dict[str, Any] = {
        "RoleName": wanted,
        "AssumeRolePolicyDocument": validate_policy(trust_policy, "trust"),
        "Path": iam_path(path),
        "MaxSessionDuration": max_session_duration,
    }
    if description:
        params["Description"] = description
    if tags:
        params["Tags"] = tag_list(tags)
    with write_errors("iam:CreateRole", resource=wanted):
        arn = client(session, "iam").create_role(**params)["Role"]["Arn"]
    return Change(action="iam:CreateRole", resource=arn, message=f"created role {wanted}")


def delete_role(session: boto3.Session, name: str) -> Change:
    """Delete a role (IAM refuses while policies or instance profiles remain)."""
    from devops_agent.aws.writes import write_errors

    wanted = principal_name(name, "role")
    with write_errors("iam:DeleteRole", resource=wanted):
        client(session, "iam").delete_role(RoleName=wanted)
    return Change(action="iam:DeleteRole", resource=wanted, message=f"deleted role {wanted}")


def create_policy(
    session: boto3.Session, name: str, document: str, *, description: str = "", path: str = "/"
) -> Change:
    """Create a customer managed policy (its document validated before it was planned)."""
    from devops_agent.aws.policy_document import validate_policy
    from devops_agent.aws.writes import write_errors

    wanted = principal_name(name, "policy")
    params: dict[str, Any] = {
        "PolicyName": wanted,
        "PolicyDocument": validate_policy(document, "identity"),
        "Path": iam_path(path),
    }
    if description:
        params["Description"] = description
    with write_errors("iam:CreatePolicy", resource=wanted):
        arn = client(session, "iam").create_policy(**params)["Policy"]["Arn"]
    return Change(action="iam:CreatePolicy", resource=arn, message=f"created policy {arn}")


def delete_policy(session: boto3.Session, arn: str) -> Change:
    """Delete a customer managed policy (IAM refuses while attached or with other versions)."""
    from devops_agent.aws.writes import write_errors

    with write_errors("iam:DeletePolicy", resource=arn):
        client(session, "iam").delete_policy(PolicyArn=arn)
    return Change(action="iam:DeletePolicy", resource=arn, message=f"deleted policy {arn}")


def delete_policy_version(session: boto3.Session, arn: str, version: str) -> Change:
    """Delete one non-default version of a managed policy."""
    from devops_agent.aws.writes import write_errors

    with write_errors("iam:DeletePolicyVersion", resource=arn):
        client(session, "iam").delete_policy_version(PolicyArn=arn, VersionId=version)
    return Change(
        action="iam:DeletePolicyVersion",
        resource=arn,
        message=f"deleted version {version} of {arn}",
    )


def attach_policy(
    session: boto3.Session, arn: str, kind: PrincipalKind, name: str, *, detach: bool = False
) -> Change:
    """Attach (or detach) a managed policy to a user, role or group."""
    from devops_agent.aws.writes import write_errors

    wanted = principal_name(name, kind)
    verb = "Detach" if detach else "Attach"
    action = f"iam:{verb}{kind.capitalize()}Policy"
    method = f"{verb.lower()}_{kind}_policy"
    with write_errors(action, resource=f"{kind} {wanted}"):
        getattr(client(session, "iam"), method)(PolicyArn=arn, **{_key(kind): wanted})
    done = "detached" if detach else "attached"
    way = "from" if detach else "to"
    return Change(action=action, resource=arn, message=f"{done} {arn} {way} {kind} {wanted}")


def delete_inline_policy(
    session: boto3.Session, kind: PrincipalKind, name: str, policy_name: str
) -> Change:
    """Delete an inline policy of a user, role or group."""
    from devops_agent.aws.writes import write_errors

    wanted = principal_name(name, kind)
    action = f"iam:Delete{kind.capitalize()}Policy"
    with write_errors(action, resource=f"{kind} {wanted}"):
        getattr(client(session, "iam"), f"delete_{kind}_policy")(
            PolicyName=policy_name, **{_key(kind): wanted}
        )
    return Change(
        action=action,
        resource=wanted,
        message=f"deleted inline policy {policy_name} of {kind} {wanted}",
    )


def remove_user_from_group(session: boto3.Session, user: str, group: str) -> Change:
    """Take a user out of a group."""
    from devops_agent.aws.writes import write_errors

    wanted = principal_name(user, "user")
    with write_errors("iam:RemoveUserFromGroup", resource=wanted):
        client(session, "iam").remove_user_from_group(UserName=wanted, GroupName=group)
    return Change(
        action="iam:RemoveUserFromGroup",
        resource=wanted,
        message=f"removed {wanted} from group {group}",
    )


def delete_login_profile(session: boto3.Session, user: str) -> Change:
    """Remove a user's console password."""
    from devops_agent.aws.writes import write_errors

    wanted = principal_name(user, "user")
    with write_errors("iam:DeleteLoginProfile", resource=wanted):
        client(session, "iam").delete_login_profile(UserName=wanted)
    return Change(
        action="iam:DeleteLoginProfile",
        resource=wanted,
        message=f"removed the console password of {wanted}",
    )


def remove_role_from_instance_profile(session: boto3.Session, role: str, profile: str) -> Change:
    """Take a role out of an instance profile."""
    from devops_agent.aws.writes import write_errors

    wanted = principal_name(role, "role")
    with write_errors("iam:RemoveRoleFromInstanceProfile", resource=wanted):
        client(session, "iam").remove_role_from_instance_profile(
            RoleName=wanted, InstanceProfileName=profile
        )
    return Change(
        action="iam:RemoveRoleFromInstanceProfile",
        resource=wanted,
        message=f"removed {wanted} from instance profile {profile}",
    )


def create_access_key(session: boto3.Session, user: str) -> NewAccessKey:
    """Create an access key; its secret is returned once, as a :class:`SecretStr`.

    The caller must put it where it belongs (a repository secret) and nowhere else.
    """
    from devops_agent.aws.writes import write_errors

    wanted = principal_name(user, "user")
    with write_errors("iam:CreateAccessKey", resource=wanted):
        key = client(session, "iam").create_access_key(UserName=wanted)["AccessKey"]
    return NewAccessKey(
        change=Change(
            action="iam:CreateAccessKey",
            resource=wanted,
            message=f"created access key …{key['AccessKeyId'][-4:]} for {wanted}",
        ),
        access_key_id=key["AccessKeyId"],
        secret_access_key=SecretStr(key["SecretAccessKey"]),
    )


def update_access_key(session: boto3.Session, user: str, key_id: str, status: str) -> Change:
    """Set an access key ``Active`` or ``Inactive``."""
    from devops_agent.aws.writes import write_errors

    wanted = principal_name(user, "user")
    key = access_key_id(key_id)
    if status not in ("Active", "Inactive"):
        raise BadInput(f"'{status}' is not a key status (Active or Inactive).")
    with write_errors("iam:UpdateAccessKey", resource=wanted):
        client(session, "iam").update_access_key(UserName=wanted, AccessKeyId=key, Status=status)  # type: ignore[arg-type]
    return Change(
        action="iam:UpdateAccessKey",
        resource=wanted,
        message=f"access key …{key[-4:]} of {wanted} is {status}",
    )


def delete_access_key(session: boto3.Session, user: str, key_id: str) -> Change:
    """Delete an access key for good."""
    from devops_agent.aws.writes import write_errors

    wanted = principal_name(user, "user")
    key = access_key_id(key_id)
    with write_errors("iam:DeleteAccessKey", resource=wanted):
        client(session, "iam").delete_access_key(UserName=wanted, AccessKeyId=key)
    return Change(
        action="iam:DeleteAccessKey",
        resource=wanted,
        message=f"deleted access key …{key[-4:]} of {wanted}",
    )
