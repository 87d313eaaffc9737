"""Every bucket has all four Block Public Access settings on."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit import remedies
from devops_agent.audit.inventory import Inventory, PublicAccessBlock
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.aws.s3.protection import SET_PUBLIC_ACCESS, PublicAccessArgs

META = CheckMeta(
    id="s3_bucket_public_access_block_enabled",
    service="s3",
    title="S3 buckets have Block Public Access enabled",
    severity="high",
    risk=(
        "Without the bucket's own Block Public Access, one policy or ACL change is enough "
        "to publish its objects, and the account setting may not always be there."
    ),
    remediation=Remediation(
        text="Turn on all four Block Public Access settings on the bucket.",
        cli=(
            "aws s3api put-public-access-block --bucket <bucket> "
            "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
            "BlockPublicPolicy=true,RestrictPublicBuckets=true"
        ),
        terraform=(
            'resource "aws_s3_bucket_public_access_block" "this" {\n'
            "  bucket                  = aws_s3_bucket.this.id\n"
            "  block_public_acls       = true\n"
            "  ignore_public_acls      = true\n"
            "  block_public_policy     = true\n"
            "  restrict_public_buckets = true\n"
            "}"
        ),
    ),
    cis=("2.1.4",),
    fsbp=("S3.8",),
    requires=("s3.bucket_public_access_block",),
    fix=Fix(
        SET_PUBLIC_ACCESS,
        remedies.on_resource(
            lambda bucket, region: PublicAccessArgs(bucket=bucket, access="block")
        ),
        caveat="A bucket deliberately public stops answering anonymous requests.",
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per bucket with a setting off or no configuration.

    Args:
        inventory: What the audit read; this check judges each bucket whose Block Public
            Access configuration was read. A bucket where it could not be read is left out
            (its gap is reported instead, never a pass), and nothing is judged when the
            bucket list was not read.

    Yields:
        A hit per such bucket, on the bucket's region (``global`` when unknown), its name
        and its ARN, naming the settings that are off or saying it has no configuration.
    """
    for bucket in inventory.s3.buckets_with("public_access_block"):
        block = PublicAccessBlock.of(bucket.public_access_block)
        if block.fully_on:
            continue
        detail = (
            f"Bucket {bucket.name} has no Block Public Access configuration."
            if not block.configured
            else f"Bucket {bucket.name} has {', '.join(block.off)} off."
        )
        yield Hit(
            region=bucket.region or "global",
            resource_id=bucket.name,
            resource_arn=inventory.bucket_arn(bucket.name),
            detail=detail,
        )
