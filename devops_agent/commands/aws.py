"""AWS commands: reads answer at once; changes become plans (CONTRACT.md §5, §6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from devops_agent.commands.language import (
    REGION,
    Handler,
    Invocation,
    Spec,
    dump,
    plural,
    regions_of,
    when,
    where,
)
from devops_agent.errors import BadInput
from devops_agent.report import Result, Table

if TYPE_CHECKING:
    from devops_agent.context import DevOpsContext


def _ec2_list(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, ec2

    regions = regions_of(ctx, inv)
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
            when(i.launch_time),
        ]
        for i in instances
    ]
    which = f"{state} " if state else ""
    return Result(
        title=f"{plural(len(instances), which + 'EC2 instance')} in {where(regions)}",
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
        data={"regions": regions, "instances": dump(instances)},
    )


def _ec2_describe(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import ec2

    (region,) = regions_of(ctx, inv)[:1]
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
        title=f"{plural(len(instances), 'EC2 instance')} in {region}",
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
        data={"region": region, "instances": dump(instances)},
    )


def _ec2_sg_list(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, ec2

    regions = regions_of(ctx, inv)
    session = ctx.session()
    vpc_id = inv.option("--vpc") or None
    groups = across_regions(regions, lambda r: ec2.list_security_groups(session, r, vpc_id=vpc_id))

    def rules(group: ec2.SecurityGroup) -> str:
        return "; ".join(
            f"{r.protocol} {r.ports} from {', '.join(r.sources) or '-'}" for r in group.ingress
        )

    rows = [[g.id, g.name, g.vpc_id or "", g.region, rules(g) or "none"] for g in groups]
    return Result(
        title=f"{plural(len(groups), 'security group')} in {where(regions)}",
        tables=[Table(columns=["Group", "Name", "VPC", "Region", "Inbound rules"], rows=rows)],
        data={"regions": regions, "security_groups": dump(groups)},
    )


def _ec2_keypairs(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, ec2

    regions = regions_of(ctx, inv)
    session = ctx.session()
    pairs = across_regions(regions, lambda r: ec2.list_key_pairs(session, r))
    rows = [[k.name, k.id or "", k.type or "", k.region, when(k.created)] for k in pairs]
    return Result(
        title=f"{plural(len(pairs), 'key pair')} in {where(regions)}",
        tables=[Table(columns=["Key pair", "ID", "Type", "Region", "Created"], rows=rows)],
        data={"regions": regions, "key_pairs": dump(pairs)},
    )


def _s3_list(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import s3

    buckets = s3.list_buckets(ctx.session())
    wanted = inv.option("--region")
    if wanted:
        keep = set(regions_of(ctx, inv))
        buckets = [b for b in buckets if b.region in keep]
    rows = [[b.name, b.region, when(b.created)] for b in buckets]
    return Result(
        title=f"{plural(len(buckets), 'S3 bucket')}" + (f" in {wanted}" if wanted else ""),
        tables=[Table(columns=["Bucket", "Region", "Created"], rows=rows, empty="No buckets.")],
        data={"buckets": dump(buckets)},
    )


def _s3_ls(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import s3

    bucket = inv.args[0]
    prefix = inv.args[1] if len(inv.args) > 1 else inv.option("--prefix")
    limit = 1000
    objects = s3.list_objects(ctx.session(), bucket, prefix=prefix, limit=limit)
    rows = [[o.key, f"{o.size:,}", when(o.last_modified), o.storage_class or ""] for o in objects]
    where = f"s3://{bucket}/{prefix}"
    return Result(
        title=("First " if len(objects) >= limit else "")
        + f"{plural(len(objects), 'object')} in {where}",
        tables=[
            Table(
                columns=["Key", "Bytes", "Last modified", "Storage class"],
                rows=rows,
                empty=f"No objects under {where}.",
            )
        ],
        data={"bucket": bucket, "prefix": prefix, "objects": dump(objects)},
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
    rows = [[u.name, u.arn, when(u.created), when(u.password_last_used) or "never"] for u in users]
    return Result(
        title=f"{plural(len(users), 'IAM user')}",
        tables=[
            Table(
                columns=["User", "ARN", "Created", "Password last used"],
                rows=rows,
                empty="No IAM users.",
            )
        ],
        data={"users": dump(users)},
    )


def _iam_roles(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import iam

    roles = iam.list_roles(ctx.session())
    rows = [[r.name, r.arn, r.description or "", when(r.created)] for r in roles]
    return Result(
        title=f"{plural(len(roles), 'IAM role')}",
        tables=[
            Table(
                columns=["Role", "ARN", "Description", "Created"], rows=rows, empty="No IAM roles."
            )
        ],
        data={"roles": dump(roles)},
    )


def _iam_policies(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import iam

    policies = iam.list_policies(ctx.session())
    rows = [[p.name, p.arn, p.attachment_count, when(p.updated)] for p in policies]
    return Result(
        title=f"{plural(len(policies), 'customer managed IAM policy')}".replace(
            "policys", "policies"
        ),
        tables=[
            Table(
                columns=["Policy", "ARN", "Attachments", "Updated"],
                rows=rows,
                empty="No customer managed policies.",
            )
        ],
        data={"policies": dump(policies)},
    )


def _vpc_list(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, vpc

    regions = regions_of(ctx, inv)
    session = ctx.session()
    vpcs = across_regions(regions, lambda r: vpc.list_vpcs(session, r))
    rows = [
        [v.id, v.name or "", v.cidr, v.state, "yes" if v.is_default else "", v.region] for v in vpcs
    ]
    return Result(
        title=f"{plural(len(vpcs), 'VPC')} in {where(regions)}",
        tables=[Table(columns=["VPC", "Name", "CIDR", "State", "Default", "Region"], rows=rows)],
        data={"regions": regions, "vpcs": dump(vpcs)},
    )


def _vpc_subnets(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, vpc

    regions = regions_of(ctx, inv)
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
        title=f"{plural(len(subnets), 'subnet')}"
        + (f" in {vpc_id}" if vpc_id else f" in {where(regions)}"),
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
        data={"regions": regions, "subnets": dump(subnets)},
    )


def _vpc_routes(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.aws import across_regions, vpc

    regions = regions_of(ctx, inv)
    session = ctx.session()
    vpc_id = inv.args[0] if inv.args else None
    tables = across_regions(regions, lambda r: vpc.list_route_tables(session, r, vpc_id=vpc_id))
    rows = [
        [t.id, t.vpc_id, "yes" if t.main else "", "; ".join(t.routes), ", ".join(t.associations)]
        for t in tables
    ]
    return Result(
        title=f"{plural(len(tables), 'route table')}"
        + (f" in {vpc_id}" if vpc_id else f" in {where(regions)}"),
        tables=[Table(columns=["Route table", "VPC", "Main", "Routes", "Associations"], rows=rows)],
        data={"regions": regions, "route_tables": dump(tables)},
    )


def _ec2_state(action: str) -> Handler:
    """A planner: checks the instances exist, then proposes the state change."""

    def plan(ctx: DevOpsContext, inv: Invocation) -> Result:
        from devops_agent.apply import propose
        from devops_agent.aws import ec2
        from devops_agent.plans import PlanEntry

        regions = regions_of(ctx, inv)
        if len(regions) != 1:
            raise BadInput(f"`ec2 {action}` works on one region at a time.")
        region = regions[0]
        instances = ec2.describe_instances(ctx.session(), region, list(inv.args))
        names = ", ".join(f"{i.id} ({i.name})" if i.name else i.id for i in instances)
        entry = PlanEntry(
            operation="ec2.instance_state",
            args={"action": action, "region": region, "instance_ids": [i.id for i in instances]},
            description=f"{action.capitalize()} {plural(len(instances), 'instance')} in {region}: "
            f"{names}",
            resources=[i.id for i in instances],
        )
        what = f"{action} {plural(len(instances), 'EC2 instance')} in {region}"
        return propose(ctx, [entry], region=region, what=what)

    return plan


AWS_COMMANDS: tuple[Spec, ...] = (
    Spec(
        ("ec2", "list"),
        "ec2 list [--state S]",
        "EC2 instances (every state unless --state).",
        _ec2_list,
        REGION | {"--state"},
    ),
    Spec(
        ("ec2", "describe"),
        "ec2 describe ID...",
        "Details of instances.",
        _ec2_describe,
        REGION,
        min_args=1,
        max_args=50,
    ),
    Spec(
        ("ec2", "sg", "list"),
        "ec2 sg list [--vpc VPC_ID]",
        "Security groups and inbound rules.",
        _ec2_sg_list,
        REGION | {"--vpc"},
    ),
    Spec(("ec2", "keypairs"), "ec2 keypairs", "EC2 key pairs.", _ec2_keypairs, REGION),
    Spec(
        ("ec2", "start"),
        "ec2 start ID...",
        "Plan to start instances.",
        _ec2_state("start"),
        REGION,
        1,
        50,
    ),
    Spec(
        ("ec2", "stop"),
        "ec2 stop ID...",
        "Plan to stop instances.",
        _ec2_state("stop"),
        REGION,
        1,
        50,
    ),
    Spec(
        ("ec2", "reboot"),
        "ec2 reboot ID...",
        "Plan to reboot instances.",
        _ec2_state("reboot"),
        REGION,
        1,
        50,
    ),
    Spec(
        ("ec2", "terminate"),
        "ec2 terminate ID...",
        "Plan to terminate instances.",
        _ec2_state("terminate"),
        REGION,
        1,
        50,
    ),
    Spec(("s3", "list"), "s3 list", "S3 buckets with their regions.", _s3_list, REGION),
    Spec(("s3", "ls"), "s3 ls BUCKET [PREFIX]", "Objects in a bucket.", _s3_ls, REGION, 1, 2),
    Spec(("s3", "policy"), "s3 policy BUCKET", "A bucket's policy.", _s3_policy, REGION, 1, 1),
    Spec(("iam", "users"), "iam users", "IAM users.", _iam_users, REGION),
    Spec(("iam", "roles"), "iam roles", "IAM roles.", _iam_roles, REGION),
    Spec(
        ("iam", "policies"),
        "iam policies",
        "Customer managed IAM policies.",
        _iam_policies,
        REGION,
    ),
    Spec(("vpc", "list"), "vpc list", "VPCs.", _vpc_list, REGION),
    Spec(
        ("vpc", "subnets"),
        "vpc subnets [VPC_ID]",
        "Subnets, optionally of one VPC.",
        _vpc_subnets,
        REGION,
        0,
        1,
    ),
    Spec(
        ("vpc", "routes"),
        "vpc routes [VPC_ID]",
        "Route tables and their routes.",
        _vpc_routes,
        REGION,
        0,
        1,
    ),
)
