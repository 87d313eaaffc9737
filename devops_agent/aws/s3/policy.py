"""S3 bucket policies: read one, plan to replace it with a workspace file, plan to remove it.

A policy to set is read from a JSON file in the workspace and checked by
:func:`~devops_agent.aws.policy_document.validate_policy` before anything is planned
(every resource must be this bucket or objects in it). The plan records the
checked document, not the path, so the apply sets exactly what was reviewed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, cast

from devops_agent.aws import AwsModel, client
from devops_agent.aws.policy_document import validate_policy
from devops_agent.aws.s3.buckets import (
    Bucket,
    BucketArgs,
    bucket_arn,
    bucket_name,
    existing_bucket,
)
from devops_agent.aws.s3.configuration import read_settings
from devops_agent.aws.workspace_files import read_document
from devops_agent.aws.writes import Change, write_errors
from devops_agent.errors import BadInput
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
from devops_agent.report import Result, plural

if TYPE_CHECKING:
    import boto3

__all__ = [
    "BucketPolicy",
    "delete_bucket_policy",
    "get_bucket_policy",
    "json_block",
    "put_bucket_policy",
]


class BucketPolicy(AwsModel):
    """A bucket's policy document."""

    bucket: str
    """Bucket name."""
    policy: str | None
    """The policy as the JSON text AWS stores; ``None`` when the bucket has none."""


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
    return read_settings(session, Bucket(name=bucket_name(bucket)), ["policy"]).policy


def put_bucket_policy(session: boto3.Session, bucket: str, policy: str) -> Change:
    """Replace a bucket's policy (checked again here, as it was before it was planned).

    Only the apply path calls this, with the write role's session.

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        policy: The policy document, JSON text.

    Returns:
        What was done: the IAM action, the bucket, one line for people.
    """
    name = bucket_name(bucket)
    document = validate_policy(policy, "bucket", bucket=name)
    with write_errors("s3:PutBucketPolicy", resource=name):
        cast(Any, client(session, "s3")).put_bucket_policy(Bucket=name, Policy=document)
    return Change(
        action="s3:PutBucketPolicy", resource=name, message=f"set the policy of s3://{name}"
    )


def delete_bucket_policy(session: boto3.Session, bucket: str) -> Change:
    """Remove a bucket's policy. Only the apply path calls this.

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.

    Returns:
        What was done: the IAM action, the bucket, one line for people.
    """
    name = bucket_name(bucket)
    with write_errors("s3:DeleteBucketPolicy", resource=name):
        client(session, "s3").delete_bucket_policy(Bucket=name)
    return Change(
        action="s3:DeleteBucketPolicy", resource=name, message=f"removed the policy of s3://{name}"
    )


def json_block(document: str | dict[str, Any] | list[Any]) -> str:
    """A JSON document as a fenced Markdown block (no fence inside it can close it).

    Args:
        document: The document, as JSON text or parsed.

    Returns:
        Markdown: the document indented, in a ```` ```json ```` fence.
    """
    value = json.loads(document) if isinstance(document, str) else document
    pretty = json.dumps(value, indent=2).replace("```", "'''")
    return f"```json\n{pretty}\n```"


# --------------------------------------------------------------------------- operations


def _read(reader: Reader, args: BucketArgs) -> BucketPolicy:
    return BucketPolicy(bucket=args.bucket, policy=get_bucket_policy(reader.session(), args.bucket))


def _shown(reader: Reader, args: BucketArgs, found: BucketPolicy) -> Result:
    name = found.bucket
    if found.policy is None:
        return Result(
            title=f"s3://{name} has no bucket policy", data={"bucket": name, "policy": None}
        )
    try:
        pretty = json.dumps(json.loads(found.policy), indent=2)
    except ValueError:
        pretty = found.policy
    pretty = pretty.replace("```", "'''")
    return Result(
        title=f"Bucket policy of s3://{name}",
        text=f"```json\n{pretty}\n```",
        data={"bucket": name, "policy": found.policy},
    )


READ = Read(
    name="s3.get_bucket_policy",
    args=BucketArgs,
    summary="A bucket's policy.",
    service="s3",
    tool="get_bucket_policy",
    commands=(Command("s3 policy BUCKET", "A bucket's policy."),),
    guide='The policy as JSON text, or null when the bucket has none. A statement with "'
    'Principal": "*" and no restricting Condition makes the bucket public for its actions.',
    actions=("s3:GetBucketPolicy",),
    read=_read,
    render=_shown,
)


class SetPolicyArgs(BucketArgs):
    """Arguments of ``s3 policy set``."""

    file: Annotated[str, Positional()]
    """A JSON policy file in the workspace, e.g. policies/bucket.json."""
    policy: Annotated[str | None, Hidden()] = None
    """The checked document, as compact JSON: what the apply sets."""


def _plan_set(reader: Reader, args: SetPolicyArgs) -> Proposal:
    name = args.bucket
    region = existing_bucket(reader, name)
    policy = validate_policy(read_document(reader.workspace, args.file), "bucket", bucket=name)
    statements = json.loads(policy)["Statement"]
    count = len(statements) if isinstance(statements, list) else 1
    entry = SET.entry(
        args.model_copy(update={"policy": policy}),
        f"Replace the bucket policy of s3://{name} with {args.file} ({plural(count, 'statement')})",
        [bucket_arn(name)],
    )
    return Proposal(
        [entry],
        what=f"set the policy of s3://{name}",
        region=region,
        note="The policy it will set:\n\n" + json_block(policy),
    )


def _run_set(writers: Writers, args: SetPolicyArgs) -> str:
    if args.policy is None:
        raise BadInput(
            "The plan does not record the policy to set; it is not applied.",
            remedy="Ask for the change again to get a fresh plan.",
        )
    return put_bucket_policy(writers.aws(), args.bucket, args.policy).message


SET = Write(
    name="s3.put_bucket_policy",
    args=SetPolicyArgs,
    summary="Plan to replace a bucket policy with a workspace JSON file.",
    service="s3",
    tool="set_bucket_policy",
    commands=(
        Command(
            "s3 policy set BUCKET FILE",
            "Plan to replace a bucket policy with a workspace JSON file.",
        ),
    ),
    guide="The file must be a JSON policy in this repository's workspace whose resources "
    "are only this bucket and its objects; a document AWS would reject comes back as an "
    "error naming the statement and field.",
    reads=("s3:ListBucket",),
    actions=("s3:PutBucketPolicy",),
    arns=("arn:{partition}:s3:::{bucket}",),
    plan=_plan_set,
    run=_run_set,
)


def _plan_delete(reader: Reader, args: BucketArgs) -> Proposal | Unchanged:
    name = args.bucket
    region = existing_bucket(reader, name)
    if get_bucket_policy(reader.session(), name) is None:
        return Unchanged(f"s3://{name} has no bucket policy", {"bucket": name})
    entry = DELETE.entry(args, f"Remove the bucket policy of s3://{name}", [bucket_arn(name)])
    return Proposal([entry], what=f"remove the policy of s3://{name}", region=region)


def _run_delete(writers: Writers, args: BucketArgs) -> str:
    return delete_bucket_policy(writers.aws(), args.bucket).message


DELETE = Write(
    name="s3.delete_bucket_policy",
    args=BucketArgs,
    summary="Plan to remove a bucket policy.",
    service="s3",
    tool="delete_bucket_policy",
    commands=(Command("s3 policy delete BUCKET", "Plan to remove a bucket policy."),),
    reads=("s3:ListBucket", "s3:GetBucketPolicy"),
    actions=("s3:DeleteBucketPolicy",),
    arns=("arn:{partition}:s3:::{bucket}",),
    plan=_plan_delete,
    run=_run_delete,
)

OPERATIONS = (READ, SET, DELETE)
