"""VPC: VPCs, subnets, routing, gateways and flow logs; reads as typed models, and writes.

Every function takes one region, reads through botocore's paginators and
returns models sorted by region, VPC, then name or id. The region's default VPC
is included (it has ``is_default=True``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import Field

from devops_agent.aws import AwsModel, aws_errors, check_region, client, pages, tags_of, vpc_filter
from devops_agent.aws.writes import Change
from devops_agent.errors import BadInput, ServiceError

if TYPE_CHECKING:
    import boto3

__all__ = [
    "ROUTE_TARGETS",
    "FlowLog",
    "InternetGateway",
    "NatGateway",
    "RouteTable",
    "Subnet",
    "SubnetAssociation",
    "Vpc",
    "associate_route_table",
    "create_flow_logs",
    "create_internet_gateway",
    "create_nat_gateway",
    "create_route",
    "create_route_table",
    "create_subnet",
    "create_vpc",
    "delete_flow_logs",
    "delete_internet_gateway",
    "delete_nat_gateway",
    "delete_route",
    "delete_route_table",
    "delete_subnet",
    "delete_vpc",
    "describe_route_table",
    "describe_subnet",
    "describe_vpc",
    "disassociate_route_table",
    "flow_log_destination",
    "list_flow_logs",
    "list_internet_gateways",
    "list_nat_gateways",
    "list_route_tables",
    "list_subnets",
    "list_vpcs",
    "route_destination",
    "route_target",
    "subnet_association",
    "subnet_dependencies",
    "vpc_dependencies",
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


# --------------------------------------------------------------------------- more reads

#: Route target id prefix → the CreateRoute parameter that takes it.
ROUTE_TARGETS = {
    "igw": "GatewayId",
    "vgw": "GatewayId",
    "nat": "NatGatewayId",
    "tgw": "TransitGatewayId",
    "pcx": "VpcPeeringConnectionId",
    "eni": "NetworkInterfaceId",
    "eigw": "EgressOnlyInternetGatewayId",
    "vpce": "VpcEndpointId",
    "i": "InstanceId",
}
_LOG_GROUP = re.compile(r"^[\w#/.-]{1,512}$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_S3_ARN = re.compile(r"^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?:/[^\s]*)?$")


class InternetGateway(AwsModel):
    """One internet gateway."""

    id: str
    """Gateway id, ``igw-...``."""
    name: str | None = None
    """Value of the ``Name`` tag."""
    vpc_ids: list[str] = Field(default_factory=list)
    """VPCs it is attached to (at most one)."""
    region: str
    """Region it lives in."""


class NatGateway(AwsModel):
    """One NAT gateway."""

    id: str
    """Gateway id, ``nat-...``."""
    name: str | None = None
    """Value of the ``Name`` tag."""
    vpc_id: str = ""
    """VPC it serves."""
    subnet_id: str = ""
    """Subnet it lives in."""
    state: str = ""
    """``pending``, ``available``, ``deleting``, ``deleted`` or ``failed``."""
    connectivity: str = "public"
    """``public`` (through an Elastic IP) or ``private``."""
    public_ip: str | None = None
    """Its Elastic IP address, for a public gateway."""
    allocation_id: str | None = None
    """The Elastic IP's allocation id."""
    region: str
    """Region it lives in."""


class FlowLog(AwsModel):
    """One VPC flow log."""

    id: str
    """Flow log id, ``fl-...``."""
    resource_id: str
    """What it records: a VPC, subnet or network interface id."""
    traffic_type: str = ""
    """``ALL``, ``ACCEPT`` or ``REJECT``."""
    destination_type: str = ""
    """``cloud-watch-logs``, ``s3`` or ``kinesis-data-firehose``."""
    destination: str = ""
    """Bucket ARN or log group name."""
    role_arn: str | None = None
    """Role that delivers to CloudWatch Logs."""
    status: str = ""
    """``ACTIVE`` when it records."""
    region: str
    """Region it lives in."""


class SubnetAssociation(AwsModel):
    """A subnet's explicit route table association."""

    id: str
    """Association id, ``rtbassoc-...``."""
    route_table_id: str
    """The table the subnet uses."""
    subnet_id: str
    """The subnet."""


def describe_vpc(session: boto3.Session, region: str, vpc_id: str) -> Vpc:
    """One VPC.

    Raises:
        BadInput: malformed id. ServiceError: no such VPC in the region, or AWS refused.
    """
    from devops_agent.aws.writes import resource_id

    region = check_region(session, region)
    wanted = resource_id(vpc_id, "vpc", "VPC")
    found = _describe_vpcs(session, region, [wanted])
    if not found:
        raise ServiceError(f"Not found in {region}: {wanted}.", code="InvalidVpcID.NotFound")
    return found[0]


def _describe_vpcs(session: boto3.Session, region: str, ids: list[str]) -> list[Vpc]:
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeVpcs", resource=", ".join(ids), region=region):
        raw = ec2.describe_vpcs(VpcIds=ids).get("Vpcs", [])
    return [
        Vpc(
            id=v["VpcId"],
            name=tags_of(dict(v)).get("Name") or None,
            cidr=v.get("CidrBlock", ""),
            state=v.get("State", "unknown"),
            is_default=bool(v.get("IsDefault")),
            region=region,
            tags=tags_of(dict(v)),
        )
        for v in raw
    ]


def describe_subnet(session: boto3.Session, region: str, subnet_id: str) -> Subnet:
    """One subnet.

    Raises:
        BadInput: malformed id. ServiceError: no such subnet in the region, or AWS refused.
    """
    from devops_agent.aws.writes import resource_id

    region = check_region(session, region)
    wanted = resource_id(subnet_id, "subnet", "subnet")
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeSubnets", resource=wanted, region=region):
        s = ec2.describe_subnets(SubnetIds=[wanted])["Subnets"][0]
    return Subnet(
        id=s["SubnetId"],
        name=tags_of(dict(s)).get("Name") or None,
        vpc_id=s.get("VpcId", ""),
        cidr=s.get("CidrBlock", ""),
        availability_zone=s.get("AvailabilityZone", ""),
        available_ips=s.get("AvailableIpAddressCount", 0),
        map_public_ip_on_launch=bool(s.get("MapPublicIpOnLaunch")),
        region=region,
        tags=tags_of(dict(s)),
    )


def describe_route_table(session: boto3.Session, region: str, route_table_id: str) -> RouteTable:
    """One route table with its routes and associations.

    Raises:
        BadInput: malformed id. ServiceError: no such table in the region, or AWS refused.
    """
    from devops_agent.aws.writes import resource_id

    region = check_region(session, region)
    wanted = resource_id(route_table_id, "rtb", "route table")
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeRouteTables", resource=wanted, region=region):
        raw = ec2.describe_route_tables(RouteTableIds=[wanted])["RouteTables"][0]
    return _route_table(raw, region)


def subnet_association(
    session: boto3.Session, region: str, subnet_id: str
) -> SubnetAssociation | None:
    """The subnet's explicit route table association, or ``None`` (it uses the main table)."""
    region = check_region(session, region)
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeRouteTables", resource=subnet_id, region=region):
        tables = [
            t
            for page in pages(
                ec2,
                "describe_route_tables",
                Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}],
            )
            for t in page.get("RouteTables", [])
        ]
    for table in tables:
        for a in table.get("Associations", []):
            if a.get("SubnetId") == subnet_id and a.get("RouteTableAssociationId"):
                return SubnetAssociation(
                    id=a["RouteTableAssociationId"],
                    route_table_id=table["RouteTableId"],
                    subnet_id=subnet_id,
                )
    return None


def list_internet_gateways(
    session: boto3.Session, region: str, vpc_id: str | None = None
) -> list[InternetGateway]:
    """Internet gateways in one region, optionally those attached to one VPC.

    Raises:
        BadInput: malformed VPC id. ServiceError: AWS refused (``ec2:DescribeInternetGateways``).
    """
    region = check_region(session, region)
    filters = [
        {"Name": "attachment.vpc-id", "Values": [f["Values"][0]]} for f in vpc_filter(vpc_id)
    ]
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeInternetGateways", resource=vpc_id, region=region):
        found = [
            InternetGateway(
                id=g["InternetGatewayId"],
                name=tags_of(g).get("Name") or None,
                vpc_ids=[a["VpcId"] for a in g.get("Attachments", []) if a.get("VpcId")],
                region=region,
            )
            for page in pages(ec2, "describe_internet_gateways", Filters=filters)
            for g in page.get("InternetGateways", [])
        ]
    return sorted(found, key=lambda g: (g.region, g.name is None, g.name or "", g.id))


def list_nat_gateways(
    session: boto3.Session, region: str, vpc_id: str | None = None
) -> list[NatGateway]:
    """NAT gateways in one region (deleted ones left out), optionally of one VPC.

    Raises:
        BadInput: malformed VPC id. ServiceError: AWS refused (``ec2:DescribeNatGateways``).
    """
    region = check_region(session, region)
    filters = [{"Name": "vpc-id", "Values": [f["Values"][0]]} for f in vpc_filter(vpc_id)]
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeNatGateways", resource=vpc_id, region=region):
        found = []
        for page in pages(ec2, "describe_nat_gateways", Filter=filters):
            for n in page.get("NatGateways", []):
                if n.get("State") == "deleted":
                    continue
                address: dict[str, Any] = dict(next(iter(n.get("NatGatewayAddresses") or []), {}))
                found.append(
                    NatGateway(
                        id=n["NatGatewayId"],
                        name=tags_of(n).get("Name") or None,
                        vpc_id=n.get("VpcId", ""),
                        subnet_id=n.get("SubnetId", ""),
                        state=n.get("State", ""),
                        connectivity=n.get("ConnectivityType", "public"),
                        public_ip=address.get("PublicIp"),
                        allocation_id=address.get("AllocationId"),
                        region=region,
                    )
                )
    return sorted(found, key=lambda n: (n.region, n.vpc_id, n.name is None, n.name or "", n.id))


def list_flow_logs(session: boto3.Session, region: str, vpc_id: str | None = None) -> list[FlowLog]:
    """Flow logs in one region, optionally those recording one VPC.

    Raises:
        BadInput: malformed VPC id. ServiceError: AWS refused (``ec2:DescribeFlowLogs``).
    """
    region = check_region(session, region)
    filters = [{"Name": "resource-id", "Values": [f["Values"][0]]} for f in vpc_filter(vpc_id)]
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeFlowLogs", resource=vpc_id, region=region):
        found = [
            FlowLog(
                id=f["FlowLogId"],
                resource_id=f.get("ResourceId", ""),
                traffic_type=f.get("TrafficType", ""),
                destination_type=f.get("LogDestinationType", ""),
                destination=f.get("LogDestination") or f.get("LogGroupName") or "",
                role_arn=f.get("DeliverLogsPermissionArn"),
                status=f.get("FlowLogStatus", ""),
                region=region,
            )
            for page in pages(ec2, "describe_flow_logs", Filters=filters)
            for f in page.get("FlowLogs", [])
        ]
    return sorted(found, key=lambda f: (f.region, f.resource_id, f.id))


def vpc_dependencies(session: boto3.Session, region: str, vpc_id: str) -> dict[str, list[str]]:
    """What keeps a VPC from being deleted, by kind (empty lists left out).

    Subnets, internet gateways, NAT gateways, security groups other than the
    default one, route tables other than the main one, and network interfaces.
    """
    region = check_region(session, region)
    ec2 = client(session, "ec2", region)
    by_vpc = vpc_filter(vpc_id)
    found: dict[str, list[str]] = {
        "subnets": [s.id for s in list_subnets(session, region, vpc_id)],
        "internet gateways": [g.id for g in list_internet_gateways(session, region, vpc_id)],
        "NAT gateways": [n.id for n in list_nat_gateways(session, region, vpc_id)],
        "route tables": [t.id for t in list_route_tables(session, region, vpc_id) if not t.main],
    }
    with aws_errors("ec2:DescribeSecurityGroups", resource=vpc_id, region=region):
        found["security groups"] = sorted(
            g["GroupId"]
            for page in pages(ec2, "describe_security_groups", Filters=by_vpc)
            for g in page.get("SecurityGroups", [])
            if g.get("GroupName") != "default"
        )
    with aws_errors("ec2:DescribeNetworkInterfaces", resource=vpc_id, region=region):
        found["network interfaces"] = sorted(
            n["NetworkInterfaceId"]
            for page in pages(ec2, "describe_network_interfaces", Filters=by_vpc)
            for n in page.get("NetworkInterfaces", [])
        )
    return {kind: ids for kind, ids in found.items() if ids}


def subnet_dependencies(
    session: boto3.Session, region: str, subnet_id: str
) -> dict[str, list[str]]:
    """What keeps a subnet from being deleted: network interfaces (instances) in it."""
    region = check_region(session, region)
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeNetworkInterfaces", resource=subnet_id, region=region):
        interfaces = sorted(
            n["NetworkInterfaceId"]
            + (
                f" ({n['Attachment']['InstanceId']})"
                if n.get("Attachment", {}).get("InstanceId")
                else ""
            )
            for page in pages(
                ec2,
                "describe_network_interfaces",
                Filters=[{"Name": "subnet-id", "Values": [subnet_id]}],
            )
            for n in page.get("NetworkInterfaces", [])
        )
    return {"network interfaces": interfaces} if interfaces else {}


def route_target(target: str) -> tuple[str, str]:
    """The CreateRoute parameter for a target id, and the id.

    Raises:
        BadInput: not an id of a kind a route can point at.
    """
    from devops_agent.aws.writes import resource_id

    prefix = target.strip().lower().split("-", 1)[0]
    if prefix not in ROUTE_TARGETS:
        kinds = ", ".join(f"{p}-..." for p in ROUTE_TARGETS)
        raise BadInput(f"'{target}' is not a route target; give one of {kinds}.")
    return ROUTE_TARGETS[prefix], resource_id(target, prefix, "route target")


def route_destination(destination: str) -> tuple[str, str]:
    """The CreateRoute destination parameter for a CIDR or prefix list, and its value."""
    from devops_agent.aws.writes import cidr_block, resource_id

    text = destination.strip()
    if text.lower().startswith("pl-"):
        return "DestinationPrefixListId", resource_id(text, "pl", "prefix list")
    block = cidr_block(text)
    return ("DestinationIpv6CidrBlock" if ":" in block else "DestinationCidrBlock"), block


def flow_log_destination(
    *, s3_arn: str = "", log_group: str = "", role_arn: str = ""
) -> dict[str, str]:
    """CreateFlowLogs destination parameters: an S3 bucket ARN, or a log group and a role.

    Raises:
        BadInput: neither or both, or a malformed ARN or name.
    """
    if bool(s3_arn) == bool(log_group):
        raise BadInput(
            "Flow logs need one destination: --s3 arn:aws:s3:::BUCKET[/prefix], or "
            "--log-group NAME with --role ROLE_ARN."
        )
    if s3_arn:
        if role_arn:
            raise BadInput("--role is only for a CloudWatch Logs destination.")
        if not _S3_ARN.match(s3_arn.strip()):
            raise BadInput(f"'{s3_arn}' is not an S3 bucket ARN like arn:aws:s3:::my-logs/vpc/.")
        return {"LogDestinationType": "s3", "LogDestination": s3_arn.strip()}
    if not _LOG_GROUP.match(log_group.strip()):
        raise BadInput(f"'{log_group}' is not a CloudWatch Logs group name.")
    if not _ROLE_ARN.match(role_arn.strip()):
        raise BadInput(
            "A CloudWatch Logs destination needs --role with the ARN of a role that may "
            "publish flow logs, like arn:aws:iam::123456789012:role/flow-logs."
        )
    return {
        "LogDestinationType": "cloud-watch-logs",
        "LogGroupName": log_group.strip(),
        "DeliverLogsPermissionArn": role_arn.strip(),
    }


# --------------------------------------------------------------------------- writes
# Only the apply path calls these, with the write role's session.


def _name_tags(kind: str, name: str | None, tags: dict[str, str] | None) -> list[dict[str, Any]]:
    from devops_agent.aws.writes import tag_list

    merged = {**(tags or {}), **({"Name": name} if name else {})}
    return [{"ResourceType": kind, "Tags": tag_list(merged)}] if merged else []


def create_vpc(
    session: boto3.Session,
    region: str,
    cidr: str,
    *,
    name: str | None = None,
    tags: dict[str, str] | None = None,
) -> Change:
    """Create a VPC with an IPv4 CIDR block (/16 to /28)."""
    from devops_agent.aws.writes import cidr_block, ec2_call

    region = check_region(session, region)
    block = cidr_block(cidr, ipv6=False)
    ec2 = client(session, "ec2", region)
    params: dict[str, Any] = {"CidrBlock": block}
    if specs := _name_tags("vpc", name, tags):
        params["TagSpecifications"] = specs
    answer = ec2_call(ec2, "create_vpc", "ec2:CreateVpc", resource=block, region=region, **params)
    vpc_id = answer["Vpc"]["VpcId"]
    return Change(action="ec2:CreateVpc", resource=vpc_id, message=f"created {vpc_id} ({block})")


def delete_vpc(session: boto3.Session, region: str, vpc_id: str) -> Change:
    """Delete a VPC (EC2 refuses while it has subnets, gateways, groups...)."""
    from devops_agent.aws.writes import delete_ec2_resource

    return delete_ec2_resource(
        session, region, vpc_id, prefix="vpc", what="VPC", action="ec2:DeleteVpc", param="VpcId"
    )


def create_subnet(
    session: boto3.Session,
    region: str,
    vpc_id: str,
    cidr: str,
    *,
    availability_zone: str | None = None,
    name: str | None = None,
    public: bool = False,
) -> Change:
    """Create a subnet; ``public`` turns on public IPv4 addresses at launch."""
    from devops_agent.aws.writes import cidr_block, ec2_call, resource_id, write_errors

    region = check_region(session, region)
    vpc = resource_id(vpc_id, "vpc", "VPC")
    block = cidr_block(cidr, ipv6=False)
    params: dict[str, Any] = {"VpcId": vpc, "CidrBlock": block}
    if availability_zone:
        params["AvailabilityZone"] = availability_zone
    if specs := _name_tags("subnet", name, None):
        params["TagSpecifications"] = specs
    ec2 = client(session, "ec2", region)
    answer = ec2_call(
        ec2, "create_subnet", "ec2:CreateSubnet", resource=vpc, region=region, **params
    )
    subnet_id = answer["Subnet"]["SubnetId"]
    if public:
        with write_errors("ec2:ModifySubnetAttribute", resource=subnet_id, region=region):
            ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})
    zone = answer["Subnet"].get("AvailabilityZone", "")
    return Change(
        action="ec2:CreateSubnet",
        resource=subnet_id,
        message=f"created {subnet_id} ({block} in {zone}{', public' if public else ''})",
    )


def delete_subnet(session: boto3.Session, region: str, subnet_id: str) -> Change:
    """Delete a subnet (EC2 refuses while network interfaces use it)."""
    from devops_agent.aws.writes import delete_ec2_resource

    return delete_ec2_resource(
        session,
        region,
        subnet_id,
        prefix="subnet",
        what="subnet",
        action="ec2:DeleteSubnet",
        param="SubnetId",
    )


def create_route_table(
    session: boto3.Session, region: str, vpc_id: str, *, name: str | None = None
) -> Change:
    """Create a route table (with only the local route) in a VPC."""
    from devops_agent.aws.writes import ec2_call, resource_id

    region = check_region(session, region)
    vpc = resource_id(vpc_id, "vpc", "VPC")
    params: dict[str, Any] = {"VpcId": vpc}
    if specs := _name_tags("route-table", name, None):
        params["TagSpecifications"] = specs
    ec2 = client(session, "ec2", region)
    answer = ec2_call(
        ec2, "create_route_table", "ec2:CreateRouteTable", resource=vpc, region=region, **params
    )
    table_id = answer["RouteTable"]["RouteTableId"]
    return Change(
        action="ec2:CreateRouteTable", resource=table_id, message=f"created {table_id} in {vpc}"
    )


def delete_route_table(session: boto3.Session, region: str, route_table_id: str) -> Change:
    """Delete a route table (EC2 refuses the main table and associated ones)."""
    from devops_agent.aws.writes import delete_ec2_resource

    return delete_ec2_resource(
        session,
        region,
        route_table_id,
        prefix="rtb",
        what="route table",
        action="ec2:DeleteRouteTable",
        param="RouteTableId",
    )


def create_route(
    session: boto3.Session, region: str, route_table_id: str, destination: str, target: str
) -> Change:
    """Add a route: ``destination`` (CIDR or prefix list) through ``target`` (igw-, nat-...)."""
    from devops_agent.aws.writes import ec2_call, resource_id

    region = check_region(session, region)
    table = resource_id(route_table_id, "rtb", "route table")
    dest_param, dest = route_destination(destination)
    target_param, target_id = route_target(target)
    ec2 = client(session, "ec2", region)
    ec2_call(
        ec2,
        "create_route",
        "ec2:CreateRoute",
        resource=table,
        region=region,
        RouteTableId=table,
        **{dest_param: dest, target_param: target_id},
    )
    return Change(
        action="ec2:CreateRoute", resource=table, message=f"added {dest} -> {target_id} to {table}"
    )


def delete_route(
    session: boto3.Session, region: str, route_table_id: str, destination: str
) -> Change:
    """Remove the route for ``destination`` from a route table."""
    from devops_agent.aws.writes import ec2_call, resource_id

    region = check_region(session, region)
    table = resource_id(route_table_id, "rtb", "route table")
    dest_param, dest = route_destination(destination)
    ec2 = client(session, "ec2", region)
    ec2_call(
        ec2,
        "delete_route",
        "ec2:DeleteRoute",
        resource=table,
        region=region,
        RouteTableId=table,
        **{dest_param: dest},
    )
    return Change(action="ec2:DeleteRoute", resource=table, message=f"removed {dest} from {table}")


def associate_route_table(
    session: boto3.Session,
    region: str,
    route_table_id: str,
    subnet_id: str,
    *,
    replace_association_id: str | None = None,
) -> Change:
    """Make a subnet use a route table (replacing its current explicit association if given)."""
    from devops_agent.aws.writes import ec2_call, resource_id

    region = check_region(session, region)
    table = resource_id(route_table_id, "rtb", "route table")
    subnet = resource_id(subnet_id, "subnet", "subnet")
    ec2 = client(session, "ec2", region)
    if replace_association_id:
        association = resource_id(replace_association_id, "rtbassoc", "route table association")
        ec2_call(
            ec2,
            "replace_route_table_association",
            "ec2:ReplaceRouteTableAssociation",
            resource=subnet,
            region=region,
            AssociationId=association,
            RouteTableId=table,
        )
        return Change(
            action="ec2:ReplaceRouteTableAssociation",
            resource=subnet,
            message=f"{subnet} now uses {table} (association replaced)",
        )
    ec2_call(
        ec2,
        "associate_route_table",
        "ec2:AssociateRouteTable",
        resource=subnet,
        region=region,
        RouteTableId=table,
        SubnetId=subnet,
    )
    return Change(
        action="ec2:AssociateRouteTable", resource=subnet, message=f"{subnet} now uses {table}"
    )


def disassociate_route_table(session: boto3.Session, region: str, association_id: str) -> Change:
    """Remove an explicit association: the subnet falls back to the VPC's main table."""
    from devops_agent.aws.writes import ec2_call, resource_id

    region = check_region(session, region)
    association = resource_id(association_id, "rtbassoc", "route table association")
    ec2 = client(session, "ec2", region)
    ec2_call(
        ec2,
        "disassociate_route_table",
        "ec2:DisassociateRouteTable",
        resource=association,
        region=region,
        AssociationId=association,
    )
    return Change(
        action="ec2:DisassociateRouteTable",
        resource=association,
        message=f"removed association {association}",
    )


def create_internet_gateway(
    session: boto3.Session, region: str, vpc_id: str, *, name: str | None = None
) -> Change:
    """Create an internet gateway and attach it to a VPC."""
    from devops_agent.aws.writes import ec2_call, resource_id

    region = check_region(session, region)
    vpc = resource_id(vpc_id, "vpc", "VPC")
    params: dict[str, Any] = {}
    if specs := _name_tags("internet-gateway", name, None):
        params["TagSpecifications"] = specs
    ec2 = client(session, "ec2", region)
    answer = ec2_call(
        ec2,
        "create_internet_gateway",
        "ec2:CreateInternetGateway",
        resource=vpc,
        region=region,
        **params,
    )
    gateway = answer["InternetGateway"]["InternetGatewayId"]
    ec2_call(
        ec2,
        "attach_internet_gateway",
        "ec2:AttachInternetGateway",
        resource=gateway,
        region=region,
        InternetGatewayId=gateway,
        VpcId=vpc,
    )
    return Change(
        action="ec2:CreateInternetGateway",
        resource=gateway,
        message=f"created {gateway} and attached it to {vpc}",
    )


def delete_internet_gateway(
    session: boto3.Session, region: str, gateway_id: str, vpc_ids: list[str]
) -> Change:
    """Detach an internet gateway from the VPCs named, then delete it."""
    from devops_agent.aws.writes import ec2_call, resource_id

    region = check_region(session, region)
    gateway = resource_id(gateway_id, "igw", "internet gateway")
    ec2 = client(session, "ec2", region)
    for vpc_id in vpc_ids:
        ec2_call(
            ec2,
            "detach_internet_gateway",
            "ec2:DetachInternetGateway",
            resource=gateway,
            region=region,
            InternetGatewayId=gateway,
            VpcId=resource_id(vpc_id, "vpc", "VPC"),
        )
    ec2_call(
        ec2,
        "delete_internet_gateway",
        "ec2:DeleteInternetGateway",
        resource=gateway,
        region=region,
        InternetGatewayId=gateway,
    )
    detached = f" (detached from {', '.join(vpc_ids)})" if vpc_ids else ""
    return Change(
        action="ec2:DeleteInternetGateway", resource=gateway, message=f"deleted {gateway}{detached}"
    )


def create_nat_gateway(
    session: boto3.Session,
    region: str,
    subnet_id: str,
    *,
    allocation_id: str | None = None,
    private: bool = False,
    name: str | None = None,
    client_token: str | None = None,
) -> Change:
    """Create a NAT gateway; a public one without ``allocation_id`` gets a new Elastic IP."""
    from devops_agent.aws.writes import ec2_call, resource_id

    region = check_region(session, region)
    subnet = resource_id(subnet_id, "subnet", "subnet")
    ec2 = client(session, "ec2", region)
    params: dict[str, Any] = {
        "SubnetId": subnet,
        "ConnectivityType": "private" if private else "public",
    }
    note = ""
    if not private:
        if allocation_id:
            params["AllocationId"] = resource_id(allocation_id, "eipalloc", "Elastic IP allocation")
        else:
            address = ec2_call(
                ec2, "allocate_address", "ec2:AllocateAddress", region=region, Domain="vpc"
            )
            params["AllocationId"] = address["AllocationId"]
            note = f" with new Elastic IP {address.get('PublicIp', address['AllocationId'])}"
    if specs := _name_tags("natgateway", name, None):
        params["TagSpecifications"] = specs
    if client_token:
        params["ClientToken"] = client_token
    answer = ec2_call(
        ec2, "create_nat_gateway", "ec2:CreateNatGateway", resource=subnet, region=region, **params
    )
    nat = answer["NatGateway"]["NatGatewayId"]
    return Change(
        action="ec2:CreateNatGateway", resource=nat, message=f"created {nat} in {subnet}{note}"
    )


def delete_nat_gateway(session: boto3.Session, region: str, nat_gateway_id: str) -> Change:
    """Delete a NAT gateway (its Elastic IP stays allocated until released)."""
    from devops_agent.aws.writes import resource_id, write_errors

    region = check_region(session, region)
    nat = resource_id(nat_gateway_id, "nat", "NAT gateway")
    ec2 = client(session, "ec2", region)
    # DeleteNatGateway has no DryRun parameter.
    with write_errors("ec2:DeleteNatGateway", resource=nat, region=region):
        ec2.delete_nat_gateway(NatGatewayId=nat)
    return Change(action="ec2:DeleteNatGateway", resource=nat, message=f"deleting {nat}")


def create_flow_logs(
    session: boto3.Session,
    region: str,
    vpc_id: str,
    destination: dict[str, str],
    *,
    traffic_type: str = "ALL",
    client_token: str | None = None,
) -> Change:
    """Turn on flow logs for a VPC (``destination`` from :func:`flow_log_destination`)."""
    from devops_agent.aws.writes import ec2_call, resource_id

    region = check_region(session, region)
    vpc = resource_id(vpc_id, "vpc", "VPC")
    if traffic_type not in ("ALL", "ACCEPT", "REJECT"):
        raise BadInput(f"'{traffic_type}' is not a traffic type; use ALL, ACCEPT or REJECT.")
    checked = flow_log_destination(
        s3_arn=destination.get("LogDestination", ""),
        log_group=destination.get("LogGroupName", ""),
        role_arn=destination.get("DeliverLogsPermissionArn", ""),
    )
    params: dict[str, Any] = {
        "ResourceIds": [vpc],
        "ResourceType": "VPC",
        "TrafficType": traffic_type,
        **checked,
    }
    if client_token:
        params["ClientToken"] = client_token
    ec2 = client(session, "ec2", region)
    answer = ec2_call(
        ec2, "create_flow_logs", "ec2:CreateFlowLogs", resource=vpc, region=region, **params
    )
    failed = answer.get("Unsuccessful") or []
    if failed:
        error = failed[0].get("Error", {})
        raise ServiceError(
            f"AWS did not turn on flow logs for {vpc}: {error.get('Code')}: {error.get('Message')}",
            code=str(error.get("Code", "")),
        )
    ids = ", ".join(answer.get("FlowLogIds", []))
    where = checked.get("LogDestination") or checked.get("LogGroupName")
    return Change(
        action="ec2:CreateFlowLogs",
        resource=ids or vpc,
        message=f"flow logs {ids} record {traffic_type} traffic of {vpc} to {where}",
    )


def delete_flow_logs(session: boto3.Session, region: str, flow_log_id: str) -> Change:
    """Turn off one flow log."""
    from devops_agent.aws.writes import ec2_call, resource_id

    region = check_region(session, region)
    wanted = resource_id(flow_log_id, "fl", "flow log")
    ec2 = client(session, "ec2", region)
    answer = ec2_call(
        ec2,
        "delete_flow_logs",
        "ec2:DeleteFlowLogs",
        resource=wanted,
        region=region,
        FlowLogIds=[wanted],
    )
    if answer.get("Unsuccessful"):
        error = answer["Unsuccessful"][0].get("Error", {})
        raise ServiceError(
            f"AWS did not delete {wanted}: {error.get('Code')}: {error.get('Message')}",
            code=str(error.get("Code", "")),
        )
    return Change(action="ec2:DeleteFlowLogs", resource=wanted, message=f"deleted {wanted}")
