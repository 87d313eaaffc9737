"""Every instance requires IMDSv2 (session tokens) for its metadata service."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.aws.ec2.instance_metadata import REQUIRE_IMDSV2, Imdsv2Args

META = CheckMeta(
    id="ec2_instance_imdsv2_required",
    service="ec2",
    title="EC2 instances require IMDSv2",
    severity="high",
    risk=(
        "With IMDSv1 a server-side request forgery in any app on the instance can read the "
        "instance role's credentials from 169.254.169.254 (the Capital One breach)."
    ),
    remediation=Remediation(
        text="Set the metadata options to require tokens (and launch templates too).",
        cli=(
            "aws ec2 modify-instance-metadata-options --instance-id <instance-id> "
            "--http-tokens required --http-endpoint enabled"
        ),
        terraform=(
            'resource "aws_instance" "this" {\n'
            "  # ...\n"
            "  metadata_options {\n"
            '    http_endpoint = "enabled"\n'
            '    http_tokens   = "required"\n'
            "  }\n"
            "}"
        ),
    ),
    cis=("5.6",),
    fsbp=("EC2.8",),
    requires=("ec2.instances",),
    fix=Fix(
        REQUIRE_IMDSV2,
        lambda hit, inventory, limits: Imdsv2Args(
            instance_ids=[hit.resource_id], region=hit.region
        ),
        caveat="Software on the instances still using IMDSv1 (very old SDKs and agents) stops "
        "getting credentials; no restart is needed.",
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per live instance whose metadata endpoint is on and accepts IMDSv1.

    Terminated and shutting-down instances, and instances whose metadata endpoint is
    disabled, are not judged.

    Args:
        inventory: What the audit read; this check uses each region's ``ec2.instances``. A
            region where they could not be read yields nothing: its gap is reported instead,
            never a pass.

    Yields:
        A hit per instance whose ``HttpTokens`` is ``optional``, with its name and state.
    """
    for ec2 in inventory.ec2_regions():
        for instance in ec2.instances or []:
            if instance.state in ("terminated", "shutting-down"):
                continue
            if not instance.metadata_endpoint_enabled or instance.imds_v2_required:
                continue
            label = f"{instance.name} ({instance.id})" if instance.name else instance.id
            yield Hit(
                region=ec2.region,
                resource_id=instance.id,
                resource_arn=inventory.arn("ec2", ec2.region, f"instance/{instance.id}"),
                detail=(
                    f"Instance {label} is {instance.state} and accepts IMDSv1 "
                    "(HttpTokens optional)."
                ),
            )
