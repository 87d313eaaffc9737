"""S3 objects: list keys, read one, download into the workspace (uploads are
:mod:`~devops_agent.aws.s3.uploads`).

Transfers touch only the workspace (:mod:`devops_agent.aws.workspace_files`). A download
is not a plan: it changes nothing in AWS and writes one file into the workspace at once,
so only people may ask for it (the agent has no tool for it).
"""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Annotated, Any

from botocore.exceptions import ClientError
from pydantic import AfterValidator, Field

from devops_agent.aws import AwsModel, aws_errors, client, named, pages, utc
from devops_agent.aws.s3.buckets import (
    BucketArgs,
    bucket_name,
    error_code,
)
from devops_agent.aws.workspace_files import (
    check_size,
    target_path,
    write_stream,
)
from devops_agent.errors import BadInput, ServiceError
from devops_agent.operation import (
    Args,
    Command,
    Option,
    Positional,
    Read,
    Reader,
)
from devops_agent.report import Result, Table, dump, plural, when

if TYPE_CHECKING:
    from pathlib import Path

    import boto3

__all__ = [
    "Download",
    "S3Object",
    "StoredObject",
    "download_object",
    "head_object",
    "list_objects",
    "s3_location",
]

#: Longest S3 key, in bytes of UTF-8.
MAX_KEY_BYTES = 1024


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


class StoredObject(S3Object):
    """One object as HeadObject reports it: with its version and stored checksum."""

    version_id: str | None = None
    """The version read (``"null"`` in a bucket whose versioning is suspended); ``None``
    in a bucket that never kept versions."""
    sha256: str | None = None
    """The SHA-256 S3 stored for it (hex), when asked for and when it has one."""


class Download(AwsModel):
    """An object written into the workspace."""

    bucket: str
    key: str
    path: str
    """Where it landed, relative to the workspace."""
    size: int
    """Bytes written."""


def s3_location(text: str) -> tuple[str, str]:
    """``s3://BUCKET/KEY`` split into the bucket name and the key (which may be empty).

    Args:
        text: What was typed.

    Returns:
        The bucket's name and the key (``""`` for none).

    Raises:
        BadInput: not an ``s3://`` location, or no bucket in it.
    """
    if not text.startswith("s3://"):
        raise BadInput(f"'{text}' is not an S3 location; write s3://BUCKET/KEY.")
    bucket, _, key = text[len("s3://") :].partition("/")
    if not bucket:
        raise BadInput(f"'{text}' names no bucket; write s3://BUCKET/KEY.")
    return bucket_name(bucket), key


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
    name = bucket_name(bucket)
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


def head_object(
    session: boto3.Session,
    bucket: str,
    key: str,
    *,
    region: str | None = None,
    version_id: str | None = None,
    checksum: bool = False,
) -> StoredObject | None:
    """One object's size and dates, or ``None`` when there is no such key (or version).

    Args:
        session: Credentials to read with (the read role's).
        bucket: The bucket's name.
        key: The object's key.
        region: The bucket's region (its endpoint answers); the session's when ``None``.
        version_id: One version of the object instead of the current one.
        checksum: Also ask for the SHA-256 S3 stored for it (``ChecksumMode``).

    Returns:
        The object's key, size, dates, version and (when asked) checksum, or ``None``.

    Raises:
        ServiceError: no such bucket, or AWS refused (``s3:GetObject``).
    """
    name = bucket_name(bucket)
    s3 = client(session, "s3", region)
    params: dict[str, Any] = {"Bucket": name, "Key": key}
    if version_id:
        params["VersionId"] = version_id
    if checksum:
        params["ChecksumMode"] = "ENABLED"
    with aws_errors("s3:GetObject", resource=f"s3://{name}/{key}", region=region):
        try:
            raw = s3.head_object(**params)
        except ClientError as exc:
            if error_code(exc) in ("404", "NoSuchKey", "NotFound", "NoSuchVersion"):
                return None
            raise
    stored = raw.get("ChecksumSHA256")
    return StoredObject(
        key=key,
        size=int(raw.get("ContentLength", 0)),
        last_modified=utc(raw.get("LastModified")),
        storage_class=raw.get("StorageClass"),
        etag=(raw.get("ETag") or "").strip('"') or None,
        version_id=raw.get("VersionId") or None,
        sha256=base64.b64decode(stored).hex() if stored and "-" not in stored else None,
    )


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

    Returns:
        The bucket, key, path written and bytes.

    Raises:
        BadInput: the path leaves the workspace, exists without ``overwrite``, or the
            object is larger than the transfer limit.
        ServiceError: no such bucket or key, or AWS refused.
    """
    name = bucket_name(bucket)
    target = target_path(workspace, path, overwrite=overwrite)
    found = head_object(session, name, key)
    if found is None:
        raise ServiceError(
            f"Not found: s3://{name}/{key} (no such key).",
            code="NoSuchKey",
            remedy=f"Check the key; `s3 ls {name} PREFIX` lists the keys.",
        )
    check_size(f"s3://{name}/{key}", found.size)
    s3 = client(session, "s3")
    with aws_errors("s3:GetObject", resource=f"s3://{name}/{key}"):
        body = s3.get_object(Bucket=name, Key=key)["Body"]
        try:
            size = write_stream(workspace, target, body)
        finally:
            body.close()
    relative = target.relative_to(workspace.resolve()).as_posix()
    return Download(bucket=name, key=key, path=relative, size=size)


# --------------------------------------------------------------------------- operations


class ListObjectsArgs(BucketArgs):
    """Arguments of ``s3 ls``."""

    prefix: Annotated[str, Positional()] = ""
    """Only keys starting with this; empty for every key."""
    limit: Annotated[int, Field(ge=1, le=200)] = 100
    """Most objects to return, 1 to 200."""


def _list(reader: Reader, args: ListObjectsArgs) -> list[S3Object]:
    return list_objects(reader.session(), args.bucket, prefix=args.prefix, limit=args.limit)


def _list_table(reader: Reader, args: ListObjectsArgs, objects: list[S3Object]) -> Result:
    rows = [[o.key, f"{o.size:,}", when(o.last_modified), o.storage_class or ""] for o in objects]
    where = f"s3://{args.bucket}/{args.prefix}"
    return Result(
        title=("First " if len(objects) >= args.limit else "")
        + f"{plural(len(objects), 'object')} in {where}",
        tables=[
            Table(
                columns=["Key", "Bytes", "Last modified", "Storage class"],
                rows=rows,
                empty=f"No objects under {where}.",
            )
        ],
        data={"bucket": args.bucket, "prefix": args.prefix, "objects": dump(objects)},
    )


LIST = Read(
    name="s3.list_objects",
    args=ListObjectsArgs,
    summary="Objects in a bucket.",
    service="s3",
    tool="list_objects",
    commands=(Command("s3 ls BUCKET [PREFIX]", "Objects in a bucket.", limit=200),),
    guide="Key, size in bytes, last modified and storage class of each object, in key "
    "order. Returns keys only, never object contents. Exactly `limit` results means there "
    "may be more: narrow with a prefix.",
    actions=("s3:ListBucket",),
    read=_list,
    render=_list_table,
)


def _object_location(text: str) -> str:
    _, key = s3_location(text)
    if not key or key.endswith("/"):
        raise BadInput(f"'{text}' names no object; write s3://BUCKET/KEY.")
    return text


class DownloadArgs(Args):
    """Arguments of ``s3 download``."""

    source: Annotated[str, Positional(), AfterValidator(_object_location)]
    """The object: s3://BUCKET/KEY."""
    path: Annotated[str | None, Positional()] = None
    """Where to write it, relative to the workspace; null for the key's file name."""
    overwrite: Annotated[bool, Option("--force")] = False
    """Replace a file that already exists at the path."""


def _download(reader: Reader, args: DownloadArgs) -> Download:
    name, key = s3_location(args.source)
    path = args.path or PurePosixPath(key).name
    with named():
        return download_object(
            reader.session(), name, key, reader.workspace, path, overwrite=args.overwrite
        )


def _downloaded(reader: Reader, args: DownloadArgs, done: Download) -> Result:
    return Result(
        title=f"Downloaded s3://{done.bucket}/{done.key} to {done.path}",
        text=f"{done.size:,} bytes written into the workspace.",
        data=done.model_dump(mode="json"),
    )


DOWNLOAD = Read(
    name="s3.download_object",
    args=DownloadArgs,
    summary="Copy an object into the workspace now (up to 100 MiB; --force overwrites).",
    service="s3",
    commands=(
        Command(
            "s3 download s3://BUCKET/KEY [PATH] [--force]",
            "Copy an object into the workspace now (up to 100 MiB; --force overwrites).",
        ),
    ),
    agent="It writes into the workspace at once, outside a plan.",
    actions=("s3:GetObject",),
    read=_download,
    render=_downloaded,
)

OPERATIONS = (LIST, DOWNLOAD)
