"""The password policy requires at least 14 characters."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

#: Shortest password length CIS accepts.
MIN_LENGTH = 14

META = CheckMeta(
    id="iam_password_policy_min_length_14",
    service="iam",
    title="IAM passwords are at least 14 characters long",
    severity="medium",
    risk="Short passwords fall quickly to guessing and credential-stuffing attacks.",
    remediation=Remediation(
        text="Set the minimum password length to 14 or more.",
        cli="aws iam update-account-password-policy --minimum-password-length 14",
        terraform=(
            'resource "aws_iam_account_password_policy" "this" {\n  minimum_password_length = 14\n}'
        ),
    ),
    cis=("1.8",),
    fsbp=("IAM.15",),
    requires=("iam.password_policy",),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit when the minimum length is under 14 (or there is no policy: IAM allows 8)."""
    policy = inventory.iam.password_policy
    if policy is None:
        return
    length = policy.minimum_length if policy.exists else None
    if length is not None and length >= MIN_LENGTH:
        return
    detail = (
        f"The password policy allows passwords of {length} characters."
        if length is not None
        else "There is no password policy, so IAM accepts 8-character passwords."
    )
    yield Hit(region="global", resource_id=inventory.account, detail=detail)
