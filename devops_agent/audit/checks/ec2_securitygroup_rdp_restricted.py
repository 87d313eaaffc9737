"""No security group lets the whole internet reach RDP (3389)."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit import remedies
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.audit.network import security_group_port_hits
from devops_agent.aws.ec2.security_group_cleanup import CLOSE_SECURITY_GROUP

META = CheckMeta(
    id="ec2_securitygroup_rdp_restricted",
    service="ec2",
    title="Security groups do not allow RDP (3389) from the internet",
    severity="high",
    risk=(
        "Remote Desktop exposed to the internet is a favourite ransomware entry point: "
        "password spraying and RDP vulnerabilities give interactive access to Windows hosts."
    ),
    remediation=Remediation(
        text=(
            "Remove the world-open rule; use Fleet Manager / Session Manager port forwarding, "
            "a VPN, or a rule limited to known address ranges."
        ),
        cli=(
            "aws ec2 revoke-security-group-ingress --group-id <group-id> "
            "--protocol tcp --port 3389 --cidr 0.0.0.0/0\n"
            "aws ec2 revoke-security-group-ingress --group-id <group-id> "
            "--ip-permissions "
            "'IpProtocol=tcp,FromPort=3389,ToPort=3389,Ipv6Ranges=[{CidrIpv6=::/0}]'"
        ),
        terraform=(
            'resource "aws_vpc_security_group_ingress_rule" "rdp" {\n'
            "  security_group_id = aws_security_group.this.id\n"
            '  ip_protocol       = "tcp"\n'
            "  from_port         = 3389\n"
            "  to_port           = 3389\n"
            '  cidr_ipv4         = "10.0.0.0/8" # a known range, never 0.0.0.0/0\n'
            "}"
        ),
    ),
    cis=("5.2", "5.3"),
    fsbp=("EC2.14", "EC2.53", "EC2.54"),
    requires=("ec2.security_groups",),
    fix=Fix(
        CLOSE_SECURITY_GROUP,
        remedies.close_world_rules([3389], protocols=("tcp", "udp")),
        caveat="RDP from the internet stops; use Fleet Manager or a VPN.",
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per group with an ingress rule opening 3389 (TCP or UDP) to the world.

    All-traffic and all-ports rules count too.

    Args:
        inventory: What the audit read; this check uses each region's
            ``ec2.security_groups``. A region where they could not be read yields nothing:
            its gap is reported instead, never a pass.

    Returns:
        A hit per such group, naming the world peers and the rules that open RDP.
    """
    return security_group_port_hits(inventory, {3389: "RDP"}, protocols=("tcp", "udp"))
