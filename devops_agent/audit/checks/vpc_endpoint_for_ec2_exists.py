"""Every VPC reaches the EC2 API through an interface endpoint."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="vpc_endpoint_for_ec2_exists",
    service="vpc",
    title="VPCs have an interface endpoint for the EC2 API",
    severity="low",
    risk=(
        "Without an endpoint, calls to the EC2 API leave the VPC through the internet or a "
        "NAT gateway, where endpoint policies cannot restrict them."
    ),
    remediation=Remediation(
        text="Create an interface VPC endpoint for com.amazonaws.<region>.ec2.",
        cli=(
            "aws ec2 create-vpc-endpoint --vpc-id <vpc-id> --vpc-endpoint-type Interface "
            "--service-name com.amazonaws.<region>.ec2 --subnet-ids <subnet-ids> "
            "--security-group-ids <sg-id> --private-dns-enabled"
        ),
        terraform=(
            'resource "aws_vpc_endpoint" "ec2" {\n'
            "  vpc_id              = aws_vpc.this.id\n"
            '  service_name        = "com.amazonaws.${var.region}.ec2"\n'
            '  vpc_endpoint_type   = "Interface"\n'
            "  private_dns_enabled = true\n"
            "}"
        ),
    ),
    fsbp=("EC2.10",),
    requires=("vpc.vpcs", "vpc.endpoints"),
    no_fix=(
        "Needs a human decision: an interface endpoint is billed per hour and per zone, and "
        "its subnets and security group must be chosen."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per VPC with no available EC2 interface endpoint.

    An endpoint counts unless it is deleted, being deleted or failed.

    Args:
        inventory: What the audit read; this check compares each region's ``vpc.vpcs`` with
            its ``vpc.endpoints`` for ``com.amazonaws.REGION.ec2``. A region where the
            endpoints could not be read yields nothing: its gap is reported instead.

    Yields:
        A hit per VPC with no such endpoint.
    """
    for vpc in inventory.vpc_regions():
        if vpc.endpoints is None:
            continue
        service = f"com.amazonaws.{vpc.region}.ec2"
        served = {
            e.vpc_id
            for e in vpc.endpoints
            if e.service_name == service and e.state not in ("deleted", "deleting", "failed")
        }
        for network in vpc.vpcs or []:
            if network.id in served:
                continue
            yield Hit(
                region=vpc.region,
                resource_id=network.id,
                resource_arn=inventory.arn("ec2", vpc.region, f"vpc/{network.id}"),
                detail=f"VPC {network.id} has no interface endpoint for {service}.",
            )
