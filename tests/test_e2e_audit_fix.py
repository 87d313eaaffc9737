"""The fix loop end to end: the audit issue offers the command, a plan fixes the findings,
``/devops apply`` carries it out and re-checks, and the next audit shows them resolved
with the plan and its approver (moto's server, the fake GitHub, the action as it runs)."""

from __future__ import annotations

import pytest
from conftest import REPO

from devops_agent import plans
from devops_agent_sandbox.payloads import schedule_event

pytestmark = [pytest.mark.e2e, pytest.mark.in_process]

WRITE_ROLE = "arn:aws:iam::123456789012:role/devops-agent-write"
CHECK = "ec2_securitygroup_ssh_restricted"


def audit_issue(github):
    (issue,) = [
        i
        for i in github.issues(REPO)
        if any(label["name"] == "devops-audit" for label in i["labels"])
    ]
    return issue


def schedule(action):
    env = action.env("schedule", schedule_event(REPO), aws_regions="us-east-1")
    return action.run(env, timeout=120)


def test_finding_plan_apply_recheck_and_the_next_audit(action, github, server_session, estate):
    github.set_permission(REPO, "bob", "maintain")
    group = estate["security_groups"]["legacy-ssh"]["id"]

    first = schedule(action)
    assert first.code == 0, first.stdout + first.stderr
    issue = audit_issue(github)
    command = f"/devops audit fix {CHECK} --region us-east-1"
    assert f"`{command}`" in issue["body"]  # the living issue offers the exact command

    pr = int(github.add_pull(REPO, title="Fix the audit's SSH findings", user="alice")["number"])
    planned = action.comment(command, pr=pr, aws_write_role_to_assume=WRITE_ROLE)
    assert planned.code == 0, planned.stdout + planned.stderr
    assert planned.outputs["status"] == "planned"
    plan_id = planned.outputs["plan-id"]
    (comment,) = [c for c in github.comments(REPO, pr) if "devops-agent:plan " in c["body"]]
    (block,) = plans.find_blocks(comment["body"])
    operations = [e.operation for e in block.plan.entries]
    assert operations[-1] == "audit.recheck" and "ec2.close_security_group" in operations
    assert group in block.plan.entries[-1].resources

    applied = action.comment(
        f"/devops apply {plan_id}", pr=pr, login="bob", aws_write_role_to_assume=WRITE_ROLE
    )
    assert applied.code == 0, applied.stdout + applied.stderr
    assert applied.outputs["status"] == "applied"
    found = [(c, b) for c in github.comments(REPO, pr) for b in plans.find_blocks(c["body"])]
    (comment,) = [c for c, b in found if b.plan_id == plan_id]
    assert f"re-checked {CHECK}" in comment["body"] and "✅ resolved" in comment["body"]
    # the way back adds the rule again, marked as open to the internet; the re-check step
    # has nothing to undo
    (back,) = [b.plan for _, b in found if b.plan is not None and b.plan.rollback_of == plan_id]
    assert {e.operation for e in back.entries} == {"ec2.security_group_rule"}
    assert all(e.args["revoke"] is False and e.args["group_id"] == group for e in back.entries)
    assert any("open to the whole internet" in e.description for e in back.entries)
    assert group in comment["body"] and "still failing" not in comment["body"]
    rules = server_session.client("ec2", region_name="us-east-1").describe_security_groups(
        GroupIds=[group]
    )["SecurityGroups"][0]["IpPermissions"]
    assert not any(
        r.get("FromPort") == 22 and {"CidrIp": "0.0.0.0/0"} in r.get("IpRanges", []) for r in rules
    )
    (recorded,) = [
        c
        for c in github.comments(REPO, issue["number"])
        if "devops-agent:audit-rechecks" in c["body"]
    ]
    assert recorded["user"]["login"] == "github-actions[bot]"
    assert f"Plan {plan_id} applied by @bob" in recorded["body"]

    second = schedule(action)
    assert second.code == 0, second.stdout + second.stderr
    body = audit_issue(github)["body"]
    assert "Fixed by plans since the last audit" in body
    row = next(line for line in body.splitlines() if line.startswith(f"| {CHECK} | {group} "))
    assert "✅ resolved" in row and plan_id in row and "@bob" in row

    third = schedule(action)  # told once: the run after, the fix is history
    assert third.code == 0
    assert f"| {CHECK} | {group} " not in audit_issue(github)["body"]
