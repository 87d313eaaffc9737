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

Both declare the one request they send, read the result back (no grant to anyone but the
owner; ownership ``BucketOwnerEnforced``), and leave a way back: the ACL, or the ownership
setting, exactly as S3 answered before the change (:mod:`~devops_agent.aws.s3.restore`).
Turning ACLs back on restores the ACLs S3 kept meanwhile: they were not deleted, only
ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from devops_agent.aws.s3.buckets import Bucket, bucket_arn, bucket_name, existing_bucket
from devops_agent.aws.s3.changes import BucketChangeArgs, bucket_call, bucket_change
from devops_agent.aws.s3.configuration import read_settings
from devops_agent.aws.s3.restore import RESTORES, way_back
from devops_agent.aws.writes import Change
from devops_agent.operation import (
    ApiCall,
    Command,
    Lower,
    NotAsPlanned,
    PlanEntry,
    Positional,
    Proposal,
    Reader,
    Unchanged,
    Verification,
    Verified,
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
    "ownership_enforced_call",
    "private_acl_call",
    "set_ownership_enforced",
]

#: Grantee URIs of the groups that mean "anyone" and "anyone with an AWS account".
_GROUP_NAMES = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "everyone",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "any AWS account",
    "http://acs.amazonaws.com/groups/s3/LogDelivery": "S3 log delivery",
}


def _read(reader: Reader, name: str, region: str | None = None) -> Bucket:
    region = region or existing_bucket(reader, name)
    return read_settings(reader.session(), Bucket(name=name, region=region), ["acl", "ownership"])


def foreign_grants(bucket: Bucket) -> list[Grant]:
    """The ACL's grants to anyone but the bucket owner.

    Args:
        bucket: A bucket whose ``acl`` was read.

    Returns:
        The grants to others (groups, other accounts, e-mail grantees); empty when the
        ACL was not read or grants only the owner.
    """
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


def private_acl_call(bucket: str, region: str | None = None) -> ApiCall:
    """The request that replaces a bucket's ACL with the canned ``private`` one.

    Args:
        bucket: The bucket's name.
        region: The bucket's region.

    Returns:
        The ``PutBucketAcl`` request, as the executor sends it.
    """
    return bucket_call(
        "PutBucketAcl", "s3:PutBucketAcl", bucket_name(bucket), region, ACL="private"
    )


def make_acl_private(session: boto3.Session, bucket: str, region: str | None = None) -> Change:
    """Replace a bucket's ACL with ``private`` (the owner's full control only).

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        region: The bucket's region (its endpoint gets the request).

    Returns:
        What was done: the IAM action, the bucket, one line for people.
    """
    call = private_acl_call(bucket, region)
    return bucket_change(session, call, lambda name: f"the ACL of s3://{name} is private")


def ownership_enforced_call(bucket: str, region: str | None = None) -> ApiCall:
    """The request that disables ACLs (object ownership ``BucketOwnerEnforced``).

    Args:
        bucket: The bucket's name.
        region: The bucket's region.

    Returns:
        The ``PutBucketOwnershipControls`` request, as the executor sends it.
    """
    return bucket_call(
        "PutBucketOwnershipControls",
        "s3:PutBucketOwnershipControls",
        bucket_name(bucket),
        region,
        OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
    )


def set_ownership_enforced(
    session: boto3.Session, bucket: str, region: str | None = None
) -> Change:
    """Disable ACLs on a bucket (object ownership ``BucketOwnerEnforced``).

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        region: The bucket's region (its endpoint gets the request).

    Returns:
        What was done: the IAM action, the bucket, one line for people.
    """
    call = ownership_enforced_call(bucket, region)
    return bucket_change(
        session, call, lambda name: f"ACLs are disabled on s3://{name} (BucketOwnerEnforced)"
    )


# --------------------------------------------------------------------------- ACL private


class PrivateAclArgs(BucketChangeArgs):
    """Arguments of ``s3 acl BUCKET private``."""

    acl: Annotated[Literal["private"], Positional(), Lower] = "private"
    """private: only the bucket owner keeps access through the ACL."""


def _acl_entry(name: str, region: str | None, grants: list[Grant]) -> PlanEntry:
    shown = ", ".join(_shown(g) for g in grants[:6])
    more = f" and {len(grants) - 6} more" if len(grants) > 6 else ""
    return MAKE_ACL_PRIVATE.entry(
        PrivateAclArgs(bucket=name, bucket_region=region),
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
        [_acl_entry(args.bucket, bucket.region, grants)],
        what=f"make the ACL of s3://{args.bucket} private",
        region=bucket.region or "",
    )


def _verify_private(reader: Reader, args: PrivateAclArgs) -> Verification:
    grants = foreign_grants(_read(reader, args.bucket, args.bucket_region))
    if not grants:
        return Verified(f"the ACL of s3://{args.bucket} grants nobody but the owner")
    return NotAsPlanned(
        f"the ACL of s3://{args.bucket} still grants {', '.join(_shown(g) for g in grants[:6])}"
    )


_acl_before, _acl_undo = way_back("acl")

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
    emits=(RESTORES["acl"],),
    plan=_plan_private,
    run=lambda writers, args: (
        make_acl_private(writers.aws(), args.bucket, args.bucket_region).message
    ),
    calls=lambda args: [private_acl_call(args.bucket, args.bucket_region)],
    verify=_verify_private,
    before=_acl_before,
    undo=_acl_undo,
    examples=({"bucket": "acme-data", "bucket_region": "us-east-1", "acl": "private"},),
)


# --------------------------------------------------------------------------- ACLs off


class DisableAclsArgs(BucketChangeArgs):
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
        entries.append(_acl_entry(args.bucket, bucket.region, grants))
    entries.append(
        DISABLE_ACLS.entry(
            args.model_copy(update={"bucket_region": bucket.region}),
            f"Disable ACLs on s3://{args.bucket} (object ownership "
            f"{bucket.object_ownership or 'not set'} → BucketOwnerEnforced: only policies "
            "decide; objects other accounts wrote become the bucket owner's)",
            [bucket_arn(args.bucket)],
        )
    )
    return Proposal(entries, what=f"disable ACLs on s3://{args.bucket}", region=bucket.region or "")


def _run_disable(writers: Writers, args: DisableAclsArgs) -> str:
    return set_ownership_enforced(writers.aws(), args.bucket, args.bucket_region).message


def _verify_disable(reader: Reader, args: DisableAclsArgs) -> Verification:
    found = _read(reader, args.bucket, args.bucket_region).object_ownership
    read = f"object ownership of s3://{args.bucket} is {found or 'not set'}"
    return Verified(read) if found == "BucketOwnerEnforced" else NotAsPlanned(read)


_ownership_before, _ownership_undo = way_back(
    "ownership",
    lambda args: ownership_enforced_call(args.bucket, args.bucket_region).params[
        "OwnershipControls"
    ],
)


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
    emits=(MAKE_ACL_PRIVATE, RESTORES["ownership"]),
    plan=_plan_disable,
    run=_run_disable,
    calls=lambda args: [ownership_enforced_call(args.bucket, args.bucket_region)],
    verify=_verify_disable,
    before=_ownership_before,
    undo=_ownership_undo,
    examples=({"bucket": "acme-data", "bucket_region": "us-east-1", "acls": "disable"},),
)

OPERATIONS = (MAKE_ACL_PRIVATE, DISABLE_ACLS)
