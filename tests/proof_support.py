"""Shared by the tests of writes that prove themselves (``tests/test_gh_proofs.py``,
``tests/test_ec2_fix_proofs.py``): an entry's read-back, the state its way back needs, and
that way back, each asked of the operation the entry names, as an apply asks them."""

from __future__ import annotations

from typing import Any

from devops_agent import catalog
from devops_agent.operation import PlanEntry


def read_back(reader: Any, entry: PlanEntry) -> Any:
    """The entry's post-condition, read with ``reader`` (its operation must declare one)."""
    op, args = catalog.validate(entry)
    assert op.verify is not None
    return op.verify(reader, args)


def state_before(reader: Any, entry: PlanEntry) -> Any:
    """What the entry's way back needs, read with ``reader`` (``None`` when it needs none)."""
    op, args = catalog.validate(entry)
    return op.before(reader, args) if op.before is not None else None


def way_back(reader: Any, entry: PlanEntry, before: Any) -> list[PlanEntry]:
    """The entries that undo ``entry`` from the state ``before`` (it must be undoable)."""
    op, args = catalog.validate(entry)
    assert op.undo is not None and not op.warning(args), op.name
    return op.undo(reader, before, args)
