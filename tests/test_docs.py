"""Docs that make promises point at the tests that keep them."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_every_test_named_in_security_md_exists():
    text = (ROOT / "docs" / "security.md").read_text()
    named = re.findall(r"`(test_[a-z0-9_]+\.py)::(test_[a-z0-9_]+)`", text)
    assert len(named) >= 20
    for file_name, test_name in named:
        path = ROOT / "tests" / file_name
        assert path.exists(), file_name
        functions = {
            node.name
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.FunctionDef)
        }
        assert test_name in functions, f"{file_name}::{test_name}"
    # rows that list several tests name the rest with a bare `test_...`
    for extra in re.findall(r", `(test_[a-z0-9_]+)`", text):
        assert any(extra in (ROOT / "tests" / f).read_text() for f, _ in named), extra


def test_readme_links_resolve():
    text = (ROOT / "README.md").read_text()
    for target in re.findall(r"\]\(([^)#:]+)\)", text):
        assert (ROOT / target).exists(), target
