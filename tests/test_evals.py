"""The agent evals: every scenario's files are valid, and every scenario passes scripted.

Without a model key the evals run each scenario's ``script.yaml`` against its recorded
``tool_outputs.json`` (no cloud account, no model), so CI checks the scenario files
themselves; ``devops-agent eval`` with ``OPENAI_API_KEY`` runs the same scenarios with
a real model (see docs/testing.md).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from devops_agent_sandbox.evals import runner as evals

pytestmark = pytest.mark.eval

INJECTIONS = {
    json.loads(line)["id"]: json.loads(line)
    for line in (Path(__file__).parent / "data" / "injections.jsonl").read_text().splitlines()
}
NAMES = evals.scenario_names()


def test_there_are_enough_scenarios_over_every_area():
    assert len(NAMES) >= 25
    areas = Counter(evals.load_scenario(n)[0].area for n in NAMES)
    for area in ("ec2", "s3", "iam", "vpc", "github", "workflows", "audit", "deploy", "injection"):
        assert areas[area] >= 1, area
    assert areas["injection"] >= 5
    assert areas["resume"] >= 4  # applied, failed, rejected, expired


@pytest.mark.parametrize("name", NAMES)
def test_scenario_files_are_valid(name):
    scenario, script, outputs = evals.load_scenario(name)
    known = evals.known_names()
    expect = scenario.expect
    for tool in [*expect.tools_called, *expect.tools_not_called]:
        assert tool in known, f"unknown tool {tool}"
    scripted = [c for step in [*script.steps, *script.after_steps] for c in step.calls]
    for c in scripted:
        assert c.tool in known, f"the script calls an unknown tool {c.tool}"
    for c in outputs.calls:
        assert c.tool in known
        json.loads(c.output)  # what the tools return is JSON
    # Every read the script makes has its recorded output, for exactly those arguments.
    recorded = {evals._key(c.tool, c.arguments) for c in outputs.calls}
    from devops_agent.agent.tools import proposals

    for c in scripted:
        if c.tool.startswith("transfer_to_") or c.tool in proposals():
            continue
        assert evals._key(c.tool, c.args) in recorded, f"{c.tool}({c.args}) was not recorded"
    if expect.outcome == "blocked":
        assert script.steps == [], "a blocked request never reaches the model"
    else:
        assert script.steps, "the script needs at least one step"
    if scenario.injection:
        attempt = INJECTIONS[scenario.injection]
        assert scenario.area == "injection"
        if attempt["channel"] == "comment":
            assert scenario.request == attempt["text"]
        else:
            planted = json.dumps(scenario.setup, ensure_ascii=False)
            assert attempt["text"].split(": ", 1)[-1][:40] in planted


@pytest.mark.parametrize("name", NAMES)
def test_scenario_passes_with_its_script(name):
    result = evals.run_scenario(name)
    assert result.passed, f"{name}: {result.failures}"
    script = evals.load_scenario(name)[1]
    assert result.turns == len(script.steps) + len(script.after_steps)
    assert not [n for n in result.notes if "no recorded output" in n]


def _copy(tmp_path: Path, name: str) -> Path:
    root = tmp_path / "scenarios"
    shutil.copytree(evals.SCENARIOS / name, root / name)
    return root


def _edit(root: Path, name: str, file: str, change) -> None:
    path = root / name / file
    doc = yaml.safe_load(path.read_text())
    change(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def test_a_missing_fact_fails_the_scenario(tmp_path):
    root = _copy(tmp_path, "ec2-running-instances")
    _edit(
        root,
        "ec2-running-instances",
        "scenario.yaml",
        lambda d: d["expect"]["answer_contains"].append("worker-9"),
    )
    result = evals.run_scenario("ec2-running-instances", root=root)
    assert not result.passed
    assert result.failures == ["the answer lacks 'worker-9'"]


def test_a_forbidden_tool_and_a_wrong_outcome_fail_the_scenario(tmp_path):
    root = _copy(tmp_path, "ec2-stop-web-1")

    def change(doc):
        doc["expect"]["tools_not_called"] = ["change_instance_state"]
        doc["expect"]["tools_called"] = ["list_instances"]
        doc["expect"]["outcome"] = "answer"
        doc["expect"].pop("plan")

    _edit(root, "ec2-stop-web-1", "scenario.yaml", change)
    result = evals.run_scenario("ec2-stop-web-1", root=root)
    assert not result.passed
    assert "`change_instance_state` was called" in result.failures
    assert "outcome 'plan', expected 'answer'" in result.failures
    assert any("unexpected planned change" in f for f in result.failures)


def test_a_wrong_plan_and_an_unused_script_fail_the_scenario(tmp_path):
    root = _copy(tmp_path, "deploy-staging")
    _edit(
        root,
        "deploy-staging",
        "scenario.yaml",
        lambda d: d["expect"]["plan"][0]["args"].update(workflow="release.yml"),
    )
    _edit(root, "deploy-staging", "script.yaml", lambda d: d["steps"].append({"answer": "x"}))
    result = evals.run_scenario("deploy-staging", root=root)
    assert not result.passed
    assert any("no planned github.workflow_dispatch" in f for f in result.failures)
    assert any("script was not used up" in f for f in result.failures)


def test_the_resumed_run_is_checked_on_its_own(tmp_path):
    """After the decision, the resumed run's answer and tools are what ``after`` checks: a
    model that says it stopped web-1 after a rejection, or proposes it again, fails."""
    root = _copy(tmp_path, "resume-stop-rejected")
    _edit(
        root,
        "resume-stop-rejected",
        "script.yaml",
        lambda d: d.update(
            after_steps=[
                {
                    "calls": [
                        {
                            "tool": "change_instance_state",
                            "args": {
                                "action": "stop",
                                "instance_ids": ["i-a93d51a0cd3df8279"],
                                "region": "us-east-1",
                            },
                        }
                    ]
                }
            ]
        ),
    )
    result = evals.run_scenario("resume-stop-rejected", root=root)
    assert not result.passed
    assert "after the rejected plan: `change_instance_state` was called" in result.failures
    assert "after the rejected plan: outcome 'plan', expected 'answer'" in result.failures
    assert result.outcome == "plan → plan"
    _edit(root, "resume-stop-rejected", "scenario.yaml", lambda d: d.pop("after"))
    with pytest.raises(ValueError, match="decision and after go together"):
        evals.load_scenario("resume-stop-rejected", root)


def test_an_invalid_scenario_file_is_rejected(tmp_path):
    root = _copy(tmp_path, "s3-list-buckets")
    _edit(root, "s3-list-buckets", "scenario.yaml", lambda d: d["expect"].update(outcom="plan"))
    with pytest.raises(ValueError, match="outcom"):
        evals.load_scenario("s3-list-buckets", root)


def test_the_cli_prints_and_writes_the_markdown_table(tmp_path, capsys):
    from devops_agent.cli import main

    out = tmp_path / "evals.md"
    code = main(
        ["eval", "--scenario", "s3-list-buckets", "--scenario", "vpc-list", "--markdown", str(out)]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "**pass rate:** 2/2 (100 %)" in printed
    assert "| s3-list-buckets | s3 | ✅ pass | answer | 3 |" in printed
    assert out.read_text().startswith("# Agent evals")


def test_the_cli_exits_1_when_a_scenario_fails(tmp_path, monkeypatch, capsys):
    root = _copy(tmp_path, "iam-list-users")
    _edit(
        root,
        "iam-list-users",
        "scenario.yaml",
        lambda d: (
            d["expect"]["answer_excludes"].append("alice")
            if "answer_excludes" in d["expect"]
            else d["expect"].update(answer_excludes=["alice"])
        ),
    )
    assert evals.run_eval(root=root, out=sys.stdout) == 1
    assert "❌ fail" in capsys.readouterr().out


def test_the_module_loads_no_sdk_at_import():
    code = "import sys, devops_agent_sandbox.evals; print('agents' in sys.modules, 'boto3' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_an_unknown_scenario_is_bad_input(capsys):
    from devops_agent.cli import main

    assert main(["eval", "--scripted", "--scenario", "no-such-scenario"]) == 2
    err = capsys.readouterr().err
    assert "No eval scenario named no-such-scenario" in err and "s3-list-buckets" in err


def test_the_scenarios_are_read_from_the_installed_package():
    from importlib import resources

    packaged = resources.files("devops_agent_sandbox.evals") / "scenarios"
    assert packaged == evals.SCENARIOS
    assert "ec2-stop-web-1" in NAMES
