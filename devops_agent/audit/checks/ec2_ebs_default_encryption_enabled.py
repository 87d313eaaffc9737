"""EBS encryption by default is on in every region audited."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.aws.ec2.volumes import SET_ENCRYPTION_DEFAULT, SetEncryptionDefaultArgs

META = CheckMeta(
    id="ec2_ebs_default_encryption_enabled",
    service="ec2",
    title="EBS encryption by default is enabled",
    severity="medium",
    risk=(
        "Without it, every new volume and snapshot is unencrypted unless each launch "
        "remembers to ask; one template that forgets is enough."
    ),
    remediation=Remediation(
        text="Turn on encryption by default in every region (it applies to new volumes only).",
        cli="aws ec2 enable-ebs-encryption-by-default --region <region>",
        terraform=('resource "aws_ebs_encryption_by_default" "this" {\n  enabled = true\n}'),
    ),
    cis=("2.2.1",),
    fsbp=("EC2.7",),
    requires=("ec2.ebs_encryption_by_default",),
    fix=Fix(
        SET_ENCRYPTION_DEFAULT,
        lambda hit, inventory, limits: SetEncryptionDefaultArgs(state="on", region=hit.region),
        caveat="Only new volumes are encrypted; existing ones stay as they are.",
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per region where the setting is off.

    Args:
        inventory: What the audit read; this check uses each region's EBS
            encryption-by-default setting. A region where it could not be read yields
            nothing: its gap is reported instead, never a pass.

    Yields:
        A hit per region where new volumes are not encrypted by default, on the resource
        ``ACCOUNT/REGION`` (the setting has no ARN).
    """
    for ec2 in inventory.ec2_regions():
        if ec2.ebs_encryption_by_default is False:
            yield Hit(
                region=ec2.region,
                resource_id=f"{inventory.account}/{ec2.region}",
                detail=f"EBS encryption by default is off in {ec2.region}.",
            )
