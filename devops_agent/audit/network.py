"""Reading security group and network ACL rules: which ports the whole internet can reach.

Shared by the security group and NACL checks so that "open to the world" means
the same thing everywhere: a rule whose peer is ``0.0.0.0/0`` or ``::/0`` and
whose protocol and port range include the port. The world peers and the port match are
declared once in :mod:`devops_agent.aws.ec2.security_group_cleanup`, which ``ec2 sg
close`` (the fix of these checks) uses too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import Hit
from devops_agent.aws.ec2 import SecurityGroup, SecurityGroupRule
from devops_agent.aws.ec2.security_group_cleanup import WORLD, covers_port, world_cidrs
from devops_agent.aws.vpc import NetworkAcl

__all__ = [
    "WORLD",
    "covers_port",
    "describe_rule",
    "is_all_ports",
    "nacl_world_allows",
    "security_group_port_hits",
    "world_cidrs",
    "world_open_ports",
]


def is_all_ports(rule: SecurityGroupRule) -> bool:
    """Every protocol, or every TCP or UDP port.

    Args:
        rule: A security group rule.

    Returns:
        ``True`` for an all-traffic rule, or a TCP or UDP rule with no port range or
        one spanning 0/1 to 65535; ``False`` for ICMP and other protocols.
    """
    if rule.protocol == "all":
        return True
    if rule.protocol not in ("tcp", "udp"):
        return False
    if rule.from_port is None:
        return True
    return rule.from_port <= 1 and (rule.to_port or 0) >= 65535


def describe_rule(rule: SecurityGroupRule) -> str:
    """The rule's protocol and ports in words, for a finding's detail.

    Args:
        rule: A security group rule.

    Returns:
        ``"TCP 22"``, ``"TCP 1024-2048"``, ``"all UDP ports"`` or ``"all traffic"``.
    """
    if rule.protocol == "all":
        return "all traffic"
    name = rule.protocol.upper()
    if rule.from_port is None:
        return f"all {name} ports"
    if rule.to_port is None or rule.to_port == rule.from_port:
        return f"{name} {rule.from_port}"
    return f"{name} {rule.from_port}-{rule.to_port}"


def world_open_ports(
    group: SecurityGroup,
    ports: Iterable[int],
    *,
    protocols: Iterable[str] = ("tcp",),
    include_all_ports_rules: bool = True,
) -> list[tuple[SecurityGroupRule, str, list[int]]]:
    """Ingress rules letting the internet reach any of ``ports``.

    Args:
        group: The security group.
        ports: The ports to look for.
        protocols: The transport protocols a port counts for; "all traffic" rules
            always count.
        include_all_ports_rules: ``False`` to skip rules that open every port (the
            all-ports check reports those).

    Returns:
        ``(rule, world_cidr, ports_it_opens)`` per offending rule and peer.
    """
    wanted = list(ports)
    found: list[tuple[SecurityGroupRule, str, list[int]]] = []
    for rule in group.ingress:
        if not include_all_ports_rules and is_all_ports(rule):
            continue
        for cidr in world_cidrs(rule):
            hit = [
                p
                for p in wanted
                if covers_port(rule.protocol, rule.from_port, rule.to_port, p, protocols)
            ]
            if hit:
                found.append((rule, cidr, hit))
    return found


def nacl_world_allows(acl: NetworkAcl, port: int) -> list[str]:
    """The world peers (``0.0.0.0/0``, ``::/0``) whose first matching ingress rule allows ``port``.

    NACL rules are evaluated in rule-number order and the first match wins; for
    a source anywhere on the internet only rules for the whole world range
    match every time, so those decide.

    Args:
        acl: The network ACL.
        port: The TCP port.

    Returns:
        The world peers whose first matching ingress entry allows the port; empty when
        a deny comes first or no world entry covers it.
    """
    entries = sorted((e for e in acl.entries if not e.egress), key=lambda e: e.rule_number)
    allowed: list[str] = []
    for cidr in WORLD:
        for entry in entries:
            if entry.cidr != cidr:
                continue
            if covers_port(entry.protocol, entry.from_port, entry.to_port, port, ("tcp",)):
                if entry.action == "allow":
                    allowed.append(cidr)
                break
    return allowed


def security_group_port_hits(
    inventory: Inventory,
    ports: dict[int, str],
    *,
    protocols: Iterable[str] = ("tcp",),
    include_all_ports_rules: bool = True,
) -> Iterator[Hit]:
    """One hit per security group that lets the internet reach one of ``ports``.

    Args:
        inventory: the inventory (``ec2.security_groups`` read).
        ports: port number to the service it usually carries, e.g. ``{22: "SSH"}``.
        protocols: transport protocols to consider besides "all traffic" rules.
        include_all_ports_rules: False to leave rules opening every port to the
            all-ports check, so one rule is not reported once per port family.

    Yields:
        A hit per group naming the ports reached (with their services), the world peers
        and the rules that open them, in region order.
    """
    for ec2 in inventory.ec2_regions():
        for group in ec2.security_groups or []:
            found = world_open_ports(
                group,
                ports,
                protocols=protocols,
                include_all_ports_rules=include_all_ports_rules,
            )
            if not found:
                continue
            opened = sorted({p for _, _, hit in found for p in hit})
            peers = sorted({cidr for _, cidr, _ in found})
            rules = sorted({describe_rule(rule) for rule, _, _ in found})
            what = ", ".join(f"{p} ({ports[p]})" for p in opened)
            yield Hit(
                region=ec2.region,
                resource_id=group.id,
                resource_arn=inventory.arn("ec2", ec2.region, f"security-group/{group.id}"),
                detail=(
                    f"Security group {group.name} ({group.id}) lets {' and '.join(peers)} reach "
                    f"port {what} through {', '.join(rules)}."
                ),
            )
