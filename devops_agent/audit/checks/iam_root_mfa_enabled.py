"""The root user signs in with MFA."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.checks._iam import root_arn
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="iam_root_mfa_enabled",
    service="iam",
    title="The root user has MFA enabled",
    severity="critical",
    risk=(
        "Without MFA, the root password alone (phished, reused or reset through the account "
        "e-mail) gives unlimited control of the account."
    ),
    remediation=Remediation(
        text=(
            "Sign in as root and assign an MFA device (a hardware key or passkey is best); "
            "keep it in a safe place known to more than one person."
        ),
        cli=(
            "# MFA for root is set up in the console (Security credentials > Assign MFA).\n"
            "aws iam get-account-summary --query 'SummaryMap.AccountMFAEnabled'"
        ),
        terraform=(
            "# Root MFA cannot be managed by Terraform; assign it in the console. With\n"
            "# AWS Organizations, centralised root access can remove root credentials."
        ),
    ),
    cis=("1.5",),
    fsbp=("IAM.9",),
    requires=("iam.account_summary",),
    no_fix=("Only the root user can enroll an MFA device, with the device in hand."),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit when the account summary says root has no MFA.

    Args:
        inventory: What the audit read; this check uses the IAM account summary. When that
            could not be read the check yields nothing: its gap is reported instead, never a
            pass.

    Yields:
        At most one hit, on the root user.
    """
    summary = inventory.iam.account_summary
    if summary is not None and not summary.root_mfa_enabled:
        yield Hit(
            region="global",
            resource_id="root",
            resource_arn=root_arn(inventory),
            detail=f"The root user of account {inventory.account} has no MFA device.",
        )
