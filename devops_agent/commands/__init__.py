"""The command language (CONTRACT.md §5): parse the text after the trigger, run it.

Only the first line is a command; a second ``/devops …`` line in the same comment
is never run (one comment, one command). Text that does not start with a command
word is a request in plain language, which goes to the agent.

Read commands run at once with the read session. Commands that would change AWS
or GitHub are not carried out here: they produce a plan (CONTRACT.md §6). Each
service family keeps its handlers in its own module (:mod:`.aws`); this module
holds the registry, dispatch, ``help`` and ``apply``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from devops_agent.commands.aws import AWS_COMMANDS
from devops_agent.commands.github import GITHUB_COMMANDS
from devops_agent.commands.language import REGION, Invocation, Spec, bind, tokenize
from devops_agent.errors import BadInput, UnknownCommand
from devops_agent.report import Result, Table

if TYPE_CHECKING:
    from devops_agent.context import DevOpsContext

__all__ = ["COMMANDS", "Invocation", "Spec", "help_result", "match", "run_command", "tokenize"]


def match(invocation: Invocation) -> Spec | None:
    """The command the words name (arguments bound), or ``None`` for plain language."""
    lowered = invocation.command_words
    best: Spec | None = None
    for spec in COMMANDS:
        if lowered[: len(spec.path)] == spec.path and (
            best is None or len(spec.path) > len(best.path)
        ):
            best = spec
    if best is None:
        if lowered and lowered[0] in _SERVICE_WORDS:
            family = [s for s in COMMANDS if s.path[0] == lowered[0]]
            usages = "\n".join(f"  {s.usage}" for s in family)
            raise UnknownCommand(
                f"`{' '.join(invocation.words[:2])}` is not a command.",
                remedy=f"{lowered[0]} commands are:\n{usages}",
            )
        return None
    bind(invocation, best)
    return best


def run_command(ctx: DevOpsContext, text: str) -> Result:
    """Run one command line, or hand plain language to the agent."""
    try:
        invocation = tokenize(text)
    except BadInput:
        # "why can't the ci role read…": an apostrophe is not a broken command
        first = text.strip().split(maxsplit=1)[0].lower() if text.strip() else ""
        if first in _SERVICE_WORDS:
            raise
        return plain_language(ctx, text)
    if not invocation.words:
        return help_result(ctx, invocation)
    spec = match(invocation)
    if spec is None:
        return plain_language(ctx, text)
    if spec.handler is None:
        raise UnknownCommand(
            f"`{' '.join(spec.path)}` is part of the command language but not available in "
            "this version of devops-agent yet.",
            remedy="Run `help` to see the commands this version can run.",
        )
    result = spec.handler(ctx, invocation)
    return result.model_copy(update={"command": invocation.text})


def help_result(ctx: DevOpsContext | None, invocation: Invocation | None = None) -> Result:
    """The list of commands this version can run."""
    trigger = ctx.settings.trigger if ctx else "/devops"
    rows = [[f"`{trigger} {s.usage}`", s.summary] for s in COMMANDS if s.handler is not None]
    text = (
        f"Write `{trigger}` and a command in a comment. Anything that is not a command is a "
        "request in plain language for the agent. Every AWS command takes `--region R` "
        "(a comma list, or `all` for the configured audit regions). Commands that change "
        "something post a plan that an authorized person applies with `apply PLAN_ID`."
    )
    return Result(
        title="devops-agent commands",
        command="help",
        text=text,
        tables=[Table(columns=["Command", "What it does"], rows=rows)],
        data={"commands": [s.usage for s in COMMANDS if s.handler is not None]},
    )


def plain_language(ctx: DevOpsContext, text: str) -> Result:
    """A request that is not a command: the agent answers it when a model is configured."""
    if ctx.settings.openai_api_key is None:
        help_text = help_result(ctx)
        return Result(
            status="failure",
            exit_code=2,
            command=text.splitlines()[0][:200],
            title="That is not a command, and no model is configured to answer requests",
            text=(
                "Requests in plain language need the `openai-api-key` input (and optionally "
                "`openai-base-url` for any OpenAI-compatible server). Without it only the "
                "command language below works.\n\n" + help_text.text
            ),
            tables=help_text.tables,
        )
    from devops_agent.agent import answer  # the Agents SDK loads only here

    return answer(ctx, text)


def _audit(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.commands import audit

    return audit.run(ctx, inv)


def _apply(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.apply import apply

    return apply(ctx, inv.args[0] if inv.args else None)


COMMANDS: tuple[Spec, ...] = (
    Spec(
        ("help",), "help", "Show this list.", lambda ctx, inv: help_result(ctx, inv), max_args=None
    ),
    *AWS_COMMANDS,
    *GITHUB_COMMANDS,
    Spec(
        ("audit",),
        "audit [ec2|s3|iam|vpc ...] [--region R]",
        "Audit the AWS estate (read-only): findings ranked, with fixes.",
        _audit,
        REGION,
        0,
        4,
    ),
    Spec(("apply",), "apply [PLAN_ID]", "Carry out an approved plan.", _apply, frozenset(), 0, 1),
)

_SERVICE_WORDS = {spec.path[0] for spec in COMMANDS}
