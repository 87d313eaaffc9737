"""Small shared readings of IAM data for the IAM checks (not a check)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from devops_agent.audit.inventory import CredentialReportRow, Inventory

__all__ = ["days_between", "report_users", "root_arn"]


def report_users(inventory: Inventory) -> Iterator[CredentialReportRow]:
    """The credential report's IAM users (the root user's line left out)."""
    return (row for row in inventory.iam.credential_report or [] if not row.is_root)


def days_between(earlier: datetime, later: datetime) -> int:
    """Whole days from ``earlier`` to ``later``."""
    return (later - earlier).days


def root_arn(inventory: Inventory) -> str:
    """The root user's ARN."""
    return f"arn:{inventory.partition}:iam::{inventory.account}:root"
