"""The fake GitHub through the real client (PyGithub) over HTTP.

If PyGithub can drive it the way it drives github.com (auth errors, pagination via Link
headers, rate-limit headers, status codes), tests built on it exercise the real code path.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from github import Auth, BadCredentialsException, Github, GithubException

from devops_agent_sandbox.github import FakeGitHub, RecordedRequest
from devops_agent_sandbox.payloads import (
    comment_event,
    dispatch_event,
    schedule_event,
    shape,
)

REPO = "acme/infra"
WF = "ghs_workflowtoken"
PAT = "ghp_alicetoken"
APP = "ghs_apptoken"


def client(fake: FakeGitHub, token: str = WF, *, lazy: bool = True) -> Github:
    return Github(
        base_url=fake.url,
        auth=Auth.Token(token),
        seconds_between_requests=0,
        seconds_between_writes=0,
        retry=None,
        lazy=lazy,
    )


def raw(
    fake: FakeGitHub, method: str, path: str, body: Any = None, token: str = WF
) -> tuple[int, Any, dict[str, str]]:
    """A bare HTTP call, for what PyGithub hides (status codes of successful calls, headers)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(fake.url + path, data=data, method=method)
    req.add_header("Authorization", f"token {token}")
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            text = resp.read()
            return resp.status, (json.loads(text) if text else None), dict(resp.headers)
    except urllib.error.HTTPError as err:
        text = err.read()
        return err.code, (json.loads(text) if text else None), dict(err.headers)


def no_placeholders(obj: Any) -> bool:
    return "${" not in json.dumps(obj)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeGitHub) -> FakeGitHub:
    server.reset()
    server.add_token(WF, "github-actions[bot]")
    server.add_token(PAT, "alice", kind="pat")
    server.add_token(APP, "devops-bot", kind="app")
    server.add_repo(REPO)
    return server


@pytest.fixture
def gh(fake: FakeGitHub) -> Github:
    return client(fake)


# ------------------------------------------------------------------ identities
def test_bad_or_missing_token_is_401(fake: FakeGitHub) -> None:
    with pytest.raises(BadCredentialsException) as err:
        client(fake, "nope", lazy=False).get_repo(REPO)
    assert err.value.status == 401
    assert err.value.data["message"] == "Bad credentials"
    req = urllib.request.Request(fake.url + f"/repos/{REPO}")
    with pytest.raises(urllib.error.HTTPError) as http_err:
        urllib.request.urlopen(req, timeout=5)
    assert http_err.value.code == 401


def test_get_user_depends_on_the_kind_of_token(fake: FakeGitHub) -> None:
    for token in (WF, APP):
        with pytest.raises(GithubException) as err:
            _ = client(fake, token).get_user().login
        assert err.value.status == 403
        assert err.value.data["message"] == "Resource not accessible by integration"
    me = client(fake, PAT).get_user()
    assert me.login == "alice"
    assert me.type == "User"


def test_comment_authors_follow_the_token(fake: FakeGitHub) -> None:
    issue_n = fake.add_issue(REPO, title="t")["number"]
    for token, login, kind in (
        (WF, "github-actions[bot]", "Bot"),
        (PAT, "alice", "User"),
        (APP, "devops-bot[bot]", "Bot"),
    ):
        c = client(fake, token).get_repo(REPO).get_issue(issue_n).create_comment("hi")
        assert (c.user.login, c.user.type) == (login, kind)
    bot = fake.comments(REPO, issue_n)[0]["user"]
    assert bot["id"] == 41898282
    assert bot["html_url"] == f"{fake.server_url}/apps/github-actions"


def test_collaborator_permission_role_and_legacy_mapping(fake: FakeGitHub, gh: Github) -> None:
    expected = {
        "admin": "admin",
        "maintain": "write",
        "write": "write",
        "triage": "read",
        "read": "read",
    }
    for role in expected:
        fake.set_permission(REPO, f"u-{role}", role)
    fake.set_permission(REPO, "carol", "deployer", base_role="write")
    repo = gh.get_repo(REPO)
    for role, legacy in expected.items():
        assert repo.get_collaborator_role_name(f"u-{role}") == role
        assert repo.get_collaborator_permission(f"u-{role}") == legacy
    assert repo.get_collaborator_role_name("carol") == "deployer"
    assert repo.get_collaborator_permission("carol") == "write"
    # the repository owner is an admin, as on GitHub
    assert repo.get_collaborator_role_name("acme") == "admin"
    with pytest.raises(GithubException) as err:
        repo.get_collaborator_permission("mallory")
    assert err.value.status == 404
    status, body, _ = raw(fake, "GET", f"/repos/{REPO}/collaborators/u-triage/permission")
    assert status == 200
    assert set(body) == {"permission", "role_name", "user"}
    assert body["user"]["login"] == "u-triage"


# -------------------------------------------------------------------- comments
def test_create_and_edit_comment_as_the_workflow_token(fake: FakeGitHub, gh: Github) -> None:
    n = fake.add_issue(REPO, title="Deploy", user="alice")["number"]
    comment = gh.get_repo(REPO).get_issue(n).create_comment("working…")
    assert comment.user.login == "github-actions[bot]"
    assert comment.html_url == f"{fake.server_url}/{REPO}/issues/{n}#issuecomment-{comment.id}"
    comment.edit("done")
    stored = fake.comments(REPO, n)
    assert [c["body"] for c in stored] == ["done"]
    assert set(stored[0]) >= set(shape("issue_comment"))
    assert no_placeholders(stored[0])
    post = fake.requests_to("POST", rf"/issues/{n}/comments$")
    assert post[0].status == 201
    assert post[0].json == {"body": "working…"}
    assert post[0].headers["authorization"] == f"token {WF}"


def test_editing_someone_elses_comment_is_403(fake: FakeGitHub, gh: Github) -> None:
    n = fake.add_issue(REPO, title="t")["number"]
    theirs = fake.add_comment(REPO, n, body="/devops apply abc", user="mallory")
    comment = gh.get_repo(REPO).get_issue(n).get_comment(theirs["id"])
    with pytest.raises(GithubException) as err:
        comment.edit("tampered")
    assert err.value.status == 403
    assert fake.comments(REPO, n)[0]["body"] == "/devops apply abc"


def test_over_long_comment_is_422(fake: FakeGitHub, gh: Github) -> None:
    n = fake.add_issue(REPO, title="t")["number"]
    issue = gh.get_repo(REPO).get_issue(n)
    issue.create_comment("x" * 65536)  # exactly the limit is fine
    with pytest.raises(GithubException) as err:
        issue.create_comment("x" * 65537)
    assert err.value.status == 422
    assert "Body is too long" in err.value.data["errors"][0]["message"]
    assert len(fake.comments(REPO, n)) == 1


def test_paginated_comments_follow_link_headers(fake: FakeGitHub, gh: Github) -> None:
    n = fake.add_issue(REPO, title="t")["number"]
    for i in range(75):
        fake.add_comment(REPO, n, body=f"c{i}")
    bodies = [c.body for c in gh.get_repo(REPO).get_issue(n).get_comments()]
    assert bodies == [f"c{i}" for i in range(75)]
    pages = fake.requests_to("GET", rf"/issues/{n}/comments$")
    assert len(pages) == 3
    status, body, headers = raw(
        fake, "GET", f"/repos/{REPO}/issues/{n}/comments?per_page=30&page=2"
    )
    assert status == 200
    assert len(body) == 30
    link = headers["Link"]
    assert f'<{fake.url}/repos/{REPO}/issues/{n}/comments?per_page=30&page=3>; rel="next"' in link
    assert 'page=3>; rel="last"' in link
    assert 'page=1>; rel="prev"' in link
    for name in (
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "X-RateLimit-Used",
    ):
        assert headers[name].isdigit()
    assert headers["X-RateLimit-Resource"] == "core"
    _, body, _ = raw(fake, "GET", f"/repos/{REPO}/issues/{n}/comments?per_page=500")
    assert len(body) == 75  # clamped to 100


def test_reaction_is_201_then_200(fake: FakeGitHub) -> None:
    n = fake.add_issue(REPO, title="t")["number"]
    c = fake.add_comment(REPO, n, body="/devops help", user="alice")
    path = f"/repos/{REPO}/issues/comments/{c['id']}/reactions"
    first = raw(fake, "POST", path, {"content": "eyes"})
    again = raw(fake, "POST", path, {"content": "eyes"})
    assert (first[0], again[0]) == (201, 200)
    assert first[1]["id"] == again[1]["id"]
    assert first[1]["user"]["login"] == "github-actions[bot]"
    assert raw(fake, "POST", path, {"content": "party"})[0] == 422
    assert [r["content"] for r in fake.reactions(REPO, c["id"])] == ["eyes"]
    assert fake.comment(REPO, c["id"])["reactions"]["eyes"] == 1  # type: ignore[index]


def test_pyGithub_reaction_and_on_request_hook(fake: FakeGitHub, gh: Github) -> None:
    n = fake.add_issue(REPO, title="t")["number"]
    c = fake.add_comment(REPO, n, body="/devops help", user="alice")
    seen: list[RecordedRequest] = []
    fake.on_request = seen.append
    reaction = gh.get_repo(REPO).get_issue(n).get_comment(c["id"]).create_reaction("eyes")
    assert reaction.content == "eyes"
    assert [(r.method, r.path) for r in seen][-1] == (
        "POST",
        f"/repos/{REPO}/issues/comments/{c['id']}/reactions",
    )
    assert seen[-1].status == 201


# ------------------------------------------------------------------ pulls, checks
def test_pull_request_is_also_an_issue(fake: FakeGitHub, gh: Github) -> None:
    fake.add_issue(REPO, title="first")
    pr = fake.add_pull(REPO, title="Bump", head_sha="a" * 40, head_ref="bump")
    assert pr["number"] == 2
    repo = gh.get_repo(REPO)
    pull = repo.get_pull(2)
    assert (pull.head.sha, pull.head.ref, pull.base.ref, pull.mergeable) == (
        "a" * 40,
        "bump",
        "main",
        True,
    )
    issue = repo.get_issue(2)
    assert issue.pull_request is not None
    assert issue.pull_request.html_url == f"{fake.server_url}/{REPO}/pull/2"
    assert [p.number for p in repo.get_pulls()] == [2]
    assert no_placeholders(fake.pulls(REPO))


def test_check_run_create_update_and_list_for_commit(fake: FakeGitHub, gh: Github) -> None:
    pr = fake.add_pull(REPO, title="Change")
    sha = pr["head"]["sha"]
    repo = gh.get_repo(REPO)
    run = repo.create_check_run("devops-agent", sha, status="in_progress", external_id="run-1")
    assert run.status == "in_progress"
    assert run.app.slug == "github-actions"
    assert [p.number for p in run.pull_requests] == [pr["number"]]
    run.edit(conclusion="success", output={"title": "ok", "summary": "All good", "text": "details"})
    listed = list(repo.get_commit(sha).get_check_runs())
    assert [(r.name, r.status, r.conclusion) for r in listed] == [
        ("devops-agent", "completed", "success")
    ]
    assert listed[0].output.summary == "All good"
    assert listed[0].completed_at is not None
    # by branch name too
    assert repo.get_commit("feature").get_check_runs().totalCount == 1
    stored = fake.check_runs(REPO)[0]
    assert stored["html_url"] == f"{fake.server_url}/{REPO}/runs/{stored['id']}"
    assert no_placeholders(stored)


def test_check_run_validation(fake: FakeGitHub) -> None:
    path = f"/repos/{REPO}/check-runs"
    sha = "b" * 40
    assert raw(fake, "POST", path, {"name": "x", "head_sha": sha, "status": "completed"})[0] == 422
    too_long = {"title": "t", "summary": "s" * 65536}
    status, body, _ = raw(fake, "POST", path, {"name": "x", "head_sha": sha, "output": too_long})
    assert status == 422
    assert body["errors"][0]["field"] == "summary"
    status, created, _ = raw(fake, "POST", path, {"name": "x", "head_sha": sha})
    assert (status, created["status"]) == (201, "queued")
    patch = f"{path}/{created['id']}"
    assert (
        raw(fake, "PATCH", patch, {"output": {"title": "t", "summary": "s", "text": "t" * 70000}})[
            0
        ]
        == 422
    )
    assert fake.check_runs(REPO)[0]["output"]["text"] is None  # a refused update changes nothing
    # check runs need an app token (the workflow token is one); a personal token is refused
    assert raw(fake, "POST", path, {"name": "x", "head_sha": sha}, token=PAT)[0] == 403


# ----------------------------------------------------------------------- issues
def test_issues_with_labels_filter_and_patch(fake: FakeGitHub, gh: Github) -> None:
    fake.add_issue(REPO, title="old audit", labels=["devops-audit"], state="closed")
    fake.add_issue(REPO, title="bug", labels=["bug"])
    repo = gh.get_repo(REPO)
    created = repo.create_issue(
        "Audit report", body="findings", labels=["devops-audit", "security"]
    )
    assert {lbl.name for lbl in repo.get_labels()} == {"devops-audit", "bug", "security"}
    open_audits = list(repo.get_issues(state="open", labels=["devops-audit"]))
    assert [i.title for i in open_audits] == ["Audit report"]
    assert [i.title for i in repo.get_issues(state="all", labels=["devops-audit"])] == [
        "Audit report",
        "old audit",
    ]
    assert [i.title for i in repo.get_issues(creator="github-actions[bot]")] == ["Audit report"]
    created.edit(body="updated", state="closed", state_reason="completed")
    stored = fake.issues(REPO)[-1]
    assert (stored["body"], stored["state"], stored["state_reason"]) == (
        "updated",
        "closed",
        "completed",
    )
    assert stored["closed_by"]["login"] == "github-actions[bot]"
    assert repo.get_issues(state="open", labels=["devops-audit"]).totalCount == 0
    label = repo.create_label("infra", "00ff00")
    assert label.color == "00ff00"
    with pytest.raises(GithubException) as err:
        repo.create_label("Infra", "00ff00")
    assert err.value.status == 422


# --------------------------------------------------------------------- actions
def test_workflows_dispatch_and_runs(fake: FakeGitHub, gh: Github) -> None:
    wf = fake.add_workflow(REPO, path=".github/workflows/deploy.yml", name="Deploy", inputs=["env"])
    fake.add_workflow(REPO, path=".github/workflows/ci.yml", name="CI")
    fake.add_run(REPO, wf["id"], conclusion="failure", head_branch="main")
    repo = gh.get_repo(REPO)
    assert [w.name for w in repo.get_workflows()] == ["Deploy", "CI"]
    deploy = repo.get_workflow("deploy.yml")
    assert deploy.id == wf["id"]
    assert deploy.create_dispatch("main", {"env": "prod"}) is True
    assert fake.dispatches(REPO) == [
        {"workflow_id": wf["id"], "ref": "main", "inputs": {"env": "prod"}}
    ]
    assert fake.requests_to("POST", "/dispatches$")[-1].status == 204
    runs = list(deploy.get_runs())
    assert [(r.event, r.status) for r in runs] == [
        ("workflow_dispatch", "queued"),
        ("push", "completed"),
    ]
    assert runs[0].actor.login == "github-actions[bot]"
    assert [r.id for r in repo.get_workflow_runs(status="failure")] == [runs[1].id]
    assert repo.get_workflow_run(runs[0].id).head_branch == "main"
    assert no_placeholders(fake.runs(REPO))
    # GitHub refuses unknown refs and undeclared inputs
    assert (
        raw(
            fake, "POST", f"/repos/{REPO}/actions/workflows/{wf['id']}/dispatches", {"ref": "nope"}
        )[0]
        == 422
    )
    status, body, _ = raw(
        fake,
        "POST",
        f"/repos/{REPO}/actions/workflows/deploy.yml/dispatches",
        {"ref": "main", "inputs": {"other": "x"}},
    )
    assert status == 422
    assert "Unexpected inputs" in body["message"]
    assert len(fake.dispatches(REPO)) == 1


def test_rate_limit_and_repo(fake: FakeGitHub, gh: Github) -> None:
    repo = client(fake, lazy=False).get_repo(REPO)
    assert (repo.full_name, repo.default_branch, repo.private) == (REPO, "main", False)
    assert repo.html_url == f"{fake.server_url}/{REPO}"
    assert gh.get_rate_limit().resources.core.limit == 5000


def test_unknown_route_is_githubs_404(fake: FakeGitHub) -> None:
    status, body, _ = raw(fake, "GET", "/repos/acme/infra/nothing-here")
    assert status == 404
    assert body == {
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/rest",
        "status": "404",
    }
    assert raw(fake, "GET", "/repos/acme/missing")[0] == 404


# --------------------------------------------------------------------- faults
def test_fault_once_then_success(fake: FakeGitHub, gh: Github) -> None:
    n = fake.add_issue(REPO, title="t")["number"]
    fake.fail_next("POST", r"/comments$", status=502)
    issue = gh.get_repo(REPO).get_issue(n)
    with pytest.raises(GithubException) as err:
        issue.create_comment("one")
    assert err.value.status == 502
    assert fake.comments(REPO, n) == []
    issue.create_comment("one")
    assert [c["body"] for c in fake.comments(REPO, n)] == ["one"]
    assert [r.status for r in fake.requests_to("POST", r"/comments$")] == [502, 201]


def test_fault_apply_changes_state_but_answers_error(fake: FakeGitHub, gh: Github) -> None:
    n = fake.add_issue(REPO, title="t")["number"]
    fake.fail_next("POST", r"/comments$", status=502, apply=True)
    with pytest.raises(GithubException) as err:
        gh.get_repo(REPO).get_issue(n).create_comment("created anyway")
    assert err.value.status == 502
    assert [c["body"] for c in fake.comments(REPO, n)] == ["created anyway"]


def test_secondary_rate_limit_fault_with_headers(fake: FakeGitHub) -> None:
    fake.fail_next("*", r"^/repos/", status=403, times=2, headers={"Retry-After": "7"})
    for _ in range(2):
        status, body, headers = raw(fake, "GET", f"/repos/{REPO}")
        assert (status, headers["Retry-After"]) == (403, "7")
        assert "secondary rate limit" in body["message"]
    assert raw(fake, "GET", f"/repos/{REPO}")[0] == 200


def test_concurrent_requests_are_safe(fake: FakeGitHub) -> None:
    n = fake.add_issue(REPO, title="t")["number"]

    statuses: list[int] = []

    def post(i: int) -> None:
        status = raw(fake, "POST", f"/repos/{REPO}/issues/{n}/comments", {"body": f"c{i}"})[0]
        statuses.append(status)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [201] * 20
    comments = fake.comments(REPO, n)
    assert len(comments) == 20
    assert len({c["id"] for c in comments}) == 20
    assert fake.errors == []


# ------------------------------------------------------------------- GHES
def test_ghes_api_prefix() -> None:
    with FakeGitHub(api_prefix="/api/v3") as ghes:
        ghes.add_token(WF, "github-actions[bot]")
        ghes.add_repo(REPO)
        n = ghes.add_issue(REPO, title="t")["number"]
        for i in range(35):
            ghes.add_comment(REPO, n, body=f"c{i}")
        assert ghes.url == ghes.server_url + "/api/v3"
        issue = client(ghes).get_repo(REPO).get_issue(n)
        assert len(list(issue.get_comments())) == 35  # Link URLs carry the prefix
        c = issue.create_comment("hi")
        assert c.url.startswith(f"{ghes.server_url}/api/v3/repos/")
        assert c.html_url.startswith(f"{ghes.server_url}/{REPO}/")
        paths = [r.path for r in ghes.requests]  # recorded without the prefix
        assert paths[0] == f"/repos/{REPO}/issues/{n}/comments"
        assert all(p.startswith(f"/repos/{REPO}/issues/{n}/comments") for p in paths)
        status, _, _ = raw(ghes, "GET", "/../repos/acme/infra")  # outside the prefix
        assert status == 404


# ---------------------------------------------------------------- payloads
def test_comment_event_matches_the_fake_and_githubs_shape(fake: FakeGitHub) -> None:
    pr = fake.add_pull(REPO, title="Change", user="alice")
    c = fake.add_comment(REPO, pr["number"], body="/devops ec2 list", user="alice")
    event = fake.comment_event(REPO, c["id"])
    template = shape("webhook_issue_comment")
    assert set(event) == set(template)
    assert set(event["comment"]) == set(template["comment"])
    assert set(event["issue"]) == set(template["issue"]) | {"pull_request"}
    assert event["comment"]["id"] == c["id"]
    assert event["comment"]["html_url"] == c["html_url"]
    assert c["html_url"] == f"{fake.server_url}/{REPO}/pull/{pr['number']}#issuecomment-{c['id']}"
    assert event["comment"]["user"] == c["user"]
    assert event["issue"]["number"] == pr["number"]
    assert event["issue"]["pull_request"]["url"] == f"{fake.url}/repos/{REPO}/pulls/{pr['number']}"
    assert "head" not in json.dumps(event["issue"]["pull_request"])  # GitHub sends no head sha
    assert event["repository"]["full_name"] == REPO
    assert event["sender"]["login"] == "alice"
    assert no_placeholders(event)

    plain = comment_event(REPO, 7, "/devops help", comment_id=c["id"])
    assert "pull_request" not in plain["issue"]
    assert (
        plain["comment"]["html_url"] == f"https://github.com/{REPO}/issues/7#issuecomment-{c['id']}"
    )
    edited = comment_event(REPO, 7, "new", action="edited", changes_from="old")
    assert edited["changes"] == {"body": {"from": "old"}}
    assert comment_event(REPO, 7, "x", action="deleted")["action"] == "deleted"
    bot = comment_event(REPO, 7, "x", login="github-actions[bot]", user_type="Bot")
    assert bot["comment"]["user"]["type"] == "Bot"
    with pytest.raises(ValueError, match="unknown"):
        comment_event(REPO, 7, "x", action="pinned")


def test_dispatch_and_schedule_events() -> None:
    event = dispatch_event(REPO, inputs={"command": "audit"}, login="alice")
    assert set(event) == {"inputs", "ref", "repository", "sender", "workflow"}
    assert event["inputs"] == {"command": "audit"}
    assert event["ref"] == "refs/heads/main"
    assert event["repository"]["full_name"] == REPO
    assert event["sender"]["login"] == "alice"
    assert no_placeholders(event)
    assert schedule_event(REPO, cron="0 4 * * 1") == {
        "schedule": "0 4 * * 1",
        "workflow": ".github/workflows/devops-agent.yml",
    }


def test_reset_clears_everything(server: FakeGitHub) -> None:
    server.reset()
    server.add_token(WF)
    server.add_repo(REPO)
    server.fail_next("GET", ".", status=500)
    server.on_request = lambda r: None
    server.reset()
    assert server.requests == []
    assert server.on_request is None
    status, _, _ = raw(server, "GET", f"/repos/{REPO}")
    assert status == 401  # tokens are gone too, and the fault did not fire


def test_actions_secrets_are_sealed_with_the_repository_key(fake, gh):
    """PyGithub encrypts with the repo's public key; the fake can open what was stored."""
    fake.add_repo("octo/secrets")
    repo = gh.get_repo("octo/secrets")
    repo.create_secret("DEPLOY_KEY", "not-in-plain-text")
    put = fake.requests_to("PUT", r"/actions/secrets/DEPLOY_KEY")[-1]
    assert "not-in-plain-text" not in str(put.json)
    assert fake.secret_value("octo/secrets", "DEPLOY_KEY") == "not-in-plain-text"
    assert fake.secret_names("octo/secrets") == ["DEPLOY_KEY"]


# ------------------------------------------- repository, PR and workflow operations
DEPLOY_YML = """name: Deploy
on:
  workflow_dispatch:
    inputs:
      env: {type: choice, options: [dev, prod], required: true}
jobs: {}
"""


def test_contents_api_serves_files_base64(fake: FakeGitHub, gh: Github) -> None:
    fake.add_workflow(REPO, path=".github/workflows/deploy.yml", content=DEPLOY_YML)
    repo = gh.get_repo(REPO)
    file = repo.get_contents(".github/workflows/deploy.yml")
    assert file.decoded_content.decode() == DEPLOY_YML
    assert file.encoding == "base64" and file.type == "file"
    listing = repo.get_contents(".github/workflows")
    assert [(f.name, f.type) for f in listing] == [("deploy.yml", "file")]
    assert raw(fake, "GET", f"/repos/{REPO}/contents/missing.txt")[0] == 404
    status, body, _ = raw(fake, "GET", f"/repos/{REPO}/contents/.github?ref=nope")
    assert status == 404 and "No commit found for the ref nope" in body["message"]
    # the declared inputs are what a dispatch may name; a file without the trigger refuses
    status, body, _ = raw(
        fake,
        "POST",
        f"/repos/{REPO}/actions/workflows/deploy.yml/dispatches",
        {"ref": "main", "inputs": {"other": "1"}},
    )
    assert status == 422 and "Unexpected inputs" in body["message"]
    fake.add_workflow(REPO, path=".github/workflows/ci.yml", content="on: push\njobs: {}\n")
    status, body, _ = raw(
        fake, "POST", f"/repos/{REPO}/actions/workflows/ci.yml/dispatches", {"ref": "main"}
    )
    assert status == 422 and "workflow_dispatch" in body["message"]


def test_enable_disable_jobs_and_logs(fake: FakeGitHub, gh: Github) -> None:
    import io
    import zipfile

    wf = fake.add_workflow(REPO)
    workflow = gh.get_repo(REPO).get_workflow(wf["id"])
    assert workflow.disable() is True
    assert fake.workflows(REPO)[0]["state"] == "disabled_manually"
    assert workflow.enable() is True
    assert fake.workflows(REPO)[0]["state"] == "active"
    run = fake.add_run(REPO, wf["id"], conclusion="failure")
    job = fake.add_job(
        REPO,
        run["id"],
        name="test",
        conclusion="failure",
        steps=["Set up job", ("Run tests", "failure")],
        log="line 1\nboom\n",
    )
    fake.add_job(REPO, run["id"], name="lint", steps=["Set up job"])
    jobs = list(gh.get_repo(REPO).get_workflow_run(run["id"]).jobs())
    assert [(j.name, j.conclusion) for j in jobs] == [("test", "failure"), ("lint", "success")]
    assert [(s.number, s.name, s.conclusion) for s in jobs[0].steps] == [
        (1, "Set up job", "success"),
        (2, "Run tests", "failure"),
    ]
    assert no_placeholders(job)
    # the log is a 302 to a signed URL on another path, served without the token
    location = jobs[0].logs_url()
    assert location.startswith(fake.server_url + "/_blobs/") and "sig=" in location
    with urllib.request.urlopen(location, timeout=5) as resp:
        assert resp.read() == b"line 1\nboom\n"
    status, _, _ = raw(fake, "GET", f"/repos/{REPO}/actions/jobs/{jobs[1].id}/logs")
    assert status == 404  # no log stored
    req = urllib.request.Request(fake.url + f"/repos/{REPO}/actions/runs/{run['id']}/logs")
    req.add_header("Authorization", f"token {WF}")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(req, timeout=5)
    assert err.value.code == 302
    with urllib.request.urlopen(err.value.headers["Location"], timeout=5) as resp:
        archive = zipfile.ZipFile(io.BytesIO(resp.read()))
    assert archive.namelist() == ["0_test.txt"]
    assert archive.read("0_test.txt") == b"line 1\nboom\n"


def test_repository_administration_needs_more_than_the_workflow_token(fake: FakeGitHub) -> None:
    fake.add_token("ghp_owner", "acme", kind="pat")
    fake.add_repo("acme/tools")
    for method, path, body in [
        ("PATCH", "/repos/acme/tools", {"description": "x"}),
        ("PUT", "/repos/acme/tools/topics", {"names": ["a"]}),
        ("PUT", "/repos/acme/tools/collaborators/bob", {"permission": "push"}),
        ("DELETE", "/repos/acme/tools", None),
        ("GET", "/repos/acme/tools/branches/main/protection", None),
        ("POST", "/user/repos", {"name": "new"}),
    ]:
        status, body_, _ = raw(fake, method, path, body)
        assert status == 403, (method, path)
        assert body_["message"] == "Resource not accessible by integration"
    status, _, _ = raw(fake, "PATCH", "/repos/acme/tools", {"description": "x"}, token=PAT)
    assert status == 403  # alice is not an admin of acme/tools
    owner = client(fake, "ghp_owner")
    repo = owner.get_repo("acme/tools")
    repo.edit(description="Tools", allow_squash_merge=False, delete_branch_on_merge=True)
    data = fake.repo("acme/tools")
    assert (data["description"], data["allow_squash_merge"]) == ("Tools", False)
    repo.replace_topics(["infra", "ci"])
    assert repo.get_topics() == ["infra", "ci"]
    status, body, _ = raw(
        fake, "PUT", "/repos/acme/tools/topics", {"names": ["Bad Topic"]}, token="ghp_owner"
    )
    assert status == 422
    status, body, _ = raw(
        fake,
        "PATCH",
        "/repos/acme/tools",
        {"allow_merge_commit": False, "allow_rebase_merge": False},
        token="ghp_owner",
    )
    assert status == 422 and "merge strategy" in json.dumps(body)
    status, _, _ = raw(fake, "DELETE", "/repos/acme/tools", token="ghp_owner")
    assert status == 204 and not fake.has_repo("acme/tools")


def test_repository_listing_and_creation(fake: FakeGitHub) -> None:
    fake.add_repo("octo-org/api", owner_type="Organization")
    fake.add_repo("octo-org/web", owner_type="Organization", private=True)
    fake.add_repo("alice/dotfiles")
    fake.add_repo("alice/secret", private=True)
    alice = client(fake, PAT)
    assert alice.get_user("octo-org").type == "Organization"
    assert [r.full_name for r in alice.get_organization("octo-org").get_repos()] == [
        "octo-org/api",
        "octo-org/web",
    ]
    assert [r.full_name for r in client(fake).get_user("alice").get_repos()] == ["alice/dotfiles"]
    assert {r.full_name for r in alice.get_user().get_repos()} == {"alice/dotfiles", "alice/secret"}
    assert raw(fake, "GET", "/users/nobody-here")[0] == 404
    created = alice.get_user().create_repo("fresh", private=True, description="new")
    assert (created.full_name, created.private, created.description) == (
        "alice/fresh",
        True,
        "new",
    )
    status, body, _ = raw(fake, "POST", "/user/repos", {"name": "fresh"}, token=PAT)
    assert status == 422 and "already exists" in json.dumps(body)
    org_repo = client(fake, APP).get_organization("octo-org").create_repo("svc")
    assert org_repo.full_name == "octo-org/svc" and fake.has_repo("octo-org/svc")


def test_collaborators_invitations_and_removal(fake: FakeGitHub) -> None:
    fake.add_token("ghp_owner", "acme", kind="pat")
    fake.set_permission(REPO, "acme", "admin")
    fake.set_permission(REPO, "carol", "write")
    owner = client(fake, "ghp_owner").get_repo(REPO)
    assert {c.login: c.role_name for c in owner.get_collaborators()} == {
        "acme": "admin",
        "carol": "write",
    }
    status, body, _ = raw(
        fake, "PUT", f"/repos/{REPO}/collaborators/bob", {"permission": "triage"}, "ghp_owner"
    )
    assert status == 201 and body["invitee"]["login"] == "bob"
    assert fake.invitations(REPO) == {"bob": "triage"}
    status, _, _ = raw(
        fake, "PUT", f"/repos/{REPO}/collaborators/carol", {"permission": "maintain"}, "ghp_owner"
    )
    assert status == 204 and fake.collaborators(REPO)["carol"] == "maintain"
    owner.remove_from_collaborators("carol")
    owner.remove_from_collaborators("bob")
    assert "carol" not in fake.collaborators(REPO) and fake.invitations(REPO) == {}


def test_merge_reviews_statuses_and_protection(fake: FakeGitHub, gh: Github) -> None:
    fake.add_token("ghp_owner", "acme", kind="pat")
    fake.set_permission(REPO, "acme", "admin")
    pr = fake.add_pull(REPO, title="Feature", user="alice")
    n, sha = pr["number"], pr["head"]["sha"]
    fake.protect_branch(REPO, "main", required_approvals=1, required_checks=["ci"])
    status, body, _ = raw(fake, "GET", f"/repos/{REPO}/branches/main/protection", None, "ghp_owner")
    assert status == 200
    assert body["required_pull_request_reviews"]["required_approving_review_count"] == 1
    assert body["required_status_checks"]["contexts"] == ["ci"]
    pull = gh.get_repo(REPO).get_pull(n)
    assert pull.mergeable_state == "blocked"
    with pytest.raises(GithubException) as err:
        pull.merge()
    assert err.value.status == 405 and "approving review" in err.value.data["message"]
    fake.add_review(REPO, n, user="carol", state="APPROVED")
    with pytest.raises(GithubException) as err:
        pull.merge()
    assert err.value.data["message"] == 'Required status check "ci" is expected.'
    fake.add_status(REPO, sha, "ci", "failure")
    combined = gh.get_repo(REPO).get_commit(sha).get_combined_status()
    assert combined.state == "failure" and combined.total_count == 1
    fake.add_status(REPO, sha, "ci", "success")
    assert gh.get_repo(REPO).get_commit(sha).get_combined_status().state == "success"
    with pytest.raises(GithubException) as err:
        pull.merge(sha="0" * 40)
    assert err.value.status == 409
    result = pull.merge(merge_method="squash", sha=sha)
    assert result.merged
    after = fake.pulls(REPO)[0]
    assert after["merged"] and after["state"] == "closed"
    assert fake.issues(REPO)[0]["state"] == "closed"
    with pytest.raises(GithubException) as err:
        pull.merge()
    assert err.value.status == 405 and err.value.data["message"] == "Pull Request is not mergeable"


def test_reviews_follow_githubs_rules(fake: FakeGitHub, gh: Github) -> None:
    pr = fake.add_pull(REPO, title="Feature", user="alice")
    pull = gh.get_repo(REPO).get_pull(pr["number"])
    review = pull.create_review(body="Please add a test.", event="REQUEST_CHANGES")
    assert review.state == "CHANGES_REQUESTED" and review.user.login == "github-actions[bot]"
    with pytest.raises(GithubException) as err:
        pull.create_review(event="COMMENT")
    assert err.value.status == 422
    with pytest.raises(GithubException) as err:
        pull.create_review(event="APPROVE")
    assert "not permitted to approve" in json.dumps(err.value.data)
    with pytest.raises(GithubException) as err:
        client(fake, PAT).get_repo(REPO).get_pull(pr["number"]).create_review(event="APPROVE")
    assert "your own pull request" in json.dumps(err.value.data)
    assert [r.state for r in pull.get_reviews()] == ["CHANGES_REQUESTED"]
    fake.set_mergeable(REPO, pr["number"], False)
    assert gh.get_repo(REPO).get_pull(pr["number"]).mergeable_state == "dirty"


def test_log_redirects_under_a_ghes_prefix() -> None:
    with FakeGitHub(api_prefix="/api/v3") as ghes:
        ghes.add_token(WF)
        ghes.add_repo(REPO)
        wf = ghes.add_workflow(REPO)
        run = ghes.add_run(REPO, wf["id"], conclusion="failure")
        ghes.add_job(REPO, run["id"], log="boom")
        job = next(iter(client(ghes).get_repo(REPO).get_workflow_run(run["id"]).jobs()))
        assert job.html_url.startswith(f"{ghes.server_url}/{REPO}/actions/runs/")
        location = job.logs_url()
        assert location.startswith(ghes.server_url + "/_blobs/")
        with urllib.request.urlopen(location, timeout=5) as resp:
            assert resp.read() == b"boom"
