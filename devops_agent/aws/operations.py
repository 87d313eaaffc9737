"""AWS changes a plan may carry (see :mod:`devops_agent.operations`).

Each executor takes the :class:`~devops_agent.operations.Writers` of an approved
plan and the entry's exact arguments, calls one typed write function of
:mod:`devops_agent.aws.ec2`, :mod:`~devops_agent.aws.s3`,
:mod:`~devops_agent.aws.iam` or :mod:`~devops_agent.aws.vpc` with the write
role's session, and returns one line saying what happened.

Two executors create a secret AWS shows only once (``iam.create_access_key``,
``ec2.create_key_pair``). They check first that the repository's Actions secrets
can be written, then create the credential and store it only as a repository
secret; if storing fails, the new credential is deleted again so that no key
exists that nobody holds. The line they return names the secrets, never a value.

Access key ids are recorded lower-case in plans: everything devops-agent posts
is redacted, and the ``AKIA…`` shape would be cut out of the plan block and break
its hash. Executors upper-case them again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from devops_agent.errors import DevOpsError, ServiceError
from devops_agent.operations import Operation, Writers

if TYPE_CHECKING:
    from devops_agent.aws.iam import PrincipalKind


def _str(args: dict[str, Any], name: str) -> str:
    return str(args[name])


def _opt(args: dict[str, Any], name: str) -> str | None:
    value = args.get(name)
    return None if value in (None, "") else str(value)


def _workspace(writers: Writers) -> Path:
    """The apply run's workspace, where planned uploads are read."""
    return Path(writers.workspace)


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


# --------------------------------------------------------------------------- IAM


def _create_user(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import iam

    tags = {str(k): str(v) for k, v in dict(args.get("tags", {})).items()}
    return iam.create_user(
        writers.aws(), _str(args, "user"), path=str(args.get("path") or "/"), tags=tags
    ).message


def _delete_user(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import iam

    return iam.delete_user(writers.aws(), _str(args, "user")).message


def _create_role(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import iam

    return iam.create_role(
        writers.aws(),
        _str(args, "role"),
        _str(args, "trust_policy"),
        description=str(args.get("description") or ""),
        path=str(args.get("path") or "/"),
        max_session_duration=int(args.get("max_session_duration", 3600)),
    ).message


def _delete_role(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import iam

    return iam.delete_role(writers.aws(), _str(args, "role")).message


def _create_policy(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import iam

    return iam.create_policy(
        writers.aws(),
        _str(args, "policy"),
        _str(args, "document"),
        description=str(args.get("description") or ""),
        path=str(args.get("path") or "/"),
    ).message


def _delete_policy(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import iam

    return iam.delete_policy(writers.aws(), _str(args, "arn")).message


def _delete_policy_version(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import iam

    return iam.delete_policy_version(
        writers.aws(), _str(args, "arn"), _str(args, "version")
    ).message


def _principal_kind(args: dict[str, Any]) -> PrincipalKind:
    kind = _str(args, "kind")
    if kind not in ("user", "role", "group"):
        raise ServiceError(f"The plan names an unknown principal kind: {kind}.")
    return cast("PrincipalKind", kind)


def _attach_policy(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import iam

    return iam.attach_policy(
        writers.aws(), _str(args, "arn"), _principal_kind(args), _str(args, "name")
    ).message


def _detach_policy(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import iam

    return iam.attach_policy(
        writers.aws(), _str(args, "arn"), _principal_kind(args), _str(args, "name"), detach=True
    ).message


def _delete_inline_policy(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import iam

    return iam.delete_inline_policy(
        writers.aws(), _principal_kind(args), _str(args, "name"), _str(args, "policy")
    ).message


def _remove_user_from_group(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import iam

    return iam.remove_user_from_group(
        writers.aws(), _str(args, "user"), _str(args, "group")
    ).message


def _delete_login_profile(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import iam

    return iam.delete_login_profile(writers.aws(), _str(args, "user")).message


def _remove_role_from_instance_profile(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import iam

    return iam.remove_role_from_instance_profile(
        writers.aws(), _str(args, "role"), _str(args, "profile")
    ).message


def access_key_secret_names(prefix: str) -> tuple[str, str]:
    """The two Actions secrets an access key goes to: ``PREFIX_ACCESS_KEY_ID`` and
    ``PREFIX_SECRET_ACCESS_KEY``."""
    from devops_agent.gh.secrets import secret_name

    base = secret_name(prefix)
    return secret_name(f"{base}_ACCESS_KEY_ID"), secret_name(f"{base}_SECRET_ACCESS_KEY")


def _create_access_key(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import iam
    from devops_agent.gh.secrets import check_writable, write_secret

    repository = _str(args, "repository")
    user = _str(args, "user")
    id_secret, key_secret = access_key_secret_names(_str(args, "secret"))
    check_writable(writers.github, repository)
    new = iam.create_access_key(writers.aws(), user)
    try:
        write_secret(writers.github, repository, id_secret, new.access_key_id)
        write_secret(
            writers.github, repository, key_secret, new.secret_access_key.get_secret_value()
        )
    except DevOpsError as exc:
        _undo(lambda: iam.delete_access_key(writers.aws(), user, new.access_key_id), exc)
        raise
    return (
        f"{new.change.message}; stored only in the Actions secrets {id_secret} and "
        f"{key_secret} of {repository}"
    )


def _update_access_key(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import iam

    return iam.update_access_key(
        writers.aws(), _str(args, "user"), _str(args, "access_key").upper(), _str(args, "status")
    ).message


def _delete_access_key(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import iam

    return iam.delete_access_key(
        writers.aws(), _str(args, "user"), _str(args, "access_key").upper()
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
    # IAM
    "iam.create_user": Operation(_create_user),
    "iam.delete_user": Operation(_delete_user),
    "iam.create_role": Operation(_create_role),
    "iam.delete_role": Operation(_delete_role),
    "iam.create_policy": Operation(_create_policy),
    "iam.delete_policy": Operation(_delete_policy),
    "iam.delete_policy_version": Operation(_delete_policy_version),
    "iam.attach_policy": Operation(_attach_policy),
    "iam.detach_policy": Operation(_detach_policy),
    "iam.delete_inline_policy": Operation(_delete_inline_policy),
    "iam.remove_user_from_group": Operation(_remove_user_from_group),
    "iam.delete_login_profile": Operation(_delete_login_profile),
    "iam.remove_role_from_instance_profile": Operation(_remove_role_from_instance_profile),
    "iam.create_access_key": Operation(_create_access_key),
    "iam.update_access_key": Operation(_update_access_key),
    "iam.delete_access_key": Operation(_delete_access_key),
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
