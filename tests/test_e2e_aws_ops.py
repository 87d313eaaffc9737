"""AWS writes end to end: `devops-agent action` plans on one comment and applies on
another, against moto's server and the fake GitHub. New credentials land only in
repository Actions secrets, never in a comment, the summary, a check run, the
outputs or the log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from devops_agent import plans

pytestmark = pytest.mark.e2e

WRITE_ROLE = "arn:aws:iam::123456789012:role/devops-agent-write"


def _comment(action: Any, body: str, pr: int, files: dict[str, bytes] | None = None) -> Any:
    """Comment ``body`` on ``pr`` and run the action, with ``files`` in its workspace."""
    env = action.comment_env(body, pr=pr, aws_write_role_to_assume=WRITE_ROLE)
    for relative, content in (files or {}).items():
        path = Path(env["GITHUB_WORKSPACE"]) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return action.run(env)


def _everything_posted(github: Any, pr: int, *runs: Any) -> str:
    """Every place a secret could leak to: comments, check runs, summaries, outputs, logs."""
    parts = [json.dumps(github.comments(REPO, pr)), json.dumps(github.check_runs(REPO))]
    for run in runs:
        parts += [run.summary, json.dumps(run.outputs), run.stdout, run.stderr]
        report = run.workspace / ".devops-agent"
        parts += [p.read_text() for p in report.rglob("*.json")] if report.exists() else []
    return "\n".join(parts)


def _plan_then_apply(
    action: Any, github: Any, command: str, files: dict[str, bytes] | None = None
) -> tuple[Any, Any, int]:
    pr = int(github.add_pull(REPO, title="Change", user="alice")["number"])
    planned = _comment(action, f"/devops {command}", pr, files)
    assert planned.code == 0, planned.stdout + planned.stderr
    assert planned.outputs["status"] == "planned", planned.summary
    applied = _comment(action, f"/devops apply {planned.outputs['plan-id']}", pr, files)
    assert applied.code == 0, applied.summary + applied.stdout + applied.stderr
    assert applied.outputs["status"] == "applied"
    return planned, applied, pr


def test_key_pair_private_key_goes_only_to_a_repository_secret(
    action: Any, github: Any, server_session: Any
) -> None:
    ec2 = server_session.client("ec2", region_name="us-east-1")
    planned, applied, pr = _plan_then_apply(
        action, github, "ec2 keypairs create ci-key --secret CI_SSH_KEY"
    )
    assert [k["KeyName"] for k in ec2.describe_key_pairs()["KeyPairs"]] == ["ci-key"]
    private = github.secret_value(REPO, "CI_SSH_KEY")
    assert private and "PRIVATE KEY" in private
    posted = _everything_posted(github, pr, planned, applied)
    for line in private.strip().splitlines()[1:-1]:
        assert line not in posted
    assert "PRIVATE KEY-----" not in posted
    comment = next(
        c["body"] for c in github.comments(REPO, pr) if "devops-agent:plan " in c["body"]
    )
    assert "Applied** by @alice" in comment and "Actions secret CI_SSH_KEY" in comment


def test_rotated_access_key_goes_only_to_repository_secrets(
    action: Any, github: Any, server_session: Any
) -> None:
    iam = server_session.client("iam")
    iam.create_user(UserName="ci-deployer")
    old = iam.create_access_key(UserName="ci-deployer")["AccessKey"]["AccessKeyId"]
    planned, applied, pr = _plan_then_apply(
        action, github, "iam keys rotate ci-deployer --secret CI_DEPLOYER"
    )
    keys = {
        k["AccessKeyId"]: k["Status"]
        for k in iam.list_access_keys(UserName="ci-deployer")["AccessKeyMetadata"]
    }
    new = next(k for k in keys if k != old)
    assert keys == {old: "Inactive", new: "Active"}
    assert github.secret_value(REPO, "CI_DEPLOYER_ACCESS_KEY_ID") == new
    secret = github.secret_value(REPO, "CI_DEPLOYER_SECRET_ACCESS_KEY")
    assert secret and len(secret) == 40
    posted = _everything_posted(github, pr, planned, applied)
    assert secret not in posted and new not in posted
    (block,) = plans.find_blocks(
        next(c["body"] for c in github.comments(REPO, pr) if "devops-agent:plan " in c["body"])
    )
    assert block.intact and block.state == "applied"
    assert "CI_DEPLOYER_SECRET_ACCESS_KEY" in applied.summary


def test_upload_from_the_workspace_and_download_into_it(
    action: Any, github: Any, server_session: Any
) -> None:
    s3 = server_session.client("s3")
    s3.create_bucket(Bucket="e2e-artifacts")
    files = {"dist/app.txt": b"release 1.2.3\n"}
    _plan_then_apply(action, github, "s3 upload dist/app.txt s3://e2e-artifacts/releases/", files)
    assert (
        s3.get_object(Bucket="e2e-artifacts", Key="releases/app.txt")["Body"].read()
        == files["dist/app.txt"]
    )

    pr = int(github.add_pull(REPO, title="Fetch", user="alice")["number"])
    fetched = _comment(
        action, "/devops s3 download s3://e2e-artifacts/releases/app.txt in/app.txt", pr
    )
    assert fetched.code == 0, fetched.summary
    assert (fetched.workspace / "in" / "app.txt").read_bytes() == files["dist/app.txt"]


def test_security_group_rule_is_planned_then_applied(
    action: Any, github: Any, server_session: Any
) -> None:
    ec2 = server_session.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="api", Description="api", VpcId=vpc)["GroupId"]
    planned, _, _ = _plan_then_apply(
        action, github, f"ec2 sg authorize {group} --port 443 --cidr 10.0.0.0/8"
    )
    assert "Allow inbound tcp 443 10.0.0.0/8" in planned.summary
    (rule,) = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    assert (rule["FromPort"], rule["IpRanges"][0]["CidrIp"]) == (443, "10.0.0.0/8")
