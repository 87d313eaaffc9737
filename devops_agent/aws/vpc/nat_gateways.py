"""NAT gateways: the model and read, create and delete.

A NAT gateway lets private subnets reach out without being reachable: a public one
through an Elastic IP (it must sit in a public subnet), a private one only towards other
networks. A public gateway planned without an Elastic IP gets a new one, allocated by the
same entry and tagged with the plan's create token (see :mod:`.proofs`), so a resumed
apply uses that address rather than allocating another.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import model_validator

from devops_agent.aws import (
    AwsModel,
    InRegion,
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
from devops_agent.aws.listing import listing, read_regions
from devops_agent.aws.vpc.gateways import ListInVpcArgs
from devops_agent.aws.vpc.proofs import (
    carries,
    carrying,
    create_tags_grant,
    made_by_plan,
    new_id,
    no_token,
    only_one,
    region_of,
    tag_specifications,
    token_condition,
    token_filter,
    wrong_count,
)
from devops_agent.aws.vpc.subnets import describe_subnet
from devops_agent.aws.vpc.vpcs import ClientToken, Name, SubnetId, ec2_id
from devops_agent.aws.writes import Change, ec2_arn, ec2_request, resource_id, send_ec2
from devops_agent.errors import BadInput, ServiceError
from devops_agent.operation import (
    ApiCall,
    Command,
    Grant,
    InProgress,
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

__all__ = [
    "NatGateway",
    "addresses_by_token",
    "create_nat_gateway",
    "delete_nat_gateway",
    "elastic_ip_in_use",
    "list_nat_gateways",
    "nat_gateway_from",
    "nat_gateway_params",
    "nat_gateways_by_token",
    "read_nat_gateway",
]


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


def nat_gateway_from(raw: Any, region: str) -> NatGateway:
    """The model of one raw DescribeNatGateways item, read in ``region``.

    Args:
        raw: One item of DescribeNatGateways' ``NatGateways``.
        region: The region it was read in.

    Returns:
        The gateway with its first address.
    """
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


_NAT_GATEWAYS = Describe(
    "ec2:DescribeNatGateways",
    nat_gateway_from,
    order=lambda n: (n.region, n.vpc_id, n.name is None, n.name or "", n.id),
)
"""How a region's NAT gateways are read: the call, the parser, the order."""


def _nat_gateways(
    session: boto3.Session, region: str, about: str | None, **params: Any
) -> list[NatGateway]:
    return _NAT_GATEWAYS.read(session, region, about=about, **params)


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
    filters = [{"Name": "vpc-id", "Values": [f["Values"][0]]} for f in vpc_filter(vpc_id)]
    found = _nat_gateways(session, region, vpc_id, Filter=filters)
    return [n for n in found if n.state != "deleted"]


def nat_gateways_by_token(session: boto3.Session, region: str, token: str) -> list[NatGateway]:
    """The NAT gateways a plan's create made (deleted ones included): those tagged with its
    create token.

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        token: The plan's create token.

    Returns:
        The gateways carrying it, in every state.

    Raises:
        ServiceError: AWS refused (``ec2:DescribeNatGateways``).
    """
    return _nat_gateways(session, region, None, **carrying(token, filters="Filter"))


def read_nat_gateway(session: boto3.Session, region: str, nat_gateway_id: str) -> NatGateway | None:
    """One NAT gateway in whatever state it is (``deleted`` included), or ``None``.

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        nat_gateway_id: The gateway (``nat-``).

    Returns:
        The gateway, or ``None`` when AWS no longer knows it.

    Raises:
        ServiceError: AWS refused (``ec2:DescribeNatGateways``).
    """
    try:
        found = _nat_gateways(session, region, nat_gateway_id, NatGatewayIds=[nat_gateway_id])
    except ServiceError as exc:
        if (exc.code or "").endswith("NotFound"):
            return None
        raise
    return found[0] if found else None


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


def addresses_by_token(session: boto3.Session, region: str, token: str) -> list[str]:
    """The Elastic IPs a plan's create allocated and nothing uses yet (their allocation ids).

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        token: The plan's create token.

    Returns:
        Allocation ids of the addresses carrying it and associated with nothing.

    Raises:
        ServiceError: AWS refused (``ec2:DescribeAddresses``).
    """
    region = check_region(session, region)
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeAddresses", region=region):
        found = ec2.describe_addresses(Filters=token_filter(token)).get("Addresses", [])
    return sorted(
        a["AllocationId"] for a in found if carries(a, token) and not a.get("AssociationId")
    )


# --------------------------------------------------------------------------- writes


def address_params(token: str | None = None) -> dict[str, Any]:
    """AllocateAddress's parameters for a NAT gateway's new Elastic IP.

    Args:
        token: The plan's create token, tagged on the address.

    Returns:
        ``Domain`` and, with a token, ``TagSpecifications``.
    """
    params: dict[str, Any] = {"Domain": "vpc"}
    if specs := tag_specifications("elastic-ip", token=token):
        params["TagSpecifications"] = specs
    return params


def nat_gateway_params(
    subnet_id: str,
    *,
    allocation_id: str | None = None,
    private: bool = False,
    name: str | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """CreateNatGateway's parameters, as the executor sends them and the plan shows them.

    Args:
        subnet_id: The subnet it lives in.
        allocation_id: The Elastic IP's allocation id (a public gateway).
        private: A private gateway (no Elastic IP).
        name: Its ``Name`` tag.
        token: The plan's create token: tagged on the gateway and sent as ``ClientToken``.

    Returns:
        ``SubnetId``, ``ConnectivityType`` and, when given, ``AllocationId``,
        ``TagSpecifications`` and ``ClientToken``.

    Raises:
        BadInput: a malformed subnet id.
    """
    params: dict[str, Any] = {
        "SubnetId": resource_id(subnet_id, "subnet", "subnet"),
        "ConnectivityType": "private" if private else "public",
    }
    if allocation_id and not private:
        params["AllocationId"] = allocation_id
    if specs := tag_specifications("natgateway", name=name, token=token):
        params["TagSpecifications"] = specs
    if token:
        params["ClientToken"] = token
    return params


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
        client_token: The plan's create token: tagged on the gateway (and on a new Elastic
            IP) and sent as ``ClientToken``, so a retried call does not create two.

    Returns:
        What was done: the IAM action, the resource, one line for people.

    Raises:
        BadInput: a malformed id. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    subnet = resource_id(subnet_id, "subnet", "subnet")
    ec2 = client(session, "ec2", region)
    note = ""
    if allocation_id and not private:
        allocation_id = resource_id(allocation_id, "eipalloc", "Elastic IP allocation")
    elif not private:
        address = send_ec2(
            session, region, "AllocateAddress", ec2=ec2, **address_params(client_token)
        )
        allocation_id = address["AllocationId"]
        note = f" with new Elastic IP {address.get('PublicIp', allocation_id)}"
    params = nat_gateway_params(
        subnet, allocation_id=allocation_id, private=private, name=name, token=client_token
    )
    answer = send_ec2(session, region, "CreateNatGateway", ec2=ec2, resource=subnet, **params)
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

    Raises:
        BadInput: a malformed id. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    nat = resource_id(nat_gateway_id, "nat", "NAT gateway")
    send_ec2(session, region, "DeleteNatGateway", resource=nat, NatGatewayId=nat)
    return Change(action="ec2:DeleteNatGateway", resource=nat, message=f"deleting {nat}")


# --------------------------------------------------------------------------- operations


NatGatewayId = Annotated[str, ec2_id("nat", "NAT gateway")]
AllocationId = Annotated[str, ec2_id("eipalloc", "Elastic IP allocation")]


def _list_nats(reader: Reader, args: ListInVpcArgs) -> list[NatGateway]:
    return read_regions(reader, args.region, lambda s, r: list_nat_gateways(s, r, args.vpc_id))


def _nat_table(reader: Reader, args: ListInVpcArgs, gateways: list[NatGateway]) -> Result:
    regions = regions_for(reader, args.region)
    rows = [
        [n.id, n.name or "", n.vpc_id, n.subnet_id, n.state, n.connectivity, n.public_ip or ""]
        for n in gateways
    ]
    columns = ["Gateway", "Name", "VPC", "Subnet", "State", "Type", "Public IP"]
    return listing(
        regions,
        gateways,
        what="NAT gateway",
        key="nat_gateways",
        columns=columns,
        rows=rows,
        within=args.vpc_id,
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
    region = region_of(args)
    allocation = args.allocation_id
    if not args.private and not allocation and args.client_token:
        # an earlier apply of this plan allocated it and stopped before the gateway
        made = addresses_by_token(writers.reader().session(), region, args.client_token)
        allocation = made[0] if made else None
    return create_nat_gateway(
        writers.aws(),
        region,
        args.subnet_id,
        allocation_id=allocation,
        private=args.private,
        name=args.name,
        client_token=args.client_token,
    ).message


def _create_nat_calls(args: CreateNatGatewayArgs) -> list[ApiCall]:
    region = args.region or ""
    new_address = not args.private and not args.allocation_id
    calls: list[ApiCall] = []
    if new_address:
        calls.append(
            ec2_request(
                "AllocateAddress",
                address_params(args.client_token),
                region=region,
                resources=(ec2_arn("elastic-ip", "*"),),
                extra=(create_tags_grant("elastic-ip", "AllocateAddress"),)
                if args.client_token
                else (),
                when="unless an earlier apply of this plan allocated it and stopped before "
                "the gateway",
            )
        )
    params = nat_gateway_params(
        args.subnet_id,
        allocation_id=new_id("Elastic IP allocation") if new_address else args.allocation_id,
        private=args.private,
        name=args.name,
        token=args.client_token,
    )
    uses = [ec2_arn("subnet", args.subnet_id)]
    extra = []
    if args.allocation_id and not args.private:
        uses.append(ec2_arn("elastic-ip", args.allocation_id))
    if new_address:
        extra.append(
            Grant(
                action="ec2:CreateNatGateway",
                resources=(ec2_arn("elastic-ip", "*"),),
                conditions=token_condition(args.client_token),
            )
        )
    if "TagSpecifications" in params:
        extra.append(create_tags_grant("natgateway", "CreateNatGateway"))
    calls.append(
        ec2_request(
            "CreateNatGateway",
            params,
            region=region,
            resources=(ec2_arn("natgateway", "*"),),
            uses=tuple(uses),
            extra=tuple(extra),
        )
    )
    return calls


def _created_nats(reader: Reader, args: CreateNatGatewayArgs) -> list[NatGateway]:
    return made_by_plan(reader, args, nat_gateways_by_token)


def _verify_create_nat(reader: Reader, args: CreateNatGatewayArgs) -> Verification:
    if not args.client_token:
        return no_token("NAT gateway")
    found = [n for n in _created_nats(reader, args) if n.state not in ("deleted", "deleting")]
    read = ", ".join(f"{n.id} in {n.subnet_id} is {n.state}" for n in found)
    if len(found) != 1:
        return wrong_count(found, "live NAT gateway", read)
    nat = found[0]
    if nat.subnet_id != args.subnet_id:
        return NotAsPlanned(read)
    if nat.state == "available":
        return Verified(read + (f" ({nat.public_ip})" if nat.public_ip else ""))
    if nat.state == "pending":
        return InProgress(read, f"`vpc nat {nat.vpc_id}` until {nat.id} is available")
    return NotAsPlanned(read)


def _undo_create_nat(reader: Reader, before: object, args: CreateNatGatewayArgs) -> list[PlanEntry]:
    """Delete the gateway the entry made; an Elastic IP it allocated stays, to release after."""
    entries = []
    live = [
        n for n in _created_nats(reader, args) if n.state not in ("deleted", "deleting", "failed")
    ]
    for nat in only_one(live, "NAT gateway"):
        kept = ""
        if nat.allocation_id and not args.allocation_id:
            kept = (
                f"; the Elastic IP it got ({nat.allocation_id}) stays allocated and billed: "
                f"`ec2 eip release {nat.allocation_id}` once the gateway is deleted"
            )
        entries.append(
            DELETE_NAT_GATEWAY.entry(
                DeleteNatGatewayArgs(region=args.region, nat_gateway_id=nat.id),
                f"Roll back: delete NAT gateway {nat.id} in {nat.subnet_id}, made by the plan"
                + kept,
                [nat.id],
            )
        )
    return entries


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
    calls=_create_nat_calls,
    verify=_verify_create_nat,
    undo=_undo_create_nat,
    examples=(
        {
            "region": "us-east-1",
            "subnet_id": "subnet-0123456789abcdef0",
            "name": "out",
            "client_token": "0123456789abcdef0123456789abcdef",
        },
        {
            "region": "us-east-1",
            "subnet_id": "subnet-0123456789abcdef0",
            "allocation_id": "eipalloc-0123456789abcdef0",
            "client_token": "0123456789abcdef0123456789abcdef",
        },
        {
            "region": "us-east-1",
            "subnet_id": "subnet-0123456789abcdef0",
            "private": True,
            "client_token": "0123456789abcdef0123456789abcdef",
        },
    ),
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


def _delete_nat_calls(args: DeleteNatGatewayArgs) -> list[ApiCall]:
    return [
        ec2_request(
            "DeleteNatGateway",
            {"NatGatewayId": args.nat_gateway_id},
            region=args.region,
            resources=(ec2_arn("natgateway", args.nat_gateway_id),),
        )
    ]


def _verify_delete_nat(reader: Reader, args: DeleteNatGatewayArgs) -> Verification:
    nat = read_nat_gateway(reader.session(), region_of(args), args.nat_gateway_id)
    if nat is None or nat.state == "deleted":
        return Verified(f"{args.nat_gateway_id} is deleted")
    read = f"{nat.id} is {nat.state}"
    if nat.state == "deleting":
        return InProgress(read, f"`vpc nat {nat.vpc_id}` until {nat.id} is gone")
    return NotAsPlanned(read)


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
    calls=_delete_nat_calls,
    verify=_verify_delete_nat,
    irreversible="a deleted NAT gateway is gone for good: private subnets routing through it "
    "lose their way out at once, their routes become blackholes, and a new gateway gets a "
    "new id that no route names",
    examples=({"region": "us-east-1", "nat_gateway_id": "nat-0123456789abcdef0"},),
)

OPERATIONS = (LIST_NAT_GATEWAYS, CREATE_NAT_GATEWAY, DELETE_NAT_GATEWAY)
