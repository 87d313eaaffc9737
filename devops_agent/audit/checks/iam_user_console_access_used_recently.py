"""Every console password has been used within the last 90 days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from devops_agent.audit.checks._iam import days_between, report_users
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

#: Days without a sign-in after which a console password counts as abandoned.
MAX_UNUSED_DAYS = 90

META = CheckMeta(
    id="iam_user_console_access_used_recently",
    service="iam",
    title="IAM console passwords were used in the last 90 days",
    severity="medium",
    risk=(
        "Passwords of people who left or never sign in are targets for guessing and reuse, "
        "and their use would go unnoticed."
    ),
    remediation=Remediation(
        text="Remove the console password (the login profile) of users who do not sign in.",
        cli="aws iam delete-login-profile --user-name <user>",
        terraform="# Remove the aws_iam_user_login_profile resource of that user.",
    ),
    fsbp=("IAM.8",),
    requires=("iam.credential_report",),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per password unused (or never used) for more than 90 days."""
    limit = inventory.collected_at - timedelta(days=MAX_UNUSED_DAYS)
    for row in report_users(inventory):
        if not row.password_enabled:
            continue
        if row.password_last_used is not None:
            if row.password_last_used > limit:
                continue
            days = days_between(row.password_last_used, inventory.collected_at)
            detail = f"User {row.user} last signed in to the console {days} days ago."
        else:
            since = row.password_last_changed or row.created
            if since is None or since > limit:
                continue
            days = days_between(since, inventory.collected_at)
            detail = (
                f"User {row.user} has had a console password for {days} days and never signed in."
            )
        yield Hit(
            region="global",
            resource_id=row.user,
            resource_arn=row.arn or None,
            detail=detail,
        )
