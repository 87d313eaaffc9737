"""VPC endpoints and transit gateways, as the audit judges them (FSBP EC2.10, EC2.23).

No command lists these yet; the audit reads them (one paginated call each per region),
and a future read can declare an operation over :func:`list_vpc_endpoints` or
:func:`list_transit_gateways`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from devops_agent.aws import AwsModel
from devops_agent.aws.describe import Describe

if TYPE_CHECKING:
    import boto3

__all__ = [
    "TransitGateway",
    "VpcEndpoint",
    "list_transit_gateways",
    "list_vpc_endpoints",
    "transit_gateway_from",
    "vpc_endpoint_from",
]


class VpcEndpoint(AwsModel):
    """One VPC endpoint."""

    id: str
    """Endpoint id, ``vpce-...``."""
    vpc_id: str
    """The VPC it serves."""
    service_name: str
    """e.g. ``com.amazonaws.us-east-1.ec2``."""
    type: str = ""
    """``Interface``, ``Gateway`` or ``GatewayLoadBalancer``."""
    state: str = ""
    """``available``, ``pending``, ``deleting``…"""
    region: str


def vpc_endpoint_from(raw: Any, region: str) -> VpcEndpoint:
    """The model of one raw DescribeVpcEndpoints item, read in ``region``.

    Args:
        raw: One item of DescribeVpcEndpoints' ``VpcEndpoints``.
        region: The region it was read in.

    Returns:
        The endpoint.
    """
    return VpcEndpoint(
        id=raw["VpcEndpointId"],
        vpc_id=raw.get("VpcId", ""),
        service_name=raw.get("ServiceName", ""),
        type=raw.get("VpcEndpointType", ""),
        state=str(raw.get("State", "")).lower(),
        region=region,
    )


_VPC_ENDPOINTS = Describe(
    "ec2:DescribeVpcEndpoints", vpc_endpoint_from, order=lambda e: (e.vpc_id, e.service_name, e.id)
)
"""How a region's VPC endpoints are read: the call, the parser, the order."""


def list_vpc_endpoints(
    session: boto3.Session, region: str, *, page_size: int | None = None, ec2: Any = None
) -> list[VpcEndpoint]:
    """Every VPC endpoint of one region.

    Args:
        session: Credentials to read with (``ec2:DescribeVpcEndpoints``).
        region: The region to read.
        page_size: Endpoints per request; the service default when ``None``.
        ec2: A client to call with (the audit passes its shared, counted one); one is made
            from ``session`` when ``None``.

    Returns:
        The endpoints, sorted by VPC, service name, then id.

    Raises:
        ServiceError: AWS refused (``ec2:DescribeVpcEndpoints``).
    """
    return _VPC_ENDPOINTS.read(session, region, ec2=ec2, page_size=page_size)


class TransitGateway(AwsModel):
    """One transit gateway the account owns."""

    id: str
    """Transit gateway id, ``tgw-...``."""
    state: str = ""
    """``available``, ``pending``, ``deleted``…"""
    auto_accept_shared_attachments: bool = False
    """True when attachment requests from other accounts are accepted without review."""
    region: str


def transit_gateway_from(raw: Any, region: str) -> TransitGateway:
    """The model of one raw DescribeTransitGateways item, read in ``region``.

    Args:
        raw: One item of DescribeTransitGateways' ``TransitGateways``.
        region: The region it was read in.

    Returns:
        The transit gateway.
    """
    options = raw.get("Options") or {}
    return TransitGateway(
        id=raw["TransitGatewayId"],
        state=str(raw.get("State", "")),
        auto_accept_shared_attachments=options.get("AutoAcceptSharedAttachments") == "enable",
        region=region,
    )


_TRANSIT_GATEWAYS = Describe("ec2:DescribeTransitGateways", transit_gateway_from)
"""How a region's transit gateways are read: the call, the parser, the order."""


def list_transit_gateways(
    session: boto3.Session, region: str, *, page_size: int | None = None, ec2: Any = None
) -> list[TransitGateway]:
    """Every transit gateway of one region.

    Args:
        session: Credentials to read with (``ec2:DescribeTransitGateways``).
        region: The region to read.
        page_size: Transit gateways per request; the service default when ``None``.
        ec2: A client to call with (the audit passes its shared, counted one); one is made
            from ``session`` when ``None``.

    Returns:
        The transit gateways, by id.

    Raises:
        ServiceError: AWS refused (``ec2:DescribeTransitGateways``).
    """
    return _TRANSIT_GATEWAYS.read(session, region, ec2=ec2, page_size=page_size)
