"""No security group lets the whole internet reach cleartext or Windows file-sharing ports.

Rules that open every port are left to ``ec2_securitygroup_all_ports_restricted``.
"""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit import remedies
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.audit.network import security_group_port_hits
from devops_agent.aws.ec2.security_group_cleanup import CLOSE_SECURITY_GROUP

#: Protocols that send credentials in clear text or were never meant for the internet.
LEGACY_PORTS = {
    20: "FTP data",
    21: "FTP",
    23: "Telnet",
    135: "MS RPC",
    139: "NetBIOS",
    445: "SMB",
}

META = CheckMeta(
    id="ec2_securitygroup_legacy_ports_restricted",
    service="ec2",
    title="Security groups do not allow FTP, Telnet or SMB from the internet",
    severity="high",
    risk=(
        "FTP and Telnet send passwords in clear text; SMB and MS RPC exposed to the internet "
        "are the classic worm and ransomware vectors (EternalBlue)."
    ),
    remediation=Remediation(
        text="Remove the rule; use SFTP/SSH through a private path and keep SMB inside the VPC.",
        cli=(
            "aws ec2 revoke-security-group-ingress --group-id <group-id> "
            "--protocol tcp --port <port> --cidr 0.0.0.0/0"
        ),
        terraform=(
            "# Delete the aws_vpc_security_group_ingress_rule (or ingress block) that opens\n"
            '# ports 20, 21, 23, 135, 139 or 445 with cidr_ipv4 = "0.0.0.0/0" or\n'
            '# cidr_ipv6 = "::/0"; allow them only from private ranges if at all.'
        ),
    ),
    fsbp=("EC2.19",),
    requires=("ec2.security_groups",),
    fix=Fix(
        CLOSE_SECURITY_GROUP,
        remedies.close_world_rules(LEGACY_PORTS, include_all_ports_rules=False),
        caveat="FTP, Telnet and SMB clients on the internet are cut off.",
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per group opening a legacy port (not via an all-ports rule) to the world.

    The ports are :data:`LEGACY_PORTS` over TCP: FTP, Telnet, MS RPC, NetBIOS and SMB.

    Args:
        inventory: What the audit read; this check uses each region's
            ``ec2.security_groups``. A region where they could not be read yields nothing:
            its gap is reported instead, never a pass.

    Returns:
        A hit per such group, naming the ports reached with their services, the world peers
        and the rules that open them.
    """
    return security_group_port_hits(inventory, LEGACY_PORTS, include_all_ports_rules=False)
