"""Security groups open to the internet only on the authorized ports (80 and 443 by default)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from devops_agent.audit import remedies
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.audit.network import describe_rule, world_cidrs
from devops_agent.audit.registry import Limits
from devops_agent.audit.thresholds import AUTHORIZED_PUBLIC_PORTS as AUTHORIZED
from devops_agent.aws.ec2 import SecurityGroupRule
from devops_agent.aws.ec2.security_group_cleanup import CLOSE_SECURITY_GROUP


def unauthorized(rule: SecurityGroupRule, limits: Mapping[str, Any]) -> bool:
    """Whether an internet-open rule reaches anything but the authorized TCP ports.

    An all-traffic or UDP rule open to the world is never authorized; ICMP and other
    protocols have no ports and are left alone. This is also the fix's rule filter, so the
    plan closes exactly what the check flagged.

    Args:
        rule: A security group ingress rule.
        limits: The check's thresholds: ``authorized_public_ports`` (80 and 443 by default).

    Returns:
        ``True`` when the rule is open to ``0.0.0.0/0`` or ``::/0`` and covers any port
        outside the authorized ones.
    """
    if not world_cidrs(rule):
        return False
    if rule.protocol in ("all", "udp"):
        return True
    if rule.protocol != "tcp":
        return False  # ICMP and other protocols have no ports to authorize
    if rule.from_port is None:
        return True
    allowed = set(limits[AUTHORIZED.name])
    low, high = rule.from_port, rule.to_port if rule.to_port is not None else rule.from_port
    return high - low + 1 > len(allowed) or any(p not in allowed for p in range(low, high + 1))


META = CheckMeta(
    id="ec2_securitygroup_authorized_ports_only",
    service="ec2",
    title="Security groups open only TCP {authorized_public_ports} to the internet",
    severity="high",
    risk=(
        "Every other port open to 0.0.0.0/0 or ::/0 is a service the whole internet can "
        "probe: admin consoles, debug ports and forgotten test servers are found in minutes."
    ),
    remediation=Remediation(
        text=(
            "Remove the world-open rules for other ports; serve them through a load balancer "
            "or restrict them to known ranges. Authorize more ports in audit.thresholds."
        ),
        cli=(
            "aws ec2 revoke-security-group-ingress --group-id <group-id> "
            "--protocol tcp --port <port> --cidr 0.0.0.0/0"
        ),
        terraform=(
            'resource "aws_vpc_security_group_ingress_rule" "https" {\n'
            "  security_group_id = aws_security_group.this.id\n"
            '  ip_protocol       = "tcp"\n'
            "  from_port         = 443\n"
            "  to_port           = 443\n"
            '  cidr_ipv4         = "0.0.0.0/0"\n'
            "}"
        ),
    ),
    fsbp=("EC2.18",),
    requires=("ec2.security_groups",),
    thresholds=(AUTHORIZED,),
    fix=Fix(
        CLOSE_SECURITY_GROUP,
        remedies.close_world_rules_where(unauthorized),
        caveat="Clients reaching those ports from the internet are cut off; authorize a port "
        "in audit.thresholds.authorized_public_ports if it must stay open.",
    ),
)


def check(inventory: Inventory, limits: Limits) -> Iterator[Hit]:
    """One hit per group with an internet-open rule beyond the authorized TCP ports.

    Args:
        inventory: What the audit read; this check uses each region's
            ``ec2.security_groups``. A region where they could not be read yields nothing:
            its gap is reported instead, never a pass.
        limits: The check's thresholds: ``authorized_public_ports`` (80 and 443 by default).

    Yields:
        A hit per such group, listing each unauthorized rule and peer and the ports that are
        authorized.
    """
    for ec2 in inventory.ec2_regions():
        for group in ec2.security_groups or []:
            found = sorted(
                {
                    f"{describe_rule(rule)} from {cidr}"
                    for rule in group.ingress
                    if unauthorized(rule, limits)
                    for cidr in world_cidrs(rule)
                }
            )
            if not found:
                continue
            allowed = ", ".join(str(p) for p in limits[AUTHORIZED.name]) or "none"
            yield Hit(
                region=ec2.region,
                resource_id=group.id,
                resource_arn=inventory.arn("ec2", ec2.region, f"security-group/{group.id}"),
                detail=(
                    f"Security group {group.name} ({group.id}) allows {'; '.join(found)} "
                    f"(authorized: TCP {allowed})."
                ),
            )
