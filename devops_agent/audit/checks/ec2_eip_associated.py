"""No Elastic IP address is left unassociated (billed for nothing)."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.aws.ec2.addresses import RELEASE_ADDRESS, ReleaseArgs

META = CheckMeta(
    id="ec2_eip_associated",
    service="ec2",
    title="Elastic IP addresses are associated",
    severity="low",
    risk=(
        "Every public IPv4 address is billed by the hour; an unassociated one costs money "
        "and may still be trusted by allow-lists elsewhere."
    ),
    remediation=Remediation(
        text="Release addresses nothing uses (or associate them where they are needed).",
        cli="aws ec2 release-address --allocation-id <allocation-id>",
        terraform="# Remove the unused aws_eip resource; terraform apply releases it.",
    ),
    fsbp=("EC2.12",),
    requires=("ec2.addresses",),
    fix=Fix(
        RELEASE_ADDRESS,
        lambda hit, inventory, limits: (
            ReleaseArgs(allocation_id=hit.resource_id, region=hit.region)
            if hit.resource_id.startswith("eipalloc-")
            else None
        ),
        caveat="A released address cannot be recovered: check no DNS record or allow-list "
        "still names it.",
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per Elastic IP with no instance or network interface.

    Args:
        inventory: What the audit read; this check uses each region's ``ec2.addresses``. A
            region where they could not be read yields nothing: its gap is reported instead,
            never a pass.

    Yields:
        A hit per unassociated address, on its allocation id (its public IP, without an ARN,
        for an address that has none).
    """
    for ec2 in inventory.ec2_regions():
        for address in ec2.addresses or []:
            if address.associated:
                continue
            resource = address.allocation_id or address.public_ip
            yield Hit(
                region=ec2.region,
                resource_id=resource,
                resource_arn=(
                    inventory.arn("ec2", ec2.region, f"elastic-ip/{address.allocation_id}")
                    if address.allocation_id
                    else None
                ),
                detail=f"Elastic IP {address.public_ip} ({resource}) is associated with nothing.",
            )
