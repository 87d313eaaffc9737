"""Every running instance gets AWS access from an instance role, not stored keys."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="ec2_instance_profile_attached",
    service="ec2",
    title="EC2 instances use an IAM instance profile",
    severity="low",
    risk=(
        "Without an instance role, software on the instance that calls AWS needs long-lived "
        "access keys on disk, which leak through images, backups and logs."
    ),
    remediation=Remediation(
        text=(
            "Attach an instance profile with a least-privilege role and remove any access keys "
            "stored on the instance."
        ),
        cli=(
            "aws ec2 associate-iam-instance-profile --instance-id <instance-id> "
            "--iam-instance-profile Name=<profile-name>"
        ),
        terraform=(
            'resource "aws_instance" "this" {\n'
            "  # ...\n"
            "  iam_instance_profile = aws_iam_instance_profile.app.name\n"
            "}"
        ),
    ),
    cis=("1.18",),
    requires=("ec2.instances",),
    no_fix=(
        "Needs a human decision: which role, with which permissions, the instance should have."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per pending or running instance without an instance profile.

    Args:
        inventory: What the audit read; this check uses each region's ``ec2.instances``. A
            region where they could not be read yields nothing: its gap is reported instead,
            never a pass.

    Yields:
        A hit per such instance: whatever it calls AWS with is stored on it, not an instance
        role's short-lived credentials.
    """
    for ec2 in inventory.ec2_regions():
        for instance in ec2.instances or []:
            if instance.state not in ("pending", "running") or instance.iam_instance_profile_arn:
                continue
            label = f"{instance.name} ({instance.id})" if instance.name else instance.id
            yield Hit(
                region=ec2.region,
                resource_id=instance.id,
                resource_arn=inventory.arn("ec2", ec2.region, f"instance/{instance.id}"),
                detail=f"Instance {label} runs without an IAM instance profile.",
            )
