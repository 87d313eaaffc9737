"""What every S3 change shares: where its requests go, what they are, and sending exactly
those.

An S3 write is declared as the requests its executor sends (``calls``, issue 15): the
plan shows them, the apply's session policy allows exactly their IAM actions on their
ARNs, and a test compares them with what botocore really sent. So that the two cannot
drift apart, each executor builds its requests with the same function as its ``calls``
and hands them to :func:`send`, which makes each one as declared.

* :class:`BucketChangeArgs` is the base of every change to one existing bucket: besides
  the bucket it carries the bucket's region, which the preview reads. The apply sends
  its requests to that region's endpoint, and the session policy allows them only with
  ``aws:RequestedRegion`` equal to it (S3 is global, but each request is answered by the
  bucket's regional endpoint, and that is the region IAM sees).
* :func:`s3_arn` is the ARN pattern of a bucket or one object for a session policy,
  with the characters IAM reads as wildcards or variables in an object key escaped, so
  a key such as ``logs/*`` is granted as that one key, never as a prefix.
* :func:`bucket_call` declares one request on one bucket; :func:`send` makes it, and
  :func:`bucket_change` makes it and says what it did (an executor's :class:`Change`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

from devops_agent.aws import client
from devops_agent.aws.s3.buckets import BucketArgs
from devops_agent.aws.writes import Change, write_errors
from devops_agent.errors import BadInput
from devops_agent.operation import ApiCall, Grant, Hidden

if TYPE_CHECKING:
    import boto3

__all__ = ["BucketChangeArgs", "bucket_call", "bucket_change", "check_params", "s3_arn", "send"]

#: What IAM reads specially in a resource ARN, and how a policy writes it literally.
_IAM_ESCAPES = (("$", "${$}"), ("*", "${*}"), ("?", "${?}"))


class BucketChangeArgs(BucketArgs):
    """Arguments of a change to one existing bucket."""

    bucket_region: Annotated[str | None, Hidden()] = None
    """The bucket's region, which the preview reads: the apply sends its requests there,
    and the session policy allows them only in that region."""


def s3_arn(bucket: str, key: str | None = None) -> str:
    """The ARN pattern of a bucket, or of one object in it, for a session policy.

    ``{partition}`` stays in braces (filled in from the plan's region when the policy is
    built). In an object key, ``$``, ``*`` and ``?`` are written as IAM's literal forms
    (``${$}``, ``${*}``, ``${?}``), so the grant names exactly that key: a key that looks
    like a wildcard or a policy variable cannot widen it.

    Args:
        bucket: The bucket's name (checked for shape: no character IAM reads specially).
        key: An object's key, for that object's ARN.

    Returns:
        ``arn:{partition}:s3:::bucket`` or ``arn:{partition}:s3:::bucket/key``.
    """
    if key is None:
        return f"arn:{{partition}}:s3:::{bucket}"
    for literal, escaped in _IAM_ESCAPES:
        key = key.replace(literal, escaped)
    return f"arn:{{partition}}:s3:::{bucket}/{key}"


def bucket_call(
    operation: str,
    action: str,
    bucket: str,
    region: str | None,
    *,
    key: str | None = None,
    extra: tuple[Grant, ...] = (),
    when: str = "",
    **params: Any,
) -> ApiCall:
    """One request an S3 executor sends on a bucket (or one object in it), as declared.

    Args:
        operation: The S3 API operation, e.g. ``PutBucketVersioning``.
        action: The IAM action it needs, e.g. ``s3:PutBucketVersioning`` (for some
            operations it is not the operation's name: ``DeleteBucketTagging`` needs
            ``s3:PutBucketTagging``).
        bucket: The bucket's name (the request's ``Bucket``).
        region: The bucket's region: where the request goes, and ``aws:RequestedRegion``.
        key: The object's key when the request acts on one object (its ARN is the
            resource then; the request's ``Key`` is given in ``params``).
        extra: Further authorizations the same request needs.
        when: Empty when it is always sent; otherwise when.
        **params: The request's other parameters, exactly as boto3 takes them.

    Returns:
        The declared request.

    Raises:
        BadInput: no region: an entry no preview wrote, which would be sent wherever the
            session points and allowed in any region; it is not applied.
    """
    if not region:
        raise BadInput(
            f"The plan does not record the region of s3://{bucket}; it is not applied.",
            remedy="Ask for the change again to get a fresh plan.",
        )
    return ApiCall(
        service="s3",
        operation=operation,
        params={"Bucket": bucket, **params},
        action=action,
        region=region or "",
        resources=(s3_arn(bucket, key),),
        extra=extra,
        when=when,
    )


@cache
def _input_shape(operation: str) -> Any:
    from botocore.session import get_session

    return get_session().get_service_model("s3").operation_model(operation).input_shape


def check_params(operation: str, params: dict[str, Any]) -> None:
    """Check request parameters against S3's own schema of ``operation``, offline.

    botocore's service model is loaded once per process (about a tenth of a second).

    Args:
        operation: The S3 API operation, e.g. ``PutBucketLifecycleConfiguration``.
        params: The parameters, ``Bucket`` included.

    Raises:
        botocore.exceptions.ParamValidationError: they do not fit, saying where.
    """
    from botocore.validate import validate_parameters

    validate_parameters(params, _input_shape(operation))


def send(session: boto3.Session, call: ApiCall, *, resource: str = "") -> dict[str, Any]:
    """Make one declared request with the write session, in its region, exactly as declared.

    Args:
        session: The **write** session of an approved plan.
        call: The request, as the operation's ``calls`` declares it.
        resource: What it is about, for error messages (``s3://bucket``).

    Returns:
        AWS's answer.

    Raises:
        ServiceError: AWS refused (an access-denied answer names the write role) or failed.
    """
    from botocore import xform_name

    api = client(session, call.service, call.region or None)
    with write_errors(call.action, resource=resource or None, region=call.region or None):
        return dict(getattr(api, xform_name(call.operation))(**call.params))


def bucket_change(session: boto3.Session, call: ApiCall, done: Callable[[str], str]) -> Change:
    """Make one declared request on a bucket (see :func:`send`) and say what it did.

    Args:
        session: The **write** session of an approved plan.
        call: The request, as the operation's ``calls`` declares it (from :func:`bucket_call`).
        done: What was done, for people, given the bucket's name.

    Returns:
        The change: the request's IAM action, the bucket, the line ``done`` wrote.

    Raises:
        ServiceError: AWS refused (an access-denied answer names the write role) or failed.
    """
    name = call.params["Bucket"]
    send(session, call, resource=f"s3://{name}")
    return Change(action=call.action, resource=name, message=done(name))
