"""The account's Block Public Access: ``s3 account public-access block`` (CIS 2.1.4, FSBP S3.1).

One setting (in S3 Control) that overrides every bucket: with all four switches on, no
bucket policy or ACL can make a bucket or object public, whatever its own settings say.
That is also what can break: a bucket deliberately public (a static website straight
from S3, public downloads) stops answering anonymous requests. The preview lists the
buckets whose own policy AWS judges public, so the approver sees what would close.

The plan records the account and the region whose S3 Control endpoint the apply calls
(the run's default region): the apply sends exactly one ``PutPublicAccessBlock`` there,
reads the four switches back, and leaves a way back, the switches as they were (or no
setting at all), put back by ``s3.restore_account_public_access``, a step only rollback
plans carry. ``s3:PutAccountPublicAccessBlock`` takes no resource-level permissions: its
session policy names ``*``, limited to that action and that region.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator

from devops_agent.aws import aws_errors, client
from devops_agent.aws.s3.buckets import Bucket, list_buckets
from devops_agent.aws.s3.changes import send
from devops_agent.aws.s3.configuration import (
    PUBLIC_ACCESS_BLOCK,
    account_public_access_block,
    read_settings,
)
from devops_agent.aws.writes import Change
from devops_agent.errors import BadInput, DevOpsError
from devops_agent.operation import (
    ApiCall,
    Args,
    Command,
    Hidden,
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

if TYPE_CHECKING:
    import boto3

__all__ = [
    "BLOCK_ACCOUNT_PUBLIC_ACCESS",
    "RESTORE_ACCOUNT_PUBLIC_ACCESS",
    "AccountBlockArgs",
    "AccountRestoreArgs",
    "account_block_call",
    "block_account_public_access",
]

#: Buckets whose public policy the preview names at most.
_NAMED = 10


def _caller_account(session: boto3.Session) -> str:
    with aws_errors("sts:GetCallerIdentity"):
        return str(client(session, "sts").get_caller_identity()["Account"])


def account_block_call(
    account: str, region: str | None, switches: dict[str, bool] | None
) -> ApiCall:
    """The S3 Control request that sets the account's Block Public Access switches, or
    removes the setting.

    Args:
        account: The AWS account id.
        region: The region whose S3 Control endpoint gets it (``aws:RequestedRegion``).
        switches: The four switches to set; ``None`` removes the account's setting.

    Returns:
        The ``PutPublicAccessBlock`` or ``DeletePublicAccessBlock`` request (both need
        ``s3:PutAccountPublicAccessBlock``, which takes no resource-level permissions).

    Raises:
        BadInput: no account or no region: an entry no preview wrote; it is not applied.
    """
    if not account or not region:
        raise BadInput(
            "The plan does not record the account and the S3 Control region; it is not applied.",
            remedy="Ask for the change again to get a fresh plan.",
        )
    params: dict[str, Any] = {"AccountId": account}
    if switches is not None:
        params["PublicAccessBlockConfiguration"] = {k: switches[k] for k in PUBLIC_ACCESS_BLOCK}
    return ApiCall(
        service="s3control",
        operation="DeletePublicAccessBlock" if switches is None else "PutPublicAccessBlock",
        params=params,
        action="s3:PutAccountPublicAccessBlock",
        region=region or "",
        resources=("*",),
    )


def block_account_public_access(
    session: boto3.Session, account: str, region: str | None = None
) -> Change:
    """Turn on the account's four Block Public Access switches.

    Args:
        session: The **write** session of an approved plan (in ``account``: the apply
            checks that before any entry runs).
        account: The AWS account id.
        region: The region whose S3 Control endpoint gets the request.

    Returns:
        What was done: the IAM action, the account, one line for people.
    """
    call = account_block_call(account, region, dict.fromkeys(PUBLIC_ACCESS_BLOCK, True))
    send(session, call, resource=f"account {account}")
    return Change(
        action=call.action,
        resource=account,
        message=f"account {account} blocks all public access to S3",
    )


class AccountBlockArgs(Args):
    """Arguments of ``s3 account public-access block``."""

    access: Annotated[Literal["block"], Positional(), Lower] = "block"
    """block: all four account-level switches on."""
    account: Annotated[str, Hidden()] = ""
    """The account the preview read (the apply runs only in that account)."""
    control_region: Annotated[str | None, Hidden()] = None
    """The region whose S3 Control endpoint the apply calls (the run's default region)."""


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
    account = _caller_account(session)
    control = client(session, "s3control", reader.region)
    current = account_public_access_block(session, account, control=control)
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
        args.model_copy(update={"account": account, "control_region": reader.region}),
        f"Block all public access to S3 in account {account} "
        f"(turning on {', '.join(off)}){closing}",
        [account],
    )
    return Proposal(
        [entry], what=f"block public access to S3 in account {account}", region=reader.region
    )


def _account(args: AccountBlockArgs | AccountRestoreArgs) -> str:
    if not args.account:
        raise BadInput(
            "The plan does not record the account to change; it is not applied.",
            remedy="Ask for the change again to get a fresh plan.",
        )
    return args.account


def _run(writers: Writers, args: AccountBlockArgs) -> str:
    return block_account_public_access(writers.aws(), _account(args), args.control_region).message


def _switches(
    reader: Reader, args: AccountBlockArgs | AccountRestoreArgs
) -> dict[str, bool] | None:
    session = reader.session()
    control = client(session, "s3control", args.control_region)
    return account_public_access_block(session, _account(args), control=control)


def _shown(switches: dict[str, bool] | None) -> str:
    if switches is None:
        return "no account-level Block Public Access setting"
    on = [k for k, v in switches.items() if v]
    if len(on) == len(switches):
        return "all four Block Public Access settings on"
    return f"Block Public Access with {', '.join(on) or 'nothing'} on"


def _verify(reader: Reader, args: AccountBlockArgs) -> Verification:
    found = _switches(reader, args)
    read = f"account {args.account} has {_shown(found)}"
    return Verified(read) if found is not None and all(found.values()) else NotAsPlanned(read)


def _before(reader: Reader, args: AccountBlockArgs | AccountRestoreArgs) -> dict[str, Any]:
    return {"switches": _switches(reader, args)}


def _restore(
    before: Any, args: AccountBlockArgs | AccountRestoreArgs, now: dict[str, bool] | None
) -> list[PlanEntry]:
    if not isinstance(before, dict) or before.get("switches") == now:
        return []  # it was already so: nothing changed, nothing to undo
    back = AccountRestoreArgs(
        account=args.account, control_region=args.control_region, switches=before["switches"]
    )
    return [
        RESTORE_ACCOUNT_PUBLIC_ACCESS.entry(
            back,
            f"Roll back: put back {_shown(before['switches'])} in account {args.account}",
            [args.account],
        )
    ]


def _undo(reader: Reader, before: Any, args: AccountBlockArgs) -> list[PlanEntry]:
    return _restore(before, args, dict.fromkeys(PUBLIC_ACCESS_BLOCK, True))


# --------------------------------------------------------------------------- the way back


def _switch_map(value: dict[str, bool] | None) -> dict[str, bool] | None:
    if value is None:
        return None
    unknown = sorted(set(value) - set(PUBLIC_ACCESS_BLOCK))
    if unknown:
        raise BadInput(f"Not a Block Public Access setting: {', '.join(unknown)}.")
    return {k: bool(value.get(k)) for k in PUBLIC_ACCESS_BLOCK}


class AccountRestoreArgs(Args):
    """Arguments of ``s3.restore_account_public_access``: the switches as they were."""

    account: str
    """The account."""
    control_region: str | None = None
    """The region whose S3 Control endpoint the apply calls."""
    switches: Annotated[dict[str, bool] | None, AfterValidator(_switch_map)] = None
    """The four switches to put back; ``None`` removes the account's setting, as when it
    had none."""


def _only_in_rollbacks(reader: Reader, args: AccountRestoreArgs) -> Proposal:
    raise BadInput(
        "Putting the account's Block Public Access back is planned only in a rollback plan.",
        remedy="Apply the rollback plan the applied block carries.",
    )


def _restore_calls(args: AccountRestoreArgs) -> list[ApiCall]:
    return [account_block_call(args.account, args.control_region, args.switches)]


def _run_restore(writers: Writers, args: AccountRestoreArgs) -> str:
    for call in _restore_calls(args):
        send(writers.aws(), call, resource=f"account {args.account}")
    return f"account {args.account} has {_shown(args.switches)} again"


def _verify_restore(reader: Reader, args: AccountRestoreArgs) -> Verification:
    found = _switches(reader, args)
    read = f"account {args.account} has {_shown(found)}"
    return Verified(read) if found == args.switches else NotAsPlanned(read)


RESTORE_ACCOUNT_PUBLIC_ACCESS = Write(
    name="s3.restore_account_public_access",
    args=AccountRestoreArgs,
    summary="Put the account's Block Public Access back as it was (rollback plans).",
    service="s3",
    agent="Only rollback plans put the account's Block Public Access back: they carry the "
    "switches read just before the block.",
    reads=("s3:GetAccountPublicAccessBlock",),
    actions=("s3:PutAccountPublicAccessBlock",),
    arns=("*",),  # an account setting: the action takes no resource-level permissions
    plan=_only_in_rollbacks,
    run=_run_restore,
    calls=_restore_calls,
    verify=_verify_restore,
    before=_before,
    undo=lambda reader, before, args: _restore(before, args, args.switches),
    examples=(
        {
            "account": "123456789012",
            "control_region": "us-east-1",
            "switches": {"BlockPublicAcls": True, "IgnorePublicAcls": True},
        },
        {"account": "123456789012", "control_region": "us-east-1", "switches": None},
    ),
)


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
    emits=(RESTORE_ACCOUNT_PUBLIC_ACCESS,),
    plan=_plan,
    run=_run,
    calls=lambda args: [
        account_block_call(
            args.account, args.control_region, dict.fromkeys(PUBLIC_ACCESS_BLOCK, True)
        )
    ],
    verify=_verify,
    before=_before,
    undo=_undo,
    examples=({"access": "block", "account": "123456789012", "control_region": "us-east-1"},),
)


OPERATIONS = (BLOCK_ACCOUNT_PUBLIC_ACCESS, RESTORE_ACCOUNT_PUBLIC_ACCESS)
