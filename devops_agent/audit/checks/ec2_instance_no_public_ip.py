"""No instance has a public IPv4 address."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="ec2_instance_no_public_ip",
    service="ec2",
    title="EC2 instances have no public IPv4 address",
    severity="medium",
    risk=(
        "An instance with a public address is one security-group mistake away from the "
        "internet; fronting it with a load balancer or NAT keeps it private."
    ),
    remediation=Remediation(
        text=(
            "Move the instance to a private subnet behind a load balancer, NAT gateway or "
            "SSM, and stop subnets assigning public addresses."
        ),
        cli=(
            "aws ec2 modify-subnet-attribute --subnet-id <subnet-id> --no-map-public-ip-on-launch\n"
            "# then relaunch the instance (a public IP cannot be removed in place) or\n"
            "aws ec2 disassociate-address --association-id <eip-association-id>"
        ),
        terraform=(
            'resource "aws_instance" "this" {\n'
            "  # ...\n"
            "  subnet_id                   = aws_subnet.private.id\n"
            "  associate_public_ip_address = false\n"
            "}"
        ),
    ),
    fsbp=("EC2.9",),
    requires=("ec2.instances",),
    no_fix=(
        "Breaking for workloads: taking the address away cuts whoever reaches the instance "
        "over it; a load balancer, NAT or VPN has to be chosen by a person first."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per instance with a public IPv4 address.

    Terminated instances are not judged; a stopped one that still holds an address is.

    Args:
        inventory: What the audit read; this check uses each region's ``ec2.instances``. A
            region where they could not be read yields nothing: its gap is reported instead,
            never a pass.

    Yields:
        A hit per such instance, naming the address.
    """
    for ec2 in inventory.ec2_regions():
        for instance in ec2.instances or []:
            if not instance.public_ip or instance.state == "terminated":
                continue
            label = f"{instance.name} ({instance.id})" if instance.name else instance.id
            yield Hit(
                region=ec2.region,
                resource_id=instance.id,
                resource_arn=inventory.arn("ec2", ec2.region, f"instance/{instance.id}"),
                detail=f"Instance {label} has the public address {instance.public_ip}.",
            )
