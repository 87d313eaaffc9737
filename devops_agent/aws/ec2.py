"""EC2: instances, AMIs, security groups and key pairs; reads as typed models, and writes.

Every function takes a boto3 session and one region, reads through paginators
(where EC2 has one), and returns models sorted by region, then name, then id.
Failures raise :class:`~devops_agent.errors.ServiceError` (AWS said no) or
:class:`~devops_agent.errors.BadInput` (the arguments were wrong).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from pydantic import Field, SecretStr

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
from devops_agent.aws.writes import Change
from devops_agent.errors import BadInput, ServiceError

if TYPE_CHECKING:
    import boto3

__all__ = [
    "INSTANCE_STATES",
    "PROTOCOLS",
    "Image",
    "Instance",
    "KeyPair",
    "NewKeyPair",
    "RuleSpec",
    "SecurityGroup",
    "SecurityGroupRule",
    "SecurityGroupUse",
    "change_instance_state",
    "change_security_group_rule",
    "check_instance_type",
    "create_key_pair",
    "create_security_group",
    "delete_key_pair",
    "delete_security_group",
    "describe_image",
    "describe_instances",
    "describe_security_group",
    "find_key_pair",
    "has_rule",
    "import_key_pair",
    "key_pair_name",
    "list_instances",
    "list_key_pairs",
    "list_security_groups",
    "public_key",
    "rule_spec",
    "run_instances",
    "security_group_use",
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


# --------------------------------------------------------------------------- more reads

#: Protocol words people type, and the IpProtocol value EC2 takes.
PROTOCOLS = {
    "tcp": "tcp",
    "udp": "udp",
    "icmp": "icmp",
    "icmpv6": "icmpv6",
    "all": "-1",
    "-1": "-1",
}
_KEY_NAME = re.compile(r"^[\x20-\x7e]{1,255}$")
_PUBLIC_KEY_TYPES = (
    "ssh-rsa",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
)


class Image(AwsModel):
    """One AMI, as DescribeImages reports it."""

    id: str
    """AMI id, ``ami-...``."""
    name: str = ""
    """AMI name."""
    state: str = ""
    """``available``, ``pending``, ``deregistered``..."""
    architecture: str = ""
    """``x86_64`` or ``arm64``."""
    owner_id: str = ""
    """Account that owns the AMI."""
    region: str
    """Region the AMI lives in."""


class SecurityGroupUse(AwsModel):
    """What keeps a security group from being deleted."""

    network_interfaces: list[str] = Field(default_factory=list)
    """Network interfaces (``eni-...``, with their instance when attached) using it."""
    referenced_by: list[str] = Field(default_factory=list)
    """Other groups whose rules name it."""


def describe_security_group(session: boto3.Session, region: str, group_id: str) -> SecurityGroup:
    """One security group with its inbound and outbound rules.

    Raises:
        BadInput: malformed id. ServiceError: no such group in the region (the
            message names it) or AWS refused (``ec2:DescribeSecurityGroups``).
    """
    from devops_agent.aws.writes import resource_id

    region = check_region(session, region)
    wanted = resource_id(group_id, "sg", "security group")
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeSecurityGroups", resource=wanted, region=region):
        raw = ec2.describe_security_groups(GroupIds=[wanted])["SecurityGroups"][0]
    return SecurityGroup(
        id=raw["GroupId"],
        name=raw.get("GroupName", ""),
        description=raw.get("Description", ""),
        vpc_id=raw.get("VpcId"),
        region=region,
        ingress=[_rule(p) for p in raw.get("IpPermissions", [])],
        egress=[_rule(p) for p in raw.get("IpPermissionsEgress", [])],
        tags=tags_of(dict(raw)),
    )


def security_group_use(session: boto3.Session, region: str, group_id: str) -> SecurityGroupUse:
    """The network interfaces and groups that use or name a security group.

    Raises:
        ServiceError: AWS refused (``ec2:DescribeNetworkInterfaces`` or
            ``ec2:DescribeSecurityGroups``).
    """
    from devops_agent.aws.writes import resource_id

    region = check_region(session, region)
    wanted = resource_id(group_id, "sg", "security group")
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeNetworkInterfaces", resource=wanted, region=region):
        interfaces = [
            eni["NetworkInterfaceId"]
            + (
                f" ({eni['Attachment']['InstanceId']})"
                if eni.get("Attachment", {}).get("InstanceId")
                else ""
            )
            for page in pages(
                ec2,
                "describe_network_interfaces",
                Filters=[{"Name": "group-id", "Values": [wanted]}],
            )
            for eni in page.get("NetworkInterfaces", [])
        ]
    with aws_errors("ec2:DescribeSecurityGroups", resource=wanted, region=region):
        referencing = sorted(
            {
                raw["GroupId"]
                for name in ("ip-permission.group-id", "egress.ip-permission.group-id")
                for page in pages(
                    ec2, "describe_security_groups", Filters=[{"Name": name, "Values": [wanted]}]
                )
                for raw in page.get("SecurityGroups", [])
                if raw["GroupId"] != wanted
            }
        )
    return SecurityGroupUse(network_interfaces=sorted(interfaces), referenced_by=referencing)


def describe_image(session: boto3.Session, region: str, image_id: str) -> Image:
    """One AMI.

    Raises:
        BadInput: malformed id. ServiceError: no such AMI in the region, or AWS refused.
    """
    from devops_agent.aws.writes import resource_id

    region = check_region(session, region)
    wanted = resource_id(image_id, "ami", "AMI")
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeImages", resource=wanted, region=region):
        found = ec2.describe_images(ImageIds=[wanted]).get("Images", [])
    if not found:
        raise ServiceError(
            f"Not found in {region}: {wanted} (no such AMI, or it is not shared with "
            "this account).",
            code="InvalidAMIID.NotFound",
            remedy="Check the AMI id and the region (--region).",
        )
    raw = found[0]
    return Image(
        id=raw["ImageId"],
        name=raw.get("Name", ""),
        state=raw.get("State", ""),
        architecture=raw.get("Architecture", ""),
        owner_id=raw.get("OwnerId", ""),
        region=region,
    )


def check_instance_type(session: boto3.Session, region: str, instance_type: str) -> str:
    """An instance type the region offers, e.g. ``t3.micro``.

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


def key_pair_name(name: str) -> str:
    """A key pair name: 1-255 printable ASCII characters.

    Raises:
        BadInput: empty, too long or not printable ASCII.
    """
    cleaned = name.strip()
    if not _KEY_NAME.match(cleaned):
        raise BadInput(f"'{name}' is not a key pair name: 1-255 printable ASCII characters.")
    return cleaned


def find_key_pair(session: boto3.Session, region: str, name: str) -> KeyPair | None:
    """The key pair called ``name``, or ``None`` when the region has none by that name."""
    wanted = key_pair_name(name)
    return next((k for k in list_key_pairs(session, region) if k.name == wanted), None)


# --------------------------------------------------------------------------- rules


class RuleSpec(AwsModel):
    """One security group rule to add or remove, as a plan records it."""

    protocol: str
    """EC2's IpProtocol: ``tcp``, ``udp``, ``icmp``, ``icmpv6`` or ``-1`` (all)."""
    from_port: int
    """First port (``-1`` for all protocols and ICMP)."""
    to_port: int
    """Last port (``-1`` for all protocols and ICMP)."""
    cidr: str | None = None
    """IPv4 or IPv6 CIDR peer."""
    source_group: str | None = None
    """Security group peer, ``sg-...``."""
    prefix_list: str | None = None
    """Managed prefix list peer, ``pl-...``."""
    description: str = ""
    """Rule description (shown in the console)."""

    @property
    def peer(self) -> str:
        """The peer, whichever kind it is."""
        return self.cidr or self.source_group or self.prefix_list or ""

    @property
    def ports(self) -> str:
        """``"443"``, ``"1024-2048"`` or ``"all"``."""
        if self.protocol == "-1" or self.from_port == -1:
            return "all"
        return (
            str(self.from_port)
            if self.from_port == self.to_port
            else f"{self.from_port}-{self.to_port}"
        )

    def summary(self) -> str:
        """``tcp 443 from 10.0.0.0/8``."""
        protocol = _PROTOCOLS.get(self.protocol, self.protocol)
        return f"{protocol} {self.ports} {self.peer}"

    def permission(self) -> dict[str, Any]:
        """The ``IpPermissions`` item EC2 takes."""
        item: dict[str, Any] = {"IpProtocol": self.protocol}
        if self.protocol != "-1":
            item["FromPort"] = self.from_port
            item["ToPort"] = self.to_port
        extra = {"Description": self.description} if self.description else {}
        if self.cidr and ":" in self.cidr:
            item["Ipv6Ranges"] = [{"CidrIpv6": self.cidr, **extra}]
        elif self.cidr:
            item["IpRanges"] = [{"CidrIp": self.cidr, **extra}]
        elif self.source_group:
            item["UserIdGroupPairs"] = [{"GroupId": self.source_group, **extra}]
        elif self.prefix_list:
            item["PrefixListIds"] = [{"PrefixListId": self.prefix_list, **extra}]
        return item


def rule_spec(
    *,
    protocol: str = "tcp",
    port: str = "",
    cidr: str = "",
    source_group: str = "",
    prefix_list: str = "",
    description: str = "",
) -> RuleSpec:
    """Validate what was typed for a security group rule.

    Args:
        protocol: ``tcp`` (default), ``udp``, ``icmp``, ``icmpv6`` or ``all``.
        port: ``443``, ``1024-2048`` or ``all``; needed for tcp and udp.
        cidr: IPv4 or IPv6 CIDR peer.
        source_group: security group peer.
        prefix_list: prefix list peer.
        description: rule description (ASCII, up to 255 characters).

    Raises:
        BadInput: unknown protocol, bad port range, not exactly one peer, bad CIDR or id.
    """
    from devops_agent.aws.writes import cidr_block, resource_id

    word = protocol.strip().lower()
    if word not in PROTOCOLS:
        raise BadInput(f"'{protocol}' is not a protocol; use tcp, udp, icmp, icmpv6 or all.")
    ip_protocol = PROTOCOLS[word]
    from_port = to_port = -1
    if ip_protocol in ("tcp", "udp"):
        text = port.strip().lower()
        if not text:
            raise BadInput(
                f"A {ip_protocol} rule needs --port, e.g. --port 443 or --port 8000-8080."
            )
        if text == "all":
            from_port, to_port = 0, 65535
        else:
            low, _, high = text.partition("-")
            if not low.isdigit() or (high and not high.isdigit()):
                raise BadInput(f"'{port}' is not a port or a range like 8000-8080.")
            from_port, to_port = int(low), int(high or low)
            if not 0 <= from_port <= to_port <= 65535:
                raise BadInput(f"'{port}' is out of range: ports go from 0 to 65535, low to high.")
    elif port.strip() and port.strip().lower() != "all":
        raise BadInput(f"--port does not apply to {word}; leave it out.")
    peers = [p for p in (cidr, source_group, prefix_list) if p.strip()]
    if len(peers) != 1:
        raise BadInput(
            "Name exactly one peer: --cidr CIDR, --source-sg sg-... or --prefix-list pl-...."
        )
    if description and (len(description) > 255 or not description.isascii()):
        raise BadInput("A rule description is at most 255 ASCII characters.")
    return RuleSpec(
        protocol=ip_protocol,
        from_port=from_port,
        to_port=to_port,
        cidr=cidr_block(cidr) if cidr.strip() else None,
        source_group=resource_id(source_group, "sg", "security group")
        if source_group.strip()
        else None,
        prefix_list=resource_id(prefix_list, "pl", "prefix list") if prefix_list.strip() else None,
        description=description,
    )


def has_rule(group: SecurityGroup, spec: RuleSpec, *, egress: bool) -> bool:
    """Whether ``group`` already has the rule ``spec`` describes."""
    protocol = _PROTOCOLS.get(spec.protocol, spec.protocol)
    rules = group.egress if egress else group.ingress
    return any(
        r.protocol == protocol
        and (protocol == "all" or (r.from_port, r.to_port) == (spec.from_port, spec.to_port))
        and spec.peer in r.sources
        for r in rules
    )


# --------------------------------------------------------------------------- writes
# Only the apply path calls these, with the write role's session.


class NewKeyPair(AwsModel):
    """A key pair just created: its private key exists only here, once."""

    change: Change
    """What was done."""
    fingerprint: str = ""
    """Fingerprint of the key (safe to show)."""
    private_key: SecretStr
    """The private key (PEM or OpenSSH); hidden from ``repr`` and dumps."""


def run_instances(
    session: boto3.Session,
    region: str,
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
) -> list[Change]:
    """Launch instances from an AMI, IMDSv2 required unless asked otherwise.

    Args:
        session: the write session of an approved plan.
        region: where to launch.
        image_id: the AMI.
        instance_type: e.g. ``t3.micro``.
        subnet_id: the subnet (its VPC's default otherwise).
        security_group_ids: groups for the primary interface.
        key_name: key pair for SSH, if any.
        tags: tags for the instances and their volumes.
        count: how many (1-10).
        imds_v2_required: require session tokens for the metadata service.
        client_token: idempotency token: a retried apply launches nothing twice.

    Returns:
        One change per instance launched.
    """
    from devops_agent.aws.writes import ec2_call, resource_id, tag_list

    region = check_region(session, region)
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
    ec2 = client(session, "ec2", region)
    answer = ec2_call(
        ec2,
        "run_instances",
        "ec2:RunInstances",
        resource=params["ImageId"],
        region=region,
        **params,
    )
    return [
        Change(
            action="ec2:RunInstances",
            resource=raw["InstanceId"],
            message=f"launched {raw['InstanceId']} ({instance_type}) from {params['ImageId']}",
        )
        for raw in answer.get("Instances", [])
    ]


def create_security_group(
    session: boto3.Session,
    region: str,
    name: str,
    description: str,
    vpc_id: str,
    tags: dict[str, str] | None = None,
) -> Change:
    """Create a security group in a VPC (with EC2's default allow-all egress rule)."""
    from devops_agent.aws.writes import ec2_call, resource_id, tag_list

    region = check_region(session, region)
    vpc = resource_id(vpc_id, "vpc", "VPC")
    params: dict[str, Any] = {"GroupName": name, "Description": description, "VpcId": vpc}
    if tags:
        params["TagSpecifications"] = [{"ResourceType": "security-group", "Tags": tag_list(tags)}]
    ec2 = client(session, "ec2", region)
    answer = ec2_call(
        ec2,
        "create_security_group",
        "ec2:CreateSecurityGroup",
        resource=name,
        region=region,
        **params,
    )
    group_id = answer["GroupId"]
    return Change(
        action="ec2:CreateSecurityGroup",
        resource=group_id,
        message=f"created security group {group_id} ({name}) in {vpc}",
    )


def delete_security_group(session: boto3.Session, region: str, group_id: str) -> Change:
    """Delete a security group (EC2 refuses while anything uses it)."""
    from devops_agent.aws.writes import delete_ec2_resource

    return delete_ec2_resource(
        session,
        region,
        group_id,
        prefix="sg",
        what="security group",
        action="ec2:DeleteSecurityGroup",
        param="GroupId",
    )


def change_security_group_rule(
    session: boto3.Session,
    region: str,
    group_id: str,
    spec: RuleSpec,
    *,
    egress: bool = False,
    revoke: bool = False,
) -> Change:
    """Authorize or revoke one inbound (or outbound) rule of a security group."""
    from devops_agent.aws.writes import ec2_call, resource_id

    region = check_region(session, region)
    wanted = resource_id(group_id, "sg", "security group")
    verb = "revoke" if revoke else "authorize"
    direction = "egress" if egress else "ingress"
    action = f"ec2:{verb.capitalize()}SecurityGroup{direction.capitalize()}"
    ec2 = client(session, "ec2", region)
    ec2_call(
        ec2,
        f"{verb}_security_group_{direction}",
        action,
        resource=wanted,
        region=region,
        GroupId=wanted,
        IpPermissions=[spec.permission()],
    )
    done = "revoked" if revoke else "authorized"
    way = "outbound" if egress else "inbound"
    return Change(
        action=action, resource=wanted, message=f"{done} {way} {spec.summary()} on {wanted}"
    )


def create_key_pair(
    session: boto3.Session,
    region: str,
    name: str,
    *,
    key_type: str = "ed25519",
    tags: dict[str, str] | None = None,
) -> NewKeyPair:
    """Create a key pair; the private key is returned once, as a :class:`SecretStr`.

    The caller must put it where it belongs (a repository secret) and nowhere else.
    """
    from devops_agent.aws.writes import ec2_call, tag_list

    region = check_region(session, region)
    wanted = key_pair_name(name)
    if key_type not in ("ed25519", "rsa"):
        raise BadInput(f"'{key_type}' is not a key type; use ed25519 or rsa.")
    params: dict[str, Any] = {"KeyName": wanted, "KeyType": key_type, "KeyFormat": "pem"}
    if tags:
        params["TagSpecifications"] = [{"ResourceType": "key-pair", "Tags": tag_list(tags)}]
    ec2 = client(session, "ec2", region)
    answer = ec2_call(
        ec2, "create_key_pair", "ec2:CreateKeyPair", resource=wanted, region=region, **params
    )
    return NewKeyPair(
        change=Change(
            action="ec2:CreateKeyPair",
            resource=answer.get("KeyPairId") or wanted,
            message=f"created key pair {wanted} ({key_type})",
        ),
        fingerprint=answer.get("KeyFingerprint", ""),
        private_key=SecretStr(answer["KeyMaterial"]),
    )


def public_key(material: str) -> str:
    """An OpenSSH public key line, checked: known type, base64 body naming that type.

    Raises:
        BadInput: a private key (never echoed), or not an OpenSSH public key.
    """
    import base64
    import binascii

    text = material.strip()
    if "PRIVATE KEY" in text:
        raise BadInput(
            "That is a private key. Import the public key (the .pub file) only; never paste "
            "a private key anywhere."
        )
    parts = text.split()
    if len(parts) < 2 or parts[0] not in _PUBLIC_KEY_TYPES:
        raise BadInput(
            "Not an OpenSSH public key: it should look like 'ssh-ed25519 AAAA... comment' "
            f"with a type of {', '.join(_PUBLIC_KEY_TYPES)}."
        )
    try:
        body = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise BadInput("The public key's body is not valid base64.") from None
    embedded = body[4 : 4 + int.from_bytes(body[:4], "big")] if len(body) > 4 else b""
    if embedded != parts[0].encode():
        raise BadInput(f"The public key's body does not hold a {parts[0]} key.")
    return " ".join(parts[:3])


def import_key_pair(
    session: boto3.Session,
    region: str,
    name: str,
    material: str,
    tags: dict[str, str] | None = None,
) -> Change:
    """Import an existing public key as a key pair (AWS never sees a private key)."""
    from devops_agent.aws.writes import ec2_call, tag_list

    region = check_region(session, region)
    wanted = key_pair_name(name)
    params: dict[str, Any] = {"KeyName": wanted, "PublicKeyMaterial": public_key(material).encode()}
    if tags:
        params["TagSpecifications"] = [{"ResourceType": "key-pair", "Tags": tag_list(tags)}]
    ec2 = client(session, "ec2", region)
    answer = ec2_call(
        ec2, "import_key_pair", "ec2:ImportKeyPair", resource=wanted, region=region, **params
    )
    return Change(
        action="ec2:ImportKeyPair",
        resource=answer.get("KeyPairId") or wanted,
        message=f"imported key pair {wanted} (fingerprint {answer.get('KeyFingerprint', '?')})",
    )


def delete_key_pair(session: boto3.Session, region: str, name: str) -> Change:
    """Delete a key pair (instances launched with it keep their authorized key)."""
    from devops_agent.aws.writes import ec2_call

    region = check_region(session, region)
    wanted = key_pair_name(name)
    ec2 = client(session, "ec2", region)
    ec2_call(
        ec2, "delete_key_pair", "ec2:DeleteKeyPair", resource=wanted, region=region, KeyName=wanted
    )
    return Change(action="ec2:DeleteKeyPair", resource=wanted, message=f"deleted key pair {wanted}")
