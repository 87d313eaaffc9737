"""How a finding fills the arguments of its check's fix: small builders the checks share.

A check's ``META.fix`` names a catalog write and a function ``(hit, inventory, limits) ->
the write's argument model``. Most are one line (the resource id and region go straight
into the model); the security group checks need the exact rules they flagged, so the
plan revokes precisely those (:func:`close_world_rules`). Pure: nothing here calls AWS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import Hit
from devops_agent.audit.network import is_all_ports, world_cidrs, world_open_ports
from devops_agent.aws.ec2 import SecurityGroup, SecurityGroupRule
from devops_agent.aws.ec2.security_group_cleanup import CloseArgs, OpenRule, split_rule
from devops_agent.operation import Args

__all__ = [
    "ArgsFromFinding",
    "close_all_ports_rules",
    "close_world_rules",
    "close_world_rules_where",
    "on_resource",
    "security_group",
]

ArgsFromFinding = Callable[[Hit, Inventory, Mapping[str, Any]], Args | None]
"""What ``Fix.args`` is: the finding, the inventory the check judged, its limits."""


def on_resource(make: Callable[[str, str], Args]) -> ArgsFromFinding:
    """A fix whose arguments are the resource id and its region (``make(resource, region)``).

    Args:
        make: Builds the write's arguments from the finding's resource id and region.

    Returns:
        The builder ``Fix.args`` takes; it ignores the inventory and limits.
    """

    def build(hit: Hit, inventory: Inventory, limits: Mapping[str, Any]) -> Args:
        return make(hit.resource_id, hit.region)

    return build


def security_group(inventory: Inventory, hit: Hit) -> SecurityGroup | None:
    """The security group a finding names, as the check read it.

    Args:
        inventory: The inventory the check judged.
        hit: The finding on a security group (its id and region).

    Returns:
        The group, or ``None`` when that region's groups were not read or it is not
        among them.
    """
    region = inventory.ec2.get(hit.region)
    return (
        next((g for g in (region.security_groups or []) if g.id == hit.resource_id), None)
        if region
        else None
    )


def _close(hit: Hit, rules: list[OpenRule]) -> CloseArgs | None:
    unique = list(dict.fromkeys(rules))
    return CloseArgs(group_id=hit.resource_id, region=hit.region, rules=unique) if unique else None


def close_world_rules(
    ports: Iterable[int],
    *,
    protocols: Iterable[str] = ("tcp",),
    include_all_ports_rules: bool = True,
) -> ArgsFromFinding:
    """``ec2 sg close`` of exactly the internet-open rules a port check flagged.

    Args:
        ports: The ports the check looks for.
        protocols: The transport protocols a port counts for.
        include_all_ports_rules: ``False`` when the check leaves all-ports rules to the
            all-ports check (then its fix leaves them too).

    Returns:
        A builder that gives ``None`` when the group is no longer in the inventory or
        no such rule is left, so no empty plan is made.
    """
    wanted = tuple(ports)
    kinds = tuple(protocols)

    def build(hit: Hit, inventory: Inventory, limits: Mapping[str, Any]) -> CloseArgs | None:
        group = security_group(inventory, hit)
        if group is None:
            return None
        found = world_open_ports(
            group, wanted, protocols=kinds, include_all_ports_rules=include_all_ports_rules
        )
        return _close(
            hit, [r for rule, cidr, _ in found for r in split_rule(rule) if r.peer == cidr]
        )

    return build


def close_world_rules_where(
    flagged: Callable[[SecurityGroupRule, Mapping[str, Any]], bool],
) -> Callable[[Hit, Inventory, Mapping[str, Any]], CloseArgs | None]:
    """``ec2 sg close`` of exactly the internet-open rules ``flagged`` picks (with the
    check's limits, e.g. its authorized ports).

    Args:
        flagged: The check's own rule test, given a rule and the check's limits.

    Returns:
        A builder that gives ``None`` when the group is no longer in the inventory or
        no such rule is left, so no empty plan is made.
    """

    def build(hit: Hit, inventory: Inventory, limits: Mapping[str, Any]) -> CloseArgs | None:
        group = security_group(inventory, hit)
        if group is None:
            return None
        return _close(
            hit,
            [
                r
                for rule in group.ingress
                if flagged(rule, limits)
                for cidr in world_cidrs(rule)
                for r in split_rule(rule)
                if r.peer == cidr
            ],
        )

    return build


_close_all_ports = close_world_rules_where(lambda rule, limits: is_all_ports(rule))


def close_all_ports_rules(
    hit: Hit, inventory: Inventory, limits: Mapping[str, Any]
) -> CloseArgs | None:
    """``ec2 sg close`` of exactly the internet-open rules that open every port.

    Args:
        hit: The finding on a security group.
        inventory: The inventory the check judged.
        limits: The check's limits (unused: the all-ports check has none).

    Returns:
        The close arguments with one rule per world peer of each such rule, or ``None``
        when the group is not in the inventory or no such rule is left.
    """
    return _close_all_ports(hit, inventory, limits)
