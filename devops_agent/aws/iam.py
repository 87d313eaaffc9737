"""IAM reads: users, roles, managed policies, as typed models.

IAM is global: these functions take no region. Every list goes through
botocore's paginator (IAM pages hold 100 items by default), so accounts with
hundreds of users or roles are read in full.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from devops_agent.aws import AwsModel, aws_errors, client, pages, utc
from devops_agent.errors import BadInput

if TYPE_CHECKING:
    import boto3

__all__ = ["POLICY_SCOPES", "Policy", "Role", "User", "list_policies", "list_roles", "list_users"]

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
