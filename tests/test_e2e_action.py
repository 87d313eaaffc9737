"""`devops-agent action` as a process, with the Actions environment, against moto's
server and the fake GitHub over HTTP: what was posted, what the outputs say."""

from __future__ import annotations

import io
import json

import pytest
from conftest import ACTION, REPO, TOKEN

from devops_agent_sandbox.payloads import comment_event

pytestmark = pytest.mark.e2e


def answers(github, number):
    return [c for c in github.comments(REPO, number) if "devops-agent:answer" in c["body"]]


def test_ec2_list_on_a_pr_answers_in_one_comment_with_a_check_run(action, github, estate):
    # A fast run never posts progress: the grace is long here so that the count below does
    # not depend on how loaded the machine is (the progress path is tested on its own).
    run = action.comment("/devops ec2 list", progress_after="3600")
    assert run.code == 0, run.stderr + run.stdout
    pr = run.requests[0]  # the permission lookup is the first request
    assert pr.method == "GET" and pr.path.endswith("/collaborators/alice/permission")

    number = 1
    posted = answers(github, number)
    assert len(posted) == 1
    body = posted[0]["body"]
    assert posted[0]["user"]["login"] == "github-actions[bot]"
    for name in ("web-1", "worker-1"):
        instance_id = estate["instances"][name]["id"]
        assert instance_id in body
    assert "running" in body and "stopped" in body
    assert "web-2" not in body  # eu-west-1 is not the default region

    trigger = next(c for c in github.comments(REPO, number) if c["body"] == "/devops ec2 list")
    assert [r["content"] for r in github.reactions(REPO, trigger["id"])] == ["eyes"]

    checks = github.check_runs(REPO)
    assert len(checks) == 1
    assert checks[0]["name"] == "devops-agent"
    assert checks[0]["status"] == "completed" and checks[0]["conclusion"] == "success"
    head = next(p for p in github.pulls(REPO) if p["number"] == number)["head"]["sha"]
    assert checks[0]["head_sha"] == head

    assert run.outputs["status"] == "success"
    result = json.loads(run.outputs["result"])
    assert {i["id"] for i in result["data"]["instances"]} == {
        estate["instances"]["web-1"]["id"],
        estate["instances"]["worker-1"]["id"],
    }
    assert run.outputs["comment-url"] == posted[0]["html_url"]
    assert estate["instances"]["web-1"]["id"] in run.summary
    report = json.loads((run.workspace / ".devops-agent" / "report.json").read_text())
    assert report["status"] == "success"
    assert run.outputs["report"] == ".devops-agent/report.json"
    # the whole exchange: permission, reaction, PR head, comment, check run
    assert len(run.requests) == 5, [(r.method, r.path) for r in run.requests]


def test_a_run_past_the_grace_period_posts_progress_first(action, github, estate):
    """As a process, with no grace: progress comment and in_progress check run, then edits."""
    run = action.comment("/devops ec2 list", progress_after="0")
    assert run.code == 0, run.stderr + run.stdout
    calls = [(r.method, r.path.rsplit("/", 1)[-1]) for r in run.requests]
    comment_id = answers(github, 1)[0]["id"]
    check_id = github.check_runs(REPO)[0]["id"]
    assert [c for c in calls if c[0] != "GET"] == [
        ("POST", "reactions"),
        ("POST", "comments"),
        ("POST", "check-runs"),
        ("PATCH", str(comment_id)),
        ("PATCH", str(check_id)),
    ]
    assert len(run.requests) == 7, calls  # + the permission lookup and the PR head
    assert github.check_runs(REPO)[0]["conclusion"] == "success"


@pytest.mark.parametrize(
    ("command", "expect"),
    [
        ("help", ["ec2 list", "s3 list", "iam users", "vpc list"]),
        ("s3 list", ["acme-prod-assets", "acme-prod-logs", "acme-staging-uploads", "eu-west-1"]),
        ("iam users", ["alice", "bob", "ci-deployer"]),
        ("vpc list --region eu-west-1", ["staging", "10.20.0.0/16"]),
        ("ec2 list --region eu-west-1 --state running", ["web-2"]),
    ],
)
def test_read_commands(action, github, estate, command, expect):
    run = action.comment(f"/devops {command}")
    assert run.code == 0, run.stderr + run.stdout
    body = answers(github, 1)[0]["body"]
    for text in expect:
        assert text in body


def test_dispatch_answers_in_summary_and_outputs(action, github, estate):
    run = action.dispatch("ec2 list")
    assert run.code == 0, run.stderr + run.stdout
    assert estate["instances"]["web-1"]["id"] in run.summary
    assert run.outputs["status"] == "success"
    assert github.issues(REPO) == [] and github.check_runs(REPO) == []
    assert not [r for r in run.requests if r.method in ("POST", "PATCH")]


def test_dispatch_by_someone_without_permission_is_refused(action, github, estate):
    github.set_permission(REPO, "reader", "read")
    run = action.dispatch("ec2 list", login="reader")
    assert run.code == 3
    assert run.outputs["status"] == "refused"
    assert "needs at least write" in run.summary


def test_stranger_is_refused_before_any_aws_call(action, github, server_session, estate):
    # a stranger with no access: one short answer, no reaction, no check run
    run = action.comment("/devops ec2 list", login="mallory")
    assert run.code == 3
    assert run.outputs["status"] == "refused"
    posted = answers(github, 1)
    assert len(posted) == 1 and "mallory" in posted[0]["body"]
    assert estate["instances"]["web-1"]["id"] not in posted[0]["body"]
    assert github.check_runs(REPO) == []
    assert all(r.method != "POST" or r.path.endswith("/comments") for r in run.requests)
    assert not any("reactions" in r.path for r in run.requests)


def test_allowed_users_narrows_further(action, github, estate):
    run = action.comment("/devops ec2 list", allowed_users="bob,carol")
    assert run.code == 3
    assert "allowed-users" in answers(github, 1)[0]["body"]
    # the allow-list is checked before GitHub is asked for the role
    assert not github.requests_to("GET", r"/collaborators/")


def test_triage_role_does_not_reach_write(action, github, estate):
    github.set_permission(REPO, "tri", "triage")
    run = action.comment("/devops ec2 list", login="tri")
    assert run.code == 3
    run = action.comment("/devops ec2 list", login="tri", min_permission="triage")
    assert run.code == 0


@pytest.mark.parametrize(
    ("body", "login", "user_type", "action_name"),
    [
        ("/devops ec2 list", "alice", "User", "edited"),
        ("/devops ec2 list", "alice", "User", "deleted"),
        ("/devops ec2 list", "github-actions[bot]", "Bot", "created"),
        ("looks good to me", "alice", "User", "created"),
    ],
)
def test_ignored_comments_post_nothing(action, github, body, login, user_type, action_name):
    pull = github.add_pull(REPO, title="x")
    created = github.add_comment(REPO, pull["number"], body=body, user=login)
    payload = comment_event(
        REPO,
        pull["number"],
        body,
        login=login,
        user_type=user_type,
        action=action_name,
        is_pr=True,
        comment_id=created["id"],
    )
    run = action.run(action.env("issue_comment", payload))
    assert run.code == 0
    assert run.outputs["status"] == "ignored"
    assert run.requests == []
    assert "nothing to do" in run.stdout


def test_other_events_get_a_one_line_notice(action, github):
    run = action.run(action.env("push", {"ref": "refs/heads/main"}))
    assert run.code == 0
    assert "not handled" in run.stdout
    assert len([line for line in run.stdout.splitlines() if not line.startswith("::")]) == 1
    assert run.requests == []


def test_unknown_command_gets_a_clear_answer_and_exit_2(action, github, estate):
    run = action.comment("/devops ec2 explode")
    assert run.code == 2
    body = answers(github, 1)[0]["body"]
    assert "not a command" in body and "ec2 list" in body
    assert "Traceback" not in run.stderr + run.stdout
    assert github.check_runs(REPO)[0]["conclusion"] == "failure"


def test_unknown_region_gets_a_suggestion(action, github, estate):
    run = action.comment("/devops ec2 list --region us-eats-1")
    assert run.code == 2
    assert "Did you mean us-east-1" in answers(github, 1)[0]["body"]


def test_plain_language_without_a_model_says_so_and_shows_help(action, github, estate):
    run = action.comment("/devops why is the web tier slow?")
    assert run.code == 2
    body = answers(github, 1)[0]["body"]
    assert "no model is configured" in body
    assert "openai-api-key" in body and "ec2 list" in body


def test_only_the_first_line_is_a_command(action, github, estate):
    run = action.comment("/devops help\n/devops ec2 list")
    assert run.code == 0
    body = answers(github, 1)[0]["body"]
    assert "devops-agent commands" in body
    assert estate["instances"]["web-1"]["id"] not in body


def test_missing_event_file_is_a_clear_error(action, github):
    env = action.env("issue_comment", None)
    env["GITHUB_EVENT_PATH"] = str(action.tmp / "nope.json")
    run = action.run(env)
    assert run.code == 2
    assert "does not exist" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr
    assert run.requests == []


def test_malformed_event_file_is_a_clear_error(action, github):
    env = action.env("issue_comment", None)
    (action.tmp / "bad.json").write_text("{not json")
    env["GITHUB_EVENT_PATH"] = str(action.tmp / "bad.json")
    run = action.run(env)
    assert run.code == 2
    assert "not valid JSON" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_missing_token_is_a_clear_error(action, github):
    env = action.env("issue_comment", comment_event(REPO, 1, "/devops help", comment_id=1))
    del env["INPUT_GITHUB-TOKEN"]
    run = action.run(env)
    assert run.code == 2
    assert "github-token" in run.stdout
    assert run.requests == []


def test_bad_input_value_is_a_clear_error(action, github):
    run = action.comment("/devops help", min_permission="superuser")
    assert run.code == 2
    assert "min-permission" in run.stdout
    assert answers(github, 1) == []


def test_token_is_masked_and_never_posted(action, github, estate):
    run = action.comment("/devops help")
    assert f"::add-mask::{TOKEN}" in run.stdout
    everything = (
        json.dumps([r.json for r in github.requests]) + run.summary + json.dumps(run.outputs)
    )
    assert TOKEN not in everything


def test_secret_in_aws_data_is_redacted_everywhere(action, github, server_session, estate):
    ec2 = server_session.client("ec2", region_name="us-east-1")
    secret = "AKIAUJZDE8GXD6NCF10E"
    ec2.create_tags(
        Resources=[estate["instances"]["web-1"]["id"]],
        Tags=[{"Key": "Name", "Value": f"key {secret}"}],
    )
    run = action.comment("/devops ec2 list")
    assert run.code == 0
    assert secret not in answers(github, 1)[0]["body"]
    assert secret not in run.summary
    assert secret not in json.dumps(run.outputs)
    assert secret not in json.dumps([c["output"] for c in github.check_runs(REPO)])


def test_html_in_aws_tags_cannot_hide_text_in_the_comment(action, github, server_session, estate):
    ec2 = server_session.client("ec2", region_name="us-east-1")
    ec2.create_tags(
        Resources=[estate["instances"]["web-1"]["id"]],
        Tags=[{"Key": "Name", "Value": "web<!-- /devops apply 123 -->|x"}],
    )
    action.comment("/devops ec2 list")
    body = answers(github, 1)[0]["body"]
    assert "apply 123" not in body
    assert "web\\|x" in body


def test_long_output_is_folded(action, github, server_session, estate):
    s3 = server_session.client("s3", region_name="us-east-1")
    for i in range(40):
        s3.put_object(Bucket="acme-prod-logs", Key=f"2026/11/25/app-{i:03d}.log", Body=b"x")
    run = action.comment("/devops s3 ls acme-prod-logs 2026/")
    assert run.code == 0
    body = answers(github, 1)[0]["body"]
    assert "40 objects in s3://acme-prod-logs/2026/" in body
    assert "<details><summary>" in body and body.count("</details>") == 1
    assert "2026/11/25/app-039.log" in body


def test_rerun_edits_the_same_answer(action, github, estate):
    pull = github.add_pull(REPO, title="x", user="alice")
    created = github.add_comment(REPO, pull["number"], body="/devops iam users", user="alice")
    payload = comment_event(
        REPO, pull["number"], created["body"], login="alice", is_pr=True, comment_id=created["id"]
    )
    first = action.run(action.env("issue_comment", payload))
    env = action.env("issue_comment", payload)
    env["GITHUB_RUN_ATTEMPT"] = "2"
    second = action.run(env)
    assert first.code == second.code == 0
    assert len(answers(github, pull["number"])) == 1
    assert any(r.method == "PATCH" and "/issues/comments/" in r.path for r in second.requests)


def test_a_502_on_comment_post_does_not_duplicate(action, github, estate):
    # GitHub created the comment but answered 502: the agent looks before re-posting
    github.fail_next("POST", r"/issues/\d+/comments$", status=502, apply=True)
    run = action.comment("/devops iam users")
    assert run.code == 0
    assert len(answers(github, 1)) == 1


def test_slow_run_shows_progress_then_edits(action, github, estate, monkeypatch):
    """In-process with no grace period: progress comment and in_progress check run first."""
    from devops_agent.app import run_action

    pull = github.add_pull(REPO, title="x", user="alice")
    env = action.comment_env("/devops ec2 list", pr=pull["number"], login="alice")
    monkeypatch.setenv("AWS_ENDPOINT_URL", env["AWS_ENDPOINT_URL"])
    before = len(github.requests)
    assert run_action(env, stream=io.StringIO(), grace=0) == 0
    writes = [
        (r.method, r.path.rsplit("/", 1)[-1]) for r in github.requests[before:] if r.method != "GET"
    ]
    comment_id = answers(github, pull["number"])[0]["id"]
    check_id = github.check_runs(REPO)[0]["id"]
    assert writes == [
        ("POST", "reactions"),
        ("POST", "comments"),  # progress comment
        ("POST", "check-runs"),  # in_progress
        ("PATCH", str(comment_id)),
        ("PATCH", str(check_id)),
    ]
    progress = github.requests[before:]
    first_comment = next(r for r in progress if r.method == "POST" and r.path.endswith("/comments"))
    assert "Working on" in first_comment.json["body"]
    first_check = next(r for r in progress if r.method == "POST" and r.path.endswith("/check-runs"))
    assert first_check.json["status"] == "in_progress"
    (check,) = github.check_runs(REPO)
    assert check["status"] == "completed" and check["conclusion"] == "success"
    (answer,) = answers(github, pull["number"])
    assert (
        estate["instances"]["web-1"]["id"] in answer["body"] and "Working on" not in answer["body"]
    )


def test_ghes_api_prefix(tmp_path, aws_endpoint, estate):
    from conftest import ActionHarness

    from devops_agent_sandbox.github import FakeGitHub

    with FakeGitHub(api_prefix="/api/v3") as ghes:
        ghes.add_token(TOKEN, "github-actions[bot]", kind="workflow")
        ghes.add_repo(REPO)
        ghes.set_permission(REPO, "alice", "admin")
        harness = ActionHarness(tmp=tmp_path, github=ghes, aws_endpoint=aws_endpoint)
        run = harness.comment("/devops iam users")
        assert run.code == 0, run.stdout + run.stderr
        assert ghes.url.endswith("/api/v3")
        assert "ci-deployer" in answers(ghes, 1)[0]["body"]


@pytest.fixture
def black_hole():
    """An AWS endpoint that accepts connections and never answers."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()


def test_timeout_still_posts_a_final_answer(action, github, black_hole):
    action.aws_endpoint = black_hole
    run = action.comment("/devops ec2 list", timeout_seconds="2")
    assert run.code == 1
    (answer,) = answers(github, 1)
    assert "time limit" in answer["body"]
    assert github.check_runs(REPO)[0]["conclusion"] == "failure"
    assert run.outputs["status"] == "failure"


def test_cancellation_still_posts_a_final_answer(action, github, black_hole):
    import signal
    import subprocess
    import threading

    action.aws_endpoint = black_hole
    pull = github.add_pull(REPO, title="x", user="alice")
    env = action.comment_env("/devops ec2 list", pr=pull["number"], login="alice")
    reacted = threading.Event()
    github.on_request = lambda r: reacted.set() if r.path.endswith("/reactions") else None
    proc = subprocess.Popen(
        ACTION, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert reacted.wait(20)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        github.on_request = None
        proc.kill()
    assert proc.returncode == 1, out + err
    (answer,) = answers(github, pull["number"])
    assert "cancelled" in answer["body"]
    assert github.check_runs(REPO)[0]["conclusion"] == "failure"


def test_heavy_libraries_are_not_loaded_for_a_refusal(action, github):
    """The path before the reaction imports neither boto3 nor the Agents SDK."""
    import subprocess
    import sys

    pull = github.add_pull(REPO, title="x")
    env = action.comment_env("/devops ec2 list", pr=pull["number"], login="mallory")
    code = (
        "import os, sys\n"
        "from devops_agent.app import run_action\n"
        "rc = run_action(os.environ)\n"
        "heavy = sorted(m for m in ('boto3', 'botocore', 'agents', 'openai', 'moto') if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
        "sys.exit(rc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "HEAVY []" in proc.stdout


def test_a_bug_after_the_reaction_still_posts_a_final_status(action, github, monkeypatch):
    """An unexpected exception (here: botocore itself blows up) ends with a final answer."""
    from botocore.client import BaseClient

    from devops_agent.app import run_action

    def explode(self, operation_name, api_params):
        raise RuntimeError("botocore exploded")

    monkeypatch.setattr(BaseClient, "_make_api_call", explode)
    pull = github.add_pull(REPO, title="x", user="alice")
    env = action.comment_env("/devops ec2 list", pr=pull["number"], login="alice")
    log = io.StringIO()
    assert run_action(env, stream=log) == 1
    (answer,) = answers(github, pull["number"])
    assert "internal error" in answer["body"] and "Nothing was changed" in answer["body"]
    assert github.check_runs(REPO)[0]["conclusion"] == "failure"
    assert "::error" in log.getvalue()
