"""Shared stand-ins: one moto server and one fake GitHub per session, reset per test.

Nothing here touches the internet: AWS is moto on 127.0.0.1, GitHub is the fake
REST API on 127.0.0.1, and the Agents SDK's tracing export is off.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from devops_agent_sandbox.github import FakeGitHub
from devops_agent_sandbox.payloads import comment_event, dispatch_event, schedule_event
from devops_agent_sandbox.step_outputs import read_outputs

REPO = "acme/platform"
TOKEN = "ghs_testWorkflowToken00000000000000000000"
#: The installation's plan-signing key in tests (what the protected environment holds).
PLAN_KEY = "test-plan-signing-key-0123456789abcdef0123456789"
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
}

#: The environment before the clean-up below: only tests/live/ reads it (opt-in live tests).
ORIGINAL_ENV = dict(os.environ)
# Whatever the developer's shell holds, tests never reach real services.
for _name in ("AWS_PROFILE", "OPENAI_API_KEY", "GITHUB_TOKEN", "GH_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_name, None)
os.environ.update(FAKE_AWS)
os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """moto's own server over HTTP, for subprocess tests; yields its endpoint URL."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_endpoint(moto_server: str) -> str:
    """The moto server, emptied before the test."""
    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    return moto_server


@pytest.fixture
def server_session(aws_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A boto3 Session talking to the moto server (to seed and inspect state)."""
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_endpoint)
    return boto3.Session(region_name="us-east-1")


def seed_in_process(regions: tuple[str, str] = ("us-east-1", "eu-west-1")) -> dict[str, Any]:
    """Seed the demo estate straight into moto's backends, which its server shares.

    The same boto3 calls as over HTTP, but dispatched in-process by ``mock_aws``
    (about five times faster); the running server then serves that state.
    """
    import boto3
    from moto import mock_aws

    from devops_agent_sandbox.estate import seed

    saved = os.environ.pop("AWS_ENDPOINT_URL", None)
    mock = mock_aws()
    mock.start(reset=False)
    try:
        return seed(boto3.Session(region_name=regions[0]), regions)
    finally:
        mock.stop(remove_data=False)
        os.environ.update(FAKE_AWS)
        if saved is not None:
            os.environ["AWS_ENDPOINT_URL"] = saved


@pytest.fixture
def estate(aws_endpoint: str) -> dict[str, Any]:
    """The demo estate on the (emptied) moto server; what seed() says it made."""
    return seed_in_process()


@pytest.fixture(scope="session")
def _github_server() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


@pytest.fixture
def github(_github_server: FakeGitHub) -> FakeGitHub:
    """The fake GitHub, reset, with the workflow token and the test repository."""
    _github_server.reset()
    _github_server.add_token(TOKEN, "github-actions[bot]", kind="workflow")
    _github_server.add_repo(REPO)
    return _github_server


_EXE = shutil.which("devops-agent", path=str(Path(sys.executable).parent))
#: The console script GitHub's container runs (``python -m devops_agent`` if not installed).
ACTION = [_EXE, "action"] if _EXE else [sys.executable, "-m", "devops_agent", "action"]


@dataclass
class ActionRun:
    """What one `devops-agent action` process did."""

    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    workspace: Path
    requests: list[Any] = field(default_factory=list)


def _run_in_process(env: dict[str, str]) -> tuple[int, str, str]:
    """``run_action`` with ``os.environ`` exactly as the process would have it."""
    import io

    from devops_agent.app import run_action

    out = io.StringIO()
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        code = run_action(env, stream=out)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return code, out.getvalue(), ""


@dataclass
class ActionHarness:
    """Runs `devops-agent action` as GitHub would: a process with the Actions environment."""

    tmp: Path
    github: FakeGitHub
    aws_endpoint: str = ""
    in_process: bool = False
    """Call ``run_action`` in this process (same path, no interpreter start) instead."""

    def env(self, event_name: str, payload: dict[str, Any] | None, **inputs: str) -> dict[str, str]:
        work = self.tmp / f"run{len(list(self.tmp.iterdir()))}"
        work.mkdir()
        (work / "output").write_text("")
        (work / "summary.md").write_text("")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
        env.update(
            {
                "GITHUB_ACTIONS": "true",
                "GITHUB_EVENT_NAME": event_name,
                "GITHUB_REPOSITORY": REPO,
                "GITHUB_API_URL": self.github.url,
                "GITHUB_SERVER_URL": self.github.server_url,
                "GITHUB_RUN_ID": "1001",
                "GITHUB_RUN_ATTEMPT": "1",
                "GITHUB_SHA": "a" * 40,
                "GITHUB_ACTOR": "alice",
                "GITHUB_WORKSPACE": str(work),
                "GITHUB_OUTPUT": str(work / "output"),
                "GITHUB_STEP_SUMMARY": str(work / "summary.md"),
                "INPUT_GITHUB-TOKEN": TOKEN,
                "INPUT_TRIGGER": "/devops",
                "INPUT_MIN-PERMISSION": "write",
                "INPUT_AWS-REGION": "us-east-1",
                "INPUT_PLAN-SIGNING-KEY": PLAN_KEY,
            }
        )
        if self.aws_endpoint:
            env["AWS_ENDPOINT_URL"] = self.aws_endpoint
        if payload is not None:
            (work / "event.json").write_text(json.dumps(payload))
            env["GITHUB_EVENT_PATH"] = str(work / "event.json")
        for name, value in inputs.items():
            env[f"INPUT_{name.upper().replace('_', '-')}"] = value
        return env

    def run(
        self, env: dict[str, str], timeout: float = 60, *, in_process: bool | None = None
    ) -> ActionRun:
        """Run the action; as a process unless the test module is marked ``in_process``."""
        before = len(self.github.requests)
        if in_process if in_process is not None else self.in_process:
            code, stdout, stderr = _run_in_process(env)
        else:
            proc = subprocess.run(ACTION, env=env, capture_output=True, text=True, timeout=timeout)
            code, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
        work = Path(env["GITHUB_WORKSPACE"])
        return ActionRun(
            code=code,
            stdout=stdout,
            stderr=stderr,
            outputs=read_outputs(work / "output"),
            summary=(work / "summary.md").read_text(),
            workspace=work,
            requests=self.github.requests[before:],
        )

    def comment(
        self,
        body: str,
        *,
        login: str = "alice",
        pr: int | None = None,
        progress_after: str | None = None,
        **kw: Any,
    ) -> ActionRun:
        """Post ``body`` as ``login`` on a PR (created if needed) and run the action on it.

        ``progress_after`` sets the seconds before a progress comment (the app's
        ``DEVOPS_AGENT_PROGRESS_AFTER`` knob), for tests that count requests.
        """
        number = pr or int(self.github.add_pull(REPO, title="Change", user=login)["number"])
        env = self.comment_env(body, pr=number, login=login, **kw)
        if progress_after is not None:
            env["DEVOPS_AGENT_PROGRESS_AFTER"] = progress_after
        return self.run(env)

    def comment_env(
        self,
        body: str,
        *,
        pr: int,
        login: str = "alice",
        created_at: str | None = None,
        **inputs: str,
    ) -> dict[str, str]:
        """Post ``body`` as ``login`` on ``pr``: the environment of the run that answers it,
        for a test that changes it, or starts the run its own way, before running it.

        ``created_at`` is the comment's time in the event (now when ``None``).
        """
        created = self.github.add_comment(REPO, pr, body=body, user=login)
        payload = comment_event(
            REPO,
            pr,
            body,
            login=login,
            is_pr=True,
            comment_id=int(created["id"]),
            server_url=self.github.server_url,
            api_url=self.github.url,
            created_at=created_at,
        )
        return self.env("issue_comment", payload, **inputs)

    def dispatch(self, command: str, *, login: str = "alice", **kw: Any) -> ActionRun:
        payload = dispatch_event(REPO, inputs={"command": command}, login=login)
        return self.run(self.env("workflow_dispatch", payload, command=command, **kw))

    def schedule(self, **kw: Any) -> ActionRun:
        return self.run(self.env("schedule", schedule_event(REPO), **kw))


@pytest.fixture
def action(
    request: pytest.FixtureRequest, tmp_path: Path, github: FakeGitHub, aws_endpoint: str
) -> ActionHarness:
    """Run the action end to end against moto's server and the fake GitHub.

    As a process, the way GitHub runs it; modules marked ``in_process`` call the
    same ``run_action`` in this process instead, to keep the suite fast.
    """
    github.set_permission(REPO, "alice", "maintain")
    in_process = request.node.get_closest_marker("in_process") is not None
    return ActionHarness(
        tmp=tmp_path, github=github, aws_endpoint=aws_endpoint, in_process=in_process
    )
