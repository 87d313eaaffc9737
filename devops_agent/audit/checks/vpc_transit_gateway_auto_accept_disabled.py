"""No transit gateway accepts other accounts' attachments without review."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="vpc_transit_gateway_auto_accept_disabled",
    service="vpc",
    title="Transit gateways do not accept shared attachments automatically",
    severity="high",
    risk=(
        "Any account the gateway is shared with can attach a VPC and route into every "
        "network on the gateway, with nobody reviewing the request."
    ),
    remediation=Remediation(
        text="Turn off automatic acceptance of shared attachments and accept each one by hand.",
        cli=(
            "aws ec2 modify-transit-gateway --transit-gateway-id <tgw-id> "
            "--options AutoAcceptSharedAttachments=disable"
        ),
        terraform=(
            'resource "aws_ec2_transit_gateway" "this" {\n'
            '  auto_accept_shared_attachments = "disable"\n'
            "}"
        ),
    ),
    fsbp=("EC2.23",),
    requires=("vpc.transit_gateways",),
    no_fix=(
        "Needs a human decision: accounts that expect their attachments to be accepted "
        "automatically must be told who reviews them from now on."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per live transit gateway that accepts shared attachments automatically.

    Gateways deleted or being deleted are not judged.

    Args:
        inventory: What the audit read; this check uses each region's
            ``vpc.transit_gateways``. A region where they could not be read yields nothing:
            its gap is reported instead, never a pass.

    Yields:
        A hit per such gateway.
    """
    for vpc in inventory.vpc_regions():
        for gateway in vpc.transit_gateways or []:
            if not gateway.auto_accept_shared_attachments or gateway.state in (
                "deleted",
                "deleting",
            ):
                continue
            yield Hit(
                region=vpc.region,
                resource_id=gateway.id,
                resource_arn=inventory.arn("ec2", vpc.region, f"transit-gateway/{gateway.id}"),
                detail=f"Transit gateway {gateway.id} accepts shared attachments automatically.",
            )
