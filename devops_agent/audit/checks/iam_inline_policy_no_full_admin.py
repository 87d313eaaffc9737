"""No inline policy of a user, group or role allows every action on every resource."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation
from devops_agent.audit.policy import grants_full_admin

META = CheckMeta(
    id="iam_inline_policy_no_full_admin",
    service="iam",
    title='Inline policies do not grant "*:*"',
    severity="high",
    risk=(
        "Inline full-admin grants hide an administrator in one identity, out of sight of "
        "reviews of managed policies."
    ),
    remediation=Remediation(
        text="Delete the inline policy and grant least-privilege managed policies instead.",
        cli=(
            "aws iam delete-user-policy --user-name <user> --policy-name <policy>\n"
            "aws iam delete-role-policy --role-name <role> --policy-name <policy>\n"
            "aws iam delete-group-policy --group-name <group> --policy-name <policy>"
        ),
        terraform=(
            "# Remove the aws_iam_user_policy / aws_iam_role_policy /\n"
            '# aws_iam_group_policy whose document allows "*" on "*".'
        ),
    ),
    cis=("1.16",),
    requires=("iam.authorization_details",),
    no_fix=(
        "Needs a human decision: taking admin rights from a principal that uses them breaks "
        "its work; what it should keep is for a person to decide."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per user, group or role with an inline policy allowing * on *.

    Args:
        inventory: What the audit read; this check uses the account authorization details
            (users, groups, roles and their policies). When that could not be read the check
            yields nothing: its gap is reported instead, never a pass.

    Yields:
        A hit per principal (resource id ``user/NAME``, ``group/NAME`` or ``role/NAME``),
        naming its inline policies that allow every action on every resource.
    """
    iam = inventory.iam
    holders = [
        *(("user", u.name, u.arn, u.inline_policies) for u in iam.users or []),
        *(("group", g.name, g.arn, g.inline_policies) for g in iam.groups or []),
        *(("role", r.name, r.arn, r.inline_policies) for r in iam.roles or []),
    ]
    for kind, name, arn, policies in holders:
        admin = sorted(p.name for p in policies if grants_full_admin(p.document))
        if admin:
            yield Hit(
                region="global",
                resource_id=f"{kind}/{name}",
                resource_arn=arn or None,
                detail=f'The {kind} {name} has inline policies allowing "*" on "*": '
                f"{', '.join(admin)}.",
            )
