"""The only place that sequences a run, top to bottom.

    event → ignore? → authorize → 👀 → context → command | agent → report → publish

Nothing heavy is imported before the reaction has gone out: boto3 loads when the
first AWS command runs, the Agents SDK only for requests in plain language.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

from devops_agent import tracing
from devops_agent.actions import Runner
from devops_agent.authz import command_text, ignore_reason, refusal_reason
from devops_agent.credentials import AwsSessions
from devops_agent.errors import ConfigError, DevOpsError
from devops_agent.events import (
    CommentEvent,
    DispatchEvent,
    Event,
    LocalEvent,
    ScheduleEvent,
    parse_event,
)
from devops_agent.report import Result
from devops_agent.sanitize import Redactor
from devops_agent.settings import ActionsEnv, Settings

if TYPE_CHECKING:
    from github import Github

    from devops_agent.context import DevOpsContext, Mode
    from devops_agent.publish import Publisher


#: Set when a run stopped waiting for work still in flight (timeout, cancellation):
#: the process must then exit without joining those threads (see cli).
ABANDONED = threading.Event()


class Cancelled(BaseException):
    """The runner asked the step to stop (the workflow run was cancelled).

    A ``BaseException``, like ``KeyboardInterrupt``: no ``except Exception`` or
    ``except DevOpsError`` on the way may swallow it; only :func:`_handle` does.
    """


def failure(exc: DevOpsError, command: str = "") -> Result:
    """A result that explains an error the user can act on.

    Args:
        exc: The error, with its remedy and link.
        command: The command that met it, echoed in the answer.

    Returns:
        A ``failure`` result (``refused`` for a refusal) with the error's exit code.
    """
    status = exc.status if exc.status in ("refused",) else "failure"
    title = exc.message.split("\n")[0]
    if len(title) > 160:
        first = title.find(". ")
        title = title[: first + 1] if 0 < first < 160 else title[:157] + "…"
    lines = [exc.message] if title != exc.message else []
    if exc.remedy:
        lines.append(exc.remedy)
    if exc.link:
        lines.append(f"See {exc.link}")
    return Result(
        status=status,  # type: ignore[arg-type]
        command=command,
        title=title,
        text="\n\n".join(lines),
        exit_code=exc.exit_code,
        data={"error": exc.message, "code": getattr(exc, "code", "") or exc.__class__.__name__},
    )


def request_text(event: Event, settings: Settings) -> str:
    """The command or request this run should carry out.

    Args:
        event: The run's event.
        settings: The inputs (trigger, command).

    Returns:
        The text after the trigger for a comment, the ``command`` input for a dispatch,
        ``audit`` (or the ``command`` input) on a schedule, else ``""``.
    """
    if isinstance(event, CommentEvent):
        return command_text(event.body, settings.trigger)
    if isinstance(event, DispatchEvent):
        return (event.inputs.get("command") or settings.command).strip()
    if isinstance(event, ScheduleEvent):
        return settings.command.strip() or "audit"
    return settings.command.strip()


def requester_of(event: Event) -> str:
    """Login of the person who asked; empty when nobody did (schedule).

    Args:
        event: The run's event.

    Returns:
        The comment's author or the dispatch's actor; ``""`` on a schedule.
    """
    if isinstance(event, CommentEvent):
        return event.author
    if isinstance(event, DispatchEvent | LocalEvent):
        return event.actor
    return ""


def execute(ctx: DevOpsContext, text: str) -> Result:
    """The fork: the command language, or the agent for plain language; user-caused errors
    become results. The whole of it is one trace (:mod:`devops_agent.tracing`): a
    ``request`` span around the command's, the plan's, apply's or the agent's spans.

    Args:
        ctx: The run's context (its settings, workspace and redactor shape the trace).
        text: The request as typed after ``/devops``: a command, or plain language.

    Returns:
        The command's, apply's or the agent's result. A
        :class:`~devops_agent.errors.DevOpsError` (bad input, a refusal, a failed call)
        becomes a failed result with its exit code instead of propagating.
    """
    from devops_agent.commands import run_command

    with (
        tracing.run_trace(
            ctx.workspace / tracing.TRACE_PATH if ctx.runner.in_actions else None,
            ctx.redactor,
            metadata={"repository": ctx.repository, "run_id": ctx.env.run_id},
            otel_endpoint=ctx.settings.otel_endpoint,
            warn=ctx.runner.warning,
        ),
        tracing.span("request", words=" ".join(text.split()[:2])[:80]) as span,
    ):
        try:
            result = run_command(ctx, text)
            if result is None:
                span["kind"] = "agent"
                result = ask_agent(ctx, text)
            elif result.resume is not None:
                span["resumed"] = True
                result = continue_agent(ctx, result)
        except DevOpsError as exc:
            result = failure(exc, text)
        span.update(status=result.status, exit_code=result.exit_code)
        if result.not_read:
            span["not_read"] = len(result.not_read)
        return result


def ask_agent(ctx: DevOpsContext, text: str, **options: Any) -> Result:
    """A request in plain language: the agent answers, and the run plans what it proposes.

    Without a model the answer says what to configure. ``options`` go to
    :func:`devops_agent.agent.run.converse` (tests pass a scripted ``model``).

    Args:
        ctx: The run's context.
        text: The request as typed.
        options: Passed to :func:`devops_agent.agent.run.converse` (a scripted ``model`` in
            tests).

    Returns:
        The agent's answer, or its plan when it proposed a change, or the no-model answer.
    """
    from devops_agent.commands import no_model

    if ctx.settings.openai_api_key is None and "model" not in options:
        return no_model(ctx, text)
    from devops_agent.agent import converse  # the Agents SDK loads only here
    from devops_agent.apply import propose_plan

    reply = converse(ctx, text, **options)
    if reply.proposal is None:
        return reply.result
    return reply.with_plan(propose_plan(ctx, reply.proposal, state=reply.state, proposer="agent"))


def continue_agent(ctx: DevOpsContext, done: Result, **options: Any) -> Result:
    """After the apply or rejection of a plan the agent proposed: the agent continues.

    The paused run (``done.resume``) resumes with the real outcome of each call it paused
    for, and its answer follows the apply's in the same comment; a change it proposes now
    is a new plan (with its own kept state). Without a model the apply's answer is all.

    Args:
        ctx: The apply's (or rejection's) run.
        done: Its result, carrying the kept state and the decision.
        options: Passed to :func:`devops_agent.agent.run.resume` (a scripted ``model`` in
            tests).

    Returns:
        The apply's result with the agent's answer (and any new plan) under it, or with
        why the agent did not continue (no model; the repository config or the cost
        budget refused the run): the apply's status and exit code stand either way.
    """
    from devops_agent.continuation import follow

    kept = done.resume
    if ctx.settings.openai_api_key is None and "model" not in options:
        return follow(
            done,
            None,
            note="_The agent that proposed this plan does not continue: no model is "
            "configured (`openai-api-key`)._",
        )
    from devops_agent.agent import resume  # the Agents SDK loads only here
    from devops_agent.apply import propose_plan

    try:
        reply = resume(ctx, kept, **options)
    except DevOpsError as exc:  # the config or the budget: the apply stands, and says so
        note = f"_The agent that proposed this plan could not continue: {exc.message}_"
        return follow(done, None, note=f"{note}\n\n{exc.remedy}" if exc.remedy else note)
    answer = reply.result
    if reply.proposal is not None:
        try:
            # the new plan is the original requester's (kept.requester), not the approver's,
            # and the agent's choice: under require-second-approver only a suggestion
            made = propose_plan(
                ctx,
                reply.proposal,
                state=reply.state,
                requester=kept.requester,
                proposer="agent",
            )
            answer = reply.with_plan(made)
        except DevOpsError as exc:  # the apply stands whatever becomes of the new plan
            answer = failure(exc, reply.command)
    return follow(done, answer)


def run_with_deadline(work: Callable[[], Result], seconds: float, command: str) -> Result:
    """Run ``work`` in a worker thread; past ``seconds`` answer that it timed out.

    The worker is a daemon thread: when the deadline passes, the run still posts
    a final answer and exits instead of hanging until the job is killed.

    Args:
        work: The run's work; returns its result.
        seconds: The time limit (the ``timeout-seconds`` input).
        command: The command, echoed in a timed-out answer.

    Returns:
        The work's result, or a failed result that says it timed out; an exception the work
        raised is raised here.

    Raises:
        BaseException: Whatever ``work`` raised, re-raised in the calling thread.
    """
    box: dict[str, Result | BaseException] = {}

    def target() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:  # handed to the main thread below
            box["error"] = exc

    worker = threading.Thread(target=target, name="devops-agent-work", daemon=True)
    worker.start()
    try:
        worker.join(seconds)
    finally:
        if worker.is_alive():
            ABANDONED.set()
    if worker.is_alive():
        return Result(
            status="failure",
            command=command,
            title=f"Stopped after the {seconds:.0f} s time limit",
            text="The work did not finish within `timeout-seconds`; nothing was changed. "
            "Raise the limit or narrow the command (one region, one service).",
            exit_code=1,
        )
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["result"]  # type: ignore[return-value]


def _on_sigterm(signum: int, frame: object) -> None:
    raise Cancelled


def _cancelled(command: str) -> Result:
    return Result(
        status="failure",
        command=command,
        title="Cancelled",
        text="The workflow run was cancelled before devops-agent finished. "
        "Nothing was changed by this run.",
        exit_code=1,
    )


def run_action(
    environ: Mapping[str, str],
    *,
    stream: TextIO | None = None,
    mode: Mode = "action",
    grace: float | None = None,
) -> int:
    """Handle one Actions event end to end and return the exit code.

    Args:
        environ: The process environment the runner gave the container.
        stream: Where log lines go; ``None`` means stdout.
        mode: ``action`` in a workflow; tests and the demo pass others.
        grace: Seconds before the answer comment shows progress; ``None`` reads
            ``DEVOPS_AGENT_PROGRESS_AFTER``, else the default.

    Returns:
        The exit code: 0 done, 1 failed, 2 bad input or configuration, 3 refused.
    """
    # Per run: an earlier run in this process (a test, a notebook) that abandoned work
    # must not make this one exit without joining its own threads.
    ABANDONED.clear()
    redactor = Redactor()
    env = ActionsEnv.from_env(environ)
    runner = Runner(env, redactor, stream)
    try:
        settings = Settings.from_env(environ)
        for secret in (
            settings.github_token,
            settings.openai_api_key,
            settings.plan_signing_key,
            env.id_token_request_token,
        ):
            runner.mask(secret.get_secret_value() if secret is not None else None)
        event = parse_event(env)
    except DevOpsError as exc:
        runner.error(exc.explain())
        runner.set_output("status", "failure")
        return exc.exit_code

    reason = ignore_reason(event, settings)
    if reason:
        runner.info(f"devops-agent: nothing to do: {reason}.")
        runner.set_output("status", "ignored")
        return 0
    if grace is None:
        grace = _progress_after(environ)
    return _handle(settings, env, event, runner, mode=mode, grace=grace)


#: Test knob, not an input: seconds before a progress comment (default GRACE_SECONDS).
#: Tests that count requests set it so their count does not depend on machine speed.
PROGRESS_AFTER = "DEVOPS_AGENT_PROGRESS_AFTER"


def _progress_after(environ: Mapping[str, str]) -> float | None:
    raw = environ.get(PROGRESS_AFTER, "").strip()
    try:
        return max(0.0, float(raw)) if raw else None
    except ValueError:
        return None


def _handle(
    settings: Settings,
    env: ActionsEnv,
    event: Event,
    runner: Runner,
    *,
    mode: Mode,
    grace: float | None,
) -> int:
    from devops_agent.publish import GRACE_SECONDS, Publisher

    started = time.monotonic()
    text = request_text(event, settings)
    requester = requester_of(event)
    gh: Github | None = None
    try:
        gh = _github(settings, env, event)
    except DevOpsError as exc:
        runner.error(exc.explain())
        runner.set_output("status", "failure")
        return exc.exit_code

    pull_head = None
    if isinstance(event, CommentEvent) and event.is_pull_request and gh is not None:
        from devops_agent.gh.repos import PullHead

        pull_head = PullHead(gh, event.repository, event.number)
    publisher = Publisher(
        runner,
        event,
        gh=gh,
        requester=requester,
        grace=GRACE_SECONDS if grace is None else grace,
        workspace=env.workspace if runner.in_actions else None,
        head=pull_head,
        settings=settings,
    )
    publisher.command = text

    # Authorize before anything else happens: no reaction, no AWS, no model for strangers.
    if not requester and isinstance(event, CommentEvent | DispatchEvent):
        return _finish(
            publisher,
            Result(
                status="refused",
                command=text,
                title="Not allowed",
                text="The event names no person who asked; nothing is run.",
                exit_code=3,
            ),
            runner,
        )
    if requester and not isinstance(event, LocalEvent):
        from devops_agent.gh.repos import collaborator_role

        try:
            refusal = refusal_reason(
                requester,
                settings,
                lambda login: collaborator_role(gh, event.repository, login),  # type: ignore[arg-type]
            )
        except DevOpsError as exc:
            return _finish(publisher, failure(exc, text), runner)
        if refusal:
            result = Result(
                status="refused",
                command=text,
                title="Not allowed",
                text=f"{refusal} Ask a maintainer of this repository to run it.",
                exit_code=3,
            )
            return _finish(publisher, result, runner)

    previous = _install_sigterm()
    try:
        publisher.acknowledge()
        publisher.start(text)
        ctx = _context(settings, env, event, runner, gh, requester, mode)
        ctx.pull_head = pull_head
        ctx.deadline = started + settings.timeout_seconds
        remaining = max(1.0, settings.timeout_seconds - (time.monotonic() - started))
        result = run_with_deadline(lambda: execute(ctx, text), remaining, text)
    except Cancelled:
        result = _cancelled(text)
    except DevOpsError as exc:
        result = failure(exc, text)
    except Exception as exc:  # a bug: still post a final status, never a traceback to users
        runner.error(f"devops-agent failed unexpectedly: {exc.__class__.__name__}: {exc}")
        import traceback

        runner.group("traceback", "".join(traceback.format_exception(exc)))
        result = Result(
            status="failure",
            command=text,
            title="devops-agent hit an internal error",
            text=f"`{exc.__class__.__name__}`. Nothing was changed. The run log has details; "
            "please report it with the command you ran.",
            exit_code=1,
        )
    finally:
        # Once finishing, a second SIGTERM must not stop the final answer going out.
        _ignore_sigterm(previous)
    try:
        return _finish(publisher, result, runner)
    finally:
        _restore_sigterm(previous)


def _finish(publisher: Publisher, result: Result, runner: Runner) -> int:
    result = publisher.finish(result)  # publishing can fail a run (the audit issue)
    if result.status == "failure":
        runner.error(result.title + (f" — {result.text.splitlines()[0]}" if result.text else ""))
    else:
        runner.info(f"devops-agent: {result.status}: {result.title}")
    return result.exit_code


def _github(settings: Settings, env: ActionsEnv, event: Event) -> Github | None:
    """The GitHub client, or ``None`` when the run needs none (a local run without a token)."""
    from devops_agent.gh import connect

    if settings.github_token is None:
        if isinstance(event, LocalEvent):
            return None
        raise ConfigError(
            "The github-token input is empty.",
            remedy="Pass `github-token: ${{ github.token }}` (the default) or a token with "
            "issues, pull-requests and checks write access.",
        )
    return connect(settings.github_token.get_secret_value(), env.api_url)


def _context(
    settings: Settings,
    env: ActionsEnv,
    event: Event,
    runner: Runner,
    gh: Github | None,
    requester: str,
    mode: Mode,
) -> DevOpsContext:
    from devops_agent.context import DevOpsContext

    return DevOpsContext(
        settings=settings,
        env=env,
        event=event,
        requester=requester,
        repository=getattr(event, "repository", "") or env.repository,
        runner=runner,
        aws=AwsSessions(settings, env, runner, requester),
        github=gh,
        mode=mode,
    )


def _install_sigterm() -> object:
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _on_sigterm)


def _ignore_sigterm(previous: object) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _restore_sigterm(previous: object) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)  # type: ignore[arg-type]


def run_local(
    command: str,
    environ: Mapping[str, str],
    *,
    stream: TextIO | None = None,
    mode: Mode = "local",
) -> tuple[int, Result]:
    """``devops-agent run``: one command against the caller's own credentials.

    Args:
        command: The command or request, as typed.
        environ: The process environment (credentials, ``OPENAI_API_KEY``, inputs).
        stream: Where log lines go; ``None`` means stdout.
        mode: ``local`` for the CLI.

    Returns:
        The exit code and the result, for the CLI to print.

    Raises:
        ConfigError: An input in ``environ`` is invalid (the CLI prints it and exits 2).
    """
    redactor = Redactor()
    env = ActionsEnv.from_env(
        {k: v for k, v in environ.items() if not k.startswith("GITHUB_EVENT")}
    )
    runner = Runner(env, redactor, stream or sys.stdout)
    settings = Settings.from_env(environ)
    for secret in (settings.github_token, settings.openai_api_key, settings.plan_signing_key):
        runner.mask(secret.get_secret_value() if secret is not None else None)
    event = LocalEvent(repository=env.repository, actor=environ.get("USER", "local"))
    gh = _github(settings, env, event) if settings.github_token else None
    ctx = _context(settings, env, event, runner, gh, event.actor, mode)
    result = run_with_deadline(lambda: execute(ctx, command), settings.timeout_seconds, command)
    return result.exit_code, result
