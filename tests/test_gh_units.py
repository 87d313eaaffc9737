"""The GitHub layer's functions on their own: workflow inputs, log analysis, safe POSTs."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import REPO, TOKEN
from github import GithubException, RateLimitExceededException

from devops_agent.errors import BadInput, ServiceError
from devops_agent.gh import connect
from devops_agent.gh import workflows as wf
from devops_agent.gh.common import fetch_redirect, post_once
from devops_agent_sandbox.github import FakeGitHub


@pytest.fixture
def gh(github: FakeGitHub) -> Any:
    return connect(TOKEN, github.url, backoff=0.01)


# ------------------------------------------------------------- dispatch inputs


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("on: workflow_dispatch\n", []),
        ("on: [push, workflow_dispatch]\n", []),
        ('"on":\n  workflow_dispatch:\n', []),
        ("true:\n  workflow_dispatch:\n    inputs:\n      a: {}\n", ["a"]),
        ("on:\n  workflow_dispatch:\n    inputs:\n      x:\n        required: true\n", ["x"]),
    ],
)
def test_declared_inputs_in_every_spelling(text: str, names: list[str]) -> None:
    specs = wf.declared_inputs(text)
    assert specs is not None and list(specs) == names


def test_declared_inputs_without_the_trigger_or_yaml() -> None:
    assert wf.declared_inputs("on: push\n") is None
    assert wf.declared_inputs("- just a list\n") is None
    with pytest.raises(BadInput, match="not valid YAML"):
        wf.declared_inputs("on: [unclosed\n")


def test_validate_inputs_normalises_and_applies_defaults() -> None:
    specs = wf.declared_inputs(
        "on:\n  workflow_dispatch:\n    inputs:\n"
        "      Env: {type: choice, options: [a, b], required: true, default: a}\n"
        "      flag: {type: boolean, default: true}\n"
    )
    assert specs is not None and specs["flag"].default == "true"
    assert wf.validate_inputs("W", specs, {}) == {}  # the required one has a default
    assert wf.validate_inputs("W", specs, {"env": "b", "FLAG": "False"}) == {
        "Env": "b",
        "flag": "false",
    }


# ---------------------------------------------------------------- log analysis


def test_extract_failure_knows_common_toolchains() -> None:
    log = "\n".join(
        [
            "npm ERR! code ELIFECYCLE",
            "src/app.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.",
            "error[E0425]: cannot find value `x` in this scope",
            "panic: runtime error: index out of range [3] with length 3",
            "--- FAIL: TestParse (0.00s)",
            "fatal: could not read Username for 'https://github.com'",
            "make: *** [Makefile:12: test] Error 2",
            "Everything else is fine",
            "##[warning]Node 16 is deprecated",
        ]
    )
    lines = wf.extract_failure(log)
    assert "Everything else is fine" not in lines and len(lines) == 7
    assert lines[0] == "npm ERR! code ELIFECYCLE"


def test_extract_failure_is_bounded() -> None:
    noisy = "\n".join(f"Error: failure number {n} " + "x" * 500 for n in range(500))
    log = (
        "##[error]the first annotation\n" + noisy + "\n##[error]Process completed with exit code 2."
    )
    lines = wf.extract_failure(log)
    assert len(lines) == wf.MAX_LINES
    assert lines[0] == "the first annotation" and lines[-1] == "Process completed with exit code 2."
    assert all(len(line) <= wf.LINE_WIDTH for line in lines)
    assert "failure number 499" in lines[-2]


def test_a_traceback_contributes_its_last_line() -> None:
    log = (
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1, in <module>\n'
        "    main()\n"
        "\n"
        "KeyError: 'DATABASE_URL'\n"
    )
    assert wf.extract_failure(log) == ["KeyError: 'DATABASE_URL'"]


# ------------------------------------------------------------------- safe POSTs


def _exc(status: int, headers: dict[str, str] | None = None) -> GithubException:
    cls = RateLimitExceededException if status in (403, 429) else GithubException
    return cls(status, {"message": "x"}, headers or {})


def test_post_once_waits_out_a_rate_limit_and_looks_after_a_5xx() -> None:
    waits: list[float] = []
    outcomes: list[Any] = [_exc(429, {"Retry-After": "3"}), "created"]

    def attempt() -> str:
        item = outcomes.pop(0)
        if isinstance(item, Exception):
            raise item
        return str(item)

    assert post_once("create", attempt, lambda: None, sleep=waits.append) == "created"
    assert waits == [3.0]

    looked: list[int] = []

    def failing() -> str:
        raise _exc(502)

    def look() -> str | None:
        looked.append(1)
        return "it was created after all" if len(looked) == 2 else None

    assert post_once("create", failing, look, sleep=waits.append) == "it was created after all"
    assert len(looked) == 2  # looked after each 5xx and stopped posting once found
    with pytest.raises(ServiceError, match="422"):
        post_once("create", lambda: (_ for _ in ()).throw(_exc(422)), look, sleep=waits.append)
    with pytest.raises(ServiceError):  # a wait longer than a minute is not waited out
        post_once(
            "create",
            lambda: (_ for _ in ()).throw(_exc(403, {"Retry-After": "3600"})),
            look,
            sleep=waits.append,
        )


def test_an_issue_github_created_but_answered_502_for_is_not_duplicated(
    github: FakeGitHub, gh: Any
) -> None:
    from devops_agent.gh import issues

    github.fail_next("POST", r"/issues$", status=502, apply=True)
    created = issues.create_issue(gh, REPO, "Disk full", body="web-1")
    assert [i["title"] for i in github.issues(REPO)] == ["Disk full"]
    assert created.number == github.issues(REPO)[0]["number"]


def test_a_dispatch_answered_502_is_found_not_repeated(github: FakeGitHub, gh: Any) -> None:
    workflow = github.add_workflow(REPO)
    github.fail_next("POST", r"/dispatches$", status=502, apply=True)
    run = wf.dispatch(gh, REPO, workflow["id"], "main", {}, sleep=lambda s: None)
    assert len(github.dispatches(REPO)) == 1
    assert run is not None and run.id == github.runs(REPO)[-1]["id"]


def test_a_retried_merge_that_already_happened_is_a_success(github: FakeGitHub, gh: Any) -> None:
    from devops_agent.gh import pulls

    pull = github.add_pull(REPO, title="x")
    github.fail_next("PUT", r"/merge$", status=502, apply=True)
    sha = pulls.merge(gh, REPO, pull["number"], method="merge", sha=pull["head"]["sha"])
    assert sha == "already merged" and github.pulls(REPO)[0]["merged"]


def test_fetch_redirect_keeps_the_end_of_a_long_log(github: FakeGitHub, gh: Any) -> None:
    workflow = github.add_workflow(REPO)
    run = github.add_run(REPO, workflow["id"], conclusion="failure")
    log = "".join(f"line {n}\n" for n in range(100_000))
    job = github.add_job(REPO, run["id"], log=log)
    path = f"/repos/{REPO}/actions/jobs/{job['id']}/logs"
    tail = fetch_redirect(gh, path, max_bytes=1000)
    assert len(tail) == 1000 and tail.endswith(b"line 99999\n")
    head = fetch_redirect(gh, path, max_bytes=100, keep="head")
    assert head.startswith(b"line 0\n") and len(head) == 100
    blob = github.requests_to("GET", r"^/_blobs/")[-1]
    assert "authorization" not in blob.headers  # the token never follows the redirect


def test_diagnosis_works_on_enterprise_server() -> None:
    """GHES: the API under /api/v3, log redirects outside it."""
    with FakeGitHub(api_prefix="/api/v3") as ghes:
        ghes.add_token(TOKEN)
        ghes.add_repo(REPO)
        workflow = ghes.add_workflow(REPO)
        run = ghes.add_run(REPO, workflow["id"], conclusion="failure")
        ghes.add_job(
            REPO,
            run["id"],
            conclusion="failure",
            steps=[("Build", "failure")],
            log="##[error]Process completed with exit code 2.\n",
        )
        diagnosis = wf.diagnose(connect(TOKEN, ghes.url), REPO, run["id"])
        assert diagnosis.jobs[0].lines == ["Process completed with exit code 2."]
        assert diagnosis.jobs[0].job.html_url.startswith(ghes.server_url + f"/{REPO}/")
