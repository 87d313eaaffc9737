"""Every EBS snapshot is encrypted."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="ec2_ebs_snapshot_encrypted",
    service="ec2",
    title="EBS snapshots are encrypted",
    severity="medium",
    risk=(
        "An unencrypted snapshot can be shared or made public by a single API call, and its "
        "data is readable by whoever gets a copy."
    ),
    remediation=Remediation(
        text="Copy the snapshot with encryption, then delete the unencrypted one.",
        cli=(
            "aws ec2 copy-snapshot --source-region <region> --source-snapshot-id <snapshot-id> "
            "--encrypted --kms-key-id <kms-key-id>\n"
            "aws ec2 delete-snapshot --snapshot-id <snapshot-id>"
        ),
        terraform=(
            'resource "aws_ebs_snapshot_copy" "encrypted" {\n'
            '  source_snapshot_id = "<snapshot-id>"\n'
            '  source_region      = "<region>"\n'
            "  encrypted          = true\n"
            "  kms_key_id         = aws_kms_key.ebs.arn\n"
            "}"
        ),
    ),
    requires=("ec2.snapshots",),
    no_fix=(
        "Needs a human decision: a snapshot is encrypted by copying it with a KMS key (a new "
        "snapshot id) and deleting the old one once no AMI or backup plan names it."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per unencrypted snapshot owned by the account.

    Args:
        inventory: What the audit read; this check uses each region's ``ec2.snapshots``. A
            region where they could not be read yields nothing: its gap is reported instead,
            never a pass.

    Yields:
        A hit per unencrypted snapshot, naming the volume it was taken from.
    """
    for ec2 in inventory.ec2_regions():
        for snapshot in ec2.snapshots or []:
            if snapshot.encrypted:
                continue
            yield Hit(
                region=ec2.region,
                resource_id=snapshot.id,
                resource_arn=inventory.arn("ec2", ec2.region, f"snapshot/{snapshot.id}"),
                detail=(
                    f"Snapshot {snapshot.id} (of {snapshot.volume_id or 'a deleted volume'}) "
                    "is not encrypted."
                ),
            )
