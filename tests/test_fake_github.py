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

from devops_agent.sandbox.fake_github import FakeGitHub, RecordedRequest
from devops_agent.sandbox.payloads import (
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
