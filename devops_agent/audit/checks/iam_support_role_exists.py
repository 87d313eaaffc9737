"""A role exists for managing incidents with AWS Support."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

#: The AWS managed policy that grants access to AWS Support.
SUPPORT_POLICY = "AWSSupportAccess"

META = CheckMeta(
    id="iam_support_role_exists",
    service="iam",
    title="A support role with AWSSupportAccess exists",
    severity="low",
    risk=(
        "Without a dedicated support role, people open cases with over-privileged "
        "identities (or root) during an incident."
    ),
    remediation=Remediation(
        text="Create a role for your incident responders and attach AWSSupportAccess.",
        cli=(
            "aws iam create-role --role-name aws-support --assume-role-policy-document "
            "file://trust.json\n"
            "aws iam attach-role-policy --role-name aws-support "
            "--policy-arn arn:aws:iam::aws:policy/AWSSupportAccess"
        ),
        terraform=(
            'resource "aws_iam_role_policy_attachment" "support" {\n'
            "  role       = aws_iam_role.support.name\n"
            '  policy_arn = "arn:aws:iam::aws:policy/AWSSupportAccess"\n'
            "}"
        ),
    ),
    cis=("1.17",),
    requires=("iam.authorization_details",),
    no_fix=("Needs a human decision: who may assume the support role (its trust policy)."),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit for the account when no role has AWSSupportAccess attached.

    Args:
        inventory: What the audit read; this check uses the account authorization details
            (users, groups, roles and their policies). When that could not be read the check
            yields nothing: its gap is reported instead, never a pass.

    Yields:
        At most one hit, on the account, when no role has the AWS managed
        ``AWSSupportAccess`` policy.
    """
    roles = inventory.iam.roles
    if roles is None:
        return
    suffix = f":iam::aws:policy/{SUPPORT_POLICY}"
    if any(p.arn.endswith(suffix) for role in roles for p in role.attached_policies):
        return
    yield Hit(
        region="global",
        resource_id=inventory.account,
        detail=f"No role of account {inventory.account} has the {SUPPORT_POLICY} policy.",
    )
