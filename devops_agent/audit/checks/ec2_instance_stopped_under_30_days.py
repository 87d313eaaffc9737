"""No instance has been stopped for long (30 days by default, FSBP EC2.4)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation
from devops_agent.audit.registry import Limits
from devops_agent.audit.thresholds import INSTANCE_MAX_STOPPED_DAYS as MAX_STOPPED

META = CheckMeta(
    id="ec2_instance_stopped_under_30_days",
    service="ec2",
    title="EC2 instances are not left stopped for more than {instance_max_stopped_days} days",
    severity="low",
    risk=(
        "Long-stopped instances still cost their EBS volumes and Elastic IPs, miss patches, "
        "and come back one day with old software and old rules."
    ),
    remediation=Remediation(
        text="Snapshot what must be kept, then terminate the instance.",
        cli=(
            "aws ec2 create-image --instance-id <instance-id> --name <instance-id>-final\n"
            "aws ec2 terminate-instances --instance-ids <instance-id>"
        ),
        terraform=(
            "# Remove the aws_instance resource (keep an aws_ami_from_instance if the\n"
            "# disk must be kept); terraform apply terminates it."
        ),
    ),
    fsbp=("EC2.4",),
    requires=("ec2.instances",),
    no_fix=(
        "Terminating destroys the instance and its instance-store data: whether it is still "
        "needed is a human decision."
    ),
    thresholds=(MAX_STOPPED,),
)


def check(inventory: Inventory, limits: Limits) -> Iterator[Hit]:
    """One hit per instance stopped (by a user) longer before the inventory than the
    threshold.

    The time stopped is read from the instance's last state change; an instance whose stop
    time is unknown is not judged.

    Args:
        inventory: What the audit read; this check uses each region's ``ec2.instances``. A
            region where they could not be read yields nothing: its gap is reported instead,
            never a pass.
        limits: The check's thresholds: ``instance_max_stopped_days`` (30 by default).

    Yields:
        A hit per such instance, with the days stopped and since when.
    """
    limit = inventory.collected_at - timedelta(days=limits[MAX_STOPPED.name])
    for ec2 in inventory.ec2_regions():
        for instance in ec2.instances or []:
            if instance.state != "stopped" or instance.state_changed is None:
                continue
            if instance.state_changed > limit:
                continue
            days = (inventory.collected_at - instance.state_changed).days
            label = f"{instance.name} ({instance.id})" if instance.name else instance.id
            yield Hit(
                region=ec2.region,
                resource_id=instance.id,
                resource_arn=inventory.arn("ec2", ec2.region, f"instance/{instance.id}"),
                detail=(
                    f"Instance {label} has been stopped for {days} days "
                    f"(since {instance.state_changed:%Y-%m-%d})."
                ),
            )
