"""IAM managed and inline policies: their models, reads, and ``iam policies|policy show``.

A policy is named by its name (customer managed) or its ARN (any); previews turn
either into the ARN, which is what plan entries carry. The changes (create, attach,
detach, delete) are in :mod:`devops_agent.aws.iam.policy_changes`.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from devops_agent.aws import AwsModel, aws_errors, client, pages, utc
from devops_agent.aws.iam.principals import (
    GroupName,
    PrincipalKind,
    RoleName,
    UserName,
    document,
    param,
    principal_name,
    require,
)
from devops_agent.errors import BadInput
from devops_agent.operation import (
    Args,
    Command,
    Positional,
    Read,
    Reader,
)
from devops_agent.report import Result, Table, dump, plural, when

if TYPE_CHECKING:
    import boto3

__all__ = [
    "POLICY_SCOPES",
    "OnePrincipal",
    "Policy",
    "PolicyDetail",
    "PolicyRef",
    "find_policy",
    "json_block",
    "list_policies",
    "policies_of",
    "policy_arn",
    "policy_detail",
]

#: ListPolicies scopes: ``Local`` = customer managed, ``AWS`` = AWS managed, ``All`` = both.
POLICY_SCOPES = ("Local", "AWS", "All")

_POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(?:\d{12}|aws):policy/[\x21-\x7e]+$")


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

    @property
    def aws_managed(self) -> bool:
        """Whether AWS owns it (it can be attached, never changed or deleted)."""
        return ":aws:policy/" in self.arn


class PolicyRef(AwsModel):
    """One policy that applies to a user, role or group."""

    name: str
    """Policy name."""
    kind: Literal["managed", "inline"]
    """``managed`` (attached, has an ARN) or ``inline`` (embedded)."""
    arn: str | None = None
    """ARN of a managed policy."""
    via: str = "direct"
    """``direct``, or ``group NAME`` when it comes through a group."""


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

    def attached_to(self) -> list[tuple[PrincipalKind, str]]:
        """Every attachment as ``(kind, name)``: users, then roles, then groups.

        Returns:
            The attachments, in that order.
        """
        return [
            *(("user", u) for u in self.users),
            *(("role", r) for r in self.roles),
            *(("group", g) for g in self.groups),
        ]


def policy_arn(text: str) -> str:
    """A managed policy's ARN, after checking its shape.

    Args:
        text: What was typed.

    Returns:
        The ARN, trimmed.

    Raises:
        BadInput: not ``arn:aws:iam::ACCOUNT:policy/NAME`` (or ``::aws:`` for AWS managed).
    """
    cleaned = text.strip()
    if not _POLICY_ARN.match(cleaned):
        raise BadInput(f"'{cleaned}' is not a policy ARN (arn:aws:iam::ACCOUNT:policy/NAME).")
    return cleaned


def _name_or_arn(text: str) -> str:
    cleaned = text.strip()
    return policy_arn(cleaned) if cleaned.startswith("arn:") else principal_name(cleaned, "policy")


def _policy(raw: Any) -> Policy:
    return Policy(
        name=raw["PolicyName"],
        arn=raw["Arn"],
        attachment_count=raw.get("AttachmentCount", 0),
        default_version_id=raw.get("DefaultVersionId"),
        created=utc(raw.get("CreateDate")),
        updated=utc(raw.get("UpdateDate")),
        path=raw.get("Path", "/"),
    )


def _scope(value: Any) -> Any:
    if isinstance(value, str):
        return {s.lower(): s for s in POLICY_SCOPES}.get(value.strip().lower(), value)
    return value


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
    canonical = _scope(scope)
    if canonical not in POLICY_SCOPES:
        raise BadInput(
            f"'{scope}' is not a policy scope. Valid scopes: {', '.join(POLICY_SCOPES)}."
        )
    iam = client(session, "iam")
    with aws_errors("iam:ListPolicies"):
        policies = [
            _policy(p)
            for page in pages(iam, "list_policies", page_size=page_size, Scope=canonical)
            for p in page.get("Policies", [])
        ]
    return sorted(policies, key=lambda p: (p.name.lower(), p.arn))


def find_policy(session: boto3.Session, name_or_arn: str) -> Policy:
    """A managed policy by ARN, or a customer managed policy by name.

    Args:
        session: Credentials to read with (the read role's).
        name_or_arn: A policy's ARN, or a customer managed policy's name.

    Returns:
        The policy.

    Raises:
        BadInput: no such policy. ServiceError: AWS refused.
    """
    iam = client(session, "iam")
    text = name_or_arn.strip()
    if text.startswith("arn:"):
        text = policy_arn(text)
        with aws_errors("iam:GetPolicy", resource=text):
            try:
                raw = iam.get_policy(PolicyArn=text)["Policy"]
            except iam.exceptions.NoSuchEntityException:
                raise BadInput(f"There is no managed policy {text}.") from None
        return _policy(raw)
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

    Args:
        session: Credentials to read with (the read role's).
        name_or_arn: A policy's ARN, or a customer managed policy's name.

    Returns:
        The policy, its default document, its versions and where it is attached.

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
        document=document(version.get("Document")),
        versions=sorted(others),
        users=sorted(u["UserName"] for p in entities for u in p.get("PolicyUsers", [])),
        roles=sorted(r["RoleName"] for p in entities for r in p.get("PolicyRoles", [])),
        groups=sorted(g["GroupName"] for p in entities for g in p.get("PolicyGroups", [])),
    )


def policy_refs(iam: Any, kind: PrincipalKind, name: str, via: str) -> list[PolicyRef]:
    """The attached and inline policies of one principal, managed ones first, by name.

    Args:
        iam: an IAM client.
        kind: user, role or group.
        name: its name (already checked).
        via: what each ref says it comes through (``direct``, ``group NAME``).
    """
    params: dict[str, Any] = {param(kind): name}
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

    Args:
        session: Credentials to read with (the read role's).
        kind: ``user``, ``role`` or ``group``.
        name: Its name.

    Returns:
        Its attached policies, then its inline ones.

    Raises:
        ServiceError: no such principal, or AWS refused (``iam:ListAttached*Policies``,
            ``iam:List*Policies``).
    """
    return policy_refs(client(session, "iam"), kind, principal_name(name, kind), "direct")


# --------------------------------------------------------------------------- reads

PolicyArn = Annotated[str, AfterValidator(policy_arn)]
"""A managed policy ARN."""
NameOrArn = Annotated[str, AfterValidator(_name_or_arn)]
"""A customer managed policy's name, or any managed policy's ARN."""
Scope = Annotated[Literal["Local", "AWS", "All"], BeforeValidator(_scope)]


def json_block(value: Any) -> str:
    """A policy document as a fenced JSON block for a comment.

    Args:
        value: The document, as JSON text (IAM's URL-decoded form) or already parsed.

    Returns:
        Markdown: the document indented, in a ```` ```json ```` fence that text inside
        the document cannot close.
    """
    pretty = json.dumps(json.loads(value) if isinstance(value, str) else value, indent=2)
    return "```json\n" + pretty.replace("```", "'''") + "\n```"


class OnePrincipal(Args):
    """Arguments that name at most one of ``user``, ``role`` and ``group`` (each subclass
    declares the three fields, in its own order and words); ``missing`` is the message
    when naming none is not fine."""

    missing: ClassVar[str] = ""

    @model_validator(mode="after")
    def _one(self) -> OnePrincipal:
        given = [kind for kind, _ in self._named()]
        if len(given) > 1:
            raise BadInput("Name one of --user, --role or --group.")
        if not given and self.missing:
            raise BadInput(self.missing)
        return self

    def _named(self) -> list[tuple[PrincipalKind, str]]:
        kinds: tuple[PrincipalKind, ...] = ("user", "role", "group")
        return [(kind, name) for kind in kinds if (name := getattr(self, kind, None))]

    def principal(self) -> tuple[PrincipalKind, str] | None:
        """``(kind, name)`` of the principal named, if any.

        Returns:
            The kind and the name, or ``None`` when none is named.
        """
        named = self._named()
        return named[0] if named else None


class ListPoliciesArgs(OnePrincipal):
    """Arguments of ``iam policies``."""

    user: UserName | None = None
    """Only the policies of this user (attached and inline, not through groups)."""
    role: RoleName | None = None
    """Only the policies of this role (attached and inline)."""
    group: GroupName | None = None
    """Only the policies of this group (attached and inline)."""
    scope: Scope = "Local"
    """Without a user, role or group: Local for customer managed policies (the default),
    AWS for AWS managed ones (about 1,400, cut to 200), All for both."""


def _list(reader: Reader, args: ListPoliciesArgs) -> list[Policy] | list[PolicyRef]:
    target = args.principal()
    session = reader.session()
    if target is None:
        return list_policies(session, args.scope)
    kind, name = target
    require(session, kind, name)
    return policies_of(session, kind, name)


def _list_table(
    reader: Reader, args: ListPoliciesArgs, found: list[Policy] | list[PolicyRef]
) -> Result:
    target = args.principal()
    if target is not None:
        kind, name = target
        refs = [p for p in found if isinstance(p, PolicyRef)]
        return Result(
            title=f"{plural(len(refs), 'policy')} of {kind} {name}".replace("policys", "policies"),
            tables=[
                Table(
                    columns=["Policy", "Kind", "ARN"],
                    rows=[[p.name, p.kind, p.arn or ""] for p in refs],
                    empty=f"No policies attached to {kind} {name}.",
                )
            ],
            data={kind: name, "policies": dump(refs)},
        )
    policies = [p for p in found if isinstance(p, Policy)]
    which = {"Local": "customer managed", "AWS": "AWS managed", "All": "managed"}[args.scope]
    return Result(
        title=plural(len(policies), f"{which} IAM policy").replace("policys", "policies"),
        tables=[
            Table(
                columns=["Policy", "ARN", "Attachments", "Updated"],
                rows=[[p.name, p.arn, p.attachment_count, when(p.updated)] for p in policies],
                empty=f"No {which} policies.",
            )
        ],
        data={"policies": dump(policies)},
    )


_PRINCIPAL_READS = tuple(
    f"iam:{verb}{kind}Policies"
    for kind in ("User", "Role", "Group")
    for verb in ("ListAttached", "List")
)

LIST_POLICIES = Read(
    name="iam.list_policies",
    args=ListPoliciesArgs,
    summary="Customer managed IAM policies (or --scope), or those of one user, role or group.",
    service="iam",
    commands=(
        Command(
            "iam policies [--user U | --role R | --group G] [--scope Local|AWS|All]",
            "Customer managed IAM policies (or --scope), or those of one user, role or group.",
        ),
    ),
    guide="Without user, role or group: managed policies (name, ARN, attachment count, "
    "default version, dates) of the scope. With one of them: the managed and inline "
    "policies attached directly to that principal; get_permissions adds a user's groups.",
    actions=("iam:ListPolicies", "iam:GetUser", "iam:GetRole", "iam:GetGroup", *_PRINCIPAL_READS),
    read=_list,
    render=_list_table,
)


class ShowPolicyArgs(Args):
    """Arguments of ``iam policy show``."""

    policy: Annotated[NameOrArn, Positional()]
    """A customer managed policy's name, or any managed policy's ARN
    (arn:aws:iam::aws:policy/ReadOnlyAccess)."""


def _show(reader: Reader, args: ShowPolicyArgs) -> PolicyDetail:
    return policy_detail(reader.session(), args.policy)


def _show_table(reader: Reader, args: ShowPolicyArgs, detail: PolicyDetail) -> Result:
    return Result(
        title=f"Policy {detail.policy.name} ({detail.policy.default_version_id})",
        text=f"`{detail.policy.arn}`\n\n" + json_block(detail.document or {}),
        tables=[
            Table(
                title="Attached to",
                columns=["Kind", "Name"],
                rows=[[kind, name] for kind, name in detail.attached_to()],
                empty="Nothing.",
            )
        ],
        data=detail.model_dump(mode="json"),
    )


DETAIL_READS = (
    "iam:ListPolicies",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:ListPolicyVersions",
    "iam:ListEntitiesForPolicy",
)

SHOW_POLICY = Read(
    name="iam.show_policy",
    args=ShowPolicyArgs,
    summary="A managed policy's document and attachments.",
    service="iam",
    tool="get_policy",
    commands=(Command("iam policy show NAME|ARN", "A managed policy's document and attachments."),),
    guide="Returns the default version's document, the ids of other versions, and the users, "
    "roles and groups it is attached to.",
    actions=DETAIL_READS,
    read=_show,
    render=_show_table,
)
