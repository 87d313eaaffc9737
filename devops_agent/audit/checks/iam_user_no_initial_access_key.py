"""No console user has an access key that was never used."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.checks._iam import report_users
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="iam_user_no_initial_access_key",
    service="iam",
    title="Console users have no access key that was never used",
    severity="low",
    risk=(
        'Keys created with a user "just in case" are credentials nobody needs and nobody '
        "watches; they leak with the onboarding e-mail or script."
    ),
    remediation=Remediation(
        text="Delete access keys that were never used; let users create keys when they need them.",
        cli="aws iam delete-access-key --user-name <user> --access-key-id <key-id>",
        terraform="# Remove the aws_iam_access_key created with the user.",
    ),
    cis=("1.11",),
    requires=("iam.credential_report",),
    no_fix=(
        "Needs a human decision: a key never used may have been handed out minutes ago; "
        "`iam keys deactivate-unused USER --days N` switches off the ones past a limit."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per active, never used key of a user who also has a console password.

    Args:
        inventory: What the audit read; this check uses the credential report (the root
            user's line left out). When that could not be read the check yields nothing: its
            gap is reported instead, never a pass.

    Yields:
        A hit per such key (resource id ``USER/access-key-N``).
    """
    for row in report_users(inventory):
        if not row.password_enabled:
            continue
        for key in row.access_keys:
            if not key.active or key.last_used is not None:
                continue
            yield Hit(
                region="global",
                resource_id=f"{row.user}/access-key-{key.slot}",
                resource_arn=row.arn or None,
                detail=(
                    f"User {row.user} has a console password and access key {key.slot}, "
                    "which was never used."
                ),
            )
