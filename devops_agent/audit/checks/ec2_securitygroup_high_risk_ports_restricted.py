"""Security groups do not open mail, remote-desktop or development ports to the internet."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit import remedies
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.audit.network import security_group_port_hits
from devops_agent.aws.ec2.security_group_cleanup import CLOSE_SECURITY_GROUP

#: FSBP EC2.19's high-risk ports that the SSH, RDP, database and legacy-port checks do not
#: already cover.
HIGH_RISK_PORTS = {
    25: "SMTP",
    110: "POP3",
    143: "IMAP",
    1434: "SQL Server browser",
    3000: "development web server",
    4333: "mSQL",
    5000: "development web server",
    5500: "VNC",
    8080: "HTTP alternate",
    8088: "HTTP alternate",
    8888: "HTTP alternate",
}

META = CheckMeta(
    id="ec2_securitygroup_high_risk_ports_restricted",
    service="ec2",
    title="Security groups do not open mail, VNC or development ports to the internet",
    severity="high",
    risk=(
        "Mail servers become open relays, VNC and development servers rarely have real "
        "authentication: scanners find these ports within minutes."
    ),
    remediation=Remediation(
        text="Remove the world-open rule; allow the port only from known ranges or a VPN.",
        cli=(
            "aws ec2 revoke-security-group-ingress --group-id <group-id> "
            "--protocol tcp --port <port> --cidr 0.0.0.0/0"
        ),
        terraform=(
            "# Delete the aws_vpc_security_group_ingress_rule that opens the port with\n"
            '# cidr_ipv4 = "0.0.0.0/0" or cidr_ipv6 = "::/0".'
        ),
    ),
    fsbp=("EC2.19",),
    requires=("ec2.security_groups",),
    fix=Fix(
        CLOSE_SECURITY_GROUP,
        remedies.close_world_rules(HIGH_RISK_PORTS, include_all_ports_rules=False),
        caveat="Clients reaching those ports from the internet are cut off.",
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per group letting the internet reach one of the ports (all-ports rules are
    the all-ports check's).

    The ports are :data:`HIGH_RISK_PORTS` over TCP: mail (SMTP, POP3, IMAP), VNC, the SQL
    Server browser, mSQL and common development and alternate HTTP ports.

    Args:
        inventory: What the audit read; this check uses each region's
            ``ec2.security_groups``. A region where they could not be read yields nothing:
            its gap is reported instead, never a pass.

    Returns:
        A hit per such group, naming the ports reached with their services, the world peers
        and the rules that open them.
    """
    return security_group_port_hits(inventory, HIGH_RISK_PORTS, include_all_ports_rules=False)
