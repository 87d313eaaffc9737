"""Every bucket disables ACLs (object ownership: bucket owner enforced)."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit import remedies
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.aws.s3.access_control import DISABLE_ACLS, DisableAclsArgs

META = CheckMeta(
    id="s3_bucket_acls_disabled",
    service="s3",
    title="S3 buckets have ACLs disabled (BucketOwnerEnforced)",
    severity="medium",
    risk=(
        "With ACLs enabled, any writer can make single objects public or keep ownership of "
        "them, outside the bucket policy everyone reviews."
    ),
    remediation=Remediation(
        text="Set object ownership to BucketOwnerEnforced so only policies govern access.",
        cli=(
            "aws s3api put-bucket-ownership-controls --bucket <bucket> "
            "--ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'"
        ),
        terraform=(
            'resource "aws_s3_bucket_ownership_controls" "this" {\n'
            "  bucket = aws_s3_bucket.this.id\n"
            "  rule {\n"
            '    object_ownership = "BucketOwnerEnforced"\n'
            "  }\n"
            "}"
        ),
    ),
    fsbp=("S3.12",),
    requires=("s3.bucket_ownership",),
    fix=Fix(
        DISABLE_ACLS,
        remedies.on_resource(lambda bucket, region: DisableAclsArgs(bucket=bucket)),
        caveat="Writers setting object ACLs other than bucket-owner-full-control are refused "
        "afterwards.",
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per bucket whose object ownership is not BucketOwnerEnforced.

    Args:
        inventory: What the audit read; this check judges each bucket whose object ownership
            setting was read. A bucket where it could not be read is left out (its gap is
            reported instead, never a pass), and nothing is judged when the bucket list was
            not read.

    Yields:
        A hit per bucket that still honours ACLs, on the bucket's region (``global`` when
        unknown), its name and its ARN, with its setting (or ``not set``).
    """
    for bucket in inventory.s3.buckets_with("ownership"):
        if bucket.object_ownership == "BucketOwnerEnforced":
            continue
        setting = bucket.object_ownership or "not set"
        yield Hit(
            region=bucket.region or "global",
            resource_id=bucket.name,
            resource_arn=inventory.bucket_arn(bucket.name),
            detail=f"Bucket {bucket.name} still honours ACLs (object ownership: {setting}).",
        )
