"""The audit engine against moto: the seeded estate, unreadable parts, concurrency, merging.

In-process ``mock_aws`` for most tests; one test runs against moto's HTTP
server (``server_session``), where the account-level S3 Control endpoint cannot
be reached and must be reported as not audited, never as clean.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import botocore.loaders
import botocore.session
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count

from devops_agent.audit import (
    AuditReport,
    CheckResult,
    Finding,
    NotAudited,
    SeverityCounts,
    discover_checks,
    evaluate,
    fingerprint,
    merge_reports,
    parse_report,
    reading,
    run_audit,
)
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.registry import Check
from devops_agent.errors import BadInput
from devops_agent_sandbox.estate import seed

REGIONS = ("us-east-1", "eu-west-1")
ACCOUNT = "123456789012"
_LOADER = botocore.loaders.create_loader()


def fresh_session(**kwargs: str) -> boto3.Session:
    """A new session that reuses botocore's already-parsed service models."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    return boto3.Session(botocore_session=core, region_name="us-east-1", **kwargs)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    with mock_aws():
        yield fresh_session()


@pytest.fixture
def estate(aws: boto3.Session) -> tuple[boto3.Session, dict]:
    return aws, seed(aws, REGIONS)


def by_check(report: AuditReport, check_id: str) -> set[str]:
    return {f.resource_id for f in report.findings if f.check_id == check_id}


def status(report: AuditReport, check_id: str) -> str:
    return next(c.status for c in report.checks if c.id == check_id)


# --------------------------------------------------------------------------- the demo estate


def test_seeded_estate_findings(estate: tuple[boto3.Session, dict]) -> None:
    session, made = estate
    report = run_audit(session, list(REGIONS))

    groups = made["security_groups"]
    instances = made["instances"]
    assert by_check(report, "ec2_securitygroup_ssh_restricted") == {groups["legacy-ssh"]["id"]}
    assert by_check(report, "s3_bucket_policy_not_public") == {"acme-staging-uploads"}
    assert by_check(report, "ec2_instance_imdsv2_required") == {
        instances["web-1"]["id"],
        instances["web-2"]["id"],
    }  # worker-1 requires IMDSv2
    assert by_check(report, "iam_user_no_attached_policies") == {"ci-deployer"}
    assert by_check(report, "ec2_securitygroup_in_use") == {groups["staging-db"]["id"]}
    assert made["subnets"]["prod-public"]["id"] in by_check(
        report, "vpc_subnet_no_public_ip_on_launch"
    )
    assert made["subnets"]["prod-private"]["id"] not in by_check(
        report, "vpc_subnet_no_public_ip_on_launch"
    )
    assert by_check(report, "iam_root_mfa_enabled") == {"root"}
    assert by_check(report, "ec2_securitygroup_rdp_restricted") == set()

    staging = next(f for f in report.findings if f.resource_id == "acme-staging-uploads")
    assert (
        staging.region == "eu-west-1"
        and staging.resource_arn == "arn:aws:s3:::acme-staging-uploads"
    )
    ssh = next(f for f in report.findings if f.check_id == "ec2_securitygroup_ssh_restricted")
    assert "legacy-ssh" in ssh.detail and "0.0.0.0/0" in ssh.detail and ssh.severity == "high"

    assert report.not_audited == []
    assert {c.status for c in report.checks} <= {"passed", "failed"}
    assert len(report.checks) == len(discover_checks())
    assert report.account == ACCOUNT and report.regions == list(REGIONS)
    assert report.counts.total == len(report.findings) and report.suppressed == 0
    # ranked: severity first, then check, region, resource
    ranks = [
        (
            ("critical", "high", "medium", "low").index(f.severity),
            f.check_id,
            f.region,
            f.resource_id,
        )
        for f in report.findings
    ]
    assert ranks == sorted(ranks)
    # calls are counted per operation, and listings are not repeated per check
    assert report.api_calls > 0
    assert report.api_calls < 120


def test_calls_are_counted_and_each_listing_made_once(aws: boto3.Session) -> None:
    seed(aws, REGIONS)
    inventory = reading.collect(
        aws,
        list(REGIONS),
        {p for c in discover_checks() for p in c.meta.requires},
        account_id=ACCOUNT,
    )
    calls = inventory.api_calls_by_operation
    assert inventory.api_calls == sum(calls.values())
    assert calls["ec2.DescribeInstances"] == len(REGIONS)
    assert calls["ec2.DescribeSecurityGroups"] == len(REGIONS)
    # moto's ListBuckets leaves out each bucket's region (AWS's does not): one listing
    # filtered by region per audited region answers it, not one GetBucketLocation per bucket
    assert calls["s3.ListBuckets"] == 1 + len(REGIONS)
    assert "s3.GetBucketLocation" not in calls
    assert calls["iam.GetAccountAuthorizationDetails"] == 1
    assert calls["s3.GetBucketPolicyStatus"] == 1  # only the bucket that has a policy
    assert "sts.GetCallerIdentity" not in calls  # the account id was given


def test_sequential_and_concurrent_runs_agree(estate: tuple[boto3.Session, dict]) -> None:
    session, _ = estate
    fast = run_audit(session, list(REGIONS))
    slow = run_audit(session, list(REGIONS), sequential=True)
    assert [f.fingerprint for f in fast.findings] == [f.fingerprint for f in slow.findings]
    assert fast.api_calls == slow.api_calls


def test_fingerprints_are_stable_across_runs(estate: tuple[boto3.Session, dict]) -> None:
    session, made = estate
    first = run_audit(session, list(REGIONS), checks=["ec2_securitygroup_*", "ec2_instance_*"])
    second = run_audit(session, list(REGIONS), checks=["ec2_securitygroup_*", "ec2_instance_*"])
    assert {f.fingerprint for f in first.findings} == {f.fingerprint for f in second.findings}
    ssh = next(f for f in first.findings if f.check_id == "ec2_securitygroup_ssh_restricted")
    assert ssh.fingerprint == fingerprint(
        "ec2_securitygroup_ssh_restricted",
        ACCOUNT,
        "us-east-1",
        made["security_groups"]["legacy-ssh"]["id"],
    )
    assert fingerprint("a", "1", "r", "x") != fingerprint("a", "1", "r", "y")
    assert fingerprint("a", "1", "r", "x") != fingerprint("a", "2", "r", "x")
    assert len(ssh.fingerprint) == 20


def test_services_filter_reads_only_what_their_checks_need(aws: boto3.Session) -> None:
    seed(aws, REGIONS)
    report = run_audit(aws, ["us-east-1"], services=["iam"])
    assert {c.service for c in report.checks} == {"iam"}
    assert report.services == ["iam"] and report.regions == ["us-east-1"]
    assert all(f.region == "global" for f in report.findings)
    with pytest.raises(BadInput, match="Unknown audit service: lambda"):
        run_audit(aws, ["us-east-1"], services=["lambda"])
    with pytest.raises(BadInput, match="No audit check matches"):
        run_audit(aws, ["us-east-1"], checks=["ec2_nope"])
    with pytest.raises(BadInput, match="us-eats-1"):
        run_audit(aws, ["us-eats-1"])


# --------------------------------------------------------------------------- not audited

_READER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["ec2:Describe*", "ec2:Get*", "s3:List*", "s3:Get*"],
            "Resource": "*",
        },
        {"Effect": "Deny", "Action": "ec2:DescribeSnapshots", "Resource": "*"},
    ],
}


@set_initial_no_auth_action_count(4)
@mock_aws
def test_denied_parts_are_not_audited_never_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    """A role without IAM read access and with DescribeSnapshots denied: those parts are
    listed with the missing permission, and their checks report not audited."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    admin = fresh_session().client("iam")
    admin.create_user(UserName="auditor")
    admin.put_user_policy(
        UserName="auditor", PolicyName="read", PolicyDocument=json.dumps(_READER_POLICY)
    )
    key = admin.create_access_key(UserName="auditor")["AccessKey"]
    admin.create_user(UserName="no-mfa")  # the 4th free call; from here on IAM is enforced
    reader = fresh_session(
        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )

    report = run_audit(reader, ["us-east-1"], services=["ec2", "iam"], account_id=ACCOUNT)

    iam_gaps = [g for g in report.not_audited if g.service == "iam"]
    assert {g.permission for g in iam_gaps} == {
        "iam:GenerateCredentialReport",
        "iam:GetAccountAuthorizationDetails",
        "iam:GetAccountSummary",
        "iam:GetAccountPasswordPolicy",
        "iam:ListVirtualMFADevices",
        "iam:ListServerCertificates",
    }
    assert all(g.code == "AccessDenied" and g.region == "global" for g in iam_gaps)
    assert all("auditor" in g.reason for g in iam_gaps)
    snapshots = next(g for g in report.not_audited if g.part == "ec2.snapshots")
    assert snapshots.permission == "ec2:DescribeSnapshots" and snapshots.region == "us-east-1"
    assert set(snapshots.checks) == {
        "ec2_ebs_snapshot_encrypted",
        "ec2_ebs_snapshot_private",
        "ec2_ebs_snapshot_under_365_days",
    }
    for result in report.checks:
        if result.service == "iam" or result.id.startswith("ec2_ebs_snapshot"):
            assert result.status == "not_audited", result
            assert "Not read:" in result.note
        else:
            assert result.status in ("passed", "failed"), result
    assert not [f for f in report.findings if f.service == "iam"]
    assert by_check(report, "ec2_securitygroup_default_restricted")  # EC2 still judged


def test_one_broken_reader_or_check_does_not_sink_the_audit(
    aws: boto3.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(reader: object, region: str) -> object:
        raise RuntimeError("volume parser bug")

    monkeypatch.setitem(reading._REGIONAL, "ec2.volumes", broken)
    aws.client("ec2", region_name="us-east-1").create_volume(AvailabilityZone="us-east-1a", Size=1)
    report = run_audit(aws, ["us-east-1"], services=["ec2"], account_id=ACCOUNT)
    gap = next(g for g in report.not_audited if g.part == "ec2.volumes")
    assert gap.code == "RuntimeError" and "volume parser bug" in gap.reason
    assert status(report, "ec2_ebs_volume_encrypted") == "not_audited"
    assert status(report, "ec2_securitygroup_default_restricted") == "failed"

    def explode(inventory: Inventory) -> list:
        raise ValueError("bad check")

    good, *_ = discover_checks()
    faulty = Check(
        meta=good.meta.model_copy(update={"id": "ec2_faulty_check"}), run=explode, module="x"
    )
    inventory = Inventory(account=ACCOUNT, regions=["us-east-1"], collected_at=datetime.now(UTC))
    result = evaluate(inventory, [faulty, good])
    assert result.checks[0].status == "error" and "bad check" in result.checks[0].note
    assert result.checks[1].status == "passed"


def test_server_endpoint_s3control_is_not_audited(server_session: boto3.Session) -> None:
    """Against moto's server the account endpoint <account>.127.0.0.1 cannot resolve."""
    seed(server_session, REGIONS)
    report = run_audit(server_session, list(REGIONS), services=["s3"])
    gap = next(g for g in report.not_audited if g.part == "s3.account_public_access_block")
    assert gap.permission == "s3:GetAccountPublicAccessBlock"
    assert gap.code == "EndpointUnreachable" and "127.0.0.1" in gap.reason
    assert gap.checks == ("s3_account_public_access_block_enabled",)
    assert status(report, "s3_account_public_access_block_enabled") == "not_audited"
    assert by_check(report, "s3_account_public_access_block_enabled") == set()
    assert by_check(report, "s3_bucket_policy_not_public") == {"acme-staging-uploads"}
    assert report.account == ACCOUNT  # asked from STS


def test_credential_report_is_polled_until_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    naps: list[float] = []
    monkeypatch.setattr(reading.time, "sleep", naps.append)
    session = fresh_session(aws_access_key_id="x", aws_secret_access_key="y")
    reader = reading._Reader(session, home_region="us-east-1", sequential=True, max_workers=1)
    iam = reader.client("iam")
    csv_text = (
        "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
        "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
        "access_key_1_last_used_date,access_key_2_active,access_key_2_last_rotated,"
        "access_key_2_last_used_date\n"
        "<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,"
        "2025-01-01T00:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,false,N/A,N/A\n"
        "dana,arn:aws:iam::123456789012:user/dana,2021-01-01T00:00:00+00:00,true,no_information,"
        "2021-01-01T00:00:00+00:00,N/A,false,true,2021-01-02T00:00:00+00:00,N/A,false,N/A,N/A\n"
    )
    with Stubber(iam) as stub:
        stub.add_response("generate_credential_report", {"State": "STARTED"})
        stub.add_client_error("get_credential_report", "ReportInProgress", http_status_code=410)
        stub.add_response("get_credential_report", {"Content": csv_text.encode()})
        rows = reading._iam_credential_report(reader)
    assert naps == [0.5]
    root, dana = rows
    assert root.is_root and root.mfa_active and root.password_last_used is not None
    assert dana.password_enabled and not dana.mfa_active and dana.password_last_used is None
    assert [k.slot for k in dana.access_keys] == [1]
    assert dana.access_keys[0].last_rotated == datetime(2021, 1, 2, tzinfo=UTC)


# --------------------------------------------------------------------------- merge


def _report(
    account: str, findings: list[Finding], gaps: list[NotAudited] | None = None
) -> AuditReport:
    return AuditReport(
        tool_version="0",
        generated_at=datetime(2025, 6, 1, tzinfo=UTC),
        account=account,
        accounts=[account],
        regions=["us-east-1"],
        services=["ec2"],
        counts=SeverityCounts(high=len(findings)),
        not_audited=gaps or [],
        checks=[
            CheckResult(
                id="ec2_securitygroup_ssh_restricted",
                service="ec2",
                severity="high",
                status="failed" if findings else "passed",
                findings=len(findings),
            )
        ],
        api_calls=10,
        duration_seconds=2.0 if account.endswith("1") else 3.0,
        findings=findings,
    )


def _finding(account: str, resource: str, severity: str = "high") -> Finding:
    check = "ec2_securitygroup_ssh_restricted"
    return Finding(
        check_id=check,
        title="SSH",
        severity=severity,  # type: ignore[arg-type]
        service="ec2",
        region="us-east-1",
        account=account,
        resource_id=resource,
        detail=f"{resource} is open.",
        fingerprint=fingerprint(check, account, "us-east-1", resource),
    )


def test_merge_deduplicates_and_keeps_every_gap() -> None:
    a1 = "111111111111"
    b2 = "222222222222"
    gap_a = NotAudited(
        service="iam",
        region="global",
        part="iam.account_summary",
        permission="iam:GetAccountSummary",
        code="AccessDenied",
        reason="denied",
    )
    gap_b = gap_a.model_copy(update={"reason": "denied in b"})
    first = _report(a1, [_finding(a1, "sg-1"), _finding(a1, "sg-2")], [gap_a])
    again = _report(a1, [_finding(a1, "sg-1")], [gap_a])  # the same account audited twice
    other = _report(b2, [_finding(b2, "sg-1")], [gap_b])

    merged = merge_reports([first, again, other])

    assert len(merged.findings) == 3  # sg-1 of account a1 once
    assert {(f.account, f.resource_id) for f in merged.findings} == {
        (a1, "sg-1"),
        (a1, "sg-2"),
        (b2, "sg-1"),
    }
    assert merged.not_audited == [gap_a, gap_b]
    assert merged.accounts == [a1, b2] and merged.account == "multiple"
    assert merged.counts.high == 3 and merged.api_calls == 30
    assert merged.duration_seconds == 3.0
    assert merged.checks[0].findings == 3 and merged.checks[0].status == "failed"
    assert merge_reports([first]).account == a1
    with pytest.raises(BadInput):
        merge_reports([])


def test_report_json_round_trip_and_version_check() -> None:
    report = _report("111111111111", [_finding("111111111111", "sg-1")])
    text = report.model_dump_json()
    assert parse_report(text) == report
    data = json.loads(text)
    assert data["schema_version"] == 1
    data["schema_version"] = 2
    with pytest.raises(BadInput, match="schema_version 2"):
        parse_report(json.dumps(data), source="old.json")
    with pytest.raises(BadInput, match="not JSON"):
        parse_report("{nope", source="x.json")
