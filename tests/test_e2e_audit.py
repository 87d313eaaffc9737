"""The audit end to end: schedule keeps one issue, comments answer, the CLI writes reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from devops_agent_sandbox.payloads import schedule_event

pytestmark = [pytest.mark.e2e, pytest.mark.in_process]


def audit_issues(github, state=None):
    issues = [
        i
        for i in github.issues(REPO)
        if any(label["name"] == "devops-audit" for label in i["labels"])
    ]
    return [i for i in issues if state is None or i["state"] == state]


def schedule(action, config: str | None = None, **inputs):
    env = action.env("schedule", schedule_event(REPO), aws_regions="us-east-1,eu-west-1", **inputs)
    if config is not None:
        path = Path(env["GITHUB_WORKSPACE"]) / ".github" / "devops-agent.yml"
        path.parent.mkdir(parents=True)
        path.write_text(config)
    return action.run(env, timeout=120)


def test_schedule_creates_then_updates_then_closes_one_issue(
    action, github, server_session, estate
):
    first = schedule(action)
    assert first.code == 0, first.stdout + first.stderr
    (issue,) = audit_issues(github, "open")
    assert issue["user"]["login"] == "github-actions[bot]"
    assert "legacy-ssh" in issue["body"] and "acme-staging-uploads" in issue["body"]
    assert "```mermaid" in issue["body"]
    assert int(first.outputs["findings"]) > 0
    report = json.loads((first.workspace / first.outputs["report"]).read_text())
    assert report["schema_version"] == 1 and report["findings"]
    assert "Audit:" in first.summary

    # Fix one problem: the world-open SSH rule goes away, so it is reported as resolved.
    ec2 = server_session.client("ec2", region_name="us-east-1")
    sg = estate["security_groups"]["legacy-ssh"]["id"]
    ec2.revoke_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    second = schedule(action)
    assert second.code == 0
    (issue,) = audit_issues(github)
    assert issue["state"] == "open"
    assert "Resolved since the last audit" in issue["body"]
    assert int(second.outputs["findings"]) < int(first.outputs["findings"])

    # Everything suppressed: nothing left open, so the issue is closed.
    config = "audit:\n  suppressions:\n    - check: '*'\n      resource: '*'\n      reason: accepted for the test\n"
    third = schedule(action, config=config)
    assert third.code == 0, third.stdout
    (issue,) = audit_issues(github)
    assert issue["state"] == "closed"
    assert third.outputs["findings"] == "0"


def test_fail_on_fails_the_step_but_still_reports(action, github, estate):
    run = schedule(action, fail_on="high")
    assert run.code == 1
    assert run.outputs["status"] == "failure"
    assert len(audit_issues(github, "open")) == 1


def test_bad_config_file_is_a_clear_error(action, github, estate):
    run = schedule(
        action, config="audit:\n  suppressions:\n    - check: no_such_check\n      reason: x\n"
    )
    assert run.code == 2, run.stdout
    assert "devops-agent.yml" in run.summary and "no_such_check" in run.summary
    assert audit_issues(github) == []


def test_audit_as_a_pr_comment(action, github, estate):
    run = action.comment("/devops audit s3 --region eu-west-1", aws_regions="us-east-1,eu-west-1")
    assert run.code == 0, run.stdout
    body = next(c for c in github.comments(REPO, 1) if "devops-agent:answer" in c["body"])["body"]
    assert "acme-staging-uploads" in body and "ec2_" not in body
    assert github.check_runs(REPO)[0]["conclusion"] == "success"
    assert audit_issues(github) == []  # only schedules keep the issue


def test_cli_audit_and_merge(tmp_path, aws_endpoint, estate):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    env["AWS_ENDPOINT_URL"] = aws_endpoint
    cli = [sys.executable, "-m", "devops_agent", "audit"]
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    first = subprocess.run(
        [*cli, "--regions", "us-east-1", "--json", str(one)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert first.returncode == 0, first.stderr
    assert "Audit:" in first.stdout
    second = subprocess.run(
        [*cli, "--regions", "eu-west-1", "--services", "ec2,s3", "--json", str(two)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert second.returncode == 0, second.stderr
    merged = subprocess.run(
        [*cli, "merge", str(one), str(two), "--json", str(tmp_path / "all.json")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert merged.returncode == 0, merged.stderr
    report = json.loads((tmp_path / "all.json").read_text())
    assert set(report["regions"]) == {"us-east-1", "eu-west-1"}
    fingerprints = [f["fingerprint"] for f in report["findings"]]
    assert len(fingerprints) == len(set(fingerprints))
    bad = subprocess.run(
        [*cli, "merge", str(tmp_path / "missing.json")], env=env, capture_output=True, text=True
    )
    assert bad.returncode == 2 and "missing.json" in bad.stderr and "Traceback" not in bad.stderr
