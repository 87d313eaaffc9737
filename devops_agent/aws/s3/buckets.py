"""S3 buckets: list them, create and delete them, and what every bucket operation shares.

S3 is global: one ListBuckets call sees every bucket of the account. A bucket's
region comes from the ``BucketRegion`` field ListBuckets returns today; when a
stand-in (or an older endpoint) leaves it out, GetBucketLocation is asked for
those buckets only, concurrently, over one shared client.

The other S3 modules build on this one: :data:`BucketName` checks the shape of a
bucket name in an argument model, :class:`BucketArgs` is the base of every
operation on one bucket, and :func:`existing_bucket` is the preview's check that
the bucket is there (a bucket that does not exist is a bad argument, exit 2).
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from botocore.exceptions import ClientError
from pydantic import AfterValidator

from devops_agent.aws import (
    AwsModel,
    InRegion,
    aws_errors,
    check_region,
    client,
    one_region,
    pages,
    regions_for,
    utc,
)
from devops_agent.aws.writes import Change, write_errors
from devops_agent.errors import BadInput, ServiceError
from devops_agent.operation import (
    Args,
    Command,
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
    import boto3
    from mypy_boto3_s3 import S3Client

__all__ = [
    "VIA_DESCRIBE",
    "Bucket",
    "BucketArgs",
    "BucketName",
    "Emptiness",
    "bucket_arn",
    "bucket_emptiness",
    "bucket_name",
    "bucket_owner_region",
    "create_bucket",
    "delete_bucket",
    "error_code",
    "existing_bucket",
    "list_buckets",
    "new_bucket_name",
    "optional_setting",
]

# Today's rules are stricter (3-63 chars, lower case), but legacy us-east-1
# buckets may hold upper case and underscores; only reject what can never be a bucket.
_BUCKET = re.compile(r"^[A-Za-z0-9._-]{3,255}$")
_NEW_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IPV4_SHAPE = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
_UNREADABLE = frozenset({"AccessDenied", "NoSuchBucket", "403", "404"})
_LOCATION_WORKERS = 16
#: What S3 answers when a bucket has no such setting (rather than an empty one).
_MISSING_SETTING = frozenset(
    {
        "ServerSideEncryptionConfigurationNotFoundError",
        "NoSuchPublicAccessBlockConfiguration",
        "NoSuchTagSet",
        "NoSuchLifecycleConfiguration",
    }
)

#: Why the agent has no tool for the one-setting reads: one call returns them all.
VIA_DESCRIBE = "describe_bucket returns this with every other setting of the bucket."


class Bucket(AwsModel):
    """One S3 bucket of the account."""

    name: str
    """Bucket name (global across AWS)."""
    region: str | None
    """Region the bucket lives in; ``None`` when GetBucketLocation was refused."""
    created: datetime | None = None
    """Creation date (UTC) as ListBuckets reports it."""


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


# --------------------------------------------------------------------------- names


def bucket_name(bucket: str) -> str:
    """A bucket name as typed (``name``, ``s3://name`` or ``s3://name/``), checked for shape.

    Args:
        bucket: What was typed.

    Returns:
        The bare name.

    Raises:
        BadInput: it can never be a bucket name.
    """
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


def new_bucket_name(name: str) -> str:
    """A name for a bucket to create, after today's naming rules.

    Args:
        name: What was typed.

    Returns:
        The name, checked.

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


def bucket_arn(name: str, key: str | None = None) -> str:
    """The ARN a plan entry names as its resource: the bucket, or one object in it.

    Args:
        name: The bucket's name.
        key: An object's key, for an object's ARN.

    Returns:
        ``arn:aws:s3:::name`` or ``arn:aws:s3:::name/key``.
    """
    return f"arn:aws:s3:::{name}" if key is None else f"arn:aws:s3:::{name}/{key}"


def error_code(exc: ClientError) -> str:
    """The S3 error code of a botocore error (``NoSuchBucket``, ``404`` …).

    Args:
        exc: What botocore raised.

    Returns:
        The code, or ``""``.
    """
    return str(exc.response.get("Error", {}).get("Code", ""))


BucketName = Annotated[str, AfterValidator(bucket_name)]
"""A bucket name in an argument model: ``s3://name/`` is accepted and becomes ``name``."""


class BucketArgs(Args):
    """Arguments of an operation on one bucket."""

    bucket: Annotated[BucketName, Positional()]
    """The bucket name (s3://name is accepted too)."""


def optional_setting(session: boto3.Session, method: str, action: str, name: str) -> Any:
    """A bucket setting's get call, or ``None`` when the bucket has no such setting.

    Args:
        session: credentials to read with.
        method: the client method, e.g. ``"get_bucket_encryption"``.
        action: the IAM action it needs, for error messages.
        name: the bucket.

    Returns:
        The get call's answer, or ``None`` when S3 says the setting is not there.

    Raises:
        ServiceError: no such bucket, or AWS refused.
    """
    with aws_errors(action, resource=name):
        try:
            return getattr(client(session, "s3"), method)(Bucket=name)
        except ClientError as exc:
            if error_code(exc) in _MISSING_SETTING:
                return None
            raise


# --------------------------------------------------------------------------- reads


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


def _bucket_region(s3: S3Client, name: str) -> str | None:
    with aws_errors("s3:GetBucketLocation", resource=name):
        try:
            constraint: Any = s3.get_bucket_location(Bucket=name).get("LocationConstraint")
        except ClientError as exc:
            if error_code(exc) in _UNREADABLE:
                return None
            raise
    # Buckets in us-east-1 report no constraint; the oldest eu-west-1 ones report "EU".
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else str(constraint)


def bucket_owner_region(session: boto3.Session, bucket: str) -> str | None:
    """The region of a bucket this account can reach, or ``None`` when no bucket has the name.

    Args:
        session: Credentials to read with (the read role's).
        bucket: The bucket's name.

    Returns:
        The bucket's region, or ``None``.

    Raises:
        ServiceError: the name belongs to another account (``403``) or AWS refused.
    """
    name = bucket_name(bucket)
    s3 = client(session, "s3")
    with aws_errors("s3:ListBucket", resource=name):
        try:
            answer = s3.head_bucket(Bucket=name)
        except ClientError as exc:
            code = error_code(exc)
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


def existing_bucket(reader: Reader, bucket: str) -> str:
    """The region of a bucket the arguments name; one that does not exist is a bad argument.

    Args:
        reader: The read side of the run.
        bucket: The bucket's name.

    Returns:
        The bucket's region.

    Raises:
        BadInput: there is no bucket of that name.
        ServiceError: another account holds the name, or AWS refused.
    """
    name = bucket_name(bucket)
    region = bucket_owner_region(reader.session(), name)
    if region is None:
        raise BadInput(
            f"There is no bucket s3://{name}.", remedy="`s3 list` shows the account's buckets."
        )
    return region


def bucket_emptiness(session: boto3.Session, bucket: str, *, limit: int = 1000) -> Emptiness:
    """Count what a bucket holds (every version and delete marker), up to ``limit``.

    Args:
        session: Credentials to read with (the read role's).
        bucket: The bucket's name.
        limit: Stop counting past this many items.

    Returns:
        Versions and delete markers counted, and whether the count stopped at ``limit``.

    Raises:
        ServiceError: no such bucket, or AWS refused (``s3:ListBucketVersions``).
    """
    name = bucket_name(bucket)
    s3 = client(session, "s3")
    versions = markers = 0
    with aws_errors("s3:ListBucketVersions", resource=name):
        for page in pages(s3, "list_object_versions", Bucket=name):
            versions += len(page.get("Versions", []))
            markers += len(page.get("DeleteMarkers", []))
            if versions + markers >= limit:
                return Emptiness(versions=versions, delete_markers=markers, more=True)
    return Emptiness(versions=versions, delete_markers=markers, more=False)


# --------------------------------------------------------------------------- writes
# Only the apply path calls these, with the write role's session.


def create_bucket(session: boto3.Session, bucket: str, region: str) -> Change:
    """Create a bucket in ``region`` with S3's defaults (owner-enforced, SSE-S3, public
    access blocked).

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        region: Where to create it.

    Returns:
        What was done: the IAM action, the bucket, one line for people.
    """
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

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        delete_objects: Whether to delete every object version and delete marker first
            (``--delete-objects``).

    Returns:
        What was done: the IAM action, the bucket, one line for people.
    """
    name = bucket_name(bucket)
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
            if error_code(exc) == "BucketNotEmpty":
                raise ServiceError(
                    f"s3://{name} is not empty, and the plan did not say to delete its objects.",
                    code="BucketNotEmpty",
                    remedy=f"Ask again with `s3 delete {name} --delete-objects`.",
                ) from None
            raise
    emptied = f" after deleting {removed:,} object versions" if removed else ""
    return Change(action="s3:DeleteBucket", resource=name, message=f"deleted s3://{name}{emptied}")


# --------------------------------------------------------------------------- operations


class ListBucketsArgs(Args):
    """Arguments of ``s3 list``."""

    region: Annotated[str | None, Option("--region")] = None
    """Only buckets in this region (a comma list, or "all" for the configured regions);
    null for every bucket of the account."""


def _list(reader: Reader, args: ListBucketsArgs) -> list[Bucket]:
    buckets = list_buckets(reader.session())
    if args.region:
        keep = set(regions_for(reader, args.region))
        buckets = [b for b in buckets if b.region in keep]
    return buckets


def _list_table(reader: Reader, args: ListBucketsArgs, buckets: list[Bucket]) -> Result:
    rows = [[b.name, b.region, when(b.created)] for b in buckets]
    return Result(
        title=plural(len(buckets), "S3 bucket") + (f" in {args.region}" if args.region else ""),
        tables=[Table(columns=["Bucket", "Region", "Created"], rows=rows, empty="No buckets.")],
        data={"buckets": dump(buckets)},
    )


LIST = Read(
    name="s3.list_buckets",
    args=ListBucketsArgs,
    summary="S3 buckets with their regions.",
    service="s3",
    commands=(Command("s3 list", "S3 buckets with their regions."),),
    guide="Every bucket of the account with its region and creation date (S3 is global: "
    "one call sees them all).",
    actions=("s3:ListAllMyBuckets", "s3:GetBucketLocation"),
    read=_list,
    render=_list_table,
)


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
)


class DeleteBucketArgs(BucketArgs):
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
    entry = DELETE.entry(args, description, [bucket_arn(name)])
    return Proposal([entry], what=f"delete s3://{name}", region=region)


def _run_delete(writers: Writers, args: DeleteBucketArgs) -> str:
    return delete_bucket(writers.aws(), args.bucket, delete_objects=args.delete_objects).message


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
)

OPERATIONS = (LIST, CREATE, DELETE)
