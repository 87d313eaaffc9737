"""What the VPC writes share to prove themselves (issue 15): the create token and the
read-back of a delete.

Most of EC2's network creates (CreateVpc, CreateSubnet, CreateInternetGateway,
AllocateAddress) take no idempotency token, and nothing in what they make says which plan
made it. So the preview of every VPC create draws a token, and the create tags what it
makes with ``devops-agent/create-token=<token>`` (the plan shows the tag among the call's
parameters). That one tag is

* how the read-back finds what the entry made (a ``tag:devops-agent/create-token``
  filter, and the tag checked again on each item returned), so a resumed apply sees it
  is done and never creates it twice;
* how the rollback plan names what to delete;
* how the session policy limits a call on the new resource, whose id nobody knows when
  the plan is made (attaching the new internet gateway, turning on public IPs of the new
  subnet), to that one resource: ``aws:ResourceTag/devops-agent/create-token`` on
  ``subnet/*`` rather than every subnet of the region.

Where the API takes a ``ClientToken`` too (CreateRouteTable, CreateNatGateway), the same
token goes there, so a retried request is not a second create either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from devops_agent.aws.writes import ec2_arn, tag_list
from devops_agent.errors import BadInput, ServiceError
from devops_agent.operation import Grant, NotAsPlanned, Verification, Verified

__all__ = [
    "CREATE_TOKEN_TAG",
    "carries",
    "carrying",
    "create_tags_grant",
    "gone",
    "new_id",
    "no_token",
    "only_one",
    "tag_specifications",
    "token_condition",
    "token_filter",
]


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=_Identified)

CREATE_TOKEN_TAG = "devops-agent/create-token"  # noqa: S105 (a tag key, not a secret)
"""The tag key a VPC create puts its plan's token under."""


def tag_specifications(
    kind: str,
    *,
    name: str | None = None,
    token: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """EC2 ``TagSpecifications`` for a new resource: its tags, ``Name`` and the create token.

    Args:
        kind: EC2's resource type, e.g. ``vpc``, ``subnet``, ``natgateway``.
        name: The ``Name`` tag; ``None`` for none.
        token: The plan's create token; ``None`` (a plan made before tokens) for none.
        tags: Other tags.

    Returns:
        One specification, or an empty list when there is nothing to tag.
    """
    merged = {
        **(tags or {}),
        **({"Name": name} if name else {}),
        **({CREATE_TOKEN_TAG: token} if token else {}),
    }
    return [{"ResourceType": kind, "Tags": tag_list(merged)}] if merged else []


def create_tags_grant(arn_kind: str, create_action: str) -> Grant:
    """``ec2:CreateTags`` on what a create makes, only as part of that create.

    Args:
        arn_kind: The resource type in the ARN, e.g. ``vpc``, ``elastic-ip``.
        create_action: The API operation that tags it, e.g. ``CreateVpc``.

    Returns:
        The grant, conditioned on ``ec2:CreateAction``.
    """
    return Grant(
        action="ec2:CreateTags",
        resources=(ec2_arn(arn_kind, "*"),),
        conditions={"StringEquals": {"ec2:CreateAction": [create_action]}},
    )


def token_condition(token: str | None) -> dict[str, dict[str, list[str]]]:
    """The condition that limits a grant to what carries the plan's create token.

    Args:
        token: The plan's create token; ``None`` gives no condition (a plan made before
            tokens keeps the wider pattern its ARNs name).

    Returns:
        ``{"StringEquals": {"aws:ResourceTag/devops-agent/create-token": [token]}}``.
    """
    if not token:
        return {}
    return {"StringEquals": {f"aws:ResourceTag/{CREATE_TOKEN_TAG}": [token]}}


def token_filter(token: str) -> list[dict[str, Any]]:
    """A Describe filter for what carries the create token.

    Args:
        token: The plan's create token.

    Returns:
        ``[{"Name": "tag:devops-agent/create-token", "Values": [token]}]``.
    """
    return [{"Name": f"tag:{CREATE_TOKEN_TAG}", "Values": [token]}]


def carries(raw: Mapping[str, Any], token: str) -> bool:
    """Whether a raw Describe item carries the create token (checked again on what the
    filter returned: a stand-in that ignores tag filters returns everything).

    Args:
        raw: One item of a Describe answer, with its ``Tags``.
        token: The plan's create token.

    Returns:
        True when its ``devops-agent/create-token`` tag is ``token``.
    """
    return any(
        t.get("Key") == CREATE_TOKEN_TAG and t.get("Value") == token for t in raw.get("Tags") or []
    )


def carrying(token: str, *, filters: str = "Filters") -> dict[str, Any]:
    """What a read of the resources carrying the create token passes to
    :meth:`~devops_agent.aws.describe.Describe.read`: the tag filter, and the check of the
    tag on each item returned (see :func:`carries`).

    Args:
        token: The plan's create token.
        filters: The call's filter parameter (DescribeNatGateways names it ``Filter``).

    Returns:
        ``keep``, and the filter under ``filters``.
    """
    return {"keep": lambda raw: carries(raw, token), filters: token_filter(token)}


def new_id(what: str) -> str:
    """How a plan shows a parameter that is the id of something an earlier call makes.

    Args:
        what: What the earlier call makes, e.g. ``subnet``.

    Returns:
        ``<the new subnet's id>``: angle brackets mark a value known only at apply.
    """
    return f"<the new {what}'s id>"


def no_token(what: str) -> NotAsPlanned:
    """The read-back of a create whose plan carries no token (made before tokens existed).

    Args:
        what: What the entry creates, e.g. ``VPC``.

    Returns:
        Not as planned, saying why nothing can be read back and what to look at.
    """
    return NotAsPlanned(
        f"the plan carries no create token (an older devops-agent made it), so the new {what} "
        "cannot be told apart from others; check by hand that it exists"
    )


def only_one(found: Sequence[R], what: str) -> list[R]:
    """What a rollback may delete: the one resource that carries the plan's create token.

    The token is shown in the plan, and anyone who may tag resources can copy it onto
    another one; deleting every carrier would delete what the plan never made.

    Args:
        found: The resources carrying the token now.
        what: What they are, for the message (``VPC``, ``subnet``).

    Returns:
        ``found`` when it holds at most one.

    Raises:
        BadInput: more than one carries it: no rollback entry, and the note says why.
    """
    if len(found) > 1:
        raise BadInput(
            f"{len(found)} {what}s carry this plan's create token "
            f"({', '.join(r.id for r in found)}), so the one it made cannot be told from "
            "copies: delete that one by hand"
        )
    return list(found)


def gone(read: Callable[[], object], what: str) -> Verification:
    """The read-back of a delete: verified when AWS answers that ``what`` is not found.

    Args:
        read: Reads the resource with the read role; raises a ``ServiceError`` whose code
            ends in ``NotFound`` when it does not exist.
        what: The resource, for the line shown (``subnet-0abc…``).

    Returns:
        :class:`Verified` when it is gone, :class:`NotAsPlanned` when it is still there.

    Raises:
        ServiceError: AWS refused the read for another reason.
    """
    try:
        found = read()
    except ServiceError as exc:
        if (exc.code or "").endswith("NotFound"):
            return Verified(f"{what} is gone")
        raise
    if found is None:
        return Verified(f"{what} is gone")
    return NotAsPlanned(f"{what} still exists")
