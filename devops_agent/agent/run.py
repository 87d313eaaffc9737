"""One request in plain language, start to finish: model, agents, limits, outcome.

    request → input guardrails (before any model call) → triage → specialist
            → tools (data, redacted) … → answer (output guardrail)  → Result
                                       → pending changes (approval)  → plan Result

Every way a run can end becomes a :class:`~devops_agent.report.Result` with
``data["usage"]`` (turns, model requests, tokens) and a footer line saying the
same: an answer, a proposal (the run makes the plan), a blocked request,
a stop at ``max-turns`` or at the agent's own time limit (with what was done so
far), or a model that could not be reached after bounded retries.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agents import (
    Agent,
    AgentsException,
    InputGuardrailTripwireTriggered,
    OutputGuardrailTripwireTriggered,
    RunConfig,
    RunContextWrapper,
    RunHooks,
    Runner,
)
from agents.exceptions import UserError
from agents.run_config import ToolExecutionConfig
from agents.run_error_handlers import RunErrorHandlerInput, RunErrorHandlerResult

from devops_agent import gaps, repoconfig, tracing
from devops_agent.agent import guardrails, resumption, tools
from devops_agent.agent.model import (
    MODEL_RETRIES,
    MODEL_TIMEOUT,
    RETRY_BACKOFF,
    budget_seconds,
    build_model,
    is_model_error,
    model_error_text,
    model_settings,
)
from devops_agent.agent.specialists import build_specialists
from devops_agent.agent.tracing import TRACE_PATH, JsonlTraceProcessor, TraceSummary, install
from devops_agent.agent.triage import build_triage
from devops_agent.context import DevOpsContext
from devops_agent.continuation import Continuation
from devops_agent.cost import Budget, Price, RequestTokens, cost_of, price_for
from devops_agent.events import CommentEvent
from devops_agent.gaps import Gap
from devops_agent.operation import Proposal
from devops_agent.report import Result
from devops_agent.sanitize import clean_untrusted

if TYPE_CHECKING:
    from agents.items import TResponseInputItem
    from agents.models.interface import Model
    from openai import AsyncOpenAI

    from devops_agent.settings import Settings

__all__ = [
    "MODEL_RETRIES",
    "RETRY_BACKOFF",
    "Reply",
    "budget_seconds",
    "build_model",
    "converse",
    "model_settings",
    "resume",
]

_LABELS = {
    "triage": "triage",
    "ec2": "EC2",
    "network": "network",
    "s3": "S3",
    "iam": "IAM",
    "github": "GitHub",
    "audit": "audit",
    "knowledge": "knowledge",
}
_KINDS = {
    "size": "too large",
    "override": "tries to override the agent's instructions",
    "fake_authority": "claims a system role or an approval it does not have",
    "exfiltration": "asks for secrets or the agent's instructions",
    "hidden_markup": "hides text (HTML comments or invisible characters)",
    "command_smuggling": "carries another command or a plan",
    "encoded_payload": "carries encoded instructions",
    "concealment": "asks to hide what was done",
    "model_check": "was judged an injection by the model check",
}


class _ToRunner(logging.Handler):
    """SDK and client warnings go to the run log through the run's redactor."""

    def __init__(self, ctx: DevOpsContext) -> None:
        super().__init__(logging.WARNING)
        self._ctx = ctx

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._ctx.runner.info(
                f"{record.name}: {record.levelname.lower()}: {record.getMessage()}"
            )
        except Exception:  # logging must never break the run
            self.handleError(record)


@contextmanager
def _sdk_logs(ctx: DevOpsContext) -> Iterator[None]:
    """Route the ``openai.agents`` and ``openai`` loggers to the run log while the run lasts."""
    handler = _ToRunner(ctx)
    loggers = [logging.getLogger("openai.agents"), logging.getLogger("openai")]
    saved = [(log, log.propagate) for log in loggers]
    for log in loggers:
        log.addHandler(handler)
        log.propagate = False
    try:
        yield
    finally:
        for log, propagate in saved:
            log.removeHandler(handler)
            log.propagate = propagate


class _OverBudget(Exception):
    """The next model call would pass ``max-cost-usd``: the run stops before making it."""

    def __init__(self, spent: float, estimate: float, agent: str) -> None:
        super().__init__(f"spent ${spent:.4f}, next call about ${estimate:.4f}")
        self.spent = spent
        self.estimate = estimate
        self.agent = agent


def requests_of(usage: Any) -> list[RequestTokens]:
    """The SDK's per-request usage as plain token counts (what :mod:`devops_agent.cost`
    prices); one entry for the whole run when the provider gave no breakdown."""
    if usage is None:
        return []
    entries = list(getattr(usage, "request_usage_entries", None) or [])
    if not entries and usage.input_tokens + usage.output_tokens:
        entries = [usage]
    return [
        RequestTokens(
            input=int(e.input_tokens or 0),
            output=int(e.output_tokens or 0),
            cached=int(getattr(e.input_tokens_details, "cached_tokens", 0) or 0),
        )
        for e in entries
    ]


class _Counter(RunHooks[DevOpsContext]):
    """Counts turns, keeps the run's usage reachable when the run ends early, and keeps
    ``max-cost-usd``: before each model call it stops the run if the call would pass it."""

    def __init__(self, budget: Budget | None = None) -> None:
        self.turns = 0
        self.wrapper: RunContextWrapper[DevOpsContext] | None = None
        self.budget = budget

    async def on_llm_start(
        self,
        context: RunContextWrapper[DevOpsContext],
        agent: Agent[DevOpsContext],
        system_prompt: str | None,
        input_items: list[TResponseInputItem],
    ) -> None:
        self.wrapper = context
        if self.budget is not None:
            prompt = len(system_prompt or "") + len(json.dumps(input_items, default=str))
            fits, spent, estimate = self.budget.allows(requests_of(context.usage), prompt)
            if not fits:
                raise _OverBudget(spent, estimate, agent.name)
        self.turns += 1


@dataclass
class _Outcome:
    """What the run produced, before it is rendered."""

    status: str = "answer"
    """answer, plan, blocked, max_turns, timeout, budget or model_error."""
    text: str = ""
    agent: str = "triage"
    findings: list[dict[str, str]] = field(default_factory=list)
    pending: list[tools.Pending] = field(default_factory=list)
    redacted: int = 0
    error: BaseException | None = None
    over_budget: _OverBudget | None = None
    state: str = ""
    """The paused run's state, as kept with the plan (:func:`resumption.state_json`)."""
    resumed: Continuation | None = None
    """The kept run this one resumed (its cost so far counts toward ``max-cost-usd``)."""
    max_turns: int = 0
    """The turn limit the run had (a resumed run shares the kept run's)."""


async def _run(
    ctx: DevOpsContext,
    request: str,
    *,
    model: Model,
    counter: _Counter,
    extra_guardrails: Sequence[Any],
    seconds: float,
    trace_id: str | None = None,
    resumed: Continuation | None = None,
) -> _Outcome:
    """The run, with the repository's MCP servers started for its length (if any)."""
    from devops_agent.agent.web import extra_tools

    extra: dict[str, list[Any]] = {k: list(v) for k, v in extra_tools(ctx.settings).items()}
    servers = ctx.repo_config.mcp_servers if ctx.repo_config is not None else []
    async with AsyncExitStack() as stack:
        if servers:
            from devops_agent.agent import mcp

            found, unreachable = await mcp.connect(ctx, servers, stack)
            for gap in unreachable:
                gaps.add(gap)
            for specialist, more in found.items():
                extra.setdefault(specialist, []).extend(more)
        return await _run_agents(
            ctx,
            request,
            model=model,
            counter=counter,
            extra_guardrails=extra_guardrails,
            seconds=seconds,
            trace_id=trace_id,
            extra_tools=extra,
            resumed=resumed,
        )


async def _run_agents(
    ctx: DevOpsContext,
    request: str,
    *,
    model: Model,
    counter: _Counter,
    extra_guardrails: Sequence[Any],
    seconds: float,
    trace_id: str | None,
    extra_tools: dict[str, list[Any]],
    resumed: Continuation | None = None,
) -> _Outcome:
    settings = ctx.settings
    specialists = build_specialists(extra_tools=extra_tools)
    triage = build_triage(specialists, (guardrails.request_guardrail, *extra_guardrails))
    outcome = _Outcome(resumed=resumed, max_turns=settings.max_turns)
    start: Any = request
    first: Agent[DevOpsContext] = triage
    if resumed is not None:  # the same agents and tools; each paused call gets its outcome
        again = await resumption.restore(triage, ctx, resumed)
        first, start, outcome.max_turns = again.agent, again.start, again.max_turns

    def on_max_turns(data: RunErrorHandlerInput[DevOpsContext]) -> RunErrorHandlerResult:
        outcome.status = "max_turns"
        outcome.agent = data.run_data.last_agent.name
        return RunErrorHandlerResult(final_output="", include_in_history=False)

    event = ctx.event
    thread = f"#{event.number}" if isinstance(event, CommentEvent) else ""
    config = RunConfig(
        model=model,
        model_settings=model_settings(timeout=min(MODEL_TIMEOUT, seconds)),
        output_guardrails=[guardrails.secret_guardrail],
        tracing_disabled=False,
        trace_include_sensitive_data=False,
        workflow_name="devops-agent",
        trace_id=trace_id,
        group_id=f"{ctx.repository}{thread}" or None,
        trace_metadata={
            "repository": ctx.repository,
            "run_id": ctx.env.run_id,
            "requester": ctx.requester,
            "model": settings.model,
            "api": settings.openai_api,
            **({"resumes_plan": resumed.decision.plan_id} if resumed is not None else {}),
        },
        tool_execution=ToolExecutionConfig(pre_approval_tool_input_guardrails=True),
        tool_not_found_behavior="return_error_to_model",
    )
    deadline = asyncio.timeout(seconds)
    try:
        async with deadline:
            result = await Runner.run(
                first,
                start,
                context=ctx,
                max_turns=outcome.max_turns,
                hooks=counter,
                run_config=config,
                error_handlers={"max_turns": on_max_turns},
            )
    except InputGuardrailTripwireTriggered as exc:
        info = exc.guardrail_result.output.output_info or {}
        outcome.status = "blocked"
        outcome.findings = list(info.get("findings") or [{"kind": "unknown", "detail": ""}])
        return outcome
    except OutputGuardrailTripwireTriggered as exc:
        info = exc.guardrail_result.output.output_info or {}
        outcome.text = str(info.get("redacted", ""))
        outcome.redacted = int(info.get("count", 0))
        outcome.agent = exc.guardrail_result.agent.name
        return outcome
    except TimeoutError as exc:
        if not deadline.expired():  # a model call's own time limit, after its retries
            outcome.status, outcome.error = "model_error", exc
            return outcome
        outcome.status = "timeout"
        return outcome
    except _OverBudget as exc:
        outcome.status, outcome.over_budget, outcome.agent = "budget", exc, exc.agent
        return outcome
    except UserError:
        raise  # a bug in how the agents are built: the app reports it as one
    except AgentsException as exc:
        outcome.status = "model_error"
        outcome.error = exc
        if exc.run_data is not None:
            outcome.agent = exc.run_data.last_agent.name
        return outcome
    except Exception as exc:
        if not is_model_error(exc):
            raise
        outcome.status = "model_error"
        outcome.error = exc
        return outcome
    if outcome.status == "max_turns":
        return outcome
    outcome.agent = result.last_agent.name
    if result.interruptions:
        outcome.status = "plan"
        outcome.pending = [
            tools.Pending(
                tool=item.tool_name or "",
                arguments=str(getattr(item.raw_item, "arguments", "") or ""),
                call_id=str(getattr(item.raw_item, "call_id", "") or ""),
            )
            for item in result.interruptions
        ]
        calls = [p.call_id for p in outcome.pending]
        outcome.state = await resumption.state_json(ctx, result, triage, calls)
        return outcome
    outcome.text = str(result.final_output or "")
    return outcome


def _usage(
    counter: _Counter, started: float, settings: Settings, price: Price | None
) -> dict[str, Any]:
    """Turns, requests, tokens and their cost (``cost_usd`` ``None`` when no price is known)."""
    usage = counter.wrapper.usage if counter.wrapper is not None else None
    requests = requests_of(usage)
    return {
        "turns": counter.turns,
        "requests": usage.requests if usage else 0,
        "input_tokens": usage.input_tokens if usage else 0,
        "cached_input_tokens": sum(r.cached for r in requests),
        "output_tokens": usage.output_tokens if usage else 0,
        "total_tokens": usage.total_tokens if usage else 0,
        "cost_usd": round(cost_of(requests, price), 6) if price is not None else None,
        "max_cost_usd": settings.max_cost_usd,
        "seconds": round(time.monotonic() - started, 2),
        "model": settings.model,
        "api": settings.openai_api,
    }


def _label(name: str) -> str:
    return _LABELS.get(name, name)


def _cost_text(usage: dict[str, Any]) -> str:
    """``$0.0123`` (and the budget), or why the cost is unknown."""
    cost = usage.get("cost_usd")
    if cost is None:
        return f"cost unknown (no price for `{usage['model']}`: add it under agent.pricing)"
    limit = usage.get("max_cost_usd")
    return f"${cost:.4f}" + (f" of ${limit:.4f} budget" if limit else "")


def _footer(usage: dict[str, Any], summary: TraceSummary, trace: str) -> str:
    path = " → ".join(_label(a) for a in dict.fromkeys(summary.agents)) or "triage"
    bits = [
        f"🤖 {path}",
        f"{usage['turns']} turn{'s' if usage['turns'] != 1 else ''}",
        f"{usage['requests']} model request{'s' if usage['requests'] != 1 else ''}",
        f"{usage['total_tokens']:,} tokens ({usage['input_tokens']:,} in, "
        f"{usage['output_tokens']:,} out)",
        _cost_text(usage),
        f"{usage['seconds']:.1f} s",
    ]
    details = [
        f"- Agents: {path}",
        f"- Tools: {summary.tools_line()}",
        f"- Model: `{usage['model']}` ({usage['api']} API), {usage['requests']} request(s), "
        f"{summary.model_seconds:.1f} s",
    ]
    if summary.guardrails_tripped:
        details.append(f"- Guardrails tripped: {', '.join(summary.guardrails_tripped)}")
    if trace:
        details.append(f"- Trace: `{trace}` (names, timings, token counts; no prompts)")
    details.append("- Usage: " + " · ".join(bits[1:]))
    # The compact line (bits) goes in the comment's footer, from data["usage"].
    return (
        "<details><summary>How this answer was made</summary>\n\n"
        + "\n".join(details)
        + "\n\n</details>"
    )


def _render(
    ctx: DevOpsContext,
    request: str,
    outcome: _Outcome,
    meta: dict[str, Any],
    footer: str,
    not_read: Sequence[Gap] = (),
) -> Reply:
    result = _rendered(ctx, request, outcome, meta, footer)
    gaps_seen = list(not_read)
    if isinstance(result, Reply):
        return dataclasses.replace(
            result,
            result=result.result.model_copy(update={"not_read": gaps_seen}),
            not_read=gaps_seen,
        )
    result = result.model_copy(update={"not_read": gaps_seen})
    return Reply(result, command=result.command, footer=footer, not_read=gaps_seen)


def _rendered(
    ctx: DevOpsContext, request: str, outcome: _Outcome, meta: dict[str, Any], footer: str
) -> Result | Reply:
    command = request.splitlines()[0][:200] if request.strip() else ""
    settings = ctx.settings
    data = {"agent": outcome.agent, **meta}
    if outcome.status == "blocked":
        reasons = "\n".join(
            f"- it {_KINDS.get(f['kind'], f['kind'])} (`{clean_untrusted(f['detail'])[:60]}`)"
            for f in outcome.findings
        )
        return Result(
            status="refused",
            command=command,
            title="Request not sent to the model: it looks like an attempt to steer the agent",
            text=f"The request was stopped before any model saw it, because\n\n{reasons}\n\n"
            "Nothing was changed. If the request is genuine, ask it again in plain words; "
            f"changes are always posted as a plan that someone applies with "
            f"`{settings.trigger} apply PLAN_ID`.\n\n{footer}",
            exit_code=3,
            data={**data, "blocked": outcome.findings},
        )
    if outcome.status == "plan":
        return _proposal(ctx, request, outcome, data, footer)
    if outcome.status in ("max_turns", "timeout"):
        summary = meta["trace"]
        budget = budget_seconds(settings, ctx.deadline)
        limit = (
            f"the limit of {outcome.max_turns or settings.max_turns} turns (`max-turns`)"
            if outcome.status == "max_turns"
            else f"its time limit ({budget:.0f} s of `timeout-seconds`)"
        )
        return Result(
            status="failure",
            command=command,
            title=f"Stopped at {limit.split(' (')[0]} before finishing",
            text=f"The agent stopped at {limit} without a final answer. "
            f"{_done_so_far_text(summary)} Nothing was changed. Narrow the request (one "
            f"service, one region) or raise the limit.\n\n{footer}",
            exit_code=1,
            data={**data, "stopped": outcome.status},
        )
    if outcome.status == "budget" and outcome.over_budget is not None:
        over = outcome.over_budget
        cap = settings.max_cost_usd or 0.0
        return Result(
            status="failure",
            command=command,
            title="Stopped before passing the cost budget",
            text=f"The agent stopped before its next model call: ${over.spent:.4f} was spent "
            f"and that call would cost about ${over.estimate:.4f}, passing `max-cost-usd` "
            f"(${cap:.4f}). {_done_so_far_text(meta['trace'])} Nothing was changed. Narrow "
            f"the request (one service, one region) or raise max-cost-usd.\n\n{footer}",
            exit_code=1,
            data={**data, "stopped": "budget"},
        )
    if outcome.status == "model_error":
        title, why, code = model_error_text(outcome.error)
        return Result(
            status="failure",
            command=command,
            title=title,
            text=f"{why} {_done_so_far_text(meta['trace'])}\n\n{footer}",
            exit_code=code,
            data={**data, "error": outcome.error.__class__.__name__ if outcome.error else ""},
        )
    text = guardrails.safe_answer(outcome.text, ctx.redactor).strip()
    if not text:
        text = "_The model returned an empty answer._"
    if outcome.redacted:
        text += (
            f"\n\n_{outcome.redacted} credential-shaped string(s) were removed from this answer._"
        )
    return Result(
        status="success",
        command=command,
        title=f"Answer from the {_label(outcome.agent)} agent",
        text=f"{text}\n\n{footer}",
        data={**data, "answer": text},
    )


def _done_so_far_text(summary: dict[str, Any]) -> str:
    tools_used = summary.get("tools") or {}
    if not tools_used:
        return "No tool had finished yet."
    return (
        "Done so far: "
        + ", ".join(
            f"`{name}` ×{s['calls']}" + (f" ({s['errors']} failed)" if s["errors"] else "")
            for name, s in tools_used.items()
        )
        + "."
    )


@dataclass(frozen=True)
class Reply:
    """What the agent produced: an answer, or changes it proposes for the run to plan.

    The agent never makes a plan itself: the run (:func:`devops_agent.app.ask_agent`) turns
    :attr:`proposal` into one with :func:`devops_agent.apply.propose_plan`, then
    :meth:`with_plan` puts the agent's words and footer around it.
    """

    result: Result
    """The answer (or refusal, or failure); for a proposal, what to say if it cannot be planned."""
    proposal: Proposal | None = None
    """The plan entries of the changes the agent proposed, previewed again just now."""
    command: str = ""
    footer: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)
    """Proposed changes that failed their preview, with why (they are not in the plan)."""
    not_read: list[Gap] = field(default_factory=list)
    """What the run's tools could not read: the answer ends with it (never taken for fine)."""
    state: str = ""
    """The paused run, kept with the plan (:func:`devops_agent.continuation.encode`) so
    that the agent continues once the plan is applied or rejected."""
    state_note: str = ""
    """Why the run is kept without its history, when it is."""

    def with_plan(self, planned: Result) -> Result:
        """The plan the run made from :attr:`proposal`, introduced as the agent's answer.

        Args:
            planned: The plan result :func:`devops_agent.apply.propose_plan` made.

        Returns:
            That result, with the agent's words, what was dropped and the usage line.
        """
        dropped = ""
        if self.rejected:
            dropped = "\n\nNot planned (they failed the checks):\n" + "\n".join(
                f"- {p}" for p in self.rejected
            )
        many = self.proposal is not None and len(self.proposal.entries) > 1
        return planned.model_copy(
            update={
                "command": self.command,
                "text": f"The agent proposed {'these changes' if many else 'this change'} in "
                f"answer to the request. {planned.text}{dropped}"
                + (f"\n\n_{self.state_note}_" if self.state_note and self.state else "")
                + f"\n\n{self.footer}",
                "data": {**(planned.data or {}), **self.data, "rejected": self.rejected},
                "not_read": [*planned.not_read, *self.not_read],
            }
        )


def _proposal(
    ctx: DevOpsContext, request: str, outcome: _Outcome, data: dict[str, Any], footer: str
) -> Reply:
    command = request.splitlines()[0][:200] if request.strip() else ""
    planned = tools.plan_calls(ctx, outcome.pending)
    entries, problems = planned.entries, planned.problems
    if not entries:
        dropped = "\n\nNot planned (they failed the checks):\n" + "\n".join(
            f"- {p}" for p in problems
        )
        failed = Result(
            status="failure",
            command=command,
            title="The agent proposed changes that cannot be planned",
            text=f"Nothing was changed and no plan was made.{dropped}\n\n{footer}",
            exit_code=2,
            data={**data, "rejected": problems},
        )
        return Reply(failed, command=command, footer=footer, data=data, rejected=problems)
    regions = [str(e.args.get("region")) for e in entries if e.args.get("region")]
    what = (
        entries[0].description[:1].lower() + entries[0].description[1:]
        if len(entries) == 1
        else f"{len(entries)} changes the agent proposed"
    )
    proposal = Proposal(entries, what=what[:150], region=regions[0] if regions else "")
    pending = Result(status="planned", command=command, title="The agent proposed changes")
    usage = data.get("usage") or {}
    earlier = outcome.resumed.state if outcome.resumed is not None else None
    spent = usage.get("cost_usd")
    if spent is not None and earlier is not None:
        spent = None if earlier.spent_usd is None else spent + earlier.spent_usd
    state, note = resumption.keep(
        ctx,
        agent=outcome.agent,
        # a resumed run proposing again keeps the request that started it all
        request=earlier.request if earlier is not None else request,
        calls=outcome.pending,
        planned=planned,
        state=outcome.state,
        spent_usd=spent,
        tokens=int(usage.get("total_tokens") or 0) + (earlier.tokens if earlier else 0),
    )
    return Reply(
        pending,
        proposal,
        command=command,
        footer=footer,
        data=data,
        rejected=problems,
        state=state,
        state_note=note,
    )


def converse(
    ctx: DevOpsContext,
    request: str,
    *,
    model: Model | None = None,
    model_check: bool = False,
    trace_path: Path | None = None,
    seconds: float | None = None,
    resumed: Continuation | None = None,
) -> Reply:
    """Answer a request in plain language with the agents; changes come back as a proposal.

    Args:
        ctx: the run. Its settings give the model, limits and API; its redactor every
            secret to keep out of what is posted.
        request: the text after the trigger, as the user wrote it.
        model: a :class:`agents.models.interface.Model` to use instead of the configured
            one (tests pass ``agents.testing.ScriptedModel``).
        model_check: also ask the model whether the request is an injection (a blocking
            input guardrail; off by default, it costs one model call).
        trace_path: where the JSONL trace goes; by default ``.devops-agent/trace.jsonl``
            under the workspace when running in Actions, and no file otherwise.
        seconds: the agent's own time limit; by default :func:`budget_seconds`.
        resumed: a run kept with its plan, to resume with how the plan was decided
            (:func:`resume`) instead of starting from ``request``.

    Returns:
        A reply holding a ``success`` answer or a ``refused``/``failure`` result that says
        why, or the proposal the run turns into a plan; ``data["usage"]`` holds turns, model
        requests and tokens.

    Raises:
        ConfigError: The repository config is invalid or could not be read, or
            ``max-cost-usd`` is set for a model whose price is unknown.
    """
    started = time.monotonic()
    settings = ctx.settings
    config = repoconfig.load(ctx)  # the repository's instructions, from the default branch
    if trace_path is None and ctx.runner.in_actions:
        trace_path = ctx.env.workspace / TRACE_PATH
    metadata = {"repository": ctx.repository, "run_id": ctx.env.run_id, "model": settings.model}
    with tracing.run_trace(
        trace_path,
        ctx.redactor,
        metadata=metadata,
        otel_endpoint=settings.otel_endpoint,
        warn=ctx.runner.warning,
    ) as run:
        processor = JsonlTraceProcessor(None, ctx.redactor, trace=run)
        export_key = (
            settings.openai_api_key.get_secret_value()
            if settings.trace_export and settings.openai_api_key is not None
            else None
        )
        install(processor, export_key=export_key)
        price = price_for(settings.model, config.pricing)
        budget = Budget.for_model(settings.max_cost_usd, settings.model, config.pricing)
        if budget is not None and resumed is not None and resumed.state.spent_usd:
            # max-cost-usd covers the run and its resumption together
            budget = dataclasses.replace(budget, spent=resumed.state.spent_usd)
        counter = _Counter(budget)
        client: AsyncOpenAI | None = None
        if model is None:
            model, client = build_model(settings)
        limit = seconds if seconds is not None else budget_seconds(settings, ctx.deadline)
        extra = [guardrails.model_check_guardrail(model)] if model_check else []
        chosen = model

        async def main() -> _Outcome:
            try:
                return await _run(
                    ctx,
                    request,
                    model=chosen,
                    counter=counter,
                    extra_guardrails=extra,
                    seconds=limit,
                    trace_id=run.trace_id,
                    resumed=resumed,
                )
            finally:
                if client is not None:
                    await client.close()

        with _sdk_logs(ctx), gaps.collect() as missed:
            outcome = asyncio.run(main())
    summary = processor.summary()
    usage = _usage(counter, started, settings, price)
    trace = ""
    if processor.path is not None:
        try:
            trace = str(processor.path.relative_to(ctx.env.workspace))
        except ValueError:
            trace = str(processor.path)
    meta = {"usage": usage, "trace": summary.as_dict(), "trace_file": trace}
    return _render(ctx, request, outcome, meta, _footer(usage, summary, trace), missed.items)


def resume(ctx: DevOpsContext, kept: Continuation, **options: Any) -> Reply:
    """Continue a run kept with its plan, now that the plan was applied, rejected or lapsed.

    The same agents, tools, guardrails and limits as :func:`converse` (``max-cost-usd``
    counts what the first part spent); each call the run paused for gets the real outcome
    of its plan entries as its output (:mod:`devops_agent.agent.resumption`), and a change it
    proposes now is a new plan.

    Args:
        ctx: the run that decided the plan (the apply's or the rejection's).
        kept: the kept state and the decision.
        options: as for :func:`converse` (a scripted ``model`` in tests).

    Returns:
        The agent's reply, as :func:`converse` gives it.
    """
    return converse(ctx, kept.state.request, resumed=kept, **options)
