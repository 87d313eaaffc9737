"""Refusing plain HTTP: ``s3 policy require-tls BUCKET`` (CIS 2.1.1, FSBP S3.5).

The preview reads the bucket policy and adds one statement to it, keeping every other
statement as it is::

    {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
     "Resource": ["arn:aws:s3:::BUCKET", "arn:aws:s3:::BUCKET/*"],
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}

The plan carries the complete new document (shown under the plan), and the apply sets
exactly it with ``PutBucketPolicy``: a policy changed in the meantime is replaced by what
the approver read, never merged blindly. Clients still using plain HTTP are refused
afterwards. A policy that already denies insecure transport is unchanged. Read back,
the bucket's policy is exactly the planned one (so it refuses plain HTTP); the way back
puts the policy as it was before (or removes it, when there was none) with
``s3.restore_<setting>``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from devops_agent.aws.policy_document import validate_policy
from devops_agent.aws.s3.buckets import bucket_arn, existing_bucket
from devops_agent.aws.s3.changes import BucketChangeArgs
from devops_agent.aws.s3.policy import (
    get_bucket_policy,
    json_block,
    policy_call,
    policy_verification,
    put_bucket_policy,
)
from devops_agent.aws.s3.restore import RESTORES, way_back
from devops_agent.aws.writes import recorded
from devops_agent.operation import (
    Command,
    Hidden,
    Proposal,
    Reader,
    Unchanged,
    Verification,
    Verified,
    Write,
    Writers,
)

__all__ = [
    "REQUIRE_TLS",
    "TLS_SID",
    "RequireTlsArgs",
    "denies_plain_http",
    "tls_statement",
    "with_tls_statement",
]

#: The statement id of the deny this operation adds.
TLS_SID = "DenyInsecureTransport"


def tls_statement(bucket: str) -> dict[str, Any]:
    """The statement that refuses every request to ``bucket`` made without TLS.

    Args:
        bucket: The bucket's name.

    Returns:
        A ``Deny`` of ``s3:*`` for everyone on the bucket and its objects when
        ``aws:SecureTransport`` is false.
    """
    return {
        "Sid": TLS_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn(bucket), f"{bucket_arn(bucket)}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def denies_plain_http(document: dict[str, Any] | None) -> bool:
    """Whether a policy has a Deny for everyone on every S3 action without TLS.

    Args:
        document: The policy, parsed; ``None`` for no policy.

    Returns:
        True when a statement denies ``s3:*`` to ``*`` under ``aws:SecureTransport`` false
        (``Bool`` or ``BoolIfExists``).
    """
    for statement in _list((document or {}).get("Statement", [])):
        if not isinstance(statement, dict) or statement.get("Effect") != "Deny":
            continue
        principal = statement.get("Principal")
        if principal not in ("*", {"AWS": "*"}):
            continue
        if "s3:*" not in _list(statement.get("Action")):
            continue
        condition = statement.get("Condition") or {}
        for operator in ("Bool", "BoolIfExists"):
            value = (condition.get(operator) or {}).get("aws:SecureTransport")
            if "false" in [str(v).lower() for v in _list(value)]:
                return True
    return False


def with_tls_statement(bucket: str, current: str | None) -> str:
    """The bucket policy ``current`` with the TLS deny added, every other statement kept.

    Args:
        bucket: The bucket's name.
        current: Its policy today, JSON text; ``None`` when it has none.

    Returns:
        The new policy as compact JSON, checked.

    Raises:
        BadInput: the result breaks the policy grammar (a policy AWS would not take).
    """
    document: dict[str, Any] = json.loads(current) if current else {"Version": "2012-10-17"}
    statements = _list(document.get("Statement", []))
    sids = {s.get("Sid") for s in statements if isinstance(s, dict)}
    statement = tls_statement(bucket)
    if TLS_SID in sids:
        statement["Sid"] = f"{TLS_SID}{len(statements)}"
    document["Statement"] = [*statements, statement]
    return validate_policy(json.dumps(document), "bucket", bucket=bucket)


class RequireTlsArgs(BucketChangeArgs):
    """Arguments of ``s3 policy require-tls``."""

    policy: Annotated[str | None, Hidden()] = None
    """The complete new policy (the preview fills it in: today's plus the TLS deny)."""


def _plan(reader: Reader, args: RequireTlsArgs) -> Proposal | Unchanged:
    name = args.bucket
    region = existing_bucket(reader, name)
    current = get_bucket_policy(reader.session(), name, region)
    if current and denies_plain_http(json.loads(current)):
        return Unchanged(f"s3://{name} already refuses plain HTTP", {"bucket": name})
    policy = with_tls_statement(name, current)
    kept = len(_list(json.loads(current).get("Statement", []))) if current else 0
    entry = REQUIRE_TLS.entry(
        args.model_copy(update={"policy": policy, "bucket_region": region}),
        f"Add a statement to the policy of s3://{name} denying every request made without "
        f"TLS ({kept} existing statement{'s' if kept != 1 else ''} kept); plain-HTTP clients "
        "are refused",
        [bucket_arn(name)],
    )
    return Proposal(
        [entry],
        what=f"require TLS on s3://{name}",
        region=region,
        note="The policy it will set:\n\n" + json_block(policy),
    )


def _planned(args: RequireTlsArgs) -> str:
    return recorded(args.policy, "the policy to set")


def _run(writers: Writers, args: RequireTlsArgs) -> str:
    return put_bucket_policy(writers.aws(), args.bucket, _planned(args), args.bucket_region).message


def _verify(reader: Reader, args: RequireTlsArgs) -> Verification:
    found = policy_verification(reader, args.bucket, args.bucket_region, _planned(args))
    if isinstance(found, Verified):
        return Verified(f"{found.what}: it refuses plain HTTP")
    return found


_before, _undo = way_back("policy")


REQUIRE_TLS = Write(
    name="s3.require_tls",
    args=RequireTlsArgs,
    summary="Plan to add a deny of plain-HTTP requests to a bucket policy.",
    service="s3",
    commands=(
        Command(
            "s3 policy require-tls BUCKET",
            "Plan to make a bucket refuse requests made without TLS (policy statement).",
        ),
    ),
    guide="Keeps every existing statement and adds DenyInsecureTransport; the plan shows "
    "the whole new policy. A policy that already denies aws:SecureTransport=false is "
    "unchanged.",
    reads=("s3:ListBucket", "s3:GetBucketPolicy"),
    actions=("s3:PutBucketPolicy",),
    arns=("arn:{partition}:s3:::{bucket}",),
    emits=(RESTORES["policy"],),
    plan=_plan,
    run=_run,
    calls=lambda args: [policy_call(args.bucket, _planned(args), args.bucket_region)],
    verify=_verify,
    before=_before,
    undo=_undo,
    examples=(
        {
            "bucket": "acme-data",
            "bucket_region": "us-east-1",
            "policy": with_tls_statement("acme-data", None),
        },
    ),
)

OPERATIONS = (REQUIRE_TLS,)
