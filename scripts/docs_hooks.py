"""mkdocs hooks: the API reference pages, links that leave docs/, and the docstring check.

mkdocs.yml names this file under ``hooks:``. Written as hooks rather than taken from
plugins (mkdocs-gen-files, literate-nav) because each job is a few lines over mkdocs'
own events and keeps the docs extra to mkdocs, its theme and mkdocstrings:

- :func:`on_config` adds the *API reference* section to the navigation: one page per
  public module of ``devops_agent``, found with griffe (what mkdocstrings reads too);
- :func:`on_files` generates those pages (``::: devops_agent.x``, rendered by
  mkdocstrings) and an index with each module's one-line summary; nothing is written
  to disk, so the pages cannot go stale;
- :func:`on_pre_build` runs ``scripts/docstrings.py``'s check and logs a warning per
  failing gap, so ``mkdocs build --strict`` fails on an undocumented public name;
- :func:`on_page_markdown` turns links that leave ``docs/`` (``../README.md``,
  ``../action.yml``) into links to the repository on GitHub, and warns when the file
  does not exist, so ``--strict`` fails on those too (mkdocs checks the links inside);
- :func:`on_page_content` drops the Sphinx role prefixes the docstrings use
  (``:func:`name```), which mkdocstrings' Google parser leaves as text before the code.
"""

from __future__ import annotations

import logging
import posixpath
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import docstrings  # noqa: E402

log = logging.getLogger("mkdocs.plugins.devops_agent")

#: A Sphinx role left before inline code in rendered HTML: ``:func:<code>``.
ROLE = re.compile(r":(?:py:)?(?:func|class|mod|meth|attr|data|exc|obj|const|term):(?=<code>)")

#: A Markdown link or image target: ``](target)`` or ``](target "title")``.
LINK = re.compile(r"\]\((?P<target>[^)\s]+)(?P<title>\s+\"[^\"]*\")?\)")


def modules() -> list[tuple[str, str]]:
    """The public modules of ``devops_agent``, with the first line of each docstring.

    Returns:
        ``(dotted name, summary)`` pairs in dotted order, the package first.
    """
    package = docstrings._load()
    found: list[tuple[str, str]] = []

    def walk(module: Any) -> None:
        summary = (
            (module.docstring.value.strip().splitlines() or [""])[0] if module.docstring else ""
        )
        found.append((str(module.path), summary))
        for member in module.members.values():
            if not member.is_alias and member.is_module and not member.name.startswith("_"):
                walk(member)

    walk(package)
    return sorted(found)


def _page(module: str) -> str:
    return f"api/{module}.md"


def on_config(config: Any) -> Any:
    """Add the API reference (an overview and one page per module) to the navigation.

    Args:
        config: The mkdocs configuration.

    Returns:
        The configuration, its ``nav`` extended.
    """
    listed = [{name: _page(name)} for name, _summary in modules()]
    config.nav = [*(config.nav or []), {"API reference": ["api/index.md", *listed]}]
    return config


def on_files(files: Any, config: Any) -> Any:
    """Generate the API reference pages (nothing is written to disk).

    Args:
        files: The files mkdocs found under ``docs/``.
        config: The mkdocs configuration.

    Returns:
        ``files`` with the generated pages added.
    """
    from mkdocs.structure.files import File

    found = modules()
    rows = "\n".join(f"| [`{name}`]({name}.md) | {summary} |" for name, summary in found)
    index = (
        "# API reference\n\n"
        "Generated from the docstrings of every public module, class and function of "
        "`devops_agent` (mkdocstrings). Start with [how it is built](../architecture.md).\n\n"
        f"| module | what it is for |\n|---|---|\n{rows}\n"
    )
    files.append(File.generated(config, "api/index.md", content=index))
    for name, _summary in found:
        files.append(File.generated(config, _page(name), content=f"::: {name}\n"))
    return files


def on_pre_build(config: Any) -> None:
    """Warn for every failing docstring gap, so ``--strict`` fails the build.

    Args:
        config: The mkdocs configuration.
    """
    found = docstrings.gaps()
    for gap in docstrings.failures(found):
        log.warning("docstring: %s %s %s", gap.kind, gap.path, gap.detail)
    others = sorted({g.module for g in found if g.left_for_others})
    if others:
        log.info("docstrings left for other branches: %d modules", len(others))


def outside_link(src_uri: str, target: str, repo_url: str) -> str | None:
    """The GitHub URL for a link from ``src_uri`` that leaves ``docs/``, else ``None``.

    Args:
        src_uri: The page's path under ``docs/`` (``quickstart.md``).
        target: The link as written (``../action.yml#L3``).
        repo_url: The repository's URL (mkdocs.yml's ``repo_url``).

    Returns:
        ``{repo_url}/blob/main/{path}`` (``tree`` for a folder) with the anchor kept, when
        the link leaves ``docs/``; ``None`` for links that stay inside it or are absolute.

    Raises:
        FileNotFoundError: The link leaves ``docs/`` to a file the repository lacks.
    """
    if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith(("#", "/")):
        return None
    path, _, anchor = target.partition("#")
    joined = posixpath.normpath(posixpath.join("docs", posixpath.dirname(src_uri), path))
    if joined == "docs" or joined.startswith("docs/"):
        return None
    if not (ROOT / joined).exists():
        raise FileNotFoundError(joined)
    kind = "tree" if (ROOT / joined).is_dir() else "blob"
    return f"{repo_url.rstrip('/')}/{kind}/main/{joined}" + (f"#{anchor}" if anchor else "")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Point links that leave ``docs/`` at the repository; warn on ones that lead nowhere.

    Args:
        markdown: The page's Markdown.
        page: The page.
        config: The mkdocs configuration (its ``repo_url``).
        files: All files of the site.

    Returns:
        The Markdown with those links rewritten.
    """

    def rewrite(match: re.Match[str]) -> str:
        target = match.group("target")
        try:
            url = outside_link(page.file.src_uri, target, config.repo_url)
        except FileNotFoundError as missing:
            log.warning("%s: link to %s, which does not exist", page.file.src_uri, missing)
            return match.group(0)
        return match.group(0) if url is None else f"]({url}{match.group('title') or ''})"

    return LINK.sub(rewrite, markdown)


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    """Drop the Sphinx role prefixes left before inline code (``:func:<code>x</code>``).

    Args:
        html: The page's HTML.
        page: The page.
        config: The mkdocs configuration.
        files: All files of the site.

    Returns:
        The HTML with ``:func:``, ``:class:`` and the like removed where code follows.
    """
    return ROLE.sub("", html)
