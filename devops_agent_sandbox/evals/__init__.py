"""Agent evals: recorded scenarios replayed against a model (see :mod:`.runner`)."""

from devops_agent_sandbox.evals.runner import (
    EvalResult,
    Expectations,
    Scenario,
    Script,
    ToolOutputs,
    check,
    load_scenario,
    markdown_table,
    record,
    replay_tools,
    run_eval,
    run_scenario,
    scenario_names,
)

__all__ = [
    "EvalResult",
    "Expectations",
    "Scenario",
    "Script",
    "ToolOutputs",
    "check",
    "load_scenario",
    "markdown_table",
    "record",
    "replay_tools",
    "run_eval",
    "run_scenario",
    "scenario_names",
]
