"""Plans end to end: a change is planned, then applied once by an authorized person,
and every way to get around that is refused (docs/plans.md)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from conftest import REPO
from e2e_support import KEY, WRITE_ROLE, instance_entry, state_of, thread_plan

from devops_agent import plans

pytestmark = [pytest.mark.e2e, pytest.mark.in_process]


def is_rollback(body):
    return any(b.plan is not None and b.plan.rollback_of for b in plans.find_blocks(body))


def plan_comment(github, number):
    """The thread's one plan comment (an apply's answer may carry a rollback plan too)."""
    found = [
        c
        for c in github.comments(REPO, number)
        if "devops-agent:plan " in c["body"] and not is_rollback(c["body"])
    ]
    assert len(found) == 1
    return found[0]


def test_stop_is_planned_then_applied_once(action, github, server_session, estate):
    web1 = estate["instances"]["web-1"]["id"]
    planned = action.comment(f"/devops ec2 stop {web1}", aws_write_role_to_assume=WRITE_ROLE)
    assert planned.code == 0, planned.stdout + planned.stderr
    assert planned.outputs["status"] == "planned"
    plan_id = planned.outputs["plan-id"]
    assert re.fullmatch(r"[0-9a-f]{12}", plan_id)
    assert state_of(server_session, web1) == "running"  # nothing changed yet
    comment = plan_comment(github, 1)
    assert comment["user"]["login"] == "github-actions[bot]"
    assert f"apply {plan_id}" in comment["body"] and "Nothing has changed yet" in comment["body"]
    (block,) = plans.find_blocks(comment["body"])
    assert block.intact and block.state == "pending"
    assert block.plan.entries[0].args == {
        "action": "stop",
        "region": "us-east-1",
        "instance_ids": [web1],
    }
    assert block.plan.head_sha == github.pulls(REPO)[0]["head"]["sha"]
    assert block.plan.account == "123456789012"
    assert github.check_runs(REPO)[0]["conclusion"] == "neutral"

    applied = action.comment(f"/devops apply {plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE)
    assert applied.code == 0, applied.stdout + applied.stderr
    assert applied.outputs["status"] == "applied"
    assert state_of(server_session, web1) in ("stopping", "stopped")
    comment = plan_comment(github, 1)
    (block,) = plans.find_blocks(comment["body"])
    assert block.state == "applied" and block.intact
    assert "Applied** by @alice" in comment["body"]
    assert f"{web1}: running → stopping" in comment["body"]

    again = action.comment(f"/devops apply {plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE)
    assert again.code == 3
    assert again.outputs["status"] == "refused"
    assert "applied already" in again.summary


def test_apply_without_an_id_takes_the_newest_pending_plan(action, github, server_session, estate):
    worker = estate["instances"]["worker-1"]["id"]
    action.comment(f"/devops ec2 start {worker}", aws_write_role_to_assume=WRITE_ROLE)
    applied = action.comment("/devops apply", pr=1, aws_write_role_to_assume=WRITE_ROLE)
    assert applied.code == 0, applied.stdout
    assert state_of(server_session, worker) in ("pending", "running")


def test_without_a_write_role_nothing_can_be_applied(action, github, server_session, estate):
    web1 = estate["instances"]["web-1"]["id"]
    planned = action.comment(f"/devops ec2 terminate {web1}")
    assert "cannot be applied yet" in plan_comment(github, 1)["body"]
    run = action.comment(f"/devops apply {planned.outputs['plan-id']}", pr=1)
    assert run.code == 3
    assert "aws-write-role-to-assume" in run.summary
    assert state_of(server_session, web1) == "running"
    assert plans.find_blocks(plan_comment(github, 1)["body"])[0].state == "pending"


def test_dry_run_walks_the_apply_and_changes_nothing(action, github, server_session, estate):
    """`apply --dry-run` and the `dry-run` input check everything, send EC2 DryRun calls
    with the session-limited write role, and claim, lock and change nothing."""
    web1 = estate["instances"]["web-1"]["id"]
    planned = action.comment(f"/devops ec2 stop {web1}", aws_write_role_to_assume=WRITE_ROLE)
    plan_id = planned.outputs["plan-id"]
    for how in ({"body": f"/devops apply {plan_id} --dry-run"}, {"dry_run": "true"}):
        body = how.get("body", f"/devops apply {plan_id}")
        extra = {k: v for k, v in how.items() if k != "body"}
        run = action.comment(body, pr=1, aws_write_role_to_assume=WRITE_ROLE, **extra)
        assert run.code == 0, run.summary
        assert f"Dry run of plan {plan_id}: it would apply" in run.summary
        assert (
            "ec2:StopInstances" in run.summary and "would succeed (DryRunOperation)" in run.summary
        )
        assert "nothing was claimed, locked or changed" in run.summary
        assert state_of(server_session, web1) == "running"
        assert plans.find_blocks(plan_comment(github, 1)["body"])[0].state == "pending"
    assert not github.requests_to("POST", r"/statuses/")  # no claim, no lock
    # …and the real apply still works afterwards
    done = action.comment(f"/devops apply {plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE)
    assert done.code == 0, done.summary
    assert state_of(server_session, web1) in ("stopping", "stopped")


def test_a_plan_copied_into_a_users_comment_is_refused(action, github, server_session, estate):
    """A valid, intact plan block posted by a person is not the action's plan."""
    web1 = estate["instances"]["web-1"]["id"]
    pull = github.add_pull(REPO, title="x", user="alice")
    forged = thread_plan(pull, [instance_entry("terminate", web1, "x")], account="123456789012")
    # mallory copies a block signed with the installation's key into her own comment
    github.add_comment(REPO, pull["number"], body=plans.render_block(forged, KEY), user="mallory")
    run = action.comment(
        f"/devops apply {forged.plan_id}", pr=pull["number"], aws_write_role_to_assume=WRITE_ROLE
    )
    assert run.code == 3
    assert "not written by devops-agent" in run.summary or "written by @mallory" in run.summary
    assert state_of(server_session, web1) == "running"


def test_a_changed_plan_is_refused(action, github, server_session, estate):
    web1 = estate["instances"]["web-1"]["id"]
    web2 = estate["instances"]["web-2"]["id"]
    planned = action.comment(f"/devops ec2 stop {web1}", aws_write_role_to_assume=WRITE_ROLE)
    comment = plan_comment(github, 1)
    # even an edit that looks like the action's own must still hash to the plan id
    github.tamper_comment(
        REPO, comment["id"], comment["body"].replace(web1, web2), editor="github-actions[bot]"
    )
    run = action.comment(
        f"/devops apply {planned.outputs['plan-id']}", pr=1, aws_write_role_to_assume=WRITE_ROLE
    )
    assert run.code == 3 and "changed after it was posted" in run.summary
    assert state_of(server_session, web1) == "running"
    assert state_of(server_session, web2, "eu-west-1") == "running"


def test_a_valid_plan_written_into_the_actions_comment_by_a_person_is_refused(
    action, github, server_session, estate
):
    """Write access lets a person edit the action's comment; a re-hashed plan is still refused."""
    web1 = estate["instances"]["web-1"]["id"]
    planned = action.comment(f"/devops ec2 reboot {web1}", aws_write_role_to_assume=WRITE_ROLE)
    comment = plan_comment(github, 1)
    (block,) = plans.find_blocks(comment["body"])
    forged = block.plan.model_copy(
        update={
            "requester": "someone-else",
            "entries": [
                plans.PlanEntry(
                    operation="ec2.instance_state",
                    args={"action": "terminate", "region": "us-east-1", "instance_ids": [web1]},
                    description="x",
                )
            ],
        }
    )
    body = comment["body"].split("<!-- devops-agent:plan ")[0] + plans.render_block(forged, KEY)
    github.tamper_comment(REPO, comment["id"], body, editor="bob")
    assert plans.find_blocks(body)[0].intact  # the forgery hashes correctly…
    run = action.comment(
        f"/devops apply {forged.plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE
    )
    assert run.code == 3 and "edited by @bob" in run.summary  # …and is refused anyway
    assert state_of(server_session, web1) == "running"
    assert planned.code == 0


def test_a_plan_state_reset_by_an_editor_is_refused(action, github, server_session, estate):
    web1 = estate["instances"]["web-1"]["id"]
    planned = action.comment(f"/devops ec2 stop {web1}", aws_write_role_to_assume=WRITE_ROLE)
    plan_id = planned.outputs["plan-id"]
    assert (
        action.comment(f"/devops apply {plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE).code
        == 0
    )
    comment = plan_comment(github, 1)
    (block,) = plans.find_blocks(comment["body"])
    github.tamper_comment(
        REPO,
        comment["id"],
        plans.set_state(comment["body"], block.plan, KEY, "pending"),
        editor="bob",
    )
    before = len(github.requests_to("PATCH", r"/issues/comments/"))
    run = action.comment(f"/devops apply {plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE)
    assert run.code == 3 and "edited by @bob" in run.summary
    assert (
        len(github.requests_to("PATCH", r"/issues/comments/\d+$")) - before <= 1
    )  # only the answer


def test_an_expired_plan_is_refused(action, github, server_session, estate):
    web1 = estate["instances"]["web-1"]["id"]
    pull = github.add_pull(REPO, title="x", user="alice")
    old = thread_plan(
        pull, [instance_entry("stop", web1, "x")], now=datetime.now(UTC) - timedelta(days=2)
    )
    github.add_comment(
        REPO,
        pull["number"],
        body=plans.render_block(old, KEY),
        user="github-actions[bot]",
        user_type="Bot",
    )
    run = action.comment(
        f"/devops apply {old.plan_id}", pr=pull["number"], aws_write_role_to_assume=WRITE_ROLE
    )
    assert run.code == 3 and "expired" in run.summary
    assert state_of(server_session, web1) == "running"


def test_a_moved_pr_head_is_refused(action, github, server_session, estate):
    web1 = estate["instances"]["web-1"]["id"]
    planned = action.comment(f"/devops ec2 stop {web1}", aws_write_role_to_assume=WRITE_ROLE)
    github.push(REPO, 1, "b" * 40)
    run = action.comment(
        f"/devops apply {planned.outputs['plan-id']}", pr=1, aws_write_role_to_assume=WRITE_ROLE
    )
    assert run.code == 3 and "head moved" in run.summary
    assert state_of(server_session, web1) == "running"


def test_unknown_plan_and_bad_ids(action, github, estate):
    run = action.comment("/devops apply 0123456789ab", aws_write_role_to_assume=WRITE_ROLE)
    assert run.code == 3 and "no plan 0123456789ab" in run.summary
    run = action.comment("/devops apply ../../etc", aws_write_role_to_assume=WRITE_ROLE)
    assert run.code == 2 and "not a plan id" in run.summary


def test_a_stranger_cannot_apply(action, github, server_session, estate):
    web1 = estate["instances"]["web-1"]["id"]
    planned = action.comment(f"/devops ec2 stop {web1}", aws_write_role_to_assume=WRITE_ROLE)
    run = action.comment(
        f"/devops apply {planned.outputs['plan-id']}",
        pr=1,
        login="mallory",
        aws_write_role_to_assume=WRITE_ROLE,
    )
    assert run.code == 3
    assert state_of(server_session, web1) == "running"


def test_planning_a_missing_instance_is_a_clear_error(action, github, estate):
    run = action.comment("/devops ec2 stop i-0123456789abcdef0")
    assert run.code == 1
    assert "i-0123456789abcdef0" in run.summary
    assert "devops-agent:plan" not in json.dumps(github.comments(REPO, 1))


def test_write_role_is_assumed_with_the_protected_environments_token(
    action, github, server_session, estate
):
    """OIDC → read role; OIDC (the environment's token) → write role; every credential is
    masked, the token never posted."""
    from devops_agent_sandbox.payloads import comment_event

    web1 = estate["instances"]["web-1"]["id"]
    url = github.enable_oidc(
        "runtime-request-token",
        {"sub": f"repo:{REPO}:environment:devops-agent", "environment": "devops-agent"},
    )
    roles = {
        "aws_role_to_assume": "arn:aws:iam::123456789012:role/devops-agent-read",
        "aws_write_role_to_assume": WRITE_ROLE,
        "apply_environment": "devops-agent",
    }
    pull = github.add_pull(REPO, title="x", user="alice")

    def run(body):
        created = github.add_comment(REPO, pull["number"], body=body, user="alice")
        payload = comment_event(
            REPO, pull["number"], body, login="alice", is_pr=True, comment_id=created["id"]
        )
        env = action.env("issue_comment", payload, **roles)
        env["ACTIONS_ID_TOKEN_REQUEST_URL"] = url
        env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = "runtime-request-token"
        return action.run(env)

    planned = run(f"/devops ec2 stop {web1}")
    assert planned.code == 0, planned.stdout + planned.stderr
    applied = run(f"/devops apply {planned.outputs['plan-id']}")
    assert applied.code == 0, applied.stdout + applied.stderr
    assert state_of(server_session, web1) in ("stopping", "stopped")
    token_requests = github.requests_to("GET", r"/_actions/idtoken")
    assert token_requests and token_requests[-1].query["audience"] == "sts.amazonaws.com"
    masks = [line for line in applied.stdout.splitlines() if line.startswith("::add-mask::")]
    # workflow token, signing key, ID token, write credentials (the read role is not needed)
    assert len(masks) >= 1 + 1 + 1 + 3
    posted = json.dumps([c["body"] for c in github.comments(REPO, pull["number"])])
    for mask in masks:
        secret = mask.removeprefix("::add-mask::")
        assert secret not in posted and secret not in applied.summary


def test_missing_id_token_permission_is_explained(action, github, estate):
    run = action.comment(
        "/devops ec2 list", aws_role_to_assume="arn:aws:iam::123456789012:role/read"
    )
    assert run.code == 2
    assert "id-token: write" in run.summary


def test_second_approver_rule(action, github, server_session, estate):
    web1 = estate["instances"]["web-1"]["id"]
    rules = {"aws_write_role_to_assume": WRITE_ROLE, "require_second_approver": "true"}
    planned = action.comment(f"/devops ec2 stop {web1}", **rules)
    own = action.comment(f"/devops apply {planned.outputs['plan-id']}", pr=1, **rules)
    assert own.code == 3 and "someone else" in own.summary
    assert state_of(server_session, web1) == "running"
    github.set_permission(REPO, "bob", "write")
    other = action.comment(
        f"/devops apply {planned.outputs['plan-id']}", pr=1, login="bob", **rules
    )
    assert other.code == 0, other.stdout
    assert state_of(server_session, web1) in ("stopping", "stopped")


def test_apply_can_require_a_higher_role(action, github, server_session, estate):
    web1 = estate["instances"]["web-1"]["id"]
    github.set_permission(REPO, "bob", "write")
    rules = {"aws_write_role_to_assume": WRITE_ROLE, "apply_min_permission": "admin"}
    planned = action.comment(f"/devops ec2 stop {web1}", login="bob", **rules)
    assert planned.code == 0
    run = action.comment(f"/devops apply {planned.outputs['plan-id']}", pr=1, login="bob", **rules)
    assert run.code == 3 and "needs at least admin" in run.summary
    assert state_of(server_session, web1) == "running"


def test_plan_expiry_input_sets_the_deadline(action, github, estate):
    web1 = estate["instances"]["web-1"]["id"]
    action.comment(f"/devops ec2 stop {web1}", plan_expiry_hours="2")
    (block,) = plans.find_blocks(plan_comment(github, 1)["body"])
    assert block.plan.expires_at - block.plan.created_at == timedelta(hours=2)


@pytest.fixture
def sts_that_refuses():
    """An STS endpoint that answers every call the way AWS refuses a trust policy."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = (
        b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
        b"<Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity"
        b"</Message></Error><RequestId>1</RequestId></ErrorResponse>"
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("content-length", 0)))
            self.send_response(403)
            self.send_header("content-type", "text/xml")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_trust_policy_refusal_shows_the_claims_that_matter(action, github, sts_that_refuses):
    from devops_agent_sandbox.payloads import comment_event

    url = github.enable_oidc(
        "rt",
        {
            "sub": f"repo:{REPO}:pull_request",
            "repository": REPO,
            "ref": "refs/pull/1/merge",
            "job_workflow_ref": f"{REPO}/.github/workflows/devops.yml@refs/heads/main",
        },
    )
    pull = github.add_pull(REPO, title="x", user="alice")
    created = github.add_comment(REPO, pull["number"], body="/devops ec2 list", user="alice")
    env = action.env(
        "issue_comment",
        comment_event(
            REPO,
            pull["number"],
            "/devops ec2 list",
            login="alice",
            is_pr=True,
            comment_id=created["id"],
        ),
        aws_role_to_assume="arn:aws:iam::123456789012:role/read",
    )
    env.update(
        ACTIONS_ID_TOKEN_REQUEST_URL=url,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN="rt",
        AWS_ENDPOINT_URL_STS=sts_that_refuses,
    )
    run = action.run(env)
    assert run.code == 1
    body = next(
        c for c in github.comments(REPO, pull["number"]) if "devops-agent:answer" in c["body"]
    )["body"]
    assert f"sub=repo:{REPO}:pull_request" in body
    assert "job_workflow_ref=" in body and "aud=sts.amazonaws.com" in body
    assert "trust policy" in body


def test_a_bare_apply_never_reaches_past_the_newest_plan(action, github, server_session, estate):
    web1 = estate["instances"]["web-1"]["id"]
    older = action.comment(f"/devops ec2 stop {web1}", aws_write_role_to_assume=WRITE_ROLE)
    newer = action.comment(f"/devops ec2 reboot {web1}", pr=1, aws_write_role_to_assume=WRITE_ROLE)
    assert (
        action.comment(
            f"/devops apply {newer.outputs['plan-id']}", pr=1, aws_write_role_to_assume=WRITE_ROLE
        ).code
        == 0
    )
    run = action.comment("/devops apply", pr=1, aws_write_role_to_assume=WRITE_ROLE)
    assert run.code == 3 and "Name the plan" in run.summary
    assert older.outputs["plan-id"] not in json.dumps(run.outputs.get("plan-id", ""))
    assert state_of(server_session, web1) == "running"  # the older stop plan was not applied
