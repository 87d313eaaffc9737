"""Agent evals: recorded scenarios replayed against a model, with expectations checked.

A scenario is a folder ``scenarios/<name>/`` beside this module (package data, so an
installed ``devops-agent-action[sandbox]`` has them) holding

- ``scenario.yaml`` (:class:`Scenario`): the request and what must hold after the run —
  the outcome (an answer, a plan, or a request blocked before any model call), tools
  that must and must not be called, facts the answer must (not) contain, and the plan
  operations expected;
- ``tool_outputs.json`` (:class:`ToolOutputs`): what the tools returned when the
  scenario was recorded against the sandbox (moto + the fake GitHub), replayed so no
  cloud account is needed — only a model key;
- ``script.yaml`` (:class:`Script`): what a scripted model does (tool calls, then a
  final answer), so that without a key every scenario still runs and its files are
  checked in CI.

**The resume path.** A scenario whose run ends with a plan may say how the plan is then
decided (``decision``: applied with result lines, failed, rejected with a reason,
expired, lapsed) and what must hold after the agent resumes (``after``); the script's
``after_steps`` are what the scripted model does then. The paused run is kept and resumed
with the production code (:mod:`devops_agent.agent.resumption`: serialized, encoded,
read back and loaded, each paused call answered with the decision). Recording such a
scenario carries the plan's entries out in the sandbox between the two parts (when it
was applied), so the reads after it show the change.

**Replay.** :func:`replay_tools` builds, for every agent tool, a copy with the same
name, description, JSON schema and guardrails whose body returns the recorded output
for that call (matched on the arguments, else on the tool name); a mutating tool keeps
``needs_approval`` so the run pauses for it as in production, and the pause becomes
the scenario's plan. The copies reach the specialists through
``build_specialists(tool_overrides=...)``; triage, instructions, handoffs and the
request guardrail are the production ones. Recording (:func:`record`) wraps the real
tools instead, against a freshly seeded sandbox, and writes ``tool_outputs.json``.

The module imports nothing heavy at import time (the SDK loads when a scenario runs).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from agents import FunctionTool
    from agents.models.interface import Model

    from devops_agent.context import DevOpsContext

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

#: The scenarios shipped with the package (``devops_agent_sandbox/evals/scenarios``), read
#: through importlib.resources so they load from wherever the package is installed.
SCENARIOS: Traversable = resources.files("devops_agent_sandbox.evals") / "scenarios"
REPO = "acme/platform"
REGIONS = ("us-east-1", "eu-west-1")
_FAKE_KEY = "sk-eval-scripted-model-only-000000000000"
_FAKE_TOKEN = "ghs_evalReplayToken000000000000000000000"  # noqa: S105 - never used for a call

Outcome = Literal["answer", "plan", "blocked"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanExpectation(_Strict):
    """One change the plan must hold: its operation and a subset of its arguments."""

    operation: str
    args: dict[str, Any] = Field(default_factory=dict)


class Decided(_Strict):
    """How a scenario's plan is decided before the agent resumes."""

    outcome: Literal["applied", "failed", "rejected", "expired", "lapsed"]
    by: str = "bob"
    reason: str = ""
    """A rejection's reason, or why the plan lapsed."""
    results: list[str] = Field(default_factory=list)
    """For ``applied``/``failed``: the apply's result line of each planned call, in order
    (a line starting with ⏳ is an entry still in progress)."""


class Expectations(_Strict):
    """What must hold after the run."""

    outcome: Outcome = "answer"
    tools_called: list[str] = Field(default_factory=list)
    tools_not_called: list[str] = Field(default_factory=list)
    answer_contains: list[str] = Field(default_factory=list)
    """Facts the answer must contain (case-insensitive)."""
    answer_excludes: list[str] = Field(default_factory=list)
    prompt_contains: list[str] = Field(default_factory=list)
    """Text every model call's instructions must hold (the repository's own instructions
    reaching the model), case-insensitive."""
    plan: list[PlanExpectation] = Field(default_factory=list)
    """The plan's operations; with outcome ``plan`` nothing else may be planned."""

    @model_validator(mode="after")
    def _consistent(self) -> Expectations:
        if self.plan and self.outcome != "plan":
            raise ValueError("plan operations are expected only with outcome: plan")
        if self.outcome == "plan" and not self.plan:
            raise ValueError("outcome: plan needs the expected plan operations")
        both = set(self.tools_called) & set(self.tools_not_called)
        if both:
            raise ValueError(f"tools both required and forbidden: {sorted(both)}")
        return self


class Scenario(_Strict):
    """``scenario.yaml``."""

    name: str
    area: Literal[
        "ec2",
        "s3",
        "iam",
        "vpc",
        "github",
        "workflows",
        "audit",
        "deploy",
        "injection",
        "gaps",
        "repository",
        "resume",
    ]
    description: str
    request: str
    injection: str | None = None
    """The id of the attempt in ``tests/data/injections.jsonl`` this scenario replays."""
    max_turns: int = 10
    config: str | None = None
    """The repository's config file (YAML: ``agent.instructions``, ``commands``), as the
    run would read it from the default branch."""
    setup: dict[str, list[dict[str, str]]] = Field(default_factory=dict)
    """Extra sandbox state for recording: ``issues`` (title, body), ``pulls`` (title),
    ``job_logs`` (name, log: a failed job of the failed deploy run), ``deny`` (service,
    operation, action, region: calls the read role is refused, as AWS answers them)."""
    expect: Expectations
    decision: Decided | None = None
    """How the plan the run ends with is decided; the agent then resumes (the resume
    path). Needs ``expect.outcome: plan`` and ``after``."""
    after: Expectations | None = None
    """What must hold after the resumed run (its own tools, answer or new plan)."""

    @model_validator(mode="after")
    def _resumes(self) -> Scenario:
        if (self.decision is None) != (self.after is None):
            raise ValueError("decision and after go together")
        if self.decision is not None and self.expect.outcome != "plan":
            raise ValueError("only a run that ends with a plan can resume")
        return self


class ScriptCall(_Strict):
    tool: str
    args: dict[str, Any] = Field(default_factory=dict)


class ScriptStep(_Strict):
    """One model turn: tool calls, or the final answer."""

    calls: list[ScriptCall] = Field(default_factory=list)
    answer: str | None = None

    @model_validator(mode="after")
    def _one(self) -> ScriptStep:
        if bool(self.calls) == (self.answer is not None):
            raise ValueError("a step has either calls or an answer")
        return self


class Script(_Strict):
    """``script.yaml``: what the scripted model does."""

    steps: list[ScriptStep] = Field(default_factory=list)
    after_steps: list[ScriptStep] = Field(default_factory=list)
    """What it does once the plan is decided and the run resumes."""


class RecordedCall(_Strict):
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    output: str


class ToolOutputs(_Strict):
    """``tool_outputs.json``."""

    recorded_from: str
    calls: list[RecordedCall] = Field(default_factory=list)


@dataclasses.dataclass
class EvalResult:
    """One scenario's run."""

    name: str
    area: str
    passed: bool
    failures: list[str]
    outcome: str
    answer: str
    tools: list[str]
    plan: list[dict[str, Any]]
    turns: int
    tokens: int
    seconds: float
    notes: list[str] = dataclasses.field(default_factory=list)


# --------------------------------------------------------------------------- files


def scenario_names(root: Traversable = SCENARIOS) -> list[str]:
    return sorted(p.name for p in root.iterdir() if (p / "scenario.yaml").is_file())


def _yaml(path: Traversable) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def load_scenario(name: str, root: Traversable = SCENARIOS) -> tuple[Scenario, Script, ToolOutputs]:
    """The three files of a scenario, validated."""
    folder = root / name
    scenario = Scenario.model_validate(_yaml(folder / "scenario.yaml"))
    if scenario.name != name:
        raise ValueError(f"{folder}: name {scenario.name!r} is not the folder's name")
    script = Script.model_validate(_yaml(folder / "script.yaml"))
    outputs_path = folder / "tool_outputs.json"
    outputs = (
        ToolOutputs.model_validate_json(outputs_path.read_text(encoding="utf-8"))
        if outputs_path.is_file()
        else ToolOutputs(recorded_from="none")
    )
    return scenario, script, outputs


def known_names() -> set[str]:
    """Every name a model may call: the tools and the handoffs."""
    from devops_agent.agent import tools
    from devops_agent.agent.specialists import SPECIALISTS

    return {t.name for t in tools.all_tools()} | {f"transfer_to_{s.name}" for s in SPECIALISTS}


# --------------------------------------------------------------------------- replay


def _key(tool: str, arguments: dict[str, Any]) -> str:
    return json.dumps([tool, arguments], sort_keys=True)


def _args(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclasses.dataclass
class _Log:
    calls: list[tuple[str, dict[str, Any]]] = dataclasses.field(default_factory=list)
    executed_mutations: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    recorded: list[RecordedCall] = dataclasses.field(default_factory=list)


def replay_tools(outputs: ToolOutputs, log: _Log | None = None) -> dict[str, FunctionTool]:
    """A replaying copy of every agent tool, by name (see the module docstring)."""
    from devops_agent.agent import tools
    from devops_agent.errors import BadInput

    log = log if log is not None else _Log()
    exact = {_key(c.tool, c.arguments): c.output for c in outputs.calls}
    by_tool: dict[str, list[str]] = {}
    for c in outputs.calls:
        by_tool.setdefault(c.tool, []).append(c.output)

    def replay(name: str) -> Callable[[Any, str], Any]:
        async def invoke(ctx: Any, raw: str) -> str:
            arguments = _args(raw)
            log.calls.append((name, arguments))
            if name in tools.proposals():  # approval pauses the run first: never reached
                log.executed_mutations.append(name)
                return tools.error_payload(tools.PlanOnly(f"{name} only proposes."), str)
            found = exact.get(_key(name, arguments))
            if found is None and by_tool.get(name):
                found = by_tool[name][0]
                log.notes.append(f"`{name}` replayed for other arguments")
            if found is None:
                log.notes.append(f"`{name}` has no recorded output")
                return tools.error_payload(
                    BadInput(f"No recorded output for {name} in this scenario."), str
                )
            return found

        return invoke

    return {
        tool.name: dataclasses.replace(
            _as_proposal(tool) if tool.name in tools.proposals() else tool,
            on_invoke_tool=replay(tool.name),
        )
        for tool in tools.all_tools()
    }


def _as_proposal(tool: FunctionTool) -> FunctionTool:
    """A mutating tool that pauses for approval without validating against an account."""
    return dataclasses.replace(tool, tool_input_guardrails=[], needs_approval=True)


def _recording_tools(log: _Log) -> dict[str, FunctionTool]:
    """The real tools, each output kept in ``log.recorded``; mutations only pause."""
    from devops_agent.agent import tools

    def wrap(tool: FunctionTool) -> FunctionTool:
        original = tool.on_invoke_tool

        async def invoke(ctx: Any, raw: str) -> Any:
            arguments = _args(raw)
            log.calls.append((tool.name, arguments))
            output = await original(ctx, raw)
            log.recorded.append(
                RecordedCall(tool=tool.name, arguments=arguments, output=str(output))
            )
            return output

        return dataclasses.replace(tool, on_invoke_tool=invoke)

    return {
        t.name: _as_proposal(t) if t.name in tools.proposals() else wrap(t)
        for t in tools.all_tools()
    }


# --------------------------------------------------------------------------- running


def scripted_model(script: Script) -> Model:
    from agents.testing import ScriptedModel, assistant_message, function_call

    steps: list[Any] = []
    for n, step in enumerate([*script.steps, *script.after_steps]):
        if step.answer is not None:
            steps.append([assistant_message(step.answer)])
        else:
            steps.append(
                [
                    function_call(c.tool, c.args, call_id=f"{c.tool}-{n}-{i}")
                    for i, c in enumerate(step.calls)
                ]
            )
    return ScriptedModel(steps)


def real_model(name: str | None = None) -> Model:
    """The Responses API model ``name`` over ``OPENAI_API_KEY`` (and ``OPENAI_BASE_URL``)."""
    from agents import OpenAIResponsesModel
    from openai import AsyncOpenAI

    from devops_agent.settings import DEFAULT_MODEL

    return OpenAIResponsesModel(
        model=name or os.environ.get("DEVOPS_AGENT_EVAL_MODEL") or DEFAULT_MODEL,
        openai_client=AsyncOpenAI(),
    )


def eval_context(workspace: Path, config: str | None = None) -> DevOpsContext:
    """A run context that reaches no account: replayed tools need none. ``config`` is the
    repository's config file, as the run would have read it from the default branch."""
    from devops_agent import repoconfig
    from devops_agent.testing import make_comment, make_context

    ctx = make_context(
        workspace=workspace,
        repository=REPO,
        requester="alice",
        event=make_comment(repository=REPO, author="alice"),
        openai_api_key=_FAKE_KEY,
        github_token=_FAKE_TOKEN,
        aws_regions=REGIONS,
    )
    if config is not None:
        ctx.repo_config = repoconfig.parse(config, f"{REPO}:.github/devops-agent.yml")
    return ctx


@dataclasses.dataclass
class _Run:
    outcome: str = "answer"
    answer: str = ""
    pending: list[tuple[str, dict[str, Any]]] = dataclasses.field(default_factory=list)
    turns: int = 0
    tokens: int = 0
    error: str = ""
    prompts: list[str] = dataclasses.field(default_factory=list)
    after: _Run | None = None
    """The resumed run, when the scenario decides its plan."""
    calls_before: int = 0
    """How many tool calls the log held when the run resumed."""


def _drive(
    ctx: DevOpsContext,
    request: str,
    model: Model,
    overrides: dict[str, FunctionTool],
    max_turns: int,
    *,
    decision: Decided | None = None,
    log: _Log | None = None,
    between: Callable[[DevOpsContext, list[tuple[str, dict[str, Any]]]], None] | None = None,
) -> _Run:
    """The production triage and specialists (tools swapped), one run, no tracing; with a
    ``decision``, the run that ends with a plan is kept and resumed as an apply resumes it
    (``between`` runs in between: the recorder carries the plan out in the sandbox)."""
    from agents import (
        Agent,
        InputGuardrailTripwireTriggered,
        OutputGuardrailTripwireTriggered,
        RunConfig,
        RunContextWrapper,
        RunHooks,
        Runner,
    )

    from devops_agent.agent import guardrails, resumption
    from devops_agent.agent.specialists import build_specialists
    from devops_agent.agent.triage import build_triage
    from devops_agent.continuation import Continuation

    run = _Run()

    class Hooks(RunHooks[Any]):
        def __init__(self, into: _Run) -> None:
            self.into = into

        async def on_llm_start(
            self,
            context: RunContextWrapper[Any],
            agent: Agent[Any],
            system_prompt: str | None = None,
            *_: Any,
        ) -> None:
            self.into.turns += 1
            self.into.tokens = context.usage.total_tokens
            self.into.prompts.append(system_prompt or "")

    triage = build_triage(build_specialists(tool_overrides=overrides))
    config = RunConfig(
        model=model,
        output_guardrails=[guardrails.secret_guardrail],
        tracing_disabled=True,
        tool_not_found_behavior="return_error_to_model",
    )

    async def once(agent: Any, start: Any, into: _Run) -> Any:
        try:
            result = await Runner.run(
                agent,
                start,
                context=ctx,
                max_turns=max_turns,
                hooks=Hooks(into),
                run_config=config,
            )
        except InputGuardrailTripwireTriggered:
            into.outcome = "blocked"
            return None
        except OutputGuardrailTripwireTriggered:
            into.outcome, into.error = "answer", "the output guardrail withheld the answer"
            return None
        into.tokens = result.context_wrapper.usage.total_tokens
        if result.interruptions:
            into.outcome = "plan"
            into.pending = [
                (i.tool_name or "", _args(str(getattr(i.raw_item, "arguments", "") or "")))
                for i in result.interruptions
            ]
        else:
            into.answer = str(result.final_output or "")
        return result

    async def main() -> None:
        result = await once(triage, request, run)
        if decision is None or result is None or not result.interruptions:
            return
        kept = await _kept(ctx, triage, request, result)
        if between is not None:
            between(ctx, run.pending)
        run.calls_before = len(log.calls) if log is not None else 0
        resumed = Continuation(state=kept, decision=_decision(decision, run.pending))
        again = await resumption.restore(triage, ctx, resumed)
        run.after = _Run()
        await once(again.agent, again.start, run.after)

    try:
        asyncio.run(main())
    except Exception as exc:  # a failed run is a failed scenario, with the reason
        run.outcome, run.error = "error", f"{exc.__class__.__name__}: {exc}"
    return run


async def _kept(ctx: DevOpsContext, triage: Any, request: str, result: Any) -> Any:
    """The paused run as a plan keeps it: serialized, encoded, read back (each paused call
    is entry ``n`` of the plan: evals make no previews)."""
    from devops_agent import continuation
    from devops_agent.agent import resumption, tools

    pending = [
        tools.Pending(
            tool=i.tool_name or "",
            arguments=str(getattr(i.raw_item, "arguments", "") or ""),
            call_id=str(getattr(i.raw_item, "call_id", "") or ""),
        )
        for i in result.interruptions
    ]
    state = await resumption.state_json(ctx, result, triage, [p.call_id for p in pending])
    planned = tools.Planned([], [], {p.call_id: [n] for n, p in enumerate(pending, 1)}, {})
    payload, _ = resumption.keep(
        ctx,
        agent=result.last_agent.name,
        request=request,
        calls=pending,
        planned=planned,
        state=state,
        spent_usd=None,
        tokens=0,
    )
    return continuation.decode(payload)


def _decision(decided: Decided, pending: list[tuple[str, dict[str, Any]]]) -> Any:
    """The scenario's decision as the apply (or rejection) would hand it to the agent."""
    from devops_agent.agent import tools
    from devops_agent.continuation import Decision, EntryOutcome
    from devops_agent.plans import exact_line

    status = {"applied": "verified", "failed": "failed"}.get(decided.outcome, "")
    results = [*decided.results, *[""] * len(pending)]
    entries = {
        n: EntryOutcome(
            exact=exact_line(tools.proposals().get(name, name), args),
            # An applied entry AWS is still carrying out reads "⏳ in progress: …".
            status="in-progress" if status and results[n - 1].startswith("⏳") else status,
            result=results[n - 1],
        )
        for n, (name, args) in enumerate(pending, 1)
    }
    return Decision(
        plan_id="e7a1c0de0018",
        outcome=decided.outcome,
        by=decided.by,
        reason=decided.reason,
        entries=entries if status else {},
    )


def check(scenario: Scenario, run: _Run, log: _Log) -> list[str]:
    """Every expectation that does not hold, in words (empty: the scenario passed)."""
    boundary = run.calls_before if run.after is not None else len(log.calls)
    failures = _unmet(scenario.expect, run, log.calls[:boundary])
    if log.executed_mutations:
        failures.append(f"a change ran outside a plan: {log.executed_mutations}")
    if scenario.after is not None:
        if run.after is None:
            failures.append("the run did not resume (it did not end with a plan)")
        else:
            failures += [
                f"after the {scenario.decision.outcome if scenario.decision else ''} plan: {f}"
                for f in _unmet(scenario.after, run.after, log.calls[boundary:])
            ]
    return failures


def _unmet(expect: Expectations, run: _Run, calls: list[tuple[str, dict[str, Any]]]) -> list[str]:
    from devops_agent.agent import tools

    failures = [f"the run failed: {run.error}"] if run.error else []
    if run.outcome != expect.outcome:
        failures.append(f"outcome {run.outcome!r}, expected {expect.outcome!r}")
    called = {name for name, _ in calls} | {name for name, _ in run.pending}
    failures += [f"`{t}` was not called" for t in expect.tools_called if t not in called]
    failures += [f"`{t}` was called" for t in expect.tools_not_called if t in called]
    text = run.answer.lower()
    failures += [f"the answer lacks {f!r}" for f in expect.answer_contains if f.lower() not in text]
    failures += [f"the answer has {f!r}" for f in expect.answer_excludes if f.lower() in text]
    for wanted in expect.prompt_contains:
        if not run.prompts or any(wanted.lower() not in p.lower() for p in run.prompts):
            failures.append(f"the model's instructions lack {wanted!r}")
    planned: list[dict[str, Any]] = [
        {
            "operation": tools.proposals().get(name, name),
            "args": args,
        }
        for name, args in run.pending
    ]
    unmatched = list(planned)
    for want in expect.plan:
        hit = next(
            (
                p
                for p in unmatched
                if p["operation"] == want.operation
                and all(p["args"].get(k) == v for k, v in want.args.items())
            ),
            None,
        )
        if hit is None:
            failures.append(f"no planned {want.operation} with {want.args}")
        else:
            unmatched.remove(hit)
    failures += [f"unexpected planned change {p}" for p in unmatched]
    return failures


def run_scenario(
    name: str, *, model: Model | None = None, root: Traversable = SCENARIOS
) -> EvalResult:
    """Run one scenario with replayed tools: ``model``, or its script when None."""
    scenario, script, outputs = load_scenario(name, root)
    log = _Log()
    scripted = model is None
    chosen = scripted_model(script) if model is None else model
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="devops-agent-eval-") as tmp:
        run = _drive(
            eval_context(Path(tmp), scenario.config),
            scenario.request,
            chosen,
            replay_tools(outputs, log),
            scenario.max_turns,
            decision=scenario.decision,
            log=log,
        )
    failures = check(scenario, run, log)
    if scripted:
        try:
            chosen.assert_complete()  # type: ignore[attr-defined]
        except Exception as exc:  # UnconsumedModelSteps: the run ended before the script
            failures.append(f"the script was not used up: {exc}")
    after = run.after
    return EvalResult(
        name=name,
        area=scenario.area,
        passed=not failures,
        failures=failures,
        outcome=run.outcome if after is None else f"{run.outcome} → {after.outcome}",
        answer=run.answer if after is None else after.answer,
        tools=[n for n, _ in log.calls]
        + [n for n, _ in run.pending]
        + ([n for n, _ in after.pending] if after is not None else []),
        plan=[{"tool": n, "args": a} for n, a in run.pending],
        turns=run.turns + (after.turns if after is not None else 0),
        tokens=run.tokens + (after.tokens if after is not None else 0),
        seconds=round(time.monotonic() - started, 2),
        notes=log.notes,
    )


# --------------------------------------------------------------------------- recording


def _seed_sandbox(github: Any, endpoint: str, setup: dict[str, list[dict[str, str]]]) -> None:
    import urllib.request

    import boto3
    from moto.moto_api._internal import mock_random

    from devops_agent_sandbox.demo import REPO as DEMO_REPO
    from devops_agent_sandbox.demo import seed_github
    from devops_agent_sandbox.estate import seed

    # moto's backends outlive one server in the same process: start from nothing.
    reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310
    urllib.request.urlopen(reset, timeout=10).close()  # noqa: S310 - the local sandbox
    # The same ids on every recording, so a script can name what an earlier one found.
    mock_random.seed(SANDBOX_SEED)
    seed(boto3.Session(region_name=REGIONS[0]), REGIONS)
    seed_github(github)
    workflow = github.add_workflow(DEMO_REPO, content=DEPLOY_WORKFLOW)
    github.add_run(DEMO_REPO, workflow["id"], conclusion="success", event="workflow_dispatch")
    failed = github.add_run(
        DEMO_REPO, workflow["id"], conclusion="failure", event="workflow_dispatch"
    )
    for job in setup.get("job_logs", []) or [
        {"name": "deploy", "log": "Run ./deploy.sh\nError: image tag v2.3.1 not found\n"}
    ]:
        github.add_job(
            DEMO_REPO,
            int(failed["id"]),
            name=job["name"],
            conclusion="failure",
            steps=[("Checkout", "success"), ("Deploy", "failure")],
            log=job["log"],
        )
    for issue in setup.get("issues", []):
        github.add_issue(DEMO_REPO, title=issue["title"], body=issue.get("body", ""))
    for pull in setup.get("pulls", []):
        github.add_pull(DEMO_REPO, title=pull["title"], user=pull.get("user", "octocat"))


#: moto's random seed while recording: ids (``i-…``, ``vpc-…``) come out the same each time.
SANDBOX_SEED = 18


class _SandboxWriters:
    """The apply side on the sandbox (its one account plays the write role too)."""

    def __init__(self, ctx: DevOpsContext) -> None:
        from devops_agent.operation import Applying

        self._ctx = ctx
        self.applying = Applying("e7a1c0de0018", "alice", "bob")

    def reader(self) -> DevOpsContext:
        return self._ctx

    def aws(self) -> Any:
        return self._ctx.session()

    @property
    def github(self) -> Any:
        return self._ctx.github

    @property
    def workspace(self) -> Path:
        return self._ctx.workspace


def _carry_out(ctx: DevOpsContext, pending: list[tuple[str, dict[str, Any]]]) -> None:
    """Carry out the paused calls' plan entries in the sandbox, as an apply would, so the
    reads after the resumption are recorded against the changed estate."""
    from devops_agent import catalog
    from devops_agent.operation import Unchanged, Write

    writes = {
        op.tool_name: op for op in catalog.declarations() if op.for_agent and isinstance(op, Write)
    }
    for name, args in pending:
        op = writes[name]
        outcome = op.plan(ctx, op.args.model_validate(args))
        if isinstance(outcome, Unchanged):
            continue
        for entry in outcome.entries:
            catalog.carry_out(entry, _SandboxWriters(ctx))


DEPLOY_WORKFLOW = """\
name: Deploy
on:
  workflow_dispatch:
    inputs:
      environment:
        type: choice
        options: [staging, prod]
        required: true
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: ./deploy.sh
"""


def record(name: str, root: Traversable = SCENARIOS) -> ToolOutputs:
    """Run the scenario's script against a fresh sandbox with the real tools; write
    ``tool_outputs.json`` with what they returned."""
    from devops_agent_sandbox.demo import sandbox, sandbox_context

    target = root / name / "tool_outputs.json"
    if not isinstance(target, Path):  # e.g. a zipped install: nothing to write into
        from devops_agent.errors import ConfigError

        raise ConfigError(
            f"Cannot write {name}/tool_outputs.json: the scenarios are not files on disk.",
            remedy="Record from a checkout installed in place: pip install -e '.[dev]'.",
        )
    scenario, script, _ = load_scenario(name, root)
    log = _Log()
    with sandbox() as (github, endpoint), tempfile.TemporaryDirectory() as tmp:
        _seed_sandbox(github, endpoint, scenario.setup)
        ctx = sandbox_context(github, workspace=Path(tmp))
        for refusal in scenario.setup.get("deny", []):
            from devops_agent_sandbox.denials import deny

            deny(ctx.session(), **refusal)
        if scenario.config is not None:
            from devops_agent import repoconfig

            ctx.repo_config = repoconfig.parse(scenario.config, "scenario config")
        run = _drive(
            ctx,
            scenario.request,
            scripted_model(script),
            _recording_tools(log),
            scenario.max_turns,
            decision=scenario.decision,
            log=log,
            between=_carry_out
            if scenario.decision is not None and scenario.decision.outcome == "applied"
            else None,
        )
    if run.error or (run.after is not None and run.after.error):
        error = run.error or (run.after.error if run.after is not None else "")
        raise RuntimeError(f"recording {name} failed: {error}")
    outputs = ToolOutputs(recorded_from="sandbox (moto + fake GitHub)", calls=log.recorded)
    target.write_text(
        json.dumps(outputs.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return outputs


# --------------------------------------------------------------------------- report


def markdown_table(results: Sequence[EvalResult], *, model: str) -> str:
    """The results as Markdown: pass rate, then one row per scenario."""
    passed = sum(r.passed for r in results)
    rate = f"{passed}/{len(results)} ({100 * passed / len(results):.0f} %)" if results else "0/0"
    lines = [
        f"**Model:** {model} · **pass rate:** {rate} · "
        f"**tokens:** {sum(r.tokens for r in results):,} · "
        f"**time:** {sum(r.seconds for r in results):.1f} s",
        "",
        "| scenario | area | result | outcome | turns | tokens | seconds | notes |",
        "|---|---|---|---|---:|---:|---:|---|",
    ]
    for r in results:
        notes = "; ".join([*r.failures, *r.notes]).replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| {r.name} | {r.area} | {'✅ pass' if r.passed else '❌ fail'} | {r.outcome} | "
            f"{r.turns} | {r.tokens:,} | {r.seconds:.2f} | {notes[:300]} |"
        )
    return "\n".join(lines) + "\n"


def run_eval(
    *,
    scenarios: Iterable[str] = (),
    model: str | None = None,
    markdown: Path | None = None,
    record_name: str | None = None,
    scripted: bool = False,
    root: Traversable = SCENARIOS,
    out: Any = None,
) -> int:
    """``devops-agent eval``: 0 when every scenario passed, 1 otherwise."""
    import sys

    out = out or sys.stdout
    os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")
    if record_name:
        outputs = record(record_name, root)
        out.write(f"recorded {len(outputs.calls)} tool output(s) for {record_name}\n")
        return 0
    from devops_agent.errors import BadInput, ConfigError

    if not root.is_dir():
        raise ConfigError(
            f"No eval scenarios at {root}: this installation lacks the sandbox's package data.",
            remedy="Reinstall with the sandbox extra: pip install '.[sandbox]' from a checkout.",
        )
    known = scenario_names(root)
    unknown = [n for n in scenarios if n not in known]
    if unknown:
        raise BadInput(
            f"No eval scenario named {', '.join(unknown)}.",
            remedy=f"Pick from: {', '.join(known)}.",
        )
    names = list(scenarios) or known
    use_model = not scripted and bool(os.environ.get("OPENAI_API_KEY"))
    label = (
        (model or os.environ.get("DEVOPS_AGENT_EVAL_MODEL") or "default")
        if use_model
        else ("scripted (no OPENAI_API_KEY)" if not scripted else "scripted")
    )
    results = [
        run_scenario(n, model=real_model(model) if use_model else None, root=root) for n in names
    ]
    table = markdown_table(results, model=label)
    out.write(table)
    if markdown is not None:
        markdown.write_text("# Agent evals\n\n" + table, encoding="utf-8")
    return 0 if all(r.passed for r in results) else 1
