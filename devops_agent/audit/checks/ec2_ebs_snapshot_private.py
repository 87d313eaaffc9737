"""No EBS snapshot of the account can be restored by anyone."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit import remedies
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.aws.ec2.public_sharing import UNSHARE_SNAPSHOT, SnapshotArgs

META = CheckMeta(
    id="ec2_ebs_snapshot_private",
    service="ec2",
    title="EBS snapshots are not public",
    severity="critical",
    risk=(
        "Any AWS account can create a volume from a public snapshot and read the whole "
        "disk: databases, keys, configuration and customer data."
    ),
    remediation=Remediation(
        text=(
            "Remove the 'all' create-volume permission and turn on block public access "
            "for snapshots in every region."
        ),
        cli=(
            "aws ec2 modify-snapshot-attribute --snapshot-id <snapshot-id> "
            "--attribute createVolumePermission --operation-type remove --group-names all\n"
            "aws ec2 enable-snapshot-block-public-access --state block-all-sharing"
        ),
        terraform=(
            'resource "aws_ebs_snapshot_block_public_access" "this" {\n'
            '  state = "block-all-sharing"\n'
            "}"
        ),
    ),
    fsbp=("EC2.1",),
    requires=("ec2.snapshots",),
    fix=Fix(
        UNSHARE_SNAPSHOT,
        remedies.on_resource(lambda snap, region: SnapshotArgs(snapshot_id=snap, region=region)),
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per snapshot whose create-volume permission includes the group ``all``.

    A snapshot whose sharing could not be read (``public`` unknown) is not judged.

    Args:
        inventory: What the audit read; this check uses each region's ``ec2.snapshots``. A
            region where they could not be read yields nothing: its gap is reported instead,
            never a pass.

    Yields:
        A hit per snapshot any AWS account can restore, with its source volume and size.
    """
    for ec2 in inventory.ec2_regions():
        for snapshot in ec2.snapshots or []:
            if snapshot.public is not True:
                continue
            yield Hit(
                region=ec2.region,
                resource_id=snapshot.id,
                resource_arn=inventory.arn("ec2", ec2.region, f"snapshot/{snapshot.id}"),
                detail=(
                    f"Snapshot {snapshot.id} (of {snapshot.volume_id or 'a deleted volume'}, "
                    f"{snapshot.size_gib} GiB) can be restored by any AWS account."
                ),
            )
