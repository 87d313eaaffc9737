"""No AMI owned by the account is public."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit import remedies
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.aws.ec2.public_sharing import UNSHARE_IMAGE, ImageArgs

META = CheckMeta(
    id="ec2_ami_private",
    service="ec2",
    title="AMIs are not public",
    severity="high",
    risk=(
        "Anyone can launch a public AMI and read its disk: baked-in keys, configuration and "
        "application code are regularly found this way."
    ),
    remediation=Remediation(
        text=(
            "Remove the public launch permission (share with named accounts if needed) and "
            "turn on block public access for AMIs."
        ),
        cli=(
            "aws ec2 modify-image-attribute --image-id <image-id> "
            "--launch-permission 'Remove=[{Group=all}]'\n"
            "aws ec2 enable-image-block-public-access --image-block-public-access-state "
            "block-new-sharing"
        ),
        terraform=(
            'resource "aws_ec2_image_block_public_access" "this" {\n'
            '  state = "block-new-sharing"\n'
            "}"
        ),
    ),
    requires=("ec2.images",),
    fix=Fix(
        UNSHARE_IMAGE,
        remedies.on_resource(lambda ami, region: ImageArgs(image_id=ami, region=region)),
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per public AMI owned by the account.

    Args:
        inventory: What the audit read; this check uses each region's ``ec2.images`` (the
            AMIs the account owns). A region where they could not be read yields nothing:
            its gap is reported instead, never a pass.

    Yields:
        A hit per AMI whose launch permission includes everyone, naming the AMI.
    """
    for ec2 in inventory.ec2_regions():
        for image in ec2.images or []:
            if not image.public:
                continue
            yield Hit(
                region=ec2.region,
                resource_id=image.id,
                resource_arn=f"arn:{inventory.partition}:ec2:{ec2.region}::image/{image.id}",
                detail=f"AMI {image.name or image.id} ({image.id}) can be launched by anyone.",
            )
