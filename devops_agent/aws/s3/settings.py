"""A bucket's housekeeping settings (tags, lifecycle rules, access logging) and all
its settings read at once (``s3 describe``, the agent's ``describe_bucket``).

Every read goes through :func:`~devops_agent.aws.s3.configuration.read_settings`, the
one reader of a bucket's settings the audit uses too.

Like :mod:`devops_agent.aws.s3.protection`, each setting has a read and a write
sharing its words (``s3 tags BUCKET`` reads, ``s3 tags BUCKET team=web`` plans).
What the apply writes is computed by the preview and recorded in the plan (the
whole tag set, the whole list of lifecycle rules), so the apply writes exactly
what was reviewed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, cast

from botocore.exceptions import ParamValidationError
from botocore.session import get_session
from botocore.validate import validate_parameters
from pydantic import AfterValidator, Field, field_validator, model_validator

from devops_agent.aws import AwsModel, client, named
from devops_agent.aws.s3.buckets import (
    ONE_SETTING,
    Bucket,
    BucketArgs,
    BucketName,
    BucketSetting,
    bucket_arn,
    bucket_name,
    bucket_owner_region,
    existing_bucket,
)
from devops_agent.aws.s3.configuration import read_settings
from devops_agent.aws.s3.policy import get_bucket_policy
from devops_agent.aws.workspace_files import read_document
from devops_agent.aws.writes import Change, Tags, tag_list, tag_map, write_errors
from devops_agent.errors import BadInput, ServiceError
from devops_agent.operation import (
    Command,
    Hidden,
    Positional,
    Proposal,
    Read,
    Reader,
    Unchanged,
    Write,
    Writers,
)
from devops_agent.report import Result, Table, plural

if TYPE_CHECKING:
    import boto3

__all__ = [
    "DESCRIBED",
    "BucketTags",
    "Lifecycle",
    "Logging",
    "describe_bucket",
    "get_lifecycle",
    "get_logging",
    "get_tags",
    "lifecycle_rules",
    "put_lifecycle",
    "put_logging",
    "put_tags",
]

#: The actions a lifecycle rule may take; a rule needs at least one.
_LIFECYCLE_ACTIONS = (
    "Expiration",
    "Transitions",
    "NoncurrentVersionExpiration",
    "NoncurrentVersionTransitions",
    "AbortIncompleteMultipartUpload",
)
#: Who delivers server access logs: the target bucket's policy must let it put objects.
_LOG_DELIVERY = "logging.s3.amazonaws.com"


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


class Lifecycle(AwsModel):
    """A bucket's lifecycle rules."""

    bucket: str
    rules: list[dict[str, Any]]
    """The rules as AWS returns them (empty when there are none)."""


class Logging(AwsModel):
    """A bucket's server access logging."""

    bucket: str
    target: str | None
    """The bucket receiving the logs; ``None`` when logging is off."""
    prefix: str
    """Key prefix of the logs in the target."""


# --------------------------------------------------------------------------- reads


def get_tags(session: boto3.Session, bucket: str) -> dict[str, str]:
    """The bucket's tags (empty when it has none)."""
    return read_settings(session, Bucket(name=bucket_name(bucket)), ["tags"]).tags or {}


def get_lifecycle(session: boto3.Session, bucket: str) -> list[dict[str, Any]]:
    """The bucket's lifecycle rules (empty when it has none)."""
    found = read_settings(session, Bucket(name=bucket_name(bucket)), ["lifecycle"])
    return found.lifecycle_rules or []


def get_logging(session: boto3.Session, bucket: str) -> tuple[str | None, str]:
    """Server access logging: target bucket (``None`` when off) and key prefix."""
    found = read_settings(session, Bucket(name=bucket_name(bucket)), ["logging"])
    return found.logging_target, found.logging_prefix


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


def lifecycle_rules(document: str) -> list[dict[str, Any]]:
    """Lifecycle rules from JSON (``{"Rules": [...]}`` or a list), checked against S3's schema.

    Args:
        document: The JSON text (a workspace file's).

    Returns:
        The rules.

    Raises:
        BadInput: not JSON, no rules, a rule without an action, or a field S3 does not take.
    """
    try:
        data = json.loads(document)
    except ValueError as exc:
        raise BadInput(f"The lifecycle configuration is not valid JSON: {exc}.") from None
    rules = data.get("Rules") if isinstance(data, dict) else data
    if not isinstance(rules, list) or not rules:
        raise BadInput('The lifecycle configuration needs a non-empty "Rules" list.')
    for number, rule in enumerate(rules, 1):
        if not isinstance(rule, dict) or rule.get("Status") not in ("Enabled", "Disabled"):
            raise BadInput(f'Lifecycle rule {number} needs "Status": "Enabled" or "Disabled".')
        if not any(a in rule for a in _LIFECYCLE_ACTIONS):
            raise BadInput(
                f"Lifecycle rule {number} has no action ({', '.join(_LIFECYCLE_ACTIONS)})."
            )
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


# --------------------------------------------------------------------------- writes
# Only the apply path calls these, with the write role's session.


def put_tags(session: boto3.Session, bucket: str, tags: dict[str, str]) -> Change:
    """Replace a bucket's tag set (an empty set removes every tag).

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        tags: The complete new tag set.

    Returns:
        What was done: the IAM action, the bucket, one line for people.
    """
    name = bucket_name(bucket)
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
    """Replace a bucket's lifecycle rules (an empty list removes them).

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        rules: The rules, checked; empty removes them.

    Returns:
        What was done: the IAM action, the bucket, one line for people.
    """
    name = bucket_name(bucket)
    s3: Any = client(session, "s3")
    with write_errors("s3:PutLifecycleConfiguration", resource=name):
        if rules:
            checked = lifecycle_rules(json.dumps(rules))
            s3.put_bucket_lifecycle_configuration(
                Bucket=name, LifecycleConfiguration={"Rules": checked}
            )
        else:
            s3.delete_bucket_lifecycle(Bucket=name)
    what = plural(len(rules), "lifecycle rule") if rules else "no lifecycle rules"
    return Change(
        action="s3:PutLifecycleConfiguration", resource=name, message=f"s3://{name} has {what}"
    )


def put_logging(
    session: boto3.Session, bucket: str, target: str | None, prefix: str = ""
) -> Change:
    """Send server access logs to ``target`` under ``prefix``, or turn logging off (``None``).

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        target: The bucket that receives the logs; ``None`` turns logging off.
        prefix: The key prefix of the log objects.

    Returns:
        What was done: the IAM action, the bucket, one line for people.
    """
    name = bucket_name(bucket)
    status: dict[str, Any] = {}
    if target:
        status["LoggingEnabled"] = {"TargetBucket": bucket_name(target), "TargetPrefix": prefix}
    with write_errors("s3:PutBucketLogging", resource=name):
        cast(Any, client(session, "s3")).put_bucket_logging(Bucket=name, BucketLoggingStatus=status)
    what = f"logs access to s3://{target}/{prefix}" if target else "no longer logs access"
    return Change(action="s3:PutBucketLogging", resource=name, message=f"s3://{name} {what}")


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


class TagsArgs(BucketArgs):
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
    current = get_tags(reader.session(), name)
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
        args.model_copy(update={"tag_set": wanted}),
        f"Set the tags of s3://{name}: {', '.join(changes)} ({plural(len(wanted), 'tag')} in all)",
        [bucket_arn(name)],
    )
    return Proposal([entry], what=f"change tags of s3://{name}", region=region)


def _run_tags(writers: Writers, args: TagsArgs) -> str:
    if args.tag_set is None:
        raise BadInput(
            "The plan does not record the tag set to write; it is not applied.",
            remedy="Ask for the change again to get a fresh plan.",
        )
    return put_tags(writers.aws(), args.bucket, args.tag_set).message


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
    plan=_plan_tags,
    run=_run_tags,
)


# --------------------------------------------------------------------------- lifecycle


def _read_lifecycle(reader: Reader, args: BucketArgs) -> Lifecycle:
    existing_bucket(reader, args.bucket)
    return Lifecycle(bucket=args.bucket, rules=get_lifecycle(reader.session(), args.bucket))


def _show_lifecycle(reader: Reader, args: BucketArgs, found: Lifecycle) -> Result:
    rows = [
        [
            r.get("ID", ""),
            r.get("Status", ""),
            json.dumps(r.get("Filter", r.get("Prefix", "")), default=str),
            ", ".join(k for k in r if k not in ("ID", "Status", "Filter", "Prefix")),
        ]
        for r in found.rules
    ]
    return Result(
        title=f"{plural(len(found.rules), 'lifecycle rule')} on s3://{found.bucket}",
        tables=[
            Table(
                columns=["Rule", "Status", "Filter", "Actions"],
                rows=rows,
                empty="No lifecycle rules.",
            )
        ],
        data=found.model_dump(mode="json"),
    )


GET_LIFECYCLE = Read(
    name="s3.get_lifecycle",
    args=BucketArgs,
    summary="A bucket's lifecycle rules.",
    service="s3",
    commands=(Command("s3 lifecycle BUCKET", "A bucket's lifecycle rules."),),
    tool="get_bucket_lifecycle",
    guide=ONE_SETTING,
    actions=("s3:ListBucket", "s3:GetLifecycleConfiguration"),
    read=_read_lifecycle,
    render=_show_lifecycle,
)


class LifecycleArgs(BucketArgs):
    """Arguments of ``s3 lifecycle BUCKET FILE | --expire-days N [--prefix P] | --clear``."""

    file: Annotated[str | None, Positional()] = None
    """A JSON file in the workspace ({"Rules": [...]}) whose rules replace the current ones."""
    expire_days: int | None = None
    """Add (or replace) one rule that expires objects after this many days (1 to 36500)."""
    prefix: str = ""
    """With expire_days: only objects whose keys start with this; empty for all."""
    clear: bool = False
    """Remove every lifecycle rule."""
    rules: Annotated[list[dict[str, Any]] | None, Hidden()] = None
    """The whole list of rules the bucket will have: what the apply writes."""

    @model_validator(mode="after")
    def _one_change(self) -> LifecycleArgs:
        if sum([self.file is not None, self.expire_days is not None, self.clear]) != 1:
            raise BadInput("Give one of FILE, --expire-days N or --clear.")
        if self.expire_days is not None and not 1 <= self.expire_days <= 36500:
            raise BadInput("--expire-days must be a number of days from 1 to 36500.")
        if self.prefix and self.expire_days is None:
            raise BadInput("--prefix goes with --expire-days.")
        return self


def _plan_lifecycle(reader: Reader, args: LifecycleArgs) -> Proposal | Unchanged:
    name = args.bucket
    region = existing_bucket(reader, name)
    current = get_lifecycle(reader.session(), name)
    if args.clear:
        if not current:
            return Unchanged(f"s3://{name} has no lifecycle rules", {"bucket": name})
        rules: list[dict[str, Any]] = []
        description = f"Remove the {plural(len(current), 'lifecycle rule')} of s3://{name}"
    elif args.expire_days is not None:
        days, prefix = args.expire_days, args.prefix
        rule_id = f"expire-{prefix.strip('/').replace('/', '-') or 'all'}-{days}d"[:255]
        new_rule = {
            "ID": rule_id,
            "Status": "Enabled",
            "Filter": {"Prefix": prefix},
            "Expiration": {"Days": days},
        }
        rules = [r for r in current if r.get("ID") != rule_id] + [new_rule]
        rules = lifecycle_rules(json.dumps(rules, default=str))
        what = f"objects under '{prefix}'" if prefix else "all objects"
        description = f"Expire {what} in s3://{name} after {days} days (rule {rule_id})"
    else:
        assert args.file is not None  # the model allows exactly one change
        rules = lifecycle_rules(read_document(reader.workspace, args.file))
        description = (
            f"Replace the lifecycle rules of s3://{name} with the "
            f"{plural(len(rules), 'rule')} in {args.file}"
        )
    entry = SET_LIFECYCLE.entry(
        args.model_copy(update={"rules": rules}), description, [bucket_arn(name)]
    )
    return Proposal([entry], what=f"change lifecycle rules of s3://{name}", region=region)


def _run_lifecycle(writers: Writers, args: LifecycleArgs) -> str:
    if args.rules is None:
        raise BadInput(
            "The plan does not record the lifecycle rules to write; it is not applied.",
            remedy="Ask for the change again to get a fresh plan.",
        )
    return put_lifecycle(writers.aws(), args.bucket, args.rules).message


SET_LIFECYCLE = Write(
    name="s3.put_lifecycle",
    args=LifecycleArgs,
    summary="Plan to change a bucket's lifecycle rules.",
    service="s3",
    tool="set_bucket_lifecycle",
    commands=(
        Command(
            "s3 lifecycle BUCKET FILE | --expire-days N [--prefix P] | --clear",
            "Plan to change a bucket's lifecycle rules.",
        ),
    ),
    guide="Give exactly one of: file (a workspace JSON file whose rules replace the "
    "bucket's), expire_days (with an optional prefix: adds one expiration rule, keeping the "
    "others), or clear (removes every rule). Rules are checked against S3's schema first.",
    reads=("s3:ListBucket", "s3:GetLifecycleConfiguration"),
    actions=("s3:PutLifecycleConfiguration",),
    arns=("arn:{partition}:s3:::{bucket}",),
    plan=_plan_lifecycle,
    run=_run_lifecycle,
)


# --------------------------------------------------------------------------- logging


def _read_logging(reader: Reader, args: BucketArgs) -> Logging:
    existing_bucket(reader, args.bucket)
    target, prefix = get_logging(reader.session(), args.bucket)
    return Logging(bucket=args.bucket, target=target, prefix=prefix)


def _show_logging(reader: Reader, args: BucketArgs, found: Logging) -> Result:
    where = f"to s3://{found.target}/{found.prefix}" if found.target else "off"
    return Result(
        title=f"Access logging of s3://{found.bucket}: {where}",
        data=found.model_dump(mode="json"),
    )


GET_LOGGING = Read(
    name="s3.get_logging",
    args=BucketArgs,
    summary="A bucket's access logging.",
    service="s3",
    commands=(Command("s3 logging BUCKET", "A bucket's access logging."),),
    tool="get_bucket_logging",
    guide=ONE_SETTING,
    actions=("s3:ListBucket", "s3:GetBucketLogging"),
    read=_read_logging,
    render=_show_logging,
)


class LoggingArgs(BucketArgs):
    """Arguments of ``s3 logging BUCKET --target BUCKET [--prefix P] | --off``."""

    target: BucketName | None = None
    """Send server access logs to this bucket (in the same region as the bucket)."""
    prefix: str | None = None
    """With target: key prefix of the logs; null for "BUCKET/"."""
    off: bool = False
    """Turn access logging off."""

    @model_validator(mode="after")
    def _one_change(self) -> LoggingArgs:
        if self.target is not None and self.off:
            raise BadInput("Give --target BUCKET or --off, not both.")
        if self.target is None and not self.off:
            raise BadInput("Give --target BUCKET to turn access logging on, or --off.")
        if self.off and self.prefix:
            raise BadInput("--prefix goes with --target.")
        return self


def _plan_logging(reader: Reader, args: LoggingArgs) -> Proposal | Unchanged:
    name = args.bucket
    region = existing_bucket(reader, name)
    target, prefix = get_logging(reader.session(), name)
    arn = bucket_arn(name)
    if args.target is None:
        if target is None:
            return Unchanged(f"Access logging of s3://{name} is already off", {"bucket": name})
        entry = SET_LOGGING.entry(args, f"Turn off access logging of s3://{name}", [arn])
        return Proposal([entry], what=f"change access logging of s3://{name}", region=region)
    wanted = args.target
    target_region = existing_bucket(reader, wanted)
    if target_region != region:
        raise BadInput(
            f"s3://{wanted} is in {target_region}, s3://{name} in {region}: access "
            "logs go to a bucket in the same region."
        )
    new_prefix = f"{name}/" if args.prefix is None else args.prefix
    if (target, prefix) == (wanted, new_prefix):
        return Unchanged(f"s3://{name} already logs there", {"bucket": name})
    target_policy = get_bucket_policy(reader.session(), wanted) or ""
    warning = (
        ""
        if _LOG_DELIVERY in target_policy
        else f" (S3 refuses unless the policy of s3://{wanted} lets {_LOG_DELIVERY} put "
        "objects; it does not yet)"
    )
    entry = SET_LOGGING.entry(
        args.model_copy(update={"prefix": new_prefix}),
        f"Send access logs of s3://{name} to s3://{wanted}/{new_prefix}{warning}",
        [arn, bucket_arn(wanted)],
    )
    return Proposal([entry], what=f"change access logging of s3://{name}", region=region)


def _run_logging(writers: Writers, args: LoggingArgs) -> str:
    return put_logging(
        writers.aws(), args.bucket, None if args.off else args.target, args.prefix or ""
    ).message


SET_LOGGING = Write(
    name="s3.put_logging",
    args=LoggingArgs,
    summary="Plan to change a bucket's access logging.",
    service="s3",
    tool="set_bucket_logging",
    commands=(
        Command(
            "s3 logging BUCKET --target BUCKET [--prefix P] | --off",
            "Plan to change a bucket's access logging.",
        ),
    ),
    guide="Give target (a bucket in the same region) or off. S3 delivers the logs only when "
    "the target's bucket policy lets logging.s3.amazonaws.com put objects; the plan warns "
    "when it does not.",
    reads=("s3:ListBucket", "s3:GetBucketLogging", "s3:GetBucketPolicy"),
    actions=("s3:PutBucketLogging",),
    arns=("arn:{partition}:s3:::{bucket}", "arn:{partition}:s3:::{target}"),
    plan=_plan_logging,
    run=_run_logging,
)

OPERATIONS = (
    DESCRIBE,
    GET_TAGS,
    SET_TAGS,
    GET_LIFECYCLE,
    SET_LIFECYCLE,
    GET_LOGGING,
    SET_LOGGING,
)
