"""The audit's pure side: config and suppressions, Markdown, fail-on, and generated docs."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from devops_agent.audit import (
    AuditConfig,
    AuditReport,
    CheckResult,
    Finding,
    NotAudited,
    SeverityCounts,
    Suppression,
    apply_suppressions,
    decode_state,
    encode_state,
    fingerprint,
    load_config,
    render_markdown,
    severity_at_least,
)
from devops_agent.audit.docs import main as docs_main
from devops_agent.audit.docs import render_checks_doc, render_schema_doc
from devops_agent.errors import BadInput, ConfigError

ACCOUNT = "123456789012"
DOCS = Path(__file__).resolve().parents[1] / "docs"


def finding(
    check: str, resource: str, severity: str = "high", region: str = "us-east-1", **kw
) -> Finding:
    return Finding(
        check_id=check,
        title=f"title of {check}",
        severity=severity,  # type: ignore[arg-type]
        service=check.split("_", 1)[0],  # type: ignore[arg-type]
        region=region,
        account=ACCOUNT,
        resource_id=resource,
        resource_arn=kw.pop("arn", None),
        detail=kw.pop("detail", f"{resource} is wrong."),
        fingerprint=fingerprint(check, ACCOUNT, region, resource),
    )


def report(findings: list[Finding], **extra) -> AuditReport:
    counts = {
        s: sum(f.severity == s for f in findings) for s in ("critical", "high", "medium", "low")
    }
    checks = sorted({f.check_id for f in findings})
    return AuditReport(
        tool_version="0",
        generated_at=datetime(2025, 6, 1, 12, 0, tzinfo=UTC),
        account=ACCOUNT,
        accounts=[ACCOUNT],
        regions=["us-east-1"],
        services=["ec2", "s3"],
        counts=SeverityCounts(**counts),
        checks=[
            CheckResult(id=c, service=c.split("_", 1)[0], severity="high", status="failed")  # type: ignore[arg-type]
            for c in checks
        ],
        findings=findings,
        **extra,
    )


SSH = "ec2_securitygroup_ssh_restricted"
POLICY = "s3_bucket_policy_not_public"
LOGGING = "s3_bucket_access_logging_enabled"


@pytest.fixture
def sample() -> AuditReport:
    return report(
        [
            finding(POLICY, "acme-public", "critical", arn="arn:aws:s3:::acme-public"),
            finding(SSH, "sg-0aaa", "high"),
            finding(SSH, "sg-0bbb", "high"),
            finding(LOGGING, "acme-logs", "medium"),
            finding(LOGGING, "acme-assets", "medium"),
        ]
    )


# --------------------------------------------------------------------------- config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "devops-agent.yml"
    path.write_text(text)
    return path


def test_missing_file_or_section_gives_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "nope.yml") == AuditConfig()
    assert load_config(write(tmp_path, "agent:\n  model: x\n")) == AuditConfig()
    assert load_config(write(tmp_path, "")) == AuditConfig()


def test_valid_config(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            """
audit:
  regions: [us-east-1, eu-west-1]
  services: [ec2, s3]
  suppressions:
    - check: ec2_securitygroup_ssh_restricted
      resource: sg-0aaa
      reason: Bastion host behind a NACL allow-list
      expires: 2025-12-31
    - check: "s3_bucket_*"
      resource: "acme-log*"
      reason: log buckets do not log themselves
""",
        )
    )
    assert config.regions == ["us-east-1", "eu-west-1"] and config.services == ["ec2", "s3"]
    first, second = config.suppressions
    assert first.expires == date(2025, 12, 31) and second.resource == "acme-log*"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "audit:\n  suppressions:\n    - check: ec2_securitygroup_ssh_restricted\n      reason: ok\n"
            "    - check: ec2_securitygroup_shh_restricted\n      reason: typo\n",
            [
                r"audit\.suppressions\[1\]",
                "ec2_securitygroup_shh_restricted",
                "no audit check",
                "Did you mean ec2_securitygroup_ssh_restricted",
            ],
        ),
        (
            "audit:\n  suppressions:\n    - check: ec2_securitygroup_ssh_restricted\n",
            [
                r"audit\.suppressions\[0\] \(check: 'ec2_securitygroup_ssh_restricted'\)",
                "`reason` is missing",
            ],
        ),
        (
            "audit:\n  suppressions:\n    - check: ec2_*\n      reason: '  '\n",
            [r"audit\.suppressions\[0\]", "reason must say why"],
        ),
        (
            "audit:\n  suppressions:\n    - check: ec2_*\n      reason: x\n      expires: 2025-13-01\n",
            [r"audit\.suppressions\[0\] \(check: 'ec2_\*'\)", "YYYY-MM-DD", "2025-13-01"],
        ),
        (
            "audit:\n  suppressions:\n    - check: ec2_*\n      resorce: sg-1\n      reason: x\n",
            ["unknown key `resorce`", "did you mean `resource`"],
        ),
        ("audit:\n  services: [ec2, lambda]\n", ["'lambda' is not an audit service"]),
        ("audit: [1, 2]\n", ["`audit` must be a mapping"]),
        ("- just\n- a list\n", ["must be a mapping of keys"]),
        ("audit:\n  suppressions:\n    - check: [unclosed\n", ["not valid YAML", "line"]),
    ],
    ids=[
        "unknown-check",
        "missing-reason",
        "blank-reason",
        "bad-date",
        "typo-key",
        "bad-service",
        "audit-not-mapping",
        "top-level-list",
        "yaml-syntax",
    ],
)
def test_bad_config_names_file_entry_and_problem(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = err.value.message
    assert str(path) in message
    for pattern in expected:
        assert re.search(pattern, message), (pattern, message)
    assert err.value.exit_code == 2


# --------------------------------------------------------------------------- suppressions


def test_suppressions_match_count_and_stay_visible(sample: AuditReport) -> None:
    rules = [
        Suppression(check=SSH, resource="sg-0aaa", reason="bastion"),
        Suppression(check="s3_bucket_*", resource="arn:aws:s3:::acme-pub*", reason="website"),
        Suppression(check=LOGGING, resource="acme-logs", region="eu-*", reason="other region"),
    ]
    out = apply_suppressions(sample, rules)
    quiet = {f.resource_id: f.suppression_reason for f in out.findings if f.suppressed}
    assert quiet == {"sg-0aaa": "bastion", "acme-public": "website"}  # ARN pattern matched too
    assert len(out.findings) == len(sample.findings)  # counted, not hidden
    assert out.suppressed == 2
    assert out.counts == SeverityCounts(critical=0, high=1, medium=2, low=0)
    ssh = next(c for c in out.checks if c.id == SSH)
    assert ssh.suppressed == 1
    assert not severity_at_least(out, "critical") and severity_at_least(out, "high")


def test_expired_suppressions_no_longer_apply_and_are_listed(sample: AuditReport) -> None:
    old = Suppression(check=SSH, resource="sg-0aaa", reason="bastion", expires=date(2025, 5, 31))
    today = Suppression(
        check=SSH, resource="sg-0bbb", reason="until today", expires=date(2025, 6, 1)
    )
    out = apply_suppressions(sample, [old, today])
    assert {f.resource_id for f in out.findings if f.suppressed} == {"sg-0bbb"}
    assert out.expired_suppressions == [old]
    later = apply_suppressions(sample, [old, today], today=date(2025, 6, 2))
    assert later.suppressed == 0 and later.expired_suppressions == [old, today]
    assert "Expired suppressions" in render_markdown(later)


def test_fail_on_levels(sample: AuditReport) -> None:
    assert severity_at_least(sample, "critical")
    assert severity_at_least(sample, "LOW")
    assert not severity_at_least(sample, "never")
    only_low = report([finding(LOGGING, "b", "low")])
    assert not severity_at_least(only_low, "medium") and severity_at_least(only_low, "low")
    with pytest.raises(BadInput, match="fail-on"):
        severity_at_least(sample, "severe")


# --------------------------------------------------------------------------- markdown


def test_markdown_counts_chart_groups_and_remediation(sample: AuditReport) -> None:
    text = render_markdown(sample)
    assert "```mermaid\npie showData title Open findings by severity" in text
    assert '"critical" : 1' in text and '"high" : 2' in text and '"low"' not in text
    assert text.index(POLICY) < text.index(SSH) < text.index(LOGGING)  # worst first
    assert "<details><summary>Remediation</summary>" in text
    assert "```bash\naws ec2 revoke-security-group-ingress" in text and "```hcl" in text
    assert "CIS 5.2, 5.3" in text and "FSBP EC2.13" in text
    assert "| sg-0aaa | us-east-1 |" in text
    assert "New since the last audit" not in text and "Not audited" not in text


def state_of(audit: AuditReport, limit: int = 10_000):
    marker, parts = encode_state(audit, inline_limit=limit, part_limit=60_000)
    assert not parts
    return decode_state("body\n" + marker)


def test_markdown_new_and_resolved_since_last_audit(sample: AuditReport) -> None:
    gone = finding(SSH, "sg-0old")
    before = report([sample.findings[1], gone])
    labels = state_of(before)
    assert sample.findings[1].fingerprint in labels and gone.fingerprint in labels
    assert len(labels) == 2

    text = render_markdown(sample, previous_fingerprints=labels)
    new = text[text.index("New since the last audit") : text.index("Resolved since")]
    assert "acme-public" in new and "sg-0bbb" in new and "sg-0aaa" not in new
    resolved = text[text.index("Resolved since the last audit (1)") :]
    assert f"`{SSH}` sg-0old us-east-1" in resolved

    as_set = render_markdown(sample, previous_fingerprints={gone.fingerprint})
    assert "Resolved since the last audit (1)" in as_set
    nothing = render_markdown(
        sample, previous_fingerprints={f.fingerprint for f in sample.findings}
    )
    assert "_Nothing new._" in nothing and "_Nothing resolved._" in nothing


def test_markdown_does_not_call_unread_findings_resolved(sample: AuditReport) -> None:
    gap = NotAudited(
        service="ec2",
        region="us-east-1",
        part="ec2.security_groups",
        permission="ec2:DescribeSecurityGroups",
        code="AccessDenied",
        reason="Access denied.",
        checks=(SSH,),
    )
    blind = report([sample.findings[0]], not_audited=[gap])
    blind = blind.model_copy(
        update={
            "checks": [
                *blind.checks,
                CheckResult(id=SSH, service="ec2", severity="high", status="not_audited"),
                CheckResult(id=LOGGING, service="s3", severity="medium", status="passed"),
            ]
        }
    )
    labels = state_of(sample)
    text = render_markdown(blind, previous_fingerprints=labels)
    assert "### ⚠️ Not audited" in text and "`ec2:DescribeSecurityGroups`" in text
    assert "missing permission" in text
    resolved = text[text.index("Resolved since") :]
    assert "sg-0aaa" not in resolved and "could not be re-checked" in resolved
    assert "acme-logs" in resolved  # its check ran and found nothing


def test_markdown_escapes_what_aws_wrote_and_fits_the_limit() -> None:
    hostile = finding(SSH, "sg-1", detail="name <img src=x> | injected\n# heading")
    many = [finding(LOGGING, f"bucket-{i:04d}", "medium") for i in range(400)]
    big = report([hostile, *many])
    text = render_markdown(big, limit=8000)
    assert len(text) <= 8000
    assert "<img" not in text and "&lt;img src=x&gt; \\| injected # heading" in text
    assert "… and 390 more" in text or "did not fit" in text
    tiny = render_markdown(big, limit=2500)
    assert len(tiny) <= 2500 and "did not fit" in tiny


def test_markdown_for_a_clean_report() -> None:
    text = render_markdown(report([]))
    assert "No open findings" in text and "mermaid" not in text


# --------------------------------------------------------------------------- docs


def test_committed_docs_are_up_to_date() -> None:
    """Run `python -m devops_agent.audit.docs` after changing a check or the report."""
    assert (DOCS / "audit-checks.md").read_text() == render_checks_doc()
    assert (DOCS / "audit-report-schema.md").read_text() == render_schema_doc()
    assert docs_main(["--check", "--out-dir", str(DOCS)]) == 0


def test_docs_list_every_check_and_field(tmp_path: Path) -> None:
    checks_doc = render_checks_doc()
    for check_id in (SSH, POLICY, "iam_root_mfa_enabled", "vpc_flow_logs_enabled"):
        assert f"### {check_id}" in checks_doc
    assert '"s3:GetBucketPolicy"' in checks_doc  # the permissions policy
    schema_doc = render_schema_doc()
    for field in (
        "schema_version",
        "fingerprint",
        "not_audited",
        "suppression_reason",
        "api_calls",
    ):
        assert f"`{field}`" in schema_doc
    assert docs_main(["--out-dir", str(tmp_path)]) == 0
    assert docs_main(["--check", "--out-dir", str(tmp_path)]) == 0
    (tmp_path / "audit-checks.md").write_text("stale")
    assert docs_main(["--check", "--out-dir", str(tmp_path)]) == 1


def test_state_keeps_every_finding_and_labels_what_fits(sample: AuditReport) -> None:
    full, parts = encode_state(sample, inline_limit=10_000, part_limit=60_000)
    state = decode_state(full)
    assert not parts and len(state) == 5 and len(state.labels) == 5
    bare, parts = encode_state(sample, inline_limit=len(full) - 1, part_limit=60_000)
    state = decode_state(bare)
    assert not parts and len(state) == 5 and len(state.labels) < 5  # labels cut, marks whole
    assert decode_state("no marker here") is None
