"""The command language's building blocks: parsed invocations, command specs, helpers.

Service command modules (:mod:`.aws`, :mod:`.github`) build on these; the
registry and dispatch live in :mod:`devops_agent.commands`.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devops_agent.errors import BadInput
from devops_agent.report import Result, dump, plural, when, where

if TYPE_CHECKING:
    from devops_agent.context import DevOpsContext

__all__ = [
    "REGION",
    "Handler",
    "Invocation",
    "Spec",
    "bind",
    "dump",
    "plural",
    "regions_of",
    "tokenize",
    "when",
    "where",
]


@dataclass
class Invocation:
    """One parsed command line."""

    text: str
    """The whole first line as typed (for echoing back)."""
    words: tuple[str, ...]
    """Every token of the line, in order (options included)."""
    options: dict[str, str] = field(default_factory=dict)
    """``--name value``, ``--name=value``; a flag of the spec maps to ``"true"``."""
    pairs: dict[str, str] = field(default_factory=dict)
    """``KEY=VALUE`` arguments (workflow inputs), for specs that take them."""
    args: tuple[str, ...] = ()
    """Positional arguments after the command words, case kept."""

    def option(self, name: str, default: str = "") -> str:
        """The value of ``--name`` or ``default``."""
        return self.options.get(name, default)

    def flag(self, name: str) -> bool:
        """Whether the boolean ``--name`` was given."""
        return self.options.get(name) == "true"

    @property
    def command_words(self) -> tuple[str, ...]:
        """The leading plain words, lower-cased: what names the command."""
        lead: list[str] = []
        for token in self.words:
            if token.startswith("--") or "=" in token:
                break
            lead.append(token.lower())
        return tuple(lead)


Handler = Callable[["DevOpsContext", Invocation], Result]


@dataclass(frozen=True)
class Spec:
    """A command: its words, usage line, one-line help and handler."""

    path: tuple[str, ...]
    usage: str
    summary: str
    handler: Handler | None = None
    """``None`` for a command of the contract this version cannot run yet."""
    options: frozenset[str] = frozenset()
    """``--options`` that take a value."""
    min_args: int = 0
    max_args: int | None = 0
    flags: frozenset[str] = frozenset()
    """``--options`` that take no value."""
    pairs: bool = False
    """Whether ``KEY=VALUE`` arguments are accepted (otherwise they are positional)."""
    op: Any = None
    """The catalog declaration the command runs (its grammar comes from its arguments);
    ``None`` for the built-in commands, which bind their own words."""


def tokenize(text: str) -> Invocation:
    """Split the first line into tokens (shell quoting rules)."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    try:
        tokens = shlex.split(line)
    except ValueError as exc:
        raise BadInput(
            f"Could not read the command: {exc}.", remedy="Check the quotes in your command."
        ) from None
    return Invocation(text=line, words=tuple(tokens))


def bind(invocation: Invocation, spec: Spec) -> Invocation:
    """Parse the tokens after the command words as ``spec`` says; reject what it does not take."""
    usage = f"Usage: {spec.usage}"
    tokens = list(invocation.words[len(spec.path) :])
    args: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("--") and len(token) > 2:
            name, eq, value = token.partition("=")
            name = name.lower()
            if name in spec.flags and not eq:
                invocation.options[name] = "true"
            elif name in spec.options:
                if not eq:
                    if i + 1 >= len(tokens) or tokens[i + 1].startswith("--"):
                        raise BadInput(f"{name} needs a value.", remedy=usage)
                    value = tokens[i + 1]
                    i += 1
                invocation.options[name] = value
            else:
                raise BadInput(f"`{' '.join(spec.path)}` does not take {name}.", remedy=usage)
        elif spec.pairs and "=" in token and not token.startswith("="):
            key, _, value = token.partition("=")
            invocation.pairs[key] = value
        else:
            args.append(token)
        i += 1
    invocation.args = tuple(args)
    if len(args) < spec.min_args or (spec.max_args is not None and len(args) > spec.max_args):
        raise BadInput(f"Wrong number of arguments for `{' '.join(spec.path)}`.", remedy=usage)
    return invocation


def regions_of(ctx: DevOpsContext, invocation: Invocation) -> list[str]:
    """Regions named by ``--region`` (comma list, or ``all`` for aws-regions), validated."""
    from devops_agent.aws import check_region

    raw = invocation.option("--region", ctx.region)
    names = (
        list(ctx.regions)
        if raw.lower() == "all"
        else [r.strip() for r in raw.split(",") if r.strip()]
    )
    session = ctx.session()
    return [check_region(session, name.lower()) for name in dict.fromkeys(names)]


REGION = frozenset({"--region"})
