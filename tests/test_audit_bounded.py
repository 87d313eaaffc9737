"""The audit's answer at any estate size: the living issue under GitHub's 65,536 characters,
the job summary under 1 MiB, every failing check shown, new and resolved counted exactly,
and a failure to keep the issue failing the run.

Large reports are built directly (10,000+ findings, from the real checks' metadata); the
living issue goes through PyGithub to the fake GitHub, which refuses a body over the limit
as GitHub does.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path

import pytest
from conftest import REPO, TOKEN, read_outputs

from devops_agent.audit import (
    AuditReport,
    Finding,
    NotAudited,
    decode_state,
    encode_state,
)
from devops_agent.audit.history import STATE_PART_MARKER
from devops_agent.audit.markdown import Pointer
from devops_agent.audit.result import (
    COMMENT_TEXT_LIMIT,
    SUMMARY_TEXT_LIMIT,
    audit_body,
    audit_result,
)
from devops_agent.audit.view import metadata
from devops_agent.events import ScheduleEvent
from devops_agent.gh import connect
from devops_agent.publish import (
    ISSUE_LIMIT,
    Publisher,
    audit_issue_body,
    update_audit_issue,
)
from devops_agent.report import render_body
from devops_agent.testing import make_context
from devops_agent_sandbox.audit_reports import ACCOUNT, ranked_report, spread_findings


def make_findings(ids: range, *, seed: int = 7) -> list[Finding]:
    """One finding per number in ``ids``, spread over every real check and three regions."""
    rnd = random.Random(seed)
    return spread_findings(
        ids, lambda resource: f"{resource} is in the wrong state ({rnd.randint(1, 999)} days)."
    )


def make_report(findings: list[Finding], **extra: object) -> AuditReport:
    return ranked_report(findings, **extra)


@pytest.fixture(scope="module")
def big() -> AuditReport:
    return make_report(make_findings(range(10_000)))


# --------------------------------------------------------------------------- bounded


@pytest.mark.parametrize("size", [1, 60, 2_663, 10_000, 30_000])
def test_the_issue_fits_at_any_size_and_names_every_failing_check(size: int) -> None:
    report = make_report(make_findings(range(size)))
    body, parts = audit_issue_body(
        report, run_url="https://github.com/acme/platform/actions/runs/9", token="run-9"
    )
    assert len(body) <= ISSUE_LIMIT
    assert all(len(part) <= ISSUE_LIMIT for part in parts)
    failing = {f.check_id for f in report.findings}
    assert all(f"({check})" in body for check in failing), "a failing check has no row"
    state = decode_state(body, parts)
    assert state is not None and len(state) == size  # every open finding kept
    if size >= 10_000:
        assert parts, "a 10,000-finding state cannot fit in the body"
        assert "did not fit here" in body


def test_comment_and_summary_stay_under_their_limits(big: AuditReport) -> None:
    comment = audit_body(big, "comment")
    assert len(comment) <= COMMENT_TEXT_LIMIT
    summary = audit_body(big, "summary")
    assert len(summary.encode("utf-8")) <= SUMMARY_TEXT_LIMIT < 1024 * 1024
    for text in (comment, summary):
        assert all(f"({c})" in text for c in {f.check_id for f in big.findings})
    # The summary shows far more of the estate than a comment can: here all of it.
    assert "did not fit" not in summary and "did not fit" in comment
    assert all(f"| {f.resource_id} |" in summary for f in big.findings)
    huge = make_report(make_findings(range(30_000)))
    summary = audit_body(huge, "summary", pointer=Pointer(report_path="r.json"))
    assert len(summary.encode("utf-8")) <= SUMMARY_TEXT_LIMIT
    assert "did not fit here" in summary and "`r.json`" in summary  # cut, with a note


def test_new_and_resolved_counts_are_exact_however_much_is_cut(big: AuditReport) -> None:
    first, parts = audit_issue_body(big, token="one")
    previous = decode_state(first, parts)
    # 3,000 findings fixed, 2,500 new ones.
    kept = big.findings[3_000:]
    now = make_report([*kept, *make_findings(range(50_000, 52_500))])
    body, _ = audit_issue_body(now, previous=previous, token="two")
    assert len(body) <= ISSUE_LIMIT
    assert "New since the last audit (2,500)" in body
    assert "Resolved since the last audit (3,000)" in body
    summary = audit_body(now, "summary", previous=previous)
    assert "New since the last audit (2,500)" in summary
    assert "Resolved since the last audit (3,000)" in summary
    # Whatever is cut is counted by check, and the counts add up.
    note = re.search(r"_… and ([\d,]+) more \((.*?)\); all are in", body)
    assert note is not None
    listed = body.count("| 🔴 critical |") + body.count("| 🟠 high |")  # rows of New (and more)
    assert int(note.group(1).replace(",", "")) < 2_500 and listed > 0


def test_a_check_that_could_not_run_resolves_nothing(big: AuditReport) -> None:
    previous = decode_state(*audit_issue_body(big, token="one"))
    blind_id = big.findings[0].check_id
    rest = [f for f in big.findings if f.check_id != blind_id]
    checks = [
        c.model_copy(update={"status": "not_audited"}) if c.id == blind_id else c
        for c in make_report(rest).checks
    ]
    now = make_report(rest, checks=checks)
    text = audit_body(now, "comment", previous=previous)
    hidden = sum(f.check_id == blind_id for f in big.findings)
    assert "Resolved since the last audit" in text and "_Nothing resolved._" in text
    assert f"{hidden:,} earlier findings could not be re-checked" in text


def test_a_missing_or_foreign_state_part_is_never_read_as_nothing_open(big: AuditReport) -> None:
    body, parts = audit_issue_body(big, token="one")
    assert len(parts) >= 2
    assert decode_state(body, parts[1:]) is None  # a part is missing
    other_run = [p.replace('"token":"one"', '"token":"old"') for p in parts]
    assert decode_state(body, other_run) is None  # parts an earlier run left behind
    text = audit_body(big, "comment", previous=None, state_unknown=True)
    assert "could not be read back" in text and "New since the last audit (" not in text


def test_the_state_survives_names_that_try_to_end_the_comment() -> None:
    hostile = make_findings(range(3))
    hostile = [f.model_copy(update={"resource_id": f"x--> <b>{i}</b> --"}) for i, f in
               enumerate(hostile)]  # fmt: skip
    report = make_report(hostile)
    marker, parts = encode_state(report, inline_limit=10_000, part_limit=60_000)
    assert "--" not in marker[4:-3] and not parts
    state = decode_state(f"text {marker} more")
    assert state is not None and len(state) == 3
    assert sorted(state.labels.values())[0].startswith("x--> <b>")


# --------------------------------------------------------------------------- GitHub


def test_the_living_issue_at_ten_thousand_findings_on_github(github, big: AuditReport) -> None:
    gh = connect(TOKEN, github.url)
    first = update_audit_issue(gh, REPO, big.model_dump(mode="json"))
    assert first.action == "created"
    (issue,) = github.issues(REPO)
    assert len(issue["body"]) <= ISSUE_LIMIT
    states = [c for c in github.comments(REPO, issue["number"]) if STATE_PART_MARKER in c["body"]]
    assert len(states) >= 2 and all(len(c["body"]) <= ISSUE_LIMIT for c in states)

    # Someone else posts a forged part of the state: it is never read.
    github.add_token("ghp_mallory0000000000000000000000000000", "mallory", kind="pat")
    mallory = connect("ghp_mallory0000000000000000000000000000", github.url)
    forged = re.sub(r'"c":\{.*\}', '"c":{}', states[0]["body"], flags=re.S)
    mallory.get_repo(REPO).get_issue(issue["number"]).create_comment(forged)

    kept = big.findings[3_000:]
    now = make_report([*kept, *make_findings(range(50_000, 52_500))])
    second = update_audit_issue(gh, REPO, now.model_dump(mode="json"))
    assert second.action == "updated" and second.previous is not None
    (issue,) = github.issues(REPO)
    body = issue["body"]
    assert len(body) <= ISSUE_LIMIT
    assert "New since the last audit (2,500)" in body
    assert "Resolved since the last audit (3,000)" in body
    ours = [
        c
        for c in github.comments(REPO, issue["number"])
        if STATE_PART_MARKER in c["body"] and c["user"]["login"] == "github-actions[bot]"
    ]
    assert len(ours) == len(states)  # edited in place, not added again

    clean = make_report([])
    third = update_audit_issue(gh, REPO, clean.model_dump(mode="json"))
    assert third.action == "closed (nothing left)"
    left = [
        c
        for c in github.comments(REPO, issue["number"])
        if c["user"]["login"] == "github-actions[bot]"
    ]
    assert left == []  # the state comments are gone with the findings


def _schedule_publisher(github, tmp_path: Path):
    out, summary = tmp_path / "out", tmp_path / "summary"
    out.touch()
    summary.touch()
    ctx = make_context(
        workspace=tmp_path,
        event=ScheduleEvent(repository=REPO),
        environ={
            "GITHUB_OUTPUT": str(out),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_RUN_ID": "42",
        },
        audit_format="ocsf,asff,markdown",
    )
    publisher = Publisher(
        ctx.runner,
        ctx.event,
        gh=connect(TOKEN, github.url),
        workspace=tmp_path,
        settings=ctx.settings,
    )
    return publisher, ctx.runner, out, summary


@pytest.mark.parametrize("status", [403, 422, 500])
def test_a_failure_to_keep_the_issue_fails_the_run(github, tmp_path: Path, status: int) -> None:
    publisher, runner, out, summary = _schedule_publisher(github, tmp_path)
    github.fail_next("POST", r"/issues$", status=status, times=10)
    report = make_report(make_findings(range(40)))
    final = publisher.finish(audit_result(report, fail_on="never"))
    assert final.status == "failure" and final.exit_code == 1
    log = runner.stream.getvalue()  # type: ignore[attr-defined]
    assert re.search(
        r"::error title=devops-agent::Could not create or update the devops-audit", log
    )
    assert read_outputs(out)["status"] == "failure"
    assert "❌ Could not create or update the devops-audit issue" in summary.read_text()
    assert github.issues(REPO) == []


def test_a_scheduled_audit_writes_bounded_summary_and_every_format(
    github, tmp_path: Path, big: AuditReport
) -> None:
    publisher, _runner, out, summary = _schedule_publisher(github, tmp_path)
    final = publisher.finish(audit_result(big, fail_on="never"))
    assert final.status == "success" and final.exit_code == 0
    written = summary.read_bytes()
    assert len(written) <= 1024 * 1024
    text = written.decode()
    assert text.startswith("### 🔴 Audit: 10,000 open findings")
    assert "`.devops-agent/report.json`" in text
    outputs = read_outputs(out)
    files = json.loads(outputs["report-files"])
    assert files == {
        "json": ".devops-agent/report.json",
        "ocsf": ".devops-agent/report.ocsf.json",
        "asff": ".devops-agent/report.asff.json",
        "markdown": ".devops-agent/report.md",
    }
    for path in files.values():
        assert (tmp_path / path).stat().st_size > 0
    assert len(json.loads((tmp_path / files["ocsf"]).read_text())) == 10_000
    (issue,) = github.issues(REPO)
    assert len(issue["body"]) <= ISSUE_LIMIT and "`.devops-agent/report.json`" in issue["body"]


# --------------------------------------------------------------------------- reads well


def test_the_heading_shows_the_estate_not_that_the_command_ran() -> None:
    worst = make_report(make_findings(range(60)))
    assert render_body(audit_result(worst, fail_on="never")).startswith("### 🔴 Audit: 60 open")
    low = [f for f in make_findings(range(60)) if f.severity == "low"]
    assert render_body(audit_result(make_report(low), fail_on="never")).startswith("### 🔵")
    clean = make_report([])
    assert render_body(audit_result(clean, fail_on="never")).startswith(
        "### ✅ Audit: no open findings"
    )
    gap = NotAudited(
        service="ec2",
        region="us-east-1",
        part="ec2.volumes",
        permission="ec2:DescribeVolumes",
        code="AccessDenied",
        reason="denied",
    )
    blind = make_report([], not_audited=[gap])
    assert render_body(audit_result(blind, fail_on="never")).startswith("### ⚠️")


def test_headings_nest_under_the_title() -> None:
    report = make_report(make_findings(range(200)))
    comment = render_body(audit_result(report, fail_on="never"))
    comment = re.sub(r"```.*?```", "", comment, flags=re.S)  # comments in code are no headings
    levels = [len(m.group(1)) for m in re.finditer(r"^(#+) ", comment, re.M)]
    assert levels[0] == 3 and min(levels[1:]) == 4  # sections sit under the ### title
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))
    body, _ = audit_issue_body(report)
    body = re.sub(r"```.*?```", "", body, flags=re.S)
    levels = [len(m.group(1)) for m in re.finditer(r"^(#+) ", body, re.M)]
    assert levels[0] == 2 and min(levels) == 2


@pytest.mark.parametrize(
    ("code", "cause", "not_said"),
    [
        ("EndpointConnectionError", "endpoint unreachable", "missing permission"),
        ("EndpointUnreachable", "endpoint unreachable", "missing permission"),
        ("AccessDenied", "missing permission", "endpoint unreachable"),
        ("UnauthorizedOperation", "missing permission", "endpoint unreachable"),
        ("ThrottlingException", "throttled", "missing permission"),
        ("OptInRequired", "region not enabled", "missing permission"),
        ("ExpiredToken", "credentials rejected", "missing permission"),
        ("KeyError", "call failed", "missing permission"),
    ],
)
def test_not_audited_names_the_real_cause(code: str, cause: str, not_said: str) -> None:
    gap = NotAudited(
        service="ec2",
        region="eu-west-1",
        part="ec2.snapshots",
        permission="ec2:DescribeSnapshots",
        code=code,
        reason="what AWS said",
        checks=("ec2_ebs_snapshot_encrypted",),
    )
    text = audit_body(make_report([], not_audited=[gap]), "comment")
    section = text[text.index("Not audited") :]
    assert f"| {cause} |" in section and f"**{cause}**" in section
    assert not_said not in section
    if code.startswith("Endpoint"):
        assert "AWS_ENDPOINT_URL" in section and "Grant" not in section


def test_remediation_code_survives_redaction_on_the_way_out(github, tmp_path: Path) -> None:
    """The IMDSv2 Terraform once printed as `http_tokens = [REDACTED]"`: invalid HCL."""
    imds = [f for f in make_findings(range(200)) if f.check_id == "ec2_instance_imdsv2_required"]
    publisher, _, _, summary = _schedule_publisher(github, tmp_path)
    publisher.finish(audit_result(make_report(imds), fail_on="never"))
    text = summary.read_text()
    assert 'http_tokens   = "required"' in text and "[REDACTED]" not in text
    for meta in metadata().values():  # every check's fix, as the redactor sees it
        fix = meta.remediation
        for code in (fix.cli, fix.terraform):
            assert publisher.runner.redact(code) == code, meta.id


def test_a_policy_attached_once_says_one_identity() -> None:
    import boto3
    from moto import mock_aws

    from devops_agent.audit import run_audit

    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        document = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        )
        arn = iam.create_policy(PolicyName="everything", PolicyDocument=document)["Policy"]["Arn"]
        iam.create_user(UserName="one")
        iam.attach_user_policy(UserName="one", PolicyArn=arn)
        report = run_audit(
            boto3.Session(region_name="us-east-1"),
            ["us-east-1"],
            checks=["iam_policy_no_full_admin"],
            account_id=ACCOUNT,
        )
    (found,) = [f for f in report.findings if f.resource_id == "everything"]
    assert "attached to 1 identity" in found.detail and "identities" not in found.detail
