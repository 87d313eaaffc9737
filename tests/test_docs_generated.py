"""The generated documentation is current, and the command examples in the docs parse.

``scripts/gen_docs.py`` writes ``docs/configuration.md`` from ``action.yml`` and
the settings and config models, the command table of ``docs/commands.md`` from
``devops_agent.commands.COMMANDS``, and the workflow embedded in the quick start.
These tests fail while a committed file differs from what it writes: run
``python scripts/gen_docs.py`` and commit the result.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
FIX = "run `python scripts/gen_docs.py` and commit the result"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_docs", module)
    spec.loader.exec_module(module)
    return module


gen_docs = _load_generator()


@pytest.fixture(scope="module")
def expected() -> dict[Path, str]:
    return gen_docs.expected()


def test_configuration_md_is_generated_from_action_yml(expected: dict[Path, str]) -> None:
    path = ROOT / "docs" / "configuration.md"
    assert path.is_file(), FIX
    assert path.read_text(encoding="utf-8") == expected[path], f"{path.name} is stale: {FIX}"


def test_every_generated_block_is_current(expected: dict[Path, str]) -> None:
    pages = {p.relative_to(ROOT).as_posix() for p in expected}
    assert "docs/commands.md" in pages
    assert "docs/quickstart.md" in pages
    for path, text in expected.items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: {FIX}"


def test_configuration_md_covers_every_input_and_output() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    text = gen_docs.render_configuration(action)
    for name in [*action["inputs"], *action["outputs"]]:
        assert f"| `{name}` |" in text, name
    for key in ("regions", "services", "suppressions", "check", "resource", "reason", "expires"):
        assert f"| `{key}` |" in text, key


def test_command_table_lists_what_help_lists() -> None:
    from devops_agent.commands import COMMANDS, help_result

    table = gen_docs.render_commands(COMMANDS)
    for usage in help_result(None).data["commands"]:
        assert f"`{gen_docs._cell(usage)}`" in table, usage


def test_fill_blocks_replaces_only_the_marked_text() -> None:
    text = (
        "before\n<!-- BEGIN generated: file:action.yml -->\nold\n"
        "<!-- END generated: file:action.yml -->\nafter\n"
    )
    filled = gen_docs.fill_blocks(text)
    assert filled.startswith("before\n<!-- BEGIN generated: file:action.yml -->\n")
    assert filled.endswith("<!-- END generated: file:action.yml -->\nafter\n")
    assert "old" not in filled
    assert "```yaml\nname: devops-agent\n" in filled
    assert gen_docs.fill_blocks(filled) == filled


def test_check_mode_reports_a_stale_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "configuration.md"
    stale.write_text("old\n", encoding="utf-8")
    monkeypatch.setattr(gen_docs, "expected", lambda: {stale: "new\n"})
    monkeypatch.setattr(gen_docs, "ROOT", tmp_path)
    assert gen_docs.main(["--check"]) == 1
    assert stale.read_text(encoding="utf-8") == "old\n"
    assert gen_docs.main([]) == 0
    assert stale.read_text(encoding="utf-8") == "new\n"


# --- command examples in the docs ---------------------------------------------------

DOC_PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _examples(path: Path) -> list[str]:
    """`/devops ...` lines inside fenced code blocks of ``path``."""
    text = path.read_text(encoding="utf-8")
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", text, re.M | re.S)
    return [
        line.strip()[len("/devops ") :]
        for block in blocks
        for line in block.splitlines()
        if line.strip().startswith("/devops ")
    ]


@pytest.mark.parametrize("path", DOC_PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_command_examples_are_commands(path: Path) -> None:
    """An example that starts with a command word must parse as that command."""
    from devops_agent.commands import COMMANDS, parse

    families = {spec.path[0] for spec in COMMANDS}
    for example in _examples(path):
        first = example.split()[0].lower()
        if first not in families:
            continue  # a request in plain language
        parsed = parse(example)  # raises BadInput when its grammar rejects the words
        assert parsed is not None, f"{path.name}: `/devops {example}` is not a command"
        spec, _ = parsed
        assert spec.handler is not None, f"{path.name}: `/devops {example}` is not available"
