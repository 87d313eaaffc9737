"""AWS changes a plan may carry (see :mod:`devops_agent.operations`).

Each executor takes the :class:`~devops_agent.operations.Writers` of an approved
plan and the entry's exact arguments, calls one typed write function of
:mod:`devops_agent.aws.ec2`, :mod:`~devops_agent.aws.s3` or
:mod:`~devops_agent.aws.vpc` with the write role's session, and returns one line
saying what happened. (IAM's operations are declared in :mod:`devops_agent.aws.iam`.)

One executor creates a secret AWS shows only once (``ec2.create_key_pair``). It
checks first that the repository's Actions secrets can be written, then creates
the credential and stores it only as a repository secret; if storing fails, the
new credential is deleted again so that no key exists that nobody holds. The line
it returns names the secret, never a value.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from devops_agent.errors import DevOpsError, ServiceError
from devops_agent.operations import Operation, Writers

if TYPE_CHECKING:
    import boto3

    from devops_agent.plans import PlanEntry


def _str(args: dict[str, Any], name: str) -> str:
    return str(args[name])


def _opt(args: dict[str, Any], name: str) -> str | None:
    value = args.get(name)
    return None if value in (None, "") else str(value)


def _workspace(writers: Writers) -> Path:
    """The apply run's workspace, where planned uploads are read."""
    return Path(writers.workspace)


# --------------------------------------------------------------------------- EC2


def _instance_state(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import ec2

    changes = ec2.change_instance_state(
        writers.aws(),
        str(args["region"]),
        [str(i) for i in args["instance_ids"]],
        str(args["action"]),
    )
    if args["action"] == "reboot":
        return f"rebooting {', '.join(c.id for c in changes)}"
    return "; ".join(f"{c.id}: {c.previous} → {c.current}" for c in changes)


def _run_instances(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import ec2

    changes = ec2.run_instances(
        writers.aws(),
        _str(args, "region"),
        image_id=_str(args, "image_id"),
        instance_type=_str(args, "instance_type"),
        subnet_id=_opt(args, "subnet_id"),
        security_group_ids=[str(g) for g in args.get("security_group_ids", [])],
        key_name=_opt(args, "key_name"),
        tags={str(k): str(v) for k, v in dict(args.get("tags", {})).items()},
        count=int(args.get("count", 1)),
        imds_v2_required=bool(args.get("imds_v2_required", True)),
        client_token=_opt(args, "client_token"),
    )
    return "; ".join(c.message for c in changes)


def _create_security_group(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import ec2

    return ec2.create_security_group(
        writers.aws(),
        _str(args, "region"),
        _str(args, "name"),
        _str(args, "description"),
        _str(args, "vpc_id"),
        tags={str(k): str(v) for k, v in dict(args.get("tags", {})).items()},
    ).message


def _delete_security_group(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import ec2

    return ec2.delete_security_group(
        writers.aws(), _str(args, "region"), _str(args, "group_id")
    ).message


def _security_group_rule(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import ec2

    return ec2.change_security_group_rule(
        writers.aws(),
        _str(args, "region"),
        _str(args, "group_id"),
        ec2.RuleSpec.model_validate(args["rule"]),
        egress=bool(args.get("egress")),
        revoke=bool(args.get("revoke")),
    ).message


def _create_key_pair(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import ec2
    from devops_agent.gh.secrets import check_writable, secret_name, write_secret

    repository = _str(args, "repository")
    name = secret_name(_str(args, "secret"))
    region = _str(args, "region")
    check_writable(writers.github, repository)
    new = ec2.create_key_pair(
        writers.aws(), region, _str(args, "name"), key_type=_str(args, "key_type")
    )
    try:
        write_secret(writers.github, repository, name, new.private_key.get_secret_value())
    except DevOpsError as exc:
        _undo(lambda: ec2.delete_key_pair(writers.aws(), region, _str(args, "name")), exc)
        raise
    return (
        f"{new.change.message}; its private key is stored only in the Actions secret "
        f"{name} of {repository}"
    )


def _import_key_pair(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import ec2

    material = bytes.fromhex(_str(args, "public_key_hex")).decode("utf-8")
    return ec2.import_key_pair(
        writers.aws(), _str(args, "region"), _str(args, "name"), material
    ).message


def _delete_key_pair(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import ec2

    return ec2.delete_key_pair(writers.aws(), _str(args, "region"), _str(args, "name")).message


def _undo(undo: Any, cause: DevOpsError) -> None:
    """Roll back a credential that could not be stored; say so if even that fails."""
    try:
        undo()
    except DevOpsError as again:
        raise ServiceError(
            f"{cause.message} The new credential could not be deleted again either "
            f"({again.message}); delete it by hand.",
            code=getattr(cause, "code", ""),
        ) from cause


# --------------------------------------------------------------------------- S3


def _create_bucket(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import s3

    return s3.create_bucket(writers.aws(), _str(args, "bucket"), _str(args, "region")).message


def _delete_bucket(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import s3

    return s3.delete_bucket(
        writers.aws(), _str(args, "bucket"), delete_objects=bool(args.get("delete_objects"))
    ).message


def _upload(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import s3
    from devops_agent.aws.workspace_files import LocalFile, open_verified

    planned = LocalFile.model_validate(args["file"])
    with open_verified(_workspace(writers), planned) as body:
        return s3.upload_object(
            writers.aws(),
            _str(args, "bucket"),
            _str(args, "key"),
            body,
            size=planned.size,
            overwrite=bool(args.get("overwrite")),
            content_type=_opt(args, "content_type"),
        ).message


def _put_bucket_policy(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import s3

    return s3.put_bucket_policy(writers.aws(), _str(args, "bucket"), _str(args, "policy")).message


def _delete_bucket_policy(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import s3

    return s3.delete_bucket_policy(writers.aws(), _str(args, "bucket")).message


def _put_versioning(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import s3

    return s3.put_versioning(writers.aws(), _str(args, "bucket"), bool(args["enabled"])).message


def _put_encryption(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import s3

    return s3.put_encryption(
        writers.aws(), _str(args, "bucket"), _str(args, "algorithm"), _opt(args, "kms_key")
    ).message


def _delete_encryption(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import s3

    return s3.delete_encryption(writers.aws(), _str(args, "bucket")).message


def _put_public_access_block(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import s3

    return s3.put_public_access_block(writers.aws(), _str(args, "bucket")).message


def _delete_public_access_block(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import s3

    return s3.delete_public_access_block(writers.aws(), _str(args, "bucket")).message


def _put_tags(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import s3

    tags = {str(k): str(v) for k, v in dict(args.get("tags", {})).items()}
    return s3.put_tags(writers.aws(), _str(args, "bucket"), tags).message


def _put_lifecycle(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import s3

    rules = cast(list[dict[str, Any]], list(args.get("rules", [])))
    return s3.put_lifecycle(writers.aws(), _str(args, "bucket"), rules).message


def _put_logging(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import s3

    return s3.put_logging(
        writers.aws(), _str(args, "bucket"), _opt(args, "target"), str(args.get("prefix") or "")
    ).message


# --------------------------------------------------------------------------- VPC


def _create_vpc(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import vpc

    return vpc.create_vpc(
        writers.aws(), _str(args, "region"), _str(args, "cidr"), name=_opt(args, "name")
    ).message


def _delete_vpc(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import vpc

    return vpc.delete_vpc(writers.aws(), _str(args, "region"), _str(args, "vpc_id")).message


def _create_subnet(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import vpc

    return vpc.create_subnet(
        writers.aws(),
        _str(args, "region"),
        _str(args, "vpc_id"),
        _str(args, "cidr"),
        availability_zone=_opt(args, "availability_zone"),
        name=_opt(args, "name"),
        public=bool(args.get("public")),
    ).message


def _delete_subnet(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import vpc

    return vpc.delete_subnet(writers.aws(), _str(args, "region"), _str(args, "subnet_id")).message


def _create_route_table(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import vpc

    return vpc.create_route_table(
        writers.aws(), _str(args, "region"), _str(args, "vpc_id"), name=_opt(args, "name")
    ).message


def _delete_route_table(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import vpc

    return vpc.delete_route_table(
        writers.aws(), _str(args, "region"), _str(args, "route_table_id")
    ).message


def _create_route(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import vpc

    return vpc.create_route(
        writers.aws(),
        _str(args, "region"),
        _str(args, "route_table_id"),
        _str(args, "destination"),
        _str(args, "target"),
    ).message


def _delete_route(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import vpc

    return vpc.delete_route(
        writers.aws(), _str(args, "region"), _str(args, "route_table_id"), _str(args, "destination")
    ).message


def _associate_route_table(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import vpc

    return vpc.associate_route_table(
        writers.aws(),
        _str(args, "region"),
        _str(args, "route_table_id"),
        _str(args, "subnet_id"),
        replace_association_id=_opt(args, "replace_association_id"),
    ).message


def _disassociate_route_table(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import vpc

    return vpc.disassociate_route_table(
        writers.aws(), _str(args, "region"), _str(args, "association_id")
    ).message


def _create_internet_gateway(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import vpc

    return vpc.create_internet_gateway(
        writers.aws(), _str(args, "region"), _str(args, "vpc_id"), name=_opt(args, "name")
    ).message


def _delete_internet_gateway(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import vpc

    return vpc.delete_internet_gateway(
        writers.aws(),
        _str(args, "region"),
        _str(args, "gateway_id"),
        [str(v) for v in args.get("vpc_ids", [])],
    ).message


def _create_nat_gateway(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import vpc

    return vpc.create_nat_gateway(
        writers.aws(),
        _str(args, "region"),
        _str(args, "subnet_id"),
        allocation_id=_opt(args, "allocation_id"),
        private=bool(args.get("private")),
        name=_opt(args, "name"),
        client_token=_opt(args, "client_token"),
    ).message


def _delete_nat_gateway(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import vpc

    return vpc.delete_nat_gateway(
        writers.aws(), _str(args, "region"), _str(args, "nat_gateway_id")
    ).message


def _create_flow_logs(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import vpc

    return vpc.create_flow_logs(
        writers.aws(),
        _str(args, "region"),
        _str(args, "vpc_id"),
        {str(k): str(v) for k, v in dict(args["destination"]).items()},
        traffic_type=str(args.get("traffic_type") or "ALL"),
        client_token=_opt(args, "client_token"),
    ).message


def _delete_flow_logs(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import vpc

    return vpc.delete_flow_logs(
        writers.aws(), _str(args, "region"), _str(args, "flow_log_id")
    ).message


AWS_OPERATIONS: dict[str, Operation] = {
    # EC2
    "ec2.instance_state": Operation(_instance_state),
    "ec2.run_instances": Operation(_run_instances),
    "ec2.create_security_group": Operation(_create_security_group),
    "ec2.delete_security_group": Operation(_delete_security_group),
    "ec2.security_group_rule": Operation(_security_group_rule),
    "ec2.create_key_pair": Operation(_create_key_pair),
    "ec2.import_key_pair": Operation(_import_key_pair),
    "ec2.delete_key_pair": Operation(_delete_key_pair),
    # S3
    "s3.create_bucket": Operation(_create_bucket),
    "s3.delete_bucket": Operation(_delete_bucket),
    "s3.upload": Operation(_upload),
    "s3.put_bucket_policy": Operation(_put_bucket_policy),
    "s3.delete_bucket_policy": Operation(_delete_bucket_policy),
    "s3.put_versioning": Operation(_put_versioning),
    "s3.put_encryption": Operation(_put_encryption),
    "s3.delete_encryption": Operation(_delete_encryption),
    "s3.put_public_access_block": Operation(_put_public_access_block),
    "s3.delete_public_access_block": Operation(_delete_public_access_block),
    "s3.put_tags": Operation(_put_tags),
    "s3.put_lifecycle": Operation(_put_lifecycle),
    "s3.put_logging": Operation(_put_logging),
    # VPC
    "vpc.create_vpc": Operation(_create_vpc),
    "vpc.delete_vpc": Operation(_delete_vpc),
    "vpc.create_subnet": Operation(_create_subnet),
    "vpc.delete_subnet": Operation(_delete_subnet),
    "vpc.create_route_table": Operation(_create_route_table),
    "vpc.delete_route_table": Operation(_delete_route_table),
    "vpc.create_route": Operation(_create_route),
    "vpc.delete_route": Operation(_delete_route),
    "vpc.associate_route_table": Operation(_associate_route_table),
    "vpc.disassociate_route_table": Operation(_disassociate_route_table),
    "vpc.create_internet_gateway": Operation(_create_internet_gateway),
    "vpc.delete_internet_gateway": Operation(_delete_internet_gateway),
    "vpc.create_nat_gateway": Operation(_create_nat_gateway),
    "vpc.delete_nat_gateway": Operation(_delete_nat_gateway),
    "vpc.create_flow_logs": Operation(_create_flow_logs),
    "vpc.delete_flow_logs": Operation(_delete_flow_logs),
}


def instance_state_entry(
    session: boto3.Session, region: str, ids: list[str], action: str
) -> PlanEntry:
    """Plan ``ec2 start|stop|reboot|terminate``: checks the action and that the ids exist.

    The one definition behind the command and the agent's ``change_instance_state`` tool.
    """
    from devops_agent.aws import ec2
    from devops_agent.errors import BadInput
    from devops_agent.plans import PlanEntry

    if action not in ec2.STATE_ACTIONS:
        raise BadInput(f"'{action}' is not an instance action ({', '.join(ec2.STATE_ACTIONS)}).")
    instances = ec2.describe_instances(session, region, ids)
    names = ", ".join(f"{i.id} ({i.name})" if i.name else i.id for i in instances)
    count = f"{len(instances)} instance" + ("s" if len(instances) != 1 else "")
    return PlanEntry(
        operation="ec2.instance_state",
        args={"action": action, "region": region, "instance_ids": [i.id for i in instances]},
        description=f"{action.capitalize()} {count} in {region}: {names}",
        resources=[i.id for i in instances],
    )
