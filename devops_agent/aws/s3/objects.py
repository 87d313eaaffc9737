"""S3 objects: list keys, plan uploads of workspace files, download into the workspace.

Transfers touch only the workspace (:mod:`devops_agent.aws.workspace_files`). An
upload is a plan: its entry records the file's size and SHA-256, and the apply
uploads exactly that content or nothing. A download is not a plan: it changes
nothing in AWS and writes one file into the workspace at once, so only people
may ask for it (the agent has no tool for it).
"""

from __future__ import annotations

import mimetypes
from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO

from botocore.exceptions import ClientError
from pydantic import AfterValidator, Field

from devops_agent.aws import AwsModel, aws_errors, client, named, pages, utc
from devops_agent.aws.s3.buckets import (
    BucketArgs,
    BucketName,
    bucket_arn,
    bucket_name,
    error_code,
    existing_bucket,
)
from devops_agent.aws.workspace_files import (
    LocalFile,
    check_size,
    open_verified,
    stat_file,
    target_path,
    write_stream,
)
from devops_agent.aws.writes import Change, write_errors
from devops_agent.errors import BadInput, ServiceError
from devops_agent.operation import (
    Args,
    Command,
    Hidden,
    Option,
    Positional,
    Proposal,
    Read,
    Reader,
    Write,
    Writers,
)
from devops_agent.report import Result, Table, dump, plural, when

if TYPE_CHECKING:
    from pathlib import Path

    import boto3

__all__ = [
    "Download",
    "S3Object",
    "download_object",
    "head_object",
    "list_objects",
    "s3_location",
    "upload_object",
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


def head_object(session: boto3.Session, bucket: str, key: str) -> S3Object | None:
    """One object's size and dates, or ``None`` when there is no such key.

    Args:
        session: Credentials to read with (the read role's).
        bucket: The bucket's name.
        key: The object's key.

    Returns:
        The object's key, size and dates, or ``None``.

    Raises:
        ServiceError: no such bucket, or AWS refused (``s3:GetObject``).
    """
    name = bucket_name(bucket)
    s3 = client(session, "s3")
    with aws_errors("s3:GetObject", resource=f"s3://{name}/{key}"):
        try:
            raw = s3.head_object(Bucket=name, Key=key)
        except ClientError as exc:
            if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
    return S3Object(
        key=key,
        size=int(raw.get("ContentLength", 0)),
        last_modified=utc(raw.get("LastModified")),
        storage_class=raw.get("StorageClass"),
        etag=(raw.get("ETag") or "").strip('"') or None,
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
    """Write one object; without ``overwrite`` S3 itself refuses an existing key (If-None-Match).

    Only the apply path calls this, with the write role's session.

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        key: The object's key.
        body: The file, open for binary reading (checked against its plan).
        size: Its size in bytes.
        overwrite: Whether an existing key may be replaced (``--force``).
        content_type: The object's ``Content-Type``; ``None`` lets S3 choose.

    Returns:
        What was done: the IAM action, the bucket, one line for people.

    Raises:
        ServiceError: the key exists and ``overwrite`` is false (``PreconditionFailed``), or AWS
            refused or failed.
    """
    name = bucket_name(bucket)
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
            if error_code(exc) == "PreconditionFailed":
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


def _upload_destination(text: str) -> str:
    s3_location(text)
    return text


class UploadArgs(Args):
    """Arguments of ``s3 upload``."""

    path: Annotated[str, Positional()]
    """The file to upload, relative to the workspace (e.g. dist/app.zip), at most 100 MiB."""
    destination: Annotated[str, Positional(), AfterValidator(_upload_destination)]
    """Where to: s3://BUCKET/KEY; a key ending in / (or none) gets the file's name."""
    overwrite: Annotated[bool, Option("--force")] = False
    """Replace an object that already exists at the key."""
    bucket: Annotated[BucketName | None, Hidden()] = None
    """The bucket, from the destination."""
    key: Annotated[str | None, Hidden()] = None
    """The whole key, the file's name added to a key ending in /."""
    file: Annotated[LocalFile | None, Hidden()] = None
    """The file as planned: path, size and SHA-256."""
    content_type: Annotated[str | None, Hidden()] = None
    """The Content-Type guessed from the file's name."""


def _plan_upload(reader: Reader, args: UploadArgs) -> Proposal:
    local = stat_file(reader.workspace, args.path)
    name, key = s3_location(args.destination)
    if not key or key.endswith("/"):
        key += PurePosixPath(local.path).name
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise BadInput(f"S3 keys are at most {MAX_KEY_BYTES} bytes long.")
    region = existing_bucket(reader, name)
    existing = head_object(reader.session(), name, key)
    if existing is not None and not args.overwrite:
        raise BadInput(
            f"s3://{name}/{key} already exists ({existing.size:,} bytes); add --force to "
            "replace it."
        )
    planned = args.model_copy(
        update={
            "bucket": name,
            "key": key,
            "file": local,
            "content_type": mimetypes.guess_type(local.path)[0],
        }
    )
    entry = UPLOAD.entry(
        planned,
        f"Upload {local.path} ({local.size:,} bytes, sha256 {local.sha256[:12]}…) to "
        f"s3://{name}/{key}" + (" (replacing it)" if existing is not None else ""),
        [bucket_arn(name, key)],
    )
    return Proposal(
        [entry],
        what=f"upload {local.path}",
        region=region,
        note="On apply the file must be in the workspace with the same content (checked by "
        "its SHA-256).",
    )


def _run_upload(writers: Writers, args: UploadArgs) -> str:
    if args.bucket is None or args.key is None or args.file is None:
        raise BadInput(
            "The plan does not record which file goes where; it is not applied.",
            remedy="Ask for the upload again to get a fresh plan.",
        )
    with open_verified(writers.workspace, args.file) as body:
        return upload_object(
            writers.aws(),
            args.bucket,
            args.key,
            body,
            size=args.file.size,
            overwrite=args.overwrite,
            content_type=args.content_type,
        ).message


UPLOAD = Write(
    name="s3.upload",
    args=UploadArgs,
    summary="Plan to upload a workspace file (up to 100 MiB).",
    service="s3",
    tool="upload_object",
    commands=(
        Command(
            "s3 upload PATH s3://BUCKET/KEY [--force]",
            "Plan to upload a workspace file (up to 100 MiB).",
        ),
    ),
    guide="Only a file of this repository's workspace can be uploaded; the plan records its "
    "size and SHA-256, and the apply uploads exactly that content. An existing key comes "
    "back as an error unless overwrite is true.",
    reads=("s3:ListBucket", "s3:GetObject"),
    actions=("s3:PutObject",),
    arns=("arn:{partition}:s3:::{bucket}/{key}",),
    plan=_plan_upload,
    run=_run_upload,
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

OPERATIONS = (LIST, UPLOAD, DOWNLOAD)
