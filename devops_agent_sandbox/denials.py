"""AWS refusing a call, as AWS answers it, for tests, evals and the demo.

moto does not evaluate IAM policy conditions or service control policies, so "the read
role may not call X in region R" cannot be set up as a policy. :func:`deny` answers the
call at botocore's ``before-call`` event instead, with the error AWS gives (EC2's
``UnauthorizedOperation``, everyone else's ``AccessDenied``) and AWS's message naming
the action, so everything above botocore (error translation, gaps, rendering, the agent)
runs as it would against AWS.
"""

from __future__ import annotations

from typing import Any

__all__ = ["deny"]

_MESSAGE = (
    "User: arn:aws:sts::123456789012:assumed-role/devops-agent-read/gha is not authorized "
    "to perform: {action} with an explicit deny in a service control policy"
)


class _Refused:
    """The HTTP side of AWS's answer (botocore reads only the status code)."""

    status_code = 403
    headers: dict[str, str] = {}  # noqa: RUF012 - read, never written
    content = b""
    raw = None


def deny(
    session: Any, *, service: str, operation: str, action: str, region: str | None = None
) -> None:
    """Make ``session``'s clients answer ``operation`` of ``service`` as refused.

    Args:
        session: a boto3 session; clients it creates afterwards are affected.
        service: the botocore service id, e.g. ``ec2`` or ``iam``.
        operation: the API operation (``DescribeInstances``), or ``*`` for all of them.
        action: the IAM action AWS names in its message (``ec2:DescribeInstances``).
        region: only in this region; every region when ``None``.
    """
    code = "UnauthorizedOperation" if service == "ec2" else "AccessDenied"
    message = _MESSAGE.format(action=action)
    if service == "ec2":
        message = f"You are not authorized to perform this operation. {message}"

    def answer(request_signer: Any = None, model: Any = None, **_: Any) -> Any:
        if region is not None and getattr(request_signer, "region_name", None) != region:
            return None
        named = action if operation != "*" or model is None else f"{service}:{model.name}"
        parsed = {
            "Error": {"Code": code, "Message": message.replace(action, named)},
            "ResponseMetadata": {"HTTPStatusCode": 403},
        }
        return _Refused(), parsed

    event = f"before-call.{service}" + ("" if operation == "*" else f".{operation}")
    session.events.register(event, answer)
