"""Every bucket has a default encryption configuration."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit import remedies
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.aws.s3.protection import SET_ENCRYPTION, EncryptionArgs

META = CheckMeta(
    id="s3_bucket_default_encryption_enabled",
    service="s3",
    title="S3 buckets have default encryption configured",
    severity="medium",
    risk=(
        "Objects written without a default encryption rule depend on every writer asking "
        "for it; SSE-KMS also puts reads behind a key policy and CloudTrail. (AWS applies "
        "SSE-S3 to new buckets since 2023; a bucket without any rule predates that or had "
        "it removed.)"
    ),
    remediation=Remediation(
        text="Set a default encryption rule (SSE-KMS with a bucket key, or at least SSE-S3).",
        cli=(
            "aws s3api put-bucket-encryption --bucket <bucket> "
            "--server-side-encryption-configuration "
            '\'{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"},'
            '"BucketKeyEnabled":true}]}\''
        ),
        terraform=(
            'resource "aws_s3_bucket_server_side_encryption_configuration" "this" {\n'
            "  bucket = aws_s3_bucket.this.id\n"
            "  rule {\n"
            "    apply_server_side_encryption_by_default {\n"
            '      sse_algorithm = "aws:kms"\n'
            "    }\n"
            "    bucket_key_enabled = true\n"
            "  }\n"
            "}"
        ),
    ),
    fsbp=("S3.4",),
    requires=("s3.bucket_encryption",),
    fix=Fix(
        SET_ENCRYPTION,
        remedies.on_resource(
            lambda bucket, region: EncryptionArgs(bucket=bucket, encryption="sse-s3")
        ),
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per bucket without a default encryption rule.

    Args:
        inventory: What the audit read; this check judges each bucket whose encryption
            configuration was read. A bucket where it could not be read is left out (its gap
            is reported instead, never a pass), and nothing is judged when the bucket list
            was not read.

    Yields:
        A hit per such bucket, on the bucket's region (``global`` when unknown), its name
        and its ARN.
    """
    for bucket in inventory.s3.buckets_with("encryption"):
        if bucket.encryption:
            continue
        yield Hit(
            region=bucket.region or "global",
            resource_id=bucket.name,
            resource_arn=inventory.bucket_arn(bucket.name),
            detail=f"Bucket {bucket.name} has no default encryption rule.",
        )
