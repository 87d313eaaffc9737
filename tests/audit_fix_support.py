"""Shared by tests/test_audit_fixes.py and tests/test_audit_fix_ops.py (and its clients and
``instance`` by tests/test_audit_checks.py): a fresh
in-process moto account per test, where a command is run, a plan's entries are carried
out through the registered executors (with a read side for the re-check step), and the
audit is asked again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.iam.models import iam_backends

from devops_agent.app import execute
from devops_agent.audit import run_audit
from devops_agent.catalog import carry_out
from devops_agent.operation import Applying, PlanEntry
from devops_agent.report import Result
from devops_agent.testing import make_context, make_local

REGION = "us-east-1"
ACCOUNT = "123456789012"
REPO = "acme/platform"
WORLD = "0.0.0.0/0"


@dataclass
class Writers:
    """What ``apply`` hands an executor: here the same moto account, and its read side."""

    session: boto3.Session
    read: Any
    applying: Applying = field(default_factory=lambda: Applying("abcdef012345", "alice", "bob"))
    workspace: Path | None = None

    def aws(self) -> boto3.Session:
        return self.session

    def reader(self) -> Any:
        return self.read

    @property
    def github(self) -> Any:
        raise AssertionError("no GitHub here")


@dataclass
class Clients:
    """A moto session's EC2, S3 and IAM clients in :data:`REGION`, each made once."""

    session: boto3.Session

    @cached_property
    def ec2(self) -> Any:
        return self.session.client("ec2", region_name=REGION)

    @cached_property
    def s3(self) -> Any:
        return self.session.client("s3", region_name=REGION)

    @cached_property
    def iam(self) -> Any:
        return self.session.client("iam", region_name=REGION)


@dataclass
class Account(Clients):
    """A fresh account where commands run as alice, with a workspace."""

    workspace: Path

    def context(self) -> Any:
        return make_context(
            workspace=self.workspace,
            repository=REPO,
            event=make_local(repository=REPO, actor="alice"),
            session=self.session,
            mode="local",
        )

    def run(self, command: str) -> Result:
        return execute(self.context(), command)

    def flagged(self, check_id: str) -> set[str]:
        report = run_audit(self.session, [REGION], checks=[check_id], account_id=ACCOUNT)
        assert report.not_audited == [], report.not_audited
        return {f.resource_id for f in report.findings}

    def plan(self, command: str) -> tuple[list[PlanEntry], Result]:
        result = self.run(command)
        assert result.status == "planned", f"{result.title}\n{result.text}"
        entries = [PlanEntry.model_validate(e) for e in result.data["plan"]["entries"]]
        return entries, result

    def apply(self, entries: list[PlanEntry]) -> list[str]:
        writers = Writers(self.session, self.context(), workspace=self.workspace)
        return [carry_out(entry, writers) for entry in entries]

    def fix(self, check_id: str, resource: str, extra: str = "") -> list[str]:
        """The whole loop for one resource; returns the apply's result lines."""
        assert resource in self.flagged(check_id)
        entries, _ = self.plan(f"audit fix {check_id} {extra}".strip())
        assert entries[-1].operation == "audit.recheck"
        assert resource in entries[-1].resources
        assert all(e.operation != "audit.fix" for e in entries)
        lines = self.apply(entries)
        assert lines[-1].startswith(f"re-checked {check_id}"), lines
        assert "resolved" in lines[-1] and resource in lines[-1], lines[-1]
        assert "still failing" not in lines[-1], lines[-1]
        assert resource not in self.flagged(check_id)
        return lines


def fresh_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    """A fresh moto account for one test (each test module wraps this in a fixture)."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    with mock_aws():
        yield Account(boto3.Session(region_name=REGION), tmp_path)


def default_vpc(a: Account) -> str:
    return a.ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0][
        "VpcId"
    ]


def open_group(a: Account, *permissions: dict[str, Any], name: str = "open") -> str:
    group = a.ec2.create_security_group(GroupName=name, Description="t", VpcId=default_vpc(a))[
        "GroupId"
    ]
    a.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=list(permissions))
    return group


def tcp(port: int, to: int | None = None, cidr: str = WORLD) -> dict[str, Any]:
    return {
        "IpProtocol": "tcp",
        "FromPort": port,
        "ToPort": to or port,
        "IpRanges": [{"CidrIp": cidr}],
    }


def instance(a: Clients, **kw: Any) -> str:
    return a.ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, **kw)["Instances"][
        0
    ]["InstanceId"]


def iam_backend() -> Any:
    return iam_backends[ACCOUNT]["global"]
