"""Who a bucket's ACL lets in: ``s3 acl BUCKET private`` and ``s3 acls BUCKET disable``.

* ``s3 acl BUCKET private`` replaces the bucket's ACL with the canned ``private`` one:
  the owner keeps full control and every other grant (``AllUsers``,
  ``AuthenticatedUsers``, other accounts, the log-delivery group) goes. The preview
  lists the grants that go; a bucket whose ACL already grants nobody else is unchanged.
* ``s3 acls BUCKET disable`` sets object ownership to ``BucketOwnerEnforced``: ACLs stop
  counting for the bucket and its objects, only policies decide (FSBP S3.12). S3 refuses
  it while the bucket's ACL grants anyone else (``InvalidBucketAclWithObjectOwnership``),
  so then the plan first makes the ACL private, as its own entry, before the ownership
  change. Objects written by other accounts become the bucket owner's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

from devops_agent.aws import client
from devops_agent.aws.s3.buckets import Bucket, BucketArgs, bucket_arn, bucket_name, existing_bucket
from devops_agent.aws.s3.configuration import read_settings
from devops_agent.aws.writes import Change, write_errors
from devops_agent.operation import (
    Command,
    Lower,
    Positional,
    Proposal,
    Reader,
    Unchanged,
    Write,
    Writers,
)
from devops_agent.report import plural

if TYPE_CHECKING:
    import boto3

    from devops_agent.aws.s3.buckets import Grant

__all__ = [
    "DISABLE_ACLS",
    "MAKE_ACL_PRIVATE",
    "foreign_grants",
    "make_acl_private",
    "set_ownership_enforced",
]

#: Grantee URIs of the groups that mean "anyone" and "anyone with an AWS account".
_GROUP_NAMES = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "everyone",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "any AWS account",
    "http://acs.amazonaws.com/groups/s3/LogDelivery": "S3 log delivery",
}


def _read(reader: Reader, name: str) -> Bucket:
    region = existing_bucket(reader, name)
    return read_settings(reader.session(), Bucket(name=name, region=region), ["acl", "ownership"])


def foreign_grants(bucket: Bucket) -> list[Grant]:
    """The ACL's grants to anyone but the bucket owner."""
    if bucket.acl is None:
        return []
    owner = bucket.acl.owner_id
    return [
        g
        for g in bucket.acl.grants
        if not (g.grantee_type == "CanonicalUser" and g.grantee == owner)
    ]


def _shown(grant: Grant) -> str:
    who = _GROUP_NAMES.get(grant.grantee, grant.grantee)
    return f"{grant.permission} to {who}"


def make_acl_private(session: boto3.Session, bucket: str) -> Change:
    """Replace a bucket's ACL with ``private`` (the owner's full control only)."""
    name = bucket_name(bucket)
    with write_errors("s3:PutBucketAcl", resource=name):
        cast(Any, client(session, "s3")).put_bucket_acl(Bucket=name, ACL="private")
    return Change(
        action="s3:PutBucketAcl", resource=name, message=f"the ACL of s3://{name} is private"
    )


def set_ownership_enforced(session: boto3.Session, bucket: str) -> Change:
    """Disable ACLs on a bucket (object ownership ``BucketOwnerEnforced``)."""
    name = bucket_name(bucket)
    with write_errors("s3:PutBucketOwnershipControls", resource=name):
        cast(Any, client(session, "s3")).put_bucket_ownership_controls(
            Bucket=name,
            OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        )
    return Change(
        action="s3:PutBucketOwnershipControls",
        resource=name,
        message=f"ACLs are disabled on s3://{name} (BucketOwnerEnforced)",
    )


# --------------------------------------------------------------------------- ACL private


class PrivateAclArgs(BucketArgs):
    """Arguments of ``s3 acl BUCKET private``."""

    acl: Annotated[Literal["private"], Positional(), Lower] = "private"
    """private: only the bucket owner keeps access through the ACL."""


def _acl_entry(name: str, grants: list[Grant]) -> Any:
    shown = ", ".join(_shown(g) for g in grants[:6])
    more = f" and {len(grants) - 6} more" if len(grants) > 6 else ""
    return MAKE_ACL_PRIVATE.entry(
        PrivateAclArgs(bucket=name),
        f"Make the ACL of s3://{name} private: {plural(len(grants), 'grant')} go ({shown}{more})",
        [bucket_arn(name)],
    )


def _plan_private(reader: Reader, args: PrivateAclArgs) -> Proposal | Unchanged:
    bucket = _read(reader, args.bucket)
    grants = foreign_grants(bucket)
    if not grants:
        return Unchanged(
            f"The ACL of s3://{args.bucket} grants nobody else", {"bucket": args.bucket}
        )
    return Proposal(
        [_acl_entry(args.bucket, grants)],
        what=f"make the ACL of s3://{args.bucket} private",
        region=bucket.region or "",
    )


MAKE_ACL_PRIVATE = Write(
    name="s3.make_acl_private",
    args=PrivateAclArgs,
    summary="Plan to replace a bucket's ACL with private (the owner only).",
    service="s3",
    commands=(
        Command("s3 acl BUCKET private", "Plan to make a bucket's ACL private (owner only)."),
    ),
    guide="Every ACL grant but the owner's goes (public groups, other accounts, log delivery); "
    "a bucket receiving server access logs through its ACL stops receiving them. Policies "
    "are not touched.",
    reads=("s3:ListBucket", "s3:GetBucketAcl", "s3:GetBucketOwnershipControls"),
    actions=("s3:PutBucketAcl",),
    arns=("arn:{partition}:s3:::{bucket}",),
    plan=_plan_private,
    run=lambda writers, args: make_acl_private(writers.aws(), args.bucket).message,
)


# --------------------------------------------------------------------------- ACLs off


class DisableAclsArgs(BucketArgs):
    """Arguments of ``s3 acls BUCKET disable``."""

    acls: Annotated[Literal["disable"], Positional(), Lower] = "disable"
    """disable: object ownership BucketOwnerEnforced, so ACLs no longer count."""


def _plan_disable(reader: Reader, args: DisableAclsArgs) -> Proposal | Unchanged:
    bucket = _read(reader, args.bucket)
    if bucket.object_ownership == "BucketOwnerEnforced":
        return Unchanged(
            f"ACLs are already disabled on s3://{args.bucket}", {"bucket": args.bucket}
        )
    entries = []
    grants = foreign_grants(bucket)
    if grants:
        entries.append(_acl_entry(args.bucket, grants))
    entries.append(
        DISABLE_ACLS.entry(
            args,
            f"Disable ACLs on s3://{args.bucket} (object ownership "
            f"{bucket.object_ownership or 'not set'} → BucketOwnerEnforced: only policies "
            "decide; objects other accounts wrote become the bucket owner's)",
            [bucket_arn(args.bucket)],
        )
    )
    return Proposal(entries, what=f"disable ACLs on s3://{args.bucket}", region=bucket.region or "")


def _run_disable(writers: Writers, args: DisableAclsArgs) -> str:
    return set_ownership_enforced(writers.aws(), args.bucket).message


DISABLE_ACLS = Write(
    name="s3.disable_acls",
    args=DisableAclsArgs,
    summary="Plan to disable ACLs on a bucket (object ownership BucketOwnerEnforced).",
    service="s3",
    commands=(
        Command(
            "s3 acls BUCKET disable",
            "Plan to disable a bucket's ACLs (BucketOwnerEnforced: only policies decide).",
        ),
    ),
    guide="When the ACL still grants anyone else, the plan first makes it private (S3 "
    "refuses otherwise). Writers that set object ACLs other than bucket-owner-full-control "
    "are refused afterwards.",
    reads=("s3:ListBucket", "s3:GetBucketAcl", "s3:GetBucketOwnershipControls"),
    actions=("s3:PutBucketOwnershipControls",),
    arns=("arn:{partition}:s3:::{bucket}",),
    emits=(MAKE_ACL_PRIVATE,),
    plan=_plan_disable,
    run=_run_disable,
)

OPERATIONS = (MAKE_ACL_PRIVATE, DISABLE_ACLS)
