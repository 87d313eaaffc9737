"""Every bucket has a lifecycle configuration."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="s3_bucket_lifecycle_configured",
    service="s3",
    title="S3 buckets have a lifecycle configuration",
    severity="low",
    risk=(
        "Without lifecycle rules, old objects, noncurrent versions and unfinished multipart "
        "uploads are kept (and billed) forever, and data outlives its retention period."
    ),
    remediation=Remediation(
        text=(
            "Add lifecycle rules: expire noncurrent versions, abort incomplete multipart "
            "uploads, and move or expire data past its retention."
        ),
        cli=(
            "aws s3api put-bucket-lifecycle-configuration --bucket <bucket> "
            '--lifecycle-configuration \'{"Rules":[{"ID":"housekeeping","Status":"Enabled",'
            '"Filter":{},"NoncurrentVersionExpiration":{"NoncurrentDays":90},'
            '"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7}}]}\''
        ),
        terraform=(
            'resource "aws_s3_bucket_lifecycle_configuration" "this" {\n'
            "  bucket = aws_s3_bucket.this.id\n"
            "  rule {\n"
            '    id     = "housekeeping"\n'
            '    status = "Enabled"\n'
            "    filter {}\n"
            "    noncurrent_version_expiration { noncurrent_days = 90 }\n"
            "    abort_incomplete_multipart_upload { days_after_initiation = 7 }\n"
            "  }\n"
            "}"
        ),
    ),
    fsbp=("S3.10", "S3.13"),
    requires=("s3.bucket_lifecycle",),
    no_fix=("Needs a human decision: how long objects and their old versions are kept."),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per bucket without lifecycle rules.

    Args:
        inventory: What the audit read; this check judges each bucket whose lifecycle
            configuration was read. A bucket where it could not be read is left out (its gap
            is reported instead, never a pass), and nothing is judged when the bucket list
            was not read.

    Yields:
        A hit per such bucket, on the bucket's region (``global`` when unknown), its name
        and its ARN.
    """
    for bucket in inventory.s3.buckets_with("lifecycle"):
        if bucket.lifecycle_rules:
            continue
        yield Hit(
            region=bucket.region or "global",
            resource_id=bucket.name,
            resource_arn=inventory.bucket_arn(bucket.name),
            detail=f"Bucket {bucket.name} has no lifecycle rules.",
        )
