"""Every active access key has been used within the last 90 days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from devops_agent.audit.checks._iam import days_between, report_users
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

#: Days without use after which an active key counts as abandoned.
MAX_UNUSED_DAYS = 90

META = CheckMeta(
    id="iam_user_access_key_used_recently",
    service="iam",
    title="Active IAM access keys were used in the last 90 days",
    severity="medium",
    risk=(
        "An active key nobody uses is a credential nobody watches: if it leaks, its use "
        "stands out to no one. (CIS asks for 45 days; this check uses FSBP's 90.)"
    ),
    remediation=Remediation(
        text="Deactivate keys unused for 90 days, then delete them if nothing breaks.",
        cli=(
            "aws iam update-access-key --user-name <user> --access-key-id <key-id> "
            "--status Inactive\n"
            "aws iam delete-access-key --user-name <user> --access-key-id <key-id>"
        ),
        terraform=('# Remove the aws_iam_access_key resource (or set status = "Inactive").'),
    ),
    fsbp=("IAM.8",),
    requires=("iam.credential_report",),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per active key unused (or never used) for more than 90 days."""
    limit = inventory.collected_at - timedelta(days=MAX_UNUSED_DAYS)
    for row in report_users(inventory):
        for key in row.access_keys:
            if not key.active:
                continue
            if key.last_used is not None:
                if key.last_used > limit:
                    continue
                days = days_between(key.last_used, inventory.collected_at)
                detail = f"Access key {key.slot} of user {row.user} was last used {days} days ago."
            else:
                if key.last_rotated is None or key.last_rotated > limit:
                    continue
                days = days_between(key.last_rotated, inventory.collected_at)
                detail = (
                    f"Access key {key.slot} of user {row.user} has never been used in the "
                    f"{days} days since it was created."
                )
            yield Hit(
                region="global",
                resource_id=f"{row.user}/access-key-{key.slot}",
                resource_arn=row.arn or None,
                detail=detail,
            )
