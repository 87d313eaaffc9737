"""A bucket's server access logging: ``s3 logging BUCKET`` reads it,
``s3 logging BUCKET --target BUCKET [--prefix P] | --off`` plans a change.

S3 delivers the logs only when the target bucket's policy lets ``logging.s3.amazonaws.com``
put objects; the preview reads that policy and warns when it does not. The write declares
the one request it sends (on the logged bucket only: the target's own policy, not the
write role, decides delivery), reads the setting back, and leaves a way back: logging as
S3 answered just before the change, put back by ``s3.restore_<setting>``
(:mod:`~devops_agent.aws.s3.restore`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import model_validator

from devops_agent.aws import AwsModel
from devops_agent.aws.s3.buckets import (
    ONE_SETTING,
    Bucket,
    BucketArgs,
    BucketName,
    bucket_arn,
    bucket_name,
    existing_bucket,
)
from devops_agent.aws.s3.changes import BucketChangeArgs, bucket_call, bucket_change
from devops_agent.aws.s3.configuration import read_settings
from devops_agent.aws.s3.policy import get_bucket_policy
from devops_agent.aws.s3.restore import RESTORES, way_back
from devops_agent.aws.writes import Change
from devops_agent.errors import BadInput
from devops_agent.operation import (
    ApiCall,
    Command,
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
from devops_agent.report import Result

if TYPE_CHECKING:
    import boto3

__all__ = ["Logging", "LoggingArgs", "get_logging", "logging_call", "put_logging"]

#: Who delivers server access logs: the target bucket's policy must let it put objects.
_LOG_DELIVERY = "logging.s3.amazonaws.com"


class Logging(AwsModel):
    """A bucket's server access logging."""

    bucket: str
    target: str | None
    """The bucket receiving the logs; ``None`` when logging is off."""
    prefix: str
    """Key prefix of the logs in the target."""


def get_logging(
    session: boto3.Session, bucket: str, region: str | None = None
) -> tuple[str | None, str]:
    """A bucket's server access logging.

    Args:
        session: Credentials to read with (the read role's).
        bucket: The bucket's name.
        region: The bucket's region (its endpoint answers); the session's when ``None``.

    Returns:
        The target bucket (``None`` when logging is off) and the key prefix.

    Raises:
        ServiceError: no such bucket, or AWS refused (``s3:GetBucketLogging``).
    """
    found = read_settings(session, Bucket(name=bucket_name(bucket), region=region), ["logging"])
    return found.logging_target, found.logging_prefix


# --------------------------------------------------------------------------- writes
# Only the apply path calls these, with the write role's session.


def logging_call(
    bucket: str, target: str | None, prefix: str = "", region: str | None = None
) -> ApiCall:
    """The request that sends a bucket's access logs to ``target``, or turns logging off.

    Args:
        bucket: The bucket's name.
        target: The bucket that receives the logs; ``None`` turns logging off.
        prefix: The key prefix of the log objects.
        region: The bucket's region.

    Returns:
        The ``PutBucketLogging`` request.
    """
    status: dict[str, Any] = {}
    if target:
        status["LoggingEnabled"] = {"TargetBucket": bucket_name(target), "TargetPrefix": prefix}
    return bucket_call(
        "PutBucketLogging",
        "s3:PutBucketLogging",
        bucket_name(bucket),
        region,
        BucketLoggingStatus=status,
    )


def put_logging(
    session: boto3.Session,
    bucket: str,
    target: str | None,
    prefix: str = "",
    region: str | None = None,
) -> Change:
    """Send server access logs to ``target`` under ``prefix``, or turn logging off (``None``).

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        target: The bucket that receives the logs; ``None`` turns logging off.
        prefix: The key prefix of the log objects.
        region: The bucket's region (its endpoint gets the request).

    Returns:
        What was done: the IAM action, the bucket, one line for people.
    """
    call = logging_call(bucket, target, prefix, region)
    what = f"logs access to s3://{target}/{prefix}" if target else "no longer logs access"
    return bucket_change(session, call, lambda name: f"s3://{name} {what}")


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


class LoggingArgs(BucketChangeArgs):
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
    target, prefix = get_logging(reader.session(), name, region)
    arn = bucket_arn(name)
    if args.target is None:
        if target is None:
            return Unchanged(f"Access logging of s3://{name} is already off", {"bucket": name})
        entry = SET_LOGGING.entry(
            args.model_copy(update={"bucket_region": region}),
            f"Turn off access logging of s3://{name}",
            [arn],
        )
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
        args.model_copy(update={"prefix": new_prefix, "bucket_region": region}),
        f"Send access logs of s3://{name} to s3://{wanted}/{new_prefix}{warning}",
        [arn, bucket_arn(wanted)],
    )
    return Proposal([entry], what=f"change access logging of s3://{name}", region=region)


def _run_logging(writers: Writers, args: LoggingArgs) -> str:
    return put_logging(
        writers.aws(),
        args.bucket,
        None if args.off else args.target,
        args.prefix or "",
        args.bucket_region,
    ).message


def _logging_calls(args: LoggingArgs) -> list[ApiCall]:
    target = None if args.off else args.target
    return [logging_call(args.bucket, target, args.prefix or "", args.bucket_region)]


def _verify_logging(reader: Reader, args: LoggingArgs) -> Verification:
    target, prefix = get_logging(reader.session(), args.bucket, args.bucket_region)
    read = f"s3://{args.bucket} " + (
        f"logs access to s3://{target}/{prefix}" if target else "does not log access"
    )
    wanted = (None, "") if args.off else (args.target, args.prefix or "")
    return Verified(read) if (target, prefix if target else "") == wanted else NotAsPlanned(read)


_logging_before, _logging_undo = way_back(
    "logging", lambda args: _logging_calls(args)[0].params["BucketLoggingStatus"]
)


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
    # PutBucketLogging acts on the logged bucket only: the target's own policy (not the
    # write role) decides whether S3 may deliver logs into it.
    arns=("arn:{partition}:s3:::{bucket}",),
    emits=(RESTORES["logging"],),
    plan=_plan_logging,
    run=_run_logging,
    calls=_logging_calls,
    verify=_verify_logging,
    before=_logging_before,
    undo=_logging_undo,
    examples=(
        {
            "bucket": "acme-data",
            "bucket_region": "us-east-1",
            "target": "acme-logs",
            "prefix": "acme-data/",
        },
        {"bucket": "acme-data", "bucket_region": "us-east-1", "off": True},
    ),
)

OPERATIONS = (GET_LOGGING, SET_LOGGING)
