"""No customer managed policy allows every action on every resource."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation
from devops_agent.audit.policy import grants_full_admin
from devops_agent.report import plural

META = CheckMeta(
    id="iam_policy_no_full_admin",
    service="iam",
    title='Customer managed policies do not grant "*:*"',
    severity="high",
    risk=(
        'A policy allowing Action "*" on Resource "*" makes whoever holds it an administrator '
        "who can also remove every other control, logging included."
    ),
    remediation=Remediation(
        text=(
            "Replace the statement with the actions and resources the holder needs (IAM "
            "Access Analyzer can generate them from CloudTrail), or use AWS's "
            "AdministratorAccess for the few true admins so it is visible as such."
        ),
        cli=(
            "aws iam create-policy-version --policy-arn <policy-arn> "
            "--policy-document file://least-privilege.json --set-as-default"
        ),
        terraform=(
            'data "aws_iam_policy_document" "app" {\n'
            "  statement {\n"
            '    actions   = ["s3:GetObject", "s3:PutObject"] # never "*"\n'
            '    resources = ["${aws_s3_bucket.app.arn}/*"]     # never "*"\n'
            "  }\n"
            "}"
        ),
    ),
    cis=("1.16",),
    fsbp=("IAM.1",),
    requires=("iam.authorization_details",),
    no_fix=(
        "Needs a human decision: detaching or rewriting an admin policy breaks whoever uses it; "
        "what each principal should keep is for a person to decide."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per customer managed policy whose default version allows * on *.

    Args:
        inventory: What the audit read; this check uses the account authorization details
            (users, groups, roles and their policies). When that could not be read the check
            yields nothing: its gap is reported instead, never a pass.

    Yields:
        A hit per such policy, with its default version and how many identities it is
        attached to.
    """
    for policy in inventory.iam.policies or []:
        if not grants_full_admin(policy.document):
            continue
        attached = (
            f"attached to {plural(policy.attachment_count, 'identity', 'identities')}"
            if policy.attachment_count
            else "not attached yet"
        )
        yield Hit(
            region="global",
            resource_id=policy.name,
            resource_arn=policy.arn or None,
            detail=(
                f"Policy {policy.name} ({policy.default_version or 'default version'}) allows "
                f'"*" on "*" and is {attached}.'
            ),
        )
