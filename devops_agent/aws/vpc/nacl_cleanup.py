"""Unused network ACLs: ``vpc nacl delete ACL_ID`` (FSBP EC2.16).

A network ACL no subnet uses still carries rules someone may attach to a subnet later
without reading them. The preview refuses a VPC's default ACL (AWS never deletes it)
and an ACL that any subnet is associated with; deleting one that nothing uses changes no
traffic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator

from devops_agent.aws import InRegion, aws_errors, check_region, client, named, one_region
from devops_agent.aws.vpc.network_acls import NetworkAcl, network_acl_from
from devops_agent.aws.vpc.proofs import Deletion
from devops_agent.aws.writes import resource_id
from devops_agent.errors import BadInput, ServiceError
from devops_agent.operation import (
    Command,
    Positional,
    Proposal,
    Reader,
    Write,
)

if TYPE_CHECKING:
    import boto3

__all__ = ["DELETE_NETWORK_ACL", "describe_network_acl", "read_network_acl"]


def _acl_id(value: str) -> str:
    return resource_id(value, "acl", "network ACL")


def read_network_acl(session: boto3.Session, region: str, acl_id: str) -> NetworkAcl | None:
    """One network ACL, or ``None`` when the region has none by that id.

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        acl_id: The ACL (``acl-``).

    Returns:
        The ACL with its rules and associations, or ``None``.

    Raises:
        ServiceError: AWS refused (``ec2:DescribeNetworkAcls``).
    """
    region = check_region(session, region)
    ec2 = client(session, "ec2", region)
    try:
        with aws_errors("ec2:DescribeNetworkAcls", resource=acl_id, region=region):
            found = ec2.describe_network_acls(NetworkAclIds=[acl_id]).get("NetworkAcls", [])
    except ServiceError as exc:
        if (exc.code or "").endswith("NotFound"):  # moto says InvalidRouteTableID.NotFound
            return None
        raise
    return network_acl_from(found[0], region) if found else None


def describe_network_acl(session: boto3.Session, region: str, acl_id: str) -> NetworkAcl:
    """One network ACL that the user named.

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        acl_id: The ACL (``acl-``).

    Returns:
        The ACL with its rules and associations.

    Raises:
        BadInput: no such ACL in the region. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    ec2 = client(session, "ec2", region)
    with named(), aws_errors("ec2:DescribeNetworkAcls", resource=acl_id, region=region):
        found = ec2.describe_network_acls(NetworkAclIds=[acl_id]).get("NetworkAcls", [])
    if not found:
        raise BadInput(f"There is no network ACL {acl_id} in {region}.")
    return network_acl_from(found[0], region)


class NaclArgs(InRegion):
    """Arguments of ``vpc nacl delete``."""

    acl_id: Annotated[str, Positional(), AfterValidator(_acl_id)]
    """The network ACL (acl-...)."""


def _plan(reader: Reader, args: NaclArgs) -> Proposal:
    region = one_region(reader, args.region, "`vpc nacl delete`")
    acl = describe_network_acl(reader.session(), region, args.acl_id)
    if acl.is_default:
        raise BadInput(
            f"{acl.id} is the default network ACL of {acl.vpc_id}; AWS never deletes it."
        )
    if acl.subnet_ids:
        raise BadInput(
            f"{acl.id} is still used by {', '.join(acl.subnet_ids)}.",
            remedy="Associate those subnets with another network ACL first.",
        )
    entry = DELETE_NETWORK_ACL.entry(
        args.model_copy(update={"region": region}),
        f"Delete network ACL {acl.id} of {acl.vpc_id} in {region} (no subnet uses it; "
        f"its {len(acl.entries)} rules go with it)",
        [acl.id],
    )
    return Proposal([entry], what=f"delete network ACL {acl.id}", region=region)


_DELETION = Deletion(
    action="ec2:DeleteNetworkAcl",
    param="NetworkAclId",
    field="acl_id",
    prefix="acl",
    what="network ACL",
    arn_kind="network-acl",
    read=read_network_acl,
)
"""Deleting a network ACL by its id."""


DELETE_NETWORK_ACL = Write(
    name="vpc.delete_network_acl",
    args=NaclArgs,
    summary="Plan to delete a network ACL no subnet uses.",
    service="vpc",
    commands=(Command("vpc nacl delete ACL_ID", "Plan to delete a network ACL no subnet uses."),),
    guide="The default ACL of a VPC and ACLs a subnet uses are refused.",
    reads=("ec2:DescribeNetworkAcls",),
    actions=("ec2:DeleteNetworkAcl",),
    arns=("arn:{partition}:ec2:{region}:{account}:network-acl/{acl_id}",),
    plan=_plan,
    run=_DELETION.run,
    calls=_DELETION.calls,
    verify=_DELETION.verify,
    irreversible="a deleted network ACL is gone for good with all its rules: a new one gets "
    "a new id and starts with none, and nothing that named the old one follows it",
    examples=({"region": "us-east-1", "acl_id": "acl-0123456789abcdef0"},),
)

OPERATIONS = (DELETE_NETWORK_ACL,)
