"""Self-test: run ``devops-agent action``, installed or as the image, against local stand-ins.

What ``.github/workflows/selftest.yml`` runs after ``pip install '.[sandbox]'``, and
what anyone can run on a laptop::

    python scripts/selftest.py                                # the installed console script
    python scripts/selftest.py --image devops-agent:selftest  # the container image

With ``--image`` every scenario runs ``docker run --network host IMAGE`` the way the
runner starts a Docker action: the same ``GITHUB_*``/``INPUT_*`` environment, the
workspace and the output files mounted, the image's own entrypoint. Host networking lets
the container reach the stand-ins on 127.0.0.1. selftest.yml runs it on the image it
builds from the Dockerfile, and release.yml on the pushed image before the major tag moves.

AWS is moto's server: the one at ``AWS_ENDPOINT_URL`` when that is set (the
workflow starts ``moto_server`` in the background), else one started here.
GitHub is :class:`devops_agent_sandbox.github.FakeGitHub`, started here
because its state (repository, people, pull request, OIDC endpoint) is seeded
in-process. Each scenario writes an event file and runs the console script
``devops-agent action`` as a separate process with the environment GitHub
Actions gives a container (``GITHUB_*``, ``INPUT_*``, ``ACTIONS_ID_TOKEN_*``),
then checks its exit code, its outputs and what it did to the stand-ins.

Why not ``uses: ./`` for all of this: a Docker action runs in its own container,
and the runner sets every ``GITHUB_*`` variable itself after the step's ``env:``,
so ``GITHUB_API_URL`` cannot point the container at a fake GitHub. The workflow's
``uses: ./`` job covers the container path with the real GitHub instead.

The model is :class:`devops_agent_sandbox.scripted_model.ScriptedOpenAI`, an
OpenAI-compatible server that replays a script, for the plain-language scenario.

Exit code 0 when every scenario passed, 1 otherwise. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = "acme/platform"
TOKEN = "ghs_selftestWorkflowToken000000000000000"  # noqa: S105 - the fake GitHub's own token
OIDC_REQUEST_TOKEN = "selftest-oidc-request-token"  # noqa: S105 - the fake OIDC endpoint's
MODEL_KEY = "sk-selftest-scriptedModelKey000000000000"  # the scripted model server's
#: The protected environment the job runs in, and the plan-signing key it holds (random
#: per self-test: nothing outside this process ever sees it).
ENVIRONMENT = "devops-agent"
PLAN_KEY = secrets.token_hex(32)
MAINTAINER, REVIEWER, STRANGER = "alice", "bob", "mallory"
READ_ROLE = "arn:aws:iam::123456789012:role/devops-agent-read"
WRITE_ROLE = "arn:aws:iam::123456789012:role/devops-agent-write"
REGIONS = ("us-east-1", "eu-west-1")
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGIONS[0],
    "AWS_EC2_METADATA_DISABLED": "true",
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    "OPENAI_AGENTS_DISABLE_TRACING": "1",
}


@dataclass
class Run:
    """What one ``devops-agent action`` process did."""

    code: int
    outputs: dict[str, str]
    summary: str
    stdout: str
    stderr: str
    seconds: float


@dataclass
class Outcome:
    name: str
    passed: bool
    detail: str
    seconds: float = 0.0


@dataclass
class SelfTest:
    """The stand-ins, the seeded state and the scenarios' results."""

    github: Any
    aws_endpoint: str
    workdir: Path
    estate: dict[str, Any]
    pr: int = 0
    issue: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    oidc_url: str = ""
    last_comment_id: int = 0
    #: The container image to run instead of the installed console script.
    image: str = ""
    #: The scripted model server, for the plain-language scenario.
    model: Any = None

    # -------------------------------------------------------------- running
    def action(self, event_name: str, payload: dict[str, Any], *, actor: str, **inputs: str) -> Run:
        """Run ``devops-agent action`` as GitHub Actions runs the container."""
        from devops_agent_sandbox.step_outputs import read_outputs

        work = Path(tempfile.mkdtemp(prefix="run-", dir=self.workdir))
        (work / "event.json").write_text(json.dumps(payload), encoding="utf-8")
        (work / "output").write_text("", encoding="utf-8")
        (work / "summary.md").write_text("", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
        env.update(FAKE_AWS)
        env.update(
            {
                "AWS_ENDPOINT_URL": self.aws_endpoint,
                "GITHUB_ACTIONS": "true",
                "GITHUB_EVENT_NAME": event_name,
                "GITHUB_EVENT_PATH": str(work / "event.json"),
                "GITHUB_REPOSITORY": REPO,
                "GITHUB_API_URL": self.github.url,
                "GITHUB_SERVER_URL": self.github.server_url,
                "GITHUB_RUN_ID": str(7000 + len(self.outcomes)),
                "GITHUB_RUN_ATTEMPT": "1",
                "GITHUB_SHA": "0" * 40,
                "GITHUB_ACTOR": actor,
                "GITHUB_WORKSPACE": str(work),
                "GITHUB_OUTPUT": str(work / "output"),
                "GITHUB_STEP_SUMMARY": str(work / "summary.md"),
                "ACTIONS_ID_TOKEN_REQUEST_URL": self.oidc_url,
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN": OIDC_REQUEST_TOKEN,
                "INPUT_GITHUB-TOKEN": TOKEN,
                "INPUT_AWS-REGION": REGIONS[0],
                "INPUT_AWS-REGIONS": ",".join(REGIONS),
                "INPUT_AWS-ROLE-TO-ASSUME": READ_ROLE,
                "INPUT_AWS-WRITE-ROLE-TO-ASSUME": WRITE_ROLE,
                "INPUT_PLAN-SIGNING-KEY": PLAN_KEY,
                "INPUT_APPLY-ENVIRONMENT": ENVIRONMENT,
            }
        )
        for name, value in inputs.items():
            env[f"INPUT_{name.upper().replace('_', '-')}"] = value
        began = time.monotonic()
        proc = subprocess.run(  # noqa: S603 - our own console script or docker, no shell
            docker_run(self.image, env, work) if self.image else [*console_script(), "action"],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        return Run(
            code=proc.returncode,
            outputs=read_outputs(work / "output"),
            summary=(work / "summary.md").read_text(encoding="utf-8"),
            stdout=proc.stdout,
            stderr=proc.stderr,
            seconds=time.monotonic() - began,
        )

    def comment(self, body: str, *, login: str, number: int, **inputs: str) -> tuple[Run, str]:
        """Post ``body`` as ``login`` on issue or PR ``number`` and run the action on it.

        Returns the run and the text of the answer comment ("" when none); the id of the
        user's comment is kept in ``last_comment_id``.
        """
        created = self.github.add_comment(REPO, number, body=body, user=login)
        self.last_comment_id = int(created["id"])
        payload = self.github.comment_event(REPO, self.last_comment_id)
        run = self.action("issue_comment", payload, actor=login, **inputs)
        marker = f"<!-- devops-agent:answer {created['id']} -->"
        answers = [c["body"] for c in self.github.comments(REPO, number) if marker in c["body"]]
        return run, "\n".join(answers)

    def check(self, name: str, scenario: Callable[[], tuple[bool, str, float]]) -> None:
        try:
            passed, detail, seconds = scenario()
        except Exception as exc:  # a scenario's bug is a failed scenario, not a crash
            passed, detail, seconds = False, f"{exc.__class__.__name__}: {exc}", 0.0
        self.outcomes.append(Outcome(name, passed, detail, seconds))
        mark = "ok  " if passed else "FAIL"
        print(f"{mark} {name} ({seconds:.1f} s){'' if passed else ': ' + detail}", flush=True)


# ------------------------------------------------------------------ scenarios


def _expect(run: Run, code: int, status: str, *more: tuple[bool, str]) -> tuple[bool, str, float]:
    problems = []
    if run.code != code:
        problems.append(f"exit {run.code}, expected {code}")
    if run.outputs.get("status") != status:
        problems.append(f"status {run.outputs.get('status')!r}, expected {status!r}")
    problems += [message for ok, message in more if not ok]
    if problems:
        tail = (run.stderr or run.stdout).strip().splitlines()[-5:]
        problems.append("last lines: " + " | ".join(tail))
    return not problems, "; ".join(problems), run.seconds


def scenarios(t: SelfTest, only: frozenset[str] = frozenset()) -> None:
    """The journey a new user takes: help, a read, a refusal, a plan and its apply.

    ``only`` names the scenarios to run (all when empty); ``apply`` needs ``plan``
    before it, and ``once`` needs both.
    """
    import boto3

    web_1 = t.estate.get("instances", {}).get("web-1", {}).get("id", "")
    plan: dict[str, str] = {}

    def help_on_an_issue() -> tuple[bool, str, float]:
        run, answer = t.comment("/devops help", login=MAINTAINER, number=t.issue)
        reactions = {r["content"] for r in t.github.reactions(REPO, t.last_comment_id)}
        return _expect(
            run,
            0,
            "success",
            ("ec2 list" in answer, "the answer does not list `ec2 list`"),
            ("eyes" in reactions, "no 👀 reaction on the comment"),
        )

    def ec2_list_on_a_pr() -> tuple[bool, str, float]:
        before = len(t.github.requests)
        run, answer = t.comment("/devops ec2 list", login=MAINTAINER, number=t.pr)
        checks = [c for c in t.github.check_runs(REPO) if c.get("name") == "devops-agent"]
        oidc = [r for r in t.github.requests[before:] if "idtoken" in r.path]
        return _expect(
            run,
            0,
            "success",
            (bool(oidc), "no OIDC token was requested for the read role"),
            (web_1 in answer, f"the answer does not show {web_1}"),
            (bool(checks) and checks[-1].get("status") == "completed", "no completed check run"),
        )

    def stranger_is_refused() -> tuple[bool, str, float]:
        run, _answer = t.comment("/devops ec2 list", login=STRANGER, number=t.pr)
        return _expect(run, 3, "refused")

    def stop_is_planned() -> tuple[bool, str, float]:
        run, answer = t.comment(f"/devops ec2 stop {web_1}", login=MAINTAINER, number=t.pr)
        plan["id"] = run.outputs.get("plan-id", "")
        return _expect(
            run,
            0,
            "planned",
            (bool(plan["id"]), "no plan-id output"),
            (plan["id"] in answer, "the plan comment does not show its plan-id"),
            (_state(boto3, t, web_1) == "running", "the instance changed before the apply"),
        )

    def reviewer_applies_the_plan() -> tuple[bool, str, float]:
        run, _answer = t.comment(f"/devops apply {plan['id']}", login=REVIEWER, number=t.pr)
        state = _state(boto3, t, web_1)
        return _expect(
            run,
            0,
            "applied",
            (state in ("stopping", "stopped"), f"{web_1} is {state} after the apply"),
        )

    def a_plan_runs_once() -> tuple[bool, str, float]:
        run, _answer = t.comment(f"/devops apply {plan['id']}", login=REVIEWER, number=t.pr)
        return _expect(run, 3, "refused")

    def dispatch_answers_in_the_summary() -> tuple[bool, str, float]:
        from devops_agent_sandbox.payloads import dispatch_event

        before = len(t.github.comments(REPO, t.pr)) + len(t.github.comments(REPO, t.issue))
        payload = dispatch_event(
            REPO,
            inputs={"command": "s3 list"},
            login=MAINTAINER,
            server_url=t.github.server_url,
            api_url=t.github.url,
        )
        run = t.action("workflow_dispatch", payload, actor=MAINTAINER, command="s3 list")
        after = len(t.github.comments(REPO, t.pr)) + len(t.github.comments(REPO, t.issue))
        return _expect(
            run,
            0,
            "success",
            ("acme-prod-assets" in run.summary, "the job summary does not list the buckets"),
            (before == after, "a dispatch posted a comment"),
        )

    def other_events_are_ignored() -> tuple[bool, str, float]:
        run = t.action("push", {"ref": "refs/heads/main"}, actor=MAINTAINER)
        return _expect(run, 0, "ignored")

    def a_request_in_plain_language() -> tuple[bool, str, float]:
        t.model.reset(
            [
                {"call": "transfer_to_ec2", "arguments": {}},
                {"call": "list_instances", "arguments": {"region": None, "state": "running"}},
                {"summarize": True},
            ]
        )
        run, answer = t.comment(
            "/devops which instances are running?",
            login=MAINTAINER,
            number=t.issue,
            openai_api_key=MODEL_KEY,
            openai_base_url=t.model.url,
        )
        return _expect(
            run,
            0,
            "success",
            (f"web-1 ({web_1})" in answer, "the answer does not name web-1 from the tool"),
            (len(t.model.requests) == 3, f"{len(t.model.requests)} model requests, expected 3"),
            (t.model.tunnels == [], f"requests left for elsewhere: {t.model.tunnels}"),
        )

    def nightly_audit_keeps_one_issue() -> tuple[bool, str, float]:
        from devops_agent_sandbox.payloads import schedule_event

        run = t.action("schedule", schedule_event(REPO), actor=MAINTAINER, command="")
        issues = [
            i
            for i in t.github.issues(REPO)
            if any(label.get("name") == "devops-audit" for label in i.get("labels", []))
        ]
        return _expect(
            run,
            0,
            "success",
            (run.outputs.get("findings", "").isdigit(), "no findings output"),
            (len(issues) == 1, f"{len(issues)} issues labelled devops-audit, expected 1"),
        )

    journey: list[tuple[str, str, Callable[[], tuple[bool, str, float]]]] = [
        ("help", "/devops help on an issue answers with the commands", help_on_an_issue),
        ("read", "/devops ec2 list on a PR, through OIDC and the read role", ec2_list_on_a_pr),
        ("refuse", "a commenter without write permission is refused", stranger_is_refused),
        ("plan", "/devops ec2 stop posts a plan and changes nothing", stop_is_planned),
        (
            "apply",
            "/devops apply by a second maintainer stops the instance",
            reviewer_applies_the_plan,
        ),
        ("once", "the same plan is refused the second time", a_plan_runs_once),
        (
            "dispatch",
            "workflow_dispatch answers in the job summary",
            dispatch_answers_in_the_summary,
        ),
        ("ignore", "a push event is ignored with a notice", other_events_are_ignored),
        (
            "ask",
            "a request in plain language, answered by a scripted model",
            a_request_in_plain_language,
        ),
        ("audit", "a scheduled audit keeps one devops-audit issue", nightly_audit_keeps_one_issue),
    ]
    for key, name, scenario in journey:
        if only and key not in only:
            continue
        if key == "audit" and not _command_available("audit"):
            print("skip the scheduled audit: `audit` is not available in this version", flush=True)
            continue
        t.check(name, scenario)


def _command_available(word: str) -> bool:
    from devops_agent.commands import COMMANDS

    return any(spec.path == (word,) and spec.handler is not None for spec in COMMANDS)


def _state(boto3: Any, t: SelfTest, instance_id: str) -> str:
    ec2 = boto3.Session(region_name=REGIONS[0]).client("ec2", endpoint_url=t.aws_endpoint)
    answer = ec2.describe_instances(InstanceIds=[instance_id])
    return str(answer["Reservations"][0]["Instances"][0]["State"]["Name"])


# ------------------------------------------------------------------ plumbing


def console_script() -> list[str]:
    """``devops-agent`` beside this interpreter (the installed package), else on PATH."""
    beside = Path(sys.executable).parent / "devops-agent"
    found = str(beside) if beside.is_file() else shutil.which("devops-agent")
    return [found] if found else [sys.executable, "-m", "devops_agent"]


def docker_run(image: str, env: dict[str, str], work: Path) -> list[str]:
    """``docker run`` of ``image`` as the runner starts a Docker action, for ``env``.

    Args:
        image: The image reference (a local tag, or ``ghcr.io/...@sha256:...``).
        env: The environment the action gets; the ``GITHUB_*``, ``INPUT_*``, ``ACTIONS_*``,
            ``AWS_*`` and ``OPENAI_*`` names are passed into the container by name (their
            values stay out of the process list).
        work: The run's directory (workspace, event and output files), mounted at the same
            path so every path in ``env`` holds inside the container.

    Returns:
        The argv: no shell, the image's own entrypoint, host networking for the stand-ins.
    """
    names = sorted(
        name
        for name in env
        if name.startswith(("GITHUB_", "INPUT_", "ACTIONS_", "AWS_", "OPENAI_", "MOTO_"))
        or name in ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY")
    )
    passed = [arg for name in names for arg in ("--env", name)]
    mount = f"{work}:{work}"
    return ["docker", "run", "--rm", "--network", "host", "--volume", mount, *passed, image]


@contextmanager
def moto_endpoint() -> Iterator[str]:
    """``AWS_ENDPOINT_URL`` when set (emptied first), else a moto server started here."""
    given = os.environ.get("AWS_ENDPOINT_URL", "").rstrip("/")
    if given:
        for attempt in range(30):
            try:
                reset = f"{given}/moto-api/reset"
                request = urllib.request.Request(reset, method="POST")  # noqa: S310 - stand-in
                urllib.request.urlopen(request, timeout=5).close()  # noqa: S310
                break
            except OSError:
                if attempt == 29:
                    raise
                time.sleep(1)
        yield given
        return
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def seed_github(github: Any) -> tuple[int, int]:
    """The repository, its people, an issue and a pull request; OIDC switched on."""
    github.add_token(TOKEN, "github-actions[bot]", kind="workflow")
    github.add_repo(REPO)
    github.set_permission(REPO, MAINTAINER, "maintain")
    github.set_permission(REPO, REVIEWER, "write")
    github.set_permission(REPO, STRANGER, "read")
    issue = int(github.add_issue(REPO, title="Where are our instances?", user=MAINTAINER)["number"])
    pull = int(github.add_pull(REPO, title="Scale the web tier", user=MAINTAINER)["number"])
    return issue, pull


def write_summary(outcomes: list[Outcome]) -> None:
    """The results as a table in this job's own summary, when there is one."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    rows = "\n".join(
        f"| {'✅' if o.passed else '❌'} | {o.name} | {o.seconds:.1f} s | {o.detail} |"
        for o in outcomes
    )
    with open(path, "a", encoding="utf-8") as summary:
        summary.write(
            "### devops-agent self-test\n\n| | scenario | time | detail |\n|---|---|---|---|\n"
            f"{rows}\n"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--github-port", type=int, default=0, help="port of the fake GitHub (default: any)"
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma list of scenarios: help, read, refuse, plan, apply, once, dispatch, "
        "ignore, ask, audit (default: all)",
    )
    parser.add_argument(
        "--image",
        default="",
        help="run this container image (docker run) instead of the installed console script",
    )
    args = parser.parse_args(argv)
    only = frozenset(word.strip() for word in args.only.split(",") if word.strip())
    os.environ.update(FAKE_AWS)
    os.environ.pop("AWS_PROFILE", None)

    import boto3

    from devops_agent_sandbox.estate import seed
    from devops_agent_sandbox.github import FakeGitHub
    from devops_agent_sandbox.scripted_model import ScriptedOpenAI

    started = time.monotonic()
    with (
        moto_endpoint() as endpoint,
        FakeGitHub(port=args.github_port) as github,
        ScriptedOpenAI() as model,
        # ignore_cleanup_errors: with --image the container writes files as root
        tempfile.TemporaryDirectory(
            prefix="devops-agent-selftest-", ignore_cleanup_errors=True
        ) as tmp,
    ):
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        # Seeding takes seconds: only when a chosen scenario reads AWS.
        uses_aws = not only or bool(only - {"help", "refuse", "ignore"})
        estate = seed(boto3.Session(region_name=REGIONS[0]), REGIONS) if uses_aws else {}
        issue, pr = seed_github(github)
        test = SelfTest(
            github=github,
            aws_endpoint=endpoint,
            workdir=Path(tmp),
            estate=estate,
            image=args.image,
            model=model,
        )
        test.issue, test.pr = issue, pr
        test.oidc_url = github.enable_oidc(
            OIDC_REQUEST_TOKEN,
            {
                # the protected environment's token: what the write role trusts
                "sub": f"repo:{REPO}:environment:{ENVIRONMENT}",
                "aud": "sts.amazonaws.com",
                "repository": REPO,
                "ref": "refs/heads/main",
                "environment": ENVIRONMENT,
            },
        )
        print(f"stand-ins: AWS {endpoint}, GitHub {github.url}; {REPO}#{pr}", flush=True)
        scenarios(test, only)
    write_summary(test.outcomes)
    failed = [o for o in test.outcomes if not o.passed]
    print(
        f"{len(test.outcomes) - len(failed)} passed, {len(failed)} failed "
        f"in {time.monotonic() - started:.1f} s",
        flush=True,
    )
    return 1 if failed or not test.outcomes else 0


if __name__ == "__main__":
    sys.exit(main())
