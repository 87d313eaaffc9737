"""No subnet hands out public IPv4 addresses automatically."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit import remedies
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.aws.vpc.subnet_settings import SET_SUBNET_PUBLIC_IP, SubnetPublicIpArgs

META = CheckMeta(
    id="vpc_subnet_no_public_ip_on_launch",
    service="vpc",
    title="Subnets do not auto-assign public IP addresses",
    severity="medium",
    risk=(
        "Every instance launched into such a subnet gets a public address without asking, "
        "so a permissive security group is enough to expose it."
    ),
    remediation=Remediation(
        text=(
            "Turn off auto-assign and give public addresses explicitly to the few "
            "instances (or load balancers) that need one."
        ),
        cli="aws ec2 modify-subnet-attribute --subnet-id <subnet-id> --no-map-public-ip-on-launch",
        terraform=(
            'resource "aws_subnet" "public" {\n'
            "  vpc_id                  = aws_vpc.this.id\n"
            '  cidr_block              = "10.0.1.0/24"\n'
            "  map_public_ip_on_launch = false\n"
            "}"
        ),
    ),
    fsbp=("EC2.15",),
    requires=("vpc.subnets",),
    fix=Fix(
        SET_SUBNET_PUBLIC_IP,
        remedies.on_resource(
            lambda subnet, region: SubnetPublicIpArgs(subnet_id=subnet, state="off", region=region)
        ),
        caveat="Running instances keep their addresses; launches that relied on the default "
        "(an Auto Scaling group in a public subnet) must ask for a public address.",
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per subnet with MapPublicIpOnLaunch on.

    Args:
        inventory: What the audit read; this check uses each region's ``vpc.subnets``. A
            region where they could not be read yields nothing: its gap is reported instead,
            never a pass.

    Yields:
        A hit per subnet that gives every new instance a public IPv4 address, with its VPC.
    """
    for vpc in inventory.vpc_regions():
        for subnet in vpc.subnets or []:
            if not subnet.map_public_ip_on_launch:
                continue
            label = f"{subnet.name} ({subnet.id})" if subnet.name else subnet.id
            yield Hit(
                region=vpc.region,
                resource_id=subnet.id,
                resource_arn=inventory.arn("ec2", vpc.region, f"subnet/{subnet.id}"),
                detail=(
                    f"Subnet {label} in {subnet.vpc_id} gives every new instance a public IPv4 "
                    "address."
                ),
            )
