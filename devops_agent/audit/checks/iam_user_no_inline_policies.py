"""No IAM user carries inline policies."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="iam_user_no_inline_policies",
    service="iam",
    title="IAM users have no inline policies",
    severity="low",
    risk=(
        "Permissions embedded in individual users are invisible in policy reviews, drift "
        "from the team's and survive role changes."
    ),
    remediation=Remediation(
        text=(
            "Move the permissions to a managed policy attached to a group (or a role), then "
            "delete the inline policy."
        ),
        cli=(
            "aws iam get-user-policy --user-name <user> --policy-name <policy>\n"
            "aws iam delete-user-policy --user-name <user> --policy-name <policy>"
        ),
        terraform=(
            'resource "aws_iam_group_policy_attachment" "team" {\n'
            "  group      = aws_iam_group.team.name\n"
            "  policy_arn = aws_iam_policy.team.arn\n"
            "}\n"
            "# and remove the aws_iam_user_policy resource"
        ),
    ),
    cis=("1.15",),
    fsbp=("IAM.2",),
    requires=("iam.authorization_details",),
    no_fix=(
        "Needs a human decision: which group should carry the permissions; deleting them "
        "first would break the user's work."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per user with at least one inline policy.

    Args:
        inventory: What the audit read; this check uses the account authorization details
            (users, groups, roles and their policies). When that could not be read the check
            yields nothing: its gap is reported instead, never a pass.

    Yields:
        A hit per such user, naming the inline policies.
    """
    for user in inventory.iam.users or []:
        if not user.inline_policies:
            continue
        names = ", ".join(sorted(p.name for p in user.inline_policies))
        yield Hit(
            region="global",
            resource_id=user.name,
            resource_arn=user.arn or None,
            detail=f"User {user.name} has inline policies: {names}.",
        )
