"""No EBS volume sits unattached (paid for, used by nothing)."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="ec2_ebs_volume_attached",
    service="ec2",
    title="EBS volumes are attached to an instance",
    severity="low",
    risk=(
        "Unattached volumes are billed every month for nothing and often hold old data "
        "that nobody looks after any more."
    ),
    remediation=Remediation(
        text="Snapshot the volume if its data may be needed, then delete it.",
        cli=(
            "aws ec2 create-snapshot --volume-id <volume-id> --description 'before delete'\n"
            "aws ec2 delete-volume --volume-id <volume-id>"
        ),
        terraform=(
            "# Remove the aws_ebs_volume resource (or attach it with an\n"
            "# aws_volume_attachment if it is still needed)."
        ),
    ),
    requires=("ec2.volumes",),
    no_fix=(
        "Deleting a volume destroys its data: whether a detached volume is still needed is a "
        "human decision."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per volume in the ``available`` state.

    Args:
        inventory: What the audit read; this check uses each region's ``ec2.volumes``. A
            region where they could not be read yields nothing: its gap is reported instead,
            never a pass.

    Yields:
        A hit per volume attached to no instance, with its size and type.
    """
    for ec2 in inventory.ec2_regions():
        for volume in ec2.volumes or []:
            if volume.state != "available":
                continue
            yield Hit(
                region=ec2.region,
                resource_id=volume.id,
                resource_arn=inventory.arn("ec2", ec2.region, f"volume/{volume.id}"),
                detail=(
                    f"Volume {volume.id} ({volume.size_gib} GiB {volume.type}) is attached "
                    "to no instance."
                ),
            )
