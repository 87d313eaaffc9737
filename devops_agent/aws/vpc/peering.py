"""VPC peering connections, with the address blocks of both sides, read as typed models.

No command lists these yet; the audit reads them (a route to a whole peer VPC, or wider,
through a peering connection), and a future read can declare an operation over
:func:`list_peering_connections`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from devops_agent.aws import AwsModel
from devops_agent.aws.describe import Describe
from devops_agent.aws.vpc.vpcs import vpc_cidrs

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_ec2 import EC2Client

__all__ = ["PeeringConnection", "list_peering_connections", "peering_connection_from"]


class PeeringConnection(AwsModel):
    """One VPC peering connection, with both sides' CIDR blocks."""

    id: str
    """Peering connection id, ``pcx-...``."""
    region: str
    """Region it was read in."""
    status: str = ""
    """``active``, ``pending-acceptance``, ``deleted``..."""
    requester_vpc_id: str = ""
    """The VPC that asked for the peering."""
    requester_cidrs: list[str] = Field(default_factory=list)
    """The requester VPC's blocks (IPv4, then IPv6)."""
    accepter_vpc_id: str = ""
    """The VPC that accepted it."""
    accepter_cidrs: list[str] = Field(default_factory=list)
    """The accepter VPC's blocks (IPv4, then IPv6)."""


def peering_connection_from(raw: Any, region: str) -> PeeringConnection:
    """The model of one raw DescribeVpcPeeringConnections item, read in ``region``.

    Args:
        raw: One item of DescribeVpcPeeringConnections' ``VpcPeeringConnections``.
        region: The region it was read in.

    Returns:
        The peering connection with both sides' blocks.
    """
    requester = raw.get("RequesterVpcInfo") or {}
    accepter = raw.get("AccepterVpcInfo") or {}
    return PeeringConnection(
        id=raw["VpcPeeringConnectionId"],
        region=region,
        status=(raw.get("Status") or {}).get("Code", ""),
        requester_vpc_id=requester.get("VpcId", ""),
        requester_cidrs=vpc_cidrs(requester),
        accepter_vpc_id=accepter.get("VpcId", ""),
        accepter_cidrs=vpc_cidrs(accepter),
    )


_VPC_PEERING_CONNECTIONS = Describe("ec2:DescribeVpcPeeringConnections", peering_connection_from)
"""How a region's VPC peering connections are read: the call, the parser, the order."""


def list_peering_connections(
    session: boto3.Session,
    region: str,
    *,
    page_size: int | None = None,
    ec2: EC2Client | None = None,
) -> list[PeeringConnection]:
    """Every VPC peering connection one region's VPCs take part in.

    Args:
        session: credentials to read with (``ec2:DescribeVpcPeeringConnections``).
        region: the region to read.
        page_size: connections per request (5-1000); the service default when ``None``.
        ec2: a client to call with (the audit passes its shared, counted one); one is
            made from ``session`` when ``None``.

    Returns:
        The connections, sorted by id.

    Raises:
        UnknownRegion: unknown region. ServiceError: AWS refused.
    """
    return _VPC_PEERING_CONNECTIONS.read(session, region, ec2=ec2, page_size=page_size)
