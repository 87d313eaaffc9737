"""The password policy prevents reusing the last 24 passwords."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

#: Previous passwords a new one must differ from.
MIN_REMEMBERED = 24

META = CheckMeta(
    id="iam_password_policy_reuse_prevention",
    service="iam",
    title="IAM passwords cannot be reused (24 remembered)",
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
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit when fewer than 24 passwords are remembered (or there is no policy)."""
    policy = inventory.iam.password_policy
    if policy is None:
        return
    remembered = (policy.reuse_prevention or 0) if policy.exists else 0
    if remembered >= MIN_REMEMBERED:
        return
    detail = (
        f"The password policy remembers {remembered} previous passwords (24 wanted)."
        if policy.exists
        else "There is no password policy, so old passwords may be reused."
    )
    yield Hit(region="global", resource_id=inventory.account, detail=detail)
