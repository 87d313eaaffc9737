"""Elastic IPs: ``ec2 eip release ALLOCATION_ID`` gives back an address nothing uses.

An Elastic IP associated with nothing is billed by the hour and, if it ever sat in a DNS
record or an allow-list, is a name someone may still trust. Releasing it cannot be
undone: AWS may give the address to another customer (recovering it needs luck and
``AllocateAddress --address``), so the plan says so in words. An address still
associated is refused: disassociate it first, deliberately.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator

from devops_agent.aws import InRegion, aws_errors, check_region, client, named, one_region
from devops_agent.aws.ec2.network import Address, address_from
from devops_agent.aws.writes import Change, ec2_arn, ec2_request, resource_id, send_ec2
from devops_agent.errors import BadInput, ServiceError
from devops_agent.operation import (
    ApiCall,
    Command,
    NotAsPlanned,
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

__all__ = ["RELEASE_ADDRESS", "ReleaseArgs", "describe_address", "release_address"]


def _allocation_id(value: str) -> str:
    return resource_id(value, "eipalloc", "Elastic IP allocation")


AllocationId = Annotated[str, AfterValidator(_allocation_id)]


def describe_address(session: boto3.Session, region: str, allocation_id: str) -> Address:
    """One Elastic IP by its allocation id.

    Args:
        session: Credentials to read with.
        region: The address's region.
        allocation_id: Its allocation id (``eipalloc-…``).

    Returns:
        The address.

    Raises:
        ServiceError: no such address in the region (``InvalidAllocationID.NotFound``) or
            AWS refused (``ec2:DescribeAddresses``).
        BadInput: AWS answered with no address.
    """
    region = check_region(session, region)
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeAddresses", resource=allocation_id, region=region):
        raw = ec2.describe_addresses(AllocationIds=[allocation_id]).get("Addresses", [])
    if not raw:
        raise BadInput(f"There is no Elastic IP {allocation_id} in {region}.")
    return address_from(raw[0], region)


def release_address(session: boto3.Session, region: str, allocation_id: str) -> Change:
    """Release an Elastic IP (it may go to another AWS customer).

    Args:
        session: The write role's session.
        region: The address's region.
        allocation_id: Its allocation id (``eipalloc-…``).

    Returns:
        What was done.

    Raises:
        ServiceError: AWS refused (``ec2:ReleaseAddress``).
    """
    region = check_region(session, region)
    send_ec2(session, region, "ReleaseAddress", resource=allocation_id, AllocationId=allocation_id)
    return Change(
        action="ec2:ReleaseAddress", resource=allocation_id, message=f"released {allocation_id}"
    )


class ReleaseArgs(InRegion):
    """Arguments of ``ec2 eip release``."""

    allocation_id: Annotated[AllocationId, Positional()]
    """The address's allocation id (eipalloc-...)."""


def _plan(reader: Reader, args: ReleaseArgs) -> Proposal:
    region = one_region(reader, args.region, "`ec2 eip release`")
    with named():
        address = describe_address(reader.session(), region, args.allocation_id)
    if address.associated:
        target = address.instance_id or address.network_interface_id or address.association_id
        raise BadInput(
            f"{address.public_ip} ({args.allocation_id}) is associated with {target}; "
            "only an address nothing uses is released.",
            remedy="Disassociate it first if it really is no longer needed.",
        )
    entry = RELEASE_ADDRESS.entry(
        args.model_copy(update={"region": region}),
        f"Release Elastic IP {address.public_ip} ({args.allocation_id}) in {region} — "
        "cannot be undone: AWS may give the address to someone else",
        [args.allocation_id],
    )
    return Proposal([entry], what=f"release Elastic IP {address.public_ip}", region=region)


def _run(writers: Writers, args: ReleaseArgs) -> str:
    assert args.region is not None  # the preview fixed it
    return release_address(writers.aws(), args.region, args.allocation_id).message


def _calls(args: ReleaseArgs) -> list[ApiCall]:
    return [
        ec2_request(
            "ReleaseAddress",
            {"AllocationId": args.allocation_id},
            region=args.region,
            resources=(ec2_arn("elastic-ip", args.allocation_id),),
        )
    ]


def _verify(reader: Reader, args: ReleaseArgs) -> Verification:
    assert args.region is not None  # the preview fixed it
    try:
        address = describe_address(reader.session(), args.region, args.allocation_id)
    except BadInput:
        return Verified(f"{args.allocation_id} is released")
    except ServiceError as exc:
        if (exc.code or "").endswith("NotFound"):
            return Verified(f"{args.allocation_id} is released")
        raise
    return NotAsPlanned(f"{address.public_ip} ({args.allocation_id}) is still allocated")


RELEASE_ADDRESS = Write(
    name="ec2.release_address",
    args=ReleaseArgs,
    summary="Plan to release an Elastic IP nothing uses (cannot be undone).",
    service="ec2",
    commands=(
        Command(
            "ec2 eip release ALLOCATION_ID",
            "Plan to release an Elastic IP nothing uses (cannot be undone).",
        ),
    ),
    guide="Only an address associated with nothing; the public IP may go to another "
    "customer, so check no DNS record or allow-list still names it.",
    reads=("ec2:DescribeAddresses",),
    actions=("ec2:ReleaseAddress",),
    arns=("arn:{partition}:ec2:{region}:{account}:elastic-ip/{allocation_id}",),
    plan=_plan,
    run=_run,
    calls=_calls,
    verify=_verify,
    irreversible="a released Elastic IP goes back to AWS, which may give it to another "
    "customer at once; getting the same address back is a matter of luck",
    examples=({"region": "us-east-1", "allocation_id": "eipalloc-0123456789abcdef0"},),
)

OPERATIONS = (RELEASE_ADDRESS,)
