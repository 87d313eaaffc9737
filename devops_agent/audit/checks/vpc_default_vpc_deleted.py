"""No region keeps its default VPC."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="vpc_default_vpc_deleted",
    service="vpc",
    title="Default VPCs are deleted",
    severity="low",
    risk=(
        "A default VPC that nobody uses still invites launches into public subnets with "
        "public IPs, and is easy to forget when reviewing network controls."
    ),
    remediation=Remediation(
        text=(
            "Delete the default VPC once nothing runs in it (its subnets, internet gateway "
            "and default security group go with it)."
        ),
        cli="aws ec2 delete-vpc --vpc-id <default-vpc-id>  # after deleting its subnets and IGW",
        terraform=(
            "# Terraform cannot delete a default VPC it did not create; adopt it with\n"
            '# resource "aws_default_vpc" "default" { force_destroy = true }\n'
            "# and then remove the resource to delete it."
        ),
    ),
    requires=("vpc.vpcs",),
    no_fix=(
        "Needs a human decision: a VPC is deleted only after its subnets, gateways and "
        "interfaces, and workloads may still use it."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per default VPC present.

    Args:
        inventory: What the audit read; this check uses each region's ``vpc.vpcs``. A region
            where they could not be read yields nothing: its gap is reported instead, never
            a pass.

    Yields:
        A hit per region's default VPC that still exists.
    """
    for vpc in inventory.vpc_regions():
        for network in vpc.vpcs or []:
            if not network.is_default:
                continue
            yield Hit(
                region=vpc.region,
                resource_id=network.id,
                resource_arn=inventory.arn("ec2", vpc.region, f"vpc/{network.id}"),
                detail=f"{vpc.region} still has its default VPC {network.id}.",
            )
