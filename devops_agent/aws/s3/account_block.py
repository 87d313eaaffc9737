"""The account's Block Public Access: ``s3 account public-access block`` (CIS 2.1.4, FSBP S3.1).

One setting (in S3 Control) that overrides every bucket: with all four switches on, no
bucket policy or ACL can make a bucket or object public, whatever its own settings say.
That is also what can break: a bucket deliberately public (a static website straight
from S3, public downloads) stops answering anonymous requests. The preview lists the
buckets whose own policy AWS judges public, so the approver sees what would close.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from devops_agent.aws import aws_errors, client
from devops_agent.aws.s3.buckets import Bucket, list_buckets
from devops_agent.aws.s3.configuration import (
    PUBLIC_ACCESS_BLOCK,
    account_public_access_block,
    read_settings,
)
from devops_agent.aws.writes import Change, write_errors
from devops_agent.errors import DevOpsError
from devops_agent.operation import (
    Args,
    Command,
    Lower,
    Positional,
    Proposal,
    Reader,
    Unchanged,
    Write,
    Writers,
)

if TYPE_CHECKING:
    import boto3

__all__ = ["BLOCK_ACCOUNT_PUBLIC_ACCESS", "block_account_public_access"]

#: Buckets whose public policy the preview names at most.
_NAMED = 10


def _account(session: boto3.Session) -> str:
    with aws_errors("sts:GetCallerIdentity"):
        return str(client(session, "sts").get_caller_identity()["Account"])


def block_account_public_access(session: boto3.Session) -> Change:
    """Turn on the account's four Block Public Access switches."""
    account = _account(session)
    with write_errors("s3:PutAccountPublicAccessBlock", resource=account):
        client(session, "s3control").put_public_access_block(
            AccountId=account,
            PublicAccessBlockConfiguration=dict.fromkeys(PUBLIC_ACCESS_BLOCK, True),
        )
    return Change(
        action="s3:PutAccountPublicAccessBlock",
        resource=account,
        message=f"account {account} blocks all public access to S3",
    )


class AccountBlockArgs(Args):
    """Arguments of ``s3 account public-access block``."""

    access: Annotated[Literal["block"], Positional(), Lower] = "block"
    """block: all four account-level switches on."""


def _public_buckets(session: Any) -> list[str]:
    """Buckets whose own policy AWS judges public (what the block would close)."""
    found = []
    for bucket in list_buckets(session):
        try:
            read = read_settings(
                session, Bucket(name=bucket.name, region=bucket.region), ["policy", "policy_status"]
            )
        except DevOpsError:
            continue
        if read.policy_is_public:
            found.append(bucket.name)
    return found


def _plan(reader: Reader, args: AccountBlockArgs) -> Proposal | Unchanged:
    session = reader.session()
    account = _account(session)
    current = account_public_access_block(session, account)
    if current is not None and all(current.values()):
        return Unchanged(
            f"Account {account} already blocks all public access to S3", {"account": account}
        )
    off = [k for k in PUBLIC_ACCESS_BLOCK if not (current or {}).get(k)]
    public = _public_buckets(session)
    closing = (
        f"; these buckets are public through their policy and stop answering anonymous "
        f"requests: {', '.join(public[:_NAMED])}"
        + (f" and {len(public) - _NAMED} more" if len(public) > _NAMED else "")
        if public
        else "; no bucket is public through its policy today"
    )
    entry = BLOCK_ACCOUNT_PUBLIC_ACCESS.entry(
        args,
        f"Block all public access to S3 in account {account} "
        f"(turning on {', '.join(off)}){closing}",
        [account],
    )
    return Proposal([entry], what=f"block public access to S3 in account {account}")


def _run(writers: Writers, args: AccountBlockArgs) -> str:
    return block_account_public_access(writers.aws()).message


BLOCK_ACCOUNT_PUBLIC_ACCESS = Write(
    name="s3.block_account_public_access",
    args=AccountBlockArgs,
    summary="Plan to block all public access to S3 for the whole account.",
    service="s3",
    commands=(
        Command(
            "s3 account public-access block",
            "Plan to block all public access to S3 for the whole account (all four switches).",
        ),
    ),
    guide="Overrides every bucket: buckets deliberately public (static websites, public "
    "downloads) stop answering anonymous requests; the plan names the buckets whose "
    "policy is public today.",
    reads=(
        "sts:GetCallerIdentity",
        "s3:GetAccountPublicAccessBlock",
        "s3:ListAllMyBuckets",
        "s3:GetBucketPolicy",
        "s3:GetBucketPolicyStatus",
    ),
    actions=("s3:PutAccountPublicAccessBlock",),
    arns=("*",),  # an account setting: the action takes no resource-level permissions
    plan=_plan,
    run=_run,
)

OPERATIONS = (BLOCK_ACCOUNT_PUBLIC_ACCESS,)
