"""No workload runs in a region's default VPC."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="vpc_default_vpc_unused",
    service="vpc",
    title="Default VPCs host no resources",
    severity="medium",
    risk=(
        "The default VPC has public subnets that hand out public IPs and a default route "
        "to the internet: anything launched there is exposed by design, not by decision."
    ),
    remediation=Remediation(
        text=(
            "Move the resources to a purpose-built VPC with private subnets, then delete the "
            "default VPC."
        ),
        cli=(
            "aws ec2 describe-network-interfaces --filters Name=vpc-id,Values=<vpc-id> "
            "--query 'NetworkInterfaces[].[NetworkInterfaceId,InterfaceType,Description]'"
        ),
        terraform=(
            'module "vpc" {\n'
            '  source          = "terraform-aws-modules/vpc/aws"\n'
            '  name            = "main"\n'
            '  cidr            = "10.0.0.0/16"\n'
            '  azs             = ["eu-west-1a", "eu-west-1b"]\n'
            '  private_subnets = ["10.0.1.0/24", "10.0.2.0/24"]\n'
            "}"
        ),
    ),
    requires=("vpc.vpcs", "ec2.network_interfaces"),
    no_fix=(
        "Needs a human decision: a VPC is deleted only after its subnets, gateways and "
        "interfaces; whether nothing will use it again is for a person to say."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per default VPC with network interfaces in it.

    Args:
        inventory: What the audit read; this check counts the ``ec2.network_interfaces`` of
            each region per VPC of its ``vpc.vpcs``. A region where the interfaces could not
            be read yields nothing: its gap is reported instead.

    Yields:
        A hit per default VPC that holds an interface, and how many it holds.
    """
    for vpc in inventory.vpc_regions():
        ec2 = inventory.ec2.get(vpc.region)
        if ec2 is None or ec2.network_interfaces is None:
            continue
        by_vpc = Counter(n.vpc_id for n in ec2.network_interfaces if n.vpc_id)
        for network in vpc.vpcs or []:
            count = by_vpc.get(network.id, 0)
            if not network.is_default or not count:
                continue
            yield Hit(
                region=vpc.region,
                resource_id=network.id,
                resource_arn=inventory.arn("ec2", vpc.region, f"vpc/{network.id}"),
                detail=f"The default VPC {network.id} holds {count} network interface(s).",
            )
