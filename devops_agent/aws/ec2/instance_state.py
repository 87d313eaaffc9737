"""EC2 instance state changes: starting, stopping, rebooting and terminating instances,
and ``ec2 start|stop|reboot|terminate``.

:func:`change_instance_state` is the one call that changes a state (only the apply path
makes it); the operation plans it from the instances as they are read now
(:mod:`.instances`), checks afterwards that they settled, and plans the way back (start
what a stop stopped). Launching new instances is in :mod:`.launch`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from devops_agent.aws import AwsModel, InRegion, aws_errors, check_region, client, one_region
from devops_agent.aws.ec2.instances import InstanceIds, describe_instances, validate_instance_ids
from devops_agent.aws.writes import ec2_arn, ec2_request
from devops_agent.errors import BadInput
from devops_agent.operation import (
    ApiCall,
    Command,
    InProgress,
    Lower,
    NotAsPlanned,
    PlanEntry,
    Positional,
    Proposal,
    Reader,
    Verification,
    Verified,
    Write,
    Writers,
)
from devops_agent.report import plural

if TYPE_CHECKING:
    import boto3

__all__ = [
    "STATE_ACTIONS",
    "StateChange",
    "change_instance_state",
]

#: Instance actions a plan may carry: the EC2 API call and the IAM action it needs.
STATE_ACTIONS: dict[str, tuple[str, str]] = {
    "start": ("start_instances", "ec2:StartInstances"),
    "stop": ("stop_instances", "ec2:StopInstances"),
    "reboot": ("reboot_instances", "ec2:RebootInstances"),
    "terminate": ("terminate_instances", "ec2:TerminateInstances"),
}


class StateChange(AwsModel):
    """What an instance action did to one instance."""

    id: str
    previous: str | None = None
    """State before the call (``None`` for reboot, which EC2 does not report)."""
    current: str | None = None
    """State right after the call."""


def change_instance_state(
    session: boto3.Session, region: str, ids: list[str], action: str
) -> list[StateChange]:
    """Start, stop, reboot or terminate instances. Only the apply path calls this.

    Args:
        session: the **write** session of an approved plan.
        region: the region the instances live in.
        ids: instance ids.
        action: ``start``, ``stop``, ``reboot`` or ``terminate``.

    Returns:
        One change per instance, in the order given.
    """
    if action not in STATE_ACTIONS:
        raise BadInput(f"'{action}' is not an instance action ({', '.join(STATE_ACTIONS)}).")
    method, iam_action = STATE_ACTIONS[action]
    region = check_region(session, region)
    wanted = validate_instance_ids(ids)
    ec2 = client(session, "ec2", region)
    with aws_errors(iam_action, resource=", ".join(wanted), region=region):
        answer = getattr(ec2, method)(InstanceIds=wanted)
    if action == "reboot":
        return [StateChange(id=i) for i in wanted]
    key = {"start": "StartingInstances", "stop": "StoppingInstances"}.get(
        action, "TerminatingInstances"
    )
    return [
        StateChange(
            id=item["InstanceId"],
            previous=item.get("PreviousState", {}).get("Name"),
            current=item.get("CurrentState", {}).get("Name"),
        )
        for item in answer.get(key, [])
    ]


# --------------------------------------------------------------------------- operations


StateAction = Literal["start", "stop", "reboot", "terminate"]


class InstanceStateArgs(InRegion):
    """Arguments of ``ec2 start|stop|reboot|terminate``."""

    action: Annotated[StateAction, Lower]
    """start, stop, reboot or terminate (terminate deletes the instance)."""
    instance_ids: Annotated[InstanceIds, Positional(rest=True)]
    """The instance ids (i-...), all in one region, at most 50."""


def _plan_state(reader: Reader, args: InstanceStateArgs) -> Proposal:
    region = one_region(reader, args.region, f"`ec2 {args.action}`")
    instances = describe_instances(reader.session(), region, args.instance_ids)
    names = ", ".join(f"{i.id} ({i.name})" if i.name else i.id for i in instances)
    ids = [i.id for i in instances]
    entry = INSTANCE_STATE.entry(
        args.model_copy(update={"region": region, "instance_ids": ids}),
        f"{args.action.capitalize()} {plural(len(ids), 'instance')} in {region}: {names}",
        ids,
    )
    return Proposal(
        [entry],
        what=f"{args.action} {plural(len(ids), 'EC2 instance')} in {region}",
        region=region,
    )


def _run_state(writers: Writers, args: InstanceStateArgs) -> str:
    assert args.region is not None  # the preview fixed it
    changes = change_instance_state(writers.aws(), args.region, args.instance_ids, args.action)
    if args.action == "reboot":
        return f"rebooting {', '.join(c.id for c in changes)}"
    return "; ".join(f"{c.id}: {c.previous} → {c.current}" for c in changes)


def _state_calls(args: InstanceStateArgs) -> list[ApiCall]:
    _, iam_action = STATE_ACTIONS[args.action]
    return [
        ec2_request(
            iam_action.split(":", 1)[1],
            {"InstanceIds": list(args.instance_ids)},
            region=args.region,
            resources=tuple(ec2_arn("instance", i) for i in args.instance_ids),
        )
    ]


#: Per action: the state it ends in, and the states on the way there.
_SETTLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "start": ("running", ("pending",)),
    "stop": ("stopped", ("stopping",)),
    "reboot": ("running", ("pending",)),
    "terminate": ("terminated", ("shutting-down",)),
}


def _states(reader: Reader, args: InstanceStateArgs) -> dict[str, str]:
    assert args.region is not None  # the preview fixed it
    found = describe_instances(reader.session(), args.region, args.instance_ids)
    return {i.id: i.state for i in found}


def _verify_state(reader: Reader, args: InstanceStateArgs) -> Verification:
    states = _states(reader, args)
    done, moving = _SETTLES[args.action]
    read = ", ".join(f"{i} is {states.get(i, 'gone')}" for i in args.instance_ids)
    now = [states.get(i, "gone") for i in args.instance_ids]
    if all(s == done for s in now):
        return Verified(read)
    if all(s == done or s in moving for s in now):
        ids = " ".join(args.instance_ids)
        return InProgress(read, f"`ec2 watch {ids} --until {done}`")
    return NotAsPlanned(read)


def _undo_state(reader: Reader, before: Any, args: InstanceStateArgs) -> list[PlanEntry]:
    """Start what a stop stopped, stop what a start started; a reboot has nothing to undo."""
    inverse = {"stop": ("start", ("running", "pending")), "start": ("stop", ("stopped",))}
    if args.action not in inverse or not isinstance(before, dict):
        return []
    action, was = inverse[args.action]
    ids = [i for i in args.instance_ids if before.get(i) in was]
    if not ids:
        return []
    back = args.model_copy(update={"action": action, "instance_ids": ids})
    return [
        INSTANCE_STATE.entry(
            back,
            f"Roll back: {action} {plural(len(ids), 'instance')} in {args.region} "
            f"({', '.join(ids)}), as they were before",
            ids,
        )
    ]


def _terminate_warning(args: InstanceStateArgs) -> str:
    if args.action != "terminate":
        return ""
    return (
        "terminating deletes the instances, their instance-store data and every EBS volume "
        "set to delete on termination; there is no way back"
    )


INSTANCE_STATE = Write(
    name="ec2.instance_state",
    args=InstanceStateArgs,
    summary="Start, stop, reboot or terminate EC2 instances.",
    service="ec2",
    tool="change_instance_state",
    commands=tuple(
        Command(f"ec2 {verb} ID...", f"Plan to {verb} instances.", action=verb)
        for verb in ("start", "stop", "reboot", "terminate")
    ),
    guide="Check the ids with list_instances or describe_instances first.",
    reads=("ec2:DescribeInstances",),
    actions=tuple(iam for _, iam in STATE_ACTIONS.values()),
    arns=("arn:{partition}:ec2:{region}:{account}:instance/{instance_ids}",),
    plan=_plan_state,
    run=_run_state,
    calls=_state_calls,
    verify=_verify_state,
    before=_states,
    undo=_undo_state,
    irreversible=_terminate_warning,
    examples=tuple(
        {"action": verb, "region": "us-east-1", "instance_ids": ["i-0123456789abcdef0"]}
        for verb in STATE_ACTIONS
    ),
)

OPERATIONS = (INSTANCE_STATE,)
