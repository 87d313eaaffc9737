"""Internet gateways: the model and read, create (and attach) and delete (and detach).

An internet gateway attached to a VPC is its door to the internet: a subnet whose
route table sends ``0.0.0.0/0`` to it is public. NAT gateways, which let private
subnets reach out, are in :mod:`.nat_gateways`; both list with :class:`ListInVpcArgs`.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from devops_agent.aws import (
    AwsModel,
    InRegion,
    Regions,
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
from devops_agent.aws.describe import Describe, by_name
from devops_agent.aws.listing import listing, read_regions
from devops_agent.aws.vpc.proofs import (
    carrying,
    create_tags_grant,
    gone,
    made_by_plan,
    new_id,
    no_token,
    only_one,
    region_of,
    tag_specifications,
    token_condition,
    wrong_count,
)
from devops_agent.aws.vpc.vpcs import ClientToken, Name, VpcId, describe_vpc, ec2_id
from devops_agent.aws.writes import Change, ec2_arn, ec2_request, resource_id, send_ec2
from devops_agent.errors import BadInput, ServiceError
from devops_agent.operation import (
    ApiCall,
    Command,
    Grant,
    Hidden,
    NotAsPlanned,
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

__all__ = [
    "InternetGateway",
    "ListInVpcArgs",
    "create_internet_gateway",
    "delete_internet_gateway",
    "describe_internet_gateway",
    "internet_gateway_from",
    "internet_gateways_by_token",
    "list_internet_gateways",
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


def internet_gateway_from(raw: Any, region: str) -> InternetGateway:
    """The model of one raw DescribeInternetGateways item, read in ``region``.

    Args:
        raw: One item of DescribeInternetGateways' ``InternetGateways``.
        region: The region it was read in.

    Returns:
        The gateway and the VPCs it is attached to.
    """
    return InternetGateway(
        id=raw["InternetGatewayId"],
        name=tags_of(raw).get("Name") or None,
        vpc_ids=[a["VpcId"] for a in raw.get("Attachments", []) if a.get("VpcId")],
        region=region,
    )


_INTERNET_GATEWAYS = Describe("ec2:DescribeInternetGateways", internet_gateway_from, order=by_name)
"""How a region's internet gateways are read: the call, the parser, the order."""


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
    filters = [
        {"Name": "attachment.vpc-id", "Values": [f["Values"][0]]} for f in vpc_filter(vpc_id)
    ]
    return _gateways(session, region, vpc_id, Filters=filters)


def internet_gateways_by_token(
    session: boto3.Session, region: str, token: str
) -> list[InternetGateway]:
    """The internet gateways a plan's create made: those tagged with its create token.

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        token: The plan's create token.

    Returns:
        The gateways carrying it.

    Raises:
        ServiceError: AWS refused (``ec2:DescribeInternetGateways``).
    """
    return _gateways(session, region, None, **carrying(token))


def describe_internet_gateway(
    session: boto3.Session, region: str, gateway_id: str
) -> InternetGateway:
    """One internet gateway.

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        gateway_id: The gateway (``igw-``).

    Returns:
        The gateway.

    Raises:
        BadInput: malformed id. ServiceError: no such gateway in the region
            (``InvalidInternetGatewayID.NotFound``), or AWS refused.
    """
    wanted = resource_id(gateway_id, "igw", "internet gateway")
    found = _gateways(session, region, wanted, InternetGatewayIds=[wanted])
    if not found:
        raise ServiceError(
            f"Not found in {region}: {wanted}.", code="InvalidInternetGatewayID.NotFound"
        )
    return found[0]


def _gateways(
    session: boto3.Session, region: str, about: str | None, **params: Any
) -> list[InternetGateway]:
    return _INTERNET_GATEWAYS.read(session, region, about=about, **params)


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


# --------------------------------------------------------------------------- writes


def internet_gateway_params(name: str | None = None, token: str | None = None) -> dict[str, Any]:
    """CreateInternetGateway's parameters, as the executor sends them and the plan shows them.

    Args:
        name: Its ``Name`` tag.
        token: The plan's create token (see :mod:`.proofs`).

    Returns:
        ``TagSpecifications`` when there is anything to tag; otherwise nothing.
    """
    specs = tag_specifications("internet-gateway", name=name, token=token)
    return {"TagSpecifications": specs} if specs else {}


def create_internet_gateway(
    session: boto3.Session,
    region: str,
    vpc_id: str,
    *,
    name: str | None = None,
    token: str | None = None,
    made: str | None = None,
) -> Change:
    """Create an internet gateway and attach it to a VPC.

    Args:
        session: The **write** session of an approved plan.
        region: The region.
        vpc_id: The VPC to attach it to.
        name: Its ``Name`` tag.
        token: The plan's create token, tagged on the gateway.
        made: A gateway an earlier apply of the same plan made and did not attach (found
            by its token): attached now, not made again.

    Returns:
        What was done: the IAM action, the resource, one line for people.

    Raises:
        BadInput: a malformed id. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    vpc = resource_id(vpc_id, "vpc", "VPC")
    ec2 = client(session, "ec2", region)
    gateway = made
    if gateway is None:
        answer = send_ec2(
            session,
            region,
            "CreateInternetGateway",
            ec2=ec2,
            resource=vpc,
            **internet_gateway_params(name, token),
        )
        gateway = answer["InternetGateway"]["InternetGatewayId"]
    send_ec2(
        session,
        region,
        "AttachInternetGateway",
        ec2=ec2,
        resource=gateway,
        InternetGatewayId=gateway,
        VpcId=vpc,
    )
    return Change(
        action="ec2:CreateInternetGateway",
        resource=gateway,
        message=f"{'attached' if made else 'created'} {gateway}"
        + (" to " if made else " and attached it to ")
        + vpc,
    )


def delete_internet_gateway(
    session: boto3.Session, region: str, gateway_id: str, vpc_ids: list[str]
) -> Change:
    """Detach an internet gateway from the VPCs named, then delete it.

    Args:
        session: The **write** session of an approved plan.
        region: The region.
        gateway_id: The gateway (``igw-``).
        vpc_ids: The VPCs to detach it from first (those it is still attached to).

    Returns:
        What was done: the IAM action, the resource, one line for people.

    Raises:
        BadInput: a malformed id. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    gateway = resource_id(gateway_id, "igw", "internet gateway")
    ec2 = client(session, "ec2", region)
    for vpc_id in vpc_ids:
        send_ec2(
            session,
            region,
            "DetachInternetGateway",
            ec2=ec2,
            resource=gateway,
            InternetGatewayId=gateway,
            VpcId=resource_id(vpc_id, "vpc", "VPC"),
        )
    send_ec2(
        session,
        region,
        "DeleteInternetGateway",
        ec2=ec2,
        resource=gateway,
        InternetGatewayId=gateway,
    )
    detached = f" (detached from {', '.join(vpc_ids)})" if vpc_ids else ""
    return Change(
        action="ec2:DeleteInternetGateway", resource=gateway, message=f"deleted {gateway}{detached}"
    )


# --------------------------------------------------------------------------- argument types


GatewayId = Annotated[str, ec2_id("igw", "internet gateway")]


class ListInVpcArgs(Regions):
    """Arguments of a gateway listing: regions, optionally one VPC."""

    vpc_id: Annotated[VpcId | None, Positional()] = None
    """Only this VPC's gateways (vpc-...); null for every VPC."""


# --------------------------------------------------------------------------- operations


def _list_igws(reader: Reader, args: ListInVpcArgs) -> list[InternetGateway]:
    return read_regions(reader, args.region, lambda s, r: list_internet_gateways(s, r, args.vpc_id))


def _igw_table(reader: Reader, args: ListInVpcArgs, gateways: list[InternetGateway]) -> Result:
    regions = regions_for(reader, args.region)
    rows = [[g.id, g.name or "", ", ".join(g.vpc_ids) or "detached", g.region] for g in gateways]
    return listing(
        regions,
        gateways,
        what="internet gateway",
        key="internet_gateways",
        columns=["Gateway", "Name", "VPC", "Region"],
        rows=rows,
        within=args.vpc_id,
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
    client_token: ClientToken = None
    """The create token, drawn by the preview and tagged on the gateway (see :mod:`.proofs`)."""


def _plan_create_igw(reader: Reader, args: CreateInternetGatewayArgs) -> Proposal:
    region = one_region(reader, args.region, "`vpc igw create`")
    session = reader.session()
    with named():
        network = describe_vpc(session, region, args.vpc_id)
    attached = list_internet_gateways(session, region, network.id)
    if attached:
        raise BadInput(f"{network.id} already has internet gateway {attached[0].id}.")
    entry = CREATE_INTERNET_GATEWAY.entry(
        args.model_copy(
            update={"region": region, "vpc_id": network.id, "client_token": uuid.uuid4().hex}
        ),
        "Create an internet gateway"
        + (f" named {args.name}" if args.name else "")
        + f" and attach it to {network.id} (no route uses it yet)",
        [network.id],
    )
    return Proposal([entry], what=f"add an internet gateway to {network.id}", region=region)


def _created_igws(reader: Reader, args: CreateInternetGatewayArgs) -> list[InternetGateway]:
    return made_by_plan(reader, args, internet_gateways_by_token)


def _run_create_igw(writers: Writers, args: CreateInternetGatewayArgs) -> str:
    made = [g for g in _created_igws(writers.reader(), args) if not g.vpc_ids]
    return create_internet_gateway(
        writers.aws(),
        region_of(args),
        args.vpc_id,
        name=args.name,
        token=args.client_token,
        made=made[0].id if made else None,
    ).message


def _create_igw_calls(args: CreateInternetGatewayArgs) -> list[ApiCall]:
    params = internet_gateway_params(args.name, args.client_token)
    new = ec2_arn("internet-gateway", "*")
    return [
        ec2_request(
            "CreateInternetGateway",
            params,
            region=args.region,
            resources=(new,),
            extra=(create_tags_grant("internet-gateway", "CreateInternetGateway"),)
            if params
            else (),
            when="unless an earlier apply of this plan made it and stopped before attaching it",
        ),
        ec2_request(
            "AttachInternetGateway",
            {"InternetGatewayId": new_id("internet gateway"), "VpcId": args.vpc_id},
            region=args.region,
            resources=(ec2_arn("vpc", args.vpc_id),),
            extra=(
                Grant(
                    action="ec2:AttachInternetGateway",
                    resources=(new,),
                    conditions=token_condition(args.client_token),
                ),
            ),
        ),
    ]


def _verify_create_igw(reader: Reader, args: CreateInternetGatewayArgs) -> Verification:
    if not args.client_token:
        return no_token("internet gateway")
    found = _created_igws(reader, args)
    read = ", ".join(
        f"{g.id} is attached to {', '.join(g.vpc_ids)}" if g.vpc_ids else f"{g.id} is detached"
        for g in found
    )
    if len(found) != 1:
        return wrong_count(found, "internet gateway", read)
    return Verified(read) if found[0].vpc_ids == [args.vpc_id] else NotAsPlanned(read)


def _undo_create_igw(
    reader: Reader, before: object, args: CreateInternetGatewayArgs
) -> list[PlanEntry]:
    """Detach and delete the gateway the entry made."""
    return [
        DELETE_INTERNET_GATEWAY.entry(
            DeleteInternetGatewayArgs(region=args.region, gateway_id=g.id, vpc_ids=g.vpc_ids),
            f"Roll back: detach {g.id} from {', '.join(g.vpc_ids) or 'nothing'} and delete it "
            "(made by the plan)",
            [g.id, *g.vpc_ids],
        )
        for g in only_one(_created_igws(reader, args), "internet gateway")
    ]


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
    calls=_create_igw_calls,
    verify=_verify_create_igw,
    undo=_undo_create_igw,
    examples=(
        {
            "region": "us-east-1",
            "vpc_id": "vpc-0123456789abcdef0",
            "name": "door",
            "client_token": "0123456789abcdef0123456789abcdef",
        },
    ),
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
    region = region_of(args)
    try:
        still = describe_internet_gateway(writers.reader().session(), region, args.gateway_id)
    except ServiceError:
        still = None  # cannot tell: detach from every VPC the plan names
    attached = [v for v in args.vpc_ids if still is None or v in still.vpc_ids]
    return delete_internet_gateway(writers.aws(), region, args.gateway_id, attached).message


def _delete_igw_calls(args: DeleteInternetGatewayArgs) -> list[ApiCall]:
    gateway = ec2_arn("internet-gateway", args.gateway_id)
    detach = [
        ec2_request(
            "DetachInternetGateway",
            {"InternetGatewayId": args.gateway_id, "VpcId": vpc_id},
            region=args.region,
            resources=(gateway, ec2_arn("vpc", vpc_id)),
            when="while it is still attached (an earlier apply of this plan may have detached it)",
        )
        for vpc_id in args.vpc_ids
    ]
    return [
        *detach,
        ec2_request(
            "DeleteInternetGateway",
            {"InternetGatewayId": args.gateway_id},
            region=args.region,
            resources=(gateway,),
        ),
    ]


def _verify_delete_igw(reader: Reader, args: DeleteInternetGatewayArgs) -> Verification:
    return gone(
        lambda: describe_internet_gateway(reader.session(), region_of(args), args.gateway_id),
        args.gateway_id,
    )


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
    calls=_delete_igw_calls,
    verify=_verify_delete_igw,
    irreversible="a deleted internet gateway is gone for good: the VPC loses the internet, "
    "routes through it stay as blackholes, and a new gateway gets a new id that no route "
    "names",
    examples=(
        {
            "region": "us-east-1",
            "gateway_id": "igw-0123456789abcdef0",
            "vpc_ids": ["vpc-0123456789abcdef0"],
        },
    ),
)

OPERATIONS = (LIST_INTERNET_GATEWAYS, CREATE_INTERNET_GATEWAY, DELETE_INTERNET_GATEWAY)
