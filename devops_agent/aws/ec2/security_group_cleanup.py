"""Closing security groups: ``ec2 sg close SG_ID [--ports P,...] [--all-rules]``.

``ec2 sg revoke`` removes one rule someone names. This removes what a rule set *means*:
every inbound rule open to the whole internet (``0.0.0.0/0``, ``::/0``), or only those
that let it reach some ports, or — with ``--all-rules``, for a VPC's default group
(CIS 5.4) — every inbound and outbound rule whatever its peer. The preview reads the
group and fixes the exact rules in the plan entry (one per peer), so the apply revokes
precisely what the approver read, and a rule added in the meantime is left alone. A
rule the entry names that is gone by then is simply not revoked again.

The rules of "open to the internet" (:data:`WORLD`, :func:`covers_port`) are declared
here once; the audit's checks use the same ones.

The way back adds the removed rules again, one ``ec2 sg authorize`` entry per rule, from
what the plan recorded; a rule that entry cannot express (an ICMP type, an IP protocol
number) leaves the rollback to a person, and says so. Rule descriptions are not put back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from devops_agent.aws import AwsModel, InRegion, check_region, client, named, one_region
from devops_agent.aws.ec2.security_group_rules import RULE, RuleArgs
from devops_agent.aws.ec2.security_groups import (
    GroupId,
    SecurityGroup,
    SecurityGroupRule,
    describe_security_group,
)
from devops_agent.aws.writes import Change, ec2_arn, ec2_request, recorded, send_ec2
from devops_agent.errors import BadInput
from devops_agent.operation import (
    ApiCall,
    Command,
    Hidden,
    NotAsPlanned,
    Option,
    PlanEntry,
    Positional,
    Proposal,
    Reader,
    Unchanged,
    Verification,
    Verified,
    Write,
    Writers,
)
from devops_agent.report import plural

if TYPE_CHECKING:
    import boto3

__all__ = [
    "CLOSE_SECURITY_GROUP",
    "WORLD",
    "CloseArgs",
    "OpenRule",
    "close_rules",
    "covers_port",
    "revoke_params",
    "revoke_rules",
    "rules_of",
    "split_rule",
    "world_cidrs",
]

#: The peers that mean "anyone on the internet".
WORLD = ("0.0.0.0/0", "::/0")
#: Protocol names of the rule model, and the IpProtocol EC2 takes for them.
_IP_PROTOCOL = {"all": "-1"}


def world_cidrs(rule: SecurityGroupRule) -> list[str]:
    """The rule's peers that are the whole internet (IPv4 and IPv6).

    Args:
        rule: One rule as the models hold it.

    Returns:
        ``0.0.0.0/0`` and ``::/0`` where the rule names them.
    """
    return [c for c in [*rule.ipv4, *rule.ipv6] if c in WORLD]


def covers_port(
    protocol: str,
    from_port: int | None,
    to_port: int | None,
    port: int,
    protocols: Iterable[str] = ("tcp",),
) -> bool:
    """True when traffic on ``port`` over one of ``protocols`` matches the rule.

    Args:
        protocol: The rule's protocol (``tcp``, ``udp``, ``all`` …).
        from_port: Its first port; ``None`` for every port.
        to_port: Its last port; ``None`` for ``from_port`` alone.
        port: The port asked about.
        protocols: The protocols that count.

    Returns:
        Whether the rule lets that traffic in.
    """
    if protocol == "all":
        return True
    if protocol not in tuple(protocols):
        return False
    if from_port is None:
        return True
    last = to_port if to_port is not None else from_port
    return from_port <= port <= last


class OpenRule(AwsModel):
    """One rule of a security group with one peer: exactly what a revoke names."""

    egress: bool = False
    """True for an outbound rule."""
    protocol: str
    """As EC2 takes it: ``tcp``, ``udp``, ``icmp``, ``icmpv6``, ``-1`` (all) or a number."""
    from_port: int | None = None
    """First port (ICMP type); ``None`` for every port."""
    to_port: int | None = None
    """Last port (ICMP code); ``None`` for every port."""
    peer_kind: Literal["cidr", "group", "prefix_list"] = "cidr"
    """What the peer is."""
    peer: str
    """The CIDR, security group id or prefix list id."""

    def permission(self) -> dict[str, Any]:
        """The ``IpPermissions`` item a revoke sends.

        Returns:
            One permission with one peer, as EC2 takes it.
        """
        item: dict[str, Any] = {"IpProtocol": self.protocol}
        if self.protocol != "-1" and self.from_port is not None:
            item["FromPort"] = self.from_port
            item["ToPort"] = self.to_port if self.to_port is not None else self.from_port
        if self.peer_kind == "group":
            item["UserIdGroupPairs"] = [{"GroupId": self.peer}]
        elif self.peer_kind == "prefix_list":
            item["PrefixListIds"] = [{"PrefixListId": self.peer}]
        elif ":" in self.peer:
            item["Ipv6Ranges"] = [{"CidrIpv6": self.peer}]
        else:
            item["IpRanges"] = [{"CidrIp": self.peer}]
        return item

    def summary(self) -> str:
        """One line for people.

        Returns:
            E.g. ``inbound tcp 22 from 0.0.0.0/0``.
        """
        name = "all traffic" if self.protocol == "-1" else self.protocol
        ports = ""
        if self.protocol != "-1":
            if self.from_port is None:
                ports = " all ports"
            elif self.to_port in (None, self.from_port):
                ports = f" {self.from_port}"
            else:
                ports = f" {self.from_port}-{self.to_port}"
        way = "outbound" if self.egress else "inbound"
        return f"{way} {name}{ports} {'to' if self.egress else 'from'} {self.peer}"


def split_rule(rule: SecurityGroupRule, *, egress: bool = False) -> list[OpenRule]:
    """One :class:`OpenRule` per peer of a rule as the models hold it.

    Args:
        rule: One rule with any number of peers.
        egress: Whether it is an outbound rule.

    Returns:
        The rule once per peer (CIDRs, then groups, then prefix lists).
    """
    protocol = _IP_PROTOCOL.get(rule.protocol, rule.protocol)
    base: dict[str, Any] = {
        "egress": egress,
        "protocol": protocol,
        "from_port": None if protocol == "-1" else rule.from_port,
        "to_port": None if protocol == "-1" else rule.to_port,
    }
    return [
        *(OpenRule(**base, peer=c) for c in [*rule.ipv4, *rule.ipv6]),
        *(OpenRule(**base, peer_kind="group", peer=g) for g in rule.groups),
        *(OpenRule(**base, peer_kind="prefix_list", peer=p) for p in rule.prefix_lists),
    ]


def rules_of(group: SecurityGroup) -> list[OpenRule]:
    """Every rule of a group, one per peer, inbound first.

    Args:
        group: The security group as read.

    Returns:
        Its rules, one per peer.
    """
    return [
        *(r for rule in group.ingress for r in split_rule(rule)),
        *(r for rule in group.egress for r in split_rule(rule, egress=True)),
    ]


def _port(value: Any) -> Any:
    if isinstance(value, str):
        return [p.strip() for p in value.split(",") if p.strip()]
    return value


def close_rules(
    group: SecurityGroup, *, ports: Iterable[int] = (), all_rules: bool = False
) -> list[OpenRule]:
    """The rules ``ec2 sg close`` removes: every rule (``all_rules``), or the inbound rules
    open to the internet, only those reaching one of ``ports`` when some are given.

    Args:
        group: The security group as read.
        ports: Only internet rules reaching one of these TCP/UDP ports; all when empty.
        all_rules: Every inbound and outbound rule, whatever its peer.

    Returns:
        The rules to revoke, one per peer.
    """
    if all_rules:
        return rules_of(group)
    wanted = list(ports)
    found: list[OpenRule] = []
    for rule in group.ingress:
        if not world_cidrs(rule):
            continue
        if wanted and not any(
            covers_port(rule.protocol, rule.from_port, rule.to_port, p, ("tcp", "udp"))
            for p in wanted
        ):
            continue
        found += [r for r in split_rule(rule) if r.peer in WORLD]
    return found


def revoke_params(group_id: str, rules: list[OpenRule]) -> list[tuple[str, dict[str, Any]]]:
    """The revokes that remove ``rules``: inbound in one call, outbound in another.

    What :func:`revoke_rules` sends and the plan shows.

    Args:
        group_id: The security group.
        rules: The rules to remove.

    Returns:
        ``(direction, parameters)`` per call, ``Ingress`` first; none for an empty list.
    """
    found: list[tuple[str, dict[str, Any]]] = []
    for egress in (False, True):
        permissions = [r.permission() for r in rules if r.egress == egress]
        if permissions:
            direction = "Egress" if egress else "Ingress"
            found.append((direction, {"GroupId": group_id, "IpPermissions": permissions}))
    return found


def revoke_rules(
    session: boto3.Session, region: str, group_id: str, rules: list[OpenRule]
) -> Change:
    """Revoke ``rules`` of a group: inbound in one call, outbound in another.

    Args:
        session: The write role's session.
        region: The group's region.
        group_id: The security group.
        rules: The rules to remove.

    Returns:
        What was done.

    Raises:
        ServiceError: AWS refused (``ec2:RevokeSecurityGroupIngress``/``Egress``).
    """
    region = check_region(session, region)
    ec2 = client(session, "ec2", region)
    for direction, params in revoke_params(group_id, rules):
        send_ec2(
            session, region, f"RevokeSecurityGroup{direction}", ec2=ec2, resource=group_id, **params
        )
    return Change(
        action="ec2:RevokeSecurityGroupIngress",
        resource=group_id,
        message=f"removed {plural(len(rules), 'rule')} from {group_id}",
    )


class CloseArgs(InRegion):
    """Arguments of ``ec2 sg close``."""

    group_id: Annotated[GroupId, Positional()]
    """The security group (sg-...)."""
    ports: Annotated[
        list[Annotated[int, Field(ge=0, le=65535)]],
        Option("--ports"),
        BeforeValidator(_port),
        Field(max_length=50),
    ] = Field(default_factory=list)
    """Only inbound internet rules reaching these TCP/UDP ports; every one when empty."""
    all_rules: bool = False
    """Every inbound and outbound rule whatever its peer (a default group, CIS 5.4)."""
    rules: Annotated[list[OpenRule] | None, Hidden()] = None
    """The exact rules to revoke (the preview fills them in, one per peer)."""


def _plan(reader: Reader, args: CloseArgs) -> Proposal | Unchanged:
    if args.all_rules and args.ports:
        raise BadInput("--all-rules removes every rule; leave --ports out.")
    region = one_region(reader, args.region, "`ec2 sg close`")
    with named():
        group = describe_security_group(reader.session(), region, args.group_id)
    present = rules_of(group)
    if args.rules is not None:
        rules = [r for r in args.rules if r in present]
    else:
        rules = close_rules(group, ports=args.ports, all_rules=args.all_rules)
    if not rules:
        what = "no rules" if args.all_rules else "no inbound rule open to the internet"
        if args.ports:
            what += f" reaching port {', '.join(map(str, args.ports))}"
        return Unchanged(f"{group.id} ({group.name}) has {what}", {"group": group.id})
    shown = "; ".join(r.summary() for r in rules[:10])
    more = f" and {len(rules) - 10} more" if len(rules) > 10 else ""
    entry = CLOSE_SECURITY_GROUP.entry(
        args.model_copy(update={"region": region, "group_id": group.id, "rules": rules}),
        f"Remove {plural(len(rules), 'rule')} from {group.id} ({group.name}): {shown}{more} — "
        "connections they allowed stop",
        [group.id],
    )
    return Proposal(
        [entry], what=f"remove {plural(len(rules), 'rule')} from {group.id}", region=region
    )


def _run(writers: Writers, args: CloseArgs) -> str:
    assert args.region is not None  # the preview fixed it
    rules = recorded(args.rules, "the rules to remove")
    return revoke_rules(writers.aws(), args.region, args.group_id, rules).message


def _calls(args: CloseArgs) -> list[ApiCall]:
    if args.rules is None:
        raise BadInput("The plan does not record the rules to remove; it is not applied.")
    return [
        ec2_request(
            f"RevokeSecurityGroup{direction}",
            params,
            region=args.region,
            resources=(ec2_arn("security-group", args.group_id),),
        )
        for direction, params in revoke_params(args.group_id, args.rules)
    ]


def _verify(reader: Reader, args: CloseArgs) -> Verification:
    assert args.region is not None  # the preview fixed it
    group = describe_security_group(reader.session(), args.region, args.group_id)
    present = rules_of(group)
    left = [r for r in args.rules or [] if r in present]
    if left:
        shown = "; ".join(r.summary() for r in left[:5])
        return NotAsPlanned(f"{group.id} still has {plural(len(left), 'rule')}: {shown}")
    return Verified(f"{group.id} has none of the {plural(len(args.rules or []), 'rule')}")


def _rule_back(rule: OpenRule, args: CloseArgs) -> RuleArgs:
    """The ``ec2 sg authorize`` arguments that add ``rule`` again.

    Raises:
        BadInput: ``ec2 sg authorize`` cannot express it (an ICMP type, a protocol number).
    """
    protocol = {"-1": "all"}.get(rule.protocol, rule.protocol)
    port = ""
    if protocol in ("tcp", "udp"):
        low, high = rule.from_port, rule.to_port
        port = "all" if low is None else (str(low) if high in (None, low) else f"{low}-{high}")
    elif protocol in ("icmp", "icmpv6"):
        if rule.from_port not in (None, -1):
            raise BadInput(
                f"{rule.summary()} names ICMP type {rule.from_port}, which `ec2 sg authorize` "
                "cannot add; add it back by hand if it is needed"
            )
    elif protocol != "all":
        raise BadInput(
            f"{rule.summary()} uses IP protocol {rule.protocol}, which `ec2 sg authorize` "
            "cannot add; add it back by hand if it is needed"
        )
    peer = {"cidr": "cidr", "group": "source_group", "prefix_list": "prefix_list"}[rule.peer_kind]
    return RuleArgs.model_validate(
        {
            "region": args.region,
            "group_id": args.group_id,
            "revoke": False,
            "port": port,
            "protocol": protocol,
            "egress": rule.egress,
            peer: rule.peer,
        }
    )


def _undo(reader: Reader, before: object, args: CloseArgs) -> list[PlanEntry]:
    """Add the removed rules again, one ``ec2 sg authorize`` entry each (without their
    descriptions); none at all when one of them cannot be expressed that way."""
    rules = args.rules or []
    backs = [_rule_back(rule, args) for rule in rules]
    return [
        RULE.entry(
            back,
            f"Roll back: add {rule.summary()} to {args.group_id} again"
            + (" — open to the whole internet" if rule.peer in WORLD else ""),
            [args.group_id],
        )
        for rule, back in zip(rules, backs, strict=True)
    ]


CLOSE_SECURITY_GROUP = Write(
    name="ec2.close_security_group",
    args=CloseArgs,
    summary="Plan to remove a security group's rules open to the internet (or all its rules).",
    service="ec2",
    commands=(
        Command(
            "ec2 sg close SG_ID [--ports P,...] [--all-rules]",
            "Plan to remove a group's inbound rules open to the internet (or every rule).",
        ),
    ),
    guide="Without options: every inbound rule from 0.0.0.0/0 or ::/0; with ports: only "
    "those reaching them; all_rules: every inbound and outbound rule (for a VPC's default "
    "group). The plan names each rule it removes; traffic they allowed stops.",
    reads=("ec2:DescribeSecurityGroups",),
    actions=("ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"),
    arns=("arn:{partition}:ec2:{region}:{account}:security-group/{group_id}",),
    plan=_plan,
    run=_run,
    calls=_calls,
    verify=_verify,
    undo=_undo,
    examples=(
        {
            "region": "us-east-1",
            "group_id": "sg-0123456789abcdef0",
            "ports": [22],
            "all_rules": False,
            "rules": [
                {"protocol": "tcp", "from_port": 22, "to_port": 22, "peer": "0.0.0.0/0"},
                {"protocol": "tcp", "from_port": 22, "to_port": 22, "peer": "::/0"},
            ],
        },
        {
            "region": "us-east-1",
            "group_id": "sg-0123456789abcdef0",
            "ports": [],
            "all_rules": True,
            "rules": [
                {"protocol": "-1", "peer_kind": "group", "peer": "sg-0123456789abcdef0"},
                {"egress": True, "protocol": "-1", "peer": "0.0.0.0/0"},
            ],
        },
    ),
)

OPERATIONS = (CLOSE_SECURITY_GROUP,)
