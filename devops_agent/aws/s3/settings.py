"""A bucket's tags, and all its settings read at once (``s3 describe``, the agent's
``describe_bucket``).

Every read goes through :func:`~devops_agent.aws.s3.configuration.read_settings`, the
one reader of a bucket's settings the audit uses too. The other housekeeping settings
are :mod:`~devops_agent.aws.s3.lifecycle` and :mod:`~devops_agent.aws.s3.access_logging`.

Like :mod:`devops_agent.aws.s3.protection`, each setting has a read and a write
sharing its words (``s3 tags BUCKET`` reads, ``s3 tags BUCKET team=web`` plans).
What the apply writes is computed by the preview and recorded in the plan (the
whole tag set), so the apply writes exactly what was reviewed. The write declares the
one request it sends, reads the tags back, and leaves a way back: the tags as S3 answered
just before the change, put back by ``s3.restore_<setting>``
(:mod:`~devops_agent.aws.s3.restore`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, Field, field_validator, model_validator

from devops_agent.aws import AwsModel, named
from devops_agent.aws.s3.buckets import (
    ONE_SETTING,
    Bucket,
    BucketArgs,
    BucketSetting,
    bucket_arn,
    bucket_name,
    bucket_owner_region,
    existing_bucket,
)
from devops_agent.aws.s3.changes import BucketChangeArgs, bucket_call, bucket_change
from devops_agent.aws.s3.configuration import read_settings
from devops_agent.aws.s3.restore import RESTORES, way_back
from devops_agent.aws.writes import Change, Tags, recorded, tag_list, tag_map
from devops_agent.errors import BadInput, ServiceError
from devops_agent.operation import (
    ApiCall,
    Command,
    Hidden,
    NotAsPlanned,
    Proposal,
    Read,
    Reader,
    Unchanged,
    Verification,
    Verified,
    Write,
    Writers,
)
from devops_agent.report import Result, Table, plural

if TYPE_CHECKING:
    import boto3

__all__ = [
    "DESCRIBED",
    "BucketTags",
    "describe_bucket",
    "get_tags",
    "put_tags",
    "tags_call",
]

#: The settings ``s3 describe`` reads: every one devops-agent can change.
DESCRIBED: tuple[BucketSetting, ...] = (
    "versioning",
    "encryption",
    "public_access_block",
    "tags",
    "lifecycle",
    "logging",
    "policy",
)


class BucketTags(AwsModel):
    """A bucket's tags."""

    bucket: str
    tags: dict[str, str]


# --------------------------------------------------------------------------- reads


def get_tags(session: boto3.Session, bucket: str, region: str | None = None) -> dict[str, str]:
    """A bucket's tags.

    Args:
        session: Credentials to read with (the read role's).
        bucket: The bucket's name.
        region: The bucket's region (its endpoint answers); the session's when ``None``.

    Returns:
        Tag key to value; empty when it has none.

    Raises:
        ServiceError: no such bucket, or AWS refused (``s3:GetBucketTagging``).
    """
    found = read_settings(session, Bucket(name=bucket_name(bucket), region=region), ["tags"])
    return found.tags or {}


def describe_bucket(session: boto3.Session, bucket: str) -> Bucket:
    """Every setting of one bucket that devops-agent can change (:data:`DESCRIBED`), read
    at once in the bucket's own region.

    Args:
        session: Credentials to read with (the read role's).
        bucket: The bucket's name.

    Returns:
        The bucket's settings.

    Raises:
        ServiceError: no such bucket, or AWS refused one of the get calls (the message
            names the action).
    """
    name = bucket_name(bucket)
    region = bucket_owner_region(session, name)
    if region is None:
        raise ServiceError(
            f"Not found: s3://{name} (no such bucket).",
            code="NoSuchBucket",
            remedy="Check the name; `s3 list` shows the account's buckets.",
        )
    return read_settings(session, Bucket(name=name, region=region), DESCRIBED)


# --------------------------------------------------------------------------- writes
# Only the apply path calls these, with the write role's session.


def tags_call(bucket: str, tags: dict[str, str], region: str | None = None) -> ApiCall:
    """The request that replaces a bucket's tag set (or, for no tags, removes it).

    Args:
        bucket: The bucket's name.
        tags: The complete new tag set; empty removes every tag.
        region: The bucket's region.

    Returns:
        The ``PutBucketTagging`` or ``DeleteBucketTagging`` request (both need
        ``s3:PutBucketTagging``).
    """
    name = bucket_name(bucket)
    if not tags:
        return bucket_call("DeleteBucketTagging", "s3:PutBucketTagging", name, region)
    return bucket_call(
        "PutBucketTagging", "s3:PutBucketTagging", name, region, Tagging={"TagSet": tag_list(tags)}
    )


def put_tags(
    session: boto3.Session, bucket: str, tags: dict[str, str], region: str | None = None
) -> Change:
    """Replace a bucket's tag set (an empty set removes every tag).

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        tags: The complete new tag set.
        region: The bucket's region (its endpoint gets the request).

    Returns:
        What was done: the IAM action, the bucket, one line for people.
    """
    call = tags_call(bucket, tags, region)
    shown = ", ".join(f"{k}={v}" for k, v in sorted(tags.items())) or "none"
    return bucket_change(session, call, lambda name: f"tags of s3://{name}: {shown}")


# --------------------------------------------------------------------------- describe


def _describe(reader: Reader, args: BucketArgs) -> Bucket:
    with named():  # a bucket that is not there is a bad argument
        return describe_bucket(reader.session(), args.bucket)


def _describe_table(reader: Reader, args: BucketArgs, settings: Bucket) -> Result:
    block = settings.public_access_block
    encryption = {"AES256": "SSE-S3", "aws:kms": "SSE-KMS"}.get(
        settings.encryption or "", settings.encryption
    )
    rows: list[list[Any]] = [
        ["Region", settings.region],
        ["Versioning", settings.versioning],
        ["Default encryption", encryption or "not set"],
        [
            "Public access block",
            "not set"
            if block is None
            else "all on"
            if all(block.values())
            else ", ".join(k for k, v in block.items() if v) or "all off",
        ],
        ["Bucket policy", "yes" if settings.has_policy else "none"],
        ["Tags", ", ".join(f"{k}={v}" for k, v in sorted((settings.tags or {}).items())) or "none"],
        ["Lifecycle rules", len(settings.lifecycle_rules or [])],
        [
            "Access logging",
            f"s3://{settings.logging_target}/{settings.logging_prefix}"
            if settings.logging_target
            else "off",
        ],
    ]
    return Result(
        title=f"Settings of s3://{settings.name}",
        tables=[Table(columns=["Setting", "Value"], rows=rows)],
        data=settings.model_dump(mode="json"),
    )


DESCRIBE = Read(
    name="s3.describe_bucket",
    args=BucketArgs,
    summary="Every setting of a bucket.",
    service="s3",
    tool="describe_bucket",
    commands=(Command("s3 describe BUCKET", "Every setting of a bucket."),),
    guide="Region, versioning (Enabled, Suspended or Disabled = never on), default "
    "encryption (AES256 = SSE-S3, aws:kms = SSE-KMS, with its key), the public access "
    "block's four switches (null: the bucket has none of its own), whether a bucket policy "
    "is set (get_bucket_policy reads it), tags, lifecycle rules and access logging.",
    actions=(
        "s3:ListBucket",
        "s3:GetBucketVersioning",
        "s3:GetEncryptionConfiguration",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetBucketTagging",
        "s3:GetLifecycleConfiguration",
        "s3:GetBucketLogging",
        "s3:GetBucketPolicy",
    ),
    read=_describe,
    render=_describe_table,
)


# --------------------------------------------------------------------------- tags


def _read_tags(reader: Reader, args: BucketArgs) -> BucketTags:
    existing_bucket(reader, args.bucket)
    return BucketTags(bucket=args.bucket, tags=get_tags(reader.session(), args.bucket))


def _show_tags(reader: Reader, args: BucketArgs, found: BucketTags) -> Result:
    rows = [[k, v] for k, v in sorted(found.tags.items())]
    return Result(
        title=f"{plural(len(found.tags), 'tag')} on s3://{found.bucket}",
        tables=[Table(columns=["Key", "Value"], rows=rows, empty="No tags.")],
        data=found.model_dump(mode="json"),
    )


GET_TAGS = Read(
    name="s3.get_tags",
    args=BucketArgs,
    summary="A bucket's tags.",
    service="s3",
    commands=(Command("s3 tags BUCKET", "A bucket's tags."),),
    tool="get_bucket_tags",
    guide=ONE_SETTING,
    actions=("s3:ListBucket", "s3:GetBucketTagging"),
    read=_read_tags,
    render=_show_tags,
)


def _tag_set(tags: dict[str, str] | None) -> dict[str, str] | None:
    return None if tags is None else tag_map(tags)


class TagsArgs(BucketChangeArgs):
    """Arguments of ``s3 tags BUCKET KEY=VALUE... [--remove KEY,...]``."""

    tags: Tags
    """Tags to add or change, key to value; the bucket's other tags stay."""
    remove: list[str] = Field(default_factory=list)
    """Keys of tags to remove."""
    tag_set: Annotated[dict[str, str] | None, Hidden(), AfterValidator(_tag_set)] = None
    """The whole tag set the bucket will have: what the apply writes."""

    @field_validator("remove")
    @classmethod
    def _keys(cls, keys: list[str]) -> list[str]:
        return list(dict.fromkeys(k.strip() for k in keys if k.strip()))

    @model_validator(mode="after")
    def _some_change(self) -> TagsArgs:
        if not self.tags and not self.remove:
            raise BadInput("Give KEY=VALUE pairs to set, or --remove KEY,... to remove tags.")
        return self


def _plan_tags(reader: Reader, args: TagsArgs) -> Proposal | Unchanged:
    name = args.bucket
    region = existing_bucket(reader, name)
    current = get_tags(reader.session(), name, region)
    missing = [k for k in args.remove if k not in current]
    if missing:
        raise BadInput(f"s3://{name} has no tag {', '.join(missing)}.")
    kept = {k: v for k, v in current.items() if k not in args.remove}
    wanted = tag_map({**kept, **args.tags})
    if wanted == current:
        return Unchanged(f"s3://{name} already has those tags", {"bucket": name})
    changes = [f"{k}={v}" for k, v in sorted(args.tags.items()) if current.get(k) != v]
    changes += [f"remove {k}" for k in args.remove]
    entry = SET_TAGS.entry(
        args.model_copy(update={"tag_set": wanted, "bucket_region": region}),
        f"Set the tags of s3://{name}: {', '.join(changes)} ({plural(len(wanted), 'tag')} in all)",
        [bucket_arn(name)],
    )
    return Proposal([entry], what=f"change tags of s3://{name}", region=region)


def _planned_tags(args: TagsArgs) -> dict[str, str]:
    return recorded(args.tag_set, "the tag set to write")


def _run_tags(writers: Writers, args: TagsArgs) -> str:
    return put_tags(writers.aws(), args.bucket, _planned_tags(args), args.bucket_region).message


def _verify_tags(reader: Reader, args: TagsArgs) -> Verification:
    found = get_tags(reader.session(), args.bucket, args.bucket_region)
    shown = ", ".join(f"{k}={v}" for k, v in sorted(found.items())) or "no tags"
    read = f"s3://{args.bucket} has {shown}"
    return Verified(read) if found == _planned_tags(args) else NotAsPlanned(read)


def _tags_calls(args: TagsArgs) -> list[ApiCall]:
    return [tags_call(args.bucket, _planned_tags(args), args.bucket_region)]


_tags_before, _tags_undo = way_back("tags", lambda args: _tags_calls(args)[0].params.get("Tagging"))


SET_TAGS = Write(
    name="s3.put_tags",
    args=TagsArgs,
    summary="Plan to set or remove a bucket's tags.",
    service="s3",
    tool="set_bucket_tags",
    commands=(
        Command(
            "s3 tags BUCKET KEY=VALUE... [--remove KEY,...]",
            "Plan to set or remove a bucket's tags.",
        ),
    ),
    guide="Merges the given tags into the bucket's tags and removes the named keys; the "
    "plan records the whole resulting tag set.",
    reads=("s3:ListBucket", "s3:GetBucketTagging"),
    actions=("s3:PutBucketTagging",),
    arns=("arn:{partition}:s3:::{bucket}",),
    emits=(RESTORES["tags"],),
    plan=_plan_tags,
    run=_run_tags,
    calls=_tags_calls,
    verify=_verify_tags,
    before=_tags_before,
    undo=_tags_undo,
    examples=(
        {
            "bucket": "acme-data",
            "bucket_region": "us-east-1",
            "tags": {"team": "data"},
            "tag_set": {"team": "data", "env": "prod"},
        },
        {"bucket": "acme-data", "bucket_region": "us-east-1", "remove": ["old"], "tag_set": {}},
    ),
)


OPERATIONS = (DESCRIBE, GET_TAGS, SET_TAGS)
