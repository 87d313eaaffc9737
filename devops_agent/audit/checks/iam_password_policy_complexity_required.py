"""The password policy requires upper and lower case letters, numbers and symbols."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.aws.iam.account import SET_PASSWORD_POLICY, PasswordPolicyArgs

META = CheckMeta(
    id="iam_password_policy_complexity_required",
    service="iam",
    title="IAM passwords require all character classes",
    severity="low",
    risk="Passwords from a small alphabet are easier to guess and to crack.",
    remediation=Remediation(
        text="Require uppercase and lowercase letters, numbers and symbols.",
        cli=(
            "aws iam update-account-password-policy --require-symbols --require-numbers "
            "--require-uppercase-characters --require-lowercase-characters"
        ),
        terraform=(
            'resource "aws_iam_account_password_policy" "this" {\n'
            "  require_symbols              = true\n"
            "  require_numbers              = true\n"
            "  require_uppercase_characters = true\n"
            "  require_lowercase_characters = true\n"
            "}"
        ),
    ),
    fsbp=("IAM.11", "IAM.12", "IAM.13", "IAM.14"),
    requires=("iam.password_policy",),
    fix=Fix(
        SET_PASSWORD_POLICY,
        lambda hit, inventory, limits: PasswordPolicyArgs(require=["all"]),
        caveat="Applies to passwords set from now on; existing ones keep working.",
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit when a character class is not required (or there is no policy).

    Args:
        inventory: What the audit read; this check uses the account password policy. When
            that could not be read the check yields nothing: its gap is reported instead,
            never a pass.

    Yields:
        At most one hit, on the account, naming the classes (upper and lower case letters,
        numbers, symbols) the policy does not require, or saying there is no policy.
    """
    policy = inventory.iam.password_policy
    if policy is None:
        return
    missing = [
        name
        for name, required in (
            ("uppercase letters", policy.require_uppercase),
            ("lowercase letters", policy.require_lowercase),
            ("numbers", policy.require_numbers),
            ("symbols", policy.require_symbols),
        )
        if not required
    ]
    if not missing:
        return
    detail = (
        f"The password policy does not require {', '.join(missing)}."
        if policy.exists
        else "There is no password policy, so no character classes are required."
    )
    yield Hit(region="global", resource_id=inventory.account, detail=detail)
