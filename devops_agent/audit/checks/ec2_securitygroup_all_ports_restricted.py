"""No security group lets the whole internet reach every port."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit import remedies
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.audit.network import describe_rule, is_all_ports, world_cidrs
from devops_agent.aws.ec2.security_group_cleanup import CLOSE_SECURITY_GROUP

META = CheckMeta(
    id="ec2_securitygroup_all_ports_restricted",
    service="ec2",
    title="Security groups do not allow all traffic from the internet",
    severity="critical",
    risk=(
        "A rule opening every port to 0.0.0.0/0 or ::/0 exposes every service on the "
        "instances, including admin ports, databases and debug endpoints nobody meant to publish."
    ),
    remediation=Remediation(
        text="Replace the rule with rules for the few ports the workload serves.",
        cli=(
            "aws ec2 revoke-security-group-ingress --group-id <group-id> "
            "--ip-permissions 'IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]'\n"
            "aws ec2 revoke-security-group-ingress --group-id <group-id> "
            "--ip-permissions 'IpProtocol=-1,Ipv6Ranges=[{CidrIpv6=::/0}]'"
        ),
        terraform=(
            'resource "aws_vpc_security_group_ingress_rule" "https" {\n'
            "  security_group_id = aws_security_group.this.id\n"
            '  ip_protocol       = "tcp" # never "-1" from the internet\n'
            "  from_port         = 443\n"
            "  to_port           = 443\n"
            '  cidr_ipv4         = "0.0.0.0/0"\n'
            "}"
        ),
    ),
    cis=("5.2", "5.3"),
    fsbp=("EC2.18", "EC2.19"),
    requires=("ec2.security_groups",),
    fix=Fix(
        CLOSE_SECURITY_GROUP,
        remedies.close_all_ports_rules,
        caveat="Traffic those rules let in stops; add rules for the ports the workload serves.",
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per group with an ingress rule opening every port to the world.

    "Every port" is an all-traffic rule, or a TCP or UDP rule over the whole port range;
    "the world" is ``0.0.0.0/0`` or ``::/0``.

    Args:
        inventory: What the audit read; this check uses each region's
            ``ec2.security_groups``. A region where they could not be read yields nothing:
            its gap is reported instead, never a pass.

    Yields:
        A hit per such group, listing each offending rule and peer.
    """
    for ec2 in inventory.ec2_regions():
        for group in ec2.security_groups or []:
            found = sorted(
                {
                    f"{describe_rule(rule)} from {cidr}"
                    for rule in group.ingress
                    if is_all_ports(rule)
                    for cidr in world_cidrs(rule)
                }
            )
            if found:
                yield Hit(
                    region=ec2.region,
                    resource_id=group.id,
                    resource_arn=inventory.arn("ec2", ec2.region, f"security-group/{group.id}"),
                    detail=f"Security group {group.name} ({group.id}) allows {'; '.join(found)}.",
                )
