"""The documentation site's configuration and hooks (offline; CI runs the real build).

``mkdocs build --strict`` needs the docs extra and takes most of a minute, so CI runs it
(ci.yml's ``docs`` job). Here: every page under docs/ is in the navigation and every
navigation entry exists; the API reference covers every public module; links that leave
docs/ become links to the repository, and one to a missing file is an error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
sys.path.insert(0, str(ROOT / "scripts"))

import docs_hooks  # noqa: E402

REPO_URL = "https://github.com/your-org/devops-agent"


class _Loader(yaml.SafeLoader):
    """mkdocs.yml may use ``!!python/name`` tags; none are needed to read the nav."""


def _config() -> dict[str, Any]:
    data = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)
    assert isinstance(data, dict)
    return data


def _nav_pages(nav: Any) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [page for item in nav for page in _nav_pages(item)]
    if isinstance(nav, dict):
        return [page for value in nav.values() for page in _nav_pages(value)]
    return []


def test_the_site_is_strict_and_reads_google_docstrings() -> None:
    config = _config()
    assert config["strict"] is True
    assert config["docs_dir"] == "docs"
    assert config["hooks"] == ["scripts/docs_hooks.py"]
    (mkdocstrings,) = [p["mkdocstrings"] for p in config["plugins"] if isinstance(p, dict)]
    options = mkdocstrings["handlers"]["python"]["options"]
    assert options["docstring_style"] == "google"
    assert config["repo_url"] == REPO_URL
    assert config["validation"]["anchors"] == "warn"


def test_every_page_is_in_the_navigation_and_every_entry_exists() -> None:
    listed = _nav_pages(_config()["nav"])
    pages = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
    assert sorted(listed) == pages
    assert listed[0] == "README.md"


def test_the_api_reference_covers_every_public_module() -> None:
    found = {name for name, _summary in docs_hooks.modules()}
    files = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in (ROOT / "devops_agent").rglob("*.py")
        if not any(part.startswith("_") and part != "__init__.py" for part in path.parts)
    }
    assert found == files
    summaries = dict(docs_hooks.modules())
    assert all(summaries.values()), [n for n, s in summaries.items() if not s]


@pytest.mark.parametrize(
    ("page", "target", "expected"),
    [
        ("quickstart.md", "security.md#roles", None),  # stays in docs/: mkdocs checks it
        ("quickstart.md", "https://example.com/x", None),
        ("quickstart.md", "#a-heading", None),
        ("quickstart.md", "../README.md", f"{REPO_URL}/blob/main/README.md"),
        ("README.md", "../action.yml", f"{REPO_URL}/blob/main/action.yml"),
        ("services/ec2.md", "../../action.yml#L3", f"{REPO_URL}/blob/main/action.yml#L3"),
        ("README.md", "../examples/", f"{REPO_URL}/tree/main/examples"),
        (
            "README.md",
            "../.github/workflows/selftest.yml",
            f"{REPO_URL}/blob/main/.github/workflows/selftest.yml",
        ),
    ],
)
def test_links_that_leave_docs_point_at_the_repository(
    page: str, target: str, expected: str | None
) -> None:
    assert docs_hooks.outside_link(page, target, REPO_URL) == expected


@pytest.mark.parametrize("target", ["../NO-SUCH-FILE.md", "../../outside-the-repo.md"])
def test_a_link_out_of_docs_to_nothing_is_an_error(target: str) -> None:
    with pytest.raises(FileNotFoundError):
        docs_hooks.outside_link("quickstart.md", target, REPO_URL)


def test_the_hook_rewrites_markdown_links_and_warns_on_broken_ones(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class File:
        src_uri = "quickstart.md"

    class Page:
        file = File()

    class Config:
        repo_url = REPO_URL

    text = "See [the README](../README.md), [security](security.md) and [gone](../gone.md)."
    with caplog.at_level("WARNING", logger="mkdocs.plugins.devops_agent"):
        out = docs_hooks.on_page_markdown(text, Page(), Config(), None)
    assert f"]({REPO_URL}/blob/main/README.md)" in out
    assert "](security.md)" in out
    assert "gone.md" in caplog.text


def test_sphinx_roles_do_not_show_in_the_reference() -> None:
    html = "<p>see :func:<code>run</code>, :py:class:<code>Box</code> and a: colon</p>"
    out = docs_hooks.on_page_content(html, None, None, None)
    assert out == "<p>see <code>run</code>, <code>Box</code> and a: colon</p>"
