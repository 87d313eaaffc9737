"""The command language (CONTRACT.md §5): parse the text after the trigger, run it.

Only the first line is a command; a second ``/devops …`` line in the same comment
is never run (one comment, one command). Text that does not start with a command
word is a request in plain language, which goes to the agent.

Read commands run at once with the read session. Commands that would change AWS
or GitHub are not carried out here: they produce a plan (CONTRACT.md §6).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from devops_agent.errors import BadInput, UnknownCommand
from devops_agent.report import Result, Table

if TYPE_CHECKING:
    from devops_agent.context import DevOpsContext

_VALUE_OPTIONS = {"--region", "--state", "--ref", "--prefix", "--limit", "--vpc"}


@dataclass
class Invocation:
    """One parsed command line."""

    text: str
    """The whole first line as typed (for echoing back)."""
    words: tuple[str, ...]
    """Positional words, command words lower-cased by :func:`match`."""
    options: dict[str, str] = field(default_factory=dict)
    pairs: dict[str, str] = field(default_factory=dict)
    """``KEY=VALUE`` arguments (workflow inputs)."""
    args: tuple[str, ...] = ()
    """Positional arguments after the command words, case kept."""

    def option(self, name: str, default: str = "") -> str:
        """The value of ``--name`` or ``default``."""
        return self.options.get(name, default)


Handler = Callable[["DevOpsContext", Invocation], Result]


@dataclass(frozen=True)
class Spec:
    """A command: its words, usage line, one-line help and handler."""

    path: tuple[str, ...]
    usage: str
    summary: str
    handler: Handler | None = None
    """``None`` for a command of the contract this version cannot run yet."""
    options: frozenset[str] = frozenset()
    min_args: int = 0
    max_args: int | None = 0


def tokenize(text: str) -> Invocation:
    """Split the first line into words, ``--options`` and ``KEY=VALUE`` pairs."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    try:
        tokens = shlex.split(line)
    except ValueError as exc:
        raise BadInput(
            f"Could not read the command: {exc}.", remedy="Check the quotes in your command."
        ) from None
    words: list[str] = []
    options: dict[str, str] = {}
    pairs: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("--"):
            name, eq, value = token.partition("=")
            name = name.lower()
            if name in _VALUE_OPTIONS and not eq:
                if i + 1 >= len(tokens):
                    raise BadInput(f"{name} needs a value, e.g. {name} us-east-1.")
                value = tokens[i + 1]
                i += 1
            options[name] = value
        elif "=" in token and not token.startswith("=") and words:
            key, _, value = token.partition("=")
            pairs[key] = value
        else:
            words.append(token)
        i += 1
    return Invocation(text=line, words=tuple(words), options=options, pairs=pairs)


def match(invocation: Invocation) -> Spec | None:
    """The command the words name, or ``None`` when it is plain language."""
    lowered = tuple(w.lower() for w in invocation.words)
    best: Spec | None = None
    for spec in COMMANDS:
        if lowered[: len(spec.path)] == spec.path and (
            best is None or len(spec.path) > len(best.path)
        ):
            best = spec
    if best is None:
        if lowered and lowered[0] in _SERVICE_WORDS:
            family = [s for s in COMMANDS if s.path[0] == lowered[0]]
            usages = "\n".join(f"  {s.usage}" for s in family)
            raise UnknownCommand(
                f"`{' '.join(invocation.words[:2])}` is not a command.",
                remedy=f"{lowered[0]} commands are:\n{usages}",
            )
        return None
    invocation.args = invocation.words[len(best.path) :]
    unknown = set(invocation.options) - best.options
    if unknown:
        raise BadInput(
            f"`{' '.join(best.path)}` does not take {', '.join(sorted(unknown))}.",
            remedy=f"Usage: {best.usage}",
        )
    if len(invocation.args) < best.min_args or (
        best.max_args is not None and len(invocation.args) > best.max_args
    ):
        raise BadInput(
            f"Wrong number of arguments for `{' '.join(best.path)}`.", remedy=f"Usage: {best.usage}"
        )
    return best


def run_command(ctx: DevOpsContext, text: str) -> Result:
    """Run one command line, or hand plain language to the agent."""
    invocation = tokenize(text)
    if not invocation.words:
        return help_result(ctx, invocation)
    spec = match(invocation)
    if spec is None:
        return plain_language(ctx, text)
    if spec.handler is None:
        raise UnknownCommand(
            f"`{' '.join(spec.path)}` is part of the command language but not available in "
            "this version of devops-agent yet.",
            remedy="Run `help` to see the commands this version can run.",
        )
    result = spec.handler(ctx, invocation)
    return result.model_copy(update={"command": invocation.text})


# -- helpers shared by the handlers ----------------------------------------------


def _regions(ctx: DevOpsContext, invocation: Invocation) -> list[str]:
    """Regions named by ``--region`` (comma list, or ``all`` for aws-regions), validated."""
    from devops_agent.aws import check_region

    raw = invocation.option("--region", ctx.region)
    names = (
        list(ctx.regions)
        if raw.lower() == "all"
        else [r.strip() for r in raw.split(",") if r.strip()]
    )
    session = ctx.session()
    return [check_region(session, name.lower()) for name in dict.fromkeys(names)]


def _where(regions: list[str]) -> str:
    return regions[0] if len(regions) == 1 else f"{len(regions)} regions"


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _dump(items: list[Any]) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json") for item in items]


# -- handlers ------------------------------------------------------------------------


def help_result(ctx: DevOpsContext | None, invocation: Invocation | None = None) -> Result:
    """The list of commands this version can run."""
    trigger = ctx.settings.trigger if ctx else "/devops"
    rows = [[f"`{trigger} {s.usage}`", s.summary] for s in COMMANDS if s.handler is not None]
    text = (
        f"Write `{trigger}` and a command in a comment. Anything that is not a command is a "
        "request in plain language for the agent. Every AWS command takes `--region R` "
        "(a comma list, or `all` for the configured audit regions). Commands that change "
        "something post a plan that an authorized person applies with `apply PLAN_ID`."
    )
    return Result(
        title="devops-agent commands",
        command="help",
        text=text,
        tables=[Table(columns=["Command", "What it does"], rows=rows)],
        data={"commands": [s.usage for s in COMMANDS if s.handler is not None]},
    )


def plain_language(ctx: DevOpsContext, text: str) -> Result:
    """A request that is not a command: the agent answers it when a model is configured."""
    if ctx.settings.openai_api_key is None:
        help_text = help_result(ctx)
        return Result(
            status="failure",
            exit_code=2,
            command=text.splitlines()[0][:200],
            title="That is not a command, and no model is configured to answer requests",
            text=(
                "Requests in plain language need the `openai-api-key` input (and optionally "
                "`openai-base-url` for any OpenAI-compatible server). Without it only the "
                "command language below works.\n\n" + help_text.text
            ),
            tables=help_text.tables,
        )
    raise UnknownCommand(
        "Requests in plain language are not available in this version of devops-agent yet.",
        remedy="Use the command language; run `help` to see it.",
    )


def _ec2_list(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, ec2

    regions = _regions(ctx, inv)
    state = inv.option("--state") or None
    session = ctx.session()
    instances = across_regions(regions, lambda r: ec2.list_instances(session, r, state=state))
    rows = [
        [
            i.id,
            i.name or "",
            i.state,
            i.type,
            i.availability_zone or i.region,
            i.private_ip or "",
            i.public_ip or "",
            _when(i.launch_time),
        ]
        for i in instances
    ]
    which = f"{state} " if state else ""
    return Result(
        title=f"{_plural(len(instances), which + 'EC2 instance')} in {_where(regions)}",
        tables=[
            Table(
                columns=[
                    "Instance",
                    "Name",
                    "State",
                    "Type",
                    "Zone",
                    "Private IP",
                    "Public IP",
                    "Launched",
                ],
                rows=rows,
                empty=f"No {which}instances in {', '.join(regions)}.",
            )
        ],
        data={"regions": regions, "instances": _dump(instances)},
    )


def _ec2_describe(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import ec2

    (region,) = _regions(ctx, inv)[:1]
    instances = ec2.describe_instances(ctx.session(), region, list(inv.args))
    rows = [
        [
            i.id,
            i.name or "",
            i.state,
            i.type,
            i.availability_zone or "",
            i.vpc_id or "",
            i.subnet_id or "",
            i.private_ip or "",
            i.public_ip or "",
            i.image_id or "",
            i.key_name or "",
            ", ".join(i.security_group_ids),
            ", ".join(f"{k}={v}" for k, v in sorted(i.tags.items())),
        ]
        for i in instances
    ]
    return Result(
        title=f"{_plural(len(instances), 'EC2 instance')} in {region}",
        tables=[
            Table(
                columns=[
                    "Instance",
                    "Name",
                    "State",
                    "Type",
                    "Zone",
                    "VPC",
                    "Subnet",
                    "Private IP",
                    "Public IP",
                    "AMI",
                    "Key pair",
                    "Security groups",
                    "Tags",
                ],
                rows=rows,
            )
        ],
        data={"region": region, "instances": _dump(instances)},
    )


def _ec2_sg_list(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, ec2

    regions = _regions(ctx, inv)
    session = ctx.session()
    vpc_id = inv.option("--vpc") or None
    groups = across_regions(regions, lambda r: ec2.list_security_groups(session, r, vpc_id=vpc_id))

    def rules(group: ec2.SecurityGroup) -> str:
        return "; ".join(
            f"{r.protocol} {r.ports} from {', '.join(r.sources) or '-'}" for r in group.ingress
        )

    rows = [[g.id, g.name, g.vpc_id or "", g.region, rules(g) or "none"] for g in groups]
    return Result(
        title=f"{_plural(len(groups), 'security group')} in {_where(regions)}",
        tables=[Table(columns=["Group", "Name", "VPC", "Region", "Inbound rules"], rows=rows)],
        data={"regions": regions, "security_groups": _dump(groups)},
    )


def _ec2_keypairs(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, ec2

    regions = _regions(ctx, inv)
    session = ctx.session()
    pairs = across_regions(regions, lambda r: ec2.list_key_pairs(session, r))
    rows = [[k.name, k.id or "", k.type or "", k.region, _when(k.created)] for k in pairs]
    return Result(
        title=f"{_plural(len(pairs), 'key pair')} in {_where(regions)}",
        tables=[Table(columns=["Key pair", "ID", "Type", "Region", "Created"], rows=rows)],
        data={"regions": regions, "key_pairs": _dump(pairs)},
    )


def _s3_list(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import s3

    buckets = s3.list_buckets(ctx.session())
    wanted = inv.option("--region")
    if wanted:
        keep = set(_regions(ctx, inv))
        buckets = [b for b in buckets if b.region in keep]
    rows = [[b.name, b.region, _when(b.created)] for b in buckets]
    return Result(
        title=f"{_plural(len(buckets), 'S3 bucket')}" + (f" in {wanted}" if wanted else ""),
        tables=[Table(columns=["Bucket", "Region", "Created"], rows=rows, empty="No buckets.")],
        data={"buckets": _dump(buckets)},
    )


def _s3_ls(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import s3

    bucket = inv.args[0]
    prefix = inv.args[1] if len(inv.args) > 1 else inv.option("--prefix")
    limit = 1000
    objects = s3.list_objects(ctx.session(), bucket, prefix=prefix, limit=limit)
    rows = [[o.key, f"{o.size:,}", _when(o.last_modified), o.storage_class or ""] for o in objects]
    where = f"s3://{bucket}/{prefix}"
    return Result(
        title=("First " if len(objects) >= limit else "")
        + f"{_plural(len(objects), 'object')} in {where}",
        tables=[
            Table(
                columns=["Key", "Bytes", "Last modified", "Storage class"],
                rows=rows,
                empty=f"No objects under {where}.",
            )
        ],
        data={"bucket": bucket, "prefix": prefix, "objects": _dump(objects)},
    )


def _s3_policy(ctx: DevOpsContext, inv: Invocation) -> Result:
    import json

    from devops_agent.aws import s3

    bucket = inv.args[0]
    policy = s3.get_bucket_policy(ctx.session(), bucket)
    if policy is None:
        return Result(
            title=f"s3://{bucket} has no bucket policy", data={"bucket": bucket, "policy": None}
        )
    try:
        pretty = json.dumps(json.loads(policy), indent=2)
    except ValueError:
        pretty = policy
    pretty = pretty.replace("```", "'''")
    return Result(
        title=f"Bucket policy of s3://{bucket}",
        text=f"```json\n{pretty}\n```",
        data={"bucket": bucket, "policy": policy},
    )


def _iam_users(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import iam

    users = iam.list_users(ctx.session())
    rows = [
        [u.name, u.arn, _when(u.created), _when(u.password_last_used) or "never"] for u in users
    ]
    return Result(
        title=f"{_plural(len(users), 'IAM user')}",
        tables=[
            Table(
                columns=["User", "ARN", "Created", "Password last used"],
                rows=rows,
                empty="No IAM users.",
            )
        ],
        data={"users": _dump(users)},
    )


def _iam_roles(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import iam

    roles = iam.list_roles(ctx.session())
    rows = [[r.name, r.arn, r.description or "", _when(r.created)] for r in roles]
    return Result(
        title=f"{_plural(len(roles), 'IAM role')}",
        tables=[
            Table(
                columns=["Role", "ARN", "Description", "Created"], rows=rows, empty="No IAM roles."
            )
        ],
        data={"roles": _dump(roles)},
    )


def _iam_policies(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import iam

    policies = iam.list_policies(ctx.session())
    rows = [[p.name, p.arn, p.attachment_count, _when(p.updated)] for p in policies]
    return Result(
        title=f"{_plural(len(policies), 'customer managed IAM policy')}".replace(
            "policys", "policies"
        ),
        tables=[
            Table(
                columns=["Policy", "ARN", "Attachments", "Updated"],
                rows=rows,
                empty="No customer managed policies.",
            )
        ],
        data={"policies": _dump(policies)},
    )


def _vpc_list(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, vpc

    regions = _regions(ctx, inv)
    session = ctx.session()
    vpcs = across_regions(regions, lambda r: vpc.list_vpcs(session, r))
    rows = [
        [v.id, v.name or "", v.cidr, v.state, "yes" if v.is_default else "", v.region] for v in vpcs
    ]
    return Result(
        title=f"{_plural(len(vpcs), 'VPC')} in {_where(regions)}",
        tables=[Table(columns=["VPC", "Name", "CIDR", "State", "Default", "Region"], rows=rows)],
        data={"regions": regions, "vpcs": _dump(vpcs)},
    )


def _vpc_subnets(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, vpc

    regions = _regions(ctx, inv)
    session = ctx.session()
    vpc_id = inv.args[0] if inv.args else None
    subnets = across_regions(regions, lambda r: vpc.list_subnets(session, r, vpc_id=vpc_id))
    rows = [
        [
            s.id,
            s.name or "",
            s.vpc_id,
            s.cidr,
            s.availability_zone,
            s.available_ips,
            "yes" if s.map_public_ip_on_launch else "",
        ]
        for s in subnets
    ]
    return Result(
        title=f"{_plural(len(subnets), 'subnet')}"
        + (f" in {vpc_id}" if vpc_id else f" in {_where(regions)}"),
        tables=[
            Table(
                columns=[
                    "Subnet",
                    "Name",
                    "VPC",
                    "CIDR",
                    "Zone",
                    "Free IPs",
                    "Public IP on launch",
                ],
                rows=rows,
            )
        ],
        data={"regions": regions, "subnets": _dump(subnets)},
    )


def _vpc_routes(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, vpc

    regions = _regions(ctx, inv)
    session = ctx.session()
    vpc_id = inv.args[0] if inv.args else None
    tables = across_regions(regions, lambda r: vpc.list_route_tables(session, r, vpc_id=vpc_id))
    rows = [
        [t.id, t.vpc_id, "yes" if t.main else "", "; ".join(t.routes), ", ".join(t.associations)]
        for t in tables
    ]
    return Result(
        title=f"{_plural(len(tables), 'route table')}"
        + (f" in {vpc_id}" if vpc_id else f" in {_where(regions)}"),
        tables=[Table(columns=["Route table", "VPC", "Main", "Routes", "Associations"], rows=rows)],
        data={"regions": regions, "route_tables": _dump(tables)},
    )


def _ec2_state(action: str) -> Handler:
    """A planner: checks the instances exist, then proposes the state change."""

    def plan(ctx: DevOpsContext, inv: Invocation) -> Result:
        from devops_agent.apply import propose
        from devops_agent.aws import ec2
        from devops_agent.plans import PlanEntry

        regions = _regions(ctx, inv)
        if len(regions) != 1:
            raise BadInput(f"`ec2 {action}` works on one region at a time.")
        region = regions[0]
        instances = ec2.describe_instances(ctx.session(), region, list(inv.args))
        names = ", ".join(f"{i.id} ({i.name})" if i.name else i.id for i in instances)
        entry = PlanEntry(
            operation="ec2.instance_state",
            args={"action": action, "region": region, "instance_ids": [i.id for i in instances]},
            description=f"{action.capitalize()} {_plural(len(instances), 'instance')} in {region}: "
            f"{names}",
            resources=[i.id for i in instances],
        )
        what = f"{action} {_plural(len(instances), 'EC2 instance')} in {region}"
        return propose(ctx, [entry], region=region, what=what)

    return plan


def _apply(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.apply import apply

    return apply(ctx, inv.args[0] if inv.args else None)


_REGION = frozenset({"--region"})

COMMANDS: tuple[Spec, ...] = (
    Spec(
        ("help",), "help", "Show this list.", lambda ctx, inv: help_result(ctx, inv), max_args=None
    ),
    Spec(
        ("ec2", "list"),
        "ec2 list [--state S]",
        "EC2 instances (every state unless --state).",
        _ec2_list,
        _REGION | {"--state"},
    ),
    Spec(
        ("ec2", "describe"),
        "ec2 describe ID...",
        "Details of instances.",
        _ec2_describe,
        _REGION,
        min_args=1,
        max_args=50,
    ),
    Spec(
        ("ec2", "sg", "list"),
        "ec2 sg list [--vpc VPC_ID]",
        "Security groups and inbound rules.",
        _ec2_sg_list,
        _REGION | {"--vpc"},
    ),
    Spec(("ec2", "keypairs"), "ec2 keypairs", "EC2 key pairs.", _ec2_keypairs, _REGION),
    Spec(
        ("ec2", "start"),
        "ec2 start ID...",
        "Plan to start instances.",
        _ec2_state("start"),
        _REGION,
        1,
        50,
    ),
    Spec(
        ("ec2", "stop"),
        "ec2 stop ID...",
        "Plan to stop instances.",
        _ec2_state("stop"),
        _REGION,
        1,
        50,
    ),
    Spec(
        ("ec2", "reboot"),
        "ec2 reboot ID...",
        "Plan to reboot instances.",
        _ec2_state("reboot"),
        _REGION,
        1,
        50,
    ),
    Spec(
        ("ec2", "terminate"),
        "ec2 terminate ID...",
        "Plan to terminate instances.",
        _ec2_state("terminate"),
        _REGION,
        1,
        50,
    ),
    Spec(("s3", "list"), "s3 list", "S3 buckets with their regions.", _s3_list, _REGION),
    Spec(("s3", "ls"), "s3 ls BUCKET [PREFIX]", "Objects in a bucket.", _s3_ls, _REGION, 1, 2),
    Spec(("s3", "policy"), "s3 policy BUCKET", "A bucket's policy.", _s3_policy, _REGION, 1, 1),
    Spec(("iam", "users"), "iam users", "IAM users.", _iam_users, _REGION),
    Spec(("iam", "roles"), "iam roles", "IAM roles.", _iam_roles, _REGION),
    Spec(
        ("iam", "policies"),
        "iam policies",
        "Customer managed IAM policies.",
        _iam_policies,
        _REGION,
    ),
    Spec(("vpc", "list"), "vpc list", "VPCs.", _vpc_list, _REGION),
    Spec(
        ("vpc", "subnets"),
        "vpc subnets [VPC_ID]",
        "Subnets, optionally of one VPC.",
        _vpc_subnets,
        _REGION,
        0,
        1,
    ),
    Spec(
        ("vpc", "routes"),
        "vpc routes [VPC_ID]",
        "Route tables and their routes.",
        _vpc_routes,
        _REGION,
        0,
        1,
    ),
    Spec(("workflows", "list"), "workflows list", "Workflows of this repository.", None),
    Spec(
        ("workflows", "run"),
        "workflows run WORKFLOW [--ref REF] [KEY=VALUE...]",
        "Plan a workflow_dispatch run.",
        None,
        frozenset({"--ref"}),
        1,
        1,
    ),
    Spec(
        ("workflows", "status"),
        "workflows status [RUN_ID]",
        "Recent runs, or one run.",
        None,
        frozenset(),
        0,
        1,
    ),
    Spec(("audit",), "audit [ec2|s3|iam|vpc ...]", "Audit the AWS estate.", None, _REGION, 0, 4),
    Spec(("apply",), "apply [PLAN_ID]", "Carry out an approved plan.", _apply, frozenset(), 0, 1),
)

_SERVICE_WORDS = {spec.path[0] for spec in COMMANDS}
