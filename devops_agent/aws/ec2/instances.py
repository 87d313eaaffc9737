"""EC2 instances, read: the model, listing and describing them, ``ec2 list`` and
``ec2 describe``.

Every function takes a boto3 session and one region and returns models sorted by
region, then name, then id. Failures raise :class:`~devops_agent.errors.ServiceError`
(AWS said no) or :class:`~devops_agent.errors.BadInput` (the arguments were wrong).
:func:`instance_from` is the one parser of a raw DescribeInstances item: the commands,
the agent and the audit read an instance through it. Starting, stopping, rebooting and
terminating are in :mod:`.instance_state`, launching in :mod:`.launch`; the AMIs
instances launch from are in :mod:`.images`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, Field

from devops_agent.aws import (
    AwsModel,
    InRegion,
    Regions,
    aws_errors,
    check_region,
    client,
    one_region,
    pages,
    regions_for,
    tags_of,
    utc,
)
from devops_agent.aws.describe import state_filter
from devops_agent.aws.listing import listing, read_regions
from devops_agent.errors import BadInput
from devops_agent.operation import Command, Lower, Positional, Read, Reader
from devops_agent.report import Result, Table, dump, plural, when

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_ec2 import EC2Client

__all__ = [
    "INSTANCE_STATES",
    "Instance",
    "describe_instances",
    "instance_from",
    "instances_by_client_token",
    "list_instances",
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

OPERATIONS = (LIST, DESCRIBE)
