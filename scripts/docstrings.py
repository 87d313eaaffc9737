"""Which public names of ``devops_agent`` lack a docstring, or the sections one owes.

The API reference (mkdocs.yml, mkdocstrings) is generated from the docstrings, so a
public name without one is a hole in it. This is the one place that decides what
"documented" means; the test suite (``tests/test_docstrings.py``) and the docs build
(``scripts/docs_hooks.py``, a warning each, so ``mkdocs build --strict`` fails) both ask
it. Run it for the list::

    python scripts/docstrings.py            # every gap, by module
    python scripts/docstrings.py --summary  # counts only

What is checked, with griffe (the library mkdocstrings reads the code with), statically:

- **missing**: a public module, class, function or method without a docstring. Public
  means griffe's rule: no leading underscore, and in ``__all__`` when the module has one.
  Constants and fields are documented where they are declared (``#:`` comments or a
  string after them, which the reference shows when there is one) and not checked.
- **args**: a public function or method whose parameters (not ``self``/``cls``) are not
  all named in an ``Args:`` section.
- **returns**: one annotated to return something (not ``None``, not a property) without
  a ``Returns:`` or ``Yields:`` section.

What a function raises cannot be known statically; ``Raises:`` is reviewed by people.
Dunder methods are documented by their class. :data:`LEFT_FOR_OTHERS` lists the packages
whose docstrings are being edited on other branches right now: their gaps are reported
apart and fail nothing, until that work is merged.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "devops_agent"

#: Packages being edited elsewhere (the service packages, on their own branches): their
#: docstrings are added there, and the entries go once those branches merge. Reported,
#: not failed.
LEFT_FOR_OTHERS: tuple[str, ...] = ()

#: Modules whose docstrings do not yet carry every Args/Returns section (missing
#: docstrings are never allowed). The check fails for any other module with such a gap,
#: and for a module listed here that has none left: the list only shrinks. Empty: every
#: module outside :data:`LEFT_FOR_OTHERS` is complete; keep it so.
UNFINISHED: frozenset[str] = frozenset()


@dataclass(frozen=True, order=True)
class Gap:
    """One thing a public name's documentation lacks.

    Attributes:
        module: The dotted module the name is in.
        path: The name's full dotted path.
        kind: ``missing``, ``args`` or ``returns``.
        detail: What exactly (the parameters not named, say).
    """

    module: str
    path: str
    kind: str
    detail: str = ""

    @property
    def left_for_others(self) -> bool:
        """Whether the name is in a package another branch is documenting."""
        return any(
            self.module == prefix or self.module.startswith(prefix + ".")
            for prefix in LEFT_FOR_OTHERS
        )


def _load(root: Path = ROOT) -> object:
    import griffe

    logging.getLogger("griffe").setLevel(logging.ERROR)  # parse warnings are the docs build's
    return griffe.load(
        root / PACKAGE,  # by path: this checkout's package, whatever sys.path holds
        search_paths=[str(root)],
        docstring_parser="google",
        resolve_aliases=False,
        store_source=False,
    )


def _members(obj: object) -> Iterator[object]:
    for member in obj.members.values():  # type: ignore[attr-defined]
        if member.is_alias:
            continue
        if member.is_module:
            if not member.name.startswith("_") or member.name == "__init__":
                yield member
            continue
        if member.is_public and not member.name.startswith("_"):
            yield member


def _module_of(obj: object) -> str:
    return str(obj.path if obj.is_module else obj.module.path)  # type: ignore[attr-defined]


def _function_gaps(function: object) -> list[Gap]:
    from griffe import DocstringSectionKind, ParameterKind

    module, path = _module_of(function), str(function.path)  # type: ignore[attr-defined]
    sections = function.docstring.parse("google")  # type: ignore[attr-defined]
    named = {
        param.name.lstrip("*")
        for section in sections
        if section.kind is DocstringSectionKind.parameters
        for param in section.value
    }
    labels = getattr(function, "labels", set())
    wanted = [
        param.name
        for param in function.parameters  # type: ignore[attr-defined]
        if param.name not in ("self", "cls")
        and not (param.kind is ParameterKind.positional_only and param.name.startswith("_"))
    ]
    gaps = []
    unnamed = [name for name in wanted if name not in named]
    if unnamed and "property" not in labels:
        gaps.append(Gap(module, path, "args", ", ".join(unnamed)))
    returns = str(function.returns) if function.returns is not None else "None"  # type: ignore[attr-defined]
    gives = {DocstringSectionKind.returns, DocstringSectionKind.yields}
    if (
        returns not in ("None", "NoReturn", "Never")
        and "property" not in labels
        and not any(section.kind in gives for section in sections)
    ):
        gaps.append(Gap(module, path, "returns", returns))
    return gaps


def gaps(root: Path = ROOT) -> list[Gap]:
    """Every gap in the public API's docstrings.

    Args:
        root: The checkout holding ``devops_agent/``.

    Returns:
        The gaps, sorted by module and name.
    """
    package = _load(root)
    found: list[Gap] = []

    def visit(obj: object) -> None:
        path, module = str(obj.path), _module_of(obj)  # type: ignore[attr-defined]
        if not obj.docstring or not obj.docstring.value.strip():  # type: ignore[attr-defined]
            found.append(Gap(module, path, "missing"))
        elif obj.is_function:  # type: ignore[attr-defined]
            found.extend(_function_gaps(obj))
        if obj.is_module or obj.is_class:  # type: ignore[attr-defined]
            for member in _members(obj):
                if member.is_module or member.is_class or member.is_function:
                    visit(member)

    visit(package)
    return sorted(found)


def public_names(root: Path = ROOT) -> int:
    """How many public modules, classes and functions the API reference documents.

    Args:
        root: The checkout holding ``devops_agent/``.

    Returns:
        The count, the package itself included.
    """
    package = _load(root)

    def count(obj: object) -> int:
        inner = sum(count(m) for m in _members(obj) if m.is_module or m.is_class or m.is_function)
        return 1 + inner if (obj.is_module or obj.is_class) else 1  # type: ignore[attr-defined]

    return count(package)


def failures(found: list[Gap]) -> list[Gap]:
    """The gaps that fail the check: any missing docstring, and section gaps outside
    :data:`UNFINISHED`; never those in :data:`LEFT_FOR_OTHERS`.

    Args:
        found: What :func:`gaps` returned.

    Returns:
        The failing gaps.
    """
    return [
        gap
        for gap in found
        if not gap.left_for_others and (gap.kind == "missing" or gap.module not in UNFINISHED)
    ]


def main(argv: list[str] | None = None) -> int:
    """Print the gaps; exit 1 when one fails the check.

    Args:
        argv: ``--summary`` for counts only.

    Returns:
        0 when nothing fails, 1 otherwise.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summary", action="store_true", help="counts only")
    args = parser.parse_args(argv)
    found = gaps()
    failing = failures(found)
    by_module: dict[str, list[Gap]] = {}
    for gap in found:
        by_module.setdefault(gap.module, []).append(gap)
    for module, items in sorted(by_module.items()):
        tag = " (left for others)" if items[0].left_for_others else ""
        tag = tag or (" (unfinished)" if module in UNFINISHED else "")
        print(f"{module}{tag}: {len(items)}")
        if not args.summary:
            for gap in items:
                print(f"  {gap.kind:8} {gap.path}  {gap.detail}".rstrip())
    others = sum(1 for gap in found if gap.left_for_others)
    print(
        f"{public_names()} public names; {len(found)} gaps ({others} left for others, "
        f"{len(failing)} failing)"
    )
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
