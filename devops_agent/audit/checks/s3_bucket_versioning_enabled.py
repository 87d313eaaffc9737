"""Every bucket keeps object versions."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit import remedies
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.aws.s3.protection import SET_VERSIONING, VersioningArgs

META = CheckMeta(
    id="s3_bucket_versioning_enabled",
    service="s3",
    title="S3 buckets have versioning enabled",
    severity="low",
    risk=(
        "Without versioning an overwrite or delete, by mistake or by ransomware, destroys "
        "the only copy of an object."
    ),
    remediation=Remediation(
        text="Enable versioning (and a lifecycle rule expiring old versions to bound the cost).",
        cli=(
            "aws s3api put-bucket-versioning --bucket <bucket> "
            "--versioning-configuration Status=Enabled"
        ),
        terraform=(
            'resource "aws_s3_bucket_versioning" "this" {\n'
            "  bucket = aws_s3_bucket.this.id\n"
            "  versioning_configuration {\n"
            '    status = "Enabled"\n'
            "  }\n"
            "}"
        ),
    ),
    fsbp=("S3.14",),
    requires=("s3.bucket_versioning",),
    fix=Fix(
        SET_VERSIONING,
        remedies.on_resource(lambda bucket, region: VersioningArgs(bucket=bucket, versioning="on")),
        caveat="Every overwritten and deleted object is kept from now on: storage grows until "
        "a lifecycle rule expires old versions.",
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per bucket whose versioning is not Enabled.

    Args:
        inventory: What the audit read; this check judges each bucket whose versioning
            configuration was read. A bucket where it could not be read is left out (its gap
            is reported instead, never a pass), and nothing is judged when the bucket list
            was not read.

    Yields:
        A hit per such bucket, on the bucket's region (``global`` when unknown), its name
        and its ARN, saying whether versioning is suspended or was never enabled.
    """
    for bucket in inventory.s3.buckets_with("versioning"):
        if bucket.versioning == "Enabled":
            continue
        detail = (
            f"Versioning of bucket {bucket.name} is suspended."
            if bucket.versioning == "Suspended"
            else f"Bucket {bucket.name} has never had versioning enabled."
        )
        yield Hit(
            region=bucket.region or "global",
            resource_id=bucket.name,
            resource_arn=inventory.bucket_arn(bucket.name),
            detail=detail,
        )
