"""The account has an IAM password policy."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.audit.registry import Limits
from devops_agent.audit.thresholds import PASSWORD_MIN_LENGTH, PASSWORD_REUSE_PREVENTION
from devops_agent.aws.iam.account import SET_PASSWORD_POLICY, PasswordPolicyArgs

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
    fix=Fix(
        SET_PASSWORD_POLICY,
        lambda hit, inventory, limits: PasswordPolicyArgs(
            min_length=limits[PASSWORD_MIN_LENGTH.name],
            reuse_prevention=limits[PASSWORD_REUSE_PREVENTION.name],
            require=["all"],
        ),
        caveat="Applies to passwords set from now on; existing ones keep working.",
    ),
    thresholds=(PASSWORD_MIN_LENGTH, PASSWORD_REUSE_PREVENTION),
)


def check(inventory: Inventory, limits: Limits) -> Iterator[Hit]:
    """One hit for the account when no password policy is set (the thresholds are the fix's:
    the policy it plans).

    Args:
        inventory: What the audit read; this check uses the account password policy. When
            that could not be read the check yields nothing: its gap is reported instead,
            never a pass.
        limits: The check's thresholds, ``password_min_length`` (14) and
            ``password_reuse_prevention`` (24) by default; this check does not judge them,
            its fix plans a policy with them.

    Yields:
        At most one hit, on the account, when it has no password policy at all.
    """
    policy = inventory.iam.password_policy
    if policy is not None and not policy.exists:
        yield Hit(
            region="global",
            resource_id=inventory.account,
            detail=f"Account {inventory.account} has no IAM password policy.",
        )
