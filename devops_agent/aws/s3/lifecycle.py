"""A bucket's lifecycle rules: ``s3 lifecycle BUCKET`` reads them,
``s3 lifecycle BUCKET FILE | --expire-days N [--prefix P] | --clear`` plans a change.

The preview computes the whole list of rules the bucket will have (checked against S3's
own schema) and the plan records it, so the apply writes exactly what was reviewed. The
write declares the one request it sends, reads the rules back (their IDs and statuses),
and leaves a way back: the rules as S3 answered just before the change (or none), put
back by ``s3.restore_<setting>`` (:mod:`~devops_agent.aws.s3.restore`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

from botocore.exceptions import ParamValidationError
from pydantic import model_validator

from devops_agent.aws import AwsModel
from devops_agent.aws.s3.buckets import (
    ONE_SETTING,
    Bucket,
    BucketArgs,
    bucket_arn,
    bucket_name,
    existing_bucket,
)
from devops_agent.aws.s3.changes import (
    BucketChangeArgs,
    bucket_call,
    bucket_change,
    check_params,
)
from devops_agent.aws.s3.configuration import read_settings
from devops_agent.aws.s3.restore import RESTORES, way_back
from devops_agent.aws.workspace_files import read_document
from devops_agent.aws.writes import Change, recorded
from devops_agent.errors import BadInput
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
from devops_agent.report import Result, Table, plural

if TYPE_CHECKING:
    import boto3

__all__ = [
    "Lifecycle",
    "LifecycleArgs",
    "get_lifecycle",
    "lifecycle_call",
    "lifecycle_rules",
    "put_lifecycle",
]

#: The actions a lifecycle rule may take; a rule needs at least one.
_LIFECYCLE_ACTIONS = (
    "Expiration",
    "Transitions",
    "NoncurrentVersionExpiration",
    "NoncurrentVersionTransitions",
    "AbortIncompleteMultipartUpload",
)


class Lifecycle(AwsModel):
    """A bucket's lifecycle rules."""

    bucket: str
    rules: list[dict[str, Any]]
    """The rules as AWS returns them (empty when there are none)."""


def get_lifecycle(
    session: boto3.Session, bucket: str, region: str | None = None
) -> list[dict[str, Any]]:
    """A bucket's lifecycle rules.

    Args:
        session: Credentials to read with (the read role's).
        bucket: The bucket's name.
        region: The bucket's region (its endpoint answers); the session's when ``None``.

    Returns:
        The rules as S3 returns them; empty when it has none.

    Raises:
        ServiceError: no such bucket, or AWS refused (``s3:GetLifecycleConfiguration``).
    """
    found = read_settings(session, Bucket(name=bucket_name(bucket), region=region), ["lifecycle"])
    return found.lifecycle_rules or []


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
    try:
        check_params(
            "PutBucketLifecycleConfiguration",
            {"Bucket": "checked-bucket", "LifecycleConfiguration": {"Rules": rules}},
        )
    except ParamValidationError as exc:
        raise BadInput(f"The lifecycle configuration does not fit S3's schema: {exc}") from None
    return rules


# --------------------------------------------------------------------------- writes
# Only the apply path calls these, with the write role's session.


def lifecycle_call(bucket: str, rules: list[dict[str, Any]], region: str | None = None) -> ApiCall:
    """The request that replaces a bucket's lifecycle rules (or, for none, removes them).

    Args:
        bucket: The bucket's name.
        rules: The rules (checked against S3's schema here); empty removes them.
        region: The bucket's region.

    Returns:
        The ``PutBucketLifecycleConfiguration`` or ``DeleteBucketLifecycle`` request (both
        need ``s3:PutLifecycleConfiguration``).

    Raises:
        BadInput: a rule does not fit S3's schema.
    """
    name = bucket_name(bucket)
    action = "s3:PutLifecycleConfiguration"
    if not rules:
        return bucket_call("DeleteBucketLifecycle", action, name, region)
    checked = lifecycle_rules(json.dumps(rules, default=str))
    return bucket_call(
        "PutBucketLifecycleConfiguration",
        action,
        name,
        region,
        LifecycleConfiguration={"Rules": checked},
    )


def put_lifecycle(
    session: boto3.Session, bucket: str, rules: list[dict[str, Any]], region: str | None = None
) -> Change:
    """Replace a bucket's lifecycle rules (an empty list removes them).

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        rules: The rules, checked; empty removes them.
        region: The bucket's region (its endpoint gets the request).

    Returns:
        What was done: the IAM action, the bucket, one line for people.

    Raises:
        BadInput: a rule does not fit S3's schema.
    """
    call = lifecycle_call(bucket, rules, region)
    what = plural(len(rules), "lifecycle rule") if rules else "no lifecycle rules"
    return bucket_change(session, call, lambda name: f"s3://{name} has {what}")


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


class LifecycleArgs(BucketChangeArgs):
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
        given = sum([self.file is not None, self.expire_days is not None, self.clear])
        if given != 1 and not (given == 0 and self.rules is not None):
            raise BadInput("Give one of FILE, --expire-days N or --clear.")
        if self.expire_days is not None and not 1 <= self.expire_days <= 36500:
            raise BadInput("--expire-days must be a number of days from 1 to 36500.")
        if self.prefix and self.expire_days is None:
            raise BadInput("--prefix goes with --expire-days.")
        return self


def _plan_lifecycle(reader: Reader, args: LifecycleArgs) -> Proposal | Unchanged:
    name = args.bucket
    region = existing_bucket(reader, name)
    current = get_lifecycle(reader.session(), name, region)
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
        args.model_copy(update={"rules": rules, "bucket_region": region}),
        description,
        [bucket_arn(name)],
    )
    return Proposal([entry], what=f"change lifecycle rules of s3://{name}", region=region)


def _rules(args: LifecycleArgs) -> list[dict[str, Any]]:
    return recorded(args.rules, "the lifecycle rules to write")


def _run_lifecycle(writers: Writers, args: LifecycleArgs) -> str:
    return put_lifecycle(writers.aws(), args.bucket, _rules(args), args.bucket_region).message


def _lifecycle_calls(args: LifecycleArgs) -> list[ApiCall]:
    return [lifecycle_call(args.bucket, _rules(args), args.bucket_region)]


def _rule_ids(rules: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((str(r.get("ID") or ""), str(r.get("Status", ""))) for r in rules)


def _verify_lifecycle(reader: Reader, args: LifecycleArgs) -> Verification:
    """The rules read back carry the planned IDs and statuses (S3 names a rule that had no
    ID itself, so such rules are compared by number)."""
    found = get_lifecycle(reader.session(), args.bucket, args.bucket_region)
    planned = _rules(args)
    read = f"s3://{args.bucket} has {plural(len(found), 'lifecycle rule')}" + (
        f" ({', '.join(str(r.get('ID') or '?') for r in found[:6])})" if found else ""
    )
    same = len(found) == len(planned) and all(
        pair in _rule_ids(found) for pair in _rule_ids(planned) if pair[0]
    )
    return Verified(read) if same else NotAsPlanned(read)


_lifecycle_before, _lifecycle_undo = way_back(
    "lifecycle",
    lambda args: _lifecycle_calls(args)[0].params.get("LifecycleConfiguration"),
)


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
    emits=(RESTORES["lifecycle"],),
    plan=_plan_lifecycle,
    run=_run_lifecycle,
    calls=_lifecycle_calls,
    verify=_verify_lifecycle,
    before=_lifecycle_before,
    undo=_lifecycle_undo,
    examples=(
        {
            "bucket": "acme-data",
            "bucket_region": "us-east-1",
            "expire_days": 7,
            "prefix": "tmp/",
            "rules": [
                {
                    "ID": "expire-tmp-7d",
                    "Status": "Enabled",
                    "Filter": {"Prefix": "tmp/"},
                    "Expiration": {"Days": 7},
                }
            ],
        },
        {"bucket": "acme-data", "bucket_region": "us-east-1", "clear": True, "rules": []},
    ),
)


OPERATIONS = (GET_LIFECYCLE, SET_LIFECYCLE)
