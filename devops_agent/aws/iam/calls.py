"""What IAM executors send, as their operations declare it: requests and ARN patterns.

Every IAM write declares its requests (:class:`~devops_agent.operation.ApiCall`) with
these builders, so that the plan, the session policy and the test that compares them
with what botocore really sent all read one form:

* IAM has one endpoint per partition: each call's region is
  :data:`~devops_agent.operation.GLOBAL`, which the session policy turns into the region
  the partition signs IAM requests for (``us-east-1`` in ``aws``);
* a user, role, group or instance profile is named in a session policy by both of the
  ARNs its name can have: ``user/NAME`` (path ``/``) and ``user/*/NAME`` (any other path).
  IAM names are unique in an account whatever the path, so the two patterns match that
  one principal and nothing else, without the plan having to know its path;
* what IAM does not take as a resource is pinned by a condition where IAM has one: an
  attach or detach may name only the planned policy (``iam:PolicyARN``).

The wording of the read-backs is here too, so every IAM ``verify`` says the same thing
when IAM does not show a change yet (it is eventually consistent). :func:`send_iam` is how
every IAM executor makes its one request: with the write session, its failures explained
for the write role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore import xform_name

from devops_agent.aws import client
from devops_agent.aws.writes import write_errors
from devops_agent.operation import GLOBAL, ApiCall, Grant, NotAsPlanned

if TYPE_CHECKING:
    import boto3

__all__ = [
    "iam_call",
    "not_yet",
    "policy_condition",
    "principal_arns",
    "send_iam",
]

_KINDS = {
    "user": "user",
    "role": "role",
    "group": "group",
    "instance-profile": "instance-profile",
}


def principal_arns(kind: str, name: str) -> tuple[str, str]:
    """The two ARN patterns of the IAM ``kind`` called ``name``, whatever its path.

    Args:
        kind: ``user``, ``role``, ``group`` or ``instance-profile``.
        name: Its name (already checked).

    Returns:
        ``arn:{partition}:iam::{account}:KIND/NAME`` and ``…:KIND/*/NAME``, with
        ``{partition}`` and ``{account}`` left for the session policy to fill in.

    Raises:
        KeyError: an unknown kind.
    """
    prefix = f"arn:{{partition}}:iam::{{account}}:{_KINDS[kind]}/"
    return f"{prefix}{name}", f"{prefix}*/{name}"


def policy_condition(arn: str) -> dict[str, dict[str, list[str]]]:
    """The condition that lets an attach or detach name only the managed policy ``arn``.

    Args:
        arn: The managed policy's ARN.

    Returns:
        ``{"ArnEquals": {"iam:PolicyARN": [arn]}}``.
    """
    return {"ArnEquals": {"iam:PolicyARN": [arn]}}


def iam_call(
    operation: str,
    params: dict[str, Any],
    resources: tuple[str, ...] = ("*",),
    *,
    conditions: dict[str, dict[str, list[str]]] | None = None,
    extra: tuple[Grant, ...] = (),
    when: str = "",
) -> ApiCall:
    """One IAM request as an executor sends it; its IAM action is ``iam:OPERATION``.

    Args:
        operation: The API operation, e.g. ``DeleteUser``.
        params: Its parameters exactly as boto3 is given them.
        resources: The ARN patterns it acts on (``("*",)`` for an account setting).
        conditions: Conditions on its own action (see :func:`policy_condition`).
        extra: Further authorizations the same request needs (``iam:TagUser``).
        when: Empty when it is always sent; otherwise when.

    Returns:
        The declared call, sent to IAM's global endpoint.
    """
    return ApiCall(
        service="iam",
        operation=operation,
        params=params,
        action=f"iam:{operation}",
        region=GLOBAL,
        resources=resources,
        conditions=conditions or {},
        extra=extra,
        when=when,
    )


def not_yet(what: str) -> NotAsPlanned:
    """A read-back that does not show the change, with what to do about it.

    IAM is eventually consistent: a change can take a few seconds to show. Applying the
    plan again reads back first and carries out only what is not so.

    Args:
        what: What was read.

    Returns:
        The :class:`~devops_agent.operation.NotAsPlanned` for it.
    """
    return NotAsPlanned(
        f"{what} (IAM can take a few seconds to show a change: applying the plan again "
        "reads it back first and repeats nothing that is done)"
    )


def send_iam(
    session: boto3.Session, operation: str, *, resource: str | None = None, **params: Any
) -> dict[str, Any]:
    """Make one IAM request with the write session; its IAM action is ``iam:OPERATION``.

    Args:
        session: The **write** session of an approved plan.
        operation: The API operation, e.g. ``DeleteUser``.
        resource: What it is about, for error messages (a user's name, a policy's ARN).
        **params: Its parameters exactly as boto3 takes them.

    Returns:
        IAM's answer.

    Raises:
        ServiceError: IAM refused (an access-denied answer names the write role) or failed.
    """
    with write_errors(f"iam:{operation}", resource=resource):
        return dict(getattr(client(session, "iam"), xform_name(operation))(**params))
