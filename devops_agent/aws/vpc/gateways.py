"""Internet and NAT gateways: models and reads, create and delete.

An internet gateway attached to a VPC is its door to the internet: a subnet whose
route table sends ``0.0.0.0/0`` to it is public. A NAT gateway lets private
subnets reach out without being reachable: a public one through an Elastic IP
(it must sit in a public subnet), a private one only towards other networks.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import Field, model_validator

from devops_agent.aws import (
    AwsModel,
    InRegion,
    Regions,
    across_regions,
    aws_errors,
    check_region,
    client,
    named,
    one_region,
    pages,
    regions_for,
    tags_of,
    vpc_filter,
)
from devops_agent.aws.vpc.subnets import describe_subnet
from devops_agent.aws.vpc.vpcs import (
    ClientToken,
    Name,
    SubnetId,
    VpcId,
    describe_vpc,
    ec2_id,
    name_tags,
    region_of,
)
from devops_agent.aws.writes import Change, ec2_call, resource_id, write_errors
from devops_agent.errors import BadInput, ServiceError
from devops_agent.operation import (
    Command,
    Hidden,
    Option,
    Positional,
    Proposal,
    Read,
    Reader,
    Write,
    Writers,
)
from devops_agent.report import Result, Table, dump, plural, where

if TYPE_CHECKING:
    import boto3

__all__ = [
    "InternetGateway",
    "NatGateway",
    "create_internet_gateway",
    "create_nat_gateway",
    "delete_internet_gateway",
    "delete_nat_gateway",
    "elastic_ip_in_use",
    "list_internet_gateways",
    "list_nat_gateways",
    "route_tables_through",
]


class InternetGateway(AwsModel):
    """One internet gateway."""

    id: str
    """Gateway id, ``igw-...``."""
    name: str | None = None
    """Value of the ``Name`` tag."""
    vpc_ids: list[str] = Field(default_factory=list)
    """VPCs it is attached to (at most one); empty when detached."""
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


def list_internet_gateways(
    session: boto3.Session, region: str, vpc_id: str | None = None
) -> list[InternetGateway]:
    """Internet gateways in one region, optionally those attached to one VPC.

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        vpc_id: Only those attached to this VPC; ``None`` for all.

    Returns:
        The gateways.

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

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        vpc_id: Only this VPC's; ``None`` for all.

    Returns:
        The gateways.

    Raises:
        BadInput: malformed VPC id. ServiceError: AWS refused (``ec2:DescribeNatGateways``).
    """
    region = check_region(session, region)
    filters = [{"Name": "vpc-id", "Values": [f["Values"][0]]} for f in vpc_filter(vpc_id)]
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeNatGateways", resource=vpc_id, region=region):
        found = [
            _nat(n, region)
            for page in pages(ec2, "describe_nat_gateways", Filter=filters)
            for n in page.get("NatGateways", [])
            if n.get("State") != "deleted"
        ]
    return sorted(found, key=lambda n: (n.region, n.vpc_id, n.name is None, n.name or "", n.id))


def _nat(raw: Any, region: str) -> NatGateway:
    address: dict[str, Any] = dict(next(iter(raw.get("NatGatewayAddresses") or []), {}))
    return NatGateway(
        id=raw["NatGatewayId"],
        name=tags_of(raw).get("Name") or None,
        vpc_id=raw.get("VpcId", ""),
        subnet_id=raw.get("SubnetId", ""),
        state=raw.get("State", ""),
        connectivity=raw.get("ConnectivityType", "public"),
        public_ip=address.get("PublicIp"),
        allocation_id=address.get("AllocationId"),
        region=region,
    )


def route_tables_through(session: boto3.Session, region: str, gateway_id: str) -> list[str]:
    """Ids of the route tables with a route through ``gateway_id`` (an ``igw-`` or ``vgw-``).

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        gateway_id: The gateway.

    Returns:
        The route table ids.
    """
    region = check_region(session, region)
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeRouteTables", resource=gateway_id, region=region):
        return sorted(
            t["RouteTableId"]
            for page in pages(
                ec2,
                "describe_route_tables",
                Filters=[{"Name": "route.gateway-id", "Values": [gateway_id]}],
            )
            for t in page.get("RouteTables", [])
        )


def elastic_ip_in_use(session: boto3.Session, region: str, allocation_id: str) -> str | None:
    """What an Elastic IP is associated with (an instance or interface id), or ``None``.

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        allocation_id: The Elastic IP's allocation id.

    Returns:
        The instance or network interface id, or ``None``.

    Raises:
        ServiceError: no such allocation in the region (``InvalidAllocationID.NotFound``),
            or AWS refused (``ec2:DescribeAddresses``).
    """
    region = check_region(session, region)
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeAddresses", resource=allocation_id, region=region):
        found = ec2.describe_addresses(AllocationIds=[allocation_id]).get("Addresses", [])
    if not found:
        raise ServiceError(
            f"Not found in {region}: {allocation_id}.", code="InvalidAllocationID.NotFound"
        )
    raw = found[0]
    if not raw.get("AssociationId"):
        return None
    return str(raw.get("InstanceId") or raw.get("NetworkInterfaceId") or raw["AssociationId"])


# --------------------------------------------------------------------------- writes


def create_internet_gateway(
    session: boto3.Session, region: str, vpc_id: str, *, name: str | None = None
) -> Change:
    """Create an internet gateway and attach it to a VPC.

    Args:
        session: The **write** session of an approved plan.
        region: The region.
        vpc_id: The VPC to attach it to.
        name: Its ``Name`` tag.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    region = check_region(session, region)
    vpc = resource_id(vpc_id, "vpc", "VPC")
    params: dict[str, Any] = {}
    if specs := name_tags("internet-gateway", name, None):
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
    """Detach an internet gateway from the VPCs named, then delete it.

    Args:
        session: The **write** session of an approved plan.
        region: The region.
        gateway_id: The gateway (``igw-``).
        vpc_ids: The VPCs to detach it from first.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
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
    """Create a NAT gateway; a public one without ``allocation_id`` gets a new Elastic IP.

    Args:
        session: The **write** session of an approved plan.
        region: The region.
        subnet_id: The subnet it lives in.
        allocation_id: An Elastic IP's allocation id; ``None`` allocates one (public only).
        private: A private NAT gateway (no Elastic IP).
        name: Its ``Name`` tag.
        client_token: An idempotency token, so a retried call does not create two.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
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
    if specs := name_tags("natgateway", name, None):
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
    """Delete a NAT gateway (its Elastic IP stays allocated until released).

    Args:
        session: The **write** session of an approved plan.
        region: The region.
        nat_gateway_id: The gateway (``nat-``).

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    region = check_region(session, region)
    nat = resource_id(nat_gateway_id, "nat", "NAT gateway")
    ec2 = client(session, "ec2", region)
    # DeleteNatGateway has no DryRun parameter.
    with write_errors("ec2:DeleteNatGateway", resource=nat, region=region):
        ec2.delete_nat_gateway(NatGatewayId=nat)
    return Change(action="ec2:DeleteNatGateway", resource=nat, message=f"deleting {nat}")


# --------------------------------------------------------------------------- argument types


GatewayId = Annotated[str, ec2_id("igw", "internet gateway")]
NatGatewayId = Annotated[str, ec2_id("nat", "NAT gateway")]
AllocationId = Annotated[str, ec2_id("eipalloc", "Elastic IP allocation")]


class ListInVpcArgs(Regions):
    """Arguments of a gateway listing: regions, optionally one VPC."""

    vpc_id: Annotated[VpcId | None, Positional()] = None
    """Only this VPC's gateways (vpc-...); null for every VPC."""


# --------------------------------------------------------------------------- internet gateways


def _list_igws(reader: Reader, args: ListInVpcArgs) -> list[InternetGateway]:
    session = reader.session()
    return across_regions(
        regions_for(reader, args.region),
        lambda r: list_internet_gateways(session, r, args.vpc_id),
    )


def _igw_table(reader: Reader, args: ListInVpcArgs, gateways: list[InternetGateway]) -> Result:
    regions = regions_for(reader, args.region)
    rows = [[g.id, g.name or "", ", ".join(g.vpc_ids) or "detached", g.region] for g in gateways]
    return Result(
        title=f"{plural(len(gateways), 'internet gateway')} in {args.vpc_id or where(regions)}",
        tables=[Table(columns=["Gateway", "Name", "VPC", "Region"], rows=rows)],
        data={"regions": regions, "internet_gateways": dump(gateways)},
    )


LIST_INTERNET_GATEWAYS = Read(
    name="vpc.list_internet_gateways",
    args=ListInVpcArgs,
    summary="Internet gateways.",
    service="vpc",
    commands=(Command("vpc igw [VPC_ID]", "Internet gateways."),),
    guide="Each has its id, Name tag and the VPC it is attached to (empty when detached). A "
    "VPC without an attached internet gateway has no public subnets.",
    actions=("ec2:DescribeInternetGateways",),
    read=_list_igws,
    render=_igw_table,
)


class CreateInternetGatewayArgs(InRegion):
    """Arguments of ``vpc igw create``."""

    vpc_id: Annotated[VpcId, Positional()]
    """The VPC to attach the new gateway to (vpc-...); it may have no other."""
    name: Name = None
    """Value of its Name tag; null for none."""


def _plan_create_igw(reader: Reader, args: CreateInternetGatewayArgs) -> Proposal:
    region = one_region(reader, args.region, "`vpc igw create`")
    session = reader.session()
    with named():
        network = describe_vpc(session, region, args.vpc_id)
    attached = list_internet_gateways(session, region, network.id)
    if attached:
        raise BadInput(f"{network.id} already has internet gateway {attached[0].id}.")
    entry = CREATE_INTERNET_GATEWAY.entry(
        args.model_copy(update={"region": region, "vpc_id": network.id}),
        "Create an internet gateway"
        + (f" named {args.name}" if args.name else "")
        + f" and attach it to {network.id} (no route uses it yet)",
        [network.id],
    )
    return Proposal([entry], what=f"add an internet gateway to {network.id}", region=region)


def _run_create_igw(writers: Writers, args: CreateInternetGatewayArgs) -> str:
    return create_internet_gateway(
        writers.aws(), region_of(args), args.vpc_id, name=args.name
    ).message


CREATE_INTERNET_GATEWAY = Write(
    name="vpc.create_internet_gateway",
    args=CreateInternetGatewayArgs,
    summary="Plan to create an internet gateway and attach it.",
    service="vpc",
    commands=(
        Command(
            "vpc igw create VPC_ID [--name N]", "Plan to create an internet gateway and attach it."
        ),
    ),
    guide="A VPC has at most one. No subnet becomes public until a route table sends "
    "0.0.0.0/0 to the gateway (create_route).",
    reads=("ec2:DescribeVpcs", "ec2:DescribeInternetGateways"),
    actions=("ec2:CreateInternetGateway", "ec2:AttachInternetGateway", "ec2:CreateTags"),
    arns=(
        "arn:{partition}:ec2:{region}:{account}:internet-gateway/*",
        "arn:{partition}:ec2:{region}:{account}:vpc/{vpc_id}",
    ),
    plan=_plan_create_igw,
    run=_run_create_igw,
)


class DeleteInternetGatewayArgs(InRegion):
    """Arguments of ``vpc igw delete``."""

    gateway_id: Annotated[GatewayId, Positional()]
    """The internet gateway to detach and delete (igw-...)."""
    vpc_ids: Annotated[list[VpcId], Hidden()] = Field(default_factory=list)
    """The VPCs it is attached to when planned: the executor detaches it from these."""


def _plan_delete_igw(reader: Reader, args: DeleteInternetGatewayArgs) -> Proposal:
    region = one_region(reader, args.region, "`vpc igw delete`")
    session = reader.session()
    wanted = args.gateway_id
    gateway = next((g for g in list_internet_gateways(session, region) if g.id == wanted), None)
    if gateway is None:
        raise BadInput(f"There is no internet gateway {wanted} in {region}.")
    routes = route_tables_through(session, region, wanted) if gateway.vpc_ids else []
    entry = DELETE_INTERNET_GATEWAY.entry(
        args.model_copy(update={"region": region, "vpc_ids": gateway.vpc_ids}),
        (
            f"Detach {wanted} from {', '.join(gateway.vpc_ids)} and delete it"
            if gateway.vpc_ids
            else f"Delete {wanted}"
        )
        + (f"; routes in {', '.join(routes)} become blackholes" if routes else ""),
        [wanted, *gateway.vpc_ids],
    )
    return Proposal([entry], what=f"delete {wanted}", region=region)


def _run_delete_igw(writers: Writers, args: DeleteInternetGatewayArgs) -> str:
    return delete_internet_gateway(
        writers.aws(), region_of(args), args.gateway_id, args.vpc_ids
    ).message


DELETE_INTERNET_GATEWAY = Write(
    name="vpc.delete_internet_gateway",
    args=DeleteInternetGatewayArgs,
    summary="Plan to detach and delete an internet gateway.",
    service="vpc",
    commands=(Command("vpc igw delete IGW_ID", "Plan to detach and delete an internet gateway."),),
    guide="The plan names the route tables whose routes through it become blackholes: every "
    "public subnet of the VPC loses the internet.",
    reads=("ec2:DescribeInternetGateways", "ec2:DescribeRouteTables"),
    actions=("ec2:DetachInternetGateway", "ec2:DeleteInternetGateway"),
    arns=(
        "arn:{partition}:ec2:{region}:{account}:internet-gateway/{gateway_id}",
        "arn:{partition}:ec2:{region}:{account}:vpc/{vpc_ids}",
    ),
    plan=_plan_delete_igw,
    run=_run_delete_igw,
)


# --------------------------------------------------------------------------- NAT gateways


def _list_nats(reader: Reader, args: ListInVpcArgs) -> list[NatGateway]:
    session = reader.session()
    return across_regions(
        regions_for(reader, args.region), lambda r: list_nat_gateways(session, r, args.vpc_id)
    )


def _nat_table(reader: Reader, args: ListInVpcArgs, gateways: list[NatGateway]) -> Result:
    regions = regions_for(reader, args.region)
    rows = [
        [n.id, n.name or "", n.vpc_id, n.subnet_id, n.state, n.connectivity, n.public_ip or ""]
        for n in gateways
    ]
    columns = ["Gateway", "Name", "VPC", "Subnet", "State", "Type", "Public IP"]
    return Result(
        title=f"{plural(len(gateways), 'NAT gateway')} in {args.vpc_id or where(regions)}",
        tables=[Table(columns=columns, rows=rows)],
        data={"regions": regions, "nat_gateways": dump(gateways)},
    )


LIST_NAT_GATEWAYS = Read(
    name="vpc.list_nat_gateways",
    args=ListInVpcArgs,
    summary="NAT gateways.",
    service="vpc",
    commands=(Command("vpc nat [VPC_ID]", "NAT gateways."),),
    guide="Each has its id, Name tag, VPC, subnet, state, connectivity (public through an "
    "Elastic IP, or private) and public IP. Deleted gateways are left out. Private subnets "
    "reach the internet when their route table sends 0.0.0.0/0 to a public NAT gateway.",
    actions=("ec2:DescribeNatGateways",),
    read=_list_nats,
    render=_nat_table,
)


class CreateNatGatewayArgs(InRegion):
    """Arguments of ``vpc nat create``."""

    subnet_id: Annotated[SubnetId, Positional()]
    """The subnet the gateway lives in (subnet-...); a public gateway needs a public subnet."""
    allocation_id: Annotated[AllocationId | None, Option("--eip")] = None
    """An unused Elastic IP allocation (eipalloc-...) for a public gateway; null allocates
    a new one."""
    private: bool = False
    """True for a private gateway (no Elastic IP, no internet): it reaches other networks."""
    name: Name = None
    """Value of its Name tag; null for none."""
    client_token: ClientToken = None
    """Idempotency token, drawn by the preview."""

    @model_validator(mode="after")
    def _public_or_private(self) -> Self:
        if self.private and self.allocation_id:
            raise BadInput("A private NAT gateway has no Elastic IP; drop --eip or --private.")
        return self


def _plan_create_nat(reader: Reader, args: CreateNatGatewayArgs) -> Proposal:
    region = one_region(reader, args.region, "`vpc nat create`")
    session = reader.session()
    with named():
        subnet = describe_subnet(session, region, args.subnet_id)
        used_by = (
            elastic_ip_in_use(session, region, args.allocation_id) if args.allocation_id else None
        )
    if used_by:
        raise BadInput(
            f"Elastic IP {args.allocation_id} is already associated with {used_by}.",
            remedy="Give an unused allocation, or none to allocate a new Elastic IP.",
        )
    how = (
        "private"
        if args.private
        else f"public, with Elastic IP {args.allocation_id}"
        if args.allocation_id
        else "public, with a new Elastic IP"
    )
    entry = CREATE_NAT_GATEWAY.entry(
        args.model_copy(
            update={"region": region, "subnet_id": subnet.id, "client_token": uuid.uuid4().hex}
        ),
        f"Create a NAT gateway in {subnet.id} ({subnet.vpc_id}), {how}"
        + (f", named {args.name}" if args.name else "")
        + " (NAT gateways are billed by the hour)",
        [subnet.id],
    )
    return Proposal([entry], what=f"create a NAT gateway in {subnet.id}", region=region)


def _run_create_nat(writers: Writers, args: CreateNatGatewayArgs) -> str:
    return create_nat_gateway(
        writers.aws(),
        region_of(args),
        args.subnet_id,
        allocation_id=args.allocation_id,
        private=args.private,
        name=args.name,
        client_token=args.client_token,
    ).message


CREATE_NAT_GATEWAY = Write(
    name="vpc.create_nat_gateway",
    args=CreateNatGatewayArgs,
    summary="Plan to create a NAT gateway.",
    service="vpc",
    commands=(
        Command(
            "vpc nat create SUBNET_ID [--eip EIPALLOC_ID | --private] [--name N]",
            "Plan to create a NAT gateway.",
        ),
    ),
    guide="A public gateway gets a new Elastic IP unless allocation_id names an unused one. "
    "NAT gateways are billed by the hour. Private subnets use it only once their route table "
    "sends 0.0.0.0/0 to it (create_route).",
    reads=("ec2:DescribeSubnets", "ec2:DescribeAddresses"),
    actions=("ec2:CreateNatGateway", "ec2:AllocateAddress", "ec2:CreateTags"),
    arns=(
        "arn:{partition}:ec2:{region}:{account}:subnet/{subnet_id}",
        "arn:{partition}:ec2:{region}:{account}:natgateway/*",
        "arn:{partition}:ec2:{region}:{account}:elastic-ip/*",
    ),
    plan=_plan_create_nat,
    run=_run_create_nat,
)


class DeleteNatGatewayArgs(InRegion):
    """Arguments of ``vpc nat delete``."""

    nat_gateway_id: Annotated[NatGatewayId, Positional()]
    """The NAT gateway to delete (nat-...)."""


def _plan_delete_nat(reader: Reader, args: DeleteNatGatewayArgs) -> Proposal:
    region = one_region(reader, args.region, "`vpc nat delete`")
    wanted = args.nat_gateway_id
    gateway = next((n for n in list_nat_gateways(reader.session(), region) if n.id == wanted), None)
    if gateway is None:
        raise BadInput(f"There is no NAT gateway {wanted} in {region}.")
    entry = DELETE_NAT_GATEWAY.entry(
        args.model_copy(update={"region": region}),
        f"Delete NAT gateway {wanted} in {gateway.subnet_id}"
        + (f" (its Elastic IP {gateway.public_ip} stays allocated)" if gateway.public_ip else ""),
        [wanted],
    )
    return Proposal([entry], what=f"delete {wanted}", region=region)


def _run_delete_nat(writers: Writers, args: DeleteNatGatewayArgs) -> str:
    return delete_nat_gateway(writers.aws(), region_of(args), args.nat_gateway_id).message


DELETE_NAT_GATEWAY = Write(
    name="vpc.delete_nat_gateway",
    args=DeleteNatGatewayArgs,
    summary="Plan to delete a NAT gateway.",
    service="vpc",
    commands=(Command("vpc nat delete NAT_ID", "Plan to delete a NAT gateway."),),
    guide="Routes through it become blackholes; its Elastic IP stays allocated (and billed) "
    "until released.",
    reads=("ec2:DescribeNatGateways",),
    actions=("ec2:DeleteNatGateway",),
    arns=("arn:{partition}:ec2:{region}:{account}:natgateway/{nat_gateway_id}",),
    plan=_plan_delete_nat,
    run=_run_delete_nat,
)

OPERATIONS = (
    LIST_INTERNET_GATEWAYS,
    CREATE_INTERNET_GATEWAY,
    DELETE_INTERNET_GATEWAY,
    LIST_NAT_GATEWAYS,
    CREATE_NAT_GATEWAY,
    DELETE_NAT_GATEWAY,
)
