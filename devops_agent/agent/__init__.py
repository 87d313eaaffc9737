"""The agent behind requests in plain language, built on the OpenAI Agents SDK.

The only package that imports ``agents`` or ``openai``, and only when a request in
plain language arrives: this module itself imports nothing heavy, so the command
language (and the 👀 reaction) never waits for the SDK.

    triage ──handoff──▶ ec2 · network · s3 · iam · github   (tools over aws/ and gh/)

* :mod:`.triage` and :mod:`.specialists`: the agents and their handoffs.
* :mod:`.tools`: function tools over the service functions; mutating tools only propose.
* :mod:`.guardrails`: request screen (before any model call), tool-output and answer checks.
* :mod:`.tracing`: a local JSONL trace per run; nothing exported unless ``trace-export``.
* :mod:`.run`: the run and its outcome as a reply (an answer, or a proposal the run
  turns into a plan); :mod:`.model`: the model, its client, retries and time limits.
* :mod:`.resumption`: a paused run kept with its plan, resumed once the plan is decided.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devops_agent.agent.run import Reply
    from devops_agent.context import DevOpsContext
    from devops_agent.continuation import Continuation

__all__ = ["converse", "resume"]


def converse(ctx: DevOpsContext, request: str, **options: Any) -> Reply:
    """Answer ``request`` with the agents (see :func:`devops_agent.agent.run.converse`).

    Changes come back as a proposal; the run makes the plan
    (:func:`devops_agent.app.ask_agent`).

    Args:
        ctx: The run's context.
        request: The request in plain language.
        options: Passed on (a scripted ``model`` in tests).

    Returns:
        The agent's answer and any proposal of changes.
    """
    from devops_agent.agent.run import converse as run_converse

    return run_converse(ctx, request, **options)


def resume(ctx: DevOpsContext, kept: Continuation, **options: Any) -> Reply:
    """Continue a run kept with its plan (see :func:`devops_agent.agent.run.resume`).

    Args:
        ctx: The run that applied or rejected the plan.
        kept: The kept state and how the plan was decided.
        options: Passed on (a scripted ``model`` in tests).

    Returns:
        The agent's answer and any new proposal of changes.
    """
    from devops_agent.agent.run import resume as run_resume

    return run_resume(ctx, kept, **options)
