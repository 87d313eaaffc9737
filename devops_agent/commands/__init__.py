"""The command language: parse the text after the trigger, run it.

Only the first line is a command; a second ``/devops …`` line in the same comment
is never run (one comment, one command). Text that does not start with a command
word is a request in plain language: :func:`run_command` returns ``None`` and the run
(:func:`devops_agent.app.execute`) hands it to the agent.

Every command but ``help``, ``apply`` and ``reject`` is derived from the catalog
(:mod:`devops_agent.catalog`): an operation's ``Command`` forms give the words,
usage and help line; its argument model gives the grammar
(:mod:`devops_agent.commands.grammar`). Nothing here is written per command. A read
answers at once with the read session; a write runs its preview and proposes a plan
(:func:`devops_agent.apply.propose_plan`),
carried out later by ``apply``. Two forms may share words (``s3 versioning BUCKET``
reads, ``s3 versioning BUCKET on|off`` plans): the first whose grammar accepts the
words runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from devops_agent import gaps, tracing
from devops_agent.commands.language import Invocation, Spec, bind, tokenize
from devops_agent.errors import BadInput, UnknownCommand
from devops_agent.report import Result, Table

if TYPE_CHECKING:
    from devops_agent.context import DevOpsContext
    from devops_agent.operation import Command, Declaration, Proposal

__all__ = [
    "COMMANDS",
    "Invocation",
    "Spec",
    "help_result",
    "match",
    "no_model",
    "parse",
    "perform",
    "run_command",
    "suggest",
    "tokenize",
]

#: Services whose commands all take ``--region`` (the contract), used or not.
AWS_SERVICES = frozenset({"ec2", "s3", "iam", "vpc"})


def match(invocation: Invocation) -> list[Spec] | None:
    """The commands whose words the invocation starts with (longest match), or ``None``
    for plain language. Built-in commands are bound here; catalog commands when run.

    Args:
        invocation: The parsed line.

    Returns:
        The specs of the longest matching command words (several when forms share words), or
        ``None``.

    Raises:
        UnknownCommand: the first word is a service's (``ec2``) but no command of it matches;
            the answer suggests the closest and lists the service's commands.
    """
    lowered = invocation.command_words
    best: list[Spec] = []
    for spec in COMMANDS:
        if lowered[: len(spec.path)] != spec.path:
            continue
        if not best or len(spec.path) > len(best[0].path):
            best = [spec]
        elif len(spec.path) == len(best[0].path):
            best.append(spec)
    if not best:
        if lowered and lowered[0] in _SERVICE_WORDS:
            closest = suggest(" ".join(invocation.command_words), limit=3)
            meant = (
                f"Did you mean {' or '.join(f'`{s.usage}`' for s in closest)}?\n" if closest else ""
            )
            # the family's command words on one line (`help` shows their usages)
            family = dict.fromkeys(" ".join(s.path) for s in COMMANDS if s.path[0] == lowered[0])
            remedy = f"{meant}{lowered[0]} commands: {', '.join(family)} (see `help`)."
            raise UnknownCommand(
                f"`{' '.join(invocation.words[:2])}` is not a command.", remedy=remedy
            )
        return None
    if best[0].op is None:
        bind(invocation, best[0])
    return best


def run_command(ctx: DevOpsContext, text: str) -> Result | None:
    """Run one command line; ``None`` when the text is plain language (the agent's).

    Args:
        ctx: The run's context.
        text: What follows the trigger.

    Returns:
        The command's result, or ``None`` for plain language.

    Raises:
        BadInput: a command with words its grammar rejects.
        UnknownCommand: a service's word with no command behind it.
    """
    try:
        invocation = tokenize(text)
    except BadInput:
        # "why can't the ci role read…": an apostrophe is not a broken command
        first = text.strip().split(maxsplit=1)[0].lower() if text.strip() else ""
        if first in _SERVICE_WORDS:
            raise
        return None
    if not invocation.words:
        return help_result(ctx, invocation)
    specs = match(invocation)
    if specs is None:
        return _custom(ctx, invocation)
    if specs[0].handler is None:
        raise UnknownCommand(
            f"`{' '.join(specs[0].path)}` is part of the command language but not available in "
            "this version of devops-agent yet.",
            remedy="Run `help` to see the commands this version can run.",
        )
    if len(specs) == 1 or specs[0].op is None:
        result = specs[0].handler(ctx, invocation)
    else:
        result = _first_that_binds(ctx, invocation, specs)
    return result.model_copy(update={"command": invocation.text})


def parse(text: str) -> tuple[Spec, Any] | None:
    """The command ``text`` names and its bound arguments, without running anything.

    ``None`` for plain language. Built-in commands bind to their invocation; catalog
    commands to their validated argument model.

    Raises:
        BadInput: a command word with arguments its grammar rejects.

    Args:
        text: The command line.

    Returns:
        The spec and its bound arguments, or ``None``.
    """
    invocation = tokenize(text)
    specs = match(invocation) if invocation.words else None
    if specs is None:
        return None
    if specs[0].op is None:
        return specs[0], invocation
    errors: list[BadInput] = []
    for spec in specs:
        op, form = spec.op
        try:
            return spec, bind_form(invocation, op, form)
        except BadInput as exc:
            errors.append(exc)
    raise errors[-1]


def _custom(ctx: DevOpsContext, invocation: Invocation) -> Result | None:
    """A custom command of the repository (its config on the default branch), or ``None``
    for plain language."""
    first = invocation.command_words[:1]
    if not first:
        return None
    from devops_agent import repoconfig

    command = repoconfig.load(ctx).commands.get(first[0])
    if command is None:
        return None
    from devops_agent.commands.custom import run_custom

    return run_custom(ctx, command, invocation).model_copy(update={"command": invocation.text})


def reserved_words() -> frozenset[str]:
    """The first words of every command of the language: no custom command may take one."""
    return frozenset(spec.path[0] for spec in COMMANDS)


def step_problem(step: str) -> str:
    """Why ``step`` cannot be a step of a custom command (``""`` when it can): it must
    start with the words of a catalog command (not ``help``, ``apply`` or plain language)."""
    try:
        specs = match(tokenize(step))
    except BadInput as exc:
        return exc.message
    if specs is None:
        return "it does not start with a command (see `help`)"
    if specs[0].op is None:
        return f"`{' '.join(specs[0].path)}` cannot be a step"
    return ""


def bind_step(line: str) -> tuple[Declaration, Any]:
    """The catalog operation a custom command's step names and its validated arguments.

    Raises:
        BadInput: the step is not a catalog command, or its words do not bind.
    """
    problem = step_problem(line)
    if problem:
        raise BadInput(problem)
    found = parse(line)
    assert found is not None
    assert found[0].op is not None
    return found[0].op[0], found[1]


def _first_that_binds(ctx: DevOpsContext, invocation: Invocation, specs: list[Spec]) -> Result:
    """Forms sharing words: run the first whose grammar accepts the words.

    When none does, the mistake shown is that of the form that knows most of the
    options typed (then the one with most positional words): the form meant.
    """
    errors: list[tuple[tuple[int, int], BadInput]] = []
    typed = {w.split("=", 1)[0].lower() for w in invocation.words if w.startswith("--")}
    for spec in specs:
        op, form = spec.op
        try:
            args = bind_form(invocation, op, form)
        except BadInput as exc:
            from devops_agent.commands.grammar import syntax

            fields = syntax(op.args, form.fixed)
            known = len(typed & {s.option for s in fields if s.option})
            slots = sum(1 for s in fields if s.kind != "option")
            errors.append(((known, slots), exc))
            continue
        return perform(ctx, op, args)
    raise max(errors, key=lambda pair: pair[0])[1]


def bind_form(invocation: Invocation, op: Declaration, form: Command) -> Any:
    """The invocation's words after the command as ``op``'s validated arguments."""
    from devops_agent.commands.grammar import bind as bind_words

    words = list(invocation.words[len(form.path) :])
    if op.service in AWS_SERVICES and "region" not in op.args.model_fields:
        words = _drop_region(words)
    return bind_words(
        words, op.args, command=" ".join(form.path), usage=form.usage, fixed=form.fixed
    )


def _drop_region(words: list[str]) -> list[str]:
    """``--region R`` on a command of a global service (IAM, S3 listings): accepted, unused."""
    kept: list[str] = []
    skip = False
    for n, word in enumerate(words):
        if skip:
            skip = False
            continue
        if word.lower() == "--region":
            skip = n + 1 < len(words)
            continue
        if word.lower().startswith("--region="):
            continue
        kept.append(word)
    return kept


def perform(ctx: DevOpsContext, op: Declaration, args: Any) -> Result:
    """Run one catalog operation with validated arguments: read and render it, or
    preview it and propose the plan (a write never changes anything here).

    Args:
        ctx: The run's context.
        op: The declaration to run.
        args: Its validated argument model.

    Returns:
        The read's rendered answer, the plan proposed, or "nothing to change".

    Raises:
        UnknownCommand: a read without a command form.
    """
    from devops_agent.operation import Read, Unchanged

    if isinstance(op, Read):
        if op.render is None:
            raise UnknownCommand(f"{op.name} has no command form.")
        with (
            tracing.span("read", operation=op.name, service=op.service) as span,
            gaps.collect(service=op.service, part=op.name) as missed,
        ):
            data = op.read(ctx, args)
            span["items"] = len(data) if isinstance(data, list) else 1
            span["not_read"] = len(missed)
        result = op.render(ctx, args, data)
        if missed:
            result = result.model_copy(update={"not_read": [*result.not_read, *missed.items]})
        return result
    with tracing.span("preview", operation=op.name, service=op.service) as span:
        outcome = op.plan(ctx, args)
        span["unchanged"] = isinstance(outcome, Unchanged)
    if isinstance(outcome, Unchanged):
        return Result(
            title=outcome.title, text="Nothing to change, so no plan.", data=dict(outcome.data)
        )
    return propose_traced(ctx, outcome)


def propose_traced(ctx: DevOpsContext, proposal: Proposal) -> Result:
    """Post ``proposal`` as a plan (:func:`devops_agent.apply.propose_plan`) in a span.

    Args:
        ctx: The run.
        proposal: What a preview proposed.

    Returns:
        The ``planned`` result; the span records the plan id.

    Raises:
        Refused: As :func:`devops_agent.proposals.propose` refuses a plan.
        BadInput: The plan would hold credential-shaped text.
    """
    from devops_agent.apply import propose_plan

    with tracing.span("propose plan", entries=len(proposal.entries)) as span:
        result = propose_plan(ctx, proposal)
        span["plan_id"] = str((result.data or {}).get("plan_id", ""))
        return result


def _catalog_handler(op: Declaration, form: Command) -> Any:
    def handle(ctx: DevOpsContext, invocation: Invocation) -> Result:
        return perform(ctx, op, bind_form(invocation, op, form))

    return handle


def _catalog_specs() -> list[Spec]:
    from devops_agent import catalog

    return [
        Spec(form.path, form.usage, form.summary, _catalog_handler(op, form), op=(op, form))
        for op in catalog.declarations()
        for form in op.commands
    ]


def help_result(ctx: DevOpsContext | None, invocation: Invocation | None = None) -> Result:
    """The list of commands this version can run.

    Args:
        ctx: The run's context (its trigger); ``None`` shows ``/devops``.
        invocation: The ``help`` line as typed; not read.

    Returns:
        A result with one row per runnable command and its GitHub token needs.
    """
    trigger = ctx.settings.trigger if ctx else "/devops"
    rows = [
        [f"`{trigger} {s.usage}`", s.summary + _token_note(s)]
        for s in COMMANDS
        if s.handler is not None
    ]
    text = (
        f"Write `{trigger}` and a command in a comment. Anything that is not a command is a "
        "request in plain language for the agent. Every AWS command takes `--region R` "
        "(a comma list, or `all` for the configured audit regions). Commands that change "
        "something post a plan that an authorized person applies with `apply PLAN_ID`."
    )
    tables = [Table(columns=["Command", "What it does"], rows=rows)]
    data: dict[str, Any] = {"commands": [s.usage for s in COMMANDS if s.handler is not None]}
    if ctx is not None:
        own, note = _repository_commands(ctx)
        if own is not None:
            tables.append(own)
            data["repository_commands"] = [str(r[0]).strip("`") for r in own.rows]
        if note:
            text += f"\n\n{note}"
    return Result(
        title="devops-agent commands", command="help", text=text, tables=tables, data=data
    )


def _repository_commands(ctx: DevOpsContext) -> tuple[Table | None, str]:
    """This repository's custom commands as a table, or why they could not be read."""
    from devops_agent import repoconfig
    from devops_agent.errors import ConfigError

    try:
        config = repoconfig.load(ctx)
    except ConfigError as exc:
        return None, f"⚠️ This repository's commands could not be read: {exc.message}"
    if not config.commands:
        return None, ""
    trigger = ctx.settings.trigger
    rows: list[list[Any]] = [
        [
            f"`{trigger} {c.usage}`",
            (c.description or "A command of this repository.")
            + " Runs: "
            + "; ".join(f"`{step}`" for step in c.steps),
        ]
        for c in config.commands.values()
    ]
    return Table(
        title=f"This repository's commands ({config.source})",
        columns=["Command", "What it does"],
        rows=rows,
    ), ""


def _token_note(spec: Spec) -> str:
    """`` (token: actions: write)`` for a command whose GitHub token needs permissions."""
    if spec.op is None:
        return ""
    from devops_agent import catalog

    op = spec.op[0]
    scopes = catalog.github_permissions([op])
    if not scopes:
        return ""
    shown = ", ".join(f"{scope}: {level}" for scope, level in scopes.items())
    elevated = "; a PAT or App token" if catalog.needs_elevated_token(op) else ""
    return f" _(token: {shown}{elevated})_"


#: How alike (difflib's ratio, 0..1) a command's words must be to what was typed to be
#: suggested; below it a typo is too far from every command to guess.
SUGGEST_CUTOFF = 0.6


def suggest(text: str, *, limit: int = 5) -> list[Spec]:
    """The commands closest to ``text``, best first: a typo's likely meaning.

    Each command's words (``iam users``) are compared with :mod:`difflib` to as many
    leading words of ``text`` as the command has; a command whose every word is close to
    some typed word scores too (``lst ec2 instances`` → ``ec2 list``), and so does the
    last word alone when one word was typed (``users`` → ``iam users``). Only runnable
    commands are suggested.

    Args:
        text: What was typed after the trigger.
        limit: Most commands returned.

    Returns:
        Up to ``limit`` specs whose words score at least :data:`SUGGEST_CUTOFF`; empty when
        nothing is close (then ``help`` is the answer).
    """
    from difflib import SequenceMatcher

    words = text.lower().split()
    scored: list[tuple[float, int, Spec]] = []
    for order, spec in enumerate(COMMANDS):
        if spec.handler is None:
            continue
        name = " ".join(spec.path)
        head = " ".join(words[: len(spec.path)])
        score = SequenceMatcher(None, head, name).ratio() if head else 0.0
        if len(words) == 1 and len(spec.path) > 1:
            # one word typed of a two-word command: "users" for "iam users"
            score = max(score, SequenceMatcher(None, words[0], spec.path[-1]).ratio() - 0.1)
        elif len(spec.path) > 1:
            # every word of the command somewhere in what was typed: "lst ec2 instances"
            present = min(
                max(SequenceMatcher(None, typed, word).ratio() for typed in words)
                for word in spec.path
            )
            score = max(score, present - 0.05)
        if score >= SUGGEST_CUTOFF:
            scored.append((score, order, spec))
    scored.sort(key=lambda item: (-item[0], item[1]))
    seen: set[tuple[str, ...]] = set()
    best: list[Spec] = []
    for _score, _order, spec in scored:
        if spec.path not in seen:  # two forms of one command: suggest it once
            seen.add(spec.path)
            best.append(spec)
    return best[:limit]


def no_model(ctx: DevOpsContext, text: str) -> Result:
    """The answer to plain language when no model is configured: what to set, and what to run.

    The closest commands come first (:func:`suggest`), so a typo gets its likely meaning
    instead of a hundred rows. In a comment or job summary (``action`` mode) the whole
    ``help`` follows, folded; on the command line (``devops-agent run``) a pointer to
    ``help`` does.

    Args:
        ctx: The run's context (its trigger and mode).
        text: What was typed.

    Returns:
        A failed result (exit code 2) that says a model is needed and lists the suggestions.
    """
    first_line = text.splitlines()[0][:200] if text.strip() else ""
    closest = suggest(first_line)
    trigger = ctx.settings.trigger if ctx else "/devops"
    lead = (
        "Requests in plain language need the `openai-api-key` input (and optionally "
        "`openai-base-url` for any OpenAI-compatible server). Without it only the "
        "command language works."
    )
    local = ctx is not None and ctx.mode == "local"
    shown = "" if local else f"{trigger} "  # `devops-agent run` takes the command bare
    tables = []
    if closest:
        lead += " The closest commands are below."
        tables.append(
            Table(
                columns=["Command", "What it does"],
                rows=[[f"`{shown}{s.usage}`", s.summary] for s in closest],
            )
        )
    else:
        lead += " Nothing in the command language is close to that."
    if local:
        text_out = lead + " `devops-agent run help` lists every command."
    else:
        help_text = help_result(ctx)
        text_out = lead + "\n\n" + help_text.text
        tables += help_text.tables
    return Result(
        status="failure",
        exit_code=2,
        command=first_line,
        title="That is not a command, and no model is configured to answer requests",
        text=text_out,
        tables=tables,
        data={"suggestions": [s.usage for s in closest]},
    )


def _apply(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.apply import apply

    plan_id = inv.args[0] if inv.args else None
    with tracing.span("apply", plan_id=plan_id or "") as span:
        result = apply(ctx, plan_id, dry_run="--dry-run" in inv.flags)
        span.update(status=result.status, plan_id=str((result.data or {}).get("plan_id", "")))
        return result


def _reject(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.plans import PLAN_ID
    from devops_agent.reject import reject

    words = list(inv.args)
    plan_id = words.pop(0).lower() if words else None
    if plan_id is not None and not PLAN_ID.fullmatch(plan_id):
        # A reason needs the plan's id first: "reject inbound ssh" never rejects a plan.
        raise BadInput(
            f"'{inv.args[0]}' is not a plan id (12 hex characters, as the plan shows).",
            remedy="Usage: reject [PLAN_ID [REASON...]]",
        )
    with tracing.span("reject", plan_id=plan_id or "") as span:
        result = reject(ctx, plan_id, " ".join(words))
        span.update(status=result.status, plan_id=str((result.data or {}).get("plan_id", "")))
        return result


def _build() -> tuple[Spec, ...]:
    derived = _catalog_specs()
    return (
        Spec(
            ("help",),
            "help",
            "Show this list.",
            lambda ctx, inv: help_result(ctx, inv),
            max_args=None,
        ),
        *derived,
        Spec(
            ("apply",),
            "apply [PLAN_ID] [--dry-run]",
            "Carry out an approved plan (--dry-run: walk every check, change nothing).",
            _apply,
            max_args=1,
            flags=("--dry-run",),
        ),
        Spec(
            ("reject",),
            "reject [PLAN_ID [REASON...]]",
            "Reject a plan: it is never carried out, and the agent that proposed it is told why.",
            _reject,
            max_args=None,
        ),
    )


COMMANDS: tuple[Spec, ...] = _build()

_SERVICE_WORDS = {spec.path[0] for spec in COMMANDS}
