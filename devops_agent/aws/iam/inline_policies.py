"""Inline policies: deleting one (a step of ``iam user|role delete --force``) and putting it
back (the step its rollback plan carries).

An inline policy lives inside its user, role or group: deleting it deletes its document.
So the delete step reads the document with the read role just before it runs
(``before``), and its way back is :data:`PUT_INLINE_POLICY` with that same document. Neither
step has a command or a tool: the deletion is planned by the composites, the put only by a
rollback plan.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

from botocore.exceptions import ClientError
from pydantic import AfterValidator, model_validator

from devops_agent.aws import aws_errors, client
from devops_agent.aws.iam.calls import iam_call, not_yet, principal_arns, send_iam
from devops_agent.aws.iam.principals import (
    PrincipalKind,
    document,
    only_in_plans,
    only_in_rollbacks,
    param,
    principal_exists,
    principal_name,
)
from devops_agent.aws.policy_document import validate_policy
from devops_agent.aws.writes import Change
from devops_agent.operation import (
    ApiCall,
    Args,
    PlanEntry,
    Reader,
    Verification,
    Verified,
    Write,
)

if TYPE_CHECKING:
    import boto3

__all__ = [
    "DELETE_INLINE_POLICY",
    "PUT_INLINE_POLICY",
    "InlinePolicyArgs",
    "PutInlinePolicyArgs",
    "delete_inline_policy",
    "inline_policy_document",
    "put_inline_policy",
]

_KINDS: tuple[PrincipalKind, ...] = ("user", "role", "group")


def inline_policy_document(
    session: boto3.Session, kind: PrincipalKind, name: str, policy: str
) -> dict[str, Any] | None:
    """The document of one inline policy, or ``None`` when there is no such policy (or no
    such user, role or group).

    Args:
        session: Credentials to read with (the read role's).
        kind: ``user``, ``role`` or ``group``.
        name: Its name.
        policy: The inline policy's name.

    Returns:
        The document, decoded.

    Raises:
        ServiceError: AWS refused (``iam:GetUserPolicy``, ``iam:GetRolePolicy`` or
            ``iam:GetGroupPolicy``).
    """
    iam = client(session, "iam")
    wanted = principal_name(name, kind)
    with aws_errors(f"iam:Get{kind.capitalize()}Policy", resource=f"{kind} {wanted}"):
        try:
            answer = getattr(iam, f"get_{kind}_policy")(PolicyName=policy, **{param(kind): wanted})
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchEntity":
                return None
            raise
    return document(answer.get("PolicyDocument"))


# --------------------------------------------------------------------------- writes
# Only the apply path calls these, with the write role's session.


def delete_inline_policy(
    session: boto3.Session, kind: PrincipalKind, name: str, policy_name: str
) -> Change:
    """Delete an inline policy of a user, role or group.

    Args:
        session: The **write** session of an approved plan.
        kind: ``user``, ``role`` or ``group``.
        name: The principal's name.
        policy_name: The inline policy's name.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    wanted = principal_name(name, kind)
    operation = f"Delete{kind.capitalize()}Policy"
    params = {"PolicyName": policy_name, param(kind): wanted}
    send_iam(session, operation, resource=f"{kind} {wanted}", **params)
    return Change(
        action=f"iam:{operation}",
        resource=wanted,
        message=f"deleted inline policy {policy_name} of {kind} {wanted}",
    )


def put_inline_policy(
    session: boto3.Session, kind: PrincipalKind, name: str, policy_name: str, text: str
) -> Change:
    """Put an inline policy into a user, role or group (replacing one of that name).

    Args:
        session: The **write** session of an approved plan.
        kind: ``user``, ``role`` or ``group``.
        name: The principal's name.
        policy_name: The inline policy's name.
        text: Its document, JSON text (checked before it was planned).

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    wanted = principal_name(name, kind)
    operation = f"Put{kind.capitalize()}Policy"
    params = {"PolicyName": policy_name, "PolicyDocument": text, param(kind): wanted}
    send_iam(session, operation, resource=f"{kind} {wanted}", **params)
    return Change(
        action=f"iam:{operation}",
        resource=wanted,
        message=f"put inline policy {policy_name} into {kind} {wanted}",
    )


# --------------------------------------------------------------------------- operations


class InlinePolicyArgs(Args):
    """One inline policy of a user, role or group (a step of ``iam user|role delete``)."""

    kind: PrincipalKind
    """What holds the policy: user, role or group."""
    name: str
    """The user, role or group name."""
    policy: Annotated[str, AfterValidator(lambda v: principal_name(v, "policy"))]
    """The inline policy's name."""

    @model_validator(mode="after")
    def _named(self) -> InlinePolicyArgs:
        principal_name(self.name, self.kind)
        return self


def _verify_deleted(reader: Reader, args: InlinePolicyArgs) -> Verification:
    found = inline_policy_document(reader.session(), args.kind, args.name, args.policy)
    if found is not None:
        return not_yet(f"{args.kind} {args.name} still has the inline policy {args.policy}")
    return Verified(f"{args.kind} {args.name} has no inline policy {args.policy}")


def _document_before(reader: Reader, args: InlinePolicyArgs) -> dict[str, Any]:
    found = inline_policy_document(reader.session(), args.kind, args.name, args.policy)
    return {"document": None if found is None else json.dumps(found, separators=(",", ":"))}


def _put_back(reader: Reader, before: Any, args: InlinePolicyArgs) -> list[PlanEntry]:
    """Put the document read before the deletion back, under the same name (nothing once
    the user, role or group itself is gone)."""
    text = before.get("document") if isinstance(before, dict) else None
    if not text or not principal_exists(reader.session(), args.kind, args.name):
        return []
    back = PutInlinePolicyArgs(kind=args.kind, name=args.name, policy=args.policy, document=text)
    return [
        PUT_INLINE_POLICY.entry(
            back,
            f"Roll back: put the inline policy {args.policy} back into {args.kind} {args.name}, "
            "with the document it had",
            [args.name],
        )
    ]


def _delete_calls(args: InlinePolicyArgs) -> list[ApiCall]:
    return [
        iam_call(
            f"Delete{args.kind.capitalize()}Policy",
            {"PolicyName": args.policy, param(args.kind): args.name},
            principal_arns(args.kind, args.name),
        )
    ]


_PRINCIPAL_ARNS = (
    "arn:{partition}:iam::{account}:user/{name}",
    "arn:{partition}:iam::{account}:user/*/{name}",
    "arn:{partition}:iam::{account}:role/{name}",
    "arn:{partition}:iam::{account}:role/*/{name}",
    "arn:{partition}:iam::{account}:group/{name}",
    "arn:{partition}:iam::{account}:group/*/{name}",
)
_EXAMPLE_DOCUMENT = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",'
    '"Resource":"arn:aws:s3:::reports/*"}]}'
)


def _identity_document(value: str) -> str:
    return validate_policy(value, "identity")


class PutInlinePolicyArgs(InlinePolicyArgs):
    """An inline policy to put back (the rollback of its deletion)."""

    document: Annotated[str, AfterValidator(_identity_document)]
    """The document, as it was read just before the deletion (compact JSON)."""


def _put_calls(args: PutInlinePolicyArgs) -> list[ApiCall]:
    return [
        iam_call(
            f"Put{args.kind.capitalize()}Policy",
            {
                "PolicyName": args.policy,
                "PolicyDocument": args.document,
                param(args.kind): args.name,
            },
            principal_arns(args.kind, args.name),
        )
    ]


def _verify_put(reader: Reader, args: PutInlinePolicyArgs) -> Verification:
    found = inline_policy_document(reader.session(), args.kind, args.name, args.policy)
    if found is None:
        return not_yet(f"{args.kind} {args.name} has no inline policy {args.policy}")
    if found != json.loads(args.document):
        return not_yet(
            f"the inline policy {args.policy} of {args.kind} {args.name} holds another document"
        )
    return Verified(f"{args.kind} {args.name} has the inline policy {args.policy} as planned")


def _undo_put(reader: Reader, before: Any, args: PutInlinePolicyArgs) -> list[PlanEntry]:
    """Delete it again, or put back the document it replaced."""
    text = before.get("document") if isinstance(before, dict) else None
    what = f"the inline policy {args.policy} of {args.kind} {args.name}"
    if not principal_exists(reader.session(), args.kind, args.name):
        return []
    if text:
        if json.loads(text) == json.loads(args.document):
            return []
        back = args.model_copy(update={"document": _identity_document(text)})
        line = f"Roll back: put back the document {what} had"
        return [PUT_INLINE_POLICY.entry(back, line, [args.name])]
    inline = InlinePolicyArgs(kind=args.kind, name=args.name, policy=args.policy)
    return [DELETE_INLINE_POLICY.entry(inline, f"Roll back: delete {what} again", [args.name])]


PUT_INLINE_POLICY = Write(
    name="iam.put_inline_policy",
    args=PutInlinePolicyArgs,
    summary="Put an inline policy back into a user, role or group (a rollback step).",
    service="iam",
    agent="A rollback step: only the rollback of a deleted inline policy plans it.",
    reads=(
        *(f"iam:Get{kind.capitalize()}Policy" for kind in _KINDS),
        "iam:GetUser",
        "iam:GetRole",
        "iam:GetGroup",
    ),
    actions=tuple(f"iam:Put{kind.capitalize()}Policy" for kind in _KINDS),
    arns=_PRINCIPAL_ARNS,
    plan=only_in_rollbacks("an inline policy"),
    run=lambda writers, args: (
        put_inline_policy(writers.aws(), args.kind, args.name, args.policy, args.document).message
    ),
    calls=_put_calls,
    verify=_verify_put,
    before=_document_before,
    undo=_undo_put,
    examples=tuple(
        {"kind": kind, "name": "dev", "policy": "extra", "document": _EXAMPLE_DOCUMENT}
        for kind in _KINDS
    ),
)

DELETE_INLINE_POLICY = Write(
    name="iam.delete_inline_policy",
    args=InlinePolicyArgs,
    summary="Delete an inline policy of a user, role or group (a step of a deletion).",
    service="iam",
    agent="A cleanup step: delete_user and delete_role plan it (with force).",
    reads=(
        *(f"iam:Get{kind.capitalize()}Policy" for kind in _KINDS),
        "iam:GetUser",
        "iam:GetRole",
        "iam:GetGroup",
    ),
    actions=tuple(f"iam:Delete{kind.capitalize()}Policy" for kind in _KINDS),
    arns=_PRINCIPAL_ARNS,
    plan=only_in_plans("iam user|role delete NAME --force"),
    run=lambda writers, args: (
        delete_inline_policy(writers.aws(), args.kind, args.name, args.policy).message
    ),
    calls=_delete_calls,
    verify=_verify_deleted,
    before=_document_before,
    undo=_put_back,
    emits=(PUT_INLINE_POLICY,),  # what its rollback plans carry
    examples=tuple({"kind": kind, "name": "dev", "policy": "extra"} for kind in _KINDS),
)

OPERATIONS = (DELETE_INLINE_POLICY, PUT_INLINE_POLICY)
