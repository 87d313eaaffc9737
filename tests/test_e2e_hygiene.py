"""No secret reaches any exit point, and faults from GitHub neither lose nor duplicate.

Secrets come from the corpus (tests/data/secrets.jsonl, shapes of real credentials);
they are planted where AWS data can carry them (object keys, tags) and the run's
every exit is checked: comment, check run, job summary, outputs, report file, log.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO

pytestmark = [pytest.mark.e2e, pytest.mark.in_process]

DATA = Path(__file__).parent / "data"
SECRETS = [
    json.loads(line) for line in (DATA / "secrets.jsonl").read_text().splitlines() if line.strip()
]
INJECTIONS = [
    json.loads(line)
    for line in (DATA / "injections.jsonl").read_text().splitlines()
    if line.strip()
]


def exits(run, github) -> str:
    """Everything a run let out of the process."""
    report = run.workspace / ".devops-agent" / "report.json"
    return "\n".join(
        [
            json.dumps([c["body"] for c in github.comments(REPO, 1)]),
            json.dumps([c.get("output") for c in github.check_runs(REPO)]),
            json.dumps([r.json for r in github.requests]),
            run.summary,
            json.dumps(run.outputs),
            run.stdout,
            run.stderr,
            report.read_text() if report.exists() else "",
        ]
    )


def leaked(secret: str, text: str) -> bool:
    pieces = [p.strip() for p in secret.splitlines() if len(p.strip()) >= 12] or [secret]
    escaped = json.dumps(secret)[1:-1]
    return secret in text or escaped in text or any(p in text for p in pieces)


def test_secrets_in_aws_data_reach_no_exit(action, github, server_session):
    s3 = server_session.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="leaky")
    for n, item in enumerate(SECRETS):
        # S3 keys may hold any text; newlines become spaces (moto routes keys by URL path)
        s3.put_object(
            Bucket="leaky", Key=f"dump/{n:02d}/{item['value'].replace(chr(10), ' ')}", Body=b""
        )
    run = action.comment("/devops s3 ls leaky")
    assert run.code == 0, run.stdout + run.stderr
    out = exits(run, github)
    assert "dump/00/" in out  # the listing itself did go out
    for item in SECRETS:
        assert not leaked(item["value"], out), item["kind"]


def test_secrets_in_tags_reach_no_exit(action, github, server_session):
    ec2 = server_session.client("ec2", region_name="us-east-1")
    short = [s for s in SECRETS if len(s["value"]) <= 256]
    ids = []
    for item in short:
        image = "ami-12c6146b"
        reservation = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)
        instance = reservation["Instances"][0]["InstanceId"]
        ec2.create_tags(Resources=[instance], Tags=[{"Key": "Name", "Value": item["value"]}])
        ids.append(instance)
    run = action.comment(f"/devops ec2 describe {' '.join(ids)}")
    assert run.code == 0, run.stdout + run.stderr
    out = exits(run, github)
    assert ids[0] in out
    for item in short:
        assert not leaked(item["value"], out), item["kind"]


@pytest.mark.parametrize(
    "case", [c for c in INJECTIONS if c["channel"] == "comment"], ids=lambda c: c["id"]
)
def test_injection_comments_change_nothing_without_a_model(action, github, server_session, case):
    """Without a model, an injection is plain language: answered with help, nothing runs."""
    ec2 = server_session.client("ec2", region_name="us-east-1")
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0][
        "InstanceId"
    ]
    run = action.comment(f"/devops {case['text']}")
    assert run.code in (0, 2, 3), run.stdout + run.stderr
    state = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0][
        "State"
    ]["Name"]
    assert state == "running"
    assert run.outputs["status"] in ("failure", "success", "refused")
    assert not [p for p in github.comments(REPO, 1) if "devops-agent:plan" in p["body"]]
    assert "Traceback" not in run.stdout + run.stderr


def test_rate_limited_edit_is_retried_after_retry_after(action, github, server_session):
    """A 429 with Retry-After on the PATCH that finishes the answer is waited out, not lost."""
    github.fail_next("PATCH", r"/check-runs/\d+$", status=429, headers={"Retry-After": "1"})
    github.fail_next("GET", r"/collaborators/.+/permission$", status=502)
    run = action.comment("/devops iam users")
    assert run.code == 0, run.stdout + run.stderr
    answers = [c for c in github.comments(REPO, 1) if "devops-agent:answer" in c["body"]]
    assert len(answers) == 1
    permission_calls = github.requests_to("GET", r"/collaborators/.+/permission$")
    assert [r.status for r in permission_calls] == [502, 200]


def test_secondary_rate_limit_on_the_permission_check_is_waited_out(action, github):
    github.fail_next(
        "GET", r"/collaborators/.+/permission$", status=403, headers={"Retry-After": "1"}
    )
    run = action.comment("/devops help")
    assert run.code == 0, run.stdout + run.stderr
    assert [r.status for r in github.requests_to("GET", r"/collaborators/")] == [403, 200]


def test_github_down_for_the_answer_still_exits_cleanly(action, github):
    """When GitHub keeps failing, the run says so in the log and summary; no traceback."""
    github.fail_next("POST", r"/issues/\d+/comments$", status=502, times=10)
    run = action.comment("/devops help")
    assert "Could not post the answer comment" in run.stdout
    assert "devops-agent commands" in run.summary
    assert "Traceback" not in run.stdout + run.stderr
    assert len([c for c in github.comments(REPO, 1) if "devops-agent:answer" in c["body"]]) == 0
