"""Every public name of devops_agent has a docstring (offline, in the normal suite).

The API reference is generated from the docstrings (mkdocs.yml; CI builds it with
``--strict``). That build needs the docs extra; this test needs only griffe, which the
runtime already has, and asks the same question (``scripts/docstrings.py``), so an
undocumented public name fails here too. Section gaps (Args/Returns) are allowed only
in the modules listed as unfinished, and that list may only shrink.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import docstrings  # noqa: E402


@pytest.fixture(scope="module")
def found() -> list[docstrings.Gap]:
    return docstrings.gaps()


def test_no_public_name_lacks_a_docstring(found: list[docstrings.Gap]) -> None:
    missing = [g.path for g in found if g.kind == "missing" and not g.left_for_others]
    assert missing == [], "add a docstring (what for, args, returns, raises)"


def test_docstrings_have_their_sections_outside_the_unfinished_modules(
    found: list[docstrings.Gap],
) -> None:
    failing = [f"{g.path}: {g.kind} {g.detail}" for g in docstrings.failures(found)]
    assert failing == []


def test_the_unfinished_list_only_shrinks(found: list[docstrings.Gap]) -> None:
    """A module listed as unfinished that has no gap left must leave the list."""
    with_gaps = {g.module for g in found if g.kind != "missing"}
    done = sorted(docstrings.UNFINISHED - with_gaps)
    assert done == [], "remove these from UNFINISHED in scripts/docstrings.py"


def _package(tmp_path: Path, source: str) -> Path:
    package = tmp_path / "devops_agent"
    package.mkdir()
    (package / "__init__.py").write_text('"""The package."""\n', encoding="utf-8")
    (package / "thing.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "def run(x: int) -> int:\n    return x\n",
            {("missing", "devops_agent.thing"), ("missing", "devops_agent.thing.run")},
        ),
        (
            '"""M."""\ndef run(x: int) -> int:\n    """Run."""\n    return x\n',
            {("args", "devops_agent.thing.run"), ("returns", "devops_agent.thing.run")},
        ),
        (
            '"""M."""\nclass Box:\n    """A box."""\n    def open(self, key: str) -> None:\n'
            "        pass\n",
            {("missing", "devops_agent.thing.Box.open")},
        ),
        (
            '"""M."""\ndef run(x: int) -> int:\n    """Run.\n\n    Args:\n        x: A number.\n\n'
            '    Returns:\n        It.\n    """\n    return x\n',
            set(),
        ),
        # private names, names outside __all__ and dunders are not public
        (
            '"""M."""\n__all__ = ["ok"]\ndef ok() -> None:\n    """Fine."""\n'
            "def run(x):\n    return x\ndef _p(y):\n    return y\n",
            set(),
        ),
    ],
)
def test_the_check_finds_each_kind_of_gap(
    tmp_path: Path, source: str, expected: set[tuple[str, str]]
) -> None:
    """Control: a deliberately undocumented name, or one missing its sections, is found."""
    found = docstrings.gaps(_package(tmp_path, source))
    assert {(g.kind, g.path) for g in found} == expected
