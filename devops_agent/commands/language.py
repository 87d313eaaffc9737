"""The command language's building blocks: parsed invocations, command specs, helpers.

Service command modules (:mod:`.aws`, :mod:`.github`) build on these; the
registry and dispatch live in :mod:`devops_agent.commands`.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from devops_agent.errors import BadInput
from devops_agent.report import Result

if TYPE_CHECKING:
    from devops_agent.context import DevOpsContext

_VALUE_OPTIONS = {"--region", "--state", "--ref", "--prefix", "--limit", "--vpc"}


@dataclass
class Invocation:
    """One parsed command line."""

    text: str
    """The whole first line as typed (for echoing back)."""
    words: tuple[str, ...]
    """Positional words, command words lower-cased by :func:`match`."""
    options: dict[str, str] = field(default_factory=dict)
    pairs: dict[str, str] = field(default_factory=dict)
    """``KEY=VALUE`` arguments (workflow inputs)."""
    args: tuple[str, ...] = ()
    """Positional arguments after the command words, case kept."""

    def option(self, name: str, default: str = "") -> str:
        """The value of ``--name`` or ``default``."""
        return self.options.get(name, default)


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
    min_args: int = 0
    max_args: int | None = 0


def tokenize(text: str) -> Invocation:
    """Split the first line into words, ``--options`` and ``KEY=VALUE`` pairs."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    try:
        tokens = shlex.split(line)
    except ValueError as exc:
        raise BadInput(
            f"Could not read the command: {exc}.", remedy="Check the quotes in your command."
        ) from None
    words: list[str] = []
    options: dict[str, str] = {}
    pairs: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("--"):
            name, eq, value = token.partition("=")
            name = name.lower()
            if name in _VALUE_OPTIONS and not eq:
                if i + 1 >= len(tokens):
                    raise BadInput(f"{name} needs a value, e.g. {name} us-east-1.")
                value = tokens[i + 1]
                i += 1
            options[name] = value
        elif "=" in token and not token.startswith("=") and words:
            key, _, value = token.partition("=")
            pairs[key] = value
        else:
            words.append(token)
        i += 1
    return Invocation(text=line, words=tuple(words), options=options, pairs=pairs)


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


def where(regions: list[str]) -> str:
    return regions[0] if len(regions) == 1 else f"{len(regions)} regions"


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def dump(items: list[Any]) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json") for item in items]


REGION = frozenset({"--region"})
