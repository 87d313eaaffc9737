"""A subnet's launch default: ``vpc subnet public-ip SUBNET_ID off|on`` (FSBP EC2.15).

With ``MapPublicIpOnLaunch`` on, every instance launched into the subnet gets a public
IPv4 address unless its launcher says otherwise, so a private workload lands on the
internet by default. Turning it off changes no running instance; instances launched
later get no public address unless asked for one (launches that relied on the default,
such as an Auto Scaling group in a public subnet, need ``AssociatePublicIpAddress``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from devops_agent.aws import InRegion, check_region, client, named, one_region
from devops_agent.aws.vpc.proofs import region_of
from devops_agent.aws.vpc.subnets import describe_subnet
from devops_agent.aws.vpc.vpcs import SubnetId
from devops_agent.aws.writes import Change, ec2_arn, ec2_request, write_errors
from devops_agent.operation import (
    ApiCall,
    Command,
    NotAsPlanned,
    PlanEntry,
    Positional,
    Proposal,
    Reader,
    Switch,
    Unchanged,
    Verification,
    Verified,
    Write,
    Writers,
)

if TYPE_CHECKING:
    import boto3

__all__ = ["SET_SUBNET_PUBLIC_IP", "public_ip_params", "set_map_public_ip"]


def public_ip_params(subnet_id: str, on: bool) -> dict[str, Any]:
    """ModifySubnetAttribute's parameters, as the executor sends them and the plan shows them.

    Args:
        subnet_id: The subnet.
        on: Whether launches get a public IPv4 address by default.

    Returns:
        ``SubnetId`` and ``MapPublicIpOnLaunch``.
    """
    return {"SubnetId": subnet_id, "MapPublicIpOnLaunch": {"Value": on}}


def set_map_public_ip(session: boto3.Session, region: str, subnet_id: str, on: bool) -> Change:
    """Turn a subnet's public IPv4 address at launch on or off.

    Args:
        session: The **write** session of an approved plan.
        region: The region.
        subnet_id: The subnet.
        on: Whether launches get a public IPv4 address by default.

    Returns:
        What was done: the IAM action, the resource, one line for people.

    Raises:
        ServiceError: AWS refused (ModifySubnetAttribute takes no DryRun: the call itself
            is the only check).
    """
    region = check_region(session, region)
    with write_errors("ec2:ModifySubnetAttribute", resource=subnet_id, region=region):
        client(session, "ec2", region).modify_subnet_attribute(**public_ip_params(subnet_id, on))
    return Change(
        action="ec2:ModifySubnetAttribute",
        resource=subnet_id,
        message=f"instances launched into {subnet_id} get "
        + ("a public IPv4 address" if on else "no public IPv4 address")
        + " by default",
    )


class SubnetPublicIpArgs(InRegion):
    """Arguments of ``vpc subnet public-ip``."""

    subnet_id: Annotated[SubnetId, Positional()]
    """The subnet (subnet-...)."""
    state: Annotated[Switch, Positional()]
    """off: launches get no public IPv4 address by default; on: they do."""


def _plan(reader: Reader, args: SubnetPublicIpArgs) -> Proposal | Unchanged:
    region = one_region(reader, args.region, "`vpc subnet public-ip`")
    with named():
        subnet = describe_subnet(reader.session(), region, args.subnet_id)
    on = args.state == "on"
    if subnet.map_public_ip_on_launch == on:
        return Unchanged(
            f"{subnet.id} already {'maps' if on else 'does not map'} public IPs at launch",
            {"subnet": subnet.id},
        )
    label = f"{subnet.id} ({subnet.name})" if subnet.name else subnet.id
    what = (
        "give every instance launched into it a public IPv4 address by default"
        if on
        else "stop giving instances launched into it a public IPv4 address by default "
        "(running instances keep theirs)"
    )
    entry = SET_SUBNET_PUBLIC_IP.entry(
        args.model_copy(update={"region": region, "subnet_id": subnet.id}),
        f"Subnet {label} in {subnet.vpc_id}: {what}",
        [subnet.id],
    )
    return Proposal(
        [entry], what=f"turn public IPs at launch {args.state} in {subnet.id}", region=region
    )


def _run(writers: Writers, args: SubnetPublicIpArgs) -> str:
    return set_map_public_ip(
        writers.aws(), region_of(args), args.subnet_id, args.state == "on"
    ).message


def _calls(args: SubnetPublicIpArgs) -> list[ApiCall]:
    return [
        ec2_request(
            "ModifySubnetAttribute",
            public_ip_params(args.subnet_id, args.state == "on"),
            region=args.region,
            resources=(ec2_arn("subnet", args.subnet_id),),
            dry_run=False,
        )
    ]


def _mapped(reader: Reader, args: SubnetPublicIpArgs) -> bool:
    return describe_subnet(
        reader.session(), region_of(args), args.subnet_id
    ).map_public_ip_on_launch


def _verify(reader: Reader, args: SubnetPublicIpArgs) -> Verification:
    on = _mapped(reader, args)
    read = f"{args.subnet_id} {'gives' if on else 'gives no'} public IPv4 addresses at launch"
    return Verified(read) if on == (args.state == "on") else NotAsPlanned(read)


def _before(reader: Reader, args: SubnetPublicIpArgs) -> dict[str, bool]:
    return {"map_public_ip_on_launch": _mapped(reader, args)}


def _undo(reader: Reader, before: Any, args: SubnetPublicIpArgs) -> list[PlanEntry]:
    """Set the launch default back to what it was; nothing when it was already so."""
    if not isinstance(before, dict) or "map_public_ip_on_launch" not in before:
        return []
    was = "on" if before["map_public_ip_on_launch"] else "off"
    if was == args.state:
        return []
    return [
        SET_SUBNET_PUBLIC_IP.entry(
            args.model_copy(update={"state": was}),
            f"Roll back: turn public IPs at launch {was} again in {args.subnet_id}",
            [args.subnet_id],
        )
    ]


SET_SUBNET_PUBLIC_IP = Write(
    name="vpc.set_subnet_public_ip",
    args=SubnetPublicIpArgs,
    summary="Plan to turn a subnet's public IPv4 address at launch on or off.",
    service="vpc",
    commands=(
        Command(
            "vpc subnet public-ip SUBNET_ID on|off",
            "Plan to turn a subnet's public IPv4 address at launch on or off.",
        ),
    ),
    guide="Running instances keep their addresses; off means launches that relied on the "
    "default (Auto Scaling groups in public subnets) must ask for a public address.",
    reads=("ec2:DescribeSubnets",),
    actions=("ec2:ModifySubnetAttribute",),
    arns=("arn:{partition}:ec2:{region}:{account}:subnet/{subnet_id}",),
    plan=_plan,
    run=_run,
    calls=_calls,
    verify=_verify,
    before=_before,
    undo=_undo,
    examples=tuple(
        {"region": "us-east-1", "subnet_id": "subnet-0123456789abcdef0", "state": state}
        for state in ("off", "on")
    ),
)

OPERATIONS = (SET_SUBNET_PUBLIC_IP,)
