"""GitHub commands: repositories, issues and pull requests, workflows."""

from __future__ import annotations

from devops_agent.commands.language import Spec

GITHUB_COMMANDS: tuple[Spec, ...] = (
    Spec(("workflows", "list"), "workflows list", "Workflows of this repository.", None),
    Spec(
        ("workflows", "run"),
        "workflows run WORKFLOW [--ref REF] [KEY=VALUE...]",
        "Plan a workflow_dispatch run.",
        None,
        frozenset({"--ref"}),
        1,
        1,
    ),
    Spec(
        ("workflows", "status"),
        "workflows status [RUN_ID]",
        "Recent runs, or one run.",
        None,
        frozenset(),
        0,
        1,
    ),
)
