"""EC2 instances: reads as typed models, state changes and launches.

Every function takes a boto3 session and one region and returns models sorted by
region, then name, then id. Failures raise :class:`~devops_agent.errors.ServiceError`
(AWS said no) or :class:`~devops_agent.errors.BadInput` (the arguments were wrong).
:func:`instance_from` is the one parser of a raw DescribeInstances item: the commands,
the agent and the audit read an instance through it. The AMIs instances launch from
are in :mod:`.images`.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from botocore.exceptions import ClientError
from pydantic import AfterValidator, Field

from devops_agent.aws import (
    AwsModel,
    InRegion,
    Regions,
    aws_errors,
    check_region,
    client,
    named,
    one_region,
    pages,
    regions_for,
    tags_of,
    utc,
    vpc,
)
from devops_agent.aws.describe import state_filter
from devops_agent.aws.ec2.images import describe_image
from devops_agent.aws.ec2.key_pairs import find_key_pair, key_pair_name
from devops_agent.aws.ec2.security_groups import describe_security_group
from devops_agent.aws.listing import listing, read_regions
from devops_agent.aws.writes import (
    Change,
    Tags,
    ec2_arn,
    ec2_request,
    resource_id,
    send_ec2,
    tag_list,
    tag_map,
)
from devops_agent.errors import BadInput
from devops_agent.operation import (
    ApiCall,
    Command,
    Grant,
    Hidden,
    InProgress,
    Lower,
    NotAsPlanned,
    Option,
    PlanEntry,
    Positional,
    Proposal,
    Read,
    Reader,
    Verification,
    Verified,
    Write,
    Writers,
)
from devops_agent.report import Result, Table, dump, plural, when

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_ec2 import EC2Client

__all__ = [
    "INSTANCE_STATES",
    "STATE_ACTIONS",
    "Instance",
    "RunInstancesArgs",
    "StateChange",
    "change_instance_state",
    "check_instance_type",
    "describe_instances",
    "instance_from",
    "instances_by_client_token",
    "launch_params",
    "list_instances",
    "run_instances",
    "validate_instance_ids",
]

#: The instance states EC2 knows, in lifecycle order.
INSTANCE_STATES = ("pending", "running", "shutting-down", "terminated", "stopping", "stopped")

_INSTANCE_ID = re.compile(r"^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$")


class Instance(AwsModel):
    """One EC2 instance, as DescribeInstances reports it."""

    id: str
    """Instance id, ``i-`` followed by 8 or 17 hex digits."""
    name: str | None = None
    """Value of the ``Name`` tag; ``None`` when untagged."""
    state: str
    """Lifecycle state: pending, running, shutting-down, terminated, stopping or stopped."""
    type: str
    """Instance type, e.g. ``t3.micro``."""
    region: str
    """Region the instance lives in."""
    availability_zone: str | None = None
    """Availability zone, e.g. ``us-east-1a``."""
    private_ip: str | None = None
    """Primary private IPv4 address."""
    public_ip: str | None = None
    """Public IPv4 address; ``None`` when it has none (or is stopped)."""
    vpc_id: str | None = None
    """VPC the instance runs in."""
    subnet_id: str | None = None
    """Subnet the instance runs in."""
    launch_time: datetime
    """When the instance was last launched (UTC)."""
    tags: dict[str, str] = Field(default_factory=dict)
    """All tags, key to value."""
    image_id: str | None = None
    """AMI the instance was launched from."""
    key_name: str | None = None
    """Key pair name for SSH, if any."""
    security_group_ids: list[str] = Field(default_factory=list)
    """Security groups attached to the primary interface."""
    iam_instance_profile_arn: str | None = None
    """Instance profile (and so the role) the instance runs with."""
    imds_v2_required: bool | None = None
    """True when the metadata service requires session tokens (IMDSv2 only)."""
    metadata_endpoint_enabled: bool = True
    """False when the instance metadata endpoint is turned off altogether (then neither
    IMDSv1 nor IMDSv2 answers)."""
    state_changed: datetime | None = None
    """When a user last stopped or terminated it (UTC, from StateTransitionReason);
    ``None`` when AWS does not say."""


def list_instances(
    session: boto3.Session,
    region: str,
    *,
    state: str | None = None,
    page_size: int | None = None,
    ec2: EC2Client | None = None,
) -> list[Instance]:
    """All EC2 instances in one region, optionally only those in one state.

    Args:
        session: credentials to read with.
        region: the region to read, e.g. ``"us-east-1"``.
        state: one of pending, running, shutting-down, terminated, stopping,
            stopped; ``None`` lists every state (terminated ones included while
            AWS still shows them).
        page_size: instances per request (5-1000); the service default when ``None``.
        ec2: a client to call with (the audit passes its shared, counted one); one is
            made from ``session`` when ``None``.

    Returns:
        The instances, sorted by name then id. Empty when the region has none.

    Raises:
        BadInput: unknown state word. UnknownRegion: unknown region.
        ServiceError: AWS refused (e.g. ``ec2:DescribeInstances`` not allowed).
    """
    region = check_region(session, region)
    filters = state_filter(state, INSTANCE_STATES, "an instance", "instance-state-name")
    ec2 = ec2 or client(session, "ec2", region)
    with aws_errors("ec2:DescribeInstances", region=region):
        found = [
            instance_from(raw, region)
            for page in pages(ec2, "describe_instances", page_size=page_size, Filters=filters)
            for reservation in page.get("Reservations", [])
            for raw in reservation.get("Instances", [])
        ]
    return sorted(found, key=_instance_key)


def validate_instance_ids(ids: list[str]) -> list[str]:
    """Normalise instance ids and reject malformed ones before any API call.

    Args:
        ids: What was typed.

    Returns:
        The ids, lower-cased, without duplicates, in the order given.

    Raises:
        BadInput: no ids, or an id that is not ``i-`` plus 8 or 17 hex digits.
    """
    cleaned = list(dict.fromkeys(i.strip().lower() for i in ids if i.strip()))
    if not cleaned:
        raise BadInput("Give at least one instance id, e.g. i-0123456789abcdef0.")
    bad = [i for i in cleaned if not _INSTANCE_ID.match(i)]
    if bad:
        raise BadInput(
            f"Not an instance id: {', '.join(bad)}. Instance ids look like "
            "i-0123456789abcdef0 (i- followed by 8 or 17 hex digits)."
        )
    return cleaned


def describe_instances(session: boto3.Session, region: str, ids: list[str]) -> list[Instance]:
    """The named EC2 instances in one region, in full.

    Args:
        session: credentials to read with.
        region: the region the instances live in.
        ids: instance ids, e.g. ``["i-0123456789abcdef0"]``.

    Returns:
        One model per id, sorted by name then id.

    Raises:
        BadInput: an id is malformed (checked before calling AWS).
        ServiceError: an id does not exist in that region (``InvalidInstanceID.NotFound``,
            the message names it) or AWS refused.
    """
    region = check_region(session, region)
    wanted = validate_instance_ids(ids)
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeInstances", resource=", ".join(wanted), region=region):
        found = [
            instance_from(raw, region)
            for page in pages(ec2, "describe_instances", InstanceIds=wanted)
            for reservation in page.get("Reservations", [])
            for raw in reservation.get("Instances", [])
        ]
    return sorted(found, key=_instance_key)


def _instance_key(instance: Instance) -> tuple[str, bool, str, str]:
    return (instance.region, instance.name is None, instance.name or "", instance.id)


#: "User initiated (2019-01-01 00:00:00 GMT)": when a user stopped or terminated it.
_STATE_CHANGED = re.compile(r"\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (?:GMT|UTC)\)")


def instance_from(raw: Any, region: str) -> Instance:
    """The model of one raw DescribeInstances item (from a reservation), read in ``region``.

    Args:
        raw: One item as boto3 returns it.
        region: The region it was read in.

    Returns:
        The instance's model.
    """
    tags = tags_of(raw)
    profile = raw.get("IamInstanceProfile") or {}
    metadata = raw.get("MetadataOptions") or {}
    tokens = metadata.get("HttpTokens")
    changed = _STATE_CHANGED.search(raw.get("StateTransitionReason") or "")
    return Instance(
        id=raw["InstanceId"],
        name=tags.get("Name") or None,
        state=raw.get("State", {}).get("Name", "unknown"),
        type=raw.get("InstanceType", ""),
        region=region,
        availability_zone=(raw.get("Placement") or {}).get("AvailabilityZone"),
        private_ip=raw.get("PrivateIpAddress") or None,
        public_ip=raw.get("PublicIpAddress") or None,
        vpc_id=raw.get("VpcId") or None,
        subnet_id=raw.get("SubnetId") or None,
        launch_time=utc(raw["LaunchTime"]),
        tags=tags,
        image_id=raw.get("ImageId"),
        key_name=raw.get("KeyName"),
        security_group_ids=[g["GroupId"] for g in raw.get("SecurityGroups", []) if "GroupId" in g],
        iam_instance_profile_arn=profile.get("Arn"),
        imds_v2_required=None if tokens is None else tokens == "required",
        metadata_endpoint_enabled=metadata.get("HttpEndpoint", "enabled") != "disabled",
        state_changed=(
            datetime.strptime(changed.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
            if changed
            else None
        ),
    )


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


def check_instance_type(session: boto3.Session, region: str, instance_type: str) -> str:
    """An instance type the region offers, e.g. ``t3.micro``.

    Args:
        session: Credentials to read with (``ec2:DescribeInstanceTypes``).
        region: The region.
        instance_type: What was typed, e.g. ``t3.micro``.

    Returns:
        The type, lower-cased.

    Raises:
        BadInput: malformed, or the region has no such type.
        ServiceError: AWS refused (``ec2:DescribeInstanceTypes``).
    """
    region = check_region(session, region)
    wanted = instance_type.strip().lower()
    if not re.fullmatch(r"[a-z0-9-]+\.[a-z0-9-]+", wanted):
        raise BadInput(f"'{instance_type}' is not an instance type; they look like t3.micro.")
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeInstanceTypes", resource=wanted, region=region):
        try:
            found = ec2.describe_instance_types(InstanceTypes=[wanted])  # type: ignore[list-item]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "InvalidInstanceType":
                raise BadInput(f"{region} has no instance type '{instance_type}'.") from None
            raise
    if not found.get("InstanceTypes"):
        raise BadInput(f"{region} has no instance type '{instance_type}'.")
    return wanted


def launch_params(
    *,
    image_id: str,
    instance_type: str,
    subnet_id: str | None = None,
    security_group_ids: list[str] | None = None,
    key_name: str | None = None,
    tags: dict[str, str] | None = None,
    count: int = 1,
    imds_v2_required: bool = True,
    client_token: str | None = None,
) -> dict[str, Any]:
    """The RunInstances parameters of a launch: what the executor sends and the plan shows.

    Args:
        image_id: The AMI (``ami-…``).
        instance_type: The instance type, checked already.
        subnet_id: The subnet; ``None`` for the default VPC's.
        security_group_ids: The groups; ``None`` for the VPC's default group.
        key_name: The key pair; ``None`` for none.
        tags: Tags for the instances and their volumes.
        count: How many instances, 1 to 10.
        imds_v2_required: Require IMDSv2 session tokens (``HttpTokens=required``).
        client_token: The idempotency token, so that a retried launch launches nothing twice.

    Returns:
        The call's parameters, without ``DryRun``.

    Raises:
        BadInput: a count outside 1-10, or a malformed id.
    """
    if not 1 <= count <= 10:
        raise BadInput(f"--count must be between 1 and 10, not {count}.")
    params: dict[str, Any] = {
        "ImageId": resource_id(image_id, "ami", "AMI"),
        "InstanceType": instance_type,
        "MinCount": count,
        "MaxCount": count,
        "MetadataOptions": {
            "HttpTokens": "required" if imds_v2_required else "optional",
            "HttpEndpoint": "enabled",
        },
    }
    if subnet_id:
        params["SubnetId"] = resource_id(subnet_id, "subnet", "subnet")
    if security_group_ids:
        params["SecurityGroupIds"] = [
            resource_id(g, "sg", "security group") for g in security_group_ids
        ]
    if key_name:
        params["KeyName"] = key_pair_name(key_name)
    if tags:
        params["TagSpecifications"] = [
            {"ResourceType": kind, "Tags": tag_list(tags)} for kind in ("instance", "volume")
        ]
    if client_token:
        params["ClientToken"] = client_token
    return params


def run_instances(session: boto3.Session, region: str, **launch: Any) -> list[Change]:
    """Launch instances from an AMI, IMDSv2 required unless asked otherwise.

    Args:
        session: the write session of an approved plan.
        region: where to launch.
        **launch: :func:`launch_params`'s arguments (the AMI, type, subnet, groups, key
            pair, tags, count, IMDSv2, and the idempotency token that keeps a retried
            apply from launching twice).

    Returns:
        One change per instance launched.
    """
    region = check_region(session, region)
    params = launch_params(**launch)
    answer = send_ec2(session, region, "RunInstances", resource=params["ImageId"], **params)
    return [
        Change(
            action="ec2:RunInstances",
            resource=raw["InstanceId"],
            message=f"launched {raw['InstanceId']} ({params['InstanceType']}) from "
            f"{params['ImageId']}",
        )
        for raw in answer.get("Instances", [])
    ]


def instances_by_client_token(session: boto3.Session, region: str, token: str) -> list[Instance]:
    """The instances one launch made, found by its idempotency token.

    Every instance of the region is read (DescribeInstances' ``client-token`` filter is
    not answered by every stand-in), and those whose ``ClientToken`` matches are kept.

    Args:
        session: Credentials to read with (``ec2:DescribeInstances``).
        region: The region.
        token: The launch's idempotency token (``ClientToken``).

    Returns:
        The instances that launch made, sorted; empty when there are none.
    """
    region = check_region(session, region)
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeInstances", region=region):
        found = [
            instance_from(raw, region)
            for page in pages(ec2, "describe_instances")
            for reservation in page.get("Reservations", [])
            for raw in reservation.get("Instances", [])
            if token and raw.get("ClientToken") == token
        ]
    return sorted(found, key=_instance_key)


# --------------------------------------------------------------------------- operations

InstanceState = Literal["pending", "running", "shutting-down", "terminated", "stopping", "stopped"]
InstanceIds = Annotated[
    list[str], Field(min_length=1, max_length=50), AfterValidator(validate_instance_ids)
]


class ListInstancesArgs(Regions):
    """Arguments of ``ec2 list``."""

    state: Annotated[InstanceState | None, Lower] = None
    """Only instances in this state; null for every state."""


def _list(reader: Reader, args: ListInstancesArgs) -> list[Instance]:
    return read_regions(reader, args.region, lambda s, r: list_instances(s, r, state=args.state))


def _list_table(reader: Reader, args: ListInstancesArgs, instances: list[Instance]) -> Result:
    regions = regions_for(reader, args.region)
    which = f"{args.state} " if args.state else ""
    rows = [
        [
            i.id,
            i.name or "",
            i.state,
            i.type,
            i.availability_zone or i.region,
            i.private_ip or "",
            i.public_ip or "",
            when(i.launch_time),
        ]
        for i in instances
    ]
    columns = ["Instance", "Name", "State", "Type", "Zone", "Private IP", "Public IP"]
    return listing(
        regions,
        instances,
        what=which + "EC2 instance",
        key="instances",
        columns=[*columns, "Launched"],
        rows=rows,
        empty=f"No {which}instances in {', '.join(regions)}.",
    )


LIST = Read(
    name="ec2.list_instances",
    args=ListInstancesArgs,
    summary="EC2 instances (every state unless --state).",
    service="ec2",
    commands=(Command("ec2 list [--state S]", "EC2 instances (every state unless --state)."),),
    guide="List EC2 instances with id, Name tag, state, type, zone, IPs, VPC, subnet, security "
    'groups, key pair, instance profile, IMDSv2 setting and tags. Use it for "what is '
    'running", "which instances…" questions; for a few known ids describe_instances is '
    "cheaper. At most 200 instances are returned.",
    actions=("ec2:DescribeInstances",),
    read=_list,
    render=_list_table,
)


class DescribeInstancesArgs(InRegion):
    """Arguments of ``ec2 describe``."""

    instance_ids: Annotated[InstanceIds, Positional(rest=True)]
    """The instance ids (i- followed by 8 or 17 hex digits), at most 50, in one region."""


def _describe(reader: Reader, args: DescribeInstancesArgs) -> list[Instance]:
    region = one_region(reader, args.region, "`ec2 describe`")
    return describe_instances(reader.session(), region, args.instance_ids)


def _describe_table(
    reader: Reader, args: DescribeInstancesArgs, instances: list[Instance]
) -> Result:
    region = one_region(reader, args.region, "`ec2 describe`")
    rows = [
        [
            i.id,
            i.name or "",
            i.state,
            i.type,
            i.availability_zone or "",
            i.vpc_id or "",
            i.subnet_id or "",
            i.private_ip or "",
            i.public_ip or "",
            i.image_id or "",
            i.key_name or "",
            ", ".join(i.security_group_ids),
            ", ".join(f"{k}={v}" for k, v in sorted(i.tags.items())),
        ]
        for i in instances
    ]
    columns = ["Instance", "Name", "State", "Type", "Zone", "VPC", "Subnet", "Private IP"]
    columns += ["Public IP", "AMI", "Key pair", "Security groups", "Tags"]
    return Result(
        title=f"{plural(len(instances), 'EC2 instance')} in {region}",
        tables=[Table(columns=columns, rows=rows)],
        data={"region": region, "instances": dump(instances)},
    )


DESCRIBE = Read(
    name="ec2.describe_instances",
    args=DescribeInstancesArgs,
    summary="Details of instances.",
    service="ec2",
    commands=(Command("ec2 describe ID...", "Details of instances."),),
    guide="Full details of specific EC2 instances by id. Fails with "
    "InvalidInstanceID.NotFound when an id does not exist in that region.",
    actions=("ec2:DescribeInstances",),
    read=_describe,
    render=_describe_table,
)


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


def _ami_id(value: str) -> str:
    return resource_id(value, "ami", "AMI")


def _subnet_id(value: str | None) -> str | None:
    return None if value is None or not value.strip() else resource_id(value, "subnet", "subnet")


def _group_ids(values: list[str]) -> list[str]:
    return list(dict.fromkeys(resource_id(v, "sg", "security group") for v in values))


def _key_name(value: str | None) -> str | None:
    return None if value is None or not value.strip() else key_pair_name(value)


class RunInstancesArgs(InRegion):
    """Arguments of ``ec2 create``."""

    image_id: Annotated[str, Positional(), AfterValidator(_ami_id)]
    """The AMI to launch from (ami-...)."""
    instance_type: Annotated[str, Option("--type")]
    """The instance type, e.g. t3.micro."""
    subnet_id: Annotated[str | None, Option("--subnet"), AfterValidator(_subnet_id)] = None
    """The subnet to launch in (subnet-...); null for the default VPC."""
    security_group_ids: Annotated[
        list[str], Option("--sg"), Field(max_length=5), AfterValidator(_group_ids)
    ] = Field(default_factory=list)
    """Security groups (sg-...) in the subnet's VPC; empty for the VPC's default group."""
    key_name: Annotated[str | None, Option("--key"), AfterValidator(_key_name)] = None
    """An existing key pair for SSH; null for none."""
    name: str | None = None
    """The Name tag of the instances; null for none."""
    tags: Tags
    """More tags for the instances and their volumes, key to value."""
    count: Annotated[int, Field(ge=1, le=10)] = 1
    """How many instances to launch, 1 to 10."""
    allow_imdsv1: bool = False
    """True to let the metadata service answer without session tokens (IMDSv1); the
    default requires IMDSv2 tokens."""
    client_token: Annotated[str, Hidden()] = ""
    """Idempotency token (the preview sets it): a retried apply launches nothing twice."""


def _plan_create(reader: Reader, args: RunInstancesArgs) -> Proposal:
    region = one_region(reader, args.region, "`ec2 create`")
    session = reader.session()
    with named():
        image = describe_image(session, region, args.image_id)
        instance_type = check_instance_type(session, region, args.instance_type)
        subnet = vpc.describe_subnet(session, region, args.subnet_id) if args.subnet_id else None
        groups = [describe_security_group(session, region, g) for g in args.security_group_ids]
    if image.state and image.state != "available":
        raise BadInput(f"{image.id} is {image.state}; only an available AMI can be launched.")
    for group in groups:
        if subnet is not None and group.vpc_id != subnet.vpc_id:
            raise BadInput(
                f"{group.id} ({group.name}) is in {group.vpc_id}, but {subnet.id} is in "
                f"{subnet.vpc_id}; security groups must be in the subnet's VPC."
            )
    key = args.key_name
    if key and find_key_pair(session, region, key) is None:
        raise BadInput(f"There is no key pair '{key}' in {region}; see `ec2 keypairs`.")
    tags = dict(args.tags)
    if args.name:
        tags["Name"] = args.name
    imds_v2 = not args.allow_imdsv1
    placed = f"{subnet.id} ({subnet.vpc_id})" if subnet else "the default VPC"
    description = (
        f"Launch {plural(args.count, instance_type + ' instance')} from {image.id}"
        + (f" ({image.name})" if image.name else "")
        + f" in {placed}"
        + (f", security groups {', '.join(g.id for g in groups)}" if groups else "")
        + (f", key pair {key}" if key else "")
        + ("; IMDSv2 required" if imds_v2 else "; IMDSv1 allowed")
    )
    entry = RUN_INSTANCES.entry(
        args.model_copy(
            update={
                "region": region,
                "image_id": image.id,
                "instance_type": instance_type,
                "subnet_id": subnet.id if subnet else None,
                "security_group_ids": [g.id for g in groups],
                "name": None,
                "tags": tag_map(tags),
                "client_token": uuid.uuid4().hex,
            }
        ),
        description,
        [image.id, *([subnet.id] if subnet else []), *(g.id for g in groups)],
    )
    return Proposal([entry], what=f"launch {plural(args.count, 'EC2 instance')}", region=region)


def _launch(args: RunInstancesArgs) -> dict[str, Any]:
    """:func:`launch_params`'s arguments for a planned launch (executor and plan alike)."""
    tags = dict(args.tags)
    if args.name:  # an entry written without the preview
        tags["Name"] = args.name
    return {
        "image_id": args.image_id,
        "instance_type": args.instance_type,
        "subnet_id": args.subnet_id,
        "security_group_ids": args.security_group_ids,
        "key_name": args.key_name,
        "tags": tags,
        "count": args.count,
        "imds_v2_required": not args.allow_imdsv1,
        "client_token": args.client_token or None,
    }


def _run_create(writers: Writers, args: RunInstancesArgs) -> str:
    assert args.region is not None  # the preview fixed it
    changes = run_instances(writers.aws(), args.region, **_launch(args))
    return "; ".join(c.message for c in changes)


def _create_calls(args: RunInstancesArgs) -> list[ApiCall]:
    params = launch_params(**_launch(args))
    created = tuple(ec2_arn(kind, "*") for kind in ("instance", "volume", "network-interface"))
    uses = [
        ec2_arn("image", params["ImageId"], account=False),
        ec2_arn("subnet", params.get("SubnetId", "*")),
        *(ec2_arn("security-group", g) for g in params.get("SecurityGroupIds", ["*"])),
    ]
    if args.key_name:
        uses.append(ec2_arn("key-pair", params["KeyName"]))
    extra = ()
    if "TagSpecifications" in params:
        extra = (
            Grant(
                action="ec2:CreateTags",
                resources=(ec2_arn("instance", "*"), ec2_arn("volume", "*")),
                conditions={"StringEquals": {"ec2:CreateAction": ["RunInstances"]}},
            ),
        )
    return [
        ec2_request(
            "RunInstances",
            params,
            region=args.region,
            resources=created,
            uses=tuple(uses),
            extra=extra,
        )
    ]


def _launched(reader: Reader, args: RunInstancesArgs) -> list[Instance]:
    assert args.region is not None  # the preview fixed it
    return instances_by_client_token(reader.session(), args.region, args.client_token)


def _verify_create(reader: Reader, args: RunInstancesArgs) -> Verification:
    found = _launched(reader, args)
    read = ", ".join(f"{i.id} is {i.state}" for i in found) or "no instance of this launch"
    if len(found) != args.count:
        return NotAsPlanned(f"{len(found)} of {args.count} instances found: {read}")
    if all(i.state == "running" for i in found):
        return Verified(read)
    if all(i.state in ("pending", "running") for i in found):
        ids = " ".join(i.id for i in found)
        return InProgress(read, f"`ec2 watch {ids} --until running`")
    return NotAsPlanned(read)


def _undo_create(reader: Reader, before: Any, args: RunInstancesArgs) -> list[PlanEntry]:
    ids = [i.id for i in _launched(reader, args) if i.state not in ("terminated",)]
    if not ids:
        return []
    back = InstanceStateArgs(action="terminate", region=args.region, instance_ids=ids)
    return [
        INSTANCE_STATE.entry(
            back,
            f"Roll back the launch: terminate {plural(len(ids), 'instance')} in {args.region} "
            f"({', '.join(ids)})",
            ids,
        )
    ]


RUN_INSTANCES = Write(
    name="ec2.run_instances",
    args=RunInstancesArgs,
    summary="Plan to launch instances (IMDSv2 required unless --allow-imdsv1).",
    service="ec2",
    commands=(
        Command(
            "ec2 create AMI_ID --type TYPE [--subnet ID] [--sg ID,...] [--key NAME] [--name N] "
            "[--tag K=V,...] [--count N] [--allow-imdsv1]",
            "Plan to launch instances (IMDSv2 required unless --allow-imdsv1).",
        ),
    ),
    guide="Launches from an AMI into a subnet (the default VPC otherwise); the security "
    "groups must be in the subnet's VPC and the key pair must exist. The metadata service "
    "requires IMDSv2 tokens unless allow_imdsv1 is true. The plan carries an idempotency "
    "token, so a retried apply launches nothing twice.",
    reads=(
        "ec2:DescribeImages",
        "ec2:DescribeInstanceTypes",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeKeyPairs",
    ),
    actions=("ec2:RunInstances", "ec2:CreateTags"),
    arns=(
        "arn:{partition}:ec2:{region}:{account}:instance/*",
        "arn:{partition}:ec2:{region}:{account}:volume/*",
        "arn:{partition}:ec2:{region}:{account}:network-interface/*",
        "arn:{partition}:ec2:{region}::image/{image_id}",
        "arn:{partition}:ec2:{region}:{account}:subnet/*",
        "arn:{partition}:ec2:{region}:{account}:security-group/*",
        "arn:{partition}:ec2:{region}:{account}:key-pair/{key_name}",
    ),
    plan=_plan_create,
    run=_run_create,
    calls=_create_calls,
    verify=_verify_create,
    undo=_undo_create,
    examples=(
        {
            "region": "us-east-1",
            "image_id": "ami-0123456789abcdef0",
            "instance_type": "t3.micro",
            "subnet_id": "subnet-0123456789abcdef0",
            "security_group_ids": ["sg-0123456789abcdef0"],
            "key_name": "deploy",
            "name": None,
            "tags": {"Name": "web-3", "team": "web"},
            "count": 1,
            "allow_imdsv1": False,
            "client_token": "0123456789abcdef0123456789abcdef",
        },
    ),
)

OPERATIONS = (LIST, DESCRIBE, RUN_INSTANCES, INSTANCE_STATE)
