"""A small shared helper of the S3 bucket checks (not a check): the hit on a bucket."""

from __future__ import annotations

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import Hit
from devops_agent.aws.s3 import Bucket

__all__ = ["bucket_hit"]


def bucket_hit(inventory: Inventory, bucket: Bucket, detail: str) -> Hit:
    """A hit on a bucket: in its region (``global`` when unknown), by name, with its ARN.

    Args:
        inventory: What the audit read (its partition makes the ARN).
        bucket: The bucket.
        detail: One sentence about it.

    Returns:
        The hit.
    """
    return Hit(
        region=bucket.region or "global",
        resource_id=bucket.name,
        resource_arn=inventory.bucket_arn(bucket.name),
        detail=detail,
    )
