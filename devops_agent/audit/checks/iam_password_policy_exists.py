"""The account has an IAM password policy."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="iam_password_policy_exists",
    service="iam",
    title="An IAM password policy is set",
    severity="medium",
    risk=(
        "Without a password policy IAM accepts any 8-character password and lets users "
        "reuse old ones."
    ),
    remediation=Remediation(
        text="Set a password policy (length 14+, reuse prevention 24, all character classes).",
        cli=(
            "aws iam update-account-password-policy --minimum-password-length 14 "
            "--password-reuse-prevention 24 --require-symbols --require-numbers "
            "--require-uppercase-characters --require-lowercase-characters "
            "--allow-users-to-change-password"
        ),
        terraform=(
            'resource "aws_iam_account_password_policy" "this" {\n'
            "  minimum_password_length        = 14\n"
            "  password_reuse_prevention      = 24\n"
            "  require_symbols                = true\n"
            "  require_numbers                = true\n"
            "  require_uppercase_characters   = true\n"
            "  require_lowercase_characters   = true\n"
            "  allow_users_to_change_password = true\n"
            "}"
        ),
    ),
    fsbp=("IAM.7",),
    requires=("iam.password_policy",),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit for the account when no password policy is set."""
    policy = inventory.iam.password_policy
    if policy is not None and not policy.exists:
        yield Hit(
            region="global",
            resource_id=inventory.account,
            detail=f"Account {inventory.account} has no IAM password policy.",
        )
