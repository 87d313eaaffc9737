"""Shared by the tests/test_aws_ops_*.py modules: an in-process moto account to run
commands in, plan changes and carry them out through the registered executors.

Each module keeps one ``mock_aws`` account (module-scoped: moto's EC2 backend and
botocore's models load once) and one boto3 session, shared by the read context
and the "write role", so a command takes milliseconds. Tests create their own
resources with their own names, so they do not depend on each other's order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from conftest import FAKE_AWS
from moto import mock_aws

from devops_agent.app import execute
from devops_agent.catalog import carry_out
from devops_agent.context import DevOpsContext
from devops_agent.operation import Applying
from devops_agent.plans import PlanEntry
from devops_agent.report import Result, render_body, render_json
from devops_agent.testing import make_context, make_local

REPO = "acme/platform"


def isolate_aws(patch: pytest.MonkeyPatch) -> None:
    """Fake credentials, no real endpoint, no profile: nothing can reach AWS."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        patch.delenv(name, raising=False)
    for name, value in FAKE_AWS.items():
        patch.setenv(name, value)


@dataclass
class Writers:
    """What the apply path hands an executor: here the same moto account."""

    session: boto3.Session
    gh: Any = None
    workspace: Path | None = None
    read: Any = None
    """The read side (a context); the tests' read and write sides share one account."""
    applying: Applying = field(default_factory=lambda: Applying("0" * 12, "alice", "bob"))

    def aws(self) -> boto3.Session:
        return self.session

    def reader(self) -> Any:
        assert self.read is not None, "this operation reads back with the read role"
        return self.read

    @property
    def github(self) -> Any:
        assert self.gh is not None, "this operation needs GitHub"
        return self.gh


@dataclass
class Account:
    """One moto account and a workspace to run commands against."""

    session: boto3.Session
    workspace: Path
    posted: list[str] = field(default_factory=list)
    """Everything a command's answer would have posted (body and JSON), for leak checks."""

    def context(self) -> DevOpsContext:
        # The run's read session is the test's session (no new models loaded per command).
        return make_context(
            workspace=self.workspace,
            repository=REPO,
            event=make_local(repository=REPO, actor="alice"),
            session=self.session,
            mode="local",
        )

    def run(self, command: str) -> Result:
        result = execute(self.context(), command)
        self.posted.append(render_body(result) + json.dumps(render_json(result), default=str))
        return result

    def plan(self, command: str) -> list[PlanEntry]:
        """The entries of the plan ``command`` proposes (it must propose one)."""
        result = self.run(command)
        assert result.status == "planned", f"{result.title}\n{result.text}"
        assert result.plan_block
        return [PlanEntry.model_validate(e) for e in result.data["plan"]["entries"]]

    def apply(self, entries: list[PlanEntry], gh: Any = None) -> list[str]:
        """Carry the entries out through the registered executors, as ``apply`` does."""
        writers = Writers(self.session, gh, self.workspace, self.context())
        done = [carry_out(entry, writers) for entry in entries]
        self.posted.extend(done)
        return done

    def refused(self, command: str, code: int = 2) -> Result:
        """Run a command that must fail with ``code``; return its result."""
        result = self.run(command)
        assert result.exit_code == code, f"{result.status} {result.title}\n{result.text}"
        assert "devops-agent:plan" not in (result.plan_block or "")
        return result

    def client(self, service: str, region: str = "us-east-1") -> Any:
        return self.session.client(service, region_name=region)


def open_account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Account]:
    """A fresh in-process moto account (each module wraps this in a module-scoped fixture)."""
    patch = pytest.MonkeyPatch()
    isolate_aws(patch)
    try:
        with mock_aws():
            yield Account(
                boto3.Session(region_name="us-east-1"), tmp_path_factory.mktemp("workspace")
            )
    finally:
        patch.undo()


def user_session(admin: Any, user: str, policy: str, statements: list[dict[str, Any]]) -> Any:
    """A session of a new IAM user whose one inline policy holds ``statements``.

    Under moto's ``set_initial_no_auth_action_count``, the three IAM calls made here are
    among the free ones; the session's own calls are then judged by that policy.
    """
    admin.create_user(UserName=user)
    document = json.dumps({"Version": "2012-10-17", "Statement": statements})
    admin.put_user_policy(UserName=user, PolicyName=policy, PolicyDocument=document)
    key = admin.create_access_key(UserName=user)["AccessKey"]
    return boto3.Session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name="us-east-1",
    )


def github_client(github: Any) -> Any:
    """A PyGithub client on the fake GitHub with the workflow token."""
    from conftest import TOKEN

    from devops_agent.gh import connect

    return connect(TOKEN, github.url)
