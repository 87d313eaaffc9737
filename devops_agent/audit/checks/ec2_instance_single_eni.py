"""No instance has more than one network interface."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="ec2_instance_single_eni",
    service="ec2",
    title="EC2 instances use a single network interface",
    severity="low",
    risk=(
        "An instance with interfaces in several subnets bridges them: traffic the network "
        "design keeps apart can pass through it."
    ),
    remediation=Remediation(
        text="Detach the extra interfaces unless the instance is an appliance that needs them.",
        cli="aws ec2 detach-network-interface --attachment-id <attachment-id>",
        terraform="# Remove the extra aws_network_interface_attachment of the instance.",
    ),
    fsbp=("EC2.17",),
    requires=("ec2.instances", "ec2.network_interfaces"),
    no_fix=(
        "Needs a human decision: a second interface is often deliberate (firewalls, NAT "
        "instances, multi-homed appliances)."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per live instance with two or more attached interfaces.

    Args:
        inventory: What the audit read; this check counts each region's
            ``ec2.network_interfaces`` per instance of ``ec2.instances``. A region where the
            interfaces could not be read yields nothing: its gap is reported instead.

    Yields:
        A hit per instance (not terminated) with more than one interface, and how many.
    """
    for ec2 in inventory.ec2_regions():
        if ec2.network_interfaces is None:
            continue
        count = Counter(n.instance_id for n in ec2.network_interfaces if n.instance_id)
        for instance in ec2.instances or []:
            if instance.state == "terminated" or count[instance.id] < 2:
                continue
            label = f"{instance.name} ({instance.id})" if instance.name else instance.id
            yield Hit(
                region=ec2.region,
                resource_id=instance.id,
                resource_arn=inventory.arn("ec2", ec2.region, f"instance/{instance.id}"),
                detail=f"Instance {label} has {count[instance.id]} network interfaces.",
            )
