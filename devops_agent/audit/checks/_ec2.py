"""Small shared helpers of the EC2 and VPC checks (not a check): the hit on a regional EC2
resource, and how a resource with a Name tag is named in a detail."""

from __future__ import annotations

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import Hit
from devops_agent.aws.ec2 import Instance

__all__ = ["ec2_hit", "instance_hit", "labelled"]


def ec2_hit(inventory: Inventory, region: str, kind: str, resource_id: str, detail: str) -> Hit:
    """A hit on an EC2 or VPC resource, with its ARN in this account and region.

    Args:
        inventory: What the audit read (its account and partition make the ARN).
        region: The resource's region.
        kind: The ARN's resource type (``instance``, ``security-group``, ``vpc`` …).
        resource_id: The resource's id (a key pair's name).
        detail: One sentence about it.

    Returns:
        The hit.
    """
    return Hit(
        region=region,
        resource_id=resource_id,
        resource_arn=inventory.arn("ec2", region, f"{kind}/{resource_id}"),
        detail=detail,
    )


def labelled(name: str | None, resource_id: str) -> str:
    """A resource as a detail names it: ``web-1 (i-0abc…)`` with a Name tag, else its id.

    Args:
        name: Its Name tag, if any.
        resource_id: Its id.

    Returns:
        The label.
    """
    return f"{name} ({resource_id})" if name else resource_id


def instance_hit(inventory: Inventory, region: str, instance: Instance, what: str) -> Hit:
    """A hit on an instance, whose detail names it (``Instance web-1 (i-0abc…) <what>``).

    Args:
        inventory: What the audit read.
        region: The instance's region.
        instance: The instance.
        what: The rest of the sentence (``runs without an IAM instance profile.``).

    Returns:
        The hit.
    """
    label = labelled(instance.name, instance.id)
    return ec2_hit(inventory, region, "instance", instance.id, f"Instance {label} {what}")
