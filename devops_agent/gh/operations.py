"""GitHub changes a plan may carry (see :mod:`devops_agent.operations`)."""

from __future__ import annotations

from devops_agent.operations import Operation

GITHUB_OPERATIONS: dict[str, Operation] = {}
