"""No security group lets the whole internet reach SSH (TCP 22)."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit import remedies
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.audit.network import security_group_port_hits
from devops_agent.aws.ec2.security_group_cleanup import CLOSE_SECURITY_GROUP

META = CheckMeta(
    id="ec2_securitygroup_ssh_restricted",
    service="ec2",
    title="Security groups do not allow SSH (22) from the internet",
    severity="high",
    risk=(
        "SSH open to 0.0.0.0/0 or ::/0 is scanned within minutes of going live; a weak or "
        "leaked key, or an sshd vulnerability, then gives a shell on the instance."
    ),
    remediation=Remediation(
        text=(
            "Remove the world-open rule; reach instances through SSM Session Manager, a VPN, "
            "or a rule limited to known address ranges."
        ),
        cli=(
            "aws ec2 revoke-security-group-ingress --group-id <group-id> "
            "--protocol tcp --port 22 --cidr 0.0.0.0/0\n"
            "aws ec2 revoke-security-group-ingress --group-id <group-id> "
            "--ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,Ipv6Ranges=[{CidrIpv6=::/0}]'"
        ),
        terraform=(
            'resource "aws_vpc_security_group_ingress_rule" "ssh" {\n'
            "  security_group_id = aws_security_group.this.id\n"
            '  ip_protocol       = "tcp"\n'
            "  from_port         = 22\n"
            "  to_port           = 22\n"
            '  cidr_ipv4         = "10.0.0.0/8" # a known range, never 0.0.0.0/0\n'
            "}"
        ),
    ),
    cis=("5.2", "5.3"),
    fsbp=("EC2.13", "EC2.53", "EC2.54"),
    requires=("ec2.security_groups",),
    fix=Fix(
        CLOSE_SECURITY_GROUP,
        remedies.close_world_rules([22]),
        caveat="SSH from the internet stops; use Session Manager or a VPN.",
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per group with an ingress rule opening 22 to the world.

    All-traffic and all-ports TCP rules count too.

    Args:
        inventory: What the audit read; this check uses each region's
            ``ec2.security_groups``. A region where they could not be read yields nothing:
            its gap is reported instead, never a pass.

    Returns:
        A hit per such group, naming the world peers and the rules that open SSH.
    """
    return security_group_port_hits(inventory, {22: "SSH"})
