"""The architecture, checked: the import contracts in pyproject.toml hold.

``[tool.importlinter]`` states the rules (nothing imports ``app`` or ``cli``; services
never import the run; audits and commands never need the model; only ``agent/``
imports the Agents SDK; the declaration types stay pure). A wrong arrow fails here
instead of waiting for a review.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _loggers_left_enabled() -> Iterator[None]:
    """import-linter configures logging with ``disable_existing_loggers``: every logger made
    before it (the docs hook's, ours) would stay silent for the rest of the session."""
    loggers = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.disabled
    ]
    yield
    for logger in loggers:
        logger.disabled = False


def test_the_import_contracts_hold(monkeypatch):
    from importlinter.cli import lint_imports

    monkeypatch.chdir(ROOT)
    out = io.StringIO()
    with redirect_stdout(out):
        code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    report = out.getvalue()
    assert code == 0, report
    assert report.count("KEPT") >= 5, report


def test_a_wrong_arrow_would_be_caught(tmp_path, monkeypatch):
    """The contracts are not vacuous: a service module importing the run breaks one."""
    import shutil

    from importlinter.cli import lint_imports

    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "devops_agent", copy / "devops_agent")
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    bad = copy / "devops_agent" / "aws" / "ec2" / "instances.py"
    bad.write_text(bad.read_text(encoding="utf-8") + "\nfrom devops_agent import apply  # noqa\n")
    monkeypatch.chdir(copy)
    monkeypatch.syspath_prepend(str(copy))
    import sys

    saved = {k: v for k, v in sys.modules.items() if k.startswith("devops_agent")}
    for name in saved:
        del sys.modules[name]
    try:
        out = io.StringIO()
        with redirect_stdout(out):
            code = lint_imports(config_filename=str(copy / "pyproject.toml"), no_cache=True)
    finally:
        for name in [k for k in sys.modules if k.startswith("devops_agent")]:
            del sys.modules[name]
        sys.modules.update(saved)
    assert code == 1
    assert "devops_agent.aws is not allowed to import devops_agent.apply" in out.getvalue()
