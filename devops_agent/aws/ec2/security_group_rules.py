"""EC2 security group rules: one rule as EC2 takes it, checked from what was typed, and
the one operation that adds or removes it (``ec2 sg authorize|revoke``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, model_validator

from devops_agent.aws import AwsModel, InRegion, check_region, named, one_region
from devops_agent.aws.ec2.security_groups import (
    PROTOCOL_NAMES,
    GroupId,
    SecurityGroup,
    describe_security_group,
)
from devops_agent.aws.writes import (
    Change,
    cidr_block,
    ec2_arn,
    ec2_request,
    resource_id,
    send_ec2,
)
from devops_agent.errors import BadInput
from devops_agent.operation import (
    ApiCall,
    Command,
    NotAsPlanned,
    Option,
    PlanEntry,
    Positional,
    Proposal,
    Reader,
    Verification,
    Verified,
    Write,
    Writers,
)

if TYPE_CHECKING:
    import boto3

__all__ = [
    "PROTOCOLS",
    "RuleArgs",
    "RuleSpec",
    "change_security_group_rule",
    "has_rule",
    "rule_spec",
]

#: Protocol words people type, and the IpProtocol value EC2 takes.
PROTOCOLS = {
    "tcp": "tcp",
    "udp": "udp",
    "icmp": "icmp",
    "icmpv6": "icmpv6",
    "all": "-1",
    "-1": "-1",
}


class RuleSpec(AwsModel):
    """One security group rule as EC2 takes it, built from :class:`RuleArgs`."""

    protocol: str
    """EC2's IpProtocol: ``tcp``, ``udp``, ``icmp``, ``icmpv6`` or ``-1`` (all)."""
    from_port: int
    """First port (``-1`` for all protocols and ICMP)."""
    to_port: int
    """Last port (``-1`` for all protocols and ICMP)."""
    cidr: str | None = None
    """IPv4 or IPv6 CIDR peer."""
    source_group: str | None = None
    """Security group peer, ``sg-...``."""
    prefix_list: str | None = None
    """Managed prefix list peer, ``pl-...``."""
    description: str = ""
    """Rule description (shown in the console)."""

    @property
    def peer(self) -> str:
        """The peer, whichever kind it is."""
        return self.cidr or self.source_group or self.prefix_list or ""

    @property
    def ports(self) -> str:
        """``"443"``, ``"1024-2048"`` or ``"all"``."""
        if self.protocol == "-1" or self.from_port == -1:
            return "all"
        return (
            str(self.from_port)
            if self.from_port == self.to_port
            else f"{self.from_port}-{self.to_port}"
        )

    def summary(self) -> str:
        """One line for people: protocol, ports and peer.

        Returns:
            E.g. ``tcp 443 10.0.0.0/8``.
        """
        protocol = PROTOCOL_NAMES.get(self.protocol, self.protocol)
        return f"{protocol} {self.ports} {self.peer}"

    def permission(self) -> dict[str, Any]:
        """The ``IpPermissions`` item EC2 takes.

        Returns:
            One ``IpPermissions`` item.
        """
        item: dict[str, Any] = {"IpProtocol": self.protocol}
        if self.protocol != "-1":
            item["FromPort"] = self.from_port
            item["ToPort"] = self.to_port
        extra = {"Description": self.description} if self.description else {}
        if self.cidr and ":" in self.cidr:
            item["Ipv6Ranges"] = [{"CidrIpv6": self.cidr, **extra}]
        elif self.cidr:
            item["IpRanges"] = [{"CidrIp": self.cidr, **extra}]
        elif self.source_group:
            item["UserIdGroupPairs"] = [{"GroupId": self.source_group, **extra}]
        elif self.prefix_list:
            item["PrefixListIds"] = [{"PrefixListId": self.prefix_list, **extra}]
        return item


def rule_spec(
    *,
    protocol: str = "tcp",
    port: str = "",
    cidr: str = "",
    source_group: str = "",
    prefix_list: str = "",
    description: str = "",
) -> RuleSpec:
    """Validate what was typed for a security group rule.

    Args:
        protocol: ``tcp`` (default), ``udp``, ``icmp``, ``icmpv6`` or ``all``.
        port: ``443``, ``1024-2048`` or ``all``; needed for tcp and udp.
        cidr: IPv4 or IPv6 CIDR peer.
        source_group: security group peer.
        prefix_list: prefix list peer.
        description: rule description (ASCII, up to 255 characters).

    Returns:
        The rule as EC2 takes it.

    Raises:
        BadInput: unknown protocol, bad port range, not exactly one peer, bad CIDR or id.
    """
    word = protocol.strip().lower()
    if word not in PROTOCOLS:
        raise BadInput(f"'{protocol}' is not a protocol; use tcp, udp, icmp, icmpv6 or all.")
    ip_protocol = PROTOCOLS[word]
    from_port = to_port = -1
    if ip_protocol in ("tcp", "udp"):
        text = port.strip().lower()
        if not text:
            raise BadInput(
                f"A {ip_protocol} rule needs --port, e.g. --port 443 or --port 8000-8080."
            )
        if text == "all":
            from_port, to_port = 0, 65535
        else:
            low, _, high = text.partition("-")
            if not low.isdigit() or (high and not high.isdigit()):
                raise BadInput(f"'{port}' is not a port or a range like 8000-8080.")
            from_port, to_port = int(low), int(high or low)
            if not 0 <= from_port <= to_port <= 65535:
                raise BadInput(f"'{port}' is out of range: ports go from 0 to 65535, low to high.")
    elif port.strip() and port.strip().lower() != "all":
        raise BadInput(f"--port does not apply to {word}; leave it out.")
    peers = [p for p in (cidr, source_group, prefix_list) if p.strip()]
    if len(peers) != 1:
        raise BadInput(
            "Name exactly one peer: --cidr CIDR, --source-sg sg-... or --prefix-list pl-...."
        )
    if description and (len(description) > 255 or not description.isascii()):
        raise BadInput("A rule description is at most 255 ASCII characters.")
    return RuleSpec(
        protocol=ip_protocol,
        from_port=from_port,
        to_port=to_port,
        cidr=cidr_block(cidr) if cidr.strip() else None,
        source_group=resource_id(source_group, "sg", "security group")
        if source_group.strip()
        else None,
        prefix_list=resource_id(prefix_list, "pl", "prefix list") if prefix_list.strip() else None,
        description=description,
    )


def has_rule(group: SecurityGroup, spec: RuleSpec, *, egress: bool) -> bool:
    """Whether ``group`` already has the rule ``spec`` describes.

    Args:
        group: The security group as read.
        spec: The rule.
        egress: Look at the outbound rules rather than the inbound ones.

    Returns:
        Whether a rule with that protocol, those ports and that peer is there.
    """
    protocol = PROTOCOL_NAMES.get(spec.protocol, spec.protocol)
    rules = group.egress if egress else group.ingress
    return any(
        r.protocol == protocol
        and (protocol == "all" or (r.from_port, r.to_port) == (spec.from_port, spec.to_port))
        and spec.peer in r.sources
        for r in rules
    )


def change_security_group_rule(
    session: boto3.Session,
    region: str,
    group_id: str,
    spec: RuleSpec,
    *,
    egress: bool = False,
    revoke: bool = False,
) -> Change:
    """Authorize or revoke one inbound (or outbound) rule of a security group.

    Args:
        session: The write role's session.
        region: The region.
        group_id: The security group.
        spec: The rule.
        egress: An outbound rule rather than an inbound one.
        revoke: Remove the rule rather than add it.

    Returns:
        What was done.
    """
    region = check_region(session, region)
    wanted = resource_id(group_id, "sg", "security group")
    operation = f"{'Revoke' if revoke else 'Authorize'}SecurityGroup"
    operation += "Egress" if egress else "Ingress"
    permissions = [spec.permission()]
    send_ec2(session, region, operation, resource=wanted, GroupId=wanted, IpPermissions=permissions)
    action = f"ec2:{operation}"
    done = "revoked" if revoke else "authorized"
    way = "outbound" if egress else "inbound"
    return Change(
        action=action, resource=wanted, message=f"{done} {way} {spec.summary()} on {wanted}"
    )


# --------------------------------------------------------------------------- operations


def _protocol(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    word = value.strip().lower()
    if word == "-1":
        return "all"
    if word not in PROTOCOLS:
        raise BadInput(f"'{value}' is not a protocol; use tcp, udp, icmp, icmpv6 or all.")
    return word


def _port(value: Any) -> Any:
    return str(value).strip().lower() if isinstance(value, int | str) else value


def _optional_id(prefix: str, what: str) -> Callable[[str | None], str | None]:
    def check(value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return resource_id(value, prefix, what)

    return check


def _optional_cidr(value: str | None) -> str | None:
    return cidr_block(value) if value is not None and value.strip() else None


RuleProtocol = Literal["tcp", "udp", "icmp", "icmpv6", "all"]


class RuleArgs(InRegion):
    """Arguments of ``ec2 sg authorize`` and ``ec2 sg revoke``."""

    group_id: Annotated[GroupId, Positional()]
    """The security group whose rule changes (sg-...)."""
    revoke: bool
    """True to remove the rule, false to add it."""
    port: Annotated[str, BeforeValidator(_port)] = ""
    """A port (443), a range (8000-8080) or all; needed for tcp and udp, empty otherwise."""
    cidr: Annotated[str | None, AfterValidator(_optional_cidr)] = None
    """IPv4 or IPv6 CIDR peer, without host bits (10.0.0.0/8, ::/0)."""
    source_group: Annotated[
        str | None,
        Option("--source-sg"),
        AfterValidator(_optional_id("sg", "security group")),
    ] = None
    """Security group peer (sg-...)."""
    prefix_list: Annotated[str | None, AfterValidator(_optional_id("pl", "prefix list"))] = None
    """Managed prefix list peer (pl-...)."""
    protocol: Annotated[RuleProtocol, BeforeValidator(_protocol)] = "tcp"
    """tcp, udp, icmp, icmpv6 or all."""
    egress: bool = False
    """True for an outbound rule, false for an inbound one."""
    description: str = ""
    """Rule description shown in the console (at most 255 ASCII characters)."""

    @model_validator(mode="after")
    def _one_rule(self) -> RuleArgs:
        self.spec()  # the ports, the one peer and the description, checked together
        return self

    def spec(self) -> RuleSpec:
        """The rule as EC2 takes it.

        Returns:
            The rule, checked.
        """
        return rule_spec(
            protocol=self.protocol,
            port=self.port,
            cidr=self.cidr or "",
            source_group=self.source_group or "",
            prefix_list=self.prefix_list or "",
            description=self.description,
        )


def _plan_rule(reader: Reader, args: RuleArgs) -> Proposal:
    verb = "revoke" if args.revoke else "authorize"
    region = one_region(reader, args.region, f"`ec2 sg {verb}`")
    session = reader.session()
    spec = args.spec()
    with named():
        group = describe_security_group(session, region, args.group_id)
        if spec.source_group:
            describe_security_group(session, region, spec.source_group)
    way = "outbound" if args.egress else "inbound"
    exists = has_rule(group, spec, egress=args.egress)
    if exists and not args.revoke:
        raise BadInput(f"{group.id} already allows {way} {spec.summary()}.")
    if not exists and args.revoke:
        raise BadInput(
            f"{group.id} has no {way} rule {spec.summary()}; "
            f"`ec2 sg describe {group.id}` shows its rules."
        )
    warning = ""
    if not args.revoke and not args.egress and spec.cidr in ("0.0.0.0/0", "::/0"):
        warning = " — open to the whole internet"
    change = "Remove" if args.revoke else "Allow"
    entry = RULE.entry(
        args.model_copy(update={"region": region, "group_id": group.id}),
        f"{change} {way} {spec.summary()} on {group.id} ({group.name}){warning}",
        [group.id],
    )
    return Proposal([entry], what=f"{verb} a rule of {group.id}", region=region)


def _run_rule(writers: Writers, args: RuleArgs) -> str:
    assert args.region is not None  # the preview fixed it
    return change_security_group_rule(
        writers.aws(),
        args.region,
        args.group_id,
        args.spec(),
        egress=args.egress,
        revoke=args.revoke,
    ).message


def _rule_action(args: RuleArgs) -> str:
    verb = "Revoke" if args.revoke else "Authorize"
    return f"ec2:{verb}SecurityGroup{'Egress' if args.egress else 'Ingress'}"


def _rule_calls(args: RuleArgs) -> list[ApiCall]:
    action = _rule_action(args)
    return [
        ec2_request(
            action.split(":", 1)[1],
            {"GroupId": args.group_id, "IpPermissions": [args.spec().permission()]},
            region=args.region,
            resources=(ec2_arn("security-group", args.group_id),),
        )
    ]


def _verify_rule(reader: Reader, args: RuleArgs) -> Verification:
    assert args.region is not None  # the preview fixed it
    group = describe_security_group(reader.session(), args.region, args.group_id)
    spec = args.spec()
    way = "outbound" if args.egress else "inbound"
    present = has_rule(group, spec, egress=args.egress)
    read = f"{group.id} {'has' if present else 'has no'} {way} rule {spec.summary()}"
    return NotAsPlanned(read) if present == args.revoke else Verified(read)


def _undo_rule(reader: Reader, before: object, args: RuleArgs) -> list[PlanEntry]:
    """Remove the rule that was added, or add back the rule that was removed."""
    back = args.model_copy(update={"revoke": not args.revoke})
    spec = args.spec()
    way = "outbound" if args.egress else "inbound"
    change = "add back" if args.revoke else "remove"
    return [
        RULE.entry(
            back, f"Roll back: {change} {way} {spec.summary()} on {args.group_id}", [args.group_id]
        )
    ]


RULE = Write(
    name="ec2.security_group_rule",
    args=RuleArgs,
    summary="Add or remove one rule of a security group.",
    service="ec2",
    tool="change_security_group_rule",
    commands=(
        Command(
            "ec2 sg authorize SG_ID --port P[-P2] (--cidr CIDR | --source-sg SG_ID | "
            "--prefix-list PL_ID) [--protocol tcp|udp|icmp|icmpv6|all] [--egress] "
            "[--description D]",
            "Plan to add a rule to a security group.",
            revoke=False,
        ),
        Command(
            "ec2 sg revoke SG_ID --port P[-P2] (--cidr CIDR | --source-sg SG_ID | "
            "--prefix-list PL_ID) [--protocol P] [--egress]",
            "Plan to remove a rule from a security group.",
            revoke=True,
        ),
    ),
    guide="Name exactly one peer: cidr, source_group or prefix_list. Adding a rule that "
    "already exists, or removing one that does not, is refused; describe_security_group "
    "shows the rules first. A rule opening a port to 0.0.0.0/0 or ::/0 is planned with a "
    "warning.",
    reads=("ec2:DescribeSecurityGroups",),
    actions=(
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupEgress",
    ),
    arns=("arn:{partition}:ec2:{region}:{account}:security-group/{group_id}",),
    plan=_plan_rule,
    run=_run_rule,
    calls=_rule_calls,
    verify=_verify_rule,
    undo=_undo_rule,
    examples=tuple(
        {
            "region": "us-east-1",
            "group_id": "sg-0123456789abcdef0",
            "revoke": revoke,
            "port": "443",
            "cidr": "10.0.0.0/8",
            "egress": egress,
        }
        for revoke in (False, True)
        for egress in (False, True)
    ),
)

OPERATIONS = (RULE,)
