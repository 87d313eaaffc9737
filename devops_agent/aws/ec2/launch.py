"""Launching EC2 instances: checking the instance type, the RunInstances parameters,
the launch itself, and ``ec2 create``.

:func:`launch_params` is the one builder of a launch's RunInstances parameters: the
executor sends them and the plan shows them. A plan carries an idempotency token
(``ClientToken``), so a retried apply launches nothing twice and the check afterwards
finds the instances that launch made (:func:`~.instances.instances_by_client_token`);
undoing a launch terminates them (:mod:`.instance_state`).
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Annotated, Any

from botocore.exceptions import ClientError
from pydantic import AfterValidator, Field

from devops_agent.aws import InRegion, aws_errors, check_region, client, named, one_region, vpc
from devops_agent.aws.ec2.images import describe_image
from devops_agent.aws.ec2.instance_state import INSTANCE_STATE, InstanceStateArgs
from devops_agent.aws.ec2.instances import Instance, instances_by_client_token
from devops_agent.aws.ec2.key_pairs import find_key_pair, key_pair_name
from devops_agent.aws.ec2.security_groups import describe_security_group
from devops_agent.aws.writes import (
    Change,
    Tags,
    ec2_arn,
    ec2_request,
    resource_id,
    send_ec2,
    tag_list,
    tag_map,
)
from devops_agent.errors import BadInput
from devops_agent.operation import (
    ApiCall,
    Command,
    Grant,
    Hidden,
    InProgress,
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
from devops_agent.report import plural

if TYPE_CHECKING:
    import boto3

__all__ = [
    "RunInstancesArgs",
    "check_instance_type",
    "launch_params",
    "run_instances",
]


def check_instance_type(session: boto3.Session, region: str, instance_type: str) -> str:
    """An instance type the region offers, e.g. ``t3.micro``.

    Args:
        session: Credentials to read with (``ec2:DescribeInstanceTypes``).
        region: The region.
        instance_type: What was typed, e.g. ``t3.micro``.

    Returns:
        The type, lower-cased.

    Raises:
        BadInput: malformed, or the region has no such type.
        ServiceError: AWS refused (``ec2:DescribeInstanceTypes``).
    """
    region = check_region(session, region)
    wanted = instance_type.strip().lower()
    if not re.fullmatch(r"[a-z0-9-]+\.[a-z0-9-]+", wanted):
        raise BadInput(f"'{instance_type}' is not an instance type; they look like t3.micro.")
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeInstanceTypes", resource=wanted, region=region):
        try:
            found = ec2.describe_instance_types(InstanceTypes=[wanted])  # type: ignore[list-item]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "InvalidInstanceType":
                raise BadInput(f"{region} has no instance type '{instance_type}'.") from None
            raise
    if not found.get("InstanceTypes"):
        raise BadInput(f"{region} has no instance type '{instance_type}'.")
    return wanted


def launch_params(
    *,
    image_id: str,
    instance_type: str,
    subnet_id: str | None = None,
    security_group_ids: list[str] | None = None,
    key_name: str | None = None,
    tags: dict[str, str] | None = None,
    count: int = 1,
    imds_v2_required: bool = True,
    client_token: str | None = None,
) -> dict[str, Any]:
    """The RunInstances parameters of a launch: what the executor sends and the plan shows.

    Args:
        image_id: The AMI (``ami-…``).
        instance_type: The instance type, checked already.
        subnet_id: The subnet; ``None`` for the default VPC's.
        security_group_ids: The groups; ``None`` for the VPC's default group.
        key_name: The key pair; ``None`` for none.
        tags: Tags for the instances and their volumes.
        count: How many instances, 1 to 10.
        imds_v2_required: Require IMDSv2 session tokens (``HttpTokens=required``).
        client_token: The idempotency token, so that a retried launch launches nothing twice.

    Returns:
        The call's parameters, without ``DryRun``.

    Raises:
        BadInput: a count outside 1-10, or a malformed id.
    """
    if not 1 <= count <= 10:
        raise BadInput(f"--count must be between 1 and 10, not {count}.")
    params: dict[str, Any] = {
        "ImageId": resource_id(image_id, "ami", "AMI"),
        "InstanceType": instance_type,
        "MinCount": count,
        "MaxCount": count,
        "MetadataOptions": {
            "HttpTokens": "required" if imds_v2_required else "optional",
            "HttpEndpoint": "enabled",
        },
    }
    if subnet_id:
        params["SubnetId"] = resource_id(subnet_id, "subnet", "subnet")
    if security_group_ids:
        params["SecurityGroupIds"] = [
            resource_id(g, "sg", "security group") for g in security_group_ids
        ]
    if key_name:
        params["KeyName"] = key_pair_name(key_name)
    if tags:
        params["TagSpecifications"] = [
            {"ResourceType": kind, "Tags": tag_list(tags)} for kind in ("instance", "volume")
        ]
    if client_token:
        params["ClientToken"] = client_token
    return params


def run_instances(session: boto3.Session, region: str, **launch: Any) -> list[Change]:
    """Launch instances from an AMI, IMDSv2 required unless asked otherwise.

    Args:
        session: the write session of an approved plan.
        region: where to launch.
        **launch: :func:`launch_params`'s arguments (the AMI, type, subnet, groups, key
            pair, tags, count, IMDSv2, and the idempotency token that keeps a retried
            apply from launching twice).

    Returns:
        One change per instance launched.
    """
    region = check_region(session, region)
    params = launch_params(**launch)
    answer = send_ec2(session, region, "RunInstances", resource=params["ImageId"], **params)
    return [
        Change(
            action="ec2:RunInstances",
            resource=raw["InstanceId"],
            message=f"launched {raw['InstanceId']} ({params['InstanceType']}) from "
            f"{params['ImageId']}",
        )
        for raw in answer.get("Instances", [])
    ]


# --------------------------------------------------------------------------- operations


def _ami_id(value: str) -> str:
    return resource_id(value, "ami", "AMI")


def _subnet_id(value: str | None) -> str | None:
    return None if value is None or not value.strip() else resource_id(value, "subnet", "subnet")


def _group_ids(values: list[str]) -> list[str]:
    return list(dict.fromkeys(resource_id(v, "sg", "security group") for v in values))


def _key_name(value: str | None) -> str | None:
    return None if value is None or not value.strip() else key_pair_name(value)


class RunInstancesArgs(InRegion):
    """Arguments of ``ec2 create``."""

    image_id: Annotated[str, Positional(), AfterValidator(_ami_id)]
    """The AMI to launch from (ami-...)."""
    instance_type: Annotated[str, Option("--type")]
    """The instance type, e.g. t3.micro."""
    subnet_id: Annotated[str | None, Option("--subnet"), AfterValidator(_subnet_id)] = None
    """The subnet to launch in (subnet-...); null for the default VPC."""
    security_group_ids: Annotated[
        list[str], Option("--sg"), Field(max_length=5), AfterValidator(_group_ids)
    ] = Field(default_factory=list)
    """Security groups (sg-...) in the subnet's VPC; empty for the VPC's default group."""
    key_name: Annotated[str | None, Option("--key"), AfterValidator(_key_name)] = None
    """An existing key pair for SSH; null for none."""
    name: str | None = None
    """The Name tag of the instances; null for none."""
    tags: Tags
    """More tags for the instances and their volumes, key to value."""
    count: Annotated[int, Field(ge=1, le=10)] = 1
    """How many instances to launch, 1 to 10."""
    allow_imdsv1: bool = False
    """True to let the metadata service answer without session tokens (IMDSv1); the
    default requires IMDSv2 tokens."""
    client_token: Annotated[str, Hidden()] = ""
    """Idempotency token (the preview sets it): a retried apply launches nothing twice."""


def _plan_create(reader: Reader, args: RunInstancesArgs) -> Proposal:
    region = one_region(reader, args.region, "`ec2 create`")
    session = reader.session()
    with named():
        image = describe_image(session, region, args.image_id)
        instance_type = check_instance_type(session, region, args.instance_type)
        subnet = vpc.describe_subnet(session, region, args.subnet_id) if args.subnet_id else None
        groups = [describe_security_group(session, region, g) for g in args.security_group_ids]
    if image.state and image.state != "available":
        raise BadInput(f"{image.id} is {image.state}; only an available AMI can be launched.")
    for group in groups:
        if subnet is not None and group.vpc_id != subnet.vpc_id:
            raise BadInput(
                f"{group.id} ({group.name}) is in {group.vpc_id}, but {subnet.id} is in "
                f"{subnet.vpc_id}; security groups must be in the subnet's VPC."
            )
    key = args.key_name
    if key and find_key_pair(session, region, key) is None:
        raise BadInput(f"There is no key pair '{key}' in {region}; see `ec2 keypairs`.")
    tags = dict(args.tags)
    if args.name:
        tags["Name"] = args.name
    imds_v2 = not args.allow_imdsv1
    placed = f"{subnet.id} ({subnet.vpc_id})" if subnet else "the default VPC"
    description = (
        f"Launch {plural(args.count, instance_type + ' instance')} from {image.id}"
        + (f" ({image.name})" if image.name else "")
        + f" in {placed}"
        + (f", security groups {', '.join(g.id for g in groups)}" if groups else "")
        + (f", key pair {key}" if key else "")
        + ("; IMDSv2 required" if imds_v2 else "; IMDSv1 allowed")
    )
    entry = RUN_INSTANCES.entry(
        args.model_copy(
            update={
                "region": region,
                "image_id": image.id,
                "instance_type": instance_type,
                "subnet_id": subnet.id if subnet else None,
                "security_group_ids": [g.id for g in groups],
                "name": None,
                "tags": tag_map(tags),
                "client_token": uuid.uuid4().hex,
            }
        ),
        description,
        [image.id, *([subnet.id] if subnet else []), *(g.id for g in groups)],
    )
    return Proposal([entry], what=f"launch {plural(args.count, 'EC2 instance')}", region=region)


def _launch(args: RunInstancesArgs) -> dict[str, Any]:
    """:func:`launch_params`'s arguments for a planned launch (executor and plan alike)."""
    tags = dict(args.tags)
    if args.name:  # an entry written without the preview
        tags["Name"] = args.name
    return {
        "image_id": args.image_id,
        "instance_type": args.instance_type,
        "subnet_id": args.subnet_id,
        "security_group_ids": args.security_group_ids,
        "key_name": args.key_name,
        "tags": tags,
        "count": args.count,
        "imds_v2_required": not args.allow_imdsv1,
        "client_token": args.client_token or None,
    }


def _run_create(writers: Writers, args: RunInstancesArgs) -> str:
    assert args.region is not None  # the preview fixed it
    changes = run_instances(writers.aws(), args.region, **_launch(args))
    return "; ".join(c.message for c in changes)


def _create_calls(args: RunInstancesArgs) -> list[ApiCall]:
    params = launch_params(**_launch(args))
    created = tuple(ec2_arn(kind, "*") for kind in ("instance", "volume", "network-interface"))
    uses = [
        ec2_arn("image", params["ImageId"], account=False),
        ec2_arn("subnet", params.get("SubnetId", "*")),
        *(ec2_arn("security-group", g) for g in params.get("SecurityGroupIds", ["*"])),
    ]
    if args.key_name:
        uses.append(ec2_arn("key-pair", params["KeyName"]))
    extra: tuple[Grant, ...] = ()
    if "TagSpecifications" in params:
        extra = (
            Grant(
                action="ec2:CreateTags",
                resources=(ec2_arn("instance", "*"), ec2_arn("volume", "*")),
                conditions={"StringEquals": {"ec2:CreateAction": ["RunInstances"]}},
            ),
        )
    return [
        ec2_request(
            "RunInstances",
            params,
            region=args.region,
            resources=created,
            uses=tuple(uses),
            extra=extra,
        )
    ]


def _launched(reader: Reader, args: RunInstancesArgs) -> list[Instance]:
    assert args.region is not None  # the preview fixed it
    return instances_by_client_token(reader.session(), args.region, args.client_token)


def _verify_create(reader: Reader, args: RunInstancesArgs) -> Verification:
    found = _launched(reader, args)
    read = ", ".join(f"{i.id} is {i.state}" for i in found) or "no instance of this launch"
    if len(found) != args.count:
        return NotAsPlanned(f"{len(found)} of {args.count} instances found: {read}")
    if all(i.state == "running" for i in found):
        return Verified(read)
    if all(i.state in ("pending", "running") for i in found):
        ids = " ".join(i.id for i in found)
        return InProgress(read, f"`ec2 watch {ids} --until running`")
    return NotAsPlanned(read)


def _undo_create(reader: Reader, before: Any, args: RunInstancesArgs) -> list[PlanEntry]:
    ids = [i.id for i in _launched(reader, args) if i.state not in ("terminated",)]
    if not ids:
        return []
    back = InstanceStateArgs(action="terminate", region=args.region, instance_ids=ids)
    return [
        INSTANCE_STATE.entry(
            back,
            f"Roll back the launch: terminate {plural(len(ids), 'instance')} in {args.region} "
            f"({', '.join(ids)})",
            ids,
        )
    ]


RUN_INSTANCES = Write(
    name="ec2.run_instances",
    args=RunInstancesArgs,
    summary="Plan to launch instances (IMDSv2 required unless --allow-imdsv1).",
    service="ec2",
    commands=(
        Command(
            "ec2 create AMI_ID --type TYPE [--subnet ID] [--sg ID,...] [--key NAME] [--name N] "
            "[--tag K=V,...] [--count N] [--allow-imdsv1]",
            "Plan to launch instances (IMDSv2 required unless --allow-imdsv1).",
        ),
    ),
    guide="Launches from an AMI into a subnet (the default VPC otherwise); the security "
    "groups must be in the subnet's VPC and the key pair must exist. The metadata service "
    "requires IMDSv2 tokens unless allow_imdsv1 is true. The plan carries an idempotency "
    "token, so a retried apply launches nothing twice.",
    reads=(
        "ec2:DescribeImages",
        "ec2:DescribeInstanceTypes",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeKeyPairs",
    ),
    actions=("ec2:RunInstances", "ec2:CreateTags"),
    arns=(
        "arn:{partition}:ec2:{region}:{account}:instance/*",
        "arn:{partition}:ec2:{region}:{account}:volume/*",
        "arn:{partition}:ec2:{region}:{account}:network-interface/*",
        "arn:{partition}:ec2:{region}::image/{image_id}",
        "arn:{partition}:ec2:{region}:{account}:subnet/*",
        "arn:{partition}:ec2:{region}:{account}:security-group/*",
        "arn:{partition}:ec2:{region}:{account}:key-pair/{key_name}",
    ),
    plan=_plan_create,
    run=_run_create,
    calls=_create_calls,
    verify=_verify_create,
    undo=_undo_create,
    examples=(
        {
            "region": "us-east-1",
            "image_id": "ami-0123456789abcdef0",
            "instance_type": "t3.micro",
            "subnet_id": "subnet-0123456789abcdef0",
            "security_group_ids": ["sg-0123456789abcdef0"],
            "key_name": "deploy",
            "name": None,
            "tags": {"Name": "web-3", "team": "web"},
            "count": 1,
            "allow_imdsv1": False,
            "client_token": "0123456789abcdef0123456789abcdef",
        },
    ),
)

OPERATIONS = (RUN_INSTANCES,)
