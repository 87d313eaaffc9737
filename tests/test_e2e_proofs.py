"""Plans that prove themselves (issue 15), end to end against moto's server and the fake GitHub.

Each test asserts the resulting state (AWS, the thread, the ledger, the report), never
that a function was called: the session policy the STS call carried, the calls the
executor really sent, read-back results, a resumed apply that repeats nothing, a lock
that keeps a second apply out, and a rollback plan that undoes the change.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import PLAN_KEY, REPO
from e2e_proofs_support import ACCOUNT, BOT, WRITE_ROLE, blocks, report

from devops_agent import catalog, locks, plans, session_policy
from devops_agent.signing import SigningKey

pytestmark = [pytest.mark.e2e, pytest.mark.in_process]

KEY = SigningKey(PLAN_KEY)


def state_of(session: Any, instance_id: str, region: str = "us-east-1") -> str:
    ec2 = session.client("ec2", region_name=region)
    found = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    return str(found[0]["Instances"][0]["State"]["Name"])


def signed_plan(github: Any, entries: list[plans.PlanEntry], pull: dict[str, Any]) -> plans.Plan:
    """A plan as devops-agent makes it (policy hash included), posted as the action."""
    policy = session_policy.build(entries, account=ACCOUNT, partition="aws")
    plan = plans.new_plan(
        entries,
        repository=REPO,
        requester="alice",
        thread=pull["number"],
        account=ACCOUNT,
        region="us-east-1",
        head_sha=pull["head"]["sha"],
        ledger_sha="a" * 40,
        policy_sha256=session_policy.digest(session_policy.render(policy)) if policy else "",
    )
    github.add_comment(
        REPO, pull["number"], body=plans.render_block(plan, KEY), user=BOT, user_type="Bot"
    )
    return plan


def entry(name: str, **args: Any) -> plans.PlanEntry:
    op = catalog.lookup(name)
    return op.entry(op.args.model_validate({"region": "us-east-1", **args}), name, [])


def test_an_apply_is_limited_verified_audited_and_leaves_a_way_back(
    action, github, server_session, estate
):
    from moto.sts.models import sts_backends

    web1 = estate["instances"]["web-1"]["id"]
    planned = action.comment(f"/devops ec2 stop {web1}", aws_write_role_to_assume=WRITE_ROLE)
    plan_id = planned.outputs["plan-id"]
    body = blocks(github, 1)[0][0]["body"]
    # the preview shows the exact call, the folded session policy, and the role check
    assert f'ec2:StopInstances {{"InstanceIds":["{web1}"]}} (us-east-1)' in body
    assert "Session policy for the apply" in body and '"ec2:StopInstances"' in body
    assert "Write role: **not checked**: IAM's policy simulator did not answer" in body
    assert "IRREVERSIBLE" not in body

    applied = action.comment(f"/devops apply {plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE)
    assert applied.code == 0, applied.summary
    audit = report(applied)["data"]["audit"]
    # the STS call carried exactly the policy the plan signed
    assumed = [
        r
        for r in sts_backends[ACCOUNT]["global"].assumed_roles
        if r.session_name == audit["role_session_name"]
    ]
    assert assumed and assumed[-1].policy == audit["session_policy"]
    assert session_policy.digest(assumed[-1].policy) == audit["policy_sha256"]
    assert json.loads(assumed[-1].policy)["Statement"][0]["Action"] == ["ec2:StopInstances"]
    # the executor sent exactly the declared call, and AWS's request id is on record
    (first,) = audit["entries"]
    sent = [c for c in first["requests"] if not c["dry_run"]]
    assert [(c["operation"], c["params"]) for c in sent] == [
        ("StopInstances", {"InstanceIds": [web1]})
    ]
    assert first["request_ids"] and first["status"] in ("verified", "in-progress")
    assert audit["source_identity"] == "alice" and audit["session_tags"]["plan-id"] == plan_id
    # one audit line in the job summary
    line = next(ln for ln in applied.summary.splitlines() if "devops-agent audit" in ln)
    assert f"plan {plan_id}" in line and "approver @alice" in line
    assert audit["policy_sha256"] in line and first["request_ids"][0] in line
    # read back: ✅ or ⏳ with what to watch
    assert "✅ verified" in applied.summary or "⏳ in progress" in applied.summary

    # the answer carries a signed, pending rollback plan built from the state before
    rollback = [b for _, b in blocks(github, 1) if b.plan and b.plan.rollback_of == plan_id]
    assert len(rollback) == 1 and rollback[0].state == "pending"
    back = rollback[0].plan
    assert back.entries[0].args["action"] == "start" and back.entries[0].args["instance_ids"] == [
        web1
    ]
    # a bare apply never picks a rollback
    bare = action.comment("/devops apply", pr=1, aws_write_role_to_assume=WRITE_ROLE)
    assert bare.code == 3 and "rollback" in bare.summary
    undone = action.comment(
        f"/devops apply {back.plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE
    )
    assert undone.code == 0, undone.summary
    assert state_of(server_session, web1) in ("pending", "running")


def test_an_irreversible_entry_says_so_before_approval_and_leaves_no_rollback(
    action, github, server_session, estate
):
    web1 = estate["instances"]["web-1"]["id"]
    planned = action.comment(f"/devops ec2 terminate {web1}", aws_write_role_to_assume=WRITE_ROLE)
    body = blocks(github, 1)[0][0]["body"]
    assert "IRREVERSIBLE" in planned.summary and "⚠️ IRREVERSIBLE — entry 1 cannot be undone" in body
    assert body.index("IRREVERSIBLE") < body.index("Nothing has changed yet")
    applied = action.comment(
        f"/devops apply {planned.outputs['plan-id']}", pr=1, aws_write_role_to_assume=WRITE_ROLE
    )
    assert applied.code == 0, applied.summary
    assert "No rollback plan" in applied.summary
    assert not [b for _, b in blocks(github, 1) if b.plan and b.plan.rollback_of]


def test_a_partial_apply_stops_says_what_ran_and_resumes_only_what_is_left(
    action, github, server_session, estate
):
    """Entry 2 fails: entry 1 stays done, 3 never runs; applied again, only 2 and 3 run."""
    web1 = estate["instances"]["web-1"]["id"]
    worker = estate["instances"]["worker-1"]["id"]
    ec2 = server_session.client("ec2", region_name="us-east-1")
    group = ec2.create_security_group(GroupName="partial", Description="x")["GroupId"]
    pull = github.add_pull(REPO, title="x", user="alice")
    plan = signed_plan(
        github,
        [
            entry("ec2.instance_state", action="stop", instance_ids=[web1]),
            entry(
                "ec2.security_group_rule",
                group_id=group,
                revoke=True,
                port="8443",
                cidr="10.9.0.0/16",
            ),
            entry("ec2.instance_state", action="start", instance_ids=[worker]),
        ],
        pull,
    )
    worker_before = state_of(server_session, worker)
    first = action.comment(
        f"/devops apply {plan.plan_id}", pr=pull["number"], aws_write_role_to_assume=WRITE_ROLE
    )
    assert first.code == 1, first.summary
    assert state_of(server_session, web1) in ("stopping", "stopped")
    assert state_of(server_session, worker) == worker_before  # entry 3 never ran
    assert "entries 1 ran, entries 2, 3 did not finish" in first.summary
    found = next(b for _, b in blocks(github, pull["number"]) if b.plan_id == plan.plan_id)
    assert found.state == "failed"
    statuses = [r.json["description"] for r in github.requests_to("POST", r"/statuses/")]
    assert sum(d.startswith("done:1 ") for d in statuses) == 1
    assert not any(d.startswith("done:2 ") for d in statuses)

    # someone starts web-1 again; the missing rule appears; the plan is applied again
    ec2.start_instances(InstanceIds=[web1])
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 8443,
                "ToPort": 8443,
                "IpRanges": [{"CidrIp": "10.9.0.0/16"}],
            }
        ],
    )
    again = action.comment(
        f"/devops apply {plan.plan_id}", pr=pull["number"], aws_write_role_to_assume=WRITE_ROLE
    )
    assert again.code == 0, again.summary
    assert "carried out by an earlier apply" in again.summary
    assert state_of(server_session, web1) in ("pending", "running")  # entry 1 not repeated
    assert state_of(server_session, worker) in ("pending", "running")
    rules = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    assert not [r for r in rules if r.get("FromPort") == 8443]
    # applied now: a third apply is refused by the ledger
    third = action.comment(
        f"/devops apply {plan.plan_id}", pr=pull["number"], aws_write_role_to_assume=WRITE_ROLE
    )
    assert third.code == 3


def test_a_verification_that_fails_stops_the_plan(
    action, github, server_session, estate, monkeypatch
):
    """AWS accepts the stop but the instance stays running (the stand-in is made to drop
    it): the read-back says ❌ not as planned, and the next entry never runs."""
    from moto.ec2.models.instances import Instance

    web1 = estate["instances"]["web-1"]["id"]
    worker = estate["instances"]["worker-1"]["id"]
    pull = github.add_pull(REPO, title="x", user="alice")
    plan = signed_plan(
        github,
        [
            entry("ec2.instance_state", action="stop", instance_ids=[web1]),
            entry("ec2.instance_state", action="start", instance_ids=[worker]),
        ],
        pull,
    )
    worker_before = state_of(server_session, worker)
    monkeypatch.setattr(Instance, "stop", lambda self: __import__("copy").copy(self._state))
    run = action.comment(
        f"/devops apply {plan.plan_id}", pr=pull["number"], aws_write_role_to_assume=WRITE_ROLE
    )
    assert run.code == 1, run.summary
    assert f"❌ not as planned: {web1} is running" in run.summary
    assert state_of(server_session, worker) == worker_before
    found = next(b for _, b in blocks(github, pull["number"]) if b.plan_id == plan.plan_id)
    assert found.state == "failed"


def test_a_held_lock_refuses_a_second_apply_at_once(action, github, server_session, estate):
    """Another plan (another PR) is applying to web-1: this apply is refused at once, naming
    it, and nothing is claimed or changed; once released, the apply goes ahead."""
    web1 = estate["instances"]["web-1"]["id"]
    planned = action.comment(f"/devops ec2 stop {web1}", aws_write_role_to_assume=WRITE_ROLE)
    plan_id = planned.outputs["plan-id"]
    other = plans.new_plan([], repository=REPO, requester="carol")
    arn = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{web1}"
    gh = __import__("devops_agent.gh", fromlist=["connect"]).connect(
        "ghs_testWorkflowToken00000000000000000000", github.url
    )
    held = locks.acquire(gh, REPO, other, KEY, [arn], run="900.1", approver="carol")
    before = len(github.requests_to("POST", r"/statuses/"))
    refused = action.comment(f"/devops apply {plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE)
    assert refused.code == 3, refused.summary
    assert f"plan {other.plan_id} (approver @carol, run 900.1" in refused.summary
    assert state_of(server_session, web1) == "running"
    posted = [r.json["description"] for r in github.requests_to("POST", r"/statuses/")[before:]]
    assert not any(d.startswith("claim ") for d in posted)
    # a lock without the installation's signature is ignored; a released one is free
    locks.release(gh, REPO, held, KEY)
    done = action.comment(f"/devops apply {plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE)
    assert done.code == 0, done.summary
    assert state_of(server_session, web1) in ("stopping", "stopped")
