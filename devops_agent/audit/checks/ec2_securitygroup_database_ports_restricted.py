"""No security group lets the whole internet reach a database or search port.

Rules that open every port are left to ``ec2_securitygroup_all_ports_restricted``.
"""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit import remedies
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.audit.network import security_group_port_hits
from devops_agent.aws.ec2.security_group_cleanup import CLOSE_SECURITY_GROUP

#: Ports of data stores that should never face the internet.
DATABASE_PORTS = {
    1433: "SQL Server",
    1521: "Oracle",
    3306: "MySQL",
    5432: "PostgreSQL",
    5601: "Kibana",
    6379: "Redis",
    9200: "Elasticsearch",
    9300: "Elasticsearch",
    11211: "Memcached",
    27017: "MongoDB",
}

META = CheckMeta(
    id="ec2_securitygroup_database_ports_restricted",
    service="ec2",
    title="Security groups do not allow database ports from the internet",
    severity="high",
    risk=(
        "Databases, caches and search clusters reachable from the internet are found by "
        "mass scanners and emptied or ransomed, often without any password at all."
    ),
    remediation=Remediation(
        text=(
            "Allow the port only from the application's security group (or the VPC range), "
            "never from 0.0.0.0/0 or ::/0."
        ),
        cli=(
            "aws ec2 revoke-security-group-ingress --group-id <group-id> "
            "--protocol tcp --port <port> --cidr 0.0.0.0/0\n"
            "aws ec2 authorize-security-group-ingress --group-id <group-id> "
            "--protocol tcp --port <port> --source-group <app-group-id>"
        ),
        terraform=(
            'resource "aws_vpc_security_group_ingress_rule" "db" {\n'
            "  security_group_id            = aws_security_group.db.id\n"
            '  ip_protocol                  = "tcp"\n'
            "  from_port                    = 5432\n"
            "  to_port                      = 5432\n"
            "  referenced_security_group_id = aws_security_group.app.id\n"
            "}"
        ),
    ),
    fsbp=("EC2.19",),
    requires=("ec2.security_groups",),
    fix=Fix(
        CLOSE_SECURITY_GROUP,
        remedies.close_world_rules(DATABASE_PORTS, include_all_ports_rules=False),
        caveat="Clients reaching the database over the internet are cut off; allow the "
        "application's security group instead.",
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per group opening a database port (not via an all-ports rule) to the world.

    The ports are :data:`DATABASE_PORTS` over TCP (SQL Server, Oracle, MySQL, PostgreSQL,
    Redis, Elasticsearch, Memcached, MongoDB and others).

    Args:
        inventory: What the audit read; this check uses each region's
            ``ec2.security_groups``. A region where they could not be read yields nothing:
            its gap is reported instead, never a pass.

    Returns:
        A hit per such group, naming the ports reached with their services, the world peers
        and the rules that open them.
    """
    return security_group_port_hits(inventory, DATABASE_PORTS, include_all_ports_rules=False)
