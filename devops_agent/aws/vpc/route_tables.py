"""Route tables and their routes, read: the models, the parsers, listing and describing
tables, and ``vpc routes``.

A table's routes are models (:class:`Route`: destination, target, state) and are also
shown as ``"destination -> target"`` strings (``"0.0.0.0/0 -> igw-0abc…"``).
:func:`route_table_from` is the one parser of a raw DescribeRouteTables item (the
commands, the agent and the audit share it).
A subnet uses the table explicitly associated with it, or else its VPC's main
table (:mod:`devops_agent.aws.vpc.associations`); it is public when that table sends
``0.0.0.0/0`` to an ``igw-``. Creating and deleting tables and routes is in
:mod:`devops_agent.aws.vpc.routes`.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, computed_field

from devops_agent.aws import (
    AwsModel,
    Regions,
    aws_errors,
    check_region,
    client,
    regions_for,
    tags_of,
    vpc_filter,
)
from devops_agent.aws.describe import Describe
from devops_agent.aws.listing import listing, read_regions
from devops_agent.aws.vpc.proofs import carrying
from devops_agent.aws.vpc.vpcs import VpcId
from devops_agent.aws.writes import resource_id
from devops_agent.operation import Command, Positional, Read, Reader
from devops_agent.report import Result

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_ec2 import EC2Client

__all__ = [
    "Route",
    "RouteTable",
    "describe_route_table",
    "list_route_tables",
    "route_from",
    "route_table_from",
    "route_tables_by_token",
]

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


class Route(AwsModel):
    """One route of a route table."""

    destination: str
    """IPv4 or IPv6 CIDR block, or prefix list id (``pl-...``)."""
    target: str
    """Where matching traffic goes: ``local`` (the VPC itself), or a gateway, NAT gateway,
    peering connection, interface... id."""
    state: str = "active"
    """``active``, or ``blackhole`` when the target is gone."""

    def __str__(self) -> str:
        """``"destination -> target"``, ending in ``" (blackhole)"`` for a dead route."""
        dead = " (blackhole)" if self.state == "blackhole" else ""
        return f"{self.destination or '?'} -> {self.target or '?'}{dead}"


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
    route_entries: list[Route] = Field(default_factory=list)
    """Its routes, as destination, target and state."""
    associations: list[str] = Field(default_factory=list)
    """Subnet (or gateway) ids explicitly associated with the table."""
    region: str
    """Region the table lives in."""
    tags: dict[str, str] = Field(default_factory=dict)
    """All tags, key to value."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def routes(self) -> list[str]:
        """``"destination -> target"``, e.g. ``"0.0.0.0/0 -> igw-0abc..."``; a dead route
        ends in ``" (blackhole)"``."""
        return [str(route) for route in self.route_entries]


def list_route_tables(
    session: boto3.Session,
    region: str,
    vpc_id: str | None = None,
    *,
    page_size: int | None = None,
    ec2: EC2Client | None = None,
) -> list[RouteTable]:
    """Route tables in one region, optionally of one VPC, with readable routes.

    Args:
        session: credentials to read with (``ec2:DescribeRouteTables``).
        region: the region to read.
        vpc_id: only this VPC's tables; every VPC when ``None``.
        page_size: tables per request (5-100); the service default when ``None``.
        ec2: a client to call with (the audit passes its shared, counted one); one is
            made from ``session`` when ``None``.

    Returns:
        The tables sorted by VPC, main table first, then name and id. A subnet
        is public when its table (or the main one) routes ``0.0.0.0/0`` to an ``igw-``.

    Raises:
        BadInput: malformed VPC id. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    filters = vpc_filter(vpc_id)
    return _ROUTE_TABLES.read(
        session, region, about=vpc_id, ec2=ec2, page_size=page_size, Filters=filters
    )


def describe_route_table(session: boto3.Session, region: str, route_table_id: str) -> RouteTable:
    """One route table with its routes and associations.

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        route_table_id: The route table.

    Returns:
        The route table.

    Raises:
        BadInput: malformed id. ServiceError: no such table in the region, or AWS refused.
    """
    region = check_region(session, region)
    wanted = resource_id(route_table_id, "rtb", "route table")
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeRouteTables", resource=wanted, region=region):
        raw = ec2.describe_route_tables(RouteTableIds=[wanted])["RouteTables"][0]
    return route_table_from(raw, region)


def route_tables_by_token(session: boto3.Session, region: str, token: str) -> list[RouteTable]:
    """The route tables a plan's create made: those tagged with its create token.

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        token: The plan's create token.

    Returns:
        The tables carrying it, by id.

    Raises:
        ServiceError: AWS refused (``ec2:DescribeRouteTables``).
    """
    return _ROUTE_TABLES.read(session, region, order=attrgetter("id"), **carrying(token))


def route_table_from(raw: Any, region: str) -> RouteTable:
    """The model of one raw DescribeRouteTables item, read in ``region``.

    Args:
        raw: One item of DescribeRouteTables' ``RouteTables``.
        region: The region it was read in.

    Returns:
        The table with its routes and explicit associations.
    """
    associations = raw.get("Associations", [])
    return RouteTable(
        id=raw["RouteTableId"],
        name=tags_of(raw).get("Name") or None,
        vpc_id=raw.get("VpcId", ""),
        main=any(a.get("Main") for a in associations),
        route_entries=[route_from(r) for r in raw.get("Routes", [])],
        associations=sorted(
            a.get("SubnetId") or a["GatewayId"]
            for a in associations
            if a.get("SubnetId") or a.get("GatewayId")
        ),
        region=region,
        tags=tags_of(raw),
    )


_ROUTE_TABLES = Describe(
    "ec2:DescribeRouteTables",
    route_table_from,
    order=lambda t: (t.region, t.vpc_id, not t.main, t.name is None, t.name or "", t.id),
)
"""How a region's route tables are read: the call, the parser, the order."""


def route_from(raw: Any) -> Route:
    """The model of one raw route: its destination, its first target field set, its state.

    Args:
        raw: One item of a route table's ``Routes``.

    Returns:
        The route.
    """
    return Route(
        destination=raw.get("DestinationCidrBlock")
        or raw.get("DestinationIpv6CidrBlock")
        or raw.get("DestinationPrefixListId")
        or "",
        target=next((str(raw[k]) for k in _TARGETS if raw.get(k)), ""),
        state=raw.get("State") or "active",
    )


# --------------------------------------------------------------------------- operations


class ListRouteTablesArgs(Regions):
    """Arguments of ``vpc routes``."""

    vpc_id: Annotated[VpcId | None, Positional()] = None
    """Only this VPC's tables (vpc-...); null for every VPC."""


def _list(reader: Reader, args: ListRouteTablesArgs) -> list[RouteTable]:
    return read_regions(
        reader, args.region, lambda s, r: list_route_tables(s, r, vpc_id=args.vpc_id)
    )


def _list_table(reader: Reader, args: ListRouteTablesArgs, tables: list[RouteTable]) -> Result:
    regions = regions_for(reader, args.region)
    rows = [
        [t.id, t.vpc_id, "yes" if t.main else "", "; ".join(t.routes), ", ".join(t.associations)]
        for t in tables
    ]
    columns = ["Route table", "VPC", "Main", "Routes", "Associations"]
    return listing(
        regions,
        tables,
        what="route table",
        key="route_tables",
        columns=columns,
        rows=rows,
        within=args.vpc_id,
    )


LIST_ROUTE_TABLES = Read(
    name="vpc.list_route_tables",
    args=ListRouteTablesArgs,
    summary="Route tables and their routes.",
    service="vpc",
    commands=(Command("vpc routes [VPC_ID]", "Route tables and their routes."),),
    guide='Each table has its routes ("destination -> target"; a dead one ends in '
    '"(blackhole)"), whether it is its VPC\'s main table, and the subnets explicitly '
    "associated with it. A subnet is public when its table (or, without an explicit "
    "association, the VPC's main table) routes 0.0.0.0/0 to an igw- internet gateway; a "
    "private subnet reaches out through 0.0.0.0/0 -> nat-.",
    actions=("ec2:DescribeRouteTables",),
    read=_list,
    render=_list_table,
)


OPERATIONS = (LIST_ROUTE_TABLES,)
