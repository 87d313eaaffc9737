"""Every active access key has been used recently (45 days by default, CIS 1.12)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from devops_agent.audit.checks._iam import days_between, report_users
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.audit.registry import Limits
from devops_agent.audit.thresholds import ACCESS_KEY_MAX_UNUSED_DAYS as MAX_UNUSED
from devops_agent.aws.iam.unused_credentials import DEACTIVATE_UNUSED_KEYS, UnusedKeysArgs

META = CheckMeta(
    id="iam_user_access_key_used_recently",
    service="iam",
    title="Active IAM access keys were used in the last {access_key_max_unused_days} days",
    severity="medium",
    risk=(
        "An active key nobody uses is a credential nobody watches: if it leaks, its use "
        "stands out to no one."
    ),
    remediation=Remediation(
        text="Deactivate keys unused that long, then delete them if nothing breaks.",
        cli=(
            "aws iam update-access-key --user-name <user> --access-key-id <key-id> "
            "--status Inactive\n"
            "aws iam delete-access-key --user-name <user> --access-key-id <key-id>"
        ),
        terraform=('# Remove the aws_iam_access_key resource (or set status = "Inactive").'),
    ),
    cis=("1.12",),
    fsbp=("IAM.8", "IAM.22"),
    requires=("iam.credential_report",),
    fix=Fix(
        DEACTIVATE_UNUSED_KEYS,
        lambda hit, inventory, limits: UnusedKeysArgs(
            user=hit.resource_id.rsplit("/access-key-", 1)[0], days=limits[MAX_UNUSED.name]
        ),
        caveat="A key that is switched off can be switched on again (`iam keys activate`).",
    ),
    thresholds=(MAX_UNUSED,),
)


def check(inventory: Inventory, limits: Limits) -> Iterator[Hit]:
    """One hit per active key unused (or never used) for longer than the threshold.

    A key never used is judged by the time since it was created.

    Args:
        inventory: What the audit read; this check uses the credential report (the root
            user's line left out). When that could not be read the check yields nothing: its
            gap is reported instead, never a pass.
        limits: The check's thresholds: ``access_key_max_unused_days`` (45 by default).

    Yields:
        A hit per such key (resource id ``USER/access-key-N``), with the days since its last
        use or, for a key never used, since its creation.
    """
    most = limits[MAX_UNUSED.name]
    limit = inventory.collected_at - timedelta(days=most)
    for row in report_users(inventory):
        for key in row.access_keys:
            if not key.active:
                continue
            if key.last_used is not None:
                if key.last_used > limit:
                    continue
                days = days_between(key.last_used, inventory.collected_at)
                detail = (
                    f"Access key {key.slot} of user {row.user} was last used {days} days "
                    f"ago (limit {most} days)."
                )
            else:
                if key.last_rotated is None or key.last_rotated > limit:
                    continue
                days = days_between(key.last_rotated, inventory.collected_at)
                detail = (
                    f"Access key {key.slot} of user {row.user} has never been used in the "
                    f"{days} days since it was created (limit {most} days)."
                )
            yield Hit(
                region="global",
                resource_id=f"{row.user}/access-key-{key.slot}",
                resource_arn=row.arn or None,
                detail=detail,
            )
