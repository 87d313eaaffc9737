"""No network ACL lets the whole internet in on SSH (22) or RDP (3389)."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation
from devops_agent.audit.network import nacl_world_allows

#: Remote administration ports.
ADMIN_PORTS = {22: "SSH", 3389: "RDP"}

META = CheckMeta(
    id="vpc_nacl_admin_ports_restricted",
    service="vpc",
    title="Network ACLs do not allow admin ports from the internet",
    severity="medium",
    risk=(
        "The network ACL is the subnet's second line of defence; when it lets the internet "
        "reach SSH or RDP, a single permissive security group exposes the hosts."
    ),
    remediation=Remediation(
        text=(
            "Add deny entries for 22 and 3389 from 0.0.0.0/0 and ::/0 numbered before the "
            "allow-all entry, or replace the allow-all entry with the ports you serve."
        ),
        cli=(
            "aws ec2 create-network-acl-entry --network-acl-id <acl-id> --ingress "
            "--rule-number 10 --protocol tcp --port-range From=22,To=22 "
            "--cidr-block 0.0.0.0/0 --rule-action deny\n"
            "aws ec2 create-network-acl-entry --network-acl-id <acl-id> --ingress "
            "--rule-number 11 --protocol tcp --port-range From=3389,To=3389 "
            "--cidr-block 0.0.0.0/0 --rule-action deny"
        ),
        terraform=(
            'resource "aws_network_acl_rule" "deny_ssh" {\n'
            "  network_acl_id = aws_network_acl.this.id\n"
            "  rule_number    = 10\n"
            "  egress         = false\n"
            '  protocol       = "tcp"\n'
            '  rule_action    = "deny"\n'
            '  cidr_block     = "0.0.0.0/0"\n'
            "  from_port      = 22\n"
            "  to_port        = 22\n"
            "}"
        ),
    ),
    cis=("5.1",),
    fsbp=("EC2.21",),
    requires=("vpc.network_acls",),
    no_fix=(
        "Breaking for workloads: the rule that allows admin ports is usually the subnet's "
        "allow-all rule, which carries its other traffic too."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per ACL whose first matching world rule for 22 or 3389 allows it.

    Entries are evaluated as AWS does, in rule-number order with the first match winning
    (:func:`devops_agent.audit.network.nacl_world_allows`), for ``0.0.0.0/0`` and ``::/0``.

    Args:
        inventory: What the audit read; this check uses each region's ``vpc.network_acls``.
            A region where they could not be read yields nothing: its gap is reported
            instead, never a pass.

    Yields:
        A hit per such ACL, naming each admin port it lets in and from which world peers,
        and whether it is the VPC's default ACL.
    """
    for vpc in inventory.vpc_regions():
        for acl in vpc.network_acls or []:
            opened = {
                port: peers for port in ADMIN_PORTS if (peers := nacl_world_allows(acl, port))
            }
            if not opened:
                continue
            what = "; ".join(
                f"{port} ({ADMIN_PORTS[port]}) from {' and '.join(peers)}"
                for port, peers in opened.items()
            )
            kind = "default network ACL" if acl.is_default else "network ACL"
            yield Hit(
                region=vpc.region,
                resource_id=acl.id,
                resource_arn=inventory.arn("ec2", vpc.region, f"network-acl/{acl.id}"),
                detail=f"The {kind} {acl.id} of {acl.vpc_id} allows {what}.",
            )
