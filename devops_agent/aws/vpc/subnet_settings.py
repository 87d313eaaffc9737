"""A subnet's launch default: ``vpc subnet public-ip SUBNET_ID off|on`` (FSBP EC2.15).

With ``MapPublicIpOnLaunch`` on, every instance launched into the subnet gets a public
IPv4 address unless its launcher says otherwise, so a private workload lands on the
internet by default. Turning it off changes no running instance; instances launched
later get no public address unless asked for one (launches that relied on the default,
such as an Auto Scaling group in a public subnet, need ``AssociatePublicIpAddress``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from devops_agent.aws import InRegion, check_region, client, named, one_region
from devops_agent.aws.vpc.subnets import describe_subnet
from devops_agent.aws.vpc.vpcs import SubnetId
from devops_agent.aws.writes import Change, write_errors
from devops_agent.operation import (
    Command,
    Positional,
    Proposal,
    Reader,
    Switch,
    Unchanged,
    Write,
    Writers,
)

if TYPE_CHECKING:
    import boto3

__all__ = ["SET_SUBNET_PUBLIC_IP", "set_map_public_ip"]


def set_map_public_ip(session: boto3.Session, region: str, subnet_id: str, on: bool) -> Change:
    """Turn a subnet's public IPv4 address at launch on or off."""
    region = check_region(session, region)
    # ModifySubnetAttribute takes no DryRun: the call itself is the only check.
    with write_errors("ec2:ModifySubnetAttribute", resource=subnet_id, region=region):
        client(session, "ec2", region).modify_subnet_attribute(
            SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": on}
        )
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
    assert args.region is not None  # the preview fixed it
    return set_map_public_ip(writers.aws(), args.region, args.subnet_id, args.state == "on").message


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
)

OPERATIONS = (SET_SUBNET_PUBLIC_IP,)
