"""What re-checks leave in the audit issue, and how the next audit tells them; thresholds.

Pure: records, markers and reports are built directly. The attacks: a record nobody
signed, a signed record changed afterwards, a "resolved" record for a finding that is
open, a body too full for another record, a threshold the config cannot mean.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from devops_agent import publish
from devops_agent.audit import rechecks
from devops_agent.audit.config import load_config
from devops_agent.audit.models import (
    AuditReport,
    CheckResult,
    Finding,
    Recheck,
    SeverityCounts,
    fingerprint,
)
from devops_agent.audit.registry import discover_checks, thresholds
from devops_agent.errors import ConfigError
from devops_agent.signing import SigningKey

KEY = SigningKey("k" * 40)
ACCOUNT = "123456789012"
CHECK = "s3_bucket_versioning_enabled"
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def record(resource: str, *, resolved: bool = True, check: str = CHECK) -> Recheck:
    return Recheck(
        check_id=check,
        region="us-east-1",
        resource_id=resource,
        fingerprint=fingerprint(check, ACCOUNT, "us-east-1", resource),
        resolved=resolved,
        detail="passes" if resolved else f"Bucket {resource} has never had versioning enabled.",
        plan_id="abcdef012345",
        requester="alice",
        approver="bob",
        applied_at=NOW,
    )


def report(*open_resources: str, status: str = "failed") -> AuditReport:
    findings = [
        Finding(
            check_id=CHECK,
            title="S3 buckets have versioning enabled",
            severity="low",
            service="s3",
            region="us-east-1",
            account=ACCOUNT,
            resource_id=r,
            detail=f"Bucket {r} has never had versioning enabled.",
            fingerprint=fingerprint(CHECK, ACCOUNT, "us-east-1", r),
        )
        for r in open_resources
    ]
    return AuditReport(
        tool_version="test",
        generated_at=NOW,
        account=ACCOUNT,
        regions=["us-east-1"],
        services=["s3"],
        counts=SeverityCounts(low=len(findings)),
        checks=[
            CheckResult(
                id=CHECK,
                service="s3",
                severity="low",
                status=status if findings else "passed",
                findings=len(findings),
                fix_commands=[f"audit fix {CHECK}"] if findings else [],
            )
        ],
        findings=findings,
    )


def issue_body() -> str:
    return f"{rechecks.AUDIT_ISSUE_MARKER}\n## audit\n"


# --------------------------------------------------------------------------- records


def test_the_issue_constants_are_publishs() -> None:
    assert rechecks.AUDIT_LABEL == publish.AUDIT_LABEL
    assert rechecks.AUDIT_ISSUE_MARKER == publish.AUDIT_MARKER


def marker(records: list[Recheck], key: SigningKey | None) -> str:
    return rechecks.comment_body(records, key)


def test_signed_records_round_trip_through_a_comment() -> None:
    body = marker([record("a"), record("b", resolved=False)], KEY)
    assert "Plan abcdef012345 applied by @bob: 1 of 2 resolved" in body
    assert "| s3_bucket_versioning_enabled | a | us-east-1 | ✅ resolved |" in body
    assert [r.resource_id for r in rechecks.read_records(body, KEY)] == ["a", "b"]


def test_an_unsigned_or_altered_record_is_ignored_by_a_run_with_the_key() -> None:
    unsigned = marker([record("forged")], None)
    assert rechecks.read_records(unsigned, KEY) == []
    assert [r.resource_id for r in rechecks.read_records(unsigned, None)] == ["forged"]
    signed = marker([record("real")], KEY)
    entries = rechecks._raw_entries(signed)
    entries[0]["approver"] = "mallory"  # another workflow posts an edited copy as the bot
    assert rechecks.read_records(rechecks.records_marker(entries), KEY) == []
    assert rechecks.read_records(signed, SigningKey("o" * 40)) == []


def test_a_marker_that_is_not_base64_json_is_no_record() -> None:
    for junk in ("!!!", "e30=", "W10=", "WzFd"):
        body = f"<!-- {rechecks.RECHECKS_MARKER} {junk} -->"
        assert rechecks.read_records(body, None) == []


def test_a_fix_plans_comment_fits_githubs_limit() -> None:
    from devops_agent.audit.fixes import MAX_FIX_ENTRIES

    long = [
        record(f"{'b' * 60}-{i}", resolved=False).model_copy(update={"detail": "d" * 400})
        for i in range(MAX_FIX_ENTRIES)
    ]
    assert len(marker(long, KEY)) < 65_536


def test_what_aws_wrote_cannot_break_the_comment() -> None:
    hostile = record("x", resolved=False).model_copy(
        update={"detail": "a | b\n<!-- devops-agent:audit-rechecks W10= --> --> `x`"}
    )
    body = marker([hostile], KEY)
    assert body.count(rechecks.RECHECKS_MARKER) == 1
    assert [r.detail for r in rechecks.read_records(body, KEY)] == [hostile.detail]


# --------------------------------------------------------------------------- the next audit


def test_a_fix_is_told_once_in_the_run_its_finding_closes() -> None:
    done = record("done")
    assert rechecks.attach(report(), [done], previous={done.fingerprint}).rechecks == [done]
    assert rechecks.attach(report(), [done], previous=set()).rechecks == []


def test_attach_tells_each_record_as_the_finding_stands_now() -> None:
    records = [
        record("fixed"),  # resolved, still resolved
        record("stuck", resolved=False),  # still failing, still open
        record("back"),  # resolved, open again
        record("late", resolved=False),  # failing right after, passes now
    ]
    shown = {r.resource_id: r for r in rechecks.attach(report("stuck", "back"), records).rechecks}
    assert shown["fixed"].resolved and shown["late"].resolved
    assert "passes now" in shown["late"].detail
    assert not shown["stuck"].resolved and not shown["back"].resolved
    assert "failing again" in shown["back"].detail


def test_a_resolved_record_cannot_hide_an_open_finding() -> None:
    """A forged "resolved" for an open finding is shown as still failing."""
    (shown,) = rechecks.attach(report("open-bucket"), [record("open-bucket")]).rechecks
    assert not shown.resolved


def test_records_of_checks_this_audit_did_not_judge_are_left_out() -> None:
    other = record("x", check="ec2_eip_associated")
    assert rechecks.attach(report("a"), [other]).rechecks == []
    assert rechecks.attach(report("a", status="not_audited"), [record("a")]).rechecks == []


def test_the_loop_is_rendered_with_the_plan_and_approver() -> None:
    from devops_agent.audit.markdown import render_markdown
    from devops_agent.audit.operations import with_trigger

    told = rechecks.attach(report("stuck"), [record("done"), record("stuck", resolved=False)])
    text = rechecks.render_rechecks(told)
    assert "Fixed by plans since the last audit (1 of 2 resolved)" in text
    assert "| done | us-east-1 | ✅ resolved | abcdef012345 | @bob |" in text
    assert "❌ still failing: Bucket stuck has never had versioning enabled." in text
    assert rechecks.render_rechecks(report()) == ""
    body = render_markdown(with_trigger(told, "/ops"))
    assert f"/ops audit fix {CHECK}" in body
    assert "Fixed by plans since the last audit" in body


# --------------------------------------------------------------------------- thresholds


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "devops-agent.yml"
    path.write_text(text)
    return path


def test_every_threshold_names_its_source_and_defaults_to_the_stricter_value() -> None:
    declared = thresholds()
    assert declared["console_password_max_unused_days"].default == 45  # CIS 1.12, not 90
    assert declared["access_key_max_unused_days"].default == 45
    assert declared["password_min_length"].default == 14
    for item in declared.values():
        assert item.source.strip() and item.meaning.strip(), item.name
    titled = [c for c in discover_checks() if c.meta.thresholds and "{" in c.meta.title]
    assert titled and all("{" not in c.title() for c in titled)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("audit:\n  thresholds:\n    console_password_unused: 90\n", "Did you mean"),
        ("audit:\n  thresholds:\n    password_min_length: [14]\n", "a number of characters"),
        ("audit:\n  thresholds:\n    authorized_public_ports: 443\n", "a list of ports"),
        ("audit:\n  thresholds:\n    snapshot_max_age_days: 0\n", "positive number of days"),
        ("audit:\n  thresholds:\n    authorized_public_ports: [70000]\n", "0 to 65535"),
        ("audit:\n  thresholds:\n    snapshot_max_age_days: a year\n", "whole number"),
        ("audit:\n  thresholds:\n    snapshot_max_age_days: true\n", "whole number"),
    ],
)
def test_a_threshold_the_config_cannot_mean_is_refused(
    tmp_path: Path, text: str, words: str
) -> None:
    with pytest.raises(ConfigError, match=words):
        load_config(config(tmp_path, text))


def test_configured_thresholds_change_the_verdict_and_the_title(tmp_path: Path) -> None:
    from datetime import timedelta

    from devops_agent.audit.engine import evaluate
    from devops_agent.audit.inventory import CredentialReportRow, IamInventory, Inventory

    inventory = Inventory(
        account=ACCOUNT,
        regions=["us-east-1"],
        collected_at=NOW,
        iam=IamInventory(
            credential_report=[
                CredentialReportRow(
                    user="dana",
                    arn=f"arn:aws:iam::{ACCOUNT}:user/dana",
                    password_enabled=True,
                    password_last_used=NOW - timedelta(days=60),
                )
            ]
        ),
    )
    check = [c for c in discover_checks() if c.meta.id == "iam_user_console_access_used_recently"]
    strict = evaluate(inventory, check)
    assert [f.resource_id for f in strict.findings] == ["dana"]
    assert strict.findings[0].title.endswith("last 45 days")
    assert "limit 45 days" in strict.findings[0].detail
    loose = load_config(
        config(tmp_path, "audit:\n  thresholds:\n    console_password_max_unused_days: 90\n")
    )
    assert evaluate(inventory, check, thresholds=loose.thresholds).findings == []
