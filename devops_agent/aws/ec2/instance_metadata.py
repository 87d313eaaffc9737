"""The instance metadata service: ``ec2 imdsv2 ID...`` requires session tokens (IMDSv2).

IMDSv1 answers any request from the instance, so a server-side request forgery in an
application hands out the instance role's credentials; IMDSv2 needs a token that such a
request cannot get. ``ModifyInstanceMetadataOptions`` changes a running instance without
a restart. The executor sends ``HttpTokens=required`` and ``HttpEndpoint=enabled``: the
endpoint stays on (an instance with the endpoint off is not asked to change), and the
plan says that software still calling IMDSv1 (old SDKs and agents) stops getting
credentials.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from devops_agent.aws import InRegion, check_region, client, one_region
from devops_agent.aws.ec2.instances import InstanceIds, describe_instances
from devops_agent.aws.writes import Change, ec2_call
from devops_agent.operation import Command, Positional, Proposal, Reader, Unchanged, Write, Writers
from devops_agent.report import plural

if TYPE_CHECKING:
    import boto3

__all__ = ["REQUIRE_IMDSV2", "require_imdsv2"]


def require_imdsv2(session: boto3.Session, region: str, instance_id: str) -> Change:
    """Require session tokens (IMDSv2) on one instance; the endpoint stays enabled."""
    region = check_region(session, region)
    ec2_call(
        client(session, "ec2", region),
        "modify_instance_metadata_options",
        "ec2:ModifyInstanceMetadataOptions",
        resource=instance_id,
        region=region,
        InstanceId=instance_id,
        HttpTokens="required",
        HttpEndpoint="enabled",
    )
    return Change(
        action="ec2:ModifyInstanceMetadataOptions",
        resource=instance_id,
        message=f"{instance_id} requires IMDSv2 (session tokens)",
    )


class Imdsv2Args(InRegion):
    """Arguments of ``ec2 imdsv2``."""

    instance_ids: Annotated[InstanceIds, Positional(rest=True)]
    """The instances (i-...), all in one region, at most 50."""


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
        args.model_copy(update={"region": region, "instance_ids": ids}),
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
        require_imdsv2(session, args.region, instance_id).message
        for instance_id in args.instance_ids
    )


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
)

OPERATIONS = (REQUIRE_IMDSV2,)
