"""Every versioned bucket requires MFA to delete versions or change versioning."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="s3_bucket_mfa_delete_enabled",
    service="s3",
    title="S3 buckets have MFA delete enabled",
    severity="low",
    risk=(
        "With versioning alone, stolen credentials can still suspend versioning and purge "
        "every version; MFA delete makes that need the root user's MFA device."
    ),
    remediation=Remediation(
        text=(
            "Enable MFA delete with the root user's MFA device (only the root user can), "
            "or use S3 Object Lock for buckets that must not lose data."
        ),
        cli=(
            "aws s3api put-bucket-versioning --bucket <bucket> "
            "--versioning-configuration Status=Enabled,MFADelete=Enabled "
            "--mfa 'arn:aws:iam::<account-id>:mfa/root-account-mfa-device <code>'"
        ),
        terraform=(
            'resource "aws_s3_bucket_versioning" "this" {\n'
            "  bucket = aws_s3_bucket.this.id\n"
            '  mfa    = "arn:aws:iam::<account-id>:mfa/root-account-mfa-device <code>"\n'
            "  versioning_configuration {\n"
            '    status     = "Enabled"\n'
            '    mfa_delete = "Enabled"\n'
            "  }\n"
            "}"
        ),
    ),
    cis=("2.1.2",),
    fsbp=("S3.20",),
    requires=("s3.bucket_versioning",),
    no_fix=("Only the root user, with its MFA device, can turn MFA delete on."),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per versioned bucket without MFA delete.

    Unversioned buckets are left to ``s3_bucket_versioning_enabled``: MFA delete exists only
    on versioned ones.

    Args:
        inventory: What the audit read; this check judges each bucket whose versioning
            configuration was read. A bucket where it could not be read is left out (its gap
            is reported instead, never a pass), and nothing is judged when the bucket list
            was not read.

    Yields:
        A hit per bucket with versioning ``Enabled`` and MFA delete off, on the bucket's
        region (``global`` when unknown), its name and its ARN.
    """
    for bucket in inventory.s3.buckets_with("versioning"):
        # MFA delete only exists on versioned buckets; unversioned ones are
        # reported by s3_bucket_versioning_enabled.
        if bucket.versioning != "Enabled" or bucket.mfa_delete:
            continue
        yield Hit(
            region=bucket.region or "global",
            resource_id=bucket.name,
            resource_arn=inventory.bucket_arn(bucket.name),
            detail=f"Bucket {bucket.name} does not require MFA to delete object versions.",
        )
