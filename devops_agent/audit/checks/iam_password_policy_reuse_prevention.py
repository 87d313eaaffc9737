"""The password policy prevents reusing recent passwords (24 by default, CIS 1.9)."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.audit.registry import Limits
from devops_agent.audit.thresholds import PASSWORD_REUSE_PREVENTION as REMEMBERED
from devops_agent.aws.iam.account import SET_PASSWORD_POLICY, PasswordPolicyArgs

META = CheckMeta(
    id="iam_password_policy_reuse_prevention",
    service="iam",
    title="IAM passwords cannot be reused ({password_reuse_prevention} remembered)",
    severity="medium",
    risk=(
        "Without reuse prevention a forced password change can simply set the old, possibly "
        "leaked password again."
    ),
    remediation=Remediation(
        text="Remember the last 24 passwords.",
        cli="aws iam update-account-password-policy --password-reuse-prevention 24",
        terraform=(
            'resource "aws_iam_account_password_policy" "this" {\n'
            "  password_reuse_prevention = 24\n"
            "}"
        ),
    ),
    cis=("1.9",),
    fsbp=("IAM.16",),
    requires=("iam.password_policy",),
    fix=Fix(
        SET_PASSWORD_POLICY,
        lambda hit, inventory, limits: PasswordPolicyArgs(reuse_prevention=limits[REMEMBERED.name]),
    ),
    thresholds=(REMEMBERED,),
)


def check(inventory: Inventory, limits: Limits) -> Iterator[Hit]:
    """One hit when fewer passwords are remembered than the threshold (or there is no
    policy).

    Args:
        inventory: What the audit read; this check uses the account password policy. When
            that could not be read the check yields nothing: its gap is reported instead,
            never a pass.
        limits: The check's thresholds: ``password_reuse_prevention`` (24 by default).

    Yields:
        At most one hit, on the account, with how many previous passwords are remembered and
        how many are wanted.
    """
    least = limits[REMEMBERED.name]
    policy = inventory.iam.password_policy
    if policy is None:
        return
    remembered = (policy.reuse_prevention or 0) if policy.exists else 0
    if remembered >= least:
        return
    detail = (
        f"The password policy remembers {remembered} previous passwords ({least} wanted)."
        if policy.exists
        else "There is no password policy, so old passwords may be reused."
    )
    yield Hit(region="global", resource_id=inventory.account, detail=detail)
