"""No IAM user has two active access keys."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.checks._iam import report_users
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="iam_user_single_active_access_key",
    service="iam",
    title="IAM users have at most one active access key",
    severity="medium",
    risk=(
        "Two active keys usually mean a rotation that never finished: the old key is still "
        "valid somewhere nobody remembers."
    ),
    remediation=Remediation(
        text="Find which key is in use, deactivate the other, then delete it.",
        cli=(
            "aws iam get-access-key-last-used --access-key-id <key-id>\n"
            "aws iam update-access-key --user-name <user> --access-key-id <old-key-id> "
            "--status Inactive"
        ),
        terraform="# Keep one aws_iam_access_key per user; remove the other resource.",
    ),
    cis=("1.13",),
    requires=("iam.credential_report",),
    no_fix=("Needs a human decision: which of the two keys is still in use."),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per user with both key slots active.

    Args:
        inventory: What the audit read; this check uses the credential report (the root
            user's line left out). When that could not be read the check yields nothing: its
            gap is reported instead, never a pass.

    Yields:
        A hit per user with two active access keys.
    """
    for row in report_users(inventory):
        if sum(key.active for key in row.access_keys) > 1:
            yield Hit(
                region="global",
                resource_id=row.user,
                resource_arn=row.arn or None,
                detail=f"User {row.user} has two active access keys.",
            )
