"""No launch template gives its instances a public IP address."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="ec2_launch_template_no_public_ip",
    service="ec2",
    title="Launch templates do not assign public IP addresses",
    severity="medium",
    risk=(
        "Every instance an Auto Scaling group or a person launches from the template lands "
        "on the internet, whatever subnet it is in."
    ),
    remediation=Remediation(
        text=(
            "Create a template version whose network interfaces do not associate a public "
            "address, make it the default, and reach the instances through a load balancer."
        ),
        cli=(
            "aws ec2 create-launch-template-version --launch-template-id <lt-id> "
            "--source-version <version> --launch-template-data "
            '\'{"NetworkInterfaces":[{"DeviceIndex":0,"AssociatePublicIpAddress":false}]}\'\n'
            "aws ec2 modify-launch-template --launch-template-id <lt-id> --default-version <new>"
        ),
        terraform=(
            'resource "aws_launch_template" "this" {\n'
            "  network_interfaces {\n"
            "    associate_public_ip_address = false\n"
            "  }\n"
            "}"
        ),
    ),
    fsbp=("EC2.25",),
    requires=("ec2.launch_templates",),
    no_fix=(
        "Needs a human decision: a new default version changes what every launch gets, and "
        "the groups and people launching from the template must agree."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per template whose default version asks for a public IPv4 address.

    Args:
        inventory: What the audit read; this check uses each region's
            ``ec2.launch_templates`` (each by its default version). A region where they
            could not be read yields nothing: its gap is reported instead, never a pass.

    Yields:
        A hit per such template, with the version that assigns the address.
    """
    for ec2 in inventory.ec2_regions():
        for template in ec2.launch_templates or []:
            if not template.assigns_public_ip:
                continue
            yield Hit(
                region=ec2.region,
                resource_id=template.id,
                resource_arn=inventory.arn("ec2", ec2.region, f"launch-template/{template.id}"),
                detail=(
                    f"Launch template {template.name} ({template.id}) version "
                    f"{template.version} gives its instances a public IPv4 address."
                ),
            )
