"""VPC reads: VPCs, subnets, route tables, as typed models.

Every function takes one region, reads through botocore's paginators and
returns models sorted by region, VPC, then name or id. The region's default VPC
is included (it has ``is_default=True``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from devops_agent.aws import AwsModel, aws_errors, check_region, client, pages, tags_of, vpc_filter

if TYPE_CHECKING:
    import boto3

__all__ = ["RouteTable", "Subnet", "Vpc", "list_route_tables", "list_subnets", "list_vpcs"]

# Route target fields, in the order AWS documents them.
_TARGETS = (
    "GatewayId",
    "NatGatewayId",
    "TransitGatewayId",
    "VpcPeeringConnectionId",
    "NetworkInterfaceId",
    "InstanceId",
    "EgressOnlyInternetGatewayId",
    "CarrierGatewayId",
    "LocalGatewayId",
    "VpcEndpointId",
    "CoreNetworkArn",
)


class Vpc(AwsModel):
    """One VPC."""

    id: str
    """VPC id, ``vpc-...``."""
    name: str | None = None
    """Value of the ``Name`` tag; ``None`` when untagged."""
    cidr: str
    """Primary IPv4 CIDR block."""
    state: str
    """``pending`` or ``available``."""
    is_default: bool = False
    """True for the region's default VPC."""
    region: str
    """Region the VPC lives in."""
    tags: dict[str, str] = Field(default_factory=dict)
    """All tags, key to value."""


class Subnet(AwsModel):
    """One subnet."""

    id: str
    """Subnet id, ``subnet-...``."""
    name: str | None = None
    """Value of the ``Name`` tag; ``None`` when untagged."""
    vpc_id: str
    """VPC the subnet belongs to."""
    cidr: str
    """IPv4 CIDR block."""
    availability_zone: str
    """Availability zone, e.g. ``eu-west-1a``."""
    available_ips: int
    """Free IPv4 addresses left."""
    map_public_ip_on_launch: bool = False
    """True when instances launched here get a public IPv4 address by default."""
    region: str
    """Region the subnet lives in."""
    tags: dict[str, str] = Field(default_factory=dict)
    """All tags, key to value."""


class RouteTable(AwsModel):
    """One route table with its routes and associations."""

    id: str
    """Route table id, ``rtb-...``."""
    name: str | None = None
    """Value of the ``Name`` tag; ``None`` when untagged."""
    vpc_id: str
    """VPC the table belongs to."""
    main: bool = False
    """True for the VPC's main table (used by subnets with no explicit association)."""
    routes: list[str] = Field(default_factory=list)
    """``"destination -> target"``, e.g. ``"0.0.0.0/0 -> igw-0abc..."``; a dead route
    ends in ``" (blackhole)"``."""
    associations: list[str] = Field(default_factory=list)
    """Subnet (or gateway) ids explicitly associated with the table."""
    region: str
    """Region the table lives in."""
    tags: dict[str, str] = Field(default_factory=dict)
    """All tags, key to value."""


def list_vpcs(session: boto3.Session, region: str, *, page_size: int | None = None) -> list[Vpc]:
    """Every VPC in one region, the default VPC included.

    Args:
        session: credentials to read with (``ec2:DescribeVpcs``).
        region: the region to read.
        page_size: VPCs per request (5-1000); the service default when ``None``.

    Returns:
        The VPCs sorted by name (untagged last), then id.

    Raises:
        UnknownRegion: unknown region. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeVpcs", region=region):
        vpcs = [
            Vpc(
                id=v["VpcId"],
                name=tags_of(v).get("Name") or None,
                cidr=v.get("CidrBlock", ""),
                state=v.get("State", "unknown"),
                is_default=bool(v.get("IsDefault")),
                region=region,
                tags=tags_of(v),
            )
            for page in pages(ec2, "describe_vpcs", page_size=page_size)
            for v in page.get("Vpcs", [])
        ]
    return sorted(vpcs, key=lambda v: (v.region, v.name is None, v.name or "", v.id))


def list_subnets(
    session: boto3.Session,
    region: str,
    vpc_id: str | None = None,
    *,
    page_size: int | None = None,
) -> list[Subnet]:
    """Subnets in one region, optionally of one VPC.

    Args:
        session: credentials to read with (``ec2:DescribeSubnets``).
        region: the region to read.
        vpc_id: only this VPC's subnets; every VPC when ``None``.
        page_size: subnets per request (5-1000); the service default when ``None``.

    Returns:
        The subnets sorted by VPC, name (untagged last), then id.

    Raises:
        BadInput: malformed VPC id. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    filters = vpc_filter(vpc_id)
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeSubnets", resource=vpc_id, region=region):
        subnets = [
            Subnet(
                id=s["SubnetId"],
                name=tags_of(s).get("Name") or None,
                vpc_id=s.get("VpcId", ""),
                cidr=s.get("CidrBlock", ""),
                availability_zone=s.get("AvailabilityZone", ""),
                available_ips=s.get("AvailableIpAddressCount", 0),
                map_public_ip_on_launch=bool(s.get("MapPublicIpOnLaunch")),
                region=region,
                tags=tags_of(s),
            )
            for page in pages(ec2, "describe_subnets", page_size=page_size, Filters=filters)
            for s in page.get("Subnets", [])
        ]
    return sorted(subnets, key=lambda s: (s.region, s.vpc_id, s.name is None, s.name or "", s.id))


def list_route_tables(
    session: boto3.Session,
    region: str,
    vpc_id: str | None = None,
    *,
    page_size: int | None = None,
) -> list[RouteTable]:
    """Route tables in one region, optionally of one VPC, with readable routes.

    Args:
        session: credentials to read with (``ec2:DescribeRouteTables``).
        region: the region to read.
        vpc_id: only this VPC's tables; every VPC when ``None``.
        page_size: tables per request (5-100); the service default when ``None``.

    Returns:
        The tables sorted by VPC, main table first, then name and id. A subnet
        is public when its table (or the main one) routes ``0.0.0.0/0`` to an ``igw-``.

    Raises:
        BadInput: malformed VPC id. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    filters = vpc_filter(vpc_id)
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeRouteTables", resource=vpc_id, region=region):
        tables = [
            _route_table(t, region)
            for page in pages(ec2, "describe_route_tables", page_size=page_size, Filters=filters)
            for t in page.get("RouteTables", [])
        ]
    return sorted(
        tables, key=lambda t: (t.region, t.vpc_id, not t.main, t.name is None, t.name or "", t.id)
    )


def _route_table(raw: Any, region: str) -> RouteTable:
    associations = raw.get("Associations", [])
    return RouteTable(
        id=raw["RouteTableId"],
        name=tags_of(raw).get("Name") or None,
        vpc_id=raw.get("VpcId", ""),
        main=any(a.get("Main") for a in associations),
        routes=[_route(r) for r in raw.get("Routes", [])],
        associations=sorted(
            a.get("SubnetId") or a["GatewayId"]
            for a in associations
            if a.get("SubnetId") or a.get("GatewayId")
        ),
        region=region,
        tags=tags_of(raw),
    )


def _route(route: Any) -> str:
    destination = (
        route.get("DestinationCidrBlock")
        or route.get("DestinationIpv6CidrBlock")
        or route.get("DestinationPrefixListId")
        or "?"
    )
    target = next((str(route[k]) for k in _TARGETS if route.get(k)), "?")
    dead = " (blackhole)" if route.get("State") == "blackhole" else ""
    return f"{destination} -> {target}{dead}"
