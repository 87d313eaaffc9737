"""The investigator's eval scenarios (issue 18): gaps and the repository's own instructions
and commands, each scripted in CI by ``tests/test_evals.py``. Here: that the list covers
both, that the recorded outputs really carry the gaps, and that the new expectation
(``prompt_contains``) can fail.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from devops_agent_sandbox.evals import runner as evals

pytestmark = pytest.mark.eval


def test_the_scenarios_cover_gaps_and_the_repositorys_instructions_and_commands():
    areas = Counter(evals.load_scenario(n)[0].area for n in evals.scenario_names())
    assert areas["gaps"] >= 2 and areas["repository"] >= 3
    configured = [n for n in evals.scenario_names() if evals.load_scenario(n)[0].config]
    commands = [n for n in configured if "commands:" in (evals.load_scenario(n)[0].config or "")]
    assert len(configured) >= 3 and len(commands) >= 2


@pytest.mark.parametrize("name", ["gaps-ec2-region-denied", "gaps-audit-iam-denied"])
def test_the_recorded_reads_carry_what_could_not_be_read(name):
    _, _, outputs = evals.load_scenario(name)
    found = [json.loads(c.output).get("not_read") for c in outputs.calls]
    assert any(found), f"{name}: no recorded output carries not_read"
    gaps = [g for f in found if f for g in f["gaps"]]
    assert all(g["permission"] and g["code"] for g in gaps)


def test_instructions_that_never_reach_the_model_fail_the_scenario(tmp_path: Path):
    name = "repository-never-touch-prod"
    root = tmp_path / "scenarios"
    shutil.copytree(evals.SCENARIOS / name, root / name)
    path = root / name / "scenario.yaml"
    doc = yaml.safe_load(path.read_text())
    doc.pop("config")
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    result = evals.run_scenario(name, root=root)
    assert not result.passed
    assert result.failures == [
        "the model's instructions lack 'Never stop, reboot or terminate production instances'"
    ]
