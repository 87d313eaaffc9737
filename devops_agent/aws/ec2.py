"""EC2 reads: instances, security groups, key pairs, as typed models.

Every function takes a boto3 session and one region, reads through paginators
(where EC2 has one), and returns models sorted by region, then name, then id.
Failures raise :class:`~devops_agent.errors.ServiceError` (AWS said no) or
:class:`~devops_agent.errors.BadInput` (the arguments were wrong).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import Field

from devops_agent.aws import (
    AwsModel,
    aws_errors,
    check_region,
    client,
    pages,
    tags_of,
    utc,
    vpc_filter,
)
from devops_agent.errors import BadInput

if TYPE_CHECKING:
    import boto3

__all__ = [
    "INSTANCE_STATES",
    "Instance",
    "KeyPair",
    "SecurityGroup",
    "SecurityGroupRule",
    "describe_instances",
    "list_instances",
    "list_key_pairs",
    "list_security_groups",
    "validate_instance_ids",
]

#: The instance states EC2 knows, in lifecycle order.
INSTANCE_STATES = ("pending", "running", "shutting-down", "terminated", "stopping", "stopped")

_INSTANCE_ID = re.compile(r"^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
_PROTOCOLS = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}


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


class SecurityGroupRule(AwsModel):
    """One permission of a security group, summarised for reading."""

    protocol: str
    """``tcp``, ``udp``, ``icmp``, ``icmpv6``, ``all``, or an IP protocol number."""
    ports: str
    """``"22"``, a range ``"1024-65535"``, or ``"all"``."""
    from_port: int | None = None
    """First port (ICMP type for ICMP); ``None`` for all protocols."""
    to_port: int | None = None
    """Last port (ICMP code for ICMP); ``None`` for all protocols."""
    sources: list[str] = Field(default_factory=list)
    """Peers: IPv4/IPv6 CIDRs, security group ids and prefix list ids."""


class SecurityGroup(AwsModel):
    """One security group with its rules."""

    id: str
    """Group id, ``sg-...``."""
    name: str
    """Group name (``default`` for a VPC's default group)."""
    description: str = ""
    """Description given at creation."""
    vpc_id: str | None = None
    """VPC the group belongs to."""
    region: str
    """Region the group lives in."""
    ingress: list[SecurityGroupRule] = Field(default_factory=list)
    """Inbound rules."""
    egress: list[SecurityGroupRule] = Field(default_factory=list)
    """Outbound rules."""
    tags: dict[str, str] = Field(default_factory=dict)
    """All tags, key to value."""


class KeyPair(AwsModel):
    """One EC2 key pair (public part only; AWS never returns the private key again)."""

    name: str
    """Key pair name."""
    id: str | None = None
    """Key pair id, ``key-...``."""
    fingerprint: str | None = None
    """Fingerprint of the key."""
    type: str | None = None
    """``rsa`` or ``ed25519``."""
    created: datetime | None = None
    """When it was created or imported (UTC)."""
    region: str
    """Region the key pair lives in."""
    tags: dict[str, str] = Field(default_factory=dict)
    """All tags, key to value."""


def list_instances(
    session: boto3.Session,
    region: str,
    *,
    state: str | None = None,
    page_size: int | None = None,
) -> list[Instance]:
    """All EC2 instances in one region, optionally only those in one state.

    Args:
        session: credentials to read with.
        region: the region to read, e.g. ``"us-east-1"``.
        state: one of pending, running, shutting-down, terminated, stopping,
            stopped; ``None`` lists every state (terminated ones included while
            AWS still shows them).
        page_size: instances per request (5-1000); the service default when ``None``.

    Returns:
        The instances, sorted by name then id. Empty when the region has none.

    Raises:
        BadInput: unknown state word. UnknownRegion: unknown region.
        ServiceError: AWS refused (e.g. ``ec2:DescribeInstances`` not allowed).
    """
    region = check_region(session, region)
    filters: list[dict[str, Any]] = []
    if state is not None:
        word = state.strip().lower()
        if word not in INSTANCE_STATES:
            raise BadInput(
                f"'{state}' is not an instance state. Valid states: {', '.join(INSTANCE_STATES)}."
            )
        filters.append({"Name": "instance-state-name", "Values": [word]})
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeInstances", region=region):
        found = [
            _instance(raw, region)
            for page in pages(ec2, "describe_instances", page_size=page_size, Filters=filters)
            for reservation in page.get("Reservations", [])
            for raw in reservation.get("Instances", [])
        ]
    return sorted(found, key=_instance_key)


def validate_instance_ids(ids: list[str]) -> list[str]:
    """Normalise instance ids and reject malformed ones before any API call.

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
            _instance(raw, region)
            for page in pages(ec2, "describe_instances", InstanceIds=wanted)
            for reservation in page.get("Reservations", [])
            for raw in reservation.get("Instances", [])
        ]
    return sorted(found, key=_instance_key)


def list_security_groups(
    session: boto3.Session,
    region: str,
    vpc_id: str | None = None,
    *,
    page_size: int | None = None,
) -> list[SecurityGroup]:
    """Security groups in one region (optionally one VPC), with their rules summarised.

    Args:
        session: credentials to read with.
        region: the region to read.
        vpc_id: only groups of this VPC; all VPCs when ``None``.
        page_size: groups per request (5-1000); the service default when ``None``.

    Returns:
        The groups, sorted by VPC, name, id; each with ingress and egress rules
        as protocol, ports and sources.

    Raises:
        BadInput: malformed VPC id. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    filters = vpc_filter(vpc_id)
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeSecurityGroups", resource=vpc_id, region=region):
        groups = [
            SecurityGroup(
                id=raw["GroupId"],
                name=raw.get("GroupName", ""),
                description=raw.get("Description", ""),
                vpc_id=raw.get("VpcId"),
                region=region,
                ingress=[_rule(p) for p in raw.get("IpPermissions", [])],
                egress=[_rule(p) for p in raw.get("IpPermissionsEgress", [])],
                tags=tags_of(raw),
            )
            for page in pages(ec2, "describe_security_groups", page_size=page_size, Filters=filters)
            for raw in page.get("SecurityGroups", [])
        ]
    return sorted(groups, key=lambda g: (g.region, g.vpc_id or "", g.name, g.id))


def list_key_pairs(session: boto3.Session, region: str) -> list[KeyPair]:
    """EC2 key pairs in one region (DescribeKeyPairs returns them all in one page).

    Returns:
        The key pairs, sorted by name. Private keys are never included.

    Raises:
        ServiceError: AWS refused (``ec2:DescribeKeyPairs``).
    """
    region = check_region(session, region)
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeKeyPairs", region=region):
        raw_pairs = ec2.describe_key_pairs().get("KeyPairs", [])
    pairs = [
        KeyPair(
            name=raw.get("KeyName", ""),
            id=raw.get("KeyPairId"),
            fingerprint=raw.get("KeyFingerprint"),
            type=raw.get("KeyType"),
            created=utc(raw.get("CreateTime")),
            region=region,
            tags=tags_of(dict(raw)),
        )
        for raw in raw_pairs
    ]
    return sorted(pairs, key=lambda k: (k.region, k.name))


def _instance_key(instance: Instance) -> tuple[str, bool, str, str]:
    return (instance.region, instance.name is None, instance.name or "", instance.id)


def _instance(raw: Any, region: str) -> Instance:
    tags = tags_of(raw)
    profile = raw.get("IamInstanceProfile") or {}
    tokens = (raw.get("MetadataOptions") or {}).get("HttpTokens")
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
    )


def _rule(permission: Any) -> SecurityGroupRule:
    raw_protocol = str(permission.get("IpProtocol", "-1"))
    protocol = _PROTOCOLS.get(raw_protocol, raw_protocol)
    from_port = permission.get("FromPort")
    to_port = permission.get("ToPort")
    if protocol == "all" or from_port is None or from_port == -1:
        ports = "all"
    elif from_port == to_port or to_port is None:
        ports = str(from_port)
    else:
        ports = f"{from_port}-{to_port}"
    sources = [
        *(r["CidrIp"] for r in permission.get("IpRanges", []) if "CidrIp" in r),
        *(r["CidrIpv6"] for r in permission.get("Ipv6Ranges", []) if "CidrIpv6" in r),
        *(p["GroupId"] for p in permission.get("UserIdGroupPairs", []) if "GroupId" in p),
        *(p["PrefixListId"] for p in permission.get("PrefixListIds", []) if "PrefixListId" in p),
    ]
    return SecurityGroupRule(
        protocol=protocol,
        ports=ports,
        from_port=None if protocol == "all" else from_port,
        to_port=None if protocol == "all" else to_port,
        sources=sources,
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
