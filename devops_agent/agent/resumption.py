"""The agent's side of a plan's life: keeping a paused run, and resuming it once decided.

:func:`state_json` turns the SDK's paused run into the JSON that is kept with the plan:
``RunResult.to_state().to_json()`` with the run's context left out (a context serializer
that returns ``{}``: the :class:`~devops_agent.context.DevOpsContext` holds settings,
clients and the redactor), the SDK's trace record and usage dropped, and every string
redacted. It is then loaded back once, the way the apply will load it, and kept only if
its pending calls come back; :func:`keep` bounds it (:mod:`devops_agent.continuation`).

:func:`restore` loads it in the apply's run, with the same agents ``converse`` builds and
the apply run's own context (``context_override``), and the turn limit of the run and
its resumption together (the SDK counts on from the turns already taken; a state kept
without history starts afresh). The write tools' bodies never run
on resume: each pending call is *rejected* through the SDK's approval API with a message
that is the real outcome of its plan entries (:func:`answer`) — the SDK then gives the
model exactly that text as the call's output (``function_call_output``), without
invoking the tool, its guardrails or its body. Nothing is ever approved, so a state can
never make the resumed run carry anything out; a new change it proposes pauses again
and becomes a new plan. A state kept without history (or one that no longer loads)
restarts from the request, the proposed calls and their outcomes as input items.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents import Agent, RunContextWrapper, RunState

from devops_agent.agent import tools
from devops_agent.context import DevOpsContext
from devops_agent.continuation import (
    MAX_ARGUMENTS,
    MAX_CALLS,
    MAX_REQUEST,
    MAX_STATE_CHARS,
    AgentState,
    Continuation,
    Decision,
    PausedCall,
    encode,
)

__all__ = ["Resumed", "answer", "keep", "restore", "state_json"]


def _redacted(value: Any, redact: Callable[[str], str]) -> Any:
    """Every string of a JSON tree redacted (keys are the SDK's own names)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redacted(v, redact) for v in value]
    if isinstance(value, dict):
        return {k: _redacted(v, redact) for k, v in value.items()}
    return value


def _no_context(_: Any) -> dict[str, Any]:
    return {}


async def state_json(
    ctx: DevOpsContext, paused: Any, triage: Agent[DevOpsContext], call_ids: Sequence[str]
) -> str:
    """The paused run's state as kept with the plan, or ``""`` when it cannot be kept.

    Args:
        ctx: The run (its redactor).
        paused: The SDK's result of the run that paused for approval.
        triage: The starting agent, to load the state back with.
        call_ids: The pending calls' ids, which the state must give back.

    Returns:
        Compact JSON of the SDK's ``RunState``: no context, trace or usage; redacted.
    """
    raw = paused.to_state().to_json(context_serializer=_no_context)
    raw["trace"] = None  # the trace id, metadata, maybe a fingerprint of the API key
    raw["context"]["usage"] = {}  # kept as a cost instead: the resumed part counts afresh
    text = json.dumps(_redacted(raw, ctx.redactor), separators=(",", ":"), ensure_ascii=False)
    try:
        loaded = await RunState.from_string(triage, text, context_override=RunContextWrapper(ctx))
        back = {str(getattr(i.raw_item, "call_id", "")) for i in loaded.get_interruptions()}
    except Exception:  # the SDK refused its own state (redaction hit an id): not kept
        return ""
    return text if back == set(call_ids) else ""


def keep(
    ctx: DevOpsContext,
    *,
    agent: str,
    request: str,
    calls: Sequence[tools.Pending],
    planned: tools.Planned,
    state: str,
    spent_usd: float | None,
    tokens: int,
) -> tuple[str, str]:
    """The payload to keep with the plan (:func:`devops_agent.continuation.encode`).

    The whole state when it fits in :data:`~devops_agent.continuation.MAX_STATE_CHARS`,
    else the request and the calls alone (the run resumes without history).

    Args:
        ctx: The run (its redactor).
        agent: The agent that paused.
        request: The request.
        calls: The calls it paused for.
        planned: What the plan made of them.
        state: :func:`state_json`'s output ("" when it could not be kept).
        spent_usd: What this run has cost so far (``None`` when unknown).
        tokens: The tokens it used.

    Returns:
        The payload ("" when not even the short form fits) and a note when the history
        is not kept.
    """
    redact = ctx.redactor
    base = AgentState(
        agent=agent,
        request=redact(request)[:MAX_REQUEST],
        calls=[
            PausedCall(
                call_id=call.call_id,
                tool=call.tool,
                arguments=redact(call.arguments)[:MAX_ARGUMENTS],
                entries=planned.by_call.get(call.call_id, []),
                dropped=planned.dropped.get(call.call_id, ""),
            )
            for call in calls[:MAX_CALLS]
        ],
        spent_usd=spent_usd,
        tokens=tokens,
    )
    if state:
        payload = encode(base.model_copy(update={"state": state}))
        if len(payload) <= MAX_STATE_CHARS:
            return payload, ""
        note = (
            f"The agent's conversation ({len(state):,} characters) is too long to keep in "
            "full: after the apply it continues from the request and these changes only."
        )
    else:
        note = "The agent's conversation could not be kept: after the apply it continues "
        note += "from the request and these changes only."
    payload = encode(base.model_copy(update={"note": note}))
    return (payload, note) if len(payload) <= MAX_STATE_CHARS else ("", "")


def answer(ctx: DevOpsContext, decision: Decision, call: PausedCall | None) -> str:
    """What the model reads as the output of one of its paused calls.

    The facts (result lines that quote AWS, a person's reason) are wrapped as untrusted
    data like any tool result (:func:`devops_agent.agent.tools.as_data`: cleaned,
    redacted, bounded); ``instruction`` is devops-agent's own sentence.

    Args:
        ctx: The resumed run.
        decision: How the plan was decided.
        call: The paused call (``None`` when the state does not list it).

    Returns:
        JSON text.
    """
    facts = decision.facts(call)
    wrapped = json.loads(
        tools.as_data(ctx, facts, source=f"devops-agent, deciding plan {decision.plan_id}")
    )
    if facts["outcome"] == "not planned":
        wrapped["instruction"] = (
            "This call was not in the plan (why is under data): nothing was changed for it."
        )
    else:
        wrapped["instruction"] = decision.instruction()
    return json.dumps(wrapped, ensure_ascii=False)


def _agent_named(triage: Agent[DevOpsContext], name: str) -> Agent[DevOpsContext]:
    if name == triage.name:
        return triage
    for handoff in triage.handoffs:
        if isinstance(handoff, Agent) and handoff.name == name:
            return handoff
    return triage


def _turns_within(text: str, max_turns: int) -> tuple[str, int]:
    """The state with its turn limit no higher than this run's ``max-turns``, and that
    limit: the SDK resumes with the state's limit and counts on from the turns already
    taken, so the run and its resumption share one limit."""
    data = json.loads(text)
    data["max_turns"] = min(int(data.get("max_turns") or max_turns), max_turns)
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False), data["max_turns"]


#: Where the SDK's state records decisions (per tool, per agent's tool, hosted MCP).
_DECISIONS = ("approvals", "function_tool_approvals", "hosted_mcp_approvals")


def _clean_state(text: str) -> bool:
    """A kept state that records no approval or rejection (this version never keeps one:
    it keeps the run before anyone decided). One that does came from elsewhere, and an
    approval in it would let the resumed run call that tool without pausing."""
    try:
        context = json.loads(text).get("context") or {}
    except (ValueError, AttributeError):
        return False
    return isinstance(context, dict) and not any(context.get(k) for k in _DECISIONS)


@dataclass(frozen=True)
class Resumed:
    """Where a kept run starts again."""

    agent: Agent[DevOpsContext] = field(repr=False)
    start: RunState[Any, Any] | list[Any] = field(repr=False)
    """The loaded state, or input items when it was kept without history. (Out of the
    repr: the SDK's dataclass repr of a state and its agents takes minutes, and asyncio
    formats a finished task's result when it restores its signal handler.)"""
    max_turns: int
    """The turn limit the SDK keeps (a loaded state's: the run and its resumption's)."""


async def restore(triage: Agent[DevOpsContext], ctx: DevOpsContext, kept: Continuation) -> Resumed:
    """The agent and input to resume a kept run with, each paused call answered.

    Args:
        triage: The starting agent, built as ``converse`` builds it.
        ctx: The resumed run's context (the apply's).
        kept: The kept state and how its plan was decided.

    Returns:
        The agent to run, its input (the loaded state, or input items when the state was
        kept without history or no longer loads) and its turn limit.
    """
    state, decision = kept.state, kept.decision
    limit = ctx.settings.max_turns
    if state.state and _clean_state(state.state):
        text, limit = _turns_within(state.state, limit)
        try:
            run_state = await RunState.from_string(
                triage, text, context_override=RunContextWrapper(ctx)
            )
        except Exception:  # another version's state, say: resume without history
            run_state, limit = None, ctx.settings.max_turns
        if run_state is not None:
            for item in run_state.get_interruptions():
                call = state.call(str(getattr(item.raw_item, "call_id", "")))
                run_state.reject(item, rejection_message=answer(ctx, decision, call))
            return Resumed(triage, run_state, limit)
    items: list[Any] = [{"role": "user", "content": state.request}]
    for call in state.calls:
        items.append(
            {
                "type": "function_call",
                "call_id": call.call_id,
                "name": call.tool,
                "arguments": call.arguments or "{}",
            }
        )
        items.append(
            {
                "type": "function_call_output",
                "call_id": call.call_id,
                "output": answer(ctx, decision, call),
            }
        )
    return Resumed(_agent_named(triage, state.agent), items, limit)
