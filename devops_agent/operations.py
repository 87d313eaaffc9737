"""The operations a plan may carry, and how the apply path carries them out.

This registry is the whole list of changes devops-agent can ever make: a plan
entry naming anything else is refused at apply time, whatever its block says.
Each family not yet in the catalog registers its own
(:mod:`devops_agent.aws.operations`); an executor gets the :class:`Writers` of an
approved plan and the entry's exact arguments, and returns one line saying what
happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from devops_agent.errors import Refused

if TYPE_CHECKING:
    from pathlib import Path

    import boto3
    from github import Github

    from devops_agent.plans import PlanEntry


class Writers(Protocol):
    """What an executor may change things with."""

    def aws(self) -> boto3.Session:
        """The write role's session (assumed on first use)."""
        ...

    @property
    def github(self) -> Github:
        """The GitHub client of the run (the workflow token)."""
        ...

    @property
    def workspace(self) -> Path:
        """The run's workspace (``GITHUB_WORKSPACE``): where planned uploads are read."""
        ...


@dataclass(frozen=True)
class Operation:
    """One kind of change."""

    run: Callable[[Writers, dict[str, Any]], str]
    aws: bool = True
    """Needs the AWS write role (GitHub operations do not)."""


def registry() -> dict[str, Operation]:
    """Every registered operation, by name."""
    from devops_agent.aws.operations import AWS_OPERATIONS

    return {**AWS_OPERATIONS}


def _declared(entry: PlanEntry) -> bool:
    from devops_agent import catalog
    from devops_agent.operation import Write

    op = {o.name: o for o in catalog.declarations()}.get(entry.operation)
    return isinstance(op, Write) and op.run is not None


def lookup(entry: PlanEntry) -> Operation:
    """The operation a plan entry names, or a refusal."""
    if _declared(entry):
        from devops_agent import catalog

        return Operation(
            lambda writers, args: catalog.carry_out(entry, writers),
            aws=catalog.needs_aws(entry),
        )
    operation = registry().get(entry.operation)
    if operation is None:
        raise Refused(f"The plan names an operation devops-agent does not have: {entry.operation}.")
    return operation


def carry_out(entry: PlanEntry, writers: Writers) -> str:
    """Run one plan entry; raises ServiceError when AWS or GitHub refuses."""
    if _declared(entry):
        from devops_agent import catalog

        return catalog.carry_out(entry, writers)
    return lookup(entry).run(writers, entry.args)
