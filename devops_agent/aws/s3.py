"""S3 reads: buckets (with their regions), objects, bucket policies, as typed models.

S3 is global: one ListBuckets call sees every bucket of the account. A bucket's
region comes from the ``BucketRegion`` field ListBuckets returns today; when a
stand-in (or an older endpoint) leaves it out, GetBucketLocation is asked for
those buckets only, concurrently, over one shared client.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from devops_agent.aws import AwsModel, aws_errors, client, pages, utc
from devops_agent.errors import BadInput

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_s3 import S3Client

__all__ = ["Bucket", "S3Object", "get_bucket_policy", "list_buckets", "list_objects"]

# Today's rules are stricter (3-63 chars, lower case), but legacy us-east-1
# buckets may hold upper case and underscores; only reject what can never be a bucket.
_BUCKET = re.compile(r"^[A-Za-z0-9._-]{3,255}$")
_UNREADABLE = frozenset({"AccessDenied", "NoSuchBucket", "403", "404"})
_LOCATION_WORKERS = 16


class Bucket(AwsModel):
    """One S3 bucket of the account."""

    name: str
    """Bucket name (global across AWS)."""
    region: str | None
    """Region the bucket lives in; ``None`` when GetBucketLocation was refused."""
    created: datetime | None = None
    """Creation date (UTC) as ListBuckets reports it."""


class S3Object(AwsModel):
    """One object (current version) in a bucket."""

    key: str
    """Object key."""
    size: int
    """Size in bytes."""
    last_modified: datetime | None = None
    """When it was last written (UTC)."""
    storage_class: str | None = None
    """Storage class, e.g. ``STANDARD`` or ``GLACIER``."""
    etag: str | None = None
    """Entity tag (an MD5 for single-part uploads), without quotes."""


def list_buckets(session: boto3.Session) -> list[Bucket]:
    """Every S3 bucket of the account, with its region.

    Args:
        session: credentials to read with (``s3:ListAllMyBuckets``, and
            ``s3:GetBucketLocation`` when ListBuckets does not report regions).

    Returns:
        The buckets sorted by region then name; ``region`` is ``None`` for a
        bucket whose location could not be read (denied, or deleted meanwhile).

    Raises:
        ServiceError: AWS refused to list buckets.
    """
    s3 = client(session, "s3")
    with aws_errors("s3:ListAllMyBuckets"):
        raw = [b for page in pages(s3, "list_buckets") for b in page.get("Buckets", [])]
    missing = [b["Name"] for b in raw if not b.get("BucketRegion")]
    located: dict[str, str | None] = {}
    if missing:
        with ThreadPoolExecutor(
            max_workers=min(_LOCATION_WORKERS, len(missing)), thread_name_prefix="s3-location"
        ) as pool:
            located = dict(
                zip(missing, pool.map(lambda n: _bucket_region(s3, n), missing), strict=True)
            )
    buckets = [
        Bucket(
            name=b["Name"],
            region=b.get("BucketRegion") or located.get(b["Name"]),
            created=utc(b.get("CreationDate")),
        )
        for b in raw
    ]
    return sorted(buckets, key=lambda b: (b.region or "~", b.name))


def list_objects(
    session: boto3.Session,
    bucket: str,
    prefix: str = "",
    limit: int = 1000,
    *,
    page_size: int | None = None,
) -> list[S3Object]:
    """Objects in a bucket under a prefix, at most ``limit`` of them.

    Args:
        session: credentials to read with (``s3:ListBucket`` on the bucket).
        bucket: bucket name; ``s3://name`` is accepted too.
        prefix: only keys starting with this; every key when empty.
        limit: most objects to return (1-100000); a result of exactly ``limit``
            items means there may be more.
        page_size: keys per request (max 1000); the service default when ``None``.

    Returns:
        The objects in key order (S3's UTF-8 binary order).

    Raises:
        BadInput: not a bucket name or a limit out of range.
        ServiceError: the bucket does not exist (``NoSuchBucket``) or AWS refused.
    """
    name = _bucket_name(bucket)
    if not 1 <= limit <= 100_000:
        raise BadInput(f"limit must be between 1 and 100000, not {limit}.")
    s3 = client(session, "s3")
    with aws_errors("s3:ListBucket", resource=name):
        objects = [
            S3Object(
                key=o["Key"],
                size=o.get("Size", 0),
                last_modified=utc(o.get("LastModified")),
                storage_class=o.get("StorageClass"),
                etag=(o.get("ETag") or "").strip('"') or None,
            )
            for page in pages(
                s3,
                "list_objects_v2",
                page_size=page_size,
                max_items=limit,
                Bucket=name,
                Prefix=prefix,
            )
            for o in page.get("Contents", [])
        ]
    return objects[:limit]


def get_bucket_policy(session: boto3.Session, bucket: str) -> str | None:
    """The bucket policy document of one bucket.

    Args:
        session: credentials to read with (``s3:GetBucketPolicy``).
        bucket: bucket name; ``s3://name`` is accepted too.

    Returns:
        The policy as the JSON text AWS stores, or ``None`` when the bucket has none.

    Raises:
        ServiceError: the bucket does not exist (``NoSuchBucket``) or AWS refused.
    """
    name = _bucket_name(bucket)
    s3 = client(session, "s3")
    with aws_errors("s3:GetBucketPolicy", resource=name):
        try:
            return s3.get_bucket_policy(Bucket=name)["Policy"]
        except ClientError as exc:
            if _code(exc) == "NoSuchBucketPolicy":
                return None
            raise


def _bucket_name(bucket: str) -> str:
    name = bucket.strip()
    if name.startswith("s3://"):
        name = name[len("s3://") :]
    name = name.rstrip("/")
    if not _BUCKET.match(name):
        raise BadInput(
            f"Not a bucket name: '{bucket}'. Bucket names are 3-63 characters of lower-case "
            "letters, digits, dots and hyphens."
        )
    return name


def _bucket_region(s3: S3Client, name: str) -> str | None:
    with aws_errors("s3:GetBucketLocation", resource=name):
        try:
            constraint: Any = s3.get_bucket_location(Bucket=name).get("LocationConstraint")
        except ClientError as exc:
            if _code(exc) in _UNREADABLE:
                return None
            raise
    # Buckets in us-east-1 report no constraint; the oldest eu-west-1 ones report "EU".
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else str(constraint)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
