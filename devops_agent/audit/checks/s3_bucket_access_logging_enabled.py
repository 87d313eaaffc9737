"""Every bucket writes server access logs."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="s3_bucket_access_logging_enabled",
    service="s3",
    title="S3 buckets have server access logging enabled",
    severity="medium",
    risk=(
        "Without access logs nobody can tell who read or changed which objects, which "
        "turns a suspected leak into a guess."
    ),
    remediation=Remediation(
        text=(
            "Send server access logs to a dedicated log bucket (a log bucket itself may be "
            "suppressed in the config)."
        ),
        cli=(
            "aws s3api put-bucket-logging --bucket <bucket> --bucket-logging-status "
            '\'{"LoggingEnabled":{"TargetBucket":"<log-bucket>","TargetPrefix":"<bucket>/"}}\''
        ),
        terraform=(
            'resource "aws_s3_bucket_logging" "this" {\n'
            "  bucket        = aws_s3_bucket.this.id\n"
            "  target_bucket = aws_s3_bucket.logs.id\n"
            '  target_prefix = "${aws_s3_bucket.this.id}/"\n'
            "}"
        ),
    ),
    cis=("3.4",),
    fsbp=("S3.9",),
    requires=("s3.bucket_logging",),
    no_fix=(
        "Needs a human decision: which bucket receives the logs "
        "(`s3 logging BUCKET --target LOG_BUCKET`); a bucket must not log to itself."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per bucket without a logging target.

    Args:
        inventory: What the audit read; this check judges each bucket whose logging
            configuration was read. A bucket where it could not be read is left out (its gap
            is reported instead, never a pass), and nothing is judged when the bucket list
            was not read.

    Yields:
        A hit per bucket that writes no server access logs, on the bucket's region
        (``global`` when unknown), its name and its ARN.
    """
    for bucket in inventory.s3.buckets_with("logging"):
        if bucket.logging_target:
            continue
        yield Hit(
            region=bucket.region or "global",
            resource_id=bucket.name,
            resource_arn=inventory.bucket_arn(bucket.name),
            detail=f"Bucket {bucket.name} writes no server access logs.",
        )
