"""Every active access key was created or rotated recently (90 days by default)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from devops_agent.audit.checks._iam import days_between, report_users
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation
from devops_agent.audit.registry import Limits
from devops_agent.audit.thresholds import ACCESS_KEY_MAX_AGE_DAYS as MAX_AGE

META = CheckMeta(
    id="iam_user_access_key_rotated",
    service="iam",
    title="IAM access keys are rotated within {access_key_max_age_days} days",
    severity="medium",
    risk=(
        "Long-lived keys end up in laptops, CI logs and old repositories; the older a key, "
        "the more places it may have leaked to."
    ),
    remediation=Remediation(
        text=(
            "Create a new key, switch the consumer to it, deactivate then delete the old one; "
            "better, replace the key with a role (OIDC for CI, instance roles for servers)."
        ),
        cli=(
            "aws iam create-access-key --user-name <user>\n"
            "aws iam update-access-key --user-name <user> --access-key-id <old-key-id> "
            "--status Inactive\n"
            "aws iam delete-access-key --user-name <user> --access-key-id <old-key-id>"
        ),
        terraform=(
            'resource "aws_iam_openid_connect_provider" "github" {\n'
            '  url            = "https://token.actions.githubusercontent.com"\n'
            '  client_id_list = ["sts.amazonaws.com"]\n'
            "}\n"
            "# and an aws_iam_role trusting it, instead of an aws_iam_access_key"
        ),
    ),
    cis=("1.14",),
    fsbp=("IAM.3",),
    requires=("iam.credential_report",),
    no_fix=(
        "Needs a human decision: where the new key goes and who switches its users over; "
        "`iam keys rotate USER --secret NAME` plans it once that is known."
    ),
    thresholds=(MAX_AGE,),
)


def check(inventory: Inventory, limits: Limits) -> Iterator[Hit]:
    """One hit per active key last rotated longer ago than the threshold.

    Age is counted from the key's creation (its last rotation) to when the inventory was
    collected.

    Args:
        inventory: What the audit read; this check uses the credential report (the root
            user's line left out). When that could not be read the check yields nothing: its
            gap is reported instead, never a pass.
        limits: The check's thresholds: ``access_key_max_age_days`` (90 by default).

    Yields:
        A hit per such key (resource id ``USER/access-key-N``), with its age and creation
        date.
    """
    most = limits[MAX_AGE.name]
    limit = inventory.collected_at - timedelta(days=most)
    for row in report_users(inventory):
        for key in row.access_keys:
            if not key.active or key.last_rotated is None or key.last_rotated > limit:
                continue
            days = days_between(key.last_rotated, inventory.collected_at)
            yield Hit(
                region="global",
                resource_id=f"{row.user}/access-key-{key.slot}",
                resource_arn=row.arn or None,
                detail=(
                    f"Access key {key.slot} of user {row.user} is {days} days old "
                    f"(created {key.last_rotated:%Y-%m-%d}; limit {most} days)."
                ),
            )
