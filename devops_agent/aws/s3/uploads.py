"""Uploads of workspace files: ``s3 upload PATH s3://BUCKET/KEY [--force]``, and their way back.

An upload is a plan: its entry records the file's size and SHA-256, and the apply
uploads exactly that content or nothing (:func:`~devops_agent.aws.workspace_files.open_verified`
checks the file; the request carries the SHA-256, so S3 itself refuses other bytes, and
the read-back compares the checksum S3 stored). Without ``--force`` S3 refuses a key that
exists (``If-None-Match``), so the upload only ever creates, and its way back deletes
exactly what it created: ``s3.delete_object``, a step only rollback plans carry, deletes
the exact version in a bucket that keeps versions, otherwise the key only while it still
has the ETag the upload gave it (``If-Match``). With ``--force`` the object there is
replaced, which the plan marks irreversible.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO

from pydantic import AfterValidator, model_validator

from devops_agent.aws.s3.buckets import BucketName, bucket_arn, bucket_name, existing_bucket
from devops_agent.aws.s3.changes import bucket_call, s3_arn, send
from devops_agent.aws.s3.objects import MAX_KEY_BYTES, StoredObject, head_object, s3_location
from devops_agent.aws.workspace_files import LocalFile, open_verified, stat_file
from devops_agent.aws.writes import Change
from devops_agent.errors import BadInput, ServiceError
from devops_agent.operation import (
    ApiCall,
    Args,
    Command,
    Grant,
    Hidden,
    NotAsPlanned,
    Option,
    PlanEntry,
    Positional,
    Proposal,
    Reader,
    Verification,
    Verified,
    Write,
    Writers,
)

if TYPE_CHECKING:
    import boto3

__all__ = [
    "DELETE_OBJECT",
    "UPLOAD",
    "DeleteObjectArgs",
    "UploadArgs",
    "upload_object",
    "upload_params",
]


def upload_params(
    bucket: str,
    key: str,
    *,
    size: int,
    sha256: str | None = None,
    overwrite: bool = False,
    content_type: str | None = None,
) -> dict[str, Any]:
    """The PutObject parameters of an upload, but its body: what the executor sends and the
    plan shows.

    Args:
        bucket: The bucket's name.
        key: The object's key.
        size: The file's size in bytes.
        sha256: The file's SHA-256 (hex), sent as ``ChecksumSHA256`` (with
            ``ChecksumAlgorithm`` SHA256, so no other checksum replaces it): S3 refuses a
            body with another digest, and stores it for the read-back.
        overwrite: Whether an existing key may be replaced; without it ``IfNoneMatch``
            makes S3 refuse a key that exists.
        content_type: The object's ``Content-Type``; ``None`` lets S3 choose.

    Returns:
        ``Bucket``, ``Key``, ``ContentLength`` and, as they apply, ``ChecksumAlgorithm``
        and ``ChecksumSHA256``, ``IfNoneMatch`` and ``ContentType``.
    """
    params: dict[str, Any] = {"Bucket": bucket_name(bucket), "Key": key, "ContentLength": size}
    if sha256:
        params["ChecksumAlgorithm"] = "SHA256"
        params["ChecksumSHA256"] = base64.b64encode(bytes.fromhex(sha256)).decode("ascii")
    if not overwrite:
        params["IfNoneMatch"] = "*"
    if content_type:
        params["ContentType"] = content_type
    return params


def upload_object(
    session: boto3.Session,
    bucket: str,
    key: str,
    body: BinaryIO,
    *,
    size: int,
    sha256: str | None = None,
    overwrite: bool = False,
    content_type: str | None = None,
    region: str | None = None,
) -> Change:
    """Write one object; without ``overwrite`` S3 itself refuses an existing key (If-None-Match).

    Only the apply path calls this, with the write role's session.

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        key: The object's key.
        body: The file, open for binary reading (checked against its plan).
        size: Its size in bytes.
        sha256: Its SHA-256 (hex), for S3 to check the body against.
        overwrite: Whether an existing key may be replaced (``--force``).
        content_type: The object's ``Content-Type``; ``None`` lets S3 choose.
        region: The bucket's region (its endpoint gets the request); the session's when
            ``None``.

    Returns:
        What was done: the IAM action, the bucket, one line for people.

    Raises:
        ServiceError: the key exists and ``overwrite`` is false (``PreconditionFailed``), the
            body's digest is not ``sha256`` (``BadDigest``), or AWS refused or failed.
    """
    params = upload_params(
        bucket, key, size=size, sha256=sha256, overwrite=overwrite, content_type=content_type
    )
    name = params.pop("Bucket")
    call = bucket_call("PutObject", "s3:PutObject", name, region, key=key, Body=body, **params)
    try:
        send(session, call, resource=f"s3://{name}/{key}")
    except ServiceError as exc:
        if exc.code == "PreconditionFailed":
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


# --------------------------------------------------------------------------- upload


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
    bucket_region: Annotated[str | None, Hidden()] = None
    """The bucket's region, which the preview reads: where the upload goes."""


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
            "bucket_region": region,
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


def _planned(args: UploadArgs) -> tuple[str, str, LocalFile]:
    if args.bucket is None or args.key is None or args.file is None:
        raise BadInput(
            "The plan does not record which file goes where; it is not applied.",
            remedy="Ask for the upload again to get a fresh plan.",
        )
    return args.bucket, args.key, args.file


def _run_upload(writers: Writers, args: UploadArgs) -> str:
    bucket, key, local = _planned(args)
    with open_verified(writers.workspace, local) as body:
        return upload_object(
            writers.aws(),
            bucket,
            key,
            body,
            size=local.size,
            sha256=local.sha256,
            overwrite=args.overwrite,
            content_type=args.content_type,
            region=args.bucket_region,
        ).message


def _upload_calls(args: UploadArgs) -> list[ApiCall]:
    bucket, key, local = _planned(args)
    params = upload_params(
        bucket,
        key,
        size=local.size,
        sha256=local.sha256,
        overwrite=args.overwrite,
        content_type=args.content_type,
    )
    name = params.pop("Bucket")
    body = f"<the bytes of {local.path}: {local.size:,}, sha256 {local.sha256}>"
    return [
        bucket_call(
            "PutObject", "s3:PutObject", name, args.bucket_region, key=key, Body=body, **params
        )
    ]


def _stored(reader: Reader, args: UploadArgs) -> StoredObject | None:
    bucket, key, _ = _planned(args)
    return head_object(reader.session(), bucket, key, region=args.bucket_region, checksum=True)


def _verify_upload(reader: Reader, args: UploadArgs) -> Verification:
    _, _, local = _planned(args)
    where = f"s3://{args.bucket}/{args.key}"
    found = _stored(reader, args)
    if found is None:
        return NotAsPlanned(f"there is no object {where}")
    if found.size != local.size or (found.sha256 and found.sha256 != local.sha256):
        return NotAsPlanned(
            f"{where} holds {found.size:,} bytes (sha256 {found.sha256 or 'not reported'}), not "
            f"the planned {local.size:,} (sha256 {local.sha256})"
        )
    checked = f"sha256 {local.sha256[:12]}…" if found.sha256 else "S3 reported no SHA-256"
    return Verified(f"{where} holds the planned {local.size:,} bytes ({checked})")


def _before_upload(reader: Reader, args: UploadArgs) -> dict[str, Any] | None:
    found = _stored(reader, args)
    return None if found is None else found.model_dump(mode="json")


def _undo_upload(reader: Reader, before: Any, args: UploadArgs) -> list[PlanEntry]:
    """Delete what the upload created: its exact version, or the key while it keeps its ETag."""
    if before is not None:
        return []  # something was there first: the upload did not create it
    bucket, key, local = _planned(args)
    found = _stored(reader, args)
    if found is None:
        return []
    if found.sha256 and found.sha256 != local.sha256:
        raise BadInput(f"s3://{bucket}/{key} no longer holds what the upload put there.")
    back = DeleteObjectArgs(
        bucket=bucket,
        key=key,
        bucket_region=args.bucket_region,
        version_id=found.version_id,
        etag=None if found.version_id else found.etag,
    )
    which = f"version {found.version_id} of " if found.version_id else ""
    return [
        DELETE_OBJECT.entry(
            back,
            f"Roll back the upload: delete {which}s3://{bucket}/{key} ({local.size:,} bytes from "
            f"{local.path}; the file stays in the repository)",
            [bucket_arn(bucket, key)],
        )
    ]


def _upload_warning(args: UploadArgs) -> str:
    if not args.overwrite:
        return ""
    return (
        f"with --force the object at s3://{args.bucket}/{args.key} is replaced; unless the "
        "bucket keeps versions, what is there now is gone for good"
    )


_EXAMPLE_FILE = {
    "path": "dist/app.zip",
    "size": 14,
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
}

# --------------------------------------------------------------------------- undo an upload


class DeleteObjectArgs(Args):
    """Arguments of ``s3.delete_object``: the object an upload created, and nothing else."""

    bucket: BucketName
    """The bucket."""
    key: str
    """The object's key."""
    bucket_region: str | None = None
    """The bucket's region: where the request goes."""
    version_id: str | None = None
    """The version the upload created (a bucket that keeps versions): exactly that one is
    deleted, whatever was written after it."""
    etag: str | None = None
    """Without a version: the ETag the upload gave the object; S3 deletes it only while it
    still has it (``If-Match``), so an object written over it since is kept."""

    @model_validator(mode="after")
    def _one_guard(self) -> DeleteObjectArgs:
        if bool(self.version_id) == bool(self.etag):
            raise BadInput("Deleting an uploaded object needs its version id or its ETag.")
        return self


def _only_in_rollbacks(reader: Reader, args: DeleteObjectArgs) -> Proposal:
    raise BadInput(
        "Deleting an object is planned only as the rollback of an upload.",
        remedy="Apply the rollback plan the applied upload carries.",
    )


def _delete_object_calls(args: DeleteObjectArgs) -> list[ApiCall]:
    extra: tuple[Grant, ...]
    if args.version_id:
        extra = (Grant(action="s3:DeleteObjectVersion", resources=(_object(args),)),)
        guard: dict[str, Any] = {"VersionId": args.version_id}
    else:
        extra, guard = (), {"IfMatch": f'"{args.etag}"'}
    return [
        bucket_call(
            "DeleteObject",
            "s3:DeleteObject",
            args.bucket,
            args.bucket_region,
            key=args.key,
            extra=extra,
            Key=args.key,
            **guard,
        )
    ]


def _object(args: DeleteObjectArgs) -> str:
    return s3_arn(args.bucket, args.key)


def _run_delete_object(writers: Writers, args: DeleteObjectArgs) -> str:
    where = f"s3://{args.bucket}/{args.key}"
    try:
        for call in _delete_object_calls(args):
            send(writers.aws(), call, resource=where)
    except ServiceError as exc:
        if exc.code == "PreconditionFailed":
            raise ServiceError(
                f"{where} was written again since the upload; it is not deleted.",
                code="PreconditionFailed",
                remedy="Nothing to roll back: the object there is no longer the upload's.",
            ) from None
        raise
    which = f"version {args.version_id} of " if args.version_id else ""
    return f"deleted {which}{where}"


def _verify_delete_object(reader: Reader, args: DeleteObjectArgs) -> Verification:
    where = f"s3://{args.bucket}/{args.key}"
    found = head_object(
        reader.session(),
        args.bucket,
        args.key,
        region=args.bucket_region,
        version_id=args.version_id,
    )
    which = f"version {args.version_id} of " if args.version_id else ""
    if found is None:
        return Verified(f"{which}{where} is gone")
    return NotAsPlanned(f"{which}{where} is still there ({found.size:,} bytes)")


DELETE_OBJECT = Write(
    name="s3.delete_object",
    args=DeleteObjectArgs,
    summary="Delete the object an upload created (rollback plans of uploads).",
    service="s3",
    agent="Only the rollback plan of an upload deletes an object: it names the exact "
    "version (or ETag) the upload created.",
    reads=("s3:GetObject",),
    actions=("s3:DeleteObject", "s3:DeleteObjectVersion"),
    arns=("arn:{partition}:s3:::{bucket}/{key}",),
    plan=_only_in_rollbacks,
    run=_run_delete_object,
    calls=_delete_object_calls,
    verify=_verify_delete_object,
    irreversible=lambda args: (
        f"deleting s3://{args.bucket}/{args.key} cannot be undone by a plan; the file it was "
        "uploaded from is still in the repository, to upload again"
    ),
    examples=(
        {
            "bucket": "acme-data",
            "key": "releases/app.zip",
            "bucket_region": "us-east-1",
            "version_id": "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
        },
        {
            "bucket": "acme-data",
            "key": "releases/app.zip",
            "bucket_region": "us-east-1",
            "etag": "9b2cf535f27731c974343645a3985328",
        },
    ),
)


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
    emits=(DELETE_OBJECT,),
    plan=_plan_upload,
    run=_run_upload,
    calls=_upload_calls,
    verify=_verify_upload,
    before=_before_upload,
    undo=_undo_upload,
    irreversible=_upload_warning,
    examples=tuple(
        {
            "path": "dist/app.zip",
            "destination": "s3://acme-data/releases/",
            "overwrite": overwrite,
            "bucket": "acme-data",
            "key": "releases/app.zip",
            "file": _EXAMPLE_FILE,
            "content_type": "application/zip",
            "bucket_region": "us-east-1",
        }
        for overwrite in (False, True)
    ),
)


OPERATIONS = (UPLOAD, DELETE_OBJECT)
