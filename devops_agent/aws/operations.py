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


AWS_OPERATIONS: dict[str, Operation] = {
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
}
