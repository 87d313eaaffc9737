"""Creating and deleting buckets: ``s3 create BUCKET`` and ``s3 delete BUCKET``.

* A create is one ``CreateBucket`` in the region named. S3 gives the new bucket its
  defaults (public access blocked, SSE-S3, ACLs off). Read back, the bucket answers in
  that region; its way back deletes it again, empty: S3 refuses to delete a bucket that
  anything was put in since, so the rollback never deletes data. Applied again after the
  bucket was made, the create is not repeated (its read-back already holds).
* A delete cannot be undone, and the plan says so before anyone approves it: the name
  becomes free for any AWS account to take, and the bucket's settings and policy go with
  it. Without ``--delete-objects`` S3 itself refuses a bucket that holds anything, so the
  apply never deletes an object; with it, every object version and delete marker is
  deleted first, permanently.

Both send their requests to the bucket's region (:mod:`~devops_agent.aws.s3.changes`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from botocore.exceptions import ClientError
from pydantic import AfterValidator

from devops_agent.aws import InRegion, check_region, client, one_region, pages
from devops_agent.aws.s3.buckets import (
    bucket_arn,
    bucket_emptiness,
    bucket_name,
    bucket_owner_region,
    error_code,
    existing_bucket,
    new_bucket_name,
)
from devops_agent.aws.s3.changes import BucketChangeArgs, bucket_call, s3_arn, send
from devops_agent.aws.writes import Change, write_errors
from devops_agent.errors import BadInput, ServiceError
from devops_agent.operation import (
    ApiCall,
    Command,
    Grant,
    InProgress,
    NotAsPlanned,
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
    "CREATE",
    "DELETE",
    "CreateBucketArgs",
    "DeleteBucketArgs",
    "create_bucket",
    "create_params",
    "delete_bucket",
]

#: Object versions and delete markers one DeleteObjects request takes (S3's maximum).
_BATCH = 1000


def create_params(bucket: str, region: str) -> dict[str, Any]:
    """The CreateBucket parameters of a new bucket: what the executor sends and the plan shows.

    Args:
        bucket: The new bucket's name (checked against today's naming rules).
        region: Where to create it.

    Returns:
        ``Bucket``, and ``CreateBucketConfiguration`` outside us-east-1 (which takes none).

    Raises:
        BadInput: the name breaks S3's naming rules.
    """
    params: dict[str, Any] = {"Bucket": new_bucket_name(bucket)}
    if region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": region}
    return params


def create_bucket(session: boto3.Session, bucket: str, region: str) -> Change:
    """Create a bucket in ``region`` with S3's defaults (owner-enforced, SSE-S3, public
    access blocked).

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        region: Where to create it (the request goes to that region's endpoint).

    Returns:
        What was done: the IAM action, the bucket, one line for people.

    Raises:
        BadInput: the name breaks S3's naming rules, or the region is unknown.
        ServiceError: AWS refused (the name is taken, or the write role may not).
    """
    region = check_region(session, region)
    params = create_params(bucket, region)
    name = params.pop("Bucket")
    send(session, bucket_call("CreateBucket", "s3:CreateBucket", name, region, **params))
    return Change(
        action="s3:CreateBucket", resource=name, message=f"created s3://{name} in {region}"
    )


def delete_bucket(
    session: boto3.Session,
    bucket: str,
    *,
    delete_objects: bool = False,
    region: str | None = None,
) -> Change:
    """Delete a bucket; with ``delete_objects`` first every object version and delete marker.

    Without ``delete_objects`` S3 refuses a bucket that is not empty (``BucketNotEmpty``).

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        delete_objects: Whether to delete every object version and delete marker first
            (``--delete-objects``).
        region: The bucket's region (its endpoint gets the requests); the session's
            when ``None``.

    Returns:
        What was done: the IAM action, the bucket, one line for people.

    Raises:
        ServiceError: S3 did not delete an object version, the bucket is not empty and
            ``delete_objects`` is false, or AWS refused.
    """
    name = bucket_name(bucket)
    s3: Any = client(session, "s3", region)
    removed = 0
    if delete_objects:
        with write_errors("s3:DeleteObjectVersion", resource=name, region=region):
            for page in pages(s3, "list_object_versions", page_size=_BATCH, Bucket=name):
                batch = [
                    {"Key": v["Key"], "VersionId": v["VersionId"]}
                    for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
                ]
                for start in range(0, len(batch), _BATCH):
                    answer = s3.delete_objects(
                        Bucket=name,
                        Delete={"Objects": batch[start : start + _BATCH], "Quiet": True},
                    )
                    if answer.get("Errors"):
                        error = answer["Errors"][0]
                        raise ServiceError(
                            f"S3 did not delete s3://{name}/{error.get('Key')}: "
                            f"{error.get('Code')}: {error.get('Message')}",
                            code=str(error.get("Code", "")),
                        )
                    removed += len(batch[start : start + _BATCH])
    with write_errors("s3:DeleteBucket", resource=name, region=region):
        try:
            s3.delete_bucket(Bucket=name)
        except ClientError as exc:
            if error_code(exc) == "BucketNotEmpty":
                raise ServiceError(
                    f"s3://{name} is not empty, and the plan did not say to delete its objects.",
                    code="BucketNotEmpty",
                    remedy=f"Ask again with `s3 delete {name} --delete-objects`.",
                ) from None
            raise
    emptied = f" after deleting {removed:,} object versions" if removed else ""
    return Change(action="s3:DeleteBucket", resource=name, message=f"deleted s3://{name}{emptied}")


# --------------------------------------------------------------------------- create


class CreateBucketArgs(InRegion):
    """Arguments of ``s3 create``."""

    bucket: Annotated[str, Positional(), AfterValidator(new_bucket_name)]
    """The new bucket's name: 3-63 lower-case letters, digits, dots and hyphens, free across
    AWS."""


def _plan_create(reader: Reader, args: CreateBucketArgs) -> Proposal:
    region = one_region(reader, args.region, "`s3 create`")
    name = args.bucket
    existing = bucket_owner_region(reader.session(), name)
    if existing is not None:
        raise BadInput(f"s3://{name} already exists in this account ({existing}).")
    entry = CREATE.entry(
        args.model_copy(update={"region": region}),
        f"Create bucket s3://{name} in {region} (S3 defaults: public access blocked, "
        "SSE-S3 encryption, ACLs off)",
        [bucket_arn(name)],
    )
    return Proposal([entry], what=f"create s3://{name}", region=region)


def _run_create(writers: Writers, args: CreateBucketArgs) -> str:
    assert args.region is not None  # the preview fixed it
    return create_bucket(writers.aws(), args.bucket, args.region).message


def _create_calls(args: CreateBucketArgs) -> list[ApiCall]:
    region = args.region or ""
    params = create_params(args.bucket, region)
    name = params.pop("Bucket")
    return [bucket_call("CreateBucket", "s3:CreateBucket", name, region, **params)]


def _where(reader: Reader, bucket: str) -> dict[str, str | None]:
    return {"region": bucket_owner_region(reader.session(), bucket)}


def _verify_create(reader: Reader, args: CreateBucketArgs) -> Verification:
    region = _where(reader, args.bucket)["region"]
    if region is None:
        return NotAsPlanned(f"there is no bucket s3://{args.bucket}")
    if region != args.region:
        return NotAsPlanned(f"s3://{args.bucket} is in {region}, not {args.region}")
    return Verified(f"s3://{args.bucket} exists in {region}")


def _undo_create(reader: Reader, before: Any, args: CreateBucketArgs) -> list[PlanEntry]:
    if isinstance(before, dict) and before.get("region"):
        return []  # it was there before the apply: this plan made nothing to delete
    back = DeleteBucketArgs(bucket=args.bucket, bucket_region=args.region)
    return [
        DELETE.entry(
            back,
            f"Roll back the create: delete s3://{args.bucket} again (S3 refuses while "
            "anything is in it, so no data is deleted)",
            [bucket_arn(args.bucket)],
        )
    ]


CREATE = Write(
    name="s3.create_bucket",
    args=CreateBucketArgs,
    summary="Plan to create a bucket in --region.",
    service="s3",
    tool="create_bucket",
    commands=(Command("s3 create BUCKET", "Plan to create a bucket in --region."),),
    guide="The bucket gets S3's defaults: public access blocked, SSE-S3 encryption, ACLs "
    "off. A name that exists (here or in another account) comes back as an error.",
    reads=("s3:ListBucket",),
    actions=("s3:CreateBucket",),
    arns=("arn:{partition}:s3:::{bucket}",),
    plan=_plan_create,
    run=_run_create,
    calls=_create_calls,
    verify=_verify_create,
    before=lambda reader, args: _where(reader, args.bucket),
    undo=_undo_create,
    examples=({"bucket": "acme-new-data", "region": "us-east-1"},),
)


# --------------------------------------------------------------------------- delete


class DeleteBucketArgs(BucketChangeArgs):
    """Arguments of ``s3 delete``."""

    delete_objects: bool = False
    """Also delete every object version and delete marker in the bucket; without it a
    bucket that holds anything is refused."""


def _plan_delete(reader: Reader, args: DeleteBucketArgs) -> Proposal:
    name = args.bucket
    region = existing_bucket(reader, name)
    held = bucket_emptiness(reader.session(), name)
    count = f"{held.versions + held.delete_markers:,}{'+' if held.more else ''}"
    if not held.empty and not args.delete_objects:
        raise BadInput(
            f"s3://{name} is not empty: it holds {count} object versions and delete markers.",
            remedy=f"Add --delete-objects to delete them all with the bucket: "
            f"`s3 delete {name} --delete-objects`.",
        )
    description = (
        f"Delete every object version and delete marker in s3://{name} ({count}), then "
        "delete the bucket"
        if not held.empty
        else f"Delete the empty bucket s3://{name}"
    )
    entry = DELETE.entry(
        args.model_copy(update={"bucket_region": region}), description, [bucket_arn(name)]
    )
    return Proposal([entry], what=f"delete s3://{name}", region=region)


def _run_delete(writers: Writers, args: DeleteBucketArgs) -> str:
    return delete_bucket(
        writers.aws(), args.bucket, delete_objects=args.delete_objects, region=args.bucket_region
    ).message


def _delete_calls(args: DeleteBucketArgs) -> list[ApiCall]:
    name, region = args.bucket, args.bucket_region
    calls: list[ApiCall] = []
    if args.delete_objects:
        objects = f"{s3_arn(name)}/*"
        calls += [
            bucket_call(
                "ListObjectVersions",
                "s3:ListBucketVersions",
                name,
                region,
                when=f"once per page of up to {_BATCH:,} versions (the next pages with the "
                "listing's KeyMarker and VersionIdMarker)",
                MaxKeys=_BATCH,
                EncodingType="url",  # botocore adds it to every listing, and decodes the keys
            ),
            ApiCall(
                service="s3",
                operation="DeleteObjects",
                params={
                    "Bucket": name,
                    "Delete": {
                        "Objects": "<the page's object versions and delete markers: Key and "
                        "VersionId>",
                        "Quiet": True,
                    },
                },
                action="s3:DeleteObject",
                region=region or "",
                resources=(objects,),
                extra=(Grant(action="s3:DeleteObjectVersion", resources=(objects,)),),
                when="once per page that lists any",
            ),
        ]
    calls.append(bucket_call("DeleteBucket", "s3:DeleteBucket", name, region))
    return calls


def _verify_delete(reader: Reader, args: DeleteBucketArgs) -> Verification:
    region = _where(reader, args.bucket)["region"]
    if region is None:
        return Verified(f"s3://{args.bucket} is gone")
    return InProgress(
        f"s3://{args.bucket} still answers right after S3 accepted its deletion",
        f"`s3 list` until s3://{args.bucket} is no longer listed",
    )


def _delete_warning(args: DeleteBucketArgs) -> str:
    objects = (
        "every object version and delete marker in it is deleted first, permanently; "
        if args.delete_objects
        else ""
    )
    return (
        f"deleting s3://{args.bucket} cannot be undone: {objects}its settings and policy go "
        "with it, and its name is free for any AWS account to take"
    )


DELETE = Write(
    name="s3.delete_bucket",
    args=DeleteBucketArgs,
    summary="Plan to delete a bucket (and, if said, everything in it).",
    service="s3",
    tool="delete_bucket",
    commands=(
        Command(
            "s3 delete BUCKET [--delete-objects]",
            "Plan to delete a bucket (and, if said, everything in it).",
        ),
    ),
    guide="Set delete_objects only when the user asked to delete the bucket's contents too; "
    "without it a bucket that holds anything comes back as an error, and the apply never "
    "deletes an object.",
    reads=("s3:ListBucket", "s3:ListBucketVersions"),
    actions=(
        "s3:DeleteBucket",
        "s3:ListBucketVersions",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
    ),
    arns=("arn:{partition}:s3:::{bucket}", "arn:{partition}:s3:::{bucket}/*"),
    plan=_plan_delete,
    run=_run_delete,
    calls=_delete_calls,
    verify=_verify_delete,
    irreversible=_delete_warning,
    examples=tuple(
        {"bucket": "acme-old-data", "bucket_region": "us-east-1", "delete_objects": flag}
        for flag in (True, False)
    ),
)

OPERATIONS = (CREATE, DELETE)
