"""EC2 security groups: their rules as typed models, what uses a group, creating and deleting
one. Adding and removing a rule lives in :mod:`.security_group_rules`.

:func:`security_group_from` is the one parser of a raw DescribeSecurityGroups item: the
commands, the agent and the audit read a group (and its rules) through it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, Field, computed_field

from devops_agent.aws import (
    PROTOCOL_NAMES,
    AwsModel,
    InRegion,
    Regions,
    aws_errors,
    check_region,
    client,
    named,
    one_region,
    pages,
    regions_for,
    tags_of,
    vpc,
    vpc_filter,
)
from devops_agent.aws.describe import Describe
from devops_agent.aws.ec2.network import interfaces_found_by
from devops_agent.aws.listing import listing, read_regions
from devops_agent.aws.writes import (
    Change,
    Tags,
    delete_ec2_resource,
    ec2_arn,
    ec2_request,
    resource_id,
    send_ec2,
    tag_list,
)
from devops_agent.errors import BadInput, ServiceError
from devops_agent.operation import (
    ApiCall,
    Command,
    Grant,
    NotAsPlanned,
    Option,
    PlanEntry,
    Positional,
    Proposal,
    Read,
    Reader,
    Verification,
    Verified,
    Write,
    Writers,
)
from devops_agent.report import Result, Table
from devops_agent.sanitize import table_cell

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_ec2 import EC2Client

__all__ = [
    "PROTOCOL_NAMES",
    "GroupId",
    "SecurityGroup",
    "SecurityGroupDetails",
    "SecurityGroupRule",
    "SecurityGroupUse",
    "create_security_group",
    "delete_security_group",
    "describe_security_group",
    "find_group_by_name",
    "group_params",
    "list_security_groups",
    "rule_from",
    "security_group_from",
    "security_group_use",
]


class SecurityGroupRule(AwsModel):
    """One permission of a security group: a protocol, a port range and its peers by kind."""

    protocol: str
    """``tcp``, ``udp``, ``icmp``, ``icmpv6``, ``all``, or an IP protocol number."""
    from_port: int | None = None
    """First port (ICMP type for ICMP); ``None`` for every port (all protocols, or a TCP
    or UDP rule without a range)."""
    to_port: int | None = None
    """Last port (ICMP code for ICMP); ``None`` for every port."""
    ipv4: list[str] = Field(default_factory=list)
    """IPv4 CIDR peers (``0.0.0.0/0`` is the whole internet)."""
    ipv6: list[str] = Field(default_factory=list)
    """IPv6 CIDR peers (``::/0`` is the whole internet)."""
    groups: list[str] = Field(default_factory=list)
    """Security group ids whose members are peers."""
    prefix_lists: list[str] = Field(default_factory=list)
    """Managed prefix list ids."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ports(self) -> str:
        """``"22"``, a range ``"1024-65535"``, or ``"all"``."""
        if self.protocol == "all" or self.from_port is None or self.from_port == -1:
            return "all"
        if self.to_port is None or self.from_port == self.to_port:
            return str(self.from_port)
        return f"{self.from_port}-{self.to_port}"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def sources(self) -> list[str]:
        """Every peer: IPv4 and IPv6 CIDRs, security group ids, prefix list ids."""
        return [*self.ipv4, *self.ipv6, *self.groups, *self.prefix_lists]


class SecurityGroup(AwsModel):
    """One security group with its rules."""

    id: str
    """Group id, ``sg-...``."""
    name: str
    """Group name (``default`` for a VPC's default group)."""
    description: str = ""
    """Description given at creation."""
    vpc_id: str | None = None
    """VPC the group belongs to."""
    region: str
    """Region the group lives in."""
    ingress: list[SecurityGroupRule] = Field(default_factory=list)
    """Inbound rules."""
    egress: list[SecurityGroupRule] = Field(default_factory=list)
    """Outbound rules."""
    tags: dict[str, str] = Field(default_factory=dict)
    """All tags, key to value."""

    @property
    def is_default(self) -> bool:
        """The VPC's default group (AWS never deletes it)."""
        return self.name == "default"


def security_group_from(raw: Any, region: str) -> SecurityGroup:
    """The model of one raw DescribeSecurityGroups item, read in ``region``.

    Args:
        raw: One item as boto3 returns it.
        region: The region it was read in.

    Returns:
        The group's model.
    """
    return SecurityGroup(
        id=raw["GroupId"],
        name=raw.get("GroupName", ""),
        description=raw.get("Description", ""),
        vpc_id=raw.get("VpcId") or None,
        region=region,
        ingress=[rule_from(p) for p in raw.get("IpPermissions", [])],
        egress=[rule_from(p) for p in raw.get("IpPermissionsEgress", [])],
        tags=tags_of(dict(raw)),
    )


_SECURITY_GROUPS = Describe(
    "ec2:DescribeSecurityGroups",
    security_group_from,
    order=lambda g: (g.region, g.vpc_id or "", g.name, g.id),
)
"""How a region's security groups are read: the call, the parser, the order."""


def rule_from(permission: Any) -> SecurityGroupRule:
    """The model of one raw ``IpPermissions`` item.

    ``-1`` means every protocol; a TCP or UDP rule without a port range (or with ``-1``)
    covers every port, so both become ``None``. ICMP keeps its type and code as AWS
    reports them.

    Args:
        permission: One ``IpPermissions`` item as boto3 returns it.

    Returns:
        The rule's model.
    """
    raw_protocol = str(permission.get("IpProtocol", "-1")).lower()
    protocol = PROTOCOL_NAMES.get(raw_protocol, raw_protocol)
    from_port = permission.get("FromPort")
    to_port = permission.get("ToPort")
    if protocol == "all" or (protocol in ("tcp", "udp") and from_port in (None, -1)):
        from_port = to_port = None
    return SecurityGroupRule(
        protocol=protocol,
        from_port=from_port,
        to_port=to_port,
        ipv4=[r["CidrIp"] for r in permission.get("IpRanges", []) if "CidrIp" in r],
        ipv6=[r["CidrIpv6"] for r in permission.get("Ipv6Ranges", []) if "CidrIpv6" in r],
        groups=[p["GroupId"] for p in permission.get("UserIdGroupPairs", []) if "GroupId" in p],
        prefix_lists=[
            p["PrefixListId"] for p in permission.get("PrefixListIds", []) if "PrefixListId" in p
        ],
    )


def list_security_groups(
    session: boto3.Session,
    region: str,
    vpc_id: str | None = None,
    *,
    page_size: int | None = None,
    ec2: EC2Client | None = None,
) -> list[SecurityGroup]:
    """Security groups in one region (optionally one VPC), with their rules.

    Args:
        session: credentials to read with.
        region: the region to read.
        vpc_id: only groups of this VPC; all VPCs when ``None``.
        page_size: groups per request (5-1000); the service default when ``None``.
        ec2: a client to call with (the audit passes its shared, counted one); one is
            made from ``session`` when ``None``.

    Returns:
        The groups, sorted by VPC, name, id; each with ingress and egress rules
        as protocol, ports and peers.

    Raises:
        BadInput: malformed VPC id. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    filters = vpc_filter(vpc_id)
    return _SECURITY_GROUPS.read(
        session, region, about=vpc_id, ec2=ec2, page_size=page_size, Filters=filters
    )


class SecurityGroupUse(AwsModel):
    """What keeps a security group from being deleted."""

    network_interfaces: list[str] = Field(default_factory=list)
    """Network interfaces (``eni-...``, with their instance when attached) using it."""
    referenced_by: list[str] = Field(default_factory=list)
    """Other groups whose rules name it."""


def describe_security_group(session: boto3.Session, region: str, group_id: str) -> SecurityGroup:
    """One security group with its inbound and outbound rules.

    Args:
        session: Credentials to read with (``ec2:DescribeSecurityGroups``).
        region: The region.
        group_id: The security group (``sg-…``).

    Returns:
        The group with its rules.

    Raises:
        BadInput: malformed id. ServiceError: no such group in the region (the
            message names it) or AWS refused (``ec2:DescribeSecurityGroups``).
    """
    region = check_region(session, region)
    wanted = resource_id(group_id, "sg", "security group")
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeSecurityGroups", resource=wanted, region=region):
        raw = ec2.describe_security_groups(GroupIds=[wanted])["SecurityGroups"][0]
    return security_group_from(raw, region)


def security_group_use(session: boto3.Session, region: str, group_id: str) -> SecurityGroupUse:
    """The network interfaces and groups that use or name a security group.

    Args:
        session: Credentials to read with.
        region: The region.
        group_id: The security group (``sg-…``).

    Returns:
        Who uses the group and who names it.

    Raises:
        ServiceError: AWS refused (``ec2:DescribeNetworkInterfaces`` or
            ``ec2:DescribeSecurityGroups``).
    """
    region = check_region(session, region)
    wanted = resource_id(group_id, "sg", "security group")
    ec2 = client(session, "ec2", region)
    interfaces = interfaces_found_by(session, region, "group-id", wanted, ec2=ec2)
    with aws_errors("ec2:DescribeSecurityGroups", resource=wanted, region=region):
        referencing = sorted(
            {
                raw["GroupId"]
                for name in ("ip-permission.group-id", "egress.ip-permission.group-id")
                for page in pages(
                    ec2, "describe_security_groups", Filters=[{"Name": name, "Values": [wanted]}]
                )
                for raw in page.get("SecurityGroups", [])
                if raw["GroupId"] != wanted
            }
        )
    return SecurityGroupUse(network_interfaces=interfaces, referenced_by=referencing)


def group_params(
    name: str, description: str, vpc_id: str, tags: dict[str, str] | None = None
) -> dict[str, Any]:
    """The CreateSecurityGroup parameters: what the executor sends and the plan shows.

    Args:
        name: The group's name.
        description: Its description.
        vpc_id: The VPC it belongs to.
        tags: Tags for the group.

    Returns:
        The call's parameters, without ``DryRun``.
    """
    vpc = resource_id(vpc_id, "vpc", "VPC")
    params: dict[str, Any] = {"GroupName": name, "Description": description, "VpcId": vpc}
    if tags:
        params["TagSpecifications"] = [{"ResourceType": "security-group", "Tags": tag_list(tags)}]
    return params


def find_group_by_name(
    session: boto3.Session, region: str, vpc_id: str, name: str
) -> SecurityGroup | None:
    """The group called ``name`` in a VPC, or ``None``.

    Args:
        session: Credentials to read with (``ec2:DescribeSecurityGroups``).
        region: The region.
        vpc_id: The VPC.
        name: The group's name.

    Returns:
        The group, or ``None``.
    """
    return next(
        (g for g in list_security_groups(session, region, vpc_id=vpc_id) if g.name == name),
        None,
    )


def create_security_group(
    session: boto3.Session,
    region: str,
    name: str,
    description: str,
    vpc_id: str,
    tags: dict[str, str] | None = None,
) -> Change:
    """Create a security group in a VPC (with EC2's default allow-all egress rule).

    Args:
        session: The write role's session.
        region: The region.
        name: The group's name.
        description: Its description.
        vpc_id: The VPC it belongs to.
        tags: Tags for the group.

    Returns:
        What was done, with the new group's id.
    """
    region = check_region(session, region)
    params = group_params(name, description, vpc_id, tags)
    vpc = params["VpcId"]
    answer = send_ec2(session, region, "CreateSecurityGroup", resource=name, **params)
    group_id = answer["GroupId"]
    return Change(
        action="ec2:CreateSecurityGroup",
        resource=group_id,
        message=f"created security group {group_id} ({name}) in {vpc}",
    )


def delete_security_group(session: boto3.Session, region: str, group_id: str) -> Change:
    """Delete a security group (EC2 refuses while anything uses it).

    Args:
        session: The write role's session.
        region: The region.
        group_id: The security group.

    Returns:
        What was done.
    """
    return delete_ec2_resource(
        session,
        region,
        group_id,
        prefix="sg",
        what="security group",
        action="ec2:DeleteSecurityGroup",
        param="GroupId",
    )


# --------------------------------------------------------------------------- operations


def _group_id(value: str) -> str:
    return resource_id(value, "sg", "security group")


def _vpc_id(value: str | None) -> str | None:
    return None if value is None else resource_id(value, "vpc", "VPC")


GroupId = Annotated[str, AfterValidator(_group_id)]
"""A security group id, ``sg-`` and 8 or 17 hex digits, lower-cased."""


class ListSecurityGroupsArgs(Regions):
    """Arguments of ``ec2 sg list``."""

    vpc_id: Annotated[str | None, Option("--vpc"), AfterValidator(_vpc_id)] = None
    """Only groups of this VPC (vpc-...); null for every VPC."""


def _list(reader: Reader, args: ListSecurityGroupsArgs) -> list[SecurityGroup]:
    return read_regions(
        reader, args.region, lambda s, r: list_security_groups(s, r, vpc_id=args.vpc_id)
    )


def _inbound(group: SecurityGroup) -> str:
    return "; ".join(
        f"{r.protocol} {r.ports} from {', '.join(r.sources) or '-'}" for r in group.ingress
    )


def _list_table(
    reader: Reader, args: ListSecurityGroupsArgs, groups: list[SecurityGroup]
) -> Result:
    regions = regions_for(reader, args.region)
    rows = [[g.id, g.name, g.vpc_id or "", g.region, _inbound(g) or "none"] for g in groups]
    columns = ["Group", "Name", "VPC", "Region", "Inbound rules"]
    return listing(
        regions, groups, what="security group", key="security_groups", columns=columns, rows=rows
    )


LIST = Read(
    name="ec2.list_security_groups",
    args=ListSecurityGroupsArgs,
    summary="Security groups and inbound rules.",
    service="ec2",
    commands=(Command("ec2 sg list [--vpc VPC_ID]", "Security groups and inbound rules."),),
    guide="List security groups with their inbound (ingress) and outbound (egress) rules. "
    "Each rule gives protocol, ports and sources (CIDRs such as 0.0.0.0/0 or ::/0 mean open "
    'to the whole internet; sg- ids are other groups). Use it for "what is open to the '
    'world" questions.',
    specialists=("ec2", "network"),
    actions=("ec2:DescribeSecurityGroups",),
    read=_list,
    render=_list_table,
)


class SecurityGroupArgs(InRegion):
    """Arguments of ``ec2 sg describe`` and ``ec2 sg delete``."""

    group_id: Annotated[GroupId, Positional()]
    """The security group id (sg-...)."""


class SecurityGroupDetails(AwsModel):
    """One security group, its rules, and what uses it."""

    region: str
    """Region the group lives in."""
    security_group: SecurityGroup
    """The group with its inbound and outbound rules."""
    use: SecurityGroupUse
    """Network interfaces that use it and groups whose rules name it."""


def _describe(reader: Reader, args: SecurityGroupArgs) -> SecurityGroupDetails:
    region = one_region(reader, args.region, "`ec2 sg describe`")
    session = reader.session()
    with named():
        group = describe_security_group(session, region, args.group_id)
    use = security_group_use(session, region, group.id)
    return SecurityGroupDetails(region=region, security_group=group, use=use)


def _rule_rows(rules: list[SecurityGroupRule]) -> list[list[Any]]:
    return [[r.protocol, r.ports, ", ".join(r.sources) or "-"] for r in rules]


def _describe_table(
    reader: Reader, args: SecurityGroupArgs, details: SecurityGroupDetails
) -> Result:
    group, use = details.security_group, details.use
    return Result(
        title=f"Security group {group.id} ({group.name}) in {group.vpc_id or details.region}",
        text=(group.description and f"Description: {table_cell(group.description)}\n\n")
        + (
            f"Used by {', '.join(use.network_interfaces)}."
            if use.network_interfaces
            else "No network interface uses it."
        )
        + (f" Named in the rules of {', '.join(use.referenced_by)}." if use.referenced_by else ""),
        tables=[
            Table(
                title="Inbound",
                columns=["Protocol", "Ports", "From"],
                rows=_rule_rows(group.ingress),
                empty="No inbound rules: nothing may connect in.",
            ),
            Table(
                title="Outbound",
                columns=["Protocol", "Ports", "To"],
                rows=_rule_rows(group.egress),
                empty="No outbound rules.",
            ),
        ],
        data={
            "region": details.region,
            "security_group": group.model_dump(mode="json"),
            "use": use.model_dump(mode="json"),
        },
    )


DESCRIBE = Read(
    name="ec2.describe_security_group",
    args=SecurityGroupArgs,
    summary="A security group's rules and users.",
    service="ec2",
    commands=(Command("ec2 sg describe SG_ID", "A security group's rules and users."),),
    guide="One security group by id: its inbound and outbound rules, the network interfaces "
    "(and instances) that use it, and the other groups whose rules name it. Use it before "
    "proposing to change or delete a group.",
    specialists=("ec2", "network"),
    actions=("ec2:DescribeSecurityGroups", "ec2:DescribeNetworkInterfaces"),
    read=_describe,
    render=_describe_table,
)


def _ascii_text(value: str, what: str) -> str:
    if len(value) > 255 or not value.isascii():
        raise BadInput(f"A {what} is at most 255 ASCII characters.")
    return value


def _group_name(value: str) -> str:
    name = value.strip()
    if not 1 <= len(name) <= 255 or not name.isascii() or name.lower().startswith("sg-"):
        raise BadInput(f"'{name}' cannot be a security group name (1-255 ASCII, not sg-...).")
    return name


class CreateSecurityGroupArgs(InRegion):
    """Arguments of ``ec2 sg create``."""

    name: Annotated[str, Positional(), AfterValidator(_group_name)]
    """The new group's name: 1-255 ASCII characters, not starting with sg-."""
    vpc_id: Annotated[str, Option("--vpc"), AfterValidator(_vpc_id)]
    """The VPC the group belongs to (vpc-...)."""
    description: Annotated[
        str, AfterValidator(lambda v: _ascii_text(v, "security group description"))
    ] = ""
    """What the group is for (at most 255 ASCII characters); empty for a default one."""
    tags: Tags
    """Tags for the group, key to value."""


def _plan_create(reader: Reader, args: CreateSecurityGroupArgs) -> Proposal:
    region = one_region(reader, args.region, "`ec2 sg create`")
    session = reader.session()
    with named():
        network = vpc.describe_vpc(session, region, args.vpc_id)
    if any(g.name == args.name for g in list_security_groups(session, region, vpc_id=network.id)):
        raise BadInput(f"{network.id} already has a security group called '{args.name}'.")
    description = args.description or f"{args.name} (created by devops-agent)"
    entry = CREATE.entry(
        args.model_copy(
            update={"region": region, "vpc_id": network.id, "description": description}
        ),
        f"Create security group '{args.name}' in {network.id} (no inbound rules; all "
        "outbound allowed)",
        [network.id],
    )
    return Proposal([entry], what=f"create security group {args.name}", region=region)


def _run_create(writers: Writers, args: CreateSecurityGroupArgs) -> str:
    assert args.region is not None  # the preview fixed it
    return create_security_group(
        writers.aws(), args.region, args.name, args.description, args.vpc_id, tags=args.tags
    ).message


def _create_calls(args: CreateSecurityGroupArgs) -> list[ApiCall]:
    params = group_params(args.name, args.description, args.vpc_id, args.tags)
    extra: tuple[Grant, ...] = ()
    if args.tags:
        extra = (
            Grant(
                action="ec2:CreateTags",
                resources=(ec2_arn("security-group", "*"),),
                conditions={"StringEquals": {"ec2:CreateAction": ["CreateSecurityGroup"]}},
            ),
        )
    return [
        ec2_request(
            "CreateSecurityGroup",
            params,
            region=args.region,
            resources=(ec2_arn("security-group", "*"),),
            uses=(ec2_arn("vpc", params["VpcId"]),),
            extra=extra,
        )
    ]


def _created(reader: Reader, args: CreateSecurityGroupArgs) -> SecurityGroup | None:
    assert args.region is not None  # the preview fixed it
    return find_group_by_name(reader.session(), args.region, args.vpc_id, args.name)


def _verify_create(reader: Reader, args: CreateSecurityGroupArgs) -> Verification:
    group = _created(reader, args)
    if group is None:
        return NotAsPlanned(f"{args.vpc_id} has no security group called '{args.name}'")
    return Verified(f"{group.id} ({group.name}) exists in {args.vpc_id}")


def _undo_create(reader: Reader, before: object, args: CreateSecurityGroupArgs) -> list[PlanEntry]:
    group = _created(reader, args)
    if group is None:
        return []
    return [
        DELETE.entry(
            SecurityGroupArgs(region=args.region, group_id=group.id),
            f"Roll back: delete security group {group.id} ({group.name}) in {args.vpc_id}",
            [group.id],
        )
    ]


CREATE = Write(
    name="ec2.create_security_group",
    args=CreateSecurityGroupArgs,
    summary="Plan to create a security group.",
    service="ec2",
    commands=(
        Command(
            "ec2 sg create NAME --vpc VPC_ID [--description D] [--tag K=V,...]",
            "Plan to create a security group.",
        ),
    ),
    guide="A new group has no inbound rules and EC2's default allow-all outbound rule; add "
    "rules with change_security_group_rule once it exists. Refused when the VPC already has "
    "a group of that name.",
    reads=("ec2:DescribeVpcs", "ec2:DescribeSecurityGroups"),
    actions=("ec2:CreateSecurityGroup", "ec2:CreateTags"),
    arns=(
        "arn:{partition}:ec2:{region}:{account}:security-group/*",
        "arn:{partition}:ec2:{region}:{account}:vpc/{vpc_id}",
    ),
    plan=_plan_create,
    run=_run_create,
    calls=_create_calls,
    verify=_verify_create,
    undo=_undo_create,
    examples=(
        {
            "region": "us-east-1",
            "name": "web",
            "vpc_id": "vpc-0123456789abcdef0",
            "description": "web (created by devops-agent)",
            "tags": {"team": "web"},
        },
    ),
)


def _plan_delete(reader: Reader, args: SecurityGroupArgs) -> Proposal:
    region = one_region(reader, args.region, "`ec2 sg delete`")
    session = reader.session()
    with named():
        group = describe_security_group(session, region, args.group_id)
    if group.name == "default":
        raise BadInput(f"{group.id} is its VPC's default group; AWS never deletes it.")
    use = security_group_use(session, region, group.id)
    if use.network_interfaces or use.referenced_by:
        blockers = [*use.network_interfaces, *(f"rules of {g}" for g in use.referenced_by)]
        raise BadInput(
            f"{group.id} ({group.name}) is still in use: {', '.join(blockers)}.",
            remedy="Move the instances to other groups and remove the rules that name it first.",
        )
    entry = DELETE.entry(
        args.model_copy(update={"region": region, "group_id": group.id}),
        f"Delete security group {group.id} ({group.name}) in {group.vpc_id}",
        [group.id],
    )
    return Proposal([entry], what=f"delete security group {group.id}", region=region)


def _run_delete(writers: Writers, args: SecurityGroupArgs) -> str:
    assert args.region is not None  # the preview fixed it
    return delete_security_group(writers.aws(), args.region, args.group_id).message


def _delete_calls(args: SecurityGroupArgs) -> list[ApiCall]:
    return [
        ec2_request(
            "DeleteSecurityGroup",
            {"GroupId": args.group_id},
            region=args.region,
            resources=(ec2_arn("security-group", args.group_id),),
        )
    ]


def _verify_delete(reader: Reader, args: SecurityGroupArgs) -> Verification:
    assert args.region is not None  # the preview fixed it
    try:
        group = describe_security_group(reader.session(), args.region, args.group_id)
    except ServiceError as exc:
        if (exc.code or "").endswith("NotFound"):
            return Verified(f"{args.group_id} is gone")
        raise
    return NotAsPlanned(f"{group.id} ({group.name}) still exists")


DELETE = Write(
    name="ec2.delete_security_group",
    args=SecurityGroupArgs,
    summary="Plan to delete an unused security group.",
    service="ec2",
    commands=(Command("ec2 sg delete SG_ID", "Plan to delete an unused security group."),),
    guide="Refused for a VPC's default group, and while a network interface uses the group "
    "or another group's rule names it (the error lists them).",
    reads=("ec2:DescribeSecurityGroups", "ec2:DescribeNetworkInterfaces"),
    actions=("ec2:DeleteSecurityGroup",),
    arns=("arn:{partition}:ec2:{region}:{account}:security-group/{group_id}",),
    plan=_plan_delete,
    run=_run_delete,
    calls=_delete_calls,
    verify=_verify_delete,
    irreversible="a deleted security group is gone for good: a new one gets a new id, and "
    "nothing that named the old id follows it",
    examples=({"region": "us-east-1", "group_id": "sg-0123456789abcdef0"},),
)


OPERATIONS = (LIST, DESCRIBE, CREATE, DELETE)
