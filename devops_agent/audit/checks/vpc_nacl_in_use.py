"""Every non-default network ACL is associated with a subnet."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit import remedies
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.aws.vpc.nacl_cleanup import DELETE_NETWORK_ACL, NaclArgs

META = CheckMeta(
    id="vpc_nacl_in_use",
    service="vpc",
    title="Network ACLs are associated with subnets",
    severity="low",
    risk=(
        "Unused network ACLs clutter the VPC and can be associated later with rules nobody "
        "reviewed."
    ),
    remediation=Remediation(
        text="Delete network ACLs that no subnet uses.",
        cli="aws ec2 delete-network-acl --network-acl-id <acl-id>",
        terraform="# Remove the unused aws_network_acl resource from the configuration.",
    ),
    fsbp=("EC2.16",),
    requires=("vpc.network_acls",),
    fix=Fix(
        DELETE_NETWORK_ACL,
        remedies.on_resource(lambda acl, region: NaclArgs(acl_id=acl, region=region)),
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per non-default ACL with no subnet association.

    Args:
        inventory: What the audit read; this check uses each region's ``vpc.network_acls``.
            A region where they could not be read yields nothing: its gap is reported
            instead, never a pass.

    Yields:
        A hit per such ACL, with its VPC.
    """
    for vpc in inventory.vpc_regions():
        for acl in vpc.network_acls or []:
            if acl.is_default or acl.subnet_ids:
                continue
            yield Hit(
                region=vpc.region,
                resource_id=acl.id,
                resource_arn=inventory.arn("ec2", vpc.region, f"network-acl/{acl.id}"),
                detail=f"Network ACL {acl.id} of {acl.vpc_id} is associated with no subnet.",
            )
