"""Changing routing: creating and deleting route tables, adding and removing routes, and
``vpc route-table create|delete`` and ``vpc route add|delete``.

:func:`route_target` and :func:`route_destination` turn what was typed into CreateRoute's
parameters; :func:`route_table_params` and :func:`route_params` are the one builders of
the calls' parameters (the executor sends them and the plan shows them). Every plan is
made from the tables as they are read now (:mod:`devops_agent.aws.vpc.route_tables`).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator

from devops_agent.aws import InRegion, check_region, named, one_region
from devops_agent.aws.vpc.gateways import list_internet_gateways
from devops_agent.aws.vpc.nat_gateways import list_nat_gateways
from devops_agent.aws.vpc.proofs import (
    Deletion,
    create_tags_grant,
    made_by_plan,
    no_token,
    only_one,
    region_of,
    tag_specifications,
    wrong_count,
)
from devops_agent.aws.vpc.route_tables import (
    Route,
    RouteTable,
    describe_route_table,
    route_tables_by_token,
)
from devops_agent.aws.vpc.vpcs import ClientToken, Name, RouteTableId, VpcId, describe_vpc
from devops_agent.aws.writes import Change, cidr_block, ec2_arn, ec2_request, resource_id, send_ec2
from devops_agent.errors import BadInput
from devops_agent.operation import (
    ApiCall,
    Command,
    NotAsPlanned,
    PlanEntry,
    Positional,
    Proposal,
    Reader,
    Verification,
    Verified,
    Write,
    Writers,
)

if TYPE_CHECKING:
    import boto3

__all__ = [
    "ROUTE_TARGETS",
    "create_route",
    "create_route_table",
    "delete_route",
    "delete_route_table",
    "route_destination",
    "route_params",
    "route_table_params",
    "route_target",
]

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


def route_target(target: str) -> tuple[str, str]:
    """The CreateRoute parameter for a target id, and the id.

    Args:
        target: The target's id (``igw-``, ``nat-``, ``tgw-``...).

    Returns:
        The parameter (``GatewayId``, ``NatGatewayId``...) and the id.

    Raises:
        BadInput: not an id of a kind a route can point at.
    """
    prefix = target.strip().lower().split("-", 1)[0]
    if prefix not in ROUTE_TARGETS:
        kinds = ", ".join(f"{p}-..." for p in ROUTE_TARGETS)
        raise BadInput(f"'{target}' is not a route target; give one of {kinds}.")
    return ROUTE_TARGETS[prefix], resource_id(target, prefix, "route target")


def route_destination(destination: str) -> tuple[str, str]:
    """The CreateRoute destination parameter for a CIDR or prefix list, and its value.

    Args:
        destination: A CIDR block (IPv4 or IPv6) or a prefix list id.

    Returns:
        ``DestinationCidrBlock``, ``DestinationIpv6CidrBlock`` or ``DestinationPrefixListId``,
        and the value.

    Raises:
        BadInput: neither a CIDR block nor a prefix list id.
    """
    text = destination.strip()
    if text.lower().startswith("pl-"):
        return "DestinationPrefixListId", resource_id(text, "pl", "prefix list")
    block = cidr_block(text)
    return ("DestinationIpv6CidrBlock" if ":" in block else "DestinationCidrBlock"), block


# --------------------------------------------------------------------------- writes

_DELETION = Deletion(
    action="ec2:DeleteRouteTable",
    param="RouteTableId",
    field="route_table_id",
    prefix="rtb",
    what="route table",
    arn_kind="route-table",
    read=describe_route_table,
)
"""Deleting a route table by its id (``vpc route-table delete``)."""


def route_table_params(
    vpc_id: str, *, name: str | None = None, token: str | None = None
) -> dict[str, Any]:
    """CreateRouteTable's parameters, as the executor sends them and the plan shows them.

    Args:
        vpc_id: The VPC.
        name: Its ``Name`` tag.
        token: The plan's create token: tagged on the table and sent as ``ClientToken``.

    Returns:
        ``VpcId`` and, when given, ``TagSpecifications`` and ``ClientToken``.

    Raises:
        BadInput: a malformed VPC id.
    """
    params: dict[str, Any] = {"VpcId": resource_id(vpc_id, "vpc", "VPC")}
    if specs := tag_specifications("route-table", name=name, token=token):
        params["TagSpecifications"] = specs
    if token:
        params["ClientToken"] = token
    return params


def create_route_table(
    session: boto3.Session,
    region: str,
    vpc_id: str,
    *,
    name: str | None = None,
    token: str | None = None,
) -> Change:
    """Create a route table (with only the local route) in a VPC.

    Args:
        session: The **write** session of an approved plan.
        region: The region.
        vpc_id: The VPC.
        name: Its ``Name`` tag.
        token: The plan's create token (tag and ``ClientToken``).

    Returns:
        What was done: the IAM action, the resource, one line for people.

    Raises:
        BadInput: a malformed id. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    params = route_table_params(vpc_id, name=name, token=token)
    vpc = params["VpcId"]
    answer = send_ec2(session, region, "CreateRouteTable", resource=vpc, **params)
    table_id = answer["RouteTable"]["RouteTableId"]
    return Change(
        action="ec2:CreateRouteTable", resource=table_id, message=f"created {table_id} in {vpc}"
    )


def delete_route_table(session: boto3.Session, region: str, route_table_id: str) -> Change:
    """Delete a route table (EC2 refuses the main table and associated ones).

    Args:
        session: The **write** session of an approved plan.
        region: The region.
        route_table_id: The route table.

    Returns:
        What was done: the IAM action, the resource, one line for people.

    Raises:
        BadInput: a malformed id. ServiceError: AWS refused (``DependencyViolation`` while a
            subnet uses it).
    """
    return _DELETION.delete(session, region, route_table_id)


def route_params(
    route_table_id: str, destination: str, target: str | None = None
) -> dict[str, Any]:
    """CreateRoute's (or, without a target, DeleteRoute's) parameters.

    Args:
        route_table_id: The route table.
        destination: A CIDR block or a prefix list id.
        target: The target's id; ``None`` for DeleteRoute.

    Returns:
        ``RouteTableId``, the destination parameter and, with a target, its parameter.

    Raises:
        BadInput: a malformed id, destination or target.
    """
    dest_param, dest = route_destination(destination)
    params: dict[str, Any] = {
        "RouteTableId": resource_id(route_table_id, "rtb", "route table"),
        dest_param: dest,
    }
    if target is not None:
        target_param, target_id = route_target(target)
        params[target_param] = target_id
    return params


def create_route(
    session: boto3.Session, region: str, route_table_id: str, destination: str, target: str
) -> Change:
    """Add a route: ``destination`` (CIDR or prefix list) through ``target`` (igw-, nat-...).

    Args:
        session: The **write** session of an approved plan.
        region: The region.
        route_table_id: The route table.
        destination: A CIDR block or a prefix list id.
        target: The target's id.

    Returns:
        What was done: the IAM action, the resource, one line for people.

    Raises:
        BadInput: a malformed id, destination or target. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    params = route_params(route_table_id, destination, target)
    table = params["RouteTableId"]
    dest = route_destination(destination)[1]
    target_id = route_target(target)[1]
    send_ec2(session, region, "CreateRoute", resource=table, **params)
    return Change(
        action="ec2:CreateRoute", resource=table, message=f"added {dest} -> {target_id} to {table}"
    )


def delete_route(
    session: boto3.Session, region: str, route_table_id: str, destination: str
) -> Change:
    """Remove the route for ``destination`` from a route table.

    Args:
        session: The **write** session of an approved plan.
        region: The region.
        route_table_id: The route table.
        destination: The route's CIDR block or prefix list id.

    Returns:
        What was done: the IAM action, the resource, one line for people.

    Raises:
        BadInput: a malformed id or destination. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    params = route_params(route_table_id, destination)
    table = params["RouteTableId"]
    dest = route_destination(destination)[1]
    send_ec2(session, region, "DeleteRoute", resource=table, **params)
    return Change(action="ec2:DeleteRoute", resource=table, message=f"removed {dest} from {table}")


# --------------------------------------------------------------------------- argument types

Destination = Annotated[str, AfterValidator(lambda value: route_destination(value)[1])]
"""A CIDR block (IPv4 or IPv6) in canonical form, or a prefix list id (``pl-...``)."""
Target = Annotated[str, AfterValidator(lambda value: route_target(value)[1])]
"""An id a route can point at: igw-, vgw-, nat-, tgw-, pcx-, eni-, eigw-, vpce- or i-."""
TABLE_ARN = "arn:{partition}:ec2:{region}:{account}:route-table/{route_table_id}"
"""The ARN pattern of the route table an operation names."""


# --------------------------------------------------------------------------- operations


class CreateRouteTableArgs(InRegion):
    """Arguments of ``vpc route-table create``."""

    vpc_id: Annotated[VpcId, Positional()]
    """The VPC the table belongs to (vpc-...)."""
    name: Name = None
    """Value of its Name tag; null for none."""
    client_token: ClientToken = None
    """The create token, drawn by the preview: tagged on the table and sent as its
    ClientToken (see :mod:`.proofs`)."""


def _plan_create_table(reader: Reader, args: CreateRouteTableArgs) -> Proposal:
    region = one_region(reader, args.region, "`vpc route-table create`")
    with named():
        network = describe_vpc(reader.session(), region, args.vpc_id)
    entry = CREATE_ROUTE_TABLE.entry(
        args.model_copy(
            update={"region": region, "vpc_id": network.id, "client_token": uuid.uuid4().hex}
        ),
        f"Create a route table in {network.id}"
        + (f" named {args.name}" if args.name else "")
        + " (local route only; no subnet uses it yet)",
        [network.id],
    )
    return Proposal([entry], what=f"create a route table in {network.id}", region=region)


def _run_create_table(writers: Writers, args: CreateRouteTableArgs) -> str:
    return create_route_table(
        writers.aws(), region_of(args), args.vpc_id, name=args.name, token=args.client_token
    ).message


def _create_table_calls(args: CreateRouteTableArgs) -> list[ApiCall]:
    params = route_table_params(args.vpc_id, name=args.name, token=args.client_token)
    return [
        ec2_request(
            "CreateRouteTable",
            params,
            region=args.region,
            resources=(ec2_arn("route-table", "*"),),
            uses=(ec2_arn("vpc", args.vpc_id),),
            extra=(create_tags_grant("route-table", "CreateRouteTable"),)
            if "TagSpecifications" in params
            else (),
        )
    ]


def _created_tables(reader: Reader, args: CreateRouteTableArgs) -> list[RouteTable]:
    return made_by_plan(reader, args, route_tables_by_token)


def _verify_create_table(reader: Reader, args: CreateRouteTableArgs) -> Verification:
    if not args.client_token:
        return no_token("route table")
    found = _created_tables(reader, args)
    read = ", ".join(f"{t.id} in {t.vpc_id} ({'; '.join(t.routes)})" for t in found)
    if len(found) != 1 or found[0].vpc_id != args.vpc_id:
        return wrong_count(found, "route table", read)
    return Verified(read)


def _undo_create_table(
    reader: Reader, before: object, args: CreateRouteTableArgs
) -> list[PlanEntry]:
    """Delete the table the entry made (EC2 refuses while a subnet uses it)."""
    return [
        DELETE_ROUTE_TABLE.entry(
            DeleteRouteTableArgs(region=args.region, route_table_id=t.id),
            f"Roll back: delete route table {t.id} in {t.vpc_id}, made by the plan",
            [t.id],
        )
        for t in only_one(_created_tables(reader, args), "route table")
    ]


CREATE_ROUTE_TABLE = Write(
    name="vpc.create_route_table",
    args=CreateRouteTableArgs,
    summary="Plan to create a route table.",
    service="vpc",
    commands=(
        Command("vpc route-table create VPC_ID [--name N]", "Plan to create a route table."),
    ),
    guide="The new table has only the VPC's local route and no subnet uses it until it is "
    "associated (associate_route_table).",
    reads=("ec2:DescribeVpcs",),
    actions=("ec2:CreateRouteTable", "ec2:CreateTags"),
    arns=(
        "arn:{partition}:ec2:{region}:{account}:vpc/{vpc_id}",
        "arn:{partition}:ec2:{region}:{account}:route-table/*",
    ),
    plan=_plan_create_table,
    run=_run_create_table,
    calls=_create_table_calls,
    verify=_verify_create_table,
    undo=_undo_create_table,
    examples=(
        {
            "region": "us-east-1",
            "vpc_id": "vpc-0123456789abcdef0",
            "name": "public",
            "client_token": "0123456789abcdef0123456789abcdef",
        },
    ),
)


class DeleteRouteTableArgs(InRegion):
    """Arguments of ``vpc route-table delete``."""

    route_table_id: Annotated[RouteTableId, Positional()]
    """The table to delete (rtb-...); not a main table, and no subnet may use it."""


def _plan_delete_table(reader: Reader, args: DeleteRouteTableArgs) -> Proposal:
    region = one_region(reader, args.region, "`vpc route-table delete`")
    with named():
        table = describe_route_table(reader.session(), region, args.route_table_id)
    if table.main:
        raise BadInput(f"{table.id} is the main route table of {table.vpc_id}; AWS keeps it.")
    if table.associations:
        raise BadInput(
            f"{table.id} is used by {', '.join(table.associations)}.",
            remedy="Disassociate them first: `vpc route-table disassociate SUBNET_ID`.",
        )
    entry = DELETE_ROUTE_TABLE.entry(
        args.model_copy(update={"region": region, "route_table_id": table.id}),
        f"Delete route table {table.id}" + (f" ({table.name})" if table.name else ""),
        [table.id],
    )
    return Proposal([entry], what=f"delete {table.id}", region=region)


DELETE_ROUTE_TABLE = Write(
    name="vpc.delete_route_table",
    args=DeleteRouteTableArgs,
    summary="Plan to delete an unused route table.",
    service="vpc",
    commands=(Command("vpc route-table delete RTB_ID", "Plan to delete an unused route table."),),
    guide="Refused for a VPC's main table and for a table subnets still use "
    "(disassociate_route_table them first).",
    reads=("ec2:DescribeRouteTables",),
    actions=("ec2:DeleteRouteTable",),
    arns=(TABLE_ARN,),
    plan=_plan_delete_table,
    run=_DELETION.run,
    calls=_DELETION.calls,
    verify=_DELETION.verify,
    irreversible="a deleted route table is gone for good with its routes: a new one gets a "
    "new id, and nothing that named the old one follows it",
    examples=({"region": "us-east-1", "route_table_id": "rtb-0123456789abcdef0"},),
)


def _route_for(table: RouteTable, destination: str) -> str | None:
    return next((r for r in table.routes if r.split(" -> ")[0] == destination), None)


def _route(reader: Reader, args: CreateRouteArgs | DeleteRouteArgs) -> Route | None:
    """The table's route for the entry's destination, read now."""
    table = describe_route_table(reader.session(), region_of(args), args.route_table_id)
    return next((r for r in table.route_entries if r.destination == args.destination), None)


class CreateRouteArgs(InRegion):
    """Arguments of ``vpc route add``."""

    route_table_id: Annotated[RouteTableId, Positional()]
    """The table to add the route to (rtb-...)."""
    destination: Annotated[Destination, Positional()]
    """Where the route leads: a CIDR block (0.0.0.0/0, 10.60.0.0/16, ::/0) or a prefix list
    (pl-...); the table may have no route for it yet."""
    target: Annotated[Target, Positional()]
    """Through what: igw- (attached to the table's VPC), nat- (of that VPC), tgw-, pcx-,
    eni-, eigw-, vpce-, vgw- or i-."""


def _plan_create_route(reader: Reader, args: CreateRouteArgs) -> Proposal:
    region = one_region(reader, args.region, "`vpc route add`")
    session = reader.session()
    with named():
        table = describe_route_table(session, region, args.route_table_id)
    existing = _route_for(table, args.destination)
    if existing:
        raise BadInput(
            f"{table.id} already routes {existing}.",
            remedy=f"Delete it first: `vpc route delete {table.id} {args.destination}`.",
        )
    target = args.target
    if target.startswith("igw-") and target not in {
        g.id for g in list_internet_gateways(session, region, table.vpc_id)
    }:
        raise BadInput(f"{target} is not attached to {table.vpc_id}.")
    if target.startswith("nat-") and target not in {
        n.id for n in list_nat_gateways(session, region, table.vpc_id)
    }:
        raise BadInput(f"{target} is not a NAT gateway of {table.vpc_id}.")
    entry = CREATE_ROUTE.entry(
        args.model_copy(update={"region": region, "route_table_id": table.id}),
        f"Route {args.destination} -> {target} in {table.id}"
        + (f" ({table.name})" if table.name else ""),
        [table.id, target],
    )
    return Proposal([entry], what=f"add a route to {table.id}", region=region)


def _run_create_route(writers: Writers, args: CreateRouteArgs) -> str:
    return create_route(
        writers.aws(), region_of(args), args.route_table_id, args.destination, args.target
    ).message


def _route_call(args: CreateRouteArgs | DeleteRouteArgs) -> ApiCall:
    target = args.target if isinstance(args, CreateRouteArgs) else None
    operation = "DeleteRoute" if target is None else "CreateRoute"
    return ec2_request(
        operation,
        route_params(args.route_table_id, args.destination, target),
        region=args.region,
        resources=(ec2_arn("route-table", args.route_table_id),),
    )


def _verify_create_route(reader: Reader, args: CreateRouteArgs) -> Verification:
    route = _route(reader, args)
    if route is None:
        return NotAsPlanned(f"{args.route_table_id} has no route for {args.destination}")
    read = f"{args.route_table_id} routes {route}"
    if route.target != args.target or route.state == "blackhole":
        return NotAsPlanned(read)
    return Verified(read)


def _undo_create_route(reader: Reader, before: object, args: CreateRouteArgs) -> list[PlanEntry]:
    """Remove the route that was added."""
    back = DeleteRouteArgs(
        region=args.region, route_table_id=args.route_table_id, destination=args.destination
    )
    return [
        DELETE_ROUTE.entry(
            back,
            f"Roll back: remove the route {args.destination} -> {args.target} from "
            f"{args.route_table_id}",
            [args.route_table_id],
        )
    ]


CREATE_ROUTE = Write(
    name="vpc.create_route",
    args=CreateRouteArgs,
    summary="Plan to add a route (target igw-, nat-, tgw-, pcx-, eni-, vpce-, i-...).",
    service="vpc",
    commands=(
        Command(
            "vpc route add RTB_ID CIDR|PL_ID TARGET_ID",
            "Plan to add a route (target igw-, nat-, tgw-, pcx-, eni-, vpce-, i-...).",
        ),
    ),
    guide="0.0.0.0/0 -> igw- makes the table's subnets public; 0.0.0.0/0 -> nat- gives "
    "private subnets a way out. A destination that already has a route is refused (delete "
    "it first with delete_route).",
    reads=(
        "ec2:DescribeRouteTables",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeNatGateways",
    ),
    actions=("ec2:CreateRoute",),
    arns=(TABLE_ARN,),
    plan=_plan_create_route,
    run=_run_create_route,
    calls=lambda args: [_route_call(args)],
    verify=_verify_create_route,
    undo=_undo_create_route,
    examples=(
        {
            "region": "us-east-1",
            "route_table_id": "rtb-0123456789abcdef0",
            "destination": "0.0.0.0/0",
            "target": "igw-0123456789abcdef0",
        },
    ),
)


class DeleteRouteArgs(InRegion):
    """Arguments of ``vpc route delete``."""

    route_table_id: Annotated[RouteTableId, Positional()]
    """The table to remove the route from (rtb-...)."""
    destination: Annotated[Destination, Positional()]
    """The route's destination: a CIDR block or a prefix list (pl-...)."""


def _plan_delete_route(reader: Reader, args: DeleteRouteArgs) -> Proposal:
    region = one_region(reader, args.region, "`vpc route delete`")
    with named():
        table = describe_route_table(reader.session(), region, args.route_table_id)
    existing = _route_for(table, args.destination)
    if existing is None:
        raise BadInput(f"{table.id} has no route for {args.destination}.")
    if existing.endswith("-> local"):
        raise BadInput(f"{existing} is the VPC's local route; AWS keeps it.")
    entry = DELETE_ROUTE.entry(
        args.model_copy(update={"region": region, "route_table_id": table.id}),
        f"Remove the route {existing} from {table.id}",
        [table.id],
    )
    return Proposal([entry], what=f"remove a route from {table.id}", region=region)


def _run_delete_route(writers: Writers, args: DeleteRouteArgs) -> str:
    return delete_route(
        writers.aws(), region_of(args), args.route_table_id, args.destination
    ).message


def _verify_delete_route(reader: Reader, args: DeleteRouteArgs) -> Verification:
    route = _route(reader, args)
    if route is not None:
        return NotAsPlanned(f"{args.route_table_id} still routes {route}")
    return Verified(f"{args.route_table_id} has no route for {args.destination}")


def _before_delete_route(reader: Reader, args: DeleteRouteArgs) -> dict[str, str] | None:
    route = _route(reader, args)
    return None if route is None else route.model_dump(mode="json")


def _undo_delete_route(reader: Reader, before: Any, args: DeleteRouteArgs) -> list[PlanEntry]:
    """Add the route back through the target it had.

    Raises:
        BadInput: the route was a blackhole (its target is gone, so AWS would refuse it
            again), or its target is not one ``vpc route add`` takes.
    """
    if not isinstance(before, dict) or not before.get("target"):
        return []
    target = str(before["target"])
    if before.get("state") == "blackhole":
        raise BadInput(f"the route went to {target}, which is gone: there is nothing to put back")
    try:
        back = CreateRouteArgs(
            region=args.region,
            route_table_id=args.route_table_id,
            destination=args.destination,
            target=target,
        )
    except BadInput as exc:
        raise BadInput(
            f"the route went to {target}, which `vpc route add` cannot target; add it back "
            "by hand if it is needed"
        ) from exc
    return [
        CREATE_ROUTE.entry(
            back,
            f"Roll back: route {args.destination} -> {target} in {args.route_table_id} again",
            [args.route_table_id, target],
        )
    ]


DELETE_ROUTE = Write(
    name="vpc.delete_route",
    args=DeleteRouteArgs,
    summary="Plan to remove a route.",
    service="vpc",
    commands=(Command("vpc route delete RTB_ID CIDR|PL_ID", "Plan to remove a route."),),
    guide="The VPC's local route stays. Removing 0.0.0.0/0 -> igw- takes the internet away "
    "from every subnet that uses the table.",
    reads=("ec2:DescribeRouteTables",),
    actions=("ec2:DeleteRoute",),
    arns=(TABLE_ARN,),
    plan=_plan_delete_route,
    run=_run_delete_route,
    calls=lambda args: [_route_call(args)],
    verify=_verify_delete_route,
    before=_before_delete_route,
    undo=_undo_delete_route,
    examples=(
        {
            "region": "us-east-1",
            "route_table_id": "rtb-0123456789abcdef0",
            "destination": "0.0.0.0/0",
        },
    ),
)


OPERATIONS = (
    CREATE_ROUTE,
    DELETE_ROUTE,
    CREATE_ROUTE_TABLE,
    DELETE_ROUTE_TABLE,
)
