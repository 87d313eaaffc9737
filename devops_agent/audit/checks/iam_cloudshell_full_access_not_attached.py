"""AWSCloudShellFullAccess is attached to nobody."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

#: The AWS managed policy CIS asks to restrict.
CLOUDSHELL = "AWSCloudShellFullAccess"

META = CheckMeta(
    id="iam_cloudshell_full_access_not_attached",
    service="iam",
    title="AWSCloudShellFullAccess is not attached",
    severity="medium",
    risk=(
        "Full CloudShell access includes uploading and downloading files and reaching the "
        "internet from the shell: an easy way to move data out of the account."
    ),
    remediation=Remediation(
        text="Detach the policy; grant a narrower CloudShell policy to those who need it.",
        cli=(
            "aws iam detach-user-policy --user-name <user> "
            "--policy-arn arn:aws:iam::aws:policy/AWSCloudShellFullAccess"
        ),
        terraform="# Remove the aws_iam_*_policy_attachment of AWSCloudShellFullAccess.",
    ),
    cis=("1.22",),
    fsbp=("IAM.27",),
    requires=("iam.authorization_details",),
    no_fix=(
        "Needs a human decision: the people using CloudShell lose it, and which narrower "
        "policy they get instead is for a person to choose."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per user, group or role the policy is attached to.

    Args:
        inventory: What the audit read; this check uses the account authorization details
            (users, groups, roles and their policies). When that could not be read the check
            yields nothing: its gap is reported instead, never a pass.

    Yields:
        A hit per principal with the AWS managed ``AWSCloudShellFullAccess`` policy
        attached, saying whether it is a user, group or role.
    """
    iam = inventory.iam
    principals = [
        *(("user", p) for p in iam.users or []),
        *(("group", p) for p in iam.groups or []),
        *(("role", p) for p in iam.roles or []),
    ]
    for kind, principal in principals:
        if not any(a.arn.endswith(f":policy/{CLOUDSHELL}") for a in principal.attached_policies):
            continue
        yield Hit(
            region="global",
            resource_id=principal.name,
            resource_arn=principal.arn,
            detail=f"{kind.capitalize()} {principal.name} has {CLOUDSHELL} attached.",
        )
