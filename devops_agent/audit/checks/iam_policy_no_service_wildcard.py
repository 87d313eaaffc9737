"""No customer managed policy allows every action of a service."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation
from devops_agent.audit.policy import statements, values

META = CheckMeta(
    id="iam_policy_no_service_wildcard",
    service="iam",
    title="Customer managed policies do not allow service:* actions",
    severity="low",
    risk=(
        '"s3:*" or "iam:*" grants every action the service has and every one it will '
        "add, including the ones that delete, share or escalate."
    ),
    remediation=Remediation(
        text="List the actions the workload needs instead of the service wildcard.",
        cli=(
            "aws iam create-policy-version --policy-arn <policy-arn> "
            "--policy-document file://narrow.json --set-as-default"
        ),
        terraform=(
            'data "aws_iam_policy_document" "narrow" {\n'
            "  statement {\n"
            '    actions   = ["s3:GetObject", "s3:PutObject"] # not "s3:*"\n'
            '    resources = ["${aws_s3_bucket.this.arn}/*"]\n'
            "  }\n"
            "}"
        ),
    ),
    fsbp=("IAM.21",),
    requires=("iam.authorization_details",),
    no_fix=(
        "Needs a human decision: which actions the workload really uses (IAM's last-accessed "
        "data helps) is for a person to decide."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per policy whose default version allows ``service:*`` (full ``*`` is the
    full-admin check's).

    Args:
        inventory: What the audit read; this check uses the account authorization details
            (users, groups, roles and their policies); only customer managed policies are
            judged. When that could not be read the check yields nothing: its gap is
            reported instead, never a pass.

    Yields:
        A hit per such policy, listing the ``service:*`` actions its ``Allow`` statements
        name.
    """
    for policy in inventory.iam.policies or []:
        wildcards = sorted(
            {
                action
                for s in statements(policy.document)
                if s.get("Effect") == "Allow"
                for action in values(s.get("Action"))
                if action.endswith(":*") and action != "*:*"
            }
        )
        if not wildcards:
            continue
        yield Hit(
            region="global",
            resource_id=policy.name,
            resource_arn=policy.arn or None,
            detail=f"Policy {policy.name} allows {', '.join(wildcards)}.",
        )
