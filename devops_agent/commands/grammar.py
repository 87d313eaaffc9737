"""The command grammar, derived from an operation's argument model.

A field of an :class:`~devops_agent.operation.Args` model is typed as:

* ``--field-name VALUE`` by default (``--sg`` with ``Option("--sg")``); a list field
  takes a comma list, a ``bool`` field is a flag without a value;
* a positional word with ``Positional()``, in field order; ``Positional(rest=True)``
  takes the remaining words; with an ``Option`` marker too, the option also fills it
  (``repo show acme/platform`` or ``repo show --repo acme/platform``; the word wins);
* ``KEY=VALUE`` words with ``Pairs()`` (and ``--tag K=V,...`` with
  ``Pairs(option="--tag")``);
* not at all with ``Hidden()``, or when the command form fixes it.

:func:`bind` turns the words after a command into a validated model; a mistake is a
:class:`~devops_agent.errors.BadInput` that names the word and shows the usage.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from pydantic import ValidationError
from pydantic.fields import FieldInfo

from devops_agent.errors import BadInput
from devops_agent.operation import Args, Hidden, Option, Pairs, Positional

__all__ = ["Syntax", "bind", "syntax"]

A = TypeVar("A", bound=Args)

Kind = Literal["positional", "rest", "option", "flag", "pairs"]


@dataclass(frozen=True)
class Syntax:
    """How one field is typed on the command line."""

    field: str
    kind: Kind
    option: str = ""
    """``--name`` for options and flags (and the option form of pairs)."""
    many: bool = False
    """A list field: an option's value is a comma list."""

    @property
    def shown(self) -> str:
        """The field as the usage names it in messages."""
        if self.kind in ("positional", "rest"):
            return self.field.upper()
        return self.option or self.field.upper()


def _strip_optional(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(rest) == 1:
            return _strip_optional(rest[0])
    if origin is typing.Annotated:
        return _strip_optional(typing.get_args(annotation)[0])
    return annotation


def _marker(info: FieldInfo, kind: type) -> Any:
    return next((m for m in info.metadata if isinstance(m, kind)), None)


def syntax(model: type[Args], fixed: Mapping[str, Any] | None = None) -> list[Syntax]:
    """How each typed field of ``model`` is written, in field order.

    Args:
        model: The operation's argument model.
        fixed: Fields a command form fixes (``action="stop"``): never typed, so left out.

    Returns:
        One :class:`Syntax` per typed field: positional, option, flag or ``KEY=VALUE`` pairs.
    """
    found: list[Syntax] = []
    fixed = fixed or {}
    for name, info in model.model_fields.items():
        if name in fixed or _marker(info, Hidden) is not None:
            continue
        base = _strip_optional(info.annotation)
        origin = typing.get_origin(base) or base
        many = origin in (list, tuple, set, frozenset)
        positional = _marker(info, Positional)
        pairs = _marker(info, Pairs)
        option = _marker(info, Option)
        if positional is not None:
            kind: Kind = "rest" if positional.rest else "positional"
            found.append(Syntax(name, kind, option=option.name if option else "", many=many))
        elif pairs is not None:
            found.append(Syntax(name, "pairs", option=pairs.option))
        elif base is bool:
            found.append(Syntax(name, "flag", option=option.name if option else _flag(name)))
        else:
            found.append(
                Syntax(name, "option", option=option.name if option else _flag(name), many=many)
            )
    return found


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def bind(
    words: Sequence[str],
    model: type[A],
    *,
    command: str,
    usage: str,
    fixed: Mapping[str, Any] | None = None,
) -> A:
    """The words after ``command`` as a validated ``model``.

    Args:
        words: tokens after the command's words (shell quoting already applied).
        model: the operation's argument model.
        command: the command's words, for messages (``ec2 stop``).
        usage: its usage line, shown with every mistake.
        fixed: arguments this command form fixes (``action="stop"``).

    Returns:
        The model instance, validated.

    Raises:
        BadInput: an unknown option, a missing value, too many or too few words, or a
            value the model rejects.
    """
    remedy = f"Usage: {usage}"
    fields = syntax(model, fixed)
    options = {f.option: f for f in fields if f.kind in ("option", "flag") or f.option}
    pairs_field = next((f for f in fields if f.kind == "pairs"), None)
    values: dict[str, Any] = {}
    positional: list[str] = []
    tokens = list(words)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("--") and len(token) > 2:
            name, eq, value = token.partition("=")
            name = name.lower()
            target = options.get(name)
            if target is None:
                raise BadInput(f"`{command}` does not take {name}.", remedy=remedy)
            if target.kind == "flag":
                if eq:
                    raise BadInput(f"{name} takes no value.", remedy=remedy)
                values[target.field] = True
            else:
                if not eq:
                    if i + 1 >= len(tokens) or tokens[i + 1].startswith("--"):
                        raise BadInput(f"{name} needs a value.", remedy=remedy)
                    value = tokens[i + 1]
                    i += 1
                if target.kind == "pairs":
                    values.setdefault(target.field, {}).update(_pairs(value, name, remedy))
                elif target.many:
                    values[target.field] = [v.strip() for v in value.split(",") if v.strip()]
                else:
                    values[target.field] = value
        elif pairs_field is not None and "=" in token and not token.startswith("="):
            key, _, value = token.partition("=")
            values.setdefault(pairs_field.field, {})[key] = value
        else:
            positional.append(token)
        i += 1
    _place(positional, fields, values, command, remedy)
    try:
        return model.model_validate({**values, **(fixed or {})})
    except ValidationError as exc:
        raise _explain(exc, fields, command, remedy) from None


def _pairs(value: str, option: str, remedy: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        key, eq, item = part.partition("=")
        if not eq:
            raise BadInput(f"{option} takes KEY=VALUE pairs, not '{part}'.", remedy=remedy)
        found[key.strip()] = item.strip()
    return found


def _place(
    positional: list[str],
    fields: list[Syntax],
    values: dict[str, Any],
    command: str,
    remedy: str,
) -> None:
    slots = [f for f in fields if f.kind in ("positional", "rest")]
    words = list(positional)
    for slot in slots:
        if not words:
            break
        if slot.kind == "rest":
            values[slot.field] = list(words) if slot.many else " ".join(words)
            words = []
        else:
            values[slot.field] = words.pop(0)
    if words:
        raise BadInput(
            f"Too many words for `{command}`: {' '.join(words)}.",
            remedy=remedy,
        )


def _explain(error: ValidationError, fields: list[Syntax], command: str, remedy: str) -> BadInput:
    """The first problem pydantic found, said in the command's own terms."""
    by_field = {f.field: f for f in fields}
    first = error.errors()[0]
    loc = first.get("loc", ())
    name = str(loc[0]) if loc else ""
    shown = by_field[name].shown if name in by_field else name.replace("_", " ")
    kind = first.get("type", "")
    if kind == "missing":
        return BadInput(f"`{command}` needs {shown}.", remedy=remedy)
    if kind == "literal_error":
        expected = first.get("ctx", {}).get("expected", "")
        return BadInput(
            f"'{first.get('input')}' is not valid for {shown}; expected {expected}.",
            remedy=remedy,
        )
    if kind in ("too_short", "too_long"):
        return BadInput(f"Wrong number of values for {shown} of `{command}`.", remedy=remedy)
    message = str(first.get("msg", "is not valid")).removeprefix("Value error, ")
    where = f"{shown}: " if shown and kind != "value_error" else ""
    return BadInput(f"{where}{message}", remedy=remedy)
