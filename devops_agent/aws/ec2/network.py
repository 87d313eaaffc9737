"""Elastic IP addresses and network interfaces: what ties instances, load balancers and
endpoints to a network, read as typed models.

No command lists these yet; the audit reads them (an Elastic IP associated with nothing,
a security group no interface uses, a default VPC that still holds interfaces), and a
future read can declare an operation over the same functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from devops_agent.aws import AwsModel, aws_errors, check_region, client
from devops_agent.aws.describe import Describe

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_ec2 import EC2Client

__all__ = [
    "Address",
    "NetworkInterface",
    "address_from",
    "interfaces_found_by",
    "list_addresses",
    "list_network_interfaces",
    "network_interface_from",
]


class Address(AwsModel):
    """One Elastic IP address."""

    public_ip: str
    """The public IPv4 address."""
    region: str
    """Region the address is allocated in."""
    allocation_id: str | None = None
    """``eipalloc-...`` (VPC addresses)."""
    association_id: str | None = None
    """``eipassoc-...`` while it is associated."""
    instance_id: str | None = None
    """Instance it is associated with, if any."""
    network_interface_id: str | None = None
    """Network interface it is associated with, if any."""

    @property
    def associated(self) -> bool:
        """Attached to an instance or a network interface (an idle address is billed)."""
        return bool(self.association_id or self.instance_id or self.network_interface_id)


class NetworkInterface(AwsModel):
    """One elastic network interface (of an instance, load balancer, Lambda, endpoint...)."""

    id: str
    """Interface id, ``eni-...``."""
    region: str
    """Region the interface lives in."""
    vpc_id: str | None = None
    """VPC it is in."""
    subnet_id: str | None = None
    """Subnet it is in."""
    status: str = ""
    """``in-use``, ``available`` (attached to nothing), ``attaching``..."""
    interface_type: str = ""
    """``interface``, ``nat_gateway``, ``lambda``, ``vpc_endpoint``..."""
    group_ids: list[str] = Field(default_factory=list)
    """Security groups it uses."""
    instance_id: str | None = None
    """Instance it is attached to, if any."""
    description: str = ""
    """Description (AWS services say what created it here)."""


def address_from(raw: Any, region: str) -> Address:
    """The model of one raw DescribeAddresses item, read in ``region``.

    Args:
        raw: One item as boto3 returns it.
        region: The region it was read in.

    Returns:
        The address's model.
    """
    return Address(
        public_ip=raw.get("PublicIp", ""),
        region=region,
        allocation_id=raw.get("AllocationId") or None,
        association_id=raw.get("AssociationId") or None,
        instance_id=raw.get("InstanceId") or None,
        network_interface_id=raw.get("NetworkInterfaceId") or None,
    )


def list_addresses(
    session: boto3.Session, region: str, *, ec2: EC2Client | None = None
) -> list[Address]:
    """Every Elastic IP address of one region (DescribeAddresses has no pages: one call).

    Args:
        session: credentials to read with (``ec2:DescribeAddresses``).
        region: the region to read.
        ec2: a client to call with (the audit passes its shared, counted one); one is
            made from ``session`` when ``None``.

    Returns:
        The addresses, sorted by public IP.

    Raises:
        UnknownRegion: unknown region. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    ec2 = ec2 or client(session, "ec2", region)
    with aws_errors("ec2:DescribeAddresses", region=region):
        raw = ec2.describe_addresses().get("Addresses", [])
    return sorted((address_from(a, region) for a in raw), key=lambda a: a.public_ip)


def network_interface_from(raw: Any, region: str) -> NetworkInterface:
    """The model of one raw DescribeNetworkInterfaces item, read in ``region``.

    Args:
        raw: One item as boto3 returns it.
        region: The region it was read in.

    Returns:
        The interface's model.
    """
    return NetworkInterface(
        id=raw["NetworkInterfaceId"],
        region=region,
        vpc_id=raw.get("VpcId") or None,
        subnet_id=raw.get("SubnetId") or None,
        status=raw.get("Status", ""),
        interface_type=raw.get("InterfaceType", ""),
        group_ids=[g["GroupId"] for g in raw.get("Groups", []) if "GroupId" in g],
        instance_id=(raw.get("Attachment") or {}).get("InstanceId") or None,
        description=raw.get("Description", ""),
    )


_NETWORK_INTERFACES = Describe(
    "ec2:DescribeNetworkInterfaces", network_interface_from, order=lambda n: (n.vpc_id or "", n.id)
)
"""How a region's network interfaces are read: the call, the parser, the order."""


def list_network_interfaces(
    session: boto3.Session,
    region: str,
    *,
    page_size: int | None = None,
    ec2: EC2Client | None = None,
) -> list[NetworkInterface]:
    """Every network interface of one region.

    Args:
        session: credentials to read with (``ec2:DescribeNetworkInterfaces``).
        region: the region to read.
        page_size: interfaces per request (5-1000); the service default when ``None``.
        ec2: a client to call with (the audit passes its shared, counted one); one is
            made from ``session`` when ``None``.

    Returns:
        The interfaces, sorted by VPC then id.

    Raises:
        UnknownRegion: unknown region. ServiceError: AWS refused.
    """
    return _NETWORK_INTERFACES.read(session, region, ec2=ec2, page_size=page_size)


def _with_instance(raw: Any, region: str) -> str:
    instance = raw.get("Attachment", {}).get("InstanceId")
    return raw["NetworkInterfaceId"] + (f" ({instance})" if instance else "")


_IN_USE = Describe("ec2:DescribeNetworkInterfaces", _with_instance, order=str)
"""Network interfaces named with the instance each is attached to, in order."""


def interfaces_found_by(
    session: boto3.Session, region: str, name: str, value: str, *, ec2: Any = None
) -> list[str]:
    """The network interfaces one filter finds: what uses a subnet or a security group.

    Args:
        session: Credentials to read with (the read role's).
        region: The region.
        name: The filter, e.g. ``subnet-id`` or ``group-id``.
        value: What it matches, e.g. the subnet's id.
        ec2: A client to call with; one is made from ``session`` when ``None``.

    Returns:
        Each interface's id, followed by ``(i-…)`` when an instance holds it, sorted.

    Raises:
        ServiceError: AWS refused (``ec2:DescribeNetworkInterfaces``).
    """
    found = [{"Name": name, "Values": [value]}]
    return _IN_USE.read(session, region, about=value, ec2=ec2, Filters=found)
