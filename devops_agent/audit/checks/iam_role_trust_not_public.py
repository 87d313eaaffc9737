"""No role can be assumed by anyone (``Principal: "*"`` without a narrowing condition)."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation
from devops_agent.audit.policy import public_statements

META = CheckMeta(
    id="iam_role_trust_not_public",
    service="iam",
    title="IAM roles cannot be assumed by everyone",
    severity="critical",
    risk=(
        'A trust policy allowing Principal "*" lets any AWS account in the world assume the '
        "role and use its permissions."
    ),
    remediation=Remediation(
        text=(
            "Name the accounts, roles or services that may assume the role, or add a "
            "condition such as aws:PrincipalOrgID."
        ),
        cli="aws iam update-assume-role-policy --role-name <role> --policy-document file://trust.json",
        terraform=(
            'data "aws_iam_policy_document" "trust" {\n'
            "  statement {\n"
            '    actions = ["sts:AssumeRole"]\n'
            "    principals {\n"
            '      type        = "AWS"\n'
            '      identifiers = ["arn:aws:iam::<trusted-account-id>:root"]\n'
            "    }\n"
            "  }\n"
            "}"
        ),
    ),
    requires=("iam.authorization_details",),
    no_fix=("Needs a human decision: which principals the role should trust instead."),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per role whose trust policy has a public statement.

    A statement is public when it allows ``Principal: "*"`` (or ``{"AWS": "*"}``) without a
    condition that pins it to known accounts, organisations or networks
    (:func:`devops_agent.audit.policy.public_statements`).

    Args:
        inventory: What the audit read; this check uses the account authorization details
            (users, groups, roles and their policies). When that could not be read the check
            yields nothing: its gap is reported instead, never a pass.

    Yields:
        A hit per role any AWS principal can assume.
    """
    for role in inventory.iam.roles or []:
        if public_statements(role.trust_policy):
            yield Hit(
                region="global",
                resource_id=role.name,
                resource_arn=role.arn or None,
                detail=f"Role {role.name} trusts every AWS principal, with no narrowing condition.",
            )
