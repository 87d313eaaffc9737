"""``devops-agent demo``: the real action path against a sandbox, on your machine.

Starts moto's server (a fake AWS account, seeded over two regions) and the fake
GitHub REST API, both on 127.0.0.1, then runs ``devops-agent action`` for a few
``/devops`` comments on a pull request exactly as GitHub Actions would, and
prints what was posted. No credentials, no network: nothing leaves the machine.
"""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devops_agent.errors import ConfigError

if TYPE_CHECKING:
    from devops_agent.context import DevOpsContext

REPO = "acme/platform"
TOKEN = "ghs_demoWorkflowToken0000000000000000000"  # noqa: S105 - the sandbox's own fake token
MAINTAINER = "alice"
REVIEWER = "bob"
STRANGER = "mallory"
#: The sandbox's write role: moto lets the read credentials assume it.
WRITE_ROLE = "arn:aws:iam::123456789012:role/devops-agent-write"
#: The sandbox's plan-signing key: random per process (what a protected environment holds).
PLAN_KEY = secrets.token_hex(32)
REGIONS = ("us-east-1", "eu-west-1")

TOUR: tuple[tuple[str, str], ...] = (
    (MAINTAINER, "help"),
    (MAINTAINER, "ec2 list"),
    (MAINTAINER, "ec2 list --region eu-west-1 --state running"),
    (MAINTAINER, "s3 list"),
    (MAINTAINER, "iam users"),
    (MAINTAINER, "vpc list --region all"),
    (MAINTAINER, "ec2 list --region us-eats-1"),
    (STRANGER, "ec2 list"),
    (MAINTAINER, "ec2 stop {web-1}"),
    (REVIEWER, "apply {plan}"),
    (MAINTAINER, "ec2 list --state stopped"),
)


@contextmanager
def sandbox() -> Iterator[tuple[Any, str]]:
    """Start moto's server and the fake GitHub; yield ``(fake_github, aws_endpoint)``."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        raise ConfigError(
            "The sandbox needs moto, which is not installed.",
            remedy="Install the sandbox extra: pip install 'devops-agent-action[sandbox]'.",
        ) from None
    from devops_agent_sandbox.github import FakeGitHub

    # moto answers calls it lacks (iam:SimulatePrincipalPolicy, asked at plan time) with a
    # 500 and logs a traceback; the plan says "not checked" instead, so keep it quiet.
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    fake_aws = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    }
    saved = {k: os.environ.get(k) for k in [*fake_aws, "AWS_ENDPOINT_URL", "AWS_PROFILE"]}
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ.update(fake_aws)
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ.pop("AWS_PROFILE", None)
    try:
        with FakeGitHub() as github:
            yield github, endpoint
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def seed_github(github: Any) -> int:
    """Create the demo repository, its people and a pull request; return the PR number."""
    github.add_token(TOKEN, "github-actions[bot]", kind="workflow")
    github.add_repo(REPO)
    github.set_permission(REPO, MAINTAINER, "maintain")
    github.set_permission(REPO, REVIEWER, "write")
    pull = github.add_pull(REPO, title="Scale the web tier", user=MAINTAINER)
    return int(pull["number"])


def action_env(github: Any, event_path: Path, workdir: Path) -> dict[str, str]:
    """The environment GitHub Actions gives the container, pointed at the sandbox."""
    outputs = workdir / "output"
    summary = workdir / "summary.md"
    outputs.write_text("")
    summary.write_text("")
    return {
        **os.environ,
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "issue_comment",
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": github.url,
        "GITHUB_SERVER_URL": github.server_url,
        "GITHUB_RUN_ID": "4242",
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_ACTOR": MAINTAINER,
        "GITHUB_WORKSPACE": str(workdir),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        "INPUT_GITHUB-TOKEN": TOKEN,
        "INPUT_AWS-REGION": REGIONS[0],
        "INPUT_AWS-REGIONS": ",".join(REGIONS),
        "INPUT_AWS-WRITE-ROLE-TO-ASSUME": WRITE_ROLE,
        "INPUT_PLAN-SIGNING-KEY": PLAN_KEY,
        "GITHUB_SHA": "0" * 40,
    }


def run_demo(commands: Sequence[str] = (), *, out: Any = None) -> int:
    """Run the tour (or ``commands``) as PR comments and print what was posted."""
    from devops_agent.app import run_action
    from devops_agent_sandbox.estate import seed
    from devops_agent_sandbox.payloads import comment_event

    out = out or sys.stdout
    scenarios = [(MAINTAINER, c) for c in commands] if commands else list(TOUR)
    worst = 0
    with sandbox() as (github, _endpoint), tempfile.TemporaryDirectory() as tmp:
        import boto3

        started = time.monotonic()
        estate = seed(boto3.Session(region_name=REGIONS[0]), REGIONS)
        names = {name: item["id"] for name, item in estate["instances"].items()}
        number = seed_github(github)
        out.write(
            f"devops-agent demo: a sandbox AWS account (moto, {', '.join(REGIONS)}) and a fake "
            f"GitHub on 127.0.0.1, seeded in {time.monotonic() - started:.1f} s.\n"
            f"Each command below is a comment on {REPO}#{number} handled by "
            "`devops-agent action`, as GitHub Actions would run it.\n"
        )
        last_plan = "PLAN_ID"
        for login, template in scenarios:
            command = template.format(plan=last_plan, **names)
            workdir = Path(tmp) / f"run-{len(github.requests)}"
            workdir.mkdir()
            comment = github.add_comment(REPO, number, body=f"/devops {command}", user=login)
            event_path = workdir / "event.json"
            event_path.write_text(
                json.dumps(
                    comment_event(
                        REPO,
                        number,
                        comment["body"],
                        login=login,
                        is_pr=True,
                        comment_id=int(comment["id"]),
                        server_url=github.server_url,
                        api_url=github.url,
                    )
                )
            )
            before = len(github.requests)
            began = time.monotonic()
            code = run_action(action_env(github, event_path, workdir), stream=io.StringIO())
            took = time.monotonic() - began
            last_plan = _output(workdir / "output", "plan-id") or last_plan
            calls = len(github.requests) - before
            worst = max(worst, code if code != 3 else 0)
            _show(out, github, number, comment, login, command, code, took, calls)
    out.write("\nDone. Add the action to a workflow: see README.md (Quick start).\n")
    return 0 if worst in (0, 2) else worst


def _output(path: Path, name: str) -> str:
    """One value from a GITHUB_OUTPUT file (heredoc format)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.startswith(f"{name}<<") and i + 1 < len(lines):
            return lines[i + 1]
    return ""


def _show(
    out: Any,
    github: Any,
    number: int,
    comment: dict[str, Any],
    login: str,
    command: str,
    code: int,
    took: float,
    calls: int,
) -> None:
    marker = f"<!-- devops-agent:answer {comment['id']} -->"
    answers = [c for c in github.comments(REPO, number) if marker in c["body"]]
    reactions = [r["content"] for r in github.reactions(REPO, comment["id"])]
    checks = [c for c in github.check_runs(REPO) if c.get("completed_at")]
    rule = "─" * 78
    out.write(f"\n{rule}\n@{login}: /devops {command}\n")
    out.write(
        f"→ exit {code} · {took:.2f} s · {calls} GitHub API requests · "
        f"reactions {' '.join(':' + r + ':' for r in reactions) or 'none'}"
        + (f" · check run: {checks[-1]['conclusion']}" if checks and code != 3 else "")
        + "\n\n"
    )
    for answer in answers:
        body = answer["body"].replace(marker, "").strip()
        out.write(body + "\n")


def sandbox_context(
    github: Any,
    *,
    requester: str = MAINTAINER,
    number: int = 1,
    workspace: Path,
    comment: str = "",
) -> DevOpsContext:
    """A :class:`~devops_agent.context.DevOpsContext` on the sandbox, as if ``requester``
    had commented on PR ``number`` of the demo repository (for examples and notebooks).

    ``comment`` is posted first as ``requester`` when given: an ``apply`` considers only
    plans that existed when its comment was written, so it needs a real comment.

    Uses ``OPENAI_API_KEY``/``OPENAI_BASE_URL`` from the environment when set, so the
    same program can talk to a real model; otherwise a placeholder key that only a
    scripted model accepts.
    """
    from devops_agent.gh import connect
    from devops_agent.testing import make_comment, make_context

    posted = github.add_comment(REPO, number, body=comment, user=requester) if comment else None
    return make_context(
        workspace=workspace,
        repository=REPO,
        requester=requester,
        event=make_comment(
            repository=REPO,
            number=number,
            is_pull_request=True,
            comment_id=int(posted["id"]) if posted else 0,
            body=comment,
            author=requester,
            created_at=datetime.fromisoformat(posted["created_at"].replace("Z", "+00:00"))
            if posted
            else None,
        ),
        github=connect(TOKEN, github.url),
        mode="demo",
        environ={
            "GITHUB_API_URL": github.url,
            "GITHUB_SERVER_URL": github.server_url,
            "GITHUB_SHA": "0" * 40,
        },
        github_token=TOKEN,
        aws_regions=REGIONS,
        aws_write_role_to_assume=WRITE_ROLE,
        plan_signing_key=PLAN_KEY,
        openai_api_key=os.environ.get("OPENAI_API_KEY") or "sk-sandbox-scripted-model-only",
        openai_base_url=os.environ.get("OPENAI_BASE_URL") or None,
    )
