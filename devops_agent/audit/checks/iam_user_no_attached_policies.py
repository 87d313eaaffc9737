"""No IAM user has managed policies attached directly (groups or roles carry them)."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="iam_user_no_attached_policies",
    service="iam",
    title="IAM users get permissions only through groups",
    severity="low",
    risk=(
        "Policies attached to individual users multiply the places to review and leave "
        "people with permissions their team no longer has."
    ),
    remediation=Remediation(
        text="Attach the policy to a group, add the user to it, and detach it from the user.",
        cli=(
            "aws iam attach-group-policy --group-name <group> --policy-arn <policy-arn>\n"
            "aws iam add-user-to-group --group-name <group> --user-name <user>\n"
            "aws iam detach-user-policy --user-name <user> --policy-arn <policy-arn>"
        ),
        terraform=(
            'resource "aws_iam_user_group_membership" "user" {\n'
            "  user   = aws_iam_user.this.name\n"
            "  groups = [aws_iam_group.team.name]\n"
            "}\n"
            "# and remove the aws_iam_user_policy_attachment resource"
        ),
    ),
    cis=("1.15",),
    fsbp=("IAM.2",),
    requires=("iam.authorization_details",),
    no_fix=(
        "Needs a human decision: which group should carry the permissions; detaching them "
        "first would break the user's work."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per user with managed policies attached directly.

    Args:
        inventory: What the audit read; this check uses the account authorization details
            (users, groups, roles and their policies). When that could not be read the check
            yields nothing: its gap is reported instead, never a pass.

    Yields:
        A hit per such user, naming the policies.
    """
    for user in inventory.iam.users or []:
        if not user.attached_policies:
            continue
        names = ", ".join(sorted(p.name for p in user.attached_policies))
        yield Hit(
            region="global",
            resource_id=user.name,
            resource_arn=user.arn or None,
            detail=f"User {user.name} has policies attached directly: {names}.",
        )
