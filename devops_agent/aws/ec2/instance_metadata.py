"""The instance metadata service: ``ec2 imdsv2 ID...`` requires session tokens (IMDSv2).

IMDSv1 answers any request from the instance, so a server-side request forgery in an
application hands out the instance role's credentials; IMDSv2 needs a token that such a
request cannot get. ``ModifyInstanceMetadataOptions`` changes a running instance without
a restart. The executor sends ``HttpTokens=required`` and ``HttpEndpoint=enabled``: the
endpoint stays on (an instance with the endpoint off is not asked to change), and the
plan says that software still calling IMDSv1 (old SDKs and agents) stops getting
credentials.

It is a toggle, so it has a way back: the rollback plan sends ``HttpTokens=optional`` to
the instances that allowed IMDSv1 before (the one place devops-agent allows IMDSv1 again,
and only as the inverse of its own change, approved like any plan).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from devops_agent.aws import InRegion, check_region, one_region
from devops_agent.aws.ec2.instances import InstanceIds, describe_instances
from devops_agent.aws.writes import Change, ec2_arn, ec2_request, send_ec2
from devops_agent.operation import (
    ApiCall,
    Command,
    Hidden,
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

__all__ = ["REQUIRE_IMDSV2", "Imdsv2Args", "metadata_params", "require_imdsv2"]

Tokens = Literal["required", "optional"]


def metadata_params(instance_id: str, tokens: Tokens = "required") -> dict[str, Any]:
    """The ``ModifyInstanceMetadataOptions`` parameters: what the executor sends and the
    plan shows. The metadata endpoint stays enabled either way.

    Args:
        instance_id: The instance (``i-…``).
        tokens: ``required`` (IMDSv2 only) or ``optional`` (IMDSv1 allowed again).

    Returns:
        The call's parameters, without ``DryRun``.
    """
    return {"InstanceId": instance_id, "HttpTokens": tokens, "HttpEndpoint": "enabled"}


def require_imdsv2(
    session: boto3.Session, region: str, instance_id: str, tokens: Tokens = "required"
) -> Change:
    """Require session tokens (IMDSv2) on one instance, or allow IMDSv1 again.

    Args:
        session: The write role's session.
        region: The instance's region.
        instance_id: The instance (``i-…``).
        tokens: ``required`` (the change) or ``optional`` (its rollback).

    Returns:
        What was done.

    Raises:
        ServiceError: AWS refused (``ec2:ModifyInstanceMetadataOptions``).
    """
    region = check_region(session, region)
    send_ec2(
        session,
        region,
        "ModifyInstanceMetadataOptions",
        resource=instance_id,
        **metadata_params(instance_id, tokens),
    )
    done = "requires IMDSv2 (session tokens)" if tokens == "required" else "allows IMDSv1 again"
    return Change(
        action="ec2:ModifyInstanceMetadataOptions",
        resource=instance_id,
        message=f"{instance_id} {done}",
    )


class Imdsv2Args(InRegion):
    """Arguments of ``ec2 imdsv2``."""

    instance_ids: Annotated[InstanceIds, Positional(rest=True)]
    """The instances (i-...), all in one region, at most 50."""
    http_tokens: Annotated[Tokens, Hidden()] = "required"
    """``required`` for ``ec2 imdsv2``; ``optional`` only in the rollback of one."""


def _plan(reader: Reader, args: Imdsv2Args) -> Proposal | Unchanged:
    region = one_region(reader, args.region, "`ec2 imdsv2`")
    instances = describe_instances(reader.session(), region, args.instance_ids)
    todo = [
        i
        for i in instances
        if i.state not in ("terminated", "shutting-down")
        and i.metadata_endpoint_enabled
        and not i.imds_v2_required
    ]
    if not todo:
        return Unchanged(
            f"{', '.join(i.id for i in instances)} already require IMDSv2 (or have the "
            "metadata endpoint off)",
            {"region": region},
        )
    ids = [i.id for i in todo]
    names = ", ".join(f"{i.id} ({i.name})" if i.name else i.id for i in todo)
    entry = REQUIRE_IMDSV2.entry(
        args.model_copy(update={"region": region, "instance_ids": ids, "http_tokens": "required"}),
        f"Require IMDSv2 on {plural(len(ids), 'instance')} in {region}: {names} "
        "(no restart; software still using IMDSv1 stops getting credentials)",
        ids,
    )
    return Proposal(
        [entry], what=f"require IMDSv2 on {plural(len(ids), 'instance')}", region=region
    )


def _run(writers: Writers, args: Imdsv2Args) -> str:
    assert args.region is not None  # the preview fixed it
    session = writers.aws()
    return "; ".join(
        require_imdsv2(session, args.region, instance_id, args.http_tokens).message
        for instance_id in args.instance_ids
    )


def _calls(args: Imdsv2Args) -> list[ApiCall]:
    return [
        ec2_request(
            "ModifyInstanceMetadataOptions",
            metadata_params(instance_id, args.http_tokens),
            region=args.region,
            resources=(ec2_arn("instance", instance_id),),
        )
        for instance_id in args.instance_ids
    ]


def _tokens_now(reader: Reader, args: Imdsv2Args) -> dict[str, str]:
    """Each instance's ``HttpTokens`` as read now (``unknown`` when AWS says nothing)."""
    assert args.region is not None  # the preview fixed it
    found = describe_instances(reader.session(), args.region, args.instance_ids)
    return {
        i.id: "unknown"
        if i.imds_v2_required is None
        else ("required" if i.imds_v2_required else "optional")
        for i in found
    }


def _verify(reader: Reader, args: Imdsv2Args) -> Verification:
    now = _tokens_now(reader, args)
    read = ", ".join(f"{i} has HttpTokens={now.get(i, 'gone')}" for i in args.instance_ids)
    if all(now.get(i) == args.http_tokens for i in args.instance_ids):
        return Verified(read)
    return NotAsPlanned(read)


def _undo(reader: Reader, before: Any, args: Imdsv2Args) -> list[PlanEntry]:
    """Set back ``HttpTokens`` on the instances where it was otherwise before."""
    if not isinstance(before, dict):
        return []
    back: Tokens = "optional" if args.http_tokens == "required" else "required"
    ids = [i for i in args.instance_ids if before.get(i) == back]
    if not ids:
        return []
    what = "allow IMDSv1 again" if back == "optional" else "require IMDSv2 again"
    return [
        REQUIRE_IMDSV2.entry(
            args.model_copy(update={"instance_ids": ids, "http_tokens": back}),
            f"Roll back: {what} on {plural(len(ids), 'instance')} in {args.region} "
            f"({', '.join(ids)}), as they were before",
            ids,
        )
    ]


REQUIRE_IMDSV2 = Write(
    name="ec2.require_imdsv2",
    args=Imdsv2Args,
    summary="Plan to require IMDSv2 (session tokens) on instances, without a restart.",
    service="ec2",
    commands=(
        Command(
            "ec2 imdsv2 ID...",
            "Plan to require IMDSv2 (session tokens) on instances (no restart).",
        ),
    ),
    guide="Instances already requiring tokens, or with the metadata endpoint off, are left "
    "out. Software on the instance still using IMDSv1 (very old SDKs and agents) stops "
    "getting credentials: say so when proposing it.",
    reads=("ec2:DescribeInstances",),
    actions=("ec2:ModifyInstanceMetadataOptions",),
    arns=("arn:{partition}:ec2:{region}:{account}:instance/{instance_ids}",),
    plan=_plan,
    run=_run,
    calls=_calls,
    verify=_verify,
    before=_tokens_now,
    undo=_undo,
    examples=tuple(
        {
            "region": "us-east-1",
            "instance_ids": ["i-0123456789abcdef0", "i-0fedcba9876543210"],
            "http_tokens": tokens,
        }
        for tokens in ("required", "optional")
    ),
)

OPERATIONS = (REQUIRE_IMDSV2,)
