"""The repository's custom commands: named sequences of catalog commands, run as typed.

``/devops restart-web i-0abc`` runs each step of ``restart-web`` (declared in the config
file's ``commands:`` on the default branch, :mod:`devops_agent.repoconfig`) through the
normal command path: the step's words bind to its operation's argument model exactly as
if typed, a read answers at once, and a write is previewed with the read role.

**One plan per custom command.** Every write step's preview runs first; only when all
passed are their entries proposed together as one plan, in step order. So a named
procedure gets one approval (as the agent's several proposed changes do), a step that
fails its preview leaves nothing planned (never half a procedure), and the answer
comment carries one plan, as every comment does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from devops_agent import gaps, tracing
from devops_agent.errors import DevOpsError
from devops_agent.report import Result, Table, render_json

if TYPE_CHECKING:
    from devops_agent.commands.language import Invocation
    from devops_agent.context import DevOpsContext
    from devops_agent.operation import PlanEntry
    from devops_agent.repoconfig import CustomCommand

__all__ = ["run_custom"]


def run_custom(ctx: DevOpsContext, command: CustomCommand, invocation: Invocation) -> Result:
    """Run ``command`` with the words typed after its name.

    Each step binds as if typed; reads answer at once, and every write step is previewed
    before any plan is made, so a failing step leaves nothing planned.

    Args:
        ctx: The run.
        command: The repository's custom command, from its config file.
        invocation: The parsed line; the words after the command's name are its values.

    Returns:
        The reads' answers, and, when a step would change something, one plan holding
        every write step's entries in step order.

    Raises:
        BadInput: a parameter is missing or not one plain word, or a step's words do not
            bind (the message names the step).
        ServiceError: AWS or GitHub refused a read or a preview.
        Refused: A preview or the plan was refused (as
            :func:`devops_agent.proposals.propose` refuses one).
    """
    from devops_agent.commands import bind_step, perform
    from devops_agent.operation import Proposal, Read, Unchanged

    values = command.bind(list(invocation.words[1:]))
    lines = command.lines(values)
    done: list[tuple[str, Result]] = []
    entries: list[PlanEntry] = []
    unchanged: list[str] = []
    region = ""
    for n, line in enumerate(lines, 1):
        try:
            op, args = bind_step(line)
        except DevOpsError as exc:
            raise _in_step(exc, n, line) from None
        if isinstance(op, Read):
            done.append((line, perform(ctx, op, args)))
            continue
        try:
            with tracing.span("preview", operation=op.name, service=op.service, step=n):
                outcome = op.plan(ctx, args)
        except DevOpsError as exc:
            raise _in_step(exc, n, line) from None
        if isinstance(outcome, Unchanged):
            unchanged.append(f"`{line}`: {outcome.title}")
            continue
        entries.extend(outcome.entries)
        region = region or outcome.region
    return _result(ctx, command, done, entries, unchanged, region, Proposal)


def _in_step(exc: DevOpsError, n: int, line: str) -> DevOpsError:
    exc.message = f"Step {n} (`{line}`): {exc.message}"
    return exc


def _result(
    ctx: DevOpsContext,
    command: CustomCommand,
    done: list[tuple[str, Result]],
    entries: list[PlanEntry],
    unchanged: list[str],
    region: str,
    proposal_type: Any,
) -> Result:
    sections: list[str] = []
    tables: list[Table] = []
    missed: list[gaps.Gap] = []
    for line, result in done:
        sections.append(
            f"**`{line}`**: {result.title}" + (f"\n\n{result.text}" if result.text else "")
        )
        tables.extend(
            t.model_copy(update={"title": f"{line}: {t.title}" if t.title else line})
            for t in result.tables
        )
        missed.extend(result.not_read)
    if unchanged:
        sections.append("Already so, nothing to plan:\n" + "\n".join(f"- {u}" for u in unchanged))
    steps = [{"step": line, **render_json(result)} for line, result in done]
    if not entries:
        return Result(
            title=f"{command.name}: {len(command.steps)} step(s) done",
            text="\n\n".join(sections) or "Nothing to do.",
            tables=tables,
            data={"command": command.name, "steps": steps},
            not_read=missed,
        )
    from devops_agent.commands import propose_traced

    what = f"{command.name} ({len(entries)} change{'s' if len(entries) != 1 else ''})"
    planned = propose_traced(ctx, proposal_type(entries, what=what, region=region))
    reads = "\n\n".join(sections)
    return planned.model_copy(
        update={
            "text": f"`{command.name}` is a command of this repository; its changes are one "
            f"plan, carried out in step order.\n\n{planned.text}"
            + (f"\n\n{reads}" if reads else ""),
            "tables": [*planned.tables, *tables],
            "data": {**(planned.data or {}), "command": command.name, "steps": steps},
            "not_read": [*planned.not_read, *missed],
        }
    )
