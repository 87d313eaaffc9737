"""The audit in standard formats: OCSF Detection Findings validated against the OCSF 1.5.0
schema (vendored, see ``tests/data/ocsf/``), ASFF validated against botocore's
``BatchImportFindings`` input shape and imported into moto's Security Hub, and the CLI and
the action writing them."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import jsonschema
import pytest
from botocore.model import Shape
from botocore.validate import ParamValidator
from conftest import REPO
from moto import mock_aws

from devops_agent.audit import AuditReport, CheckResult, Finding, SeverityCounts, fingerprint
from devops_agent.audit.formats import FILE_NAMES, FORMATS, render, resource_type
from devops_agent.audit.formats.asff import to_asff
from devops_agent.audit.formats.ocsf import OCSF_VERSION, to_ocsf
from devops_agent.audit.formats.securityhub import ImportOutcome, import_findings
from devops_agent.audit.operations import AUDIT
from devops_agent.audit.view import metadata
from devops_agent.catalog import role_policy
from devops_agent.cli import AUDIT_FORMATS
from devops_agent_sandbox.payloads import schedule_event

ACCOUNT = "123456789012"
ROOT = Path(__file__).resolve().parents[1]
SCHEMA = Path(__file__).parent / "data" / "ocsf" / f"detection_finding-{OCSF_VERSION}.schema.json"

#: A resource ARN of each kind the checks report, by check service.
_ARNS = {
    "ec2": "arn:aws:ec2:{region}:123456789012:security-group/{id}",
    "vpc": "arn:aws:ec2:{region}:123456789012:vpc/{id}",
    "s3": "arn:aws:s3:::{id}",
    "iam": "arn:aws:iam::123456789012:user/{id}",
}


def every_check_report() -> AuditReport:
    """One finding of every check (one suppressed, one without an ARN), as a report."""
    findings = []
    for n, meta in enumerate(sorted(metadata().values(), key=lambda m: m.id)):
        region = "global" if meta.service in ("iam", "s3") else "eu-west-1"
        resource = f"res-{n}"
        arn = _ARNS[meta.service].format(region=region, id=resource) if n % 7 else None
        findings.append(
            Finding(
                check_id=meta.id,
                title=meta.title,
                severity=meta.severity,
                service=meta.service,
                region=region,
                account=ACCOUNT,
                resource_id=resource,
                resource_arn=arn,
                detail=f"{resource} is wrong. " * (1 if n % 5 else 200),  # some too long
                fingerprint=fingerprint(meta.id, ACCOUNT, region, resource),
                suppressed=n == 3,
                suppression_reason="accepted" if n == 3 else None,
            )
        )
    open_ = [f for f in findings if not f.suppressed]
    return AuditReport(
        tool_version="1.2.3",
        generated_at=datetime(2025, 6, 1, 12, 0, tzinfo=UTC),
        account=ACCOUNT,
        accounts=[ACCOUNT],
        regions=["eu-west-1", "us-east-1"],
        services=["ec2", "vpc", "s3", "iam"],
        counts=SeverityCounts(
            **{
                s: sum(f.severity == s for f in open_)
                for s in ("critical", "high", "medium", "low")
            }
        ),
        suppressed=1,
        checks=[
            CheckResult(id=m.id, service=m.service, severity=m.severity, status="failed")
            for m in metadata().values()
        ],
        findings=findings,
    )


# --------------------------------------------------------------------------- OCSF


@pytest.fixture(scope="module")
def ocsf_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert f"OCSF {OCSF_VERSION} class detection_finding" in schema["$comment"]
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def errors_of(validator: jsonschema.Draft202012Validator, event: dict[str, Any]) -> list[str]:
    return [
        f"{e.json_path} [{e.validator}]: {e.message[:160]}" for e in validator.iter_errors(event)
    ]


def test_every_finding_is_a_valid_ocsf_detection_finding(ocsf_validator) -> None:
    report = every_check_report()
    events = to_ocsf(report)
    assert len(events) == len(report.findings)
    for event in events:
        assert errors_of(ocsf_validator, event) == [], event["metadata"]["event_code"]
    by_check = {e["metadata"]["event_code"]: e for e in events}
    ssh = by_check["ec2_securitygroup_ssh_restricted"]
    assert ssh["class_uid"] == 2004 and ssh["type_uid"] == 200401 and ssh["severity_id"] == 4
    assert ssh["cloud"] == {
        "provider": "AWS",
        "region": "eu-west-1",
        "account": {"uid": ACCOUNT, "type_id": 10, "type": "AWS Account"},
    }
    assert "CIS AWS Foundations Benchmark v3.0.0/5.2" in ssh["finding_info"]["types"]
    quiet = [e for e in events if e["status_id"] == 3]
    assert len(quiet) == 1 and quiet[0]["comment"] == "Suppressed: accepted"


@pytest.mark.parametrize(
    ("break_it", "complaint"),
    [
        (lambda e: e.pop("cloud"), "'cloud' is a required property"),
        (lambda e: e["cloud"].pop("provider"), "'provider' is a required property"),
        (lambda e: e.update(severity_id=7), "7 is not one of"),
        (lambda e: e.update(time="yesterday"), "is not of type 'integer'"),
        (lambda e: e.update(colour="red"), "'colour' was unexpected"),
        (lambda e: e["finding_info"].pop("uid"), "'uid' is a required property"),
        (lambda e: e["metadata"].update(profiles=[]), "[not]"),  # cloud w/o profile
        (lambda e: e["resources"][0].pop("uid") and e["resources"][0].pop("name"), "anyOf"),
    ],
)
def test_the_ocsf_schema_catches_a_broken_event(ocsf_validator, break_it, complaint) -> None:
    """The validator bites: each of these mistakes fails it (so a valid result means something)."""
    event = copy.deepcopy(to_ocsf(every_check_report())[0])
    break_it(event)
    found = errors_of(ocsf_validator, event)
    assert found and any(complaint in e for e in found), found


# --------------------------------------------------------------------------- ASFF


@pytest.fixture(scope="module")
def import_shape() -> Shape:
    model = botocore.session.get_session().get_service_model("securityhub")
    return model.operation_model("BatchImportFindings").input_shape


def _enum_errors(shape: Shape, value: Any, path: str = "") -> list[str]:
    """What botocore's validator leaves out: enumerated values and string lengths."""
    found = []
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                found += _enum_errors(member, value[name], f"{path}.{name}")
    elif shape.type_name == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            found += _enum_errors(shape.member, item, f"{path}[{i}]")
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            found += _enum_errors(shape.value, item, f"{path}[{key}]")
    elif shape.type_name == "string" and shape.enum and value not in shape.enum:
        found.append(f"{path}: {value!r} not in {shape.enum}")
    return found


#: ASFF's documented limits (AWS Security Finding Format, required and optional attributes).
_LIMITS = {"Title": 256, "Description": 1024, "Id": 512, "GeneratorId": 512}


def test_every_finding_is_accepted_by_the_batch_import_shape(import_shape) -> None:
    report = every_check_report()
    findings = to_asff(report, home_region="us-east-1")
    outcome = ParamValidator().validate({"Findings": findings[:100]}, import_shape)
    assert not outcome.has_errors(), outcome.generate_report()
    for finding in findings:
        assert _enum_errors(import_shape, {"Findings": [finding]}) == []
        for field, most in _LIMITS.items():
            assert len(finding[field]) <= most, (field, finding["Id"])
        assert len(finding["Remediation"]["Recommendation"]["Text"]) <= 512
        assert finding["ProductArn"] == (
            f"arn:aws:securityhub:{finding['Region']}:{ACCOUNT}:product/{ACCOUNT}/default"
        )
        assert finding["Resources"][0]["Region"] == finding["Region"] != "global"
    iam = [f for f in findings if f["ProductFields"]["devops-agent/CheckId"].startswith("iam_")]
    assert iam and all(f["Region"] == "us-east-1" for f in iam)  # global ones: home region
    quiet = [f for f in findings if f["Workflow"]["Status"] == "SUPPRESSED"]
    assert len(quiet) == 1 and quiet[0]["Note"]["Text"] == "Suppressed: accepted"


def test_the_shape_check_catches_a_broken_finding(import_shape) -> None:
    finding = to_asff(every_check_report(), home_region="us-east-1")[0]
    missing = {k: v for k, v in finding.items() if k != "Resources"}
    assert ParamValidator().validate({"Findings": [missing]}, import_shape).has_errors()
    wrong = copy.deepcopy(finding)
    wrong["Severity"]["Label"] = "SEVERE"
    assert _enum_errors(import_shape, {"Findings": [wrong]})


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        ("arn:aws:ec2:eu-west-1:123456789012:instance/i-1", "AwsEc2Instance"),
        ("arn:aws:ec2:eu-west-1:123456789012:security-group/sg-1", "AwsEc2SecurityGroup"),
        ("arn:aws:ec2:eu-west-1:123456789012:volume/vol-1", "AwsEc2Volume"),
        ("arn:aws:ec2:eu-west-1:123456789012:elastic-ip/eipalloc-1", "AwsEc2Eip"),
        ("arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1", "AwsEc2Vpc"),
        ("arn:aws:ec2:eu-west-1::snapshot/snap-1", "Other"),
        ("arn:aws-cn:s3:::bucket", "AwsS3Bucket"),
        ("arn:aws:iam::123456789012:user/alice", "AwsIamUser"),
        ("arn:aws:iam::123456789012:role/x", "AwsIamRole"),
        ("arn:aws:iam::123456789012:policy/x", "AwsIamPolicy"),
        ("arn:aws:iam::123456789012:root", "AwsAccount"),
        (None, "AwsAccount"),
    ],
)
def test_resource_types(arn: str | None, expected: str) -> None:
    finding = Finding(
        check_id="x",
        title="x",
        severity="low",
        service="ec2",
        region="eu-west-1",
        account=ACCOUNT,
        resource_id=ACCOUNT if arn is None else "r",
        resource_arn=arn,
        detail="d",
        fingerprint="0" * 20,
    )
    assert resource_type(finding) == expected


def test_findings_land_in_security_hub_region_by_region(monkeypatch) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    report = every_check_report()
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        for region in ("us-east-1", "eu-west-1"):
            session.client("securityhub", region_name=region).enable_security_hub()
        outcome = import_findings(session, report, home_region="us-east-1")
        assert outcome.ok, outcome.sentence()
        landed: dict[str, list[dict[str, Any]]] = {}
        for region in ("us-east-1", "eu-west-1"):
            pages = session.client("securityhub", region_name=region).get_paginator("get_findings")
            landed[region] = [f for page in pages.paginate() for f in page["Findings"]]
    assert sum(len(v) for v in landed.values()) == len(report.findings)
    assert dict(outcome.imported) == {r: len(v) for r, v in landed.items()}
    assert all(f["Region"] == "eu-west-1" for f in landed["eu-west-1"])
    assert "📤 Security Hub:" in outcome.sentence() and "❌" not in outcome.sentence()


def test_an_import_that_failed_says_where_and_why() -> None:
    outcome = ImportOutcome()
    outcome.imported["us-east-1"] = 5
    outcome.errors["eu-west-1"] = "Access denied in eu-west-1: not allowed."
    assert not outcome.ok
    assert "❌ eu-west-1: Access denied" in outcome.sentence()


def test_the_read_role_may_import_into_security_hub() -> None:
    assert "securityhub:BatchImportFindings" in AUDIT.actions
    assert "securityhub:BatchImportFindings" in role_policy("read")["Statement"][0]["Action"]
    assert (
        "securityhub:BatchImportFindings"
        in (Path(__file__).parents[1] / "docs" / "security.md").read_text()
    )


def test_formats_are_declared_once() -> None:
    assert tuple(AUDIT_FORMATS) == FORMATS
    assert set(FILE_NAMES) <= set(FORMATS)
    report = every_check_report()
    for fmt in FORMATS:
        assert render(report, fmt)
    with pytest.raises(ValueError, match="unknown audit format"):
        render(report, "xml")


# --------------------------------------------------------------------------- CLI and action


def _cli(tmp_path: Path, aws_endpoint: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    env["AWS_ENDPOINT_URL"] = aws_endpoint
    # It runs in tmp_path (where the default report goes): this checkout's package first.
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "devops_agent", "audit", "--regions", "us-east-1", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.e2e
def test_cli_formats_and_the_report_it_always_writes(
    tmp_path: Path, aws_endpoint: str, estate, ocsf_validator, import_shape
) -> None:
    markdown = _cli(tmp_path, aws_endpoint)
    assert markdown.returncode == 0, markdown.stderr
    report = tmp_path / ".devops-agent" / "report.json"
    assert report.is_file()  # written without --json, so the pointer names a real file
    assert "`.devops-agent/report.json`" in markdown.stdout
    assert markdown.stdout.startswith("### 🔴 Audit:") or markdown.stdout.startswith("### 🟠")

    ocsf = _cli(tmp_path, aws_endpoint, "--format", "ocsf", "--json", "r.json")
    assert ocsf.returncode == 0, ocsf.stderr
    events = json.loads(ocsf.stdout)
    assert events and all(errors_of(ocsf_validator, e) == [] for e in events)
    assert len(events) == len(json.loads((tmp_path / "r.json").read_text())["findings"])

    asff = _cli(tmp_path, aws_endpoint, "--format", "asff")
    findings = json.loads(asff.stdout)
    for start in range(0, len(findings), 100):
        batch = {"Findings": findings[start : start + 100]}
        assert not ParamValidator().validate(batch, import_shape).has_errors()

    text = _cli(tmp_path, aws_endpoint, "--format", "text")
    assert text.returncode == 0
    for raw in ("```", "<details>", "mermaid", "| ---"):
        assert raw not in text.stdout
    assert "FAILING CHECKS" in text.stdout and ".devops-agent/report.json" in text.stdout


def test_audit_help_shows_merge_as_optional() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "devops_agent", "audit", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    usage = done.stdout.split("\n\n")[0]
    assert usage.splitlines()[0] == "usage: devops-agent audit [options]"
    assert "devops-agent audit merge FILE [FILE ...] [options]" in usage
    assert "optional verb" in done.stdout and "--format" in done.stdout


@pytest.mark.e2e
@pytest.mark.in_process
def test_a_scheduled_audit_exports_and_imports_into_security_hub(
    action, github, estate, server_session
) -> None:
    for region in ("us-east-1", "eu-west-1"):
        server_session.client("securityhub", region_name=region).enable_security_hub()
    env = action.env(
        "schedule",
        schedule_event(REPO),
        aws_regions="us-east-1,eu-west-1",
        audit_format="ocsf,asff",
        securityhub_import="true",
    )
    run = action.run(env, timeout=180)
    assert run.code == 0, run.stdout + run.stderr
    files = json.loads(run.outputs["report-files"])
    assert set(files) == {"json", "ocsf", "asff"}
    report = json.loads((run.workspace / files["json"]).read_text())
    ocsf = json.loads((run.workspace / files["ocsf"]).read_text())
    assert len(ocsf) == len(report["findings"])
    landed = 0
    for region in ("us-east-1", "eu-west-1"):
        pages = server_session.client("securityhub", region_name=region).get_paginator(
            "get_findings"
        )
        landed += sum(len(p["Findings"]) for p in pages.paginate())
    assert landed == len(report["findings"])
    assert "📤 Security Hub:" in run.summary
    assert len(run.outputs["result"]) < 10_000  # a summary, never the findings themselves


@pytest.mark.e2e
@pytest.mark.in_process
def test_a_schedule_that_cannot_keep_its_issue_fails(action, github, estate) -> None:
    github.fail_next("POST", r"/issues$", status=403, times=5, body={"message": "Resource not accessible by integration"})  # fmt: skip
    run = action.run(
        action.env("schedule", schedule_event(REPO), aws_regions="us-east-1"), timeout=180
    )
    assert run.code == 1
    assert run.outputs["status"] == "failure"
    assert "::error" in run.stdout and "Could not create or update the devops-audit issue" in (
        run.stdout
    )
    assert "403" in run.stdout and "Resource not accessible by integration" in run.stdout
