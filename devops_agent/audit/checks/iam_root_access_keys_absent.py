"""The root user has no access keys."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.checks._iam import root_arn
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="iam_root_access_keys_absent",
    service="iam",
    title="The root user has no access keys",
    severity="critical",
    risk=(
        "Root access keys can do anything in the account, cannot be limited by IAM policies, "
        "and a leaked one means a total takeover."
    ),
    remediation=Remediation(
        text=(
            "Sign in as root, delete its access keys (Security credentials page), and use "
            "IAM roles for automation."
        ),
        cli=(
            "# only the root user itself can delete them:\n"
            "aws iam list-access-keys   # signed in with the root credentials\n"
            "aws iam delete-access-key --access-key-id <root-key-id>"
        ),
        terraform=(
            "# Root access keys are not managed by Terraform; delete them by hand and\n"
            "# block their creation with an SCP denying iam:CreateAccessKey for root:\n"
            '# condition { test = "StringLike" variable = "aws:PrincipalArn"\n'
            '#             values = ["arn:aws:iam::*:root"] }'
        ),
    ),
    cis=("1.4",),
    fsbp=("IAM.4",),
    requires=("iam.account_summary",),
    no_fix=("Only the root user, signed in as root, can delete its own access keys; no role can."),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit when the account summary says root has access keys.

    Args:
        inventory: What the audit read; this check uses the IAM account summary. When that
            could not be read the check yields nothing: its gap is reported instead, never a
            pass.

    Yields:
        At most one hit, on the root user.
    """
    summary = inventory.iam.account_summary
    if summary is not None and summary.root_access_keys_present:
        yield Hit(
            region="global",
            resource_id="root",
            resource_arn=root_arn(inventory),
            detail=f"The root user of account {inventory.account} has access keys.",
        )
