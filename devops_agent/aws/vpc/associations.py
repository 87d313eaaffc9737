"""Subnet associations: which route table a subnet uses, and changing it.

A subnet uses the route table explicitly associated with it, or else its VPC's
main table (see :mod:`devops_agent.aws.vpc.route_tables`). Associating replaces the
subnet's current explicit association; disassociating returns it to the main table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from devops_agent.aws import (
    AwsModel,
    InRegion,
    aws_errors,
    check_region,
    client,
    named,
    one_region,
    pages,
)
from devops_agent.aws.vpc.proofs import region_of
from devops_agent.aws.vpc.route_tables import describe_route_table
from devops_agent.aws.vpc.routes import TABLE_ARN
from devops_agent.aws.vpc.subnets import describe_subnet
from devops_agent.aws.vpc.vpcs import RouteTableId, SubnetId, ec2_id
from devops_agent.aws.writes import Change, ec2_arn, ec2_request, resource_id, send_ec2
from devops_agent.errors import BadInput
from devops_agent.operation import (
    ApiCall,
    Command,
    Hidden,
    NotAsPlanned,
    PlanEntry,
    Positional,
    Proposal,
    Reader,
    Unchanged,
    Verification,
    Verified,
    Write,
    Writers,
)

if TYPE_CHECKING:
    import boto3

__all__ = [
    "SubnetAssociation",
    "associate_route_table",
    "disassociate_route_table",
    "subnet_association",
]


class SubnetAssociation(AwsModel):
    """A subnet's explicit route table association."""

    id: str
    """Association id, ``rtbassoc-...``."""
    route_table_id: str
    """The table the subnet uses."""
    subnet_id: str
    """The subnet."""


def subnet_association(
    session: boto3.Session, region: str, subnet_id: str
) -> SubnetAssociation | None:
    """The subnet's explicit route table association, or ``None`` (it uses the main table).

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        subnet_id: The subnet.

    Returns:
        The association and its route table, or ``None``.

    Raises:
        ServiceError: AWS refused (``ec2:DescribeRouteTables``).
    """
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


# --------------------------------------------------------------------------- writes


def associate_route_table(
    session: boto3.Session,
    region: str,
    route_table_id: str,
    subnet_id: str,
    *,
    replace_association_id: str | None = None,
) -> Change:
    """Make a subnet use a route table (replacing its current explicit association if given).

    Args:
        session: The **write** session of an approved plan.
        region: The region.
        route_table_id: The route table.
        subnet_id: The subnet.
        replace_association_id: The subnet's current explicit association to replace; ``None``
            to create one.

    Returns:
        What was done: the IAM action, the resource, one line for people.

    Raises:
        BadInput: a malformed id. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    table = resource_id(route_table_id, "rtb", "route table")
    subnet = resource_id(subnet_id, "subnet", "subnet")
    ec2 = client(session, "ec2", region)
    if replace_association_id:
        association = resource_id(replace_association_id, "rtbassoc", "route table association")
        send_ec2(
            session,
            region,
            "ReplaceRouteTableAssociation",
            ec2=ec2,
            resource=subnet,
            AssociationId=association,
            RouteTableId=table,
        )
        return Change(
            action="ec2:ReplaceRouteTableAssociation",
            resource=subnet,
            message=f"{subnet} now uses {table} (association replaced)",
        )
    send_ec2(
        session,
        region,
        "AssociateRouteTable",
        ec2=ec2,
        resource=subnet,
        RouteTableId=table,
        SubnetId=subnet,
    )
    return Change(
        action="ec2:AssociateRouteTable", resource=subnet, message=f"{subnet} now uses {table}"
    )


def disassociate_route_table(session: boto3.Session, region: str, association_id: str) -> Change:
    """Remove an explicit association: the subnet falls back to the VPC's main table.

    Args:
        session: The **write** session of an approved plan.
        region: The region.
        association_id: The association (``rtbassoc-``).

    Returns:
        What was done: the IAM action, the resource, one line for people.

    Raises:
        BadInput: a malformed id. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    association = resource_id(association_id, "rtbassoc", "route table association")
    send_ec2(
        session, region, "DisassociateRouteTable", resource=association, AssociationId=association
    )
    return Change(
        action="ec2:DisassociateRouteTable",
        resource=association,
        message=f"removed association {association}",
    )


# --------------------------------------------------------------------------- operations

AssociationId = Annotated[str, ec2_id("rtbassoc", "route table association")]


class AssociateRouteTableArgs(InRegion):
    """Arguments of ``vpc route-table associate``."""

    route_table_id: Annotated[RouteTableId, Positional()]
    """The table the subnet should use (rtb-...)."""
    subnet_id: Annotated[SubnetId, Positional()]
    """The subnet (subnet-...), in the table's VPC."""
    replace_association_id: Annotated[AssociationId | None, Hidden()] = None
    """The subnet's explicit association when planned, replaced by the new one."""
    current_route_table_id: Annotated[RouteTableId | None, Hidden()] = None
    """The table that association points at (the subnet leaves it), when planned."""


def _plan_associate(reader: Reader, args: AssociateRouteTableArgs) -> Proposal | Unchanged:
    region = one_region(reader, args.region, "`vpc route-table associate`")
    session = reader.session()
    with named():
        table = describe_route_table(session, region, args.route_table_id)
        subnet = describe_subnet(session, region, args.subnet_id)
    if subnet.vpc_id != table.vpc_id:
        raise BadInput(f"{subnet.id} is in {subnet.vpc_id}, {table.id} in {table.vpc_id}.")
    current = subnet_association(session, region, subnet.id)
    if current is not None and current.route_table_id == table.id:
        return Unchanged(f"{subnet.id} already uses {table.id}", {"subnet": subnet.id})
    entry = ASSOCIATE_ROUTE_TABLE.entry(
        args.model_copy(
            update={
                "region": region,
                "route_table_id": table.id,
                "subnet_id": subnet.id,
                "replace_association_id": current.id if current else None,
                "current_route_table_id": current.route_table_id if current else None,
            }
        ),
        f"Make {subnet.id} use {table.id}"
        + (f" instead of {current.route_table_id}" if current else " instead of the main table"),
        [subnet.id, table.id],
    )
    return Proposal([entry], what=f"associate {table.id} with {subnet.id}", region=region)


def _run_associate(writers: Writers, args: AssociateRouteTableArgs) -> str:
    return associate_route_table(
        writers.aws(),
        region_of(args),
        args.route_table_id,
        args.subnet_id,
        replace_association_id=args.replace_association_id,
    ).message


def _tables(*ids: str | None) -> tuple[str, ...]:
    """Route table ARNs of the ids given; ``route-table/*`` when none is known."""
    known = [ec2_arn("route-table", i) for i in dict.fromkeys(ids) if i]
    return tuple(known) or (ec2_arn("route-table", "*"),)


def _associate_calls(args: AssociateRouteTableArgs) -> list[ApiCall]:
    subnet = ec2_arn("subnet", args.subnet_id)
    if args.replace_association_id:
        return [
            ec2_request(
                "ReplaceRouteTableAssociation",
                {
                    "AssociationId": args.replace_association_id,
                    "RouteTableId": args.route_table_id,
                },
                region=args.region,
                resources=(*_tables(args.route_table_id, args.current_route_table_id), subnet),
            )
        ]
    return [
        ec2_request(
            "AssociateRouteTable",
            {"RouteTableId": args.route_table_id, "SubnetId": args.subnet_id},
            region=args.region,
            resources=(*_tables(args.route_table_id), subnet),
        )
    ]


def _table_of(reader: Reader, region: str, subnet_id: str) -> dict[str, Any]:
    """The subnet's explicit association now: its id and table, or nulls (the main table)."""
    current = subnet_association(reader.session(), region, subnet_id)
    return {
        "association_id": current.id if current else None,
        "route_table_id": current.route_table_id if current else None,
    }


def _verify_associate(reader: Reader, args: AssociateRouteTableArgs) -> Verification:
    now = _table_of(reader, region_of(args), args.subnet_id)["route_table_id"]
    read = f"{args.subnet_id} uses {now or 'the main route table'}"
    return Verified(read) if now == args.route_table_id else NotAsPlanned(read)


def _before(reader: Reader, args: AssociateRouteTableArgs | DisassociateRouteTableArgs) -> Any:
    return _table_of(reader, region_of(args), args.subnet_id)


def _undo_associate(reader: Reader, before: Any, args: AssociateRouteTableArgs) -> list[PlanEntry]:
    """Put the subnet back on the table it used: its old one, or the main one."""
    was = before.get("route_table_id") if isinstance(before, dict) else None
    now = _table_of(reader, region_of(args), args.subnet_id)
    if now["route_table_id"] != args.route_table_id or not now["association_id"]:
        return []
    if was:
        back = AssociateRouteTableArgs(
            region=args.region,
            route_table_id=was,
            subnet_id=args.subnet_id,
            replace_association_id=now["association_id"],
            current_route_table_id=args.route_table_id,
        )
        return [
            ASSOCIATE_ROUTE_TABLE.entry(
                back,
                f"Roll back: make {args.subnet_id} use {was} again instead of "
                f"{args.route_table_id}",
                [args.subnet_id, was],
            )
        ]
    back_main = DisassociateRouteTableArgs(
        region=args.region,
        subnet_id=args.subnet_id,
        association_id=now["association_id"],
        current_route_table_id=args.route_table_id,
    )
    return [
        DISASSOCIATE_ROUTE_TABLE.entry(
            back_main,
            f"Roll back: return {args.subnet_id} from {args.route_table_id} to the main table",
            [args.subnet_id, args.route_table_id],
        )
    ]


ASSOCIATE_ROUTE_TABLE = Write(
    name="vpc.associate_route_table",
    args=AssociateRouteTableArgs,
    summary="Plan to make a subnet use a route table.",
    service="vpc",
    commands=(
        Command(
            "vpc route-table associate RTB_ID SUBNET_ID",
            "Plan to make a subnet use a route table.",
        ),
    ),
    guide="Replaces the subnet's current explicit association if it has one (the plan says "
    "which table it leaves). Already so: no plan.",
    reads=("ec2:DescribeRouteTables", "ec2:DescribeSubnets"),
    actions=("ec2:AssociateRouteTable", "ec2:ReplaceRouteTableAssociation"),
    arns=(
        TABLE_ARN,
        "arn:{partition}:ec2:{region}:{account}:route-table/{current_route_table_id}",
        "arn:{partition}:ec2:{region}:{account}:subnet/{subnet_id}",
    ),
    plan=_plan_associate,
    run=_run_associate,
    calls=_associate_calls,
    verify=_verify_associate,
    before=_before,
    undo=_undo_associate,
    examples=(
        {
            "region": "us-east-1",
            "route_table_id": "rtb-0123456789abcdef0",
            "subnet_id": "subnet-0123456789abcdef0",
        },
        {
            "region": "us-east-1",
            "route_table_id": "rtb-0123456789abcdef0",
            "subnet_id": "subnet-0123456789abcdef0",
            "replace_association_id": "rtbassoc-0123456789abcdef0",
            "current_route_table_id": "rtb-0fedcba9876543210",
        },
    ),
)


class DisassociateRouteTableArgs(InRegion):
    """Arguments of ``vpc route-table disassociate``."""

    subnet_id: Annotated[SubnetId, Positional()]
    """The subnet to return to its VPC's main route table (subnet-...)."""
    association_id: Annotated[AssociationId | None, Hidden()] = None
    """The subnet's explicit association when planned: the executor removes it."""
    current_route_table_id: Annotated[RouteTableId | None, Hidden()] = None
    """The table that association points at, when planned."""


def _plan_disassociate(reader: Reader, args: DisassociateRouteTableArgs) -> Proposal | Unchanged:
    region = one_region(reader, args.region, "`vpc route-table disassociate`")
    session = reader.session()
    with named():
        subnet = describe_subnet(session, region, args.subnet_id)
    current = subnet_association(session, region, subnet.id)
    if current is None:
        return Unchanged(
            f"{subnet.id} already uses its VPC's main route table", {"subnet": subnet.id}
        )
    entry = DISASSOCIATE_ROUTE_TABLE.entry(
        args.model_copy(
            update={
                "region": region,
                "subnet_id": subnet.id,
                "association_id": current.id,
                "current_route_table_id": current.route_table_id,
            }
        ),
        f"Disassociate {subnet.id} from {current.route_table_id} (it falls back to the main table)",
        [subnet.id, current.route_table_id],
    )
    return Proposal([entry], what=f"disassociate {subnet.id}", region=region)


def _run_disassociate(writers: Writers, args: DisassociateRouteTableArgs) -> str:
    if not args.association_id:
        raise BadInput(
            f"The plan names no association of {args.subnet_id} to remove.",
            remedy="Ask for the change again.",
        )
    return disassociate_route_table(writers.aws(), region_of(args), args.association_id).message


def _disassociate_calls(args: DisassociateRouteTableArgs) -> list[ApiCall]:
    return [
        ec2_request(
            "DisassociateRouteTable",
            {"AssociationId": args.association_id or ""},
            region=args.region,
            resources=(
                *_tables(args.current_route_table_id),
                ec2_arn("subnet", args.subnet_id),
            ),
        )
    ]


def _verify_disassociate(reader: Reader, args: DisassociateRouteTableArgs) -> Verification:
    now = _table_of(reader, region_of(args), args.subnet_id)["route_table_id"]
    read = f"{args.subnet_id} uses {now or 'the main route table'}"
    return NotAsPlanned(read) if now else Verified(read)


def _undo_disassociate(
    reader: Reader, before: Any, args: DisassociateRouteTableArgs
) -> list[PlanEntry]:
    """Associate the subnet with the table it used again."""
    was = before.get("route_table_id") if isinstance(before, dict) else None
    if not was:
        return []
    return [
        ASSOCIATE_ROUTE_TABLE.entry(
            AssociateRouteTableArgs(
                region=args.region, route_table_id=was, subnet_id=args.subnet_id
            ),
            f"Roll back: make {args.subnet_id} use {was} again",
            [args.subnet_id, was],
        )
    ]


DISASSOCIATE_ROUTE_TABLE = Write(
    name="vpc.disassociate_route_table",
    args=DisassociateRouteTableArgs,
    summary="Plan to return a subnet to its VPC's main route table.",
    service="vpc",
    commands=(
        Command(
            "vpc route-table disassociate SUBNET_ID",
            "Plan to return a subnet to its VPC's main route table.",
        ),
    ),
    guide="Removes the subnet's explicit association; it then uses the main table's routes. "
    "A subnet already on the main table: no plan.",
    reads=("ec2:DescribeSubnets", "ec2:DescribeRouteTables"),
    actions=("ec2:DisassociateRouteTable",),
    arns=(
        "arn:{partition}:ec2:{region}:{account}:route-table/{current_route_table_id}",
        "arn:{partition}:ec2:{region}:{account}:subnet/{subnet_id}",
    ),
    plan=_plan_disassociate,
    run=_run_disassociate,
    calls=_disassociate_calls,
    verify=_verify_disassociate,
    before=_before,
    undo=_undo_disassociate,
    examples=(
        {
            "region": "us-east-1",
            "subnet_id": "subnet-0123456789abcdef0",
            "association_id": "rtbassoc-0123456789abcdef0",
            "current_route_table_id": "rtb-0123456789abcdef0",
        },
    ),
)

OPERATIONS = (ASSOCIATE_ROUTE_TABLE, DISASSOCIATE_ROUTE_TABLE)
