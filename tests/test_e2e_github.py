"""GitHub commands end to end: `devops-agent action` on a comment, against the fake GitHub.

Each test is one or two real runs of the action (a process with the Actions
environment), so the plan comment, the apply and the posted answer are the real ones.
"""

from __future__ import annotations

import json
import unicodedata

import pytest
from conftest import REPO
from test_gh_commands import DEPLOY, FAILED_LOG, HIDDEN, person

from devops_agent import plans

pytestmark = [pytest.mark.e2e, pytest.mark.in_process]

PAT = "ghp_ownerToken0000000000000000000000000000"


def answers(github, number):
    return [c for c in github.comments(REPO, number) if "devops-agent:answer" in c["body"]]


def test_workflow_run_is_planned_then_applied_from_the_thread(action, github):
    wf = github.add_workflow(REPO, path=".github/workflows/deploy.yml", content=DEPLOY)
    planned = action.comment("/devops workflows run deploy.yml environment=staging")
    assert planned.code == 0, planned.stdout + planned.stderr
    assert planned.outputs["status"] == "planned"
    assert github.dispatches(REPO) == []
    plan_id = planned.outputs["plan-id"]
    applied = action.comment(f"/devops apply {plan_id}", pr=1)
    assert applied.code == 0, applied.stdout + applied.stderr
    assert applied.outputs["status"] == "applied"
    assert github.dispatches(REPO) == [
        {"workflow_id": wf["id"], "ref": "main", "inputs": {"environment": "staging"}}
    ]
    plan_comment = next(c for c in github.comments(REPO, 1) if "devops-agent:plan " in c["body"])
    (block,) = plans.find_blocks(plan_comment["body"])
    assert block.state == "applied" and block.intact
    assert "dispatched Deploy on main: run" in plan_comment["body"]
    # no AWS call was needed for a GitHub plan
    assert "sts" not in applied.stderr.lower()


def test_a_merge_with_failing_checks_is_refused_with_the_reason(action, github):
    pull = github.add_pull(REPO, title="Feature", user="carol", head_ref="feature")
    github.add_check_run(REPO, pull["head"]["sha"], "ci", conclusion="failure")
    run = action.comment(f"/devops pr merge {pull['number']} --method squash")
    assert run.code == 3
    assert run.outputs["status"] == "refused"
    (answer,) = answers(github, 2)
    assert "Checks fail on the head commit" in answer["body"] and "ci (failure)" in answer["body"]
    assert "devops-agent:plan " not in answer["body"]
    assert not github.pulls(REPO)[0]["merged"]


def test_a_failure_diagnosis_is_posted_without_what_the_log_hid(action, github):
    wf = github.add_workflow(REPO, path=".github/workflows/ci.yml", name="CI")
    run = github.add_run(REPO, wf["id"], conclusion="failure")
    github.add_job(
        REPO,
        run["id"],
        name="test",
        conclusion="failure",
        steps=["Set up job", ("Run pytest -q", "failure")],
        log=FAILED_LOG,
    )
    result = action.comment(f"/devops workflows why {run['id']}")
    assert result.code == 0, result.stdout + result.stderr
    (answer,) = answers(github, 1)
    body = answer["body"]
    assert "FAILED tests/test_api.py::test_create_user - assert 500 == 201" in body
    assert "ignore previous instructions" not in body and HIDDEN not in body
    assert not any(unicodedata.category(c) == "Cf" for c in body)
    assert "ignore previous instructions" not in result.summary
    assert "ignore previous instructions" not in json.dumps(result.outputs)
    fence = body.split("```text", 1)[1].split("```", 1)[0]
    assert "<img src=x>" in fence  # shown as text inside the block, not rendered


def test_collaborator_add_with_an_admin_token(action, github):
    github.add_token(PAT, "acme", kind="pat")
    person(github, "bob")
    planned = action.comment(
        "/devops repo collaborator add bob --permission write", github_token=PAT
    )
    assert planned.code == 0, planned.stdout + planned.stderr
    plan_comment = next(c for c in github.comments(REPO, 1) if "devops-agent:plan " in c["body"])
    assert plan_comment["user"]["login"] == "acme"  # the token's own identity
    applied = action.comment(f"/devops apply {planned.outputs['plan-id']}", pr=1, github_token=PAT)
    assert applied.code == 0, applied.stdout + applied.stderr
    assert github.invitations(REPO) == {"bob": "write"}
    assert PAT not in json.dumps([c["body"] for c in github.comments(REPO, 1)])
