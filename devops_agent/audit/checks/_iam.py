"""Small shared readings of IAM data for the IAM checks (not a check): the credential
report's users, the principals with policies, and the hits on IAM's global resources."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from devops_agent.audit.inventory import (
    AttachedPolicy,
    CredentialReportRow,
    IamGroup,
    IamRole,
    IamUser,
    InlinePolicy,
    Inventory,
)
from devops_agent.audit.models import Hit

__all__ = [
    "days_between",
    "global_hit",
    "principals",
    "report_users",
    "root_arn",
    "root_hit",
    "users_holding",
]


def report_users(inventory: Inventory) -> Iterator[CredentialReportRow]:
    """The credential report's IAM users (the root user's line left out)."""
    return (row for row in inventory.iam.credential_report or [] if not row.is_root)


def principals(inventory: Inventory) -> list[tuple[str, IamUser | IamGroup | IamRole]]:
    """Every user, group and role of the authorization details, each with its kind.

    Args:
        inventory: What the audit read.

    Returns:
        ``("user" | "group" | "role", principal)`` pairs: users first, then groups, then
        roles; none of a kind that could not be read.
    """
    iam = inventory.iam
    return [
        *(("user", p) for p in iam.users or []),
        *(("group", p) for p in iam.groups or []),
        *(("role", p) for p in iam.roles or []),
    ]


def users_holding(
    inventory: Inventory, policies: Callable[[IamUser], Sequence[AttachedPolicy | InlinePolicy]]
) -> Iterator[tuple[IamUser, str]]:
    """Each user of the authorization details who holds policies of one kind.

    Args:
        inventory: What the audit read.
        policies: Which of a user's policies count (attached or inline).

    Yields:
        The user and the names of those policies, sorted and joined with commas.
    """
    for user in inventory.iam.users or []:
        held = policies(user)
        if held:
            yield user, ", ".join(sorted(p.name for p in held))


def days_between(earlier: datetime, later: datetime) -> int:
    """Whole days from ``earlier`` to ``later``."""
    return (later - earlier).days


def root_arn(inventory: Inventory) -> str:
    """The root user's ARN."""
    return f"arn:{inventory.partition}:iam::{inventory.account}:root"


def global_hit(resource_id: str, detail: str, arn: str | None = None) -> Hit:
    """A hit on an IAM resource or account-wide setting: IAM is global, so is its region.

    Args:
        resource_id: The resource as a user would type it (a user's name, ``user/key-1``).
        detail: One sentence about it.
        arn: Its ARN; ``None`` or empty when it has none.

    Returns:
        The hit, in region ``global``.
    """
    return Hit(region="global", resource_id=resource_id, resource_arn=arn or None, detail=detail)


def root_hit(inventory: Inventory, detail: str) -> Hit:
    """A hit on the account's root user.

    Args:
        inventory: What the audit read (its account and partition make the ARN).
        detail: One sentence about it.

    Returns:
        The hit, on ``root``.
    """
    return global_hit("root", detail, root_arn(inventory))
