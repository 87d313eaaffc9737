"""VPCs: the model and reads, create and delete, and the argument types the VPC package shares.

Every read takes one region, walks botocore's paginators and returns models
sorted by region, then name (untagged last), then id. The region's default VPC
is included (``is_default=True``); devops-agent never deletes it. :func:`vpc_from` is
the one parser of a raw DescribeVpcs item (the commands, the agent and the audit share
it).
"""

from __future__ import annotations

import ipaddress
import re
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
    pages,
    regions_for,
    tags_of,
    vpc_filter,
)
from devops_agent.aws.describe import Describe, by_name
from devops_agent.aws.listing import listing, read_regions
from devops_agent.aws.vpc.proofs import (
    Deletion,
    carrying,
    create_tags_grant,
    made_by_plan,
    no_token,
    only_one,
    region_of,
    tag_specifications,
    wrong_count,
)
from devops_agent.aws.writes import (
    Change,
    cidr_block,
    ec2_arn,
    ec2_request,
    resource_id,
    send_ec2,
    tag_map,
)
from devops_agent.errors import BadInput, ServiceError
from devops_agent.operation import (
    ApiCall,
    Command,
    Hidden,
    InProgress,
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
    from mypy_boto3_ec2 import EC2Client

__all__ = [
    "Vpc",
    "create_vpc",
    "delete_vpc",
    "describe_vpc",
    "list_vpcs",
    "vpc_cidrs",
    "vpc_dependencies",
    "vpc_from",
    "vpc_params",
    "vpcs_by_token",
]


class Vpc(AwsModel):
    """One VPC."""

    id: str
    """VPC id, ``vpc-...``."""
    name: str | None = None
    """Value of the ``Name`` tag; ``None`` when untagged."""
    cidr: str
    """Primary IPv4 CIDR block."""
    cidrs: list[str] = Field(default_factory=list)
    """Every IPv4 and IPv6 block associated with it (the primary one first)."""
    state: str
    """``pending`` or ``available``."""
    is_default: bool = False
    """True for the region's default VPC."""
    region: str
    """Region the VPC lives in."""
    tags: dict[str, str] = Field(default_factory=dict)
    """All tags, key to value."""


def vpc_from(raw: Any, region: str) -> Vpc:
    """The model of one raw DescribeVpcs item, read in ``region``.

    Args:
        raw: One item of DescribeVpcs' ``Vpcs``.
        region: The region it was read in.

    Returns:
        The VPC.
    """
    tags = tags_of(dict(raw))
    return Vpc(
        id=raw["VpcId"],
        name=tags.get("Name") or None,
        cidr=raw.get("CidrBlock", ""),
        cidrs=vpc_cidrs(raw),
        state=raw.get("State", "unknown"),
        is_default=bool(raw.get("IsDefault")),
        region=region,
        tags=tags,
    )


_VPCS = Describe("ec2:DescribeVpcs", vpc_from, order=by_name)
"""How a region's VPCs are read: the call, the parser, the order."""


def vpc_cidrs(raw: Any) -> list[str]:
    """The IPv4 blocks associated (or associating) with a VPC, then its IPv6 blocks.

    Works on a DescribeVpcs item and on either side of a peering connection, which
    report their blocks the same way.

    Args:
        raw: A DescribeVpcs item, or one side of a peering connection.

    Returns:
        The blocks: IPv4 ones associated or associating (the primary one when the item
        lists none), then IPv6 ones.
    """
    v4 = [
        a["CidrBlock"]
        for a in raw.get("CidrBlockAssociationSet") or []
        if a.get("CidrBlock")
        and (a.get("CidrBlockState") or {}).get("State", "associated")
        in ("associated", "associating")
    ]
    if not v4 and raw.get("CidrBlock"):
        v4 = [raw["CidrBlock"]]
    v6 = [
        a["Ipv6CidrBlock"]
        for a in raw.get("Ipv6CidrBlockAssociationSet") or []
        if a.get("Ipv6CidrBlock")
    ]
    return v4 + v6


def list_vpcs(
    session: boto3.Session,
    region: str,
    *,
    page_size: int | None = None,
    ec2: EC2Client | None = None,
) -> list[Vpc]:
    """Every VPC in one region, the default VPC included.

    Args:
        session: credentials to read with (``ec2:DescribeVpcs``).
        region: the region to read.
        page_size: VPCs per request (5-1000); the service default when ``None``.
        ec2: a client to call with (the audit passes its shared, counted one); one is
            made from ``session`` when ``None``.

    Returns:
        The VPCs sorted by name (untagged last), then id.

    Raises:
        UnknownRegion: unknown region. ServiceError: AWS refused.
    """
    return _VPCS.read(session, region, ec2=ec2, page_size=page_size)


def describe_vpc(session: boto3.Session, region: str, vpc_id: str) -> Vpc:
    """One VPC.

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        vpc_id: The VPC.

    Returns:
        The VPC.

    Raises:
        BadInput: malformed id. ServiceError: no such VPC in the region, or AWS refused.
    """
    region = check_region(session, region)
    wanted = resource_id(vpc_id, "vpc", "VPC")
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeVpcs", resource=wanted, region=region):
        found = ec2.describe_vpcs(VpcIds=[wanted]).get("Vpcs", [])
    if not found:
        raise ServiceError(f"Not found in {region}: {wanted}.", code="InvalidVpcID.NotFound")
    return vpc_from(found[0], region)


_DELETION = Deletion(
    action="ec2:DeleteVpc",
    param="VpcId",
    field="vpc_id",
    prefix="vpc",
    what="VPC",
    arn_kind="vpc",
    read=describe_vpc,
)
"""Deleting a VPC by its id (``vpc delete``)."""


def vpcs_by_token(session: boto3.Session, region: str, token: str) -> list[Vpc]:
    """The VPCs a plan's create made: those tagged with its create token.

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        token: The plan's create token.

    Returns:
        The VPCs carrying it (one, once the create ran; none before).

    Raises:
        ServiceError: AWS refused (``ec2:DescribeVpcs``).
    """
    return _VPCS.read(session, region, order=attrgetter("id"), **carrying(token))


def vpc_dependencies(session: boto3.Session, region: str, vpc_id: str) -> dict[str, list[str]]:
    """What keeps a VPC from being deleted, by kind (empty kinds left out).

    Subnets, internet gateways, NAT gateways (deleted ones aside), route tables
    other than the main one, security groups other than the default one, and
    network interfaces: EC2 deletes only a VPC without them. Only ids are needed,
    so they are read here rather than through the subnet, route and gateway
    readers (those modules build on this one).

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        vpc_id: The VPC.

    Returns:
        Kind (subnets, gateways, security groups...) to ids.
    """
    region = check_region(session, region)
    ec2 = client(session, "ec2", region)
    by_vpc = vpc_filter(vpc_id)
    attached = [{"Name": "attachment.vpc-id", "Values": by_vpc[0]["Values"]}]

    def ids(action: str, method: str, key: str, pick: Any, **params: Any) -> list[str]:
        with aws_errors(action, resource=vpc_id, region=region):
            return sorted(
                found
                for page in pages(ec2, method, **params)
                for item in page.get(key, [])
                if (found := pick(item))
            )

    found = {
        "subnets": ids(
            "ec2:DescribeSubnets",
            "describe_subnets",
            "Subnets",
            lambda s: s["SubnetId"],
            Filters=by_vpc,
        ),
        "internet gateways": ids(
            "ec2:DescribeInternetGateways",
            "describe_internet_gateways",
            "InternetGateways",
            lambda g: g["InternetGatewayId"],
            Filters=attached,
        ),
        "NAT gateways": ids(
            "ec2:DescribeNatGateways",
            "describe_nat_gateways",
            "NatGateways",
            lambda n: n["NatGatewayId"] if n.get("State") != "deleted" else None,
            Filter=by_vpc,
        ),
        "route tables": ids(
            "ec2:DescribeRouteTables",
            "describe_route_tables",
            "RouteTables",
            lambda t: (
                None if any(a.get("Main") for a in t.get("Associations", [])) else t["RouteTableId"]
            ),
            Filters=by_vpc,
        ),
        "security groups": ids(
            "ec2:DescribeSecurityGroups",
            "describe_security_groups",
            "SecurityGroups",
            lambda g: g["GroupId"] if g.get("GroupName") != "default" else None,
            Filters=by_vpc,
        ),
        "network interfaces": ids(
            "ec2:DescribeNetworkInterfaces",
            "describe_network_interfaces",
            "NetworkInterfaces",
            lambda n: n["NetworkInterfaceId"],
            Filters=by_vpc,
        ),
    }
    return {kind: kind_ids for kind, kind_ids in found.items() if kind_ids}


# --------------------------------------------------------------------------- writes
# Only the apply path calls these, with the write role's session.


def vpc_params(
    cidr: str,
    *,
    name: str | None = None,
    token: str | None = None,
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """CreateVpc's parameters, as the executor sends them and the plan shows them.

    Args:
        cidr: The VPC's IPv4 CIDR block.
        name: Its ``Name`` tag.
        token: The plan's create token (see :mod:`.proofs`).
        tags: Its other tags.

    Returns:
        ``CidrBlock`` and, when there is anything to tag, ``TagSpecifications``.

    Raises:
        BadInput: not an IPv4 CIDR block.
    """
    params: dict[str, Any] = {"CidrBlock": cidr_block(cidr, ipv6=False)}
    if specs := tag_specifications("vpc", name=name, token=token, tags=tags):
        params["TagSpecifications"] = specs
    return params


def create_vpc(
    session: boto3.Session,
    region: str,
    cidr: str,
    *,
    name: str | None = None,
    token: str | None = None,
    tags: dict[str, str] | None = None,
) -> Change:
    """Create a VPC with an IPv4 CIDR block (/16 to /28).

    Args:
        session: The **write** session of an approved plan.
        region: The region.
        cidr: The VPC's IPv4 CIDR block.
        name: Its ``Name`` tag.
        token: The plan's create token, tagged on the VPC.
        tags: Its other tags.

    Returns:
        What was done: the IAM action, the resource, one line for people.

    Raises:
        BadInput: a malformed block. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    params = vpc_params(cidr, name=name, token=token, tags=tags)
    block = params["CidrBlock"]
    answer = send_ec2(session, region, "CreateVpc", resource=block, **params)
    vpc_id = answer["Vpc"]["VpcId"]
    return Change(action="ec2:CreateVpc", resource=vpc_id, message=f"created {vpc_id} ({block})")


def delete_vpc(session: boto3.Session, region: str, vpc_id: str) -> Change:
    """Delete a VPC (EC2 refuses while it has subnets, gateways, groups...).

    Args:
        session: The **write** session of an approved plan.
        region: The region.
        vpc_id: The VPC.

    Returns:
        What was done: the IAM action, the resource, one line for people.

    Raises:
        BadInput: a malformed id. ServiceError: AWS refused (``DependencyViolation`` while
            something is still in it).
    """
    return _DELETION.delete(session, region, vpc_id)


# --------------------------------------------------------------------------- argument types


def ec2_id(prefix: str, what: str) -> AfterValidator:
    """A validator of EC2 ids with ``prefix``: lower-cased, shape checked (see ``resource_id``).

    Args:
        prefix: The id's prefix, e.g. ``subnet``.
        what: The resource's name in messages.

    Returns:
        A pydantic validator for an ``Annotated[str, ...]`` field.
    """
    return AfterValidator(lambda value: resource_id(value, prefix, what))


VpcId = Annotated[str, ec2_id("vpc", "VPC")]
"""``vpc-`` and 8 or 17 hex digits, lower-cased."""
SubnetId = Annotated[str, ec2_id("subnet", "subnet")]
"""``subnet-`` and 8 or 17 hex digits, lower-cased."""
RouteTableId = Annotated[str, ec2_id("rtb", "route table")]
"""``rtb-`` and 8 or 17 hex digits, lower-cased."""
_TOKEN = re.compile(r"^[\w-]{1,64}$")


def _token(value: str | None) -> str | None:
    if value is not None and not _TOKEN.match(value):
        raise BadInput("An idempotency token is 1 to 64 letters, digits, _ or -.")
    return value


ClientToken = Annotated[str | None, Hidden(), AfterValidator(_token)]
"""An idempotency token the preview draws: a retried apply creates nothing twice."""


def _name(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return tag_map({"Name": value.strip()})["Name"]


Name = Annotated[str | None, AfterValidator(_name)]
"""A ``Name`` tag value, checked for AWS's tag rules; empty means none."""


def block_between_16_and_28(what: str) -> AfterValidator:
    """An IPv4 CIDR block in canonical form whose prefix is /16 to /28 (what EC2 takes).

    Args:
        what: The resource's name in messages (``VPC``, ``subnet``).

    Returns:
        A pydantic validator for an ``Annotated[str, ...]`` field.
    """

    def check(value: str) -> str:
        block = cidr_block(value, ipv6=False)
        if not 16 <= ipaddress.ip_network(block).prefixlen <= 28:
            raise BadInput(f"A {what}'s CIDR block is between /16 and /28; {block} is not.")
        return block

    return AfterValidator(check)


# --------------------------------------------------------------------------- operations


class ListVpcsArgs(Regions):
    """Arguments of ``vpc list``."""


def _list(reader: Reader, args: ListVpcsArgs) -> list[Vpc]:
    return read_regions(reader, args.region, list_vpcs)


def _list_table(reader: Reader, args: ListVpcsArgs, vpcs: list[Vpc]) -> Result:
    regions = regions_for(reader, args.region)
    rows = [
        [v.id, v.name or "", v.cidr, v.state, "yes" if v.is_default else "", v.region] for v in vpcs
    ]
    columns = ["VPC", "Name", "CIDR", "State", "Default", "Region"]
    return listing(regions, vpcs, what="VPC", key="vpcs", columns=columns, rows=rows)


LIST_VPCS = Read(
    name="vpc.list_vpcs",
    args=ListVpcsArgs,
    summary="VPCs.",
    service="vpc",
    commands=(Command("vpc list", "VPCs."),),
    guide="Each has its id, Name tag, CIDR block, state, whether it is the region's default "
    "VPC, and tags.",
    actions=("ec2:DescribeVpcs",),
    read=_list,
    render=_list_table,
)


class CreateVpcArgs(InRegion):
    """Arguments of ``vpc create``."""

    cidr: Annotated[str, Positional(), block_between_16_and_28("VPC")]
    """The VPC's IPv4 CIDR block, /16 to /28, e.g. 10.50.0.0/16."""
    name: Name = None
    """Value of its Name tag; null for none."""
    client_token: ClientToken = None
    """The create token, drawn by the preview and tagged on the VPC (see :mod:`.proofs`)."""


def _plan_create(reader: Reader, args: CreateVpcArgs) -> Proposal:
    region = one_region(reader, args.region, "`vpc create`")
    network = ipaddress.ip_network(args.cidr)
    overlaps = [
        v.id
        for v in list_vpcs(reader.session(), region)
        if v.cidr and network.overlaps(ipaddress.ip_network(v.cidr))
    ]
    entry = CREATE_VPC.entry(
        args.model_copy(update={"region": region, "client_token": uuid.uuid4().hex}),
        f"Create a VPC {args.cidr}"
        + (f" named {args.name}" if args.name else "")
        + f" in {region}"
        + (f" (overlaps {', '.join(overlaps)}: they cannot be peered)" if overlaps else ""),
        [args.cidr],
    )
    return Proposal([entry], what=f"create a VPC {args.cidr}", region=region)


def _run_create(writers: Writers, args: CreateVpcArgs) -> str:
    return create_vpc(
        writers.aws(), region_of(args), args.cidr, name=args.name, token=args.client_token
    ).message


def _create_calls(args: CreateVpcArgs) -> list[ApiCall]:
    params = vpc_params(args.cidr, name=args.name, token=args.client_token)
    return [
        ec2_request(
            "CreateVpc",
            params,
            region=args.region,
            resources=(ec2_arn("vpc", "*"),),
            extra=(create_tags_grant("vpc", "CreateVpc"),) if "TagSpecifications" in params else (),
        )
    ]


def _created_vpcs(reader: Reader, args: CreateVpcArgs) -> list[Vpc]:
    return made_by_plan(reader, args, vpcs_by_token)


def _verify_create(reader: Reader, args: CreateVpcArgs) -> Verification:
    if not args.client_token:
        return no_token("VPC")
    found = _created_vpcs(reader, args)
    read = ", ".join(f"{v.id} ({v.cidr}) is {v.state}" for v in found)
    if len(found) != 1:
        return wrong_count(found, "VPC", read)
    if found[0].state == "available":
        return Verified(read)
    if found[0].state == "pending":
        return InProgress(read, f"`vpc list --region {args.region}` until it is available")
    return NotAsPlanned(read)


def _undo_create(reader: Reader, before: object, args: CreateVpcArgs) -> list[PlanEntry]:
    """Delete the VPC the entry made (EC2 refuses once something has been put in it)."""
    return [
        DELETE_VPC.entry(
            DeleteVpcArgs(region=args.region, vpc_id=v.id),
            f"Roll back: delete VPC {v.id} ({v.cidr}), made by the plan",
            [v.id],
        )
        for v in only_one(_created_vpcs(reader, args), "VPC")
    ]


CREATE_VPC = Write(
    name="vpc.create_vpc",
    args=CreateVpcArgs,
    summary="Plan to create a VPC.",
    service="vpc",
    commands=(Command("vpc create CIDR [--name N]", "Plan to create a VPC."),),
    guide="The plan says when the block overlaps another VPC of the region (they could not "
    "be peered). A new VPC has only its main route table: add subnets, an internet gateway "
    "and routes with their own tools.",
    reads=("ec2:DescribeVpcs",),
    actions=("ec2:CreateVpc", "ec2:CreateTags"),
    arns=("arn:{partition}:ec2:{region}:{account}:vpc/*",),
    plan=_plan_create,
    run=_run_create,
    calls=_create_calls,
    verify=_verify_create,
    undo=_undo_create,
    examples=(
        {
            "region": "us-east-1",
            "cidr": "10.50.0.0/16",
            "name": "lab",
            "client_token": "0123456789abcdef0123456789abcdef",
        },
    ),
)


class DeleteVpcArgs(InRegion):
    """Arguments of ``vpc delete``."""

    vpc_id: Annotated[VpcId, Positional()]
    """The VPC to delete (vpc-...); it must be empty and not the region's default VPC."""


def _plan_delete(reader: Reader, args: DeleteVpcArgs) -> Proposal:
    region = one_region(reader, args.region, "`vpc delete`")
    session = reader.session()
    with named():
        network = describe_vpc(session, region, args.vpc_id)
    if network.is_default:
        raise BadInput(f"{network.id} is the default VPC of {region}; devops-agent keeps it.")
    deps = vpc_dependencies(session, region, network.id)
    if deps:
        shown = "; ".join(f"{kind}: {', '.join(ids)}" for kind, ids in deps.items())
        raise BadInput(
            f"{network.id} still has {shown}.",
            remedy="Delete those first (each has its own command); AWS deletes only an empty VPC.",
        )
    entry = DELETE_VPC.entry(
        args.model_copy(update={"region": region, "vpc_id": network.id}),
        f"Delete VPC {network.id}"
        + (f" ({network.name})" if network.name else "")
        + f", {network.cidr}",
        [network.id],
    )
    return Proposal([entry], what=f"delete {network.id}", region=region)


DELETE_VPC = Write(
    name="vpc.delete_vpc",
    args=DeleteVpcArgs,
    summary="Plan to delete an empty VPC.",
    service="vpc",
    commands=(Command("vpc delete VPC_ID", "Plan to delete an empty VPC."),),
    guide="Refused for the region's default VPC, and while the VPC still has subnets, "
    "gateways, route tables other than the main one, security groups other than the "
    "default one or network interfaces: the error lists them, to delete first.",
    reads=(
        "ec2:DescribeVpcs",
        "ec2:DescribeSubnets",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeNatGateways",
        "ec2:DescribeRouteTables",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeNetworkInterfaces",
    ),
    actions=("ec2:DeleteVpc",),
    arns=("arn:{partition}:ec2:{region}:{account}:vpc/{vpc_id}",),
    plan=_plan_delete,
    run=_DELETION.run,
    calls=_DELETION.calls,
    verify=_DELETION.verify,
    irreversible="a deleted VPC is gone for good: a new one gets a new id, and nothing that "
    "named the old one (peering connections, endpoint services, other accounts' routes, "
    "infrastructure code) follows it",
    examples=({"region": "us-east-1", "vpc_id": "vpc-0123456789abcdef0"},),
)

OPERATIONS = (LIST_VPCS, CREATE_VPC, DELETE_VPC)
