"""How an EC2 resource is listed: one ``Describe…`` call, read the same way by every reader.

Each reader of an EC2 or VPC resource (``list_vpcs``, ``list_subnets``, ``list_volumes``,
the readers that find what a plan's create made…) checks the region, takes the caller's
client or makes one, walks botocore's paginator inside
:func:`~devops_agent.aws.aws_errors`, parses each raw item with the resource's one parser
(``vpc_from``, ``subnet_from``…) and sorts. A :class:`Describe`, declared beside the
parser, says which call, which parser and which order; :meth:`Describe.read` does the
rest, and the reader keeps what is its own: its filters and which items it keeps.
:func:`state_filter` is the filter of a listing by state (``ec2 list --state``,
``ec2 volumes --state``), checked before any call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from botocore import xform_name

from devops_agent.aws import aws_errors, check_region, client, pages
from devops_agent.errors import BadInput

if TYPE_CHECKING:
    import boto3

__all__ = ["Describe", "by_name", "state_filter"]

T = TypeVar("T")


def by_name(item: Any) -> tuple[str, bool, str, str]:
    """The order of a listing by region, then ``Name`` tag (untagged last), then id.

    Args:
        item: A model with ``region``, ``name`` and ``id``.

    Returns:
        Its sort key.
    """
    return (item.region, item.name is None, item.name or "", item.id)


@dataclass(frozen=True)
class Describe(Generic[T]):
    """One paginated EC2 ``Describe…`` call and the model of what it lists."""

    action: str
    """The IAM action, which names the call and the answer's list: ``ec2:DescribeVpcs``
    calls ``describe_vpcs`` and reads its ``Vpcs``."""
    parse: Callable[[Any, str], T]
    """The resource's one parser of a raw item read in a region (``vpc_from``)."""
    order: Callable[[T], Any] = attrgetter("id")
    """The sort key of what :meth:`read` returns; the id by default."""

    def read(
        self,
        session: boto3.Session,
        region: str,
        *,
        about: str | None = None,
        ec2: Any = None,
        page_size: int | None = None,
        keep: Callable[[Any], bool] | None = None,
        order: Callable[[T], Any] | None = None,
        **params: Any,
    ) -> list[T]:
        """Every item the call lists in ``region``, as models, sorted.

        Args:
            session: Credentials to read with (the read role's).
            region: The region to read (checked offline first).
            about: The id the read is about, named in error messages.
            ec2: A client to call with (the audit passes its shared, counted one); one is
                made from ``session`` when ``None``.
            page_size: Items per request; the service default when ``None``.
            keep: Which raw items to keep (all when ``None``), e.g. those that carry a
                plan's create token.
            order: Another sort key than the declared one.
            **params: The call's own parameters (``Filters``, ``VpcIds``…).

        Returns:
            The parsed items.

        Raises:
            UnknownRegion: unknown region. ServiceError: AWS refused or failed.
        """
        region = check_region(session, region)
        ec2 = ec2 or client(session, "ec2", region)
        operation = self.action.split(":", 1)[1]
        key = operation.removeprefix("Describe")
        with aws_errors(self.action, resource=about, region=region):
            found = [
                self.parse(raw, region)
                for page in pages(ec2, xform_name(operation), page_size=page_size, **params)
                for raw in page.get(key, [])
                if keep is None or keep(raw)
            ]
        return sorted(found, key=order or self.order)


def state_filter(
    state: str | None, states: Sequence[str], what: str, name: str
) -> list[dict[str, Any]]:
    """The ``Filters`` that keep the items in one state, after checking the state's word.

    Args:
        state: The state asked for, any case; ``None`` for every state.
        states: The states the resource can be in, as AWS names them.
        what: The resource with its article, for the message (``an instance``).
        name: The filter's name (``instance-state-name``, ``status``).

    Returns:
        ``[{"Name": name, "Values": [state]}]``, or ``[]`` for every state.

    Raises:
        BadInput: a word that is not one of ``states``.
    """
    if state is None:
        return []
    word = state.strip().lower()
    if word not in states:
        raise BadInput(f"'{state}' is not {what} state. Valid states: {', '.join(states)}.")
    return [{"Name": name, "Values": [word]}]
