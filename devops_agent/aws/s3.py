"""S3: buckets, objects, policies and bucket settings; reads as typed models, and writes.

S3 is global: one ListBuckets call sees every bucket of the account. A bucket's
region comes from the ``BucketRegion`` field ListBuckets returns today; when a
stand-in (or an older endpoint) leaves it out, GetBucketLocation is asked for
those buckets only, concurrently, over one shared client.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from botocore.exceptions import ClientError
from pydantic import Field

from devops_agent.aws import AwsModel, aws_errors, client, pages, utc
from devops_agent.aws.writes import Change
from devops_agent.errors import BadInput, ServiceError

if TYPE_CHECKING:
    from pathlib import Path

    import boto3
    from mypy_boto3_s3 import S3Client

__all__ = [
    "PUBLIC_ACCESS_BLOCK",
    "Bucket",
    "BucketSettings",
    "Download",
    "Emptiness",
    "S3Object",
    "bucket_emptiness",
    "bucket_owner_region",
    "create_bucket",
    "delete_bucket",
    "delete_bucket_policy",
    "delete_encryption",
    "delete_public_access_block",
    "describe_bucket",
    "download_object",
    "get_bucket_policy",
    "get_encryption",
    "get_lifecycle",
    "get_logging",
    "get_public_access_block",
    "get_tags",
    "get_versioning",
    "head_object",
    "lifecycle_rules",
    "list_buckets",
    "list_objects",
    "new_bucket_name",
    "put_bucket_policy",
    "put_encryption",
    "put_lifecycle",
    "put_logging",
    "put_public_access_block",
    "put_tags",
    "put_versioning",
    "upload_object",
]

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


# --------------------------------------------------------------------------- more reads

_NEW_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IPV4_SHAPE = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
_MISSING_SETTING = frozenset(
    {
        "ServerSideEncryptionConfigurationNotFoundError",
        "NoSuchPublicAccessBlockConfiguration",
        "NoSuchTagSet",
        "NoSuchLifecycleConfiguration",
    }
)
#: The four public access block switches, all on for "block".
PUBLIC_ACCESS_BLOCK = (
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
)


class BucketSettings(AwsModel):
    """A bucket's configuration, as the get calls report it."""

    name: str
    """Bucket name."""
    region: str | None = None
    """Region the bucket lives in."""
    versioning: str = "Disabled"
    """``Enabled``, ``Suspended`` or ``Disabled`` (never turned on)."""
    encryption: str | None = None
    """Default encryption: ``AES256`` (SSE-S3), ``aws:kms`` or ``aws:kms:dsse``; ``None``
    when unset."""
    kms_key: str | None = None
    """KMS key of SSE-KMS default encryption."""
    public_access_block: dict[str, bool] | None = None
    """The bucket's four public access block switches; ``None`` when unset."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Bucket tags."""
    lifecycle_rules: list[dict[str, Any]] = Field(default_factory=list)
    """Lifecycle rules as AWS returns them."""
    logging_target: str | None = None
    """Bucket receiving server access logs; ``None`` when logging is off."""
    logging_prefix: str = ""
    """Key prefix of the access logs."""
    has_policy: bool = False
    """Whether the bucket has a bucket policy."""


class Emptiness(AwsModel):
    """How much a bucket holds, counting every version and delete marker."""

    versions: int
    """Object versions (current and noncurrent) counted, up to the limit."""
    delete_markers: int
    """Delete markers counted, up to the limit."""
    more: bool
    """True when there are more than were counted."""

    @property
    def empty(self) -> bool:
        """Whether the bucket holds nothing at all."""
        return not (self.versions or self.delete_markers or self.more)


def new_bucket_name(name: str) -> str:
    """A name for a bucket to create, after today's naming rules.

    Raises:
        BadInput: 3-63 characters of lower-case letters, digits, dots and hyphens,
            starting and ending with a letter or digit, not IP-shaped, no ``..``,
            not ``xn--``, ``sthree-`` or ``amzn-s3-demo-`` first, nor ``-s3alias``,
            ``--ol-s3``, ``.mrap`` or ``--x-s3`` last.
    """
    text = name.strip()
    if text.startswith("s3://"):
        text = text[len("s3://") :].rstrip("/")
    bad = (
        not _NEW_BUCKET.match(text)
        or ".." in text
        or ".-" in text
        or "-." in text
        or _IPV4_SHAPE.match(text)
        or text.startswith(("xn--", "sthree-", "amzn-s3-demo-"))
        or text.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3"))
    )
    if bad:
        raise BadInput(
            f"'{name}' is not a valid new bucket name: 3-63 lower-case letters, digits, dots "
            "and hyphens, starting and ending with a letter or digit, not shaped like an IP "
            "address.",
            link="https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
        )
    return text


def bucket_owner_region(session: boto3.Session, bucket: str) -> str | None:
    """The region of a bucket this account can reach, or ``None`` when no bucket has the name.

    Raises:
        ServiceError: the name belongs to another account (``403``) or AWS refused.
    """
    name = _bucket_name(bucket)
    s3 = client(session, "s3")
    with aws_errors("s3:ListBucket", resource=name):
        try:
            answer = s3.head_bucket(Bucket=name)
        except ClientError as exc:
            code = _code(exc)
            if code in ("404", "NoSuchBucket", "NotFound"):
                return None
            if code in ("403", "AccessDenied"):
                raise ServiceError(
                    f"The bucket name {name} is taken by another AWS account (or this identity "
                    "may not see it).",
                    code=code,
                    remedy="Bucket names are global across AWS; choose another name.",
                ) from None
            raise
    headers = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    return str(answer.get("BucketRegion") or headers.get("x-amz-bucket-region") or "us-east-1")


def bucket_emptiness(session: boto3.Session, bucket: str, *, limit: int = 1000) -> Emptiness:
    """Count what a bucket holds (every version and delete marker), up to ``limit``.

    Raises:
        ServiceError: no such bucket, or AWS refused (``s3:ListBucketVersions``).
    """
    name = _bucket_name(bucket)
    s3 = client(session, "s3")
    versions = markers = 0
    with aws_errors("s3:ListBucketVersions", resource=name):
        for page in pages(s3, "list_object_versions", Bucket=name):
            versions += len(page.get("Versions", []))
            markers += len(page.get("DeleteMarkers", []))
            if versions + markers >= limit:
                return Emptiness(versions=versions, delete_markers=markers, more=True)
    return Emptiness(versions=versions, delete_markers=markers, more=False)


def head_object(session: boto3.Session, bucket: str, key: str) -> S3Object | None:
    """One object's size and dates, or ``None`` when there is no such key.

    Raises:
        ServiceError: no such bucket, or AWS refused (``s3:GetObject``).
    """
    name = _bucket_name(bucket)
    s3 = client(session, "s3")
    with aws_errors("s3:GetObject", resource=f"s3://{name}/{key}"):
        try:
            raw = s3.head_object(Bucket=name, Key=key)
        except ClientError as exc:
            if _code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
    return S3Object(
        key=key,
        size=int(raw.get("ContentLength", 0)),
        last_modified=utc(raw.get("LastModified")),
        storage_class=raw.get("StorageClass"),
        etag=(raw.get("ETag") or "").strip('"') or None,
    )


def _optional(s3: Any, method: str, action: str, name: str) -> dict[str, Any] | None:
    with aws_errors(action, resource=name):
        try:
            answer: dict[str, Any] = getattr(s3, method)(Bucket=name)
        except ClientError as exc:
            if _code(exc) in _MISSING_SETTING:
                return None
            raise
    return answer


def get_versioning(session: boto3.Session, bucket: str) -> str:
    """``Enabled``, ``Suspended`` or ``Disabled`` (never turned on)."""
    name = _bucket_name(bucket)
    answer = _optional(
        client(session, "s3"), "get_bucket_versioning", "s3:GetBucketVersioning", name
    )
    return str((answer or {}).get("Status") or "Disabled")


def get_encryption(session: boto3.Session, bucket: str) -> tuple[str | None, str | None]:
    """Default encryption algorithm and KMS key, ``(None, None)`` when unset."""
    name = _bucket_name(bucket)
    answer = _optional(
        client(session, "s3"), "get_bucket_encryption", "s3:GetEncryptionConfiguration", name
    )
    rules = ((answer or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
    default = (rules[0].get("ApplyServerSideEncryptionByDefault") or {}) if rules else {}
    return default.get("SSEAlgorithm"), default.get("KMSMasterKeyID")


def get_public_access_block(session: boto3.Session, bucket: str) -> dict[str, bool] | None:
    """The bucket's public access block switches, ``None`` when it has none."""
    name = _bucket_name(bucket)
    answer = _optional(
        client(session, "s3"), "get_public_access_block", "s3:GetBucketPublicAccessBlock", name
    )
    if answer is None:
        return None
    config = answer.get("PublicAccessBlockConfiguration") or {}
    return {k: bool(config.get(k)) for k in PUBLIC_ACCESS_BLOCK}


def get_tags(session: boto3.Session, bucket: str) -> dict[str, str]:
    """The bucket's tags (empty when it has none)."""
    name = _bucket_name(bucket)
    answer = _optional(client(session, "s3"), "get_bucket_tagging", "s3:GetBucketTagging", name)
    return {t["Key"]: t.get("Value", "") for t in (answer or {}).get("TagSet", [])}


def get_lifecycle(session: boto3.Session, bucket: str) -> list[dict[str, Any]]:
    """The bucket's lifecycle rules (empty when it has none)."""
    name = _bucket_name(bucket)
    answer = _optional(
        client(session, "s3"),
        "get_bucket_lifecycle_configuration",
        "s3:GetLifecycleConfiguration",
        name,
    )
    return list((answer or {}).get("Rules", []))


def get_logging(session: boto3.Session, bucket: str) -> tuple[str | None, str]:
    """Server access logging: target bucket (``None`` when off) and key prefix."""
    name = _bucket_name(bucket)
    answer = _optional(client(session, "s3"), "get_bucket_logging", "s3:GetBucketLogging", name)
    enabled = (answer or {}).get("LoggingEnabled") or {}
    return enabled.get("TargetBucket"), str(enabled.get("TargetPrefix", ""))


def describe_bucket(session: boto3.Session, bucket: str) -> BucketSettings:
    """Every setting of one bucket that devops-agent can change, read at once.

    Raises:
        ServiceError: no such bucket, or AWS refused one of the get calls (the message
            names the action).
    """
    name = _bucket_name(bucket)
    region = bucket_owner_region(session, name)
    if region is None:
        raise ServiceError(
            f"Not found: s3://{name} (no such bucket).",
            code="NoSuchBucket",
            remedy="Check the name; `s3 list` shows the account's buckets.",
        )
    algorithm, key = get_encryption(session, name)
    target, prefix = get_logging(session, name)
    return BucketSettings(
        name=name,
        region=region,
        versioning=get_versioning(session, name),
        encryption=algorithm,
        kms_key=key,
        public_access_block=get_public_access_block(session, name),
        tags=get_tags(session, name),
        lifecycle_rules=get_lifecycle(session, name),
        logging_target=target,
        logging_prefix=prefix,
        has_policy=get_bucket_policy(session, name) is not None,
    )


def lifecycle_rules(document: str) -> list[dict[str, Any]]:
    """Lifecycle rules from JSON (``{"Rules": [...]}`` or a list), checked against S3's schema.

    Raises:
        BadInput: not JSON, no rules, a rule without an action, or a field S3 does not take.
    """
    import json

    from botocore.exceptions import ParamValidationError
    from botocore.session import get_session
    from botocore.validate import validate_parameters

    try:
        data = json.loads(document)
    except ValueError as exc:
        raise BadInput(f"The lifecycle configuration is not valid JSON: {exc}.") from None
    rules = data.get("Rules") if isinstance(data, dict) else data
    if not isinstance(rules, list) or not rules:
        raise BadInput('The lifecycle configuration needs a non-empty "Rules" list.')
    actions = (
        "Expiration",
        "Transitions",
        "NoncurrentVersionExpiration",
        "NoncurrentVersionTransitions",
        "AbortIncompleteMultipartUpload",
    )
    for number, rule in enumerate(rules, 1):
        if not isinstance(rule, dict) or rule.get("Status") not in ("Enabled", "Disabled"):
            raise BadInput(f'Lifecycle rule {number} needs "Status": "Enabled" or "Disabled".')
        if not any(a in rule for a in actions):
            raise BadInput(f"Lifecycle rule {number} has no action ({', '.join(actions)}).")
    model = get_session().get_service_model("s3").operation_model("PutBucketLifecycleConfiguration")
    assert model.input_shape is not None
    try:
        validate_parameters(
            {"Bucket": "checked-bucket", "LifecycleConfiguration": {"Rules": rules}},
            model.input_shape,
        )
    except ParamValidationError as exc:
        raise BadInput(f"The lifecycle configuration does not fit S3's schema: {exc}") from None
    return rules


# --------------------------------------------------------------------------- transfers


class Download(AwsModel):
    """An object written into the workspace."""

    bucket: str
    key: str
    path: str
    """Where it landed, relative to the workspace."""
    size: int
    """Bytes written."""


def download_object(
    session: boto3.Session,
    bucket: str,
    key: str,
    workspace: Path,
    path: str,
    *,
    overwrite: bool = False,
) -> Download:
    """Copy one object into the workspace (a local write; AWS is only read).

    The object's size is checked before anything is written, and again while
    streaming; the file appears under its name only when complete.

    Args:
        session: credentials to read with (``s3:GetObject``).
        bucket: the bucket.
        key: the object key.
        workspace: the run's workspace.
        path: where to write, relative to the workspace.
        overwrite: replace an existing file (``--force``).

    Raises:
        BadInput: the path leaves the workspace, exists without ``overwrite``, or the
            object is larger than the transfer limit.
        ServiceError: no such bucket or key, or AWS refused.
    """
    from devops_agent.aws import workspace_files

    name = _bucket_name(bucket)
    target = workspace_files.target_path(workspace, path, overwrite=overwrite)
    found = head_object(session, name, key)
    if found is None:
        raise ServiceError(
            f"Not found: s3://{name}/{key} (no such key).",
            code="NoSuchKey",
            remedy=f"Check the key; `s3 ls {name} PREFIX` lists the keys.",
        )
    workspace_files.check_size(f"s3://{name}/{key}", found.size)
    s3 = client(session, "s3")
    with aws_errors("s3:GetObject", resource=f"s3://{name}/{key}"):
        body = s3.get_object(Bucket=name, Key=key)["Body"]
        try:
            size = workspace_files.write_stream(workspace, target, body)
        finally:
            body.close()
    relative = target.relative_to(workspace.resolve()).as_posix()
    return Download(bucket=name, key=key, path=relative, size=size)


# --------------------------------------------------------------------------- writes
# Only the apply path calls these, with the write role's session.


def create_bucket(session: boto3.Session, bucket: str, region: str) -> Change:
    """Create a bucket in ``region`` with S3's defaults (owner-enforced, SSE-S3, public
    access blocked)."""
    from devops_agent.aws import check_region
    from devops_agent.aws.writes import write_errors

    name = new_bucket_name(bucket)
    region = check_region(session, region)
    s3 = client(session, "s3", region)
    params: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": region}
    with write_errors("s3:CreateBucket", resource=name, region=region):
        s3.create_bucket(**params)
    return Change(
        action="s3:CreateBucket", resource=name, message=f"created s3://{name} in {region}"
    )


def delete_bucket(session: boto3.Session, bucket: str, *, delete_objects: bool = False) -> Change:
    """Delete a bucket; with ``delete_objects`` first every object version and delete marker.

    Without ``delete_objects`` S3 refuses a bucket that is not empty (``BucketNotEmpty``).
    """
    from devops_agent.aws.writes import write_errors

    name = _bucket_name(bucket)
    s3: Any = client(session, "s3")
    removed = 0
    if delete_objects:
        with write_errors("s3:DeleteObjectVersion", resource=name):
            for page in pages(s3, "list_object_versions", Bucket=name):
                batch = [
                    {"Key": v["Key"], "VersionId": v["VersionId"]}
                    for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
                ]
                for start in range(0, len(batch), 1000):
                    answer = s3.delete_objects(
                        Bucket=name,
                        Delete={"Objects": batch[start : start + 1000], "Quiet": True},
                    )
                    if answer.get("Errors"):
                        error = answer["Errors"][0]
                        raise ServiceError(
                            f"S3 did not delete s3://{name}/{error.get('Key')}: "
                            f"{error.get('Code')}: {error.get('Message')}",
                            code=str(error.get("Code", "")),
                        )
                    removed += len(batch[start : start + 1000])
    with write_errors("s3:DeleteBucket", resource=name):
        try:
            s3.delete_bucket(Bucket=name)
        except ClientError as exc:
            if _code(exc) == "BucketNotEmpty":
                raise ServiceError(
                    f"s3://{name} is not empty, and the plan did not say to delete its objects.",
                    code="BucketNotEmpty",
                    remedy=f"Ask again with `s3 delete {name} --delete-objects`.",
                ) from None
            raise
    emptied = f" after deleting {removed:,} object versions" if removed else ""
    return Change(action="s3:DeleteBucket", resource=name, message=f"deleted s3://{name}{emptied}")


def upload_object(
    session: boto3.Session,
    bucket: str,
    key: str,
    body: BinaryIO,
    *,
    size: int,
    overwrite: bool = False,
    content_type: str | None = None,
) -> Change:
    """Write one object; without ``overwrite`` S3 itself refuses an existing key (If-None-Match)."""
    from devops_agent.aws.writes import write_errors

    name = _bucket_name(bucket)
    s3 = client(session, "s3")
    params: dict[str, Any] = {"Bucket": name, "Key": key, "Body": body, "ContentLength": size}
    if not overwrite:
        params["IfNoneMatch"] = "*"
    if content_type:
        params["ContentType"] = content_type
    with write_errors("s3:PutObject", resource=f"s3://{name}/{key}"):
        try:
            s3.put_object(**params)
        except ClientError as exc:
            if _code(exc) == "PreconditionFailed":
                raise ServiceError(
                    f"s3://{name}/{key} appeared after the plan was made; it is not overwritten.",
                    code="PreconditionFailed",
                    remedy="Ask for the upload again with --force to replace it.",
                ) from None
            raise
    return Change(
        action="s3:PutObject",
        resource=f"s3://{name}/{key}",
        message=f"uploaded {size:,} bytes to s3://{name}/{key}",
    )


def put_bucket_policy(session: boto3.Session, bucket: str, policy: str) -> Change:
    """Replace a bucket's policy (validated before it was planned)."""
    from devops_agent.aws.policy_document import validate_policy
    from devops_agent.aws.writes import write_errors

    name = _bucket_name(bucket)
    document = validate_policy(policy, "bucket", bucket=name)
    with write_errors("s3:PutBucketPolicy", resource=name):
        cast(Any, client(session, "s3")).put_bucket_policy(Bucket=name, Policy=document)
    return Change(
        action="s3:PutBucketPolicy", resource=name, message=f"set the policy of s3://{name}"
    )


def delete_bucket_policy(session: boto3.Session, bucket: str) -> Change:
    """Remove a bucket's policy."""
    from devops_agent.aws.writes import write_errors

    name = _bucket_name(bucket)
    with write_errors("s3:DeleteBucketPolicy", resource=name):
        client(session, "s3").delete_bucket_policy(Bucket=name)
    return Change(
        action="s3:DeleteBucketPolicy", resource=name, message=f"removed the policy of s3://{name}"
    )


def put_versioning(session: boto3.Session, bucket: str, enabled: bool) -> Change:
    """Turn versioning on (``Enabled``) or off (``Suspended``: old versions stay)."""
    from devops_agent.aws.writes import write_errors

    name = _bucket_name(bucket)
    status = "Enabled" if enabled else "Suspended"
    with write_errors("s3:PutBucketVersioning", resource=name):
        cast(Any, client(session, "s3")).put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": status}
        )
    return Change(
        action="s3:PutBucketVersioning",
        resource=name,
        message=f"versioning of s3://{name} is {status}",
    )


def put_encryption(
    session: boto3.Session, bucket: str, algorithm: str, kms_key: str | None = None
) -> Change:
    """Set default encryption: ``AES256`` (SSE-S3) or ``aws:kms`` (SSE-KMS, bucket key on)."""
    from devops_agent.aws.writes import write_errors

    name = _bucket_name(bucket)
    if algorithm not in ("AES256", "aws:kms"):
        raise BadInput(f"'{algorithm}' is not an encryption setting; use sse-s3 or sse-kms.")
    default: dict[str, Any] = {"SSEAlgorithm": algorithm}
    if kms_key:
        default["KMSMasterKeyID"] = kms_key
    rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": default}
    if algorithm == "aws:kms":
        rule["BucketKeyEnabled"] = True
    with write_errors("s3:PutEncryptionConfiguration", resource=name):
        cast(Any, client(session, "s3")).put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={"Rules": [rule]},
        )
    what = "SSE-S3" if algorithm == "AES256" else f"SSE-KMS ({kms_key or 'aws/s3 key'})"
    return Change(
        action="s3:PutEncryptionConfiguration",
        resource=name,
        message=f"s3://{name} encrypts new objects with {what}",
    )


def delete_encryption(session: boto3.Session, bucket: str) -> Change:
    """Remove the bucket's default encryption setting (S3 then applies SSE-S3)."""
    from devops_agent.aws.writes import write_errors

    name = _bucket_name(bucket)
    with write_errors("s3:PutEncryptionConfiguration", resource=name):
        client(session, "s3").delete_bucket_encryption(Bucket=name)
    return Change(
        action="s3:PutEncryptionConfiguration",
        resource=name,
        message=f"removed the default encryption setting of s3://{name}",
    )


def put_public_access_block(session: boto3.Session, bucket: str) -> Change:
    """Turn on all four public access block switches of a bucket."""
    from devops_agent.aws.writes import write_errors

    name = _bucket_name(bucket)
    with write_errors("s3:PutBucketPublicAccessBlock", resource=name):
        cast(Any, client(session, "s3")).put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={k: True for k in PUBLIC_ACCESS_BLOCK},
        )
    return Change(
        action="s3:PutBucketPublicAccessBlock",
        resource=name,
        message=f"s3://{name} blocks all public access",
    )


def delete_public_access_block(session: boto3.Session, bucket: str) -> Change:
    """Remove a bucket's public access block (account-level settings still apply)."""
    from devops_agent.aws.writes import write_errors

    name = _bucket_name(bucket)
    with write_errors("s3:PutBucketPublicAccessBlock", resource=name):
        client(session, "s3").delete_public_access_block(Bucket=name)
    return Change(
        action="s3:PutBucketPublicAccessBlock",
        resource=name,
        message=f"removed the public access block of s3://{name}",
    )


def put_tags(session: boto3.Session, bucket: str, tags: dict[str, str]) -> Change:
    """Replace a bucket's tag set (an empty set removes every tag)."""
    from devops_agent.aws.writes import tag_list, write_errors

    name = _bucket_name(bucket)
    s3: Any = client(session, "s3")
    with write_errors("s3:PutBucketTagging", resource=name):
        if tags:
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(tags)})
        else:
            s3.delete_bucket_tagging(Bucket=name)
    shown = ", ".join(f"{k}={v}" for k, v in sorted(tags.items())) or "none"
    return Change(
        action="s3:PutBucketTagging", resource=name, message=f"tags of s3://{name}: {shown}"
    )


def put_lifecycle(session: boto3.Session, bucket: str, rules: list[dict[str, Any]]) -> Change:
    """Replace a bucket's lifecycle rules (an empty list removes them)."""
    import json

    from devops_agent.aws.writes import write_errors

    name = _bucket_name(bucket)
    s3: Any = client(session, "s3")
    with write_errors("s3:PutLifecycleConfiguration", resource=name):
        if rules:
            checked = lifecycle_rules(json.dumps(rules))
            s3.put_bucket_lifecycle_configuration(
                Bucket=name, LifecycleConfiguration={"Rules": checked}
            )
        else:
            s3.delete_bucket_lifecycle(Bucket=name)
    what = (
        f"{len(rules)} lifecycle rule{'s' if len(rules) != 1 else ''}"
        if rules
        else "no lifecycle rules"
    )
    return Change(
        action="s3:PutLifecycleConfiguration", resource=name, message=f"s3://{name} has {what}"
    )


def put_logging(
    session: boto3.Session, bucket: str, target: str | None, prefix: str = ""
) -> Change:
    """Send server access logs to ``target`` under ``prefix``, or turn logging off (``None``)."""
    from devops_agent.aws.writes import write_errors

    name = _bucket_name(bucket)
    status: dict[str, Any] = {}
    if target:
        status["LoggingEnabled"] = {"TargetBucket": _bucket_name(target), "TargetPrefix": prefix}
    with write_errors("s3:PutBucketLogging", resource=name):
        cast(Any, client(session, "s3")).put_bucket_logging(Bucket=name, BucketLoggingStatus=status)
    what = f"logs access to s3://{target}/{prefix}" if target else "no longer logs access"
    return Change(action="s3:PutBucketLogging", resource=name, message=f"s3://{name} {what}")
