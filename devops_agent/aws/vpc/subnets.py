"""Subnets: the model and reads, create and delete.

A subnet is public for instances when it maps public IPv4 addresses at launch
*and* its route table sends ``0.0.0.0/0`` to an internet gateway (see
:mod:`devops_agent.aws.vpc.route_tables`). :func:`subnet_from` is the one parser of a raw
DescribeSubnets item (the commands, the agent and the audit share it).
"""

from __future__ import annotations

import ipaddress
import uuid
from operator import attrgetter
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, Field

from devops_agent.aws import (
    AwsModel,
    InRegion,
    Regions,
    aws_errors,
    check_region,
    client,
    named,
    one_region,
    regions_for,
    tags_of,
    vpc_filter,
)
from devops_agent.aws.describe import Describe
from devops_agent.aws.ec2.network import interfaces_found_by
from devops_agent.aws.listing import listing, read_regions
from devops_agent.aws.vpc.proofs import (
    Deletion,
    carrying,
    create_tags_grant,
    made_by_plan,
    new_id,
    no_token,
    only_one,
    region_of,
    tag_specifications,
    token_condition,
    wrong_count,
)
from devops_agent.aws.vpc.vpcs import (
    ClientToken,
    Name,
    SubnetId,
    VpcId,
    block_between_16_and_28,
    describe_vpc,
)
from devops_agent.aws.writes import (
    Change,
    cidr_block,
    ec2_arn,
    ec2_request,
    resource_id,
    send_ec2,
    write_errors,
)
from devops_agent.errors import BadInput
from devops_agent.operation import (
    ApiCall,
    Command,
    NotAsPlanned,
    Option,
    PlanEntry,
    Positional,
    Proposal,
    Read,
    Reader,
    Verification,
    Verified,
    Write,
    Writers,
)
from devops_agent.report import Result

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_ec2 import EC2Client

__all__ = [
    "Subnet",
    "create_subnet",
    "delete_subnet",
    "describe_subnet",
    "list_subnets",
    "subnet_dependencies",
    "subnet_from",
    "subnet_params",
    "subnets_by_token",
]


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
    default_for_az: bool = False
    """True for a default subnet (of the default VPC, one per availability zone)."""
    region: str
    """Region the subnet lives in."""
    tags: dict[str, str] = Field(default_factory=dict)
    """All tags, key to value."""


def subnet_from(raw: Any, region: str) -> Subnet:
    """The model of one raw DescribeSubnets item, read in ``region``.

    Args:
        raw: One item of DescribeSubnets' ``Subnets``.
        region: The region it was read in.

    Returns:
        The subnet.
    """
    tags = tags_of(dict(raw))
    return Subnet(
        id=raw["SubnetId"],
        name=tags.get("Name") or None,
        vpc_id=raw.get("VpcId", ""),
        cidr=raw.get("CidrBlock", ""),
        availability_zone=raw.get("AvailabilityZone", ""),
        available_ips=raw.get("AvailableIpAddressCount", 0),
        map_public_ip_on_launch=bool(raw.get("MapPublicIpOnLaunch")),
        default_for_az=bool(raw.get("DefaultForAz")),
        region=region,
        tags=tags,
    )


_SUBNETS = Describe(
    "ec2:DescribeSubnets",
    subnet_from,
    order=lambda s: (s.region, s.vpc_id, s.name is None, s.name or "", s.id),
)
"""How a region's subnets are read: the call, the parser, the order."""


def list_subnets(
    session: boto3.Session,
    region: str,
    vpc_id: str | None = None,
    *,
    page_size: int | None = None,
    ec2: EC2Client | None = None,
) -> list[Subnet]:
    """Subnets in one region, optionally of one VPC.

    Args:
        session: credentials to read with (``ec2:DescribeSubnets``).
        region: the region to read.
        vpc_id: only this VPC's subnets; every VPC when ``None``.
        page_size: subnets per request (5-1000); the service default when ``None``.
        ec2: a client to call with (the audit passes its shared, counted one); one is
            made from ``session`` when ``None``.

    Returns:
        The subnets sorted by VPC, name (untagged last), then id.

    Raises:
        BadInput: malformed VPC id. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    filters = vpc_filter(vpc_id)
    return _SUBNETS.read(
        session, region, about=vpc_id, ec2=ec2, page_size=page_size, Filters=filters
    )


def describe_subnet(session: boto3.Session, region: str, subnet_id: str) -> Subnet:
    """One subnet.

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        subnet_id: The subnet.

    Returns:
        The subnet.

    Raises:
        BadInput: malformed id. ServiceError: no such subnet in the region, or AWS refused.
    """
    region = check_region(session, region)
    wanted = resource_id(subnet_id, "subnet", "subnet")
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeSubnets", resource=wanted, region=region):
        raw = ec2.describe_subnets(SubnetIds=[wanted])["Subnets"][0]
    return subnet_from(raw, region)


_DELETION = Deletion(
    action="ec2:DeleteSubnet",
    param="SubnetId",
    field="subnet_id",
    prefix="subnet",
    what="subnet",
    arn_kind="subnet",
    read=describe_subnet,
)
"""Deleting a subnet by its id (``vpc subnet delete``)."""


def subnets_by_token(session: boto3.Session, region: str, token: str) -> list[Subnet]:
    """The subnets a plan's create made: those tagged with its create token.

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        token: The plan's create token.

    Returns:
        The subnets carrying it, by id.

    Raises:
        ServiceError: AWS refused (``ec2:DescribeSubnets``).
    """
    return _SUBNETS.read(session, region, order=attrgetter("id"), **carrying(token))


def subnet_dependencies(
    session: boto3.Session, region: str, subnet_id: str
) -> dict[str, list[str]]:
    """What keeps a subnet from being deleted: network interfaces (instances) in it.

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        subnet_id: The subnet.

    Returns:
        Kind to ids; empty when nothing stands in the way.
    """
    interfaces = interfaces_found_by(session, region, "subnet-id", subnet_id)
    return {"network interfaces": interfaces} if interfaces else {}


# --------------------------------------------------------------------------- writes


def subnet_params(
    vpc_id: str,
    cidr: str,
    *,
    availability_zone: str | None = None,
    name: str | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """CreateSubnet's parameters, as the executor sends them and the plan shows them.

    Args:
        vpc_id: The VPC.
        cidr: The subnet's IPv4 block.
        availability_zone: The zone; ``None`` lets EC2 choose.
        name: Its ``Name`` tag.
        token: The plan's create token (see :mod:`.proofs`).

    Returns:
        ``VpcId``, ``CidrBlock`` and, when given, ``AvailabilityZone`` and
        ``TagSpecifications``.

    Raises:
        BadInput: a malformed VPC id or block.
    """
    params: dict[str, Any] = {
        "VpcId": resource_id(vpc_id, "vpc", "VPC"),
        "CidrBlock": cidr_block(cidr, ipv6=False),
    }
    if availability_zone:
        params["AvailabilityZone"] = availability_zone
    if specs := tag_specifications("subnet", name=name, token=token):
        params["TagSpecifications"] = specs
    return params


def create_subnet(
    session: boto3.Session,
    region: str,
    vpc_id: str,
    cidr: str,
    *,
    availability_zone: str | None = None,
    name: str | None = None,
    public: bool = False,
    token: str | None = None,
) -> Change:
    """Create a subnet; ``public`` turns on public IPv4 addresses at launch.

    Args:
        session: The **write** session of an approved plan.
        region: The region.
        vpc_id: The VPC.
        cidr: The subnet's CIDR block, inside the VPC's.
        availability_zone: The zone; ``None`` lets EC2 choose.
        name: Its ``Name`` tag.
        public: Give instances launched in it a public IPv4 address.
        token: The plan's create token, tagged on the subnet.

    Returns:
        What was done: the IAM action, the resource, one line for people.

    Raises:
        BadInput: a malformed id or block. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    params = subnet_params(
        vpc_id, cidr, availability_zone=availability_zone, name=name, token=token
    )
    vpc, block = params["VpcId"], params["CidrBlock"]
    ec2 = client(session, "ec2", region)
    answer = send_ec2(session, region, "CreateSubnet", ec2=ec2, resource=vpc, **params)
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
    """Delete a subnet (EC2 refuses while network interfaces use it).

    Args:
        session: The **write** session of an approved plan.
        region: The region.
        subnet_id: The subnet.

    Returns:
        What was done: the IAM action, the resource, one line for people.

    Raises:
        BadInput: a malformed id. ServiceError: AWS refused (``DependencyViolation`` while
            an interface is in it).
    """
    return _DELETION.delete(session, region, subnet_id)


# --------------------------------------------------------------------------- operations


class ListSubnetsArgs(Regions):
    """Arguments of ``vpc subnets``."""

    vpc_id: Annotated[VpcId | None, Positional()] = None
    """Only this VPC's subnets (vpc-...); null for every VPC."""


def _list(reader: Reader, args: ListSubnetsArgs) -> list[Subnet]:
    return read_regions(reader, args.region, lambda s, r: list_subnets(s, r, vpc_id=args.vpc_id))


def _list_table(reader: Reader, args: ListSubnetsArgs, subnets: list[Subnet]) -> Result:
    regions = regions_for(reader, args.region)
    rows = [
        [
            s.id,
            s.name or "",
            s.vpc_id,
            s.cidr,
            s.availability_zone,
            s.available_ips,
            "yes" if s.map_public_ip_on_launch else "",
        ]
        for s in subnets
    ]
    columns = ["Subnet", "Name", "VPC", "CIDR", "Zone", "Free IPs", "Public IP on launch"]
    return listing(
        regions,
        subnets,
        what="subnet",
        key="subnets",
        columns=columns,
        rows=rows,
        within=args.vpc_id,
    )


LIST_SUBNETS = Read(
    name="vpc.list_subnets",
    args=ListSubnetsArgs,
    summary="Subnets, optionally of one VPC.",
    service="vpc",
    commands=(Command("vpc subnets [VPC_ID]", "Subnets, optionally of one VPC."),),
    guide="Each has its id, Name tag, VPC, CIDR block, availability zone, free IPv4 addresses "
    "and whether instances launched there get a public IPv4 address. Whether a subnet is "
    "reachable from the internet also depends on its route table: see list_route_tables.",
    actions=("ec2:DescribeSubnets",),
    read=_list,
    render=_list_table,
)


def _zone(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip().lower() or None


class CreateSubnetArgs(InRegion):
    """Arguments of ``vpc subnet create``."""

    vpc_id: Annotated[VpcId, Positional()]
    """The VPC the subnet belongs to (vpc-...)."""
    cidr: Annotated[str, Positional(), block_between_16_and_28("subnet")]
    """The subnet's IPv4 block, /16 to /28, inside the VPC's and overlapping no sibling."""
    availability_zone: Annotated[str | None, Option("--az"), AfterValidator(_zone)] = None
    """Availability zone of the region, e.g. eu-west-1a; null lets AWS choose."""
    name: Name = None
    """Value of its Name tag; null for none."""
    public: bool = False
    """True to give instances launched there a public IPv4 address by default."""
    client_token: ClientToken = None
    """The create token, drawn by the preview and tagged on the subnet (see :mod:`.proofs`)."""


def _plan_create(reader: Reader, args: CreateSubnetArgs) -> Proposal:
    region = one_region(reader, args.region, "`vpc subnet create`")
    session = reader.session()
    with named():
        network = describe_vpc(session, region, args.vpc_id)
    block = ipaddress.ip_network(args.cidr)
    if not block.subnet_of(ipaddress.ip_network(network.cidr)):  # type: ignore[arg-type]
        raise BadInput(f"{args.cidr} is not inside {network.id}'s block {network.cidr}.")
    clash = [
        s.id
        for s in list_subnets(session, region, network.id)
        if block.overlaps(ipaddress.ip_network(s.cidr))
    ]
    if clash:
        raise BadInput(f"{args.cidr} overlaps {', '.join(clash)} in {network.id}.")
    zone = args.availability_zone
    if zone and not (zone.startswith(region) and len(zone) > len(region)):
        raise BadInput(f"'{zone}' is not an availability zone of {region} (like {region}a).")
    entry = CREATE_SUBNET.entry(
        args.model_copy(
            update={"region": region, "vpc_id": network.id, "client_token": uuid.uuid4().hex}
        ),
        f"Create subnet {args.cidr} in {network.id}"
        + (f" ({zone})" if zone else "")
        + (f" named {args.name}" if args.name else "")
        + ("; instances get public IPv4 addresses" if args.public else ""),
        [network.id],
    )
    return Proposal([entry], what=f"create subnet {args.cidr}", region=region)


def _run_create(writers: Writers, args: CreateSubnetArgs) -> str:
    return create_subnet(
        writers.aws(),
        region_of(args),
        args.vpc_id,
        args.cidr,
        availability_zone=args.availability_zone,
        name=args.name,
        public=args.public,
        token=args.client_token,
    ).message


def _create_calls(args: CreateSubnetArgs) -> list[ApiCall]:
    params = subnet_params(
        args.vpc_id,
        args.cidr,
        availability_zone=args.availability_zone,
        name=args.name,
        token=args.client_token,
    )
    calls = [
        ec2_request(
            "CreateSubnet",
            params,
            region=args.region,
            resources=(ec2_arn("subnet", "*"),),
            uses=(ec2_arn("vpc", args.vpc_id),),
            extra=(create_tags_grant("subnet", "CreateSubnet"),)
            if "TagSpecifications" in params
            else (),
        )
    ]
    if args.public:
        calls.append(
            ec2_request(
                "ModifySubnetAttribute",
                {"SubnetId": new_id("subnet"), "MapPublicIpOnLaunch": {"Value": True}},
                region=args.region,
                resources=(ec2_arn("subnet", "*"),),
                conditions=token_condition(args.client_token),
                dry_run=False,
                when="on the subnet CreateSubnet made (only it carries the create token)",
            )
        )
    return calls


def _created_subnets(reader: Reader, args: CreateSubnetArgs) -> list[Subnet]:
    return made_by_plan(reader, args, subnets_by_token)


def _verify_create(reader: Reader, args: CreateSubnetArgs) -> Verification:
    if not args.client_token:
        return no_token("subnet")
    found = _created_subnets(reader, args)
    read = ", ".join(
        f"{s.id} ({s.cidr} in {s.availability_zone}, public IPs at launch "
        f"{'on' if s.map_public_ip_on_launch else 'off'})"
        for s in found
    )
    if len(found) != 1:
        return wrong_count(found, "subnet", read)
    if found[0].cidr != args.cidr or found[0].map_public_ip_on_launch != args.public:
        return NotAsPlanned(read)
    return Verified(read)


def _undo_create(reader: Reader, before: object, args: CreateSubnetArgs) -> list[PlanEntry]:
    """Delete the subnet the entry made (EC2 refuses once something has been put in it)."""
    return [
        DELETE_SUBNET.entry(
            DeleteSubnetArgs(region=args.region, subnet_id=s.id),
            f"Roll back: delete subnet {s.id} ({s.cidr}) in {s.vpc_id}, made by the plan",
            [s.id],
        )
        for s in only_one(_created_subnets(reader, args), "subnet")
    ]


CREATE_SUBNET = Write(
    name="vpc.create_subnet",
    args=CreateSubnetArgs,
    summary="Plan to create a subnet.",
    service="vpc",
    commands=(
        Command(
            "vpc subnet create VPC_ID CIDR [--az ZONE] [--name N] [--public]",
            "Plan to create a subnet.",
        ),
    ),
    guide="The block must lie inside the VPC's and overlap no other subnet of it. A subnet "
    "uses the VPC's main route table until it is associated with another one.",
    reads=("ec2:DescribeVpcs", "ec2:DescribeSubnets"),
    actions=("ec2:CreateSubnet", "ec2:CreateTags", "ec2:ModifySubnetAttribute"),
    arns=(
        "arn:{partition}:ec2:{region}:{account}:vpc/{vpc_id}",
        "arn:{partition}:ec2:{region}:{account}:subnet/*",
    ),
    plan=_plan_create,
    run=_run_create,
    calls=_create_calls,
    verify=_verify_create,
    undo=_undo_create,
    examples=(
        {
            "region": "us-east-1",
            "vpc_id": "vpc-0123456789abcdef0",
            "cidr": "10.50.1.0/24",
            "availability_zone": "us-east-1a",
            "name": "public-a",
            "public": True,
            "client_token": "0123456789abcdef0123456789abcdef",
        },
    ),
)


class DeleteSubnetArgs(InRegion):
    """Arguments of ``vpc subnet delete``."""

    subnet_id: Annotated[SubnetId, Positional()]
    """The subnet to delete (subnet-...); no network interface may use it."""


def _plan_delete(reader: Reader, args: DeleteSubnetArgs) -> Proposal:
    region = one_region(reader, args.region, "`vpc subnet delete`")
    session = reader.session()
    with named():
        subnet = describe_subnet(session, region, args.subnet_id)
    deps = subnet_dependencies(session, region, subnet.id)
    if deps:
        shown = "; ".join(f"{kind}: {', '.join(ids)}" for kind, ids in deps.items())
        raise BadInput(f"{subnet.id} is still in use: {shown}.")
    entry = DELETE_SUBNET.entry(
        args.model_copy(update={"region": region, "subnet_id": subnet.id}),
        f"Delete subnet {subnet.id}"
        + (f" ({subnet.name})" if subnet.name else "")
        + f", {subnet.cidr} in {subnet.vpc_id}",
        [subnet.id],
    )
    return Proposal([entry], what=f"delete {subnet.id}", region=region)


DELETE_SUBNET = Write(
    name="vpc.delete_subnet",
    args=DeleteSubnetArgs,
    summary="Plan to delete an unused subnet.",
    service="vpc",
    commands=(Command("vpc subnet delete SUBNET_ID", "Plan to delete an unused subnet."),),
    guide="Refused while network interfaces (instances, NAT gateways, load balancers) are in "
    "the subnet: the error names them.",
    reads=("ec2:DescribeSubnets", "ec2:DescribeNetworkInterfaces"),
    actions=("ec2:DeleteSubnet",),
    arns=("arn:{partition}:ec2:{region}:{account}:subnet/{subnet_id}",),
    plan=_plan_delete,
    run=_DELETION.run,
    calls=_DELETION.calls,
    verify=_DELETION.verify,
    irreversible="a deleted subnet is gone for good: a new one gets a new id, and nothing "
    "that named the old one (launch templates, Auto Scaling groups, load balancers, "
    "infrastructure code) follows it",
    examples=({"region": "us-east-1", "subnet_id": "subnet-0123456789abcdef0"},),
)

OPERATIONS = (LIST_SUBNETS, CREATE_SUBNET, DELETE_SUBNET)
