"""Check, before publishing, that the distribution name on PyPI is still free or ours.

``devops-agent`` on PyPI belongs to an unrelated project, which is why the distribution
is named ``devops-agent-action`` (pyproject.toml). Names can be taken between two
releases, so the release workflow runs this before it uploads anything::

    python scripts/check_pypi_name.py --repository OWNER/REPO

It reads the name and ``[project.urls]`` from pyproject.toml and asks PyPI's JSON API
(``https://pypi.org/pypi/NAME/json``) about the name:

- 404: the name is free; the first upload makes it ours.
- 200: it is ours only if one of the project's URLs on PyPI is this repository
  (``https://github.com/OWNER/REPO``, exactly that path; ``OWNER/REPO-evil`` is not it).
- anything else, or no answer: refuse, rather than publish blind.

pyproject's ``Source`` URL must itself be this repository, so that the first upload
records the URL the next release will find. Exit codes: 0 free or ours, 1 someone
else's or PyPI did not answer, 2 pyproject.toml is not set up for this repository.
Standard library only: the release job has nothing else installed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYPI_JSON = "https://pypi.org/pypi/{name}/json"


@dataclass(frozen=True)
class Verdict:
    """Whether to publish, and the sentence that says why.

    Attributes:
        ok: True when the name is free or the project on PyPI is this repository's.
        message: What was found, for the log (an ``::error::`` when not ok).
    """

    ok: bool
    message: str


def canonical(name: str) -> str:
    """The name as PyPI compares names (PEP 503): lower case, runs of ``-_.`` as ``-``.

    Args:
        name: A distribution name as written.

    Returns:
        The normalized name, so ``devops_agent`` and ``Devops.Agent`` equal ``devops-agent``.
    """
    return re.sub(r"[-_.]+", "-", name).lower()


def repository_url(url: str) -> str | None:
    """``owner/repo`` (lower case) of a GitHub repository URL, or ``None`` for other URLs.

    Args:
        url: Any URL from a project's metadata.

    Returns:
        ``owner/repo`` for ``https://github.com/owner/repo`` and its ``.git``, trailing-slash
        and deeper-path forms (``/tree/main``); ``None`` when the URL is not a GitHub
        repository.
    """
    match = re.match(r"^https?://(?:www\.)?github\.com/([^/\s]+)/([^/\s#?]+)", url.strip(), re.I)
    if not match:
        return None
    repo = match.group(2)
    repo = repo[:-4] if repo.lower().endswith(".git") else repo
    return f"{match.group(1)}/{repo}".lower()


def judge(
    name: str, repository: str, status: int | None, payload: dict[str, Any] | None
) -> Verdict:
    """Decide from PyPI's answer whether ``name`` may be published by ``repository``.

    Args:
        name: The distribution name from pyproject.toml.
        repository: ``OWNER/REPO`` of the repository that publishes.
        status: The HTTP status of ``GET /pypi/NAME/json``; ``None`` when PyPI did not answer.
        payload: The JSON body when the status was 200.

    Returns:
        The verdict: ok for a free name (404) or a project whose URLs name ``repository``.
    """
    if status == 404:
        return Verdict(True, f"{name} is free on PyPI: this release claims it.")
    if status != 200 or payload is None:
        return Verdict(False, f"PyPI answered {status} for {name}: not publishing blind.")
    info = payload.get("info") or {}
    urls = [str(u) for u in (info.get("project_urls") or {}).values() if u]
    urls += [str(info["home_page"])] if info.get("home_page") else []
    want = repository.lower()
    if any(repository_url(url) == want for url in urls):
        return Verdict(True, f"{name} on PyPI is this repository's ({repository}).")
    shown = ", ".join(urls) or "no URLs"
    return Verdict(
        False,
        f"{name} on PyPI belongs to another project ({info.get('summary') or 'no summary'}; "
        f"{shown}), not {repository}. Choose another distribution name in pyproject.toml "
        "and update every doc and workflow that installs it.",
    )


def check_pyproject(pyproject: dict[str, Any], repository: str) -> str | None:
    """What is wrong with pyproject.toml for a release from ``repository``, or ``None``.

    Args:
        pyproject: pyproject.toml as parsed.
        repository: ``OWNER/REPO`` of the repository that publishes.

    Returns:
        A sentence naming the fix, or ``None`` when the name is not the taken
        ``devops-agent`` and ``[project.urls] Source`` is this repository.
    """
    project = pyproject["project"]
    if canonical(project["name"]) == "devops-agent":
        return "pyproject.toml names the distribution devops-agent, which is someone else's."
    source = (project.get("urls") or {}).get("Source", "")
    if repository_url(source) != repository.lower():
        return (
            f"[project.urls] Source in pyproject.toml is {source!r}: set it to "
            f"https://github.com/{repository}, so PyPI records whose project this is."
        )
    return None


def fetch(name: str, timeout: float = 20.0) -> tuple[int | None, dict[str, Any] | None]:
    """Ask PyPI's JSON API about ``name``.

    Args:
        name: The distribution name.
        timeout: Seconds to wait for PyPI.

    Returns:
        The status and, for 200, the parsed body; ``(None, None)`` when PyPI did not answer.
    """
    url = PYPI_JSON.format(name=canonical(name))
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - fixed https URL
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except (urllib.error.URLError, TimeoutError, json.JSONDecodeError):
        return None, None


def main(argv: list[str] | None = None) -> int:
    """Run the check; the exit code says whether to publish.

    Args:
        argv: ``--repository OWNER/REPO`` and optionally ``--pyproject PATH``.

    Returns:
        0 free or ours, 1 someone else's or no answer, 2 pyproject.toml needs fixing.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repository", required=True, help="OWNER/REPO that publishes")
    parser.add_argument("--pyproject", type=Path, default=ROOT / "pyproject.toml")
    args = parser.parse_args(argv)
    pyproject = tomllib.loads(args.pyproject.read_text(encoding="utf-8"))
    problem = check_pyproject(pyproject, args.repository)
    if problem:
        print(f"::error::{problem}")
        return 2
    name = pyproject["project"]["name"]
    verdict = judge(name, args.repository, *fetch(name))
    print(verdict.message if verdict.ok else f"::error::{verdict.message}")
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
