"""What the VPC writes share to prove themselves (issue 15): the create token, the
read-back of a delete, and deleting one resource by its id (:class:`Deletion`).

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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from devops_agent.aws import InRegion
from devops_agent.aws.writes import Change, delete_ec2_resource, ec2_arn, ec2_request, tag_list
from devops_agent.errors import BadInput, ServiceError
from devops_agent.operation import (
    ApiCall,
    Grant,
    NotAsPlanned,
    Reader,
    Verification,
    Verified,
    Writers,
)

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_ec2.type_defs import FilterTypeDef

__all__ = [
    "CREATE_TOKEN_TAG",
    "Deletion",
    "carries",
    "carrying",
    "create_tags_grant",
    "gone",
    "made_by_plan",
    "new_id",
    "no_token",
    "only_one",
    "region_of",
    "tag_specifications",
    "token_condition",
    "token_filter",
    "wrong_count",
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


def token_filter(token: str) -> list[FilterTypeDef]:
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


def region_of(args: InRegion) -> str:
    """The region a plan entry works in: its preview always fixes one.

    Args:
        args: A plan entry's validated arguments.

    Returns:
        Their region.

    Raises:
        BadInput: the entry names none (it was not made by a preview).
    """
    if not args.region:
        raise BadInput("The plan entry names no region.", remedy="Ask for the change again.")
    return args.region


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


def made_by_plan(
    reader: Reader, args: Any, by_token: Callable[[boto3.Session, str, str], list[R]]
) -> list[R]:
    """What an entry's create made: the resources that carry its create token now.

    Args:
        reader: The read side of the run.
        args: The create's arguments (a region and ``client_token``).
        by_token: The resource's reader of what carries a token (``vpcs_by_token``).

    Returns:
        Those resources; none when the plan carries no token (an older devops-agent made it).
    """
    if not args.client_token:
        return []
    return by_token(reader.session(), region_of(args), args.client_token)


def wrong_count(found: Sequence[object], what: str, read: str) -> NotAsPlanned:
    """The read-back of a create when not exactly one resource carries its token.

    Args:
        found: The resources carrying the token.
        what: What they are (``VPC``, ``live NAT gateway``).
        read: What was read of them, one line; empty when there are none.

    Returns:
        Not as planned: how many carry the token, and what was read of them.
    """
    return NotAsPlanned(
        f"{len(found)} {what}s carry this plan's create token" + (f": {read}" if read else "")
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


@dataclass(frozen=True, kw_only=True)
class Deletion:
    """Deleting one EC2 network resource by its id (a VPC, a subnet, a route table, a network
    ACL): the executor, the one request it sends, and the read-back that it is gone.

    What a resource's deletion must check first (its dependencies, the default or main
    one) stays in its own preview; this is what is the same once that is done.
    """

    action: str
    """The IAM action, e.g. ``ec2:DeleteSubnet`` (the API operation follows from it)."""
    param: str
    """The request's id parameter, e.g. ``SubnetId``."""
    field: str
    """The argument field holding the id, e.g. ``subnet_id``."""
    prefix: str
    """The id's prefix, e.g. ``subnet``."""
    what: str
    """The resource's name in messages, e.g. ``subnet``."""
    arn_kind: str
    """The resource type in its ARN, e.g. ``subnet``, ``route-table``."""
    read: Callable[[boto3.Session, str, str], object]
    """Reads it (session, region, id); ``None`` or a ``…NotFound`` error once it is gone."""

    def delete(self, session: boto3.Session, region: str, value: str) -> Change:
        """Delete it: check the region and id, send the request, say what was done.

        Args:
            session: The **write** session of an approved plan.
            region: Where it lives.
            value: Its id as given.

        Returns:
            What was done: the IAM action, the id, one line for people.
        """
        return delete_ec2_resource(
            session,
            region,
            value,
            prefix=self.prefix,
            what=self.what,
            action=self.action,
            param=self.param,
        )

    def run(self, writers: Writers, args: Any) -> str:
        """The executor of a plan entry that deletes it.

        Args:
            writers: The apply side of the run.
            args: The entry's arguments (a region and the id).

        Returns:
            One line: what was done.
        """
        return self.delete(writers.aws(), region_of(args), getattr(args, self.field)).message

    def calls(self, args: Any) -> list[ApiCall]:
        """The request the executor sends.

        Args:
            args: The entry's arguments.

        Returns:
            The one delete request, on the resource's ARN.
        """
        ident = getattr(args, self.field)
        operation = self.action.split(":", 1)[1]
        resource = ec2_arn(self.arn_kind, ident)
        return [
            ec2_request(operation, {self.param: ident}, region=args.region, resources=(resource,))
        ]

    def verify(self, reader: Reader, args: Any) -> Verification:
        """The read-back: verified once AWS no longer knows it (see :func:`gone`).

        Args:
            reader: The read side of the run.
            args: The entry's arguments.

        Returns:
            Verified when it is gone, not as planned while it is still there.
        """
        ident = getattr(args, self.field)
        return gone(lambda: self.read(reader.session(), region_of(args), ident), ident)
