"""EC2 security groups: their rules as typed models, what uses a group, and rule changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from devops_agent.aws import (
    AwsModel,
    aws_errors,
    check_region,
    client,
    pages,
    tags_of,
    vpc_filter,
)
from devops_agent.aws.writes import Change
from devops_agent.errors import BadInput

if TYPE_CHECKING:
    import boto3

__all__ = [
    "PROTOCOLS",
    "RuleSpec",
    "SecurityGroup",
    "SecurityGroupRule",
    "SecurityGroupUse",
    "change_security_group_rule",
    "create_security_group",
    "delete_security_group",
    "describe_security_group",
    "has_rule",
    "list_security_groups",
    "rule_spec",
    "security_group_use",
]


_PROTOCOLS = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}

#: Protocol words people type, and the IpProtocol value EC2 takes.
PROTOCOLS = {
    "tcp": "tcp",
    "udp": "udp",
    "icmp": "icmp",
    "icmpv6": "icmpv6",
    "all": "-1",
    "-1": "-1",
}


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


OPERATIONS: tuple = ()
