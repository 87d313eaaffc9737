"""Releasing: the distribution's own name, the PyPI name check, the released action.yml.

- ``devops-agent`` on PyPI is an unrelated project: no doc, workflow, script or message
  may install it (in any spelling PyPI treats as the same name).
- ``scripts/check_pypi_name.py`` lets a release publish only under a name that is free or
  whose PyPI project names this repository, for every answer PyPI can give.
- ``scripts/release_action.py`` turns ``image: Dockerfile`` into ``docker://…@sha256`` and
  nothing else, and refuses what a release must never name.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import check_pypi_name  # noqa: E402
import release_action  # noqa: E402

NAME = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
TAKEN = "devops-agent"

# --- no doc or workflow installs the bare name ---------------------------------------

#: Commands that install (or fetch and run) a distribution by name.
INSTALLERS = re.compile(
    r"(?:pip3?|pipx|uv\s+pip|uv\s+tool|python3?\s+-m\s+pip)\s+(?:install|run)\b(?P<rest>[^\n]*)"
    r"|uvx\s+(?P<uvx>[^\n]*)|pipx\s+run\s+(?P<pipx>[^\n]*)",
    re.I,
)
#: What the scan reads: every file a person copies a command from, or that runs one.
SCANNED = ("*.md", "*.yml", "*.yaml", "*.py", "*.toml", "*.txt", "*.sh", "Dockerfile", "run")
SKIPPED_DIRS = {".git", ".venv", "node_modules", "build", "dist", "site", "__pycache__"}


def _requirement_name(token: str) -> str | None:
    """The distribution a command-line token names, or None for options, paths and URLs."""
    token = token.strip("'\"")
    if not token or token.startswith(("-", ".", "/", "$", "~")) or "://" in token:
        return None
    match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?(\s*[=<>!~@].*)?$", token)
    return match.group(1) if match else None


def bare_installs(text: str) -> list[str]:
    """The install commands in ``text`` that would fetch the taken ``devops-agent``."""
    found = []
    for match in INSTALLERS.finditer(text):
        rest = match.group("rest") or match.group("uvx") or match.group("pipx") or ""
        try:
            tokens = shlex.split(rest.split("#", 1)[0].split("&&", 1)[0], posix=True)
        except ValueError:
            tokens = rest.split()
        names = [_requirement_name(t) for t in tokens]
        if any(n and check_pypi_name.canonical(n) == TAKEN for n in names):
            found.append(match.group(0).strip())
    return found


def _scanned_files() -> list[Path]:
    files = set()
    for pattern in SCANNED:
        for path in ROOT.rglob(pattern):
            if not SKIPPED_DIRS & set(path.relative_to(ROOT).parts) and path.is_file():
                files.add(path)
    return sorted(files)


@pytest.mark.parametrize(
    "command",
    [
        "pip install devops-agent",
        'python -m pip install "devops-agent==$DEVOPS_AGENT_VERSION"',
        "pip install 'devops-agent[sandbox]'",
        "pip install -U devops_agent",  # PyPI normalizes _ to -
        "pip install Devops.Agent>=0.1",
        "pipx install devops-agent",
        "uv tool install devops-agent",
        "uvx devops-agent run help",
        "pip install boto3 devops-agent",
    ],
)
def test_the_scan_catches_every_spelling_of_the_taken_name(command: str) -> None:
    assert bare_installs(f"run: {command}\n") != []


@pytest.mark.parametrize(
    "command",
    [
        f'pip install "{NAME}==0.1.0"',
        f"pip install '{NAME}[sandbox]'",
        "pip install -e '.[dev]'",
        "pip install '.[sandbox]'",
        "pip install devops-agent-action",
        "devops-agent run help",  # the command keeps its name
    ],
)
def test_the_scan_lets_our_own_name_through(command: str) -> None:
    assert bare_installs(f"{command}\n") == []


def test_no_doc_workflow_or_message_installs_the_taken_name() -> None:
    assert check_pypi_name.canonical(NAME) != TAKEN
    offenders = {
        path.relative_to(ROOT).as_posix(): hits
        for path in _scanned_files()
        if path != Path(__file__).resolve()
        and (hits := bare_installs(path.read_text(encoding="utf-8", errors="replace")))
    }
    assert offenders == {}


def test_the_command_and_import_keep_their_names() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["scripts"] == {"devops-agent": "devops_agent.cli:main"}
    assert (ROOT / "devops_agent" / "__init__.py").is_file()


# --- the PyPI name check ---------------------------------------------------------------

REPOSITORY = "your-org/devops-agent"


def _pypi(urls: dict[str, str] | None, home_page: str | None = None) -> dict[str, Any]:
    """A PyPI JSON API body, in the shape https://pypi.org/pypi/NAME/json answers."""
    return {
        "info": {
            "name": NAME,
            "summary": "something",
            "home_page": home_page,
            "project_urls": urls,
        },
        "releases": {"0.1.0": []},
    }


#: The real answer for `devops-agent` (2026-12), trimmed: someone else's project.
THEIRS = {
    "info": {
        "name": "devops-agent",
        "summary": "AI-powered DevOps CLI assistant",
        "home_page": "https://github.com/yourusername/devops-agent",
        "project_urls": {"Homepage": "https://github.com/yourusername/devops-agent"},
    },
    "releases": {f"0.0.{n}": [] for n in range(1, 7)},
}


@pytest.mark.parametrize(
    ("status", "payload", "ok"),
    [
        (404, None, True),  # free: the first release claims it
        (200, _pypi({"Source": f"https://github.com/{REPOSITORY}"}), True),
        (200, _pypi({"Source": f"https://github.com/{REPOSITORY.upper()}.git"}), True),
        (200, _pypi({"Code": f"https://github.com/{REPOSITORY}/tree/main"}), True),
        (200, _pypi(None, home_page=f"https://github.com/{REPOSITORY}/"), True),
        (200, THEIRS, False),  # taken by an unrelated project
        (200, _pypi({"Source": f"https://github.com/{REPOSITORY}-evil"}), False),
        (200, _pypi({"Source": "https://github.com/someone/devops-agent"}), False),
        (200, _pypi({"Source": f"https://gitlab.com/{REPOSITORY}"}), False),
        (200, _pypi({"Docs": f"https://example.com/?r=github.com/{REPOSITORY}"}), False),
        (200, _pypi(None), False),  # no URLs: nothing says it is ours
        (200, None, False),  # a 200 without a body
        (500, None, False),  # PyPI is down: never publish blind
        (429, None, False),
        (None, None, False),  # no answer at all
    ],
)
def test_the_name_check_for_every_answer_pypi_can_give(
    status: int | None, payload: dict[str, Any] | None, ok: bool
) -> None:
    verdict = check_pypi_name.judge(NAME, REPOSITORY, status, payload)
    assert verdict.ok is ok, verdict.message


def test_the_name_check_says_whose_the_name_is() -> None:
    verdict = check_pypi_name.judge(TAKEN, REPOSITORY, 200, THEIRS)
    assert "AI-powered DevOps CLI assistant" in verdict.message
    assert "yourusername/devops-agent" in verdict.message


@pytest.mark.parametrize(
    ("name", "source", "problem"),
    [
        (NAME, f"https://github.com/{REPOSITORY}", None),
        ("devops-agent", f"https://github.com/{REPOSITORY}", "someone else's"),
        ("devops_agent", f"https://github.com/{REPOSITORY}", "someone else's"),
        (NAME, "https://github.com/elsewhere/devops-agent", "set it to"),
        (NAME, "", "set it to"),
    ],
)
def test_pyproject_must_name_this_repository(name: str, source: str, problem: str | None) -> None:
    pyproject = {"project": {"name": name, "urls": {"Source": source} if source else {}}}
    found = check_pypi_name.check_pyproject(pyproject, REPOSITORY)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_the_checked_in_pyproject_passes_for_its_own_repository() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    source = pyproject["project"]["urls"]["Source"]
    repository = check_pypi_name.repository_url(source)
    assert repository is not None
    assert check_pypi_name.check_pyproject(pyproject, repository) is None


def test_the_release_checks_the_name_before_building() -> None:
    workflow = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text("utf-8"))
    steps = workflow["jobs"]["build"]["steps"]
    runs = [step.get("run", "") for step in steps]
    check = next(i for i, run in enumerate(runs) if "check_pypi_name.py" in run)
    build = next(i for i, run in enumerate(runs) if "python -m build" in run)
    assert check < build
    assert '--repository "$REPOSITORY"' in runs[check]
    pypi = workflow["jobs"]["pypi"]
    assert pypi["environment"]["url"] == f"https://pypi.org/p/{NAME}"


def test_the_name_check_runs_offline_to_a_clear_error(tmp_path: Path) -> None:
    """pyproject.toml pointing elsewhere is refused (exit 2) before PyPI is asked."""
    bad = tmp_path / "pyproject.toml"
    bad.write_text(
        '[project]\nname = "devops-agent-action"\n[project.urls]\nSource = "https://x.org/y"\n',
        encoding="utf-8",
    )
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "check_pypi_name.py"),
            "--repository",
            "a/b",
            "--pyproject",
            str(bad),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2
    assert proc.stdout.startswith("::error::[project.urls] Source")


# --- the released action.yml -----------------------------------------------------------

DIGEST = "sha256:" + "ab" * 32
IMAGE = f"ghcr.io/your-org/devops-agent@{DIGEST}"


def test_the_release_rewrites_only_the_image_line() -> None:
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    out = release_action.released(text, IMAGE, "0.1.0")
    before, after = yaml.safe_load(text), yaml.safe_load(out)
    assert after["runs"] == {"using": "docker", "image": f"docker://{IMAGE}"}
    assert {k: v for k, v in after.items() if k != "runs"} == {
        k: v for k, v in before.items() if k != "runs"
    }
    changed = [line for line in out.splitlines() if line not in text.splitlines()]
    assert len(changed) == 2 and "devops-agent 0.1.0" in changed[0], changed


@pytest.mark.parametrize(
    "image",
    [
        "ghcr.io/your-org/devops-agent:0.1.0",  # a tag can be pushed again
        "ghcr.io/your-org/devops-agent:latest",
        f"docker://ghcr.io/your-org/devops-agent@{DIGEST}",  # the prefix is added here
        "ghcr.io/your-org/devops-agent@sha256:abc",  # not a whole digest
        f"ghcr.io/Your-Org/devops-agent@{DIGEST}",  # registries want lower case
        f"ghcr.io/x/y@{DIGEST}\n  args: [evil]",  # a second line smuggled in
        "Dockerfile",
    ],
)
def test_the_release_refuses_an_image_that_is_not_a_digest(image: str) -> None:
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    with pytest.raises(release_action.ReleaseError):
        release_action.released(text, image, "0.1.0")


def test_the_release_refuses_an_action_yml_already_released() -> None:
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    once = release_action.released(text, IMAGE, "0.1.0")
    with pytest.raises(release_action.ReleaseError):
        release_action.released(once, IMAGE, "0.1.1")


def test_the_default_branch_builds_from_source() -> None:
    """`uses: ./` (development, the self-test) builds the Dockerfile; only release
    commits name an image."""
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"] == {"using": "docker", "image": "Dockerfile"}


def test_the_release_moves_the_major_tag_only_after_the_pull_and_the_tryout() -> None:
    jobs = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text("utf-8"))["jobs"]

    def upstream(job: str) -> set[str]:
        needs = jobs[job].get("needs", [])
        direct = {needs} if isinstance(needs, str) else set(needs)
        return direct.union(*(upstream(n) for n in direct)) if direct else set()

    assert {"image", "verify-image", "action-commit", "try-released", "pypi"} <= upstream(
        "major-tag"
    )
    assert "verify-image" in upstream("action-commit")
    assert jobs["major-tag"]["if"] == "${{ !github.event.release.prerelease }}"
    # the pull check runs without logging in, as a user's workflow pulls
    verify = jobs["verify-image"]
    assert not any("login-action" in s.get("uses", "") for s in verify["steps"])
    pulls = " ".join(s.get("run", "") for s in verify["steps"])
    assert "docker pull --platform" in pulls and "linux/arm64" in pulls
    assert "scripts/selftest.py --image" in pulls
    tryout = jobs["try-released"]["steps"]
    assert any(s.get("uses") == "./released" for s in tryout)
    # PyPI gets the release only after the image worked
    assert "try-released" in upstream("pypi")


def test_the_image_goes_to_both_registries_multi_arch_with_labels_and_attestations() -> None:
    image = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text("utf-8"))["jobs"][
        "image"
    ]
    assert image["permissions"] == {"contents": "read", "packages": "write"}
    assert image["env"] == {
        "DOCKERHUB_USERNAME": "${{ secrets.DOCKERHUB_USERNAME }}",
        "DOCKERHUB_TOKEN": "${{ secrets.DOCKERHUB_TOKEN }}",
    }
    steps = {s.get("id") or s.get("uses", "").split("@")[0]: s for s in image["steps"]}
    push = steps["push"]["with"]
    assert push["platforms"] == "linux/amd64,linux/arm64"
    assert push["push"] is True
    assert push["provenance"] == "mode=max" and push["sbom"] is True
    assert push["labels"] == "${{ steps.meta.outputs.labels }}"
    meta = steps["meta"]["with"]
    assert "ghcr.io" in image["steps"][1]["run"] and "docker.io" in image["steps"][1]["run"]
    assert "enable=${{ steps.names.outputs.dockerhub != '' }}" in meta["images"]
    assert "org.opencontainers.image.licenses=MIT" in meta["labels"]
    logins = [s for s in image["steps"] if s.get("uses", "").startswith("docker/login-action@")]
    assert [s.get("with", {}).get("registry", "docker.io") for s in logins] == [
        "ghcr.io",
        "docker.io",
    ]
    assert logins[1]["if"] == "steps.names.outputs.dockerhub != ''"
