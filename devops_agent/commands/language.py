"""The command language's building blocks: a parsed line and a command's spec.

A line is split with shell quoting rules (:func:`tokenize`); the words that name a
command are matched against the specs (:mod:`devops_agent.commands`). The catalog's
commands bind the rest of the line to their argument model
(:mod:`devops_agent.commands.grammar`); the built-ins (``help``, ``apply``) take a
few positional words, checked by :func:`bind`.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devops_agent.errors import BadInput
from devops_agent.report import Result

if TYPE_CHECKING:
    from devops_agent.context import DevOpsContext

__all__ = ["Handler", "Invocation", "Spec", "bind", "tokenize"]


@dataclass
class Invocation:
    """One parsed command line."""

    text: str
    """The whole first line as typed (for echoing back)."""
    words: tuple[str, ...]
    """Every token of the line, in order (options included)."""
    args: tuple[str, ...] = ()
    """Positional words after a built-in command's words, case kept."""
    flags: tuple[str, ...] = ()
    """The options a built-in accepts that were given (``--dry-run``)."""

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
    max_args: int | None = 0
    """A built-in's most positional words (``None``: any)."""
    flags: tuple[str, ...] = ()
    """Options a built-in accepts (``--dry-run``)."""
    op: Any = None
    """``(declaration, Command)`` for a catalog command (its grammar comes from its
    arguments); ``None`` for the built-ins."""


def tokenize(text: str) -> Invocation:
    """Split the first line into tokens (shell quoting rules).

    Args:
        text: The text after the trigger; only its first line is read.

    Returns:
        The line and its tokens.

    Raises:
        BadInput: unbalanced quotes.
    """
    line = text.strip().splitlines()[0] if text.strip() else ""
    try:
        tokens = shlex.split(line)
    except ValueError as exc:
        raise BadInput(
            f"Could not read the command: {exc}.", remedy="Check the quotes in your command."
        ) from None
    return Invocation(text=line, words=tuple(tokens))


def bind(invocation: Invocation, spec: Spec) -> Invocation:
    """A built-in's positional words; an option or too many words is a mistake.

    Args:
        invocation: The parsed line.
        spec: The built-in command it matched (``help``, ``apply``).

    Returns:
        The invocation with its positional words in ``args``.

    Raises:
        BadInput: an option, or more words than the command takes.
    """
    usage = f"Usage: {spec.usage}"
    rest = invocation.words[len(spec.path) :]
    options = [w.lower() for w in rest if w.startswith("--")]
    unknown = [w for w in options if w not in spec.flags]
    if unknown:
        raise BadInput(f"`{' '.join(spec.path)}` does not take {unknown[0]}.", remedy=usage)
    invocation.flags = tuple(options)
    rest = tuple(w for w in rest if not w.startswith("--"))
    if spec.max_args is not None and len(rest) > spec.max_args:
        raise BadInput(f"Wrong number of arguments for `{' '.join(spec.path)}`.", remedy=usage)
    invocation.args = tuple(rest)
    return invocation
