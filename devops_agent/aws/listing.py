"""A read that lists one kind of resource over regions, and the answer that shows it.

``ec2 list``, ``ec2 volumes``, ``vpc list``, ``vpc subnets``… all read every region the
``--region`` argument names at once (:func:`~devops_agent.aws.across_regions`, which
records a region that fails as a gap) and answer with a title that counts what was found
and says where, one table, and the models as data beside the regions read.
:func:`read_regions` and :func:`listing` are those two halves; each read keeps its own
reader, columns and rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from devops_agent.aws import across_regions, regions_for
from devops_agent.operation import Reader
from devops_agent.report import Result, Table, dump, plural, where

if TYPE_CHECKING:
    import boto3

__all__ = ["listing", "read_regions"]

T = TypeVar("T")


def read_regions(
    reader: Reader, region: str | None, read: Callable[[boto3.Session, str], list[T]]
) -> list[T]:
    """``read(session, region)`` in every region ``region`` names, at once, joined.

    Args:
        reader: The read side of the run (its session and regions).
        region: What ``--region`` said: one region, a comma list, ``all``, or the default.
        read: Reads one region with the read role's session.

    Returns:
        The items of every region that answered, in the order of the regions.
    """
    session = reader.session()
    return across_regions(regions_for(reader, region), lambda name: read(session, name))


def listing(
    regions: list[str],
    items: Sequence[BaseModel],
    *,
    what: str,
    key: str,
    columns: list[str],
    rows: list[list[Any]],
    within: str | None = None,
    empty: str | None = None,
) -> Result:
    """The answer of a listing: how many were found where, one table, the models as data.

    Args:
        regions: The regions read.
        items: What was found.
        what: One of them, for the count in the title (``VPC``, ``running EC2 instance``).
        key: Their name in the data beside ``regions`` (``vpcs``).
        columns: The table's columns.
        rows: One row per item.
        within: Where, when narrower than the regions (a VPC's id); the regions otherwise.
        empty: The sentence shown instead of an empty table; the table's default otherwise.

    Returns:
        The result: ``N things in WHERE``, the table, and ``{"regions": …, key: …}``.
    """
    table = Table(columns=columns, rows=rows, **({"empty": empty} if empty else {}))
    return Result(
        title=f"{plural(len(items), what)} in {within or where(regions)}",
        tables=[table],
        data={"regions": regions, key: dump(items)},
    )
