"""Network ACLs: the stateless rules at a subnet's edge, read as typed models.

No command lists these yet; the audit reads them (admin ports open to the world, ACLs no
subnet uses), and a future read can declare an operation over :func:`list_network_acls`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from devops_agent.aws import PROTOCOL_NAMES, AwsModel
from devops_agent.aws.describe import Describe

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_ec2 import EC2Client

__all__ = ["NaclEntry", "NetworkAcl", "list_network_acls", "network_acl_from"]


class NaclEntry(AwsModel):
    """One rule of a network ACL; rules are evaluated by number and the first match wins."""

    rule_number: int
    """Evaluation order (32767 is the catch-all deny)."""
    egress: bool
    """True for an outbound rule."""
    protocol: str
    """``all``, ``tcp``, ``udp``, ``icmp``, ``icmpv6`` or a protocol number."""
    action: str
    """``allow`` or ``deny``."""
    cidr: str
    """IPv4 or IPv6 CIDR it matches."""
    from_port: int | None = None
    """First port; ``None`` when the rule has no port range (every port)."""
    to_port: int | None = None
    """Last port."""


class NetworkAcl(AwsModel):
    """One network ACL."""

    id: str
    """ACL id, ``acl-...``."""
    vpc_id: str
    """VPC it belongs to."""
    region: str
    """Region it lives in."""
    is_default: bool = False
    """True for the VPC's default ACL (used by subnets with no other association)."""
    entries: list[NaclEntry] = Field(default_factory=list)
    """Its rules, inbound and outbound."""
    subnet_ids: list[str] = Field(default_factory=list)
    """Subnets associated with it."""


def network_acl_from(raw: Any, region: str) -> NetworkAcl:
    """The model of one raw DescribeNetworkAcls item, read in ``region``.

    Args:
        raw: One item of DescribeNetworkAcls' ``NetworkAcls``.
        region: The region it was read in.

    Returns:
        The ACL with its rules and the subnets associated with it.
    """
    return NetworkAcl(
        id=raw["NetworkAclId"],
        vpc_id=raw.get("VpcId", ""),
        region=region,
        is_default=bool(raw.get("IsDefault")),
        entries=[
            NaclEntry(
                rule_number=int(e.get("RuleNumber", 0)),
                egress=bool(e.get("Egress")),
                protocol=_protocol(e.get("Protocol")),
                action=str(e.get("RuleAction", "")).lower(),
                cidr=e.get("CidrBlock") or e.get("Ipv6CidrBlock") or "",
                from_port=(e.get("PortRange") or {}).get("From"),
                to_port=(e.get("PortRange") or {}).get("To"),
            )
            for e in raw.get("Entries", [])
        ],
        subnet_ids=[a["SubnetId"] for a in raw.get("Associations", []) if a.get("SubnetId")],
    )


_NETWORK_ACLS = Describe(
    "ec2:DescribeNetworkAcls", network_acl_from, order=lambda a: (a.vpc_id, a.id)
)
"""How a region's network ACLs are read: the call, the parser, the order."""


def _protocol(value: Any) -> str:
    text = str(value if value is not None else "-1").lower()
    return PROTOCOL_NAMES.get(text, text)


def list_network_acls(
    session: boto3.Session,
    region: str,
    *,
    page_size: int | None = None,
    ec2: EC2Client | None = None,
) -> list[NetworkAcl]:
    """Every network ACL of one region, default ones included.

    Args:
        session: credentials to read with (``ec2:DescribeNetworkAcls``).
        region: the region to read.
        page_size: ACLs per request (5-1000); the service default when ``None``.
        ec2: a client to call with (the audit passes its shared, counted one); one is
            made from ``session`` when ``None``.

    Returns:
        The ACLs, sorted by VPC then id.

    Raises:
        UnknownRegion: unknown region. ServiceError: AWS refused.
    """
    return _NETWORK_ACLS.read(session, region, ec2=ec2, page_size=page_size)
