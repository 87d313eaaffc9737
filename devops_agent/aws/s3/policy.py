"""S3 bucket policies: read one, plan to replace it with a workspace file, plan to remove it.

A policy to set is read from a JSON file in the workspace and checked by
:func:`~devops_agent.aws.policy_document.validate_policy` before anything is planned
(every resource must be this bucket or objects in it). The plan records the
checked document, not the path, so the apply sets exactly what was reviewed.

Both writes declare the one request they send, read the policy back (the document set,
or none), and leave a way back: the policy as S3 answered just before the change (or its
absence), put back by ``s3.restore_<setting>`` (:mod:`~devops_agent.aws.s3.restore`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

from devops_agent.aws import AwsModel
from devops_agent.aws.policy_document import decode_policy, validate_policy
from devops_agent.aws.s3.buckets import (
    Bucket,
    BucketArgs,
    bucket_arn,
    bucket_name,
    existing_bucket,
)
from devops_agent.aws.s3.changes import BucketChangeArgs, bucket_call, bucket_change
from devops_agent.aws.s3.configuration import read_settings
from devops_agent.aws.s3.restore import RESTORES, way_back
from devops_agent.aws.workspace_files import read_document
from devops_agent.aws.writes import Change, recorded
from devops_agent.operation import (
    ApiCall,
    Command,
    Hidden,
    NotAsPlanned,
    Positional,
    Proposal,
    Read,
    Reader,
    Unchanged,
    Verification,
    Verified,
    Write,
    Writers,
)
from devops_agent.report import Result, plural

if TYPE_CHECKING:
    import boto3

__all__ = [
    "BucketPolicy",
    "DeletePolicyArgs",
    "SetPolicyArgs",
    "delete_bucket_policy",
    "get_bucket_policy",
    "json_block",
    "policy_call",
    "policy_verification",
    "put_bucket_policy",
]


class BucketPolicy(AwsModel):
    """A bucket's policy document."""

    bucket: str
    """Bucket name."""
    policy: str | None
    """The policy as the JSON text AWS stores; ``None`` when the bucket has none."""


def get_bucket_policy(session: boto3.Session, bucket: str, region: str | None = None) -> str | None:
    """The bucket policy document of one bucket.

    Args:
        session: credentials to read with (``s3:GetBucketPolicy``).
        bucket: bucket name; ``s3://name`` is accepted too.
        region: The bucket's region (its endpoint answers); the session's when ``None``.

    Returns:
        The policy as the JSON text AWS stores, or ``None`` when the bucket has none.

    Raises:
        ServiceError: the bucket does not exist (``NoSuchBucket``) or AWS refused.
    """
    found = read_settings(session, Bucket(name=bucket_name(bucket), region=region), ["policy"])
    return found.policy


def policy_call(bucket: str, policy: str | None, region: str | None = None) -> ApiCall:
    """The request that sets a bucket's policy (checked first), or removes it (``None``).

    Args:
        bucket: The bucket's name.
        policy: The policy document, JSON text; ``None`` removes the bucket's policy.
        region: The bucket's region.

    Returns:
        The ``PutBucketPolicy`` request with the checked, compact document, or the
        ``DeleteBucketPolicy`` request.

    Raises:
        BadInput: the document breaks the policy grammar or names another bucket.
    """
    name = bucket_name(bucket)
    if policy is None:
        return bucket_call("DeleteBucketPolicy", "s3:DeleteBucketPolicy", name, region)
    document = validate_policy(policy, "bucket", bucket=name)
    return bucket_call("PutBucketPolicy", "s3:PutBucketPolicy", name, region, Policy=document)


def put_bucket_policy(
    session: boto3.Session, bucket: str, policy: str, region: str | None = None
) -> Change:
    """Replace a bucket's policy (checked again here, as it was before it was planned).

    Only the apply path calls this, with the write role's session.

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        policy: The policy document, JSON text.
        region: The bucket's region (its endpoint gets the request).

    Returns:
        What was done: the IAM action, the bucket, one line for people.

    Raises:
        BadInput: the document breaks the policy grammar or names another bucket.
    """
    call = policy_call(bucket, policy, region)
    return bucket_change(session, call, lambda name: f"set the policy of s3://{name}")


def delete_bucket_policy(session: boto3.Session, bucket: str, region: str | None = None) -> Change:
    """Remove a bucket's policy. Only the apply path calls this.

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        region: The bucket's region (its endpoint gets the request).

    Returns:
        What was done: the IAM action, the bucket, one line for people.
    """
    call = policy_call(bucket, None, region)
    return bucket_change(session, call, lambda name: f"removed the policy of s3://{name}")


def policy_verification(
    reader: Reader, bucket: str, region: str | None, policy: str | None
) -> Verification:
    """Whether the bucket's policy reads back as ``policy`` (compared as JSON), or as none.

    Args:
        reader: The read side of the run.
        bucket: The bucket's name.
        region: The bucket's region.
        policy: The document set (JSON text), or ``None`` when the policy was removed.

    Returns:
        :class:`Verified` when it does, :class:`NotAsPlanned` with what was read otherwise.
    """
    found = get_bucket_policy(reader.session(), bucket, region)
    if policy is None:
        if found is None:
            return Verified(f"s3://{bucket} has no bucket policy")
        return NotAsPlanned(f"s3://{bucket} still has a bucket policy")
    if found is None:
        return NotAsPlanned(f"s3://{bucket} has no bucket policy")
    if decode_policy(found) == decode_policy(policy):
        return Verified(f"s3://{bucket} has the planned bucket policy")
    return NotAsPlanned(f"s3://{bucket} has a bucket policy other than the planned one")


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


class SetPolicyArgs(BucketChangeArgs):
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
        args.model_copy(update={"policy": policy, "bucket_region": region}),
        f"Replace the bucket policy of s3://{name} with {args.file} ({plural(count, 'statement')})",
        [bucket_arn(name)],
    )
    return Proposal(
        [entry],
        what=f"set the policy of s3://{name}",
        region=region,
        note="The policy it will set:\n\n" + json_block(policy),
    )


def _planned_policy(args: SetPolicyArgs) -> str:
    return recorded(args.policy, "the policy to set")


def _run_set(writers: Writers, args: SetPolicyArgs) -> str:
    return put_bucket_policy(
        writers.aws(), args.bucket, _planned_policy(args), args.bucket_region
    ).message


_policy_before, _policy_undo = way_back("policy")

_EXAMPLE_POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Sid":"ReadSite","Effect":"Allow","Principal":'
    '{"AWS":"arn:aws:iam::123456789012:role/site"},"Action":"s3:GetObject","Resource":'
    '"arn:aws:s3:::acme-data/*"}]}'
)


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
    reads=("s3:ListBucket", "s3:GetBucketPolicy"),
    actions=("s3:PutBucketPolicy",),
    arns=("arn:{partition}:s3:::{bucket}",),
    emits=(RESTORES["policy"],),
    plan=_plan_set,
    run=_run_set,
    calls=lambda args: [policy_call(args.bucket, _planned_policy(args), args.bucket_region)],
    verify=lambda reader, args: policy_verification(
        reader, args.bucket, args.bucket_region, _planned_policy(args)
    ),
    before=_policy_before,
    undo=_policy_undo,
    examples=(
        {
            "bucket": "acme-data",
            "bucket_region": "us-east-1",
            "file": "policies/acme-data.json",
            "policy": _EXAMPLE_POLICY,
        },
    ),
)


class DeletePolicyArgs(BucketChangeArgs):
    """Arguments of ``s3 policy delete``."""


def _plan_delete(reader: Reader, args: DeletePolicyArgs) -> Proposal | Unchanged:
    name = args.bucket
    region = existing_bucket(reader, name)
    if get_bucket_policy(reader.session(), name, region) is None:
        return Unchanged(f"s3://{name} has no bucket policy", {"bucket": name})
    entry = DELETE.entry(
        args.model_copy(update={"bucket_region": region}),
        f"Remove the bucket policy of s3://{name}",
        [bucket_arn(name)],
    )
    return Proposal([entry], what=f"remove the policy of s3://{name}", region=region)


def _run_delete(writers: Writers, args: DeletePolicyArgs) -> str:
    return delete_bucket_policy(writers.aws(), args.bucket, args.bucket_region).message


DELETE = Write(
    name="s3.delete_bucket_policy",
    args=DeletePolicyArgs,
    summary="Plan to remove a bucket policy.",
    service="s3",
    tool="delete_bucket_policy",
    commands=(Command("s3 policy delete BUCKET", "Plan to remove a bucket policy."),),
    reads=("s3:ListBucket", "s3:GetBucketPolicy"),
    actions=("s3:DeleteBucketPolicy",),
    arns=("arn:{partition}:s3:::{bucket}",),
    emits=(RESTORES["policy"],),
    plan=_plan_delete,
    run=_run_delete,
    calls=lambda args: [policy_call(args.bucket, None, args.bucket_region)],
    verify=lambda reader, args: policy_verification(reader, args.bucket, args.bucket_region, None),
    before=_policy_before,
    undo=_policy_undo,
    examples=({"bucket": "acme-data", "bucket_region": "us-east-1"},),
)

OPERATIONS = (READ, SET, DELETE)
