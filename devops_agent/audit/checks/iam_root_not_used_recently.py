"""The root user is not used for daily work."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from devops_agent.audit.checks._iam import days_between, root_arn
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation
from devops_agent.audit.registry import Limits
from devops_agent.audit.thresholds import ROOT_QUIET_DAYS

META = CheckMeta(
    id="iam_root_not_used_recently",
    service="iam",
    title="The root user was not used in the last {root_quiet_days} days",
    severity="medium",
    risk=(
        "The root user cannot be limited by any policy; every sign-in or key use is a chance "
        "for its credentials to be phished, logged or left in a script."
    ),
    remediation=Remediation(
        text=(
            "Do daily and administrative work with roles (IAM Identity Center); keep root for "
            "the few tasks only it can do, and alert on its use."
        ),
        cli="aws iam get-credential-report --query Content --output text | base64 -d | head -2",
        terraform="# Root use is a practice, not a resource; alert on it with EventBridge.",
    ),
    cis=("1.7",),
    requires=("iam.credential_report",),
    thresholds=(ROOT_QUIET_DAYS,),
    no_fix="Root use is a practice: the people who sign in as root must stop, not a resource.",
)


def check(inventory: Inventory, limits: Limits) -> Iterator[Hit]:
    """One hit when root's password or an access key of root was used within the window.

    The window ends when the inventory was collected.

    Args:
        inventory: What the audit read; this check uses the root user's line of the
            credential report. When that could not be read the check yields nothing: its gap
            is reported instead, never a pass.
        limits: The check's thresholds: ``root_quiet_days`` (90 by default).

    Yields:
        At most one hit, on the root user, naming its most recent use (a sign-in or an
        access key) and how many days ago it was.
    """
    window = limits[ROOT_QUIET_DAYS.name]
    since = inventory.collected_at - timedelta(days=window)
    root = next((r for r in inventory.iam.credential_report or [] if r.is_root), None)
    if root is None:
        return
    uses = [
        ("signed in", root.password_last_used),
        *((f"used access key {k.slot}", k.last_used) for k in root.access_keys),
    ]
    recent = [(what, when) for what, when in uses if when is not None and when > since]
    if not recent:
        return
    what, when = max(recent, key=lambda pair: pair[1])
    yield Hit(
        region="global",
        resource_id="root",
        resource_arn=root_arn(inventory),
        detail=(
            f"The root user {what} {days_between(when, inventory.collected_at)} days ago "
            f"({when:%Y-%m-%d}; window {window} days)."
        ),
    )
