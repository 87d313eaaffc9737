"""Every console password has been used recently (45 days by default, CIS 1.12)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from devops_agent.audit.checks._iam import days_between, report_users
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.audit.registry import Limits
from devops_agent.audit.thresholds import CONSOLE_PASSWORD_MAX_UNUSED_DAYS as MAX_UNUSED
from devops_agent.aws.iam.unused_credentials import DISABLE_CONSOLE, ConsoleArgs

META = CheckMeta(
    id="iam_user_console_access_used_recently",
    service="iam",
    title="IAM console passwords were used in the last {console_password_max_unused_days} days",
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
    cis=("1.12",),
    fsbp=("IAM.8", "IAM.22"),
    requires=("iam.credential_report",),
    fix=Fix(
        DISABLE_CONSOLE,
        lambda hit, inventory, limits: ConsoleArgs(user=hit.resource_id),
        caveat="The users keep their access keys and permissions; a password can be set again.",
    ),
    thresholds=(MAX_UNUSED,),
)


def check(inventory: Inventory, limits: Limits) -> Iterator[Hit]:
    """One hit per password unused (or never used) for longer than the threshold.

    A password never used is judged by the time since it was last changed, else since the
    user was created.

    Args:
        inventory: What the audit read; this check uses the credential report (the root
            user's line left out). When that could not be read the check yields nothing: its
            gap is reported instead, never a pass.
        limits: The check's thresholds: ``console_password_max_unused_days`` (45 by
            default).

    Yields:
        A hit per such user, with the days since the last console sign-in, or since the
        password was set.
    """
    most = limits[MAX_UNUSED.name]
    limit = inventory.collected_at - timedelta(days=most)
    for row in report_users(inventory):
        if not row.password_enabled:
            continue
        if row.password_last_used is not None:
            if row.password_last_used > limit:
                continue
            days = days_between(row.password_last_used, inventory.collected_at)
            detail = (
                f"User {row.user} last signed in to the console {days} days ago "
                f"(limit {most} days)."
            )
        else:
            since = row.password_last_changed or row.created
            if since is None or since > limit:
                continue
            days = days_between(since, inventory.collected_at)
            detail = (
                f"User {row.user} has had a console password for {days} days and never "
                f"signed in (limit {most} days)."
            )
        yield Hit(
            region="global",
            resource_id=row.user,
            resource_arn=row.arn or None,
            detail=detail,
        )
