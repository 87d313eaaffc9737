"""No EBS snapshot is kept past its age limit (a year by default) without a decision."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation
from devops_agent.audit.registry import Limits
from devops_agent.audit.thresholds import SNAPSHOT_MAX_AGE_DAYS as MAX_AGE

META = CheckMeta(
    id="ec2_ebs_snapshot_under_365_days",
    service="ec2",
    title="EBS snapshots are younger than {snapshot_max_age_days} days",
    severity="low",
    risk=(
        "Old snapshots cost storage every month and keep data (and old secrets) long after "
        "retention rules said it should be gone."
    ),
    remediation=Remediation(
        text=(
            "Delete snapshots past their retention, and let Data Lifecycle Manager or AWS "
            "Backup create and expire them."
        ),
        cli="aws ec2 delete-snapshot --snapshot-id <snapshot-id>",
        terraform=(
            'resource "aws_dlm_lifecycle_policy" "daily" {\n'
            '  description        = "daily snapshots, kept 30 days"\n'
            "  execution_role_arn = aws_iam_role.dlm.arn\n"
            "  policy_details {\n"
            '    resource_types = ["VOLUME"]\n'
            '    target_tags    = { backup = "daily" }\n'
            "    schedule {\n"
            '      name = "daily"\n'
            "      create_rule { interval = 24 }\n"
            "      retain_rule { count = 30 }\n"
            "    }\n"
            "  }\n"
            "}"
        ),
    ),
    requires=("ec2.snapshots",),
    no_fix=(
        "Deleting a snapshot destroys data: whether it is past its retention (or backs an AMI) "
        "is a human decision."
    ),
    thresholds=(MAX_AGE,),
)


def check(inventory: Inventory, limits: Limits) -> Iterator[Hit]:
    """One hit per snapshot started longer before the inventory than the threshold.

    Age is measured from the snapshot's start to when the inventory was collected; a
    snapshot without a start time is not judged.

    Args:
        inventory: What the audit read; this check uses each region's ``ec2.snapshots``. A
            region where they could not be read yields nothing: its gap is reported instead,
            never a pass.
        limits: The check's thresholds: ``snapshot_max_age_days`` (365 by default).

    Yields:
        A hit per snapshot older than the limit, with its age in days and start date.
    """
    limit = inventory.collected_at - timedelta(days=limits[MAX_AGE.name])
    for ec2 in inventory.ec2_regions():
        for snapshot in ec2.snapshots or []:
            if snapshot.started is None or snapshot.started > limit:
                continue
            days = (inventory.collected_at - snapshot.started).days
            yield Hit(
                region=ec2.region,
                resource_id=snapshot.id,
                resource_arn=inventory.arn("ec2", ec2.region, f"snapshot/{snapshot.id}"),
                detail=f"Snapshot {snapshot.id} is {days} days old ({snapshot.started:%Y-%m-%d}).",
            )
