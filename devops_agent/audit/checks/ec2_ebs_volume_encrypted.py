"""Every EBS volume is encrypted at rest."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="ec2_ebs_volume_encrypted",
    service="ec2",
    title="EBS volumes are encrypted",
    severity="medium",
    risk=(
        "Unencrypted volumes, and every snapshot taken from them, can be read by anyone who "
        "gets a copy; encryption with KMS also puts access behind a key policy and CloudTrail."
    ),
    remediation=Remediation(
        text=(
            "Snapshot the volume, copy the snapshot with encryption, create a volume from it "
            "and swap it in; turn on EBS encryption by default so new volumes are encrypted."
        ),
        cli=(
            "aws ec2 create-snapshot --volume-id <volume-id>\n"
            "aws ec2 copy-snapshot --source-region <region> --source-snapshot-id <snapshot-id> "
            "--encrypted\n"
            "aws ec2 create-volume --snapshot-id <encrypted-snapshot-id> "
            "--availability-zone <az> --encrypted"
        ),
        terraform=(
            'resource "aws_ebs_volume" "data" {\n'
            '  availability_zone = "eu-west-1a"\n'
            "  size              = 100\n"
            "  encrypted         = true\n"
            "  kms_key_id        = aws_kms_key.ebs.arn\n"
            "}"
        ),
    ),
    fsbp=("EC2.3",),
    requires=("ec2.volumes",),
    no_fix=(
        "Breaking for workloads: a volume is encrypted only by snapshotting it, copying the "
        "snapshot encrypted and swapping the new volume in on a stopped instance."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per unencrypted volume.

    Volumes being deleted are not judged.

    Args:
        inventory: What the audit read; this check uses each region's ``ec2.volumes``. A
            region where they could not be read yields nothing: its gap is reported instead,
            never a pass.

    Yields:
        A hit per unencrypted volume, with its size and the instances it is attached to.
    """
    for ec2 in inventory.ec2_regions():
        for volume in ec2.volumes or []:
            if volume.encrypted or volume.state in ("deleting", "deleted"):
                continue
            where = (
                f"attached to {', '.join(volume.attached_to)}"
                if volume.attached_to
                else "unattached"
            )
            yield Hit(
                region=ec2.region,
                resource_id=volume.id,
                resource_arn=inventory.arn("ec2", ec2.region, f"volume/{volume.id}"),
                detail=f"Volume {volume.id} ({volume.size_gib} GiB, {where}) is not encrypted.",
            )
