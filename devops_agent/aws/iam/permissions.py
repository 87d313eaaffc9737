"""What a user or role may do: the policies that grant it, and IAM's policy simulator.

``iam permissions NAME`` gathers everything that grants a user or role its
permissions (attached and inline policies, a user's groups and theirs, the
permissions boundary); ``--simulate`` asks IAM's policy simulator about actions. The
simulator evaluates identity policies, group policies and the boundary; it does not
see SCPs or resource policies unless they are passed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from devops_agent.aws import AwsModel, aws_errors, client, pages
from devops_agent.aws.iam.policies import PolicyRef, policy_refs
from devops_agent.aws.iam.principals import UserOrRoleName, get_role, get_user
from devops_agent.errors import BadInput
from devops_agent.operation import Args, Command, Option, Positional, Read, Reader
from devops_agent.report import Result, Table, dump

if TYPE_CHECKING:
    import boto3

__all__ = ["Permissions", "PermissionsReport", "Simulation", "permissions", "simulate"]

_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*]+$")
#: Most actions one simulation may ask about.
MAX_ACTIONS = 50


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


class PermissionsReport(AwsModel):
    """A principal's permissions and, when asked, the simulator's decisions."""

    permissions: Permissions
    """What grants the principal its permissions."""
    simulation: list[Simulation] = Field(default_factory=list)
    """One decision per simulated action and resource; empty when none was asked."""


def permissions(session: boto3.Session, name: str, kind: str | None = None) -> Permissions:
    """What grants a user or role its permissions: attached, inline and group policies.

    Args:
        session: credentials to read with (``iam:GetUser``/``iam:GetRole``, the
            ``iam:List*Policies`` calls, ``iam:ListGroupsForUser``).
        name: the user or role name.
        kind: ``user`` or ``role``; ``None`` tries a user first, then a role.

    Returns:
        The principal's attached, inline and group policies.

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
        policies = policy_refs(iam, "user", user.name, "direct")
        for group in groups:
            policies += policy_refs(iam, "group", group, f"group {group}")
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
            policies=policy_refs(iam, "role", role.name, "direct"),
            boundary=boundary,
        )
    which = kind or "user or role"
    raise BadInput(f"There is no IAM {which} called '{name}'.")


def _actions(actions: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(a.strip() for a in actions if a.strip()))
    if len(cleaned) > MAX_ACTIONS:
        raise BadInput(
            f"Give 1 to {MAX_ACTIONS} actions to simulate, e.g. "
            "--simulate s3:GetObject,ec2:StartInstances."
        )
    bad = [a for a in cleaned if not _ACTION.match(a)]
    if bad:
        raise BadInput(f"Not an action: {', '.join(bad)}. Actions look like s3:GetObject.")
    return cleaned


def _resources(resources: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(r.strip() for r in resources if r.strip()))
    bad = [r for r in cleaned if r != "*" and not r.startswith("arn:")]
    if bad:
        raise BadInput(f"Not a resource ARN: {', '.join(bad)} (like arn:aws:s3:::bucket/*).")
    return cleaned


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

    Returns:
        One decision per action (``allowed``, ``implicitDeny`` or ``explicitDeny``), with the
        policies that decided.

    Raises:
        BadInput: no action, too many, or one that is not ``service:Action``.
        ServiceError: AWS refused.
    """
    cleaned = _actions(actions)
    if not cleaned:
        raise BadInput(
            f"Give 1 to {MAX_ACTIONS} actions to simulate, e.g. "
            "--simulate s3:GetObject,ec2:StartInstances."
        )
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


# --------------------------------------------------------------------------- operation


class PermissionsArgs(Args):
    """Arguments of ``iam permissions``."""

    principal: Annotated[UserOrRoleName, Positional()]
    """The user or role name; looked up as a user first, then as a role."""
    role: bool = False
    """Look the name up as a role only."""
    user: bool = False
    """Look the name up as a user only."""
    simulate: Annotated[list[str], AfterValidator(_actions)] = Field(default_factory=list)
    """Actions to ask IAM's policy simulator about, e.g. ["s3:GetObject"] (at most 50);
    empty for no simulation."""
    resources: Annotated[list[str], Option("--resource"), AfterValidator(_resources)] = Field(
        default_factory=list
    )
    """Resource ARNs to simulate the actions on; empty for every resource (*)."""

    @model_validator(mode="after")
    def _one_kind(self) -> PermissionsArgs:
        if self.role and self.user:
            raise BadInput("Give --role or --user, not both.")
        return self


def _permissions(reader: Reader, args: PermissionsArgs) -> PermissionsReport:
    kind = "role" if args.role else "user" if args.user else None
    session = reader.session()
    found = permissions(session, args.principal, kind)
    results = (
        simulate(session, found.arn, args.simulate, args.resources or None) if args.simulate else []
    )
    return PermissionsReport(permissions=found, simulation=results)


def _permissions_table(reader: Reader, args: PermissionsArgs, report: PermissionsReport) -> Result:
    found = report.permissions
    tables = [
        Table(
            title="Policies",
            columns=["Policy", "Kind", "Through", "ARN"],
            rows=[[p.name, p.kind, p.via, p.arn or ""] for p in found.policies],
            empty="No policies: it may do nothing (unless a resource policy allows it).",
        )
    ]
    data: dict[str, Any] = {"permissions": found.model_dump(mode="json")}
    if args.simulate:
        tables.append(
            Table(
                title="Simulated",
                columns=["Action", "Resource", "Decision", "Decided by"],
                rows=[
                    [r.action, r.resource, r.decision, ", ".join(r.matched) or "-"]
                    for r in report.simulation
                ],
            )
        )
        data["simulation"] = dump(report.simulation)
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


PERMISSIONS = Read(
    name="iam.permissions",
    args=PermissionsArgs,
    summary="What a user or role may do; --simulate asks IAM's policy simulator.",
    service="iam",
    tool="get_permissions",
    commands=(
        Command(
            "iam permissions USER|ROLE [--role] [--simulate ACTION,...] [--resource ARN,...]",
            "What a user or role may do; --simulate asks IAM's policy simulator.",
        ),
    ),
    guide="Returns the attached and inline policies (a user's also through each group), the "
    "groups and the permissions boundary. With simulate, IAM's policy simulator decides each "
    "action (allowed, implicitDeny, explicitDeny) and names the deciding policies; it does not "
    "see SCPs or resource policies. Use it for 'can X do Y?' and 'why is X denied?'.",
    actions=(
        "iam:GetUser",
        "iam:GetRole",
        "iam:ListGroupsForUser",
        "iam:ListAttachedUserPolicies",
        "iam:ListUserPolicies",
        "iam:ListAttachedGroupPolicies",
        "iam:ListGroupPolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListRolePolicies",
        "iam:SimulatePrincipalPolicy",
    ),
    read=_permissions,
    render=_permissions_table,
)
