"""The password policy requires long passwords (14 characters by default, CIS 1.8)."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.audit.registry import Limits
from devops_agent.audit.thresholds import PASSWORD_MIN_LENGTH as MIN_LENGTH
from devops_agent.aws.iam.account import SET_PASSWORD_POLICY, PasswordPolicyArgs

META = CheckMeta(
    id="iam_password_policy_min_length_14",
    service="iam",
    title="IAM passwords are at least {password_min_length} characters long",
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
    fix=Fix(
        SET_PASSWORD_POLICY,
        lambda hit, inventory, limits: PasswordPolicyArgs(min_length=limits[MIN_LENGTH.name]),
        caveat="Applies to passwords set from now on; existing ones keep working.",
    ),
    thresholds=(MIN_LENGTH,),
)


def check(inventory: Inventory, limits: Limits) -> Iterator[Hit]:
    """One hit when the minimum length is under the threshold (or there is no policy: IAM
    then allows 8).

    Args:
        inventory: What the audit read; this check uses the account password policy. When
            that could not be read the check yields nothing: its gap is reported instead,
            never a pass.
        limits: The check's thresholds: ``password_min_length`` (14 by default).

    Yields:
        At most one hit, on the account, with the length allowed and the length wanted.
    """
    least = limits[MIN_LENGTH.name]
    policy = inventory.iam.password_policy
    if policy is None:
        return
    length = policy.minimum_length if policy.exists else None
    if length is not None and length >= least:
        return
    detail = (
        f"The password policy allows passwords of {length} characters ({least} wanted)."
        if length is not None
        else "There is no password policy, so IAM accepts 8-character passwords."
    )
    yield Hit(region="global", resource_id=inventory.account, detail=detail)
