"""A stateful fake of GitHub's REST API, served over real HTTP from a daemon thread.

Tests and ``devops-agent demo`` point ``GITHUB_API_URL`` at it, so the real client stack
(PyGithub, requests, urllib3) runs unchanged: pagination ``Link`` headers, rate-limit
headers, status codes and error bodies all take the path they take against github.com.
Response bodies are built from examples in GitHub's OpenAPI description (see
``github_shapes.json``), with ids, URLs, logins and bodies filled in.

Stdlib only, thread-safe (one lock around all state) and silent (no request logging).
"""

from __future__ import annotations

import copy
import hashlib
import http
import json
import math
import re
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from devops_agent.sandbox import payloads
from devops_agent.sandbox.payloads import fill, node_id, now_iso, shape

__all__ = ["FakeGitHub", "RecordedRequest"]

DOCS = "https://docs.github.com/rest"
MAX_COMMENT_CHARS = 65536
MAX_CHECK_OUTPUT_BYTES = 65535
RATE_LIMIT = 5000
ROLES = ("read", "triage", "write", "maintain", "admin")
LEGACY_PERMISSION = {
    "admin": "admin",
    "maintain": "write",
    "write": "write",
    "triage": "read",
    "read": "read",
}
REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")
CHECK_STATUSES = ("queued", "in_progress", "completed", "waiting", "requested", "pending")
CHECK_CONCLUSIONS = (
    "action_required",
    "cancelled",
    "failure",
    "neutral",
    "success",
    "skipped",
    "stale",
    "timed_out",
)
# The GitHub Actions app that owns GITHUB_TOKEN check runs on github.com.
ACTIONS_APP_ID = 15368
# First id of each kind: distinct ranges, so a comment id never equals an issue number.
_ID_BASES = {
    "repo": 700_000_000,
    "issue": 1_100_000_000,
    "pull": 1_500_000_000,
    "comment": 2_000_000_000,
    "reaction": 300_000_000,
    "check_run": 30_000_000_000,
    "check_suite": 25_000_000_000,
    "label": 6_000_000_000,
    "workflow": 120_000_000,
    "run": 14_000_000_000,
}


@dataclass
class RecordedRequest:
    """One request as the fake saw it; ``status`` is filled in once it has been answered."""

    method: str
    path: str  # without the api_prefix
    query: dict[str, str]
    json: Any
    headers: dict[str, str]  # lower-case names
    status: int = 0
    at: float = field(default_factory=time.monotonic)  # arrival, time.monotonic()


@dataclass
class _Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    remaining: int
    body: dict[str, Any] | None
    headers: dict[str, str]
    apply: bool


@dataclass
class _Identity:
    login: str
    user_type: str  # "User" or "Bot"
    kind: str  # "workflow", "pat" or "app"


@dataclass
class _Repo:
    full_name: str
    data: dict[str, Any]
    owner_type: str
    # login: (role_name, legacy permission, the standard role it grants at least)
    collaborators: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)  # name: sha
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    comment_issue: dict[int, int] = field(default_factory=dict)
    reactions: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)  # lower-case name: label
    check_runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    check_suites: dict[str, int] = field(default_factory=dict)  # head_sha: suite id
    workflows: dict[int, dict[str, Any]] = field(default_factory=dict)
    workflow_inputs: dict[int, frozenset[str] | None] = field(default_factory=dict)
    runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    dispatches: list[dict[str, Any]] = field(default_factory=list)
    next_number: int = 1


@dataclass
class _Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class _HTTPError(Exception):
    """Raised by a handler to answer with GitHub's error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        doc: str = DOCS,
    ) -> None:
        super().__init__(message)
        self.status = status
        body: dict[str, Any] = {"message": message}
        if errors is not None:
            body["errors"] = errors
        body.update(documentation_url=doc, status=str(status))
        self.body = body


@dataclass
class _Ctx:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    ident: _Identity
    token: str
    params: dict[str, str]
    repo: _Repo | None

    @property
    def r(self) -> _Repo:
        assert self.repo is not None
        return self.repo

    def arg(self, name: str) -> Any:
        return self.body.get(name) if isinstance(self.body, dict) else None


def _not_found(doc: str = DOCS) -> _HTTPError:
    return _HTTPError(404, "Not Found", doc=doc)


def _missing(*names: str) -> _HTTPError:
    quoted = ", ".join(f'"{n}"' for n in names)
    verb = "wasn't" if len(names) == 1 else "weren't"
    return _HTTPError(422, f"Invalid request.\n\n{quoted} {verb} supplied.")


def _sha(*parts: object) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


def _rollup(url: str) -> dict[str, Any]:
    return {"url": url, "total_count": 0, **dict.fromkeys(REACTIONS, 0)}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default 5 drops bursts of parallel connects
    fake: FakeGitHub

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: a client hanging up mid-request is not worth a traceback on stderr."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as PyGithub's connection pool expects
    timeout = 30
    # Headers and body go out in separate writes: without this, Nagle plus delayed ACKs
    # add ~40 ms to every response.
    disable_nagle_algorithm = True
    server: _Server

    def _any(self) -> None:
        self.server.fake._serve(self)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests and the demo own stderr."""


RouteFn = Callable[["FakeGitHub", _Ctx], _Response]
_REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"


class FakeGitHub:
    """GitHub's REST API for one test session: repos, issues, comments, reactions, PRs,
    check runs, labels, workflows and runs, with tokens mapped to identities and
    fault injection. Binds its port at construction, so ``url`` is known before ``start``.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, api_prefix: str = "") -> None:
        self.api_prefix = api_prefix.rstrip("/")
        self._httpd = _Server((host, port), _Handler)
        self._httpd.fake = self
        self.server_url = f"http://{host}:{self._httpd.server_port}"
        self.url = self.server_url + self.api_prefix
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()
        # Called on each request's arrival, before it is answered (``status`` is still 0).
        self.on_request: Callable[[RecordedRequest], None] | None = None
        self.requests: list[RecordedRequest] = []
        self.errors: list[str] = []  # tracebacks of handler crashes (answered with 500)
        self._init_state()

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> FakeGitHub:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="fake-github",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _init_state(self) -> None:
        self._secrets: dict[str, dict[str, str]] = {}
        self._secret_keys: dict[str, Any] = {}
        self._oidc: tuple[str, dict[str, Any]] | None = None
        self._tokens: dict[str, _Identity] = {}
        self._repos: dict[str, _Repo] = {}
        self._user_types: dict[str, str] = {}
        self._counters: dict[str, int] = dict(_ID_BASES)
        self._run_numbers: dict[int, int] = {}
        self._faults: list[_Fault] = []
        self._used: dict[str, int] = {}
        self._reset_at = int(time.time()) + 3600

    def reset(self) -> None:
        """Forget everything: tokens, repos, request log, faults and the ``on_request`` hook."""
        with self._lock:
            self._init_state()
            self.requests.clear()
            self.errors.clear()
            self.on_request = None

    # ------------------------------------------------------------------ set-up
    def add_token(
        self, token: str, login: str = "github-actions[bot]", *, kind: str = "workflow"
    ) -> None:
        """Map a token to an identity: ``workflow`` (github-actions[bot]), ``pat`` (the user
        ``login``) or ``app`` (``<login>[bot]``)."""
        if kind == "workflow":
            ident = _Identity("github-actions[bot]", "Bot", kind)
        elif kind == "pat":
            ident = _Identity(login, "User", kind)
        elif kind == "app":
            slug = login.removesuffix("[bot]")
            ident = _Identity(f"{slug}[bot]", "Bot", kind)
        else:
            raise ValueError(f"unknown token kind: {kind!r}")
        with self._lock:
            self._tokens[token] = ident
            self._user_types[ident.login] = ident.user_type

    def add_repo(
        self,
        full_name: str,
        *,
        default_branch: str = "main",
        private: bool = False,
        owner_type: str = "User",
    ) -> dict[str, Any]:
        """Create a repository. A ``User`` owner is its admin, as on GitHub."""
        owner, name = full_name.split("/", 1)
        with self._lock:
            rid = self._next("repo")
            data: dict[str, Any] = fill(
                shape("full_repository"),
                {
                    "api": self.url,
                    "server": self.server_url,
                    "full_name": full_name,
                    "owner": owner,
                    "host": urllib.parse.urlsplit(self.server_url).netloc,
                },
            )
            now = now_iso()
            data.update(
                id=rid,
                node_id=node_id("Repository", rid),
                name=name,
                full_name=full_name,
                owner=self._user(owner, owner_type),
                private=private,
                visibility="private" if private else "public",
                default_branch=default_branch,
                created_at=now,
                updated_at=now,
                pushed_at=now,
            )
            repo = _Repo(full_name, data, owner_type)
            repo.branches[default_branch] = _sha(full_name, default_branch)
            if owner_type == "User":
                repo.collaborators[owner] = ("admin", "admin", "admin")
            self._repos[full_name] = repo
            return copy.deepcopy(data)

    def add_branch(self, full_name: str, name: str, sha: str | None = None) -> str:
        """Declare a branch (dispatches to unknown refs get 422); returns its head sha."""
        with self._lock:
            repo = self._repo(full_name)
            repo.branches[name] = sha or _sha(full_name, name)
            return repo.branches[name]

    def set_permission(
        self, full_name: str, login: str, role_name: str, *, base_role: str = "read"
    ) -> None:
        """Make ``login`` a collaborator. A custom role's legacy ``permission`` is that of
        ``base_role``, as GitHub derives it from the role the custom one inherits."""
        base = role_name if role_name in ROLES else base_role
        if base not in ROLES:
            raise ValueError(f"base_role must be one of {ROLES}")
        with self._lock:
            self._repo(full_name).collaborators[login] = (role_name, LEGACY_PERMISSION[base], base)

    def remove_permission(self, full_name: str, login: str) -> None:
        with self._lock:
            self._repo(full_name).collaborators.pop(login, None)

    def add_issue(
        self,
        full_name: str,
        *,
        title: str,
        body: str = "",
        user: str = "octocat",
        labels: Iterable[str] = (),
        state: str = "open",
        user_type: str = "User",
    ) -> dict[str, Any]:
        with self._lock:
            repo = self._repo(full_name)
            issue = self._new_issue(
                repo, title=title, body=body, user=user, user_type=user_type, labels=labels
            )
            if state == "closed":
                self._set_state(repo, issue["number"], "closed", None, issue["user"])
            return copy.deepcopy(issue)

    def add_pull(
        self,
        full_name: str,
        *,
        title: str,
        body: str = "",
        user: str = "octocat",
        head_sha: str | None = None,
        head_ref: str = "feature",
        base_ref: str = "main",
        state: str = "open",
        mergeable: bool | None = True,
        draft: bool = False,
    ) -> dict[str, Any]:
        """Open a PR (it is also an issue: same number sequence, ``pull_request`` key)."""
        with self._lock:
            repo = self._repo(full_name)
            issue = self._new_issue(
                repo, title=title, body=body, user=user, user_type="User", labels=()
            )
            number = issue["number"]
            head_sha = head_sha or _sha(full_name, "pull", number)
            repo.branches[head_ref] = head_sha
            base_sha = repo.branches.setdefault(base_ref, _sha(full_name, base_ref))
            values = self._values(repo, number=number, sha=head_sha)
            issue["pull_request"] = fill(shape("issue_pull_request"), values)
            issue["html_url"] = issue["pull_request"]["html_url"]  # GitHub links PRs as /pull/N
            pid = self._next("pull")
            owner = repo.data["owner"]
            pr: dict[str, Any] = fill(shape("pull_request"), values)
            pr.update(
                id=pid,
                node_id=node_id("PullRequest", pid),
                number=number,
                title=title,
                body=body,
                user=copy.deepcopy(issue["user"]),
                created_at=issue["created_at"],
                updated_at=issue["updated_at"],
                author_association=issue["author_association"],
                draft=draft,
                mergeable=mergeable,
                mergeable_state="clean" if mergeable else "dirty",
                head={
                    "label": f"{owner['login']}:{head_ref}",
                    "ref": head_ref,
                    "sha": head_sha,
                    "user": copy.deepcopy(owner),
                    "repo": copy.deepcopy(repo.data),
                },
                base={
                    "label": f"{owner['login']}:{base_ref}",
                    "ref": base_ref,
                    "sha": base_sha,
                    "user": copy.deepcopy(owner),
                    "repo": copy.deepcopy(repo.data),
                },
            )
            repo.pulls[number] = pr
            if state == "closed":
                self._set_state(repo, number, "closed", None, issue["user"])
            return copy.deepcopy(pr)

    def push(self, full_name: str, number: int, head_sha: str) -> None:
        """Move a PR's head to ``head_sha``, as a new push to its branch would."""
        with self._lock:
            pr = self._repo(full_name).pulls[number]
            pr["head"]["sha"] = head_sha
            self._repo(full_name).branches[pr["head"]["ref"]] = head_sha

    def tamper_comment(self, full_name: str, comment_id: int, body: str) -> None:
        """Change a comment's body behind the API (what an admin's edit would do)."""
        with self._lock:
            self._repo(full_name).comments[comment_id]["body"] = body

    def enable_oidc(self, request_token: str, claims: dict[str, Any] | None = None) -> str:
        """Serve the Actions ID-token endpoint; returns ACTIONS_ID_TOKEN_REQUEST_URL.

        Answers ``GET`` with ``Authorization: Bearer <request_token>`` and an
        ``audience`` query with ``{"value": <unsigned JWT>}`` carrying ``claims``
        (moto's STS accepts any token, so no signature is needed).
        """
        with self._lock:
            self._oidc = (request_token, dict(claims or {}))
        return f"{self.server_url}/_actions/idtoken?api-version=2.0"

    def add_comment(
        self,
        full_name: str,
        issue_number: int,
        *,
        body: str,
        user: str = "octocat",
        user_type: str = "User",
    ) -> dict[str, Any]:
        with self._lock:
            repo = self._repo(full_name)
            if issue_number not in repo.issues:
                raise KeyError(f"{full_name}#{issue_number} does not exist")
            return copy.deepcopy(self._new_comment(repo, issue_number, body, user, user_type))

    def add_label(
        self, full_name: str, name: str, *, color: str = "ededed", description: str | None = None
    ) -> dict[str, Any]:
        with self._lock:
            label = self._ensure_label(self._repo(full_name), name, color, description)
            return copy.deepcopy(label)

    def add_workflow(
        self,
        full_name: str,
        *,
        path: str = ".github/workflows/deploy.yml",
        name: str = "Deploy",
        state: str = "active",
        inputs: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        """Add a workflow. With ``inputs``, dispatches naming other inputs get 422 as on GitHub."""
        with self._lock:
            repo = self._repo(full_name)
            wid = self._next("workflow")
            wf: dict[str, Any] = fill(
                shape("workflow"),
                self._values(
                    repo,
                    id=wid,
                    branch=repo.data["default_branch"],
                    path=path,
                    name_q=urllib.parse.quote(name),
                ),
            )
            now = now_iso()
            wf.update(
                id=wid,
                node_id=node_id("Workflow", wid),
                name=name,
                path=path,
                state=state,
                created_at=now,
                updated_at=now,
            )
            repo.workflows[wid] = wf
            repo.workflow_inputs[wid] = None if inputs is None else frozenset(inputs)
            return copy.deepcopy(wf)

    def add_run(
        self,
        full_name: str,
        workflow_id: int | str,
        *,
        status: str = "completed",
        conclusion: str | None = "success",
        head_branch: str = "main",
        event: str = "push",
        actor: str = "octocat",
    ) -> dict[str, Any]:
        with self._lock:
            repo = self._repo(full_name)
            wf = self._find_workflow(repo, str(workflow_id))
            if wf is None:
                raise KeyError(f"no workflow {workflow_id!r} in {full_name}")
            run = self._new_run(
                repo,
                wf,
                status=status,
                conclusion=conclusion if status == "completed" else None,
                head_branch=head_branch,
                event=event,
                actor=self._user(actor),
            )
            return copy.deepcopy(run)

    def update_run(self, full_name: str, run_id: int, **fields: Any) -> dict[str, Any]:
        """Move a run along (e.g. ``status="completed", conclusion="failure"``)."""
        with self._lock:
            run = self._repo(full_name).runs[run_id]
            run.update(fields, updated_at=now_iso())
            return copy.deepcopy(run)

    def fail_next(
        self,
        method: str,
        path_regex: str,
        *,
        status: int,
        times: int = 1,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        apply: bool = False,
    ) -> None:
        """Answer the next ``times`` matching requests (``re.search`` on the path without
        the api prefix; method ``*`` for any) with ``status``. ``apply=True`` carries the
        request out first, like GitHub creating a comment and then answering 502."""
        with self._lock:
            self._faults.append(
                _Fault(
                    method.upper(),
                    re.compile(path_regex),
                    status,
                    times,
                    body,
                    dict(headers or {}),
                    apply,
                )
            )

    # -------------------------------------------------------------- inspection
    def requests_to(
        self, method: str | None = None, path_regex: str | None = None
    ) -> list[RecordedRequest]:
        with self._lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method.upper())
                and (path_regex is None or re.search(path_regex, r.path))
            ]

    def repo(self, full_name: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._repo(full_name).data)

    def comments(self, full_name: str, issue_number: int) -> list[dict[str, Any]]:
        with self._lock:
            repo = self._repo(full_name)
            return [
                copy.deepcopy(c)
                for cid, c in sorted(repo.comments.items())
                if repo.comment_issue[cid] == issue_number
            ]

    def comment(self, full_name: str, comment_id: int) -> dict[str, Any] | None:
        with self._lock:
            c = self._repo(full_name).comments.get(comment_id)
            return copy.deepcopy(c)

    def reactions(self, full_name: str, comment_id: int) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._repo(full_name).reactions.get(comment_id, []))

    def check_runs(self, full_name: str) -> list[dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(c) for _, c in sorted(self._repo(full_name).check_runs.items())]

    def issues(self, full_name: str) -> list[dict[str, Any]]:
        """All issues, PRs included (as GitHub's issues API lists them), by number."""
        with self._lock:
            return [copy.deepcopy(i) for _, i in sorted(self._repo(full_name).issues.items())]

    def pulls(self, full_name: str) -> list[dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(p) for _, p in sorted(self._repo(full_name).pulls.items())]

    def labels(self, full_name: str) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(list(self._repo(full_name).labels.values()))

    def runs(self, full_name: str) -> list[dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(r) for _, r in sorted(self._repo(full_name).runs.items())]

    def dispatches(self, full_name: str) -> list[dict[str, Any]]:
        """``{"workflow_id" (numeric), "ref", "inputs"}`` for each accepted dispatch."""
        with self._lock:
            return copy.deepcopy(self._repo(full_name).dispatches)

    def comment_event(
        self, full_name: str, comment_id: int, *, action: str = "created", **overrides: Any
    ) -> dict[str, Any]:
        """The ``issue_comment`` payload GitHub would send for a comment in this fake, with
        the same ids, logins and URLs (``GITHUB_SERVER_URL``/``GITHUB_API_URL`` = this fake)."""
        with self._lock:
            repo = self._repo(full_name)
            c = repo.comments[comment_id]
            issue = repo.issues[repo.comment_issue[comment_id]]
            kwargs: dict[str, Any] = {
                "login": c["user"]["login"],
                "user_type": c["user"]["type"],
                "action": action,
                "is_pr": "pull_request" in issue,
                "comment_id": comment_id,
                "author_association": c["author_association"],
                "server_url": self.server_url,
                "api_url": self.url,
                "issue_id": issue["id"],
                "issue_title": issue["title"],
                "issue_body": issue["body"],
                "issue_user": issue["user"]["login"],
                "issue_state": issue["state"],
                "labels": copy.deepcopy(issue["labels"]),
                "repo_id": repo.data["id"],
                "default_branch": repo.data["default_branch"],
                "private": repo.data["private"],
                "created_at": c["created_at"],
            }
            kwargs.update(overrides)
            return payloads.comment_event(full_name, issue["number"], c["body"], **kwargs)

    # ------------------------------------------------------------- internals
    def _next(self, kind: str) -> int:
        self._counters[kind] += 1
        return self._counters[kind]

    def _repo(self, full_name: str) -> _Repo:
        try:
            return self._repos[full_name]
        except KeyError:
            raise KeyError(f"no repository {full_name!r}; call add_repo first") from None

    def _user(self, login: str, user_type: str | None = None) -> dict[str, Any]:
        if user_type is not None:
            self._user_types.setdefault(login, user_type)
        kind = user_type or self._user_types.get(login, "User")
        return payloads.user_object(
            login, user_type=kind, api_url=self.url, server_url=self.server_url
        )

    def _values(self, repo: _Repo, **extra: Any) -> dict[str, Any]:
        return {
            "api": self.url,
            "server": self.server_url,
            "host": urllib.parse.urlsplit(self.server_url).netloc,
            "full_name": repo.full_name,
            **extra,
        }

    def _association(self, repo: _Repo, login: str) -> str:
        if login == repo.full_name.split("/")[0]:
            return "OWNER"
        if login in repo.collaborators:
            return "COLLABORATOR"
        return "NONE"

    def _ensure_label(
        self, repo: _Repo, name: str, color: str = "ededed", description: str | None = None
    ) -> dict[str, Any]:
        key = name.lower()
        if key not in repo.labels:
            lid = self._next("label")
            label: dict[str, Any] = fill(
                shape("label"), self._values(repo, name_q=urllib.parse.quote(name, safe=""))
            )
            label.update(
                id=lid,
                node_id=node_id("Label", lid),
                name=name,
                color=color,
                description=description,
                default=False,
            )
            repo.labels[key] = label
        return repo.labels[key]

    def _new_issue(
        self,
        repo: _Repo,
        *,
        title: str,
        body: str | None,
        user: str,
        user_type: str,
        labels: Iterable[str],
    ) -> dict[str, Any]:
        number = repo.next_number
        repo.next_number += 1
        iid = self._next("issue")
        issue: dict[str, Any] = fill(shape("issue"), self._values(repo, number=number))
        now = now_iso()
        issue.update(
            id=iid,
            node_id=node_id("Issue", iid),
            number=number,
            title=title,
            body=body,
            user=self._user(user, user_type),
            labels=[copy.deepcopy(self._ensure_label(repo, n)) for n in labels],
            state="open",
            comments=0,
            created_at=now,
            updated_at=now,
            closed_at=None,
            closed_by=None,
            state_reason=None,
            author_association=self._association(repo, user),
            reactions=_rollup(f"{self.url}/repos/{repo.full_name}/issues/{number}/reactions"),
        )
        repo.issues[number] = issue
        repo.data["open_issues_count"] = repo.data["open_issues"] = sum(
            1 for i in repo.issues.values() if i["state"] == "open"
        )
        return issue

    def _new_comment(
        self, repo: _Repo, number: int, body: str, login: str, user_type: str
    ) -> dict[str, Any]:
        cid = self._next("comment")
        c: dict[str, Any] = fill(shape("issue_comment"), self._values(repo, number=number, id=cid))
        now = now_iso()
        c.update(
            id=cid,
            node_id=node_id("IssueComment", cid),
            body=body,
            user=self._user(login, user_type),
            created_at=now,
            updated_at=now,
            author_association=self._association(repo, login),
            performed_via_github_app=None,
            reactions=_rollup(f"{self.url}/repos/{repo.full_name}/issues/comments/{cid}/reactions"),
        )
        if "pull_request" in repo.issues[number]:
            c["html_url"] = f"{self.server_url}/{repo.full_name}/pull/{number}#issuecomment-{cid}"
        repo.comments[cid] = c
        repo.comment_issue[cid] = number
        repo.issues[number]["comments"] += 1
        return c

    def _set_state(
        self,
        repo: _Repo,
        number: int,
        state: str,
        reason: str | None,
        closer: dict[str, Any],
    ) -> None:
        issue = repo.issues[number]
        now = now_iso()
        if state == "closed" and issue["state"] != "closed":
            issue.update(closed_at=now, closed_by=copy.deepcopy(closer))
            issue["state_reason"] = reason or "completed"
        elif state == "open" and issue["state"] != "open":
            issue.update(closed_at=None, closed_by=None, state_reason=reason or "reopened")
        elif reason is not None:
            issue["state_reason"] = reason
        issue["state"] = state
        if number in repo.pulls:
            repo.pulls[number].update(state=state, closed_at=issue["closed_at"])
        repo.data["open_issues_count"] = repo.data["open_issues"] = sum(
            1 for i in repo.issues.values() if i["state"] == "open"
        )

    def _find_workflow(self, repo: _Repo, ref: str) -> dict[str, Any] | None:
        for wid, wf in repo.workflows.items():
            if ref == str(wid) or ref == wf["path"].rsplit("/", 1)[-1]:
                return wf
        return None

    def _minimal_repo(self, repo: _Repo) -> dict[str, Any]:
        mini: dict[str, Any] = fill(
            shape("minimal_repository"),
            {**self._values(repo), "owner": repo.full_name.split("/")[0]},
        )
        data = repo.data
        for key in ("id", "node_id", "name", "full_name", "owner", "private", "description"):
            mini[key] = copy.deepcopy(data[key])
        return mini

    def _new_run(
        self,
        repo: _Repo,
        wf: dict[str, Any],
        *,
        status: str,
        conclusion: str | None,
        head_branch: str,
        event: str,
        actor: dict[str, Any],
        head_sha: str | None = None,
    ) -> dict[str, Any]:
        rid = self._next("run")
        suite = self._next("check_suite")
        sha = head_sha or repo.branches.get(head_branch) or _sha(repo.full_name, head_branch)
        self._run_numbers[wf["id"]] = self._run_numbers.get(wf["id"], 0) + 1
        run: dict[str, Any] = fill(
            shape("workflow_run"),
            self._values(repo, id=rid, check_suite_id=suite, workflow_id=wf["id"], prev_attempt=0),
        )
        now = now_iso()
        run.update(
            id=rid,
            name=wf["name"],
            node_id=node_id("WorkflowRun", rid),
            check_suite_id=suite,
            check_suite_node_id=node_id("CheckSuite", suite),
            head_branch=head_branch,
            head_sha=sha,
            path=f"{wf['path']}@{head_branch}",
            run_number=self._run_numbers[wf["id"]],
            event=event,
            display_title=wf["name"],
            status=status,
            conclusion=conclusion,
            workflow_id=wf["id"],
            created_at=now,
            updated_at=now,
            run_started_at=now,
            actor=copy.deepcopy(actor),
            triggering_actor=copy.deepcopy(actor),
            run_attempt=1,
            previous_attempt_url=None,
            head_commit={
                "id": sha,
                "tree_id": _sha(sha, "tree"),
                "message": f"Update {head_branch}",
                "timestamp": now,
                "author": {"name": actor["login"], "email": f"{actor['login']}@users.noreply"},
                "committer": {"name": "GitHub", "email": "noreply@github.com"},
            },
            repository=self._minimal_repo(repo),
            head_repository=self._minimal_repo(repo),
        )
        repo.runs[rid] = run
        return run

    # ------------------------------------------------------------------ HTTP
    def _serve(self, h: _Handler) -> None:
        split = urllib.parse.urlsplit(h.path)
        raw_path = split.path
        query = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in h.headers.items()}
        body: Any = None
        bad_json = False
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                bad_json = True
                body = raw.decode("utf-8", "replace")
        in_api = (
            not self.api_prefix
            or raw_path == self.api_prefix
            or raw_path.startswith(self.api_prefix + "/")
        )
        path = (raw_path[len(self.api_prefix) :] or "/") if in_api else raw_path
        rec = RecordedRequest(h.command, path, query, body, headers)
        with self._lock:
            self.requests.append(rec)
        hook = self.on_request
        if hook is not None:
            try:
                hook(rec)
            except Exception:
                self.errors.append(traceback.format_exc())

        with self._lock:
            fault = self._take_fault(h.command, path)
            if fault is not None and not fault.apply:
                resp = self._fault_response(fault)
            elif bad_json:
                resp = _Response(
                    400, {"message": "Problems parsing JSON", "documentation_url": DOCS}
                )
            elif not in_api:
                resp = _Response(404, _not_found().body)
            else:
                resp = self._handle(h.command, path, query, body, headers)
            if fault is not None and fault.apply:
                resp = self._fault_response(fault)
            rec.status = resp.status
            token = self._token(headers) or ""
            self._used[token] = self._used.get(token, 0) + 1
            used = self._used[token]
        self._write(h, resp, used)

    def _write(self, h: _Handler, resp: _Response, used: int) -> None:
        payload = b"" if resp.body is None else json.dumps(resp.body).encode()
        h.send_response(resp.status)
        base = {
            "X-RateLimit-Limit": str(RATE_LIMIT),
            "X-RateLimit-Remaining": str(max(RATE_LIMIT - used, 0)),
            "X-RateLimit-Reset": str(self._reset_at),
            "X-RateLimit-Used": str(used),
            "X-RateLimit-Resource": "core",
            "X-GitHub-Api-Version-Selected": "2022-11-28",
            "X-GitHub-Request-Id": f"FAKE:{len(self.requests):08X}",
        }
        if payload:
            base["Content-Type"] = "application/json; charset=utf-8"
        base.update(resp.headers)
        base["Content-Length"] = str(len(payload))
        for name, value in base.items():
            h.send_header(name, value)
        h.end_headers()
        if payload:
            h.wfile.write(payload)

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        for fault in self._faults:
            if fault.method in ("*", method) and fault.pattern.search(path):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    @staticmethod
    def _fault_response(fault: _Fault) -> _Response:
        body = fault.body
        if body is None:
            if fault.status in (403, 429):
                message = (
                    "You have exceeded a secondary rate limit. Please wait a few minutes "
                    "before you try again."
                )
                doc = (
                    "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
                    "#about-secondary-rate-limits"
                )
            else:
                try:
                    message = http.HTTPStatus(fault.status).phrase
                except ValueError:
                    message = "Error"
                doc = DOCS
            body = {"message": message, "documentation_url": doc, "status": str(fault.status)}
        return _Response(fault.status, body, dict(fault.headers))

    @staticmethod
    def _token(headers: dict[str, str]) -> str | None:
        auth = headers.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() in ("token", "bearer") and value.strip():
            return value.strip()
        return None

    def _handle(
        self, method: str, path: str, query: dict[str, str], body: Any, headers: dict[str, str]
    ) -> _Response:
        token = self._token(headers)
        if path == "/_actions/idtoken":
            return self._id_token(token, query)
        ident = self._tokens.get(token) if token else None
        if ident is None:
            return _Response(401, _HTTPError(401, "Bad credentials").body)
        for route_method, pattern, fn in _ROUTES:
            m = pattern.fullmatch(path)
            if m is None or route_method != method:
                continue
            params = {k: urllib.parse.unquote(v) for k, v in m.groupdict().items()}
            repo = None
            if "owner" in params:
                repo = self._repos.get(f"{params['owner']}/{params['repo']}")
                if repo is None:
                    return _Response(404, _not_found().body)
            ctx = _Ctx(method, path, query, body, ident, token or "", params, repo)
            try:
                return fn(self, ctx)
            except _HTTPError as err:
                return _Response(err.status, err.body)
            except Exception:
                self.errors.append(traceback.format_exc())
                return _Response(500, {"message": "Server Error (fake)", "status": "500"})
        return _Response(404, _not_found().body)

    def _id_token(self, token: str | None, query: dict[str, str]) -> _Response:
        oidc = self._oidc
        if oidc is None or token != oidc[0]:
            return _Response(401, {"message": "Unauthorized"})
        import base64

        def part(data: dict[str, Any]) -> str:
            raw = json.dumps(data, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        claims = {"iss": "https://token.actions.githubusercontent.com", **oidc[1]}
        claims["aud"] = query.get("audience", "")
        jwt = f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"
        return _Response(200, {"count": 1, "value": jwt})

    def _paginate(self, ctx: _Ctx, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
        """GitHub's paging: ``per_page`` (default 30, max 100), ``page``, and a ``Link``
        header pointing back at this server so clients follow it."""
        try:
            per_page = min(max(int(ctx.query.get("per_page", 30)), 1), 100)
        except ValueError:
            per_page = 30
        try:
            page = max(int(ctx.query.get("page", 1)), 1)
        except ValueError:
            page = 1
        last = max(math.ceil(len(items) / per_page), 1)
        chunk = items[(page - 1) * per_page : page * per_page]

        def link(p: int, rel: str) -> str:
            q = dict(ctx.query, page=str(p))
            return f'<{self.url}{ctx.path}?{urllib.parse.urlencode(q)}>; rel="{rel}"'

        links = []
        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        return chunk, ({"Link": ", ".join(links)} if links else {})

    def _list(self, ctx: _Ctx, items: list[Any], key: str | None = None) -> _Response:
        chunk, headers = self._paginate(ctx, items)
        chunk = copy.deepcopy(chunk)
        if key is None:
            return _Response(200, chunk, headers)
        return _Response(200, {"total_count": len(items), key: chunk}, headers)

    # ------------------------------------------------------------ endpoints
    def _get_user(self, ctx: _Ctx) -> _Response:
        if ctx.ident.kind != "pat":
            raise _HTTPError(
                403,
                "Resource not accessible by integration",
                doc="https://docs.github.com/rest/users/users#get-the-authenticated-user",
            )
        user = self._user(ctx.ident.login, "User")
        user.update(shape("private_user"))
        return _Response(200, user)

    def _rate_limit(self, ctx: _Ctx) -> _Response:
        data = shape("rate_limit")
        used = self._used.get(ctx.token, 0)
        core = {
            "limit": RATE_LIMIT,
            "used": used,
            "remaining": RATE_LIMIT - used,
            "reset": self._reset_at,
        }
        data["resources"]["core"] = core
        data["rate"] = dict(core)
        for res in data["resources"].values():
            res["reset"] = self._reset_at
        return _Response(200, data)

    def _get_repo(self, ctx: _Ctx) -> _Response:
        data = copy.deepcopy(ctx.r.data)
        if ctx.ident.user_type == "Bot":
            perms = {"admin": False, "maintain": False, "push": True, "triage": True, "pull": True}
        else:
            entry = ctx.r.collaborators.get(ctx.ident.login)
            perms = self._perms(entry[2] if entry else None)
        data["permissions"] = perms
        return _Response(200, data)

    @staticmethod
    def _perms(base: str | None) -> dict[str, bool]:
        """The ``permissions`` flags a standard role grants (``None``: no access)."""
        level = ROLES.index(base) if base in ROLES else -1
        return {
            "admin": level >= 4,
            "maintain": level >= 3,
            "push": level >= 2,
            "triage": level >= 1,
            "pull": level >= 0,
        }

    def _collaborator_permission(self, ctx: _Ctx) -> _Response:
        login = ctx.params["username"]
        entry = ctx.r.collaborators.get(login)
        if entry is None:
            raise _not_found(
                "https://docs.github.com/rest/collaborators/collaborators"
                "#get-repository-permissions-for-a-user"
            )
        role, legacy, base = entry
        user = self._user(login)
        user.update(permissions=self._perms(base), role_name=role)
        data = shape("collaborator_permission")
        data.update(permission=legacy, role_name=role, user=user)
        return _Response(200, data)

    # issues
    def _list_issues(self, ctx: _Ctx) -> _Response:
        q = ctx.query
        state = q.get("state", "open")
        wanted = [s.strip().lower() for s in q.get("labels", "").split(",") if s.strip()]
        items = []
        for issue in ctx.r.issues.values():
            if state != "all" and issue["state"] != state:
                continue
            names = {lbl["name"].lower() for lbl in issue["labels"]}
            if any(w not in names for w in wanted):
                continue
            if "creator" in q and issue["user"]["login"].lower() != q["creator"].lower():
                continue
            if "since" in q and issue["updated_at"] < q["since"]:
                continue
            items.append(issue)
        sort = q.get("sort", "created")
        sort_key = {"updated": "updated_at", "comments": "comments"}.get(sort, "created_at")
        items.sort(
            key=lambda i: (i[sort_key], i["number"]), reverse=q.get("direction", "desc") != "asc"
        )
        return self._list(ctx, items)

    def _issue(self, ctx: _Ctx) -> dict[str, Any]:
        issue = ctx.r.issues.get(int(ctx.params["number"]))
        if issue is None:
            raise _not_found("https://docs.github.com/rest/issues/issues#get-an-issue")
        return issue

    def _create_issue(self, ctx: _Ctx) -> _Response:
        title = ctx.arg("title")
        if title is None or title == "":
            raise _missing("title")
        labels = [
            lbl["name"] if isinstance(lbl, dict) else str(lbl) for lbl in ctx.arg("labels") or []
        ]
        issue = self._new_issue(
            ctx.r,
            title=str(title),
            body=ctx.arg("body"),
            user=ctx.ident.login,
            user_type=ctx.ident.user_type,
            labels=labels,
        )
        return _Response(201, copy.deepcopy(issue), {"Location": issue["url"]})

    def _get_issue(self, ctx: _Ctx) -> _Response:
        return _Response(200, copy.deepcopy(self._issue(ctx)))

    def _update_issue(self, ctx: _Ctx) -> _Response:
        issue = self._issue(ctx)
        repo = ctx.r
        number = issue["number"]
        pr = repo.pulls.get(number)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        if "title" in body:
            issue["title"] = body["title"]
        if "body" in body:
            issue["body"] = body["body"]
        if pr is not None:
            pr.update(title=issue["title"], body=issue["body"])
        if "labels" in body:
            names = [
                lbl["name"] if isinstance(lbl, dict) else str(lbl) for lbl in body["labels"] or []
            ]
            issue["labels"] = [copy.deepcopy(self._ensure_label(repo, n)) for n in names]
            if pr is not None:
                pr["labels"] = copy.deepcopy(issue["labels"])
        state = body.get("state")
        reason = body.get("state_reason")
        if state is not None or reason is not None:
            if state not in (None, "open", "closed"):
                raise _HTTPError(
                    422,
                    "Validation Failed",
                    errors=[{"resource": "Issue", "code": "invalid", "field": "state"}],
                )
            if reason not in (None, "completed", "not_planned", "reopened", "duplicate"):
                raise _HTTPError(
                    422,
                    "Validation Failed",
                    errors=[{"resource": "Issue", "code": "invalid", "field": "state_reason"}],
                )
            self._set_state(
                repo, number, state or issue["state"], reason, self._user(ctx.ident.login)
            )
        issue["updated_at"] = now_iso()
        if pr is not None:
            pr["updated_at"] = issue["updated_at"]
        return _Response(200, copy.deepcopy(issue))

    # comments
    def _comment(self, ctx: _Ctx) -> dict[str, Any]:
        c = ctx.r.comments.get(int(ctx.params["comment_id"]))
        if c is None:
            raise _not_found("https://docs.github.com/rest/issues/comments#get-an-issue-comment")
        return c

    @staticmethod
    def _check_body(ctx: _Ctx) -> str:
        body = ctx.arg("body")
        if not isinstance(body, str):
            raise _missing("body")
        if len(body) > MAX_COMMENT_CHARS:
            raise _HTTPError(
                422,
                "Validation Failed",
                errors=[
                    {
                        "resource": "IssueComment",
                        "code": "unprocessable",
                        "field": "data",
                        "message": f"Body is too long (maximum is {MAX_COMMENT_CHARS} characters)",
                    }
                ],
                doc="https://docs.github.com/rest/issues/comments#create-an-issue-comment",
            )
        return body

    def _own_comment(self, ctx: _Ctx, c: dict[str, Any]) -> None:
        if c["user"]["login"] != ctx.ident.login:
            message = (
                "Resource not accessible by integration"
                if ctx.ident.user_type == "Bot"
                else "Must be the author of the comment"
            )
            raise _HTTPError(403, message)

    def _list_comments(self, ctx: _Ctx) -> _Response:
        number = self._issue(ctx)["number"]
        repo = ctx.r
        since = ctx.query.get("since")
        items = [
            c
            for cid, c in sorted(repo.comments.items())
            if repo.comment_issue[cid] == number and (since is None or c["updated_at"] >= since)
        ]
        return self._list(ctx, items)

    def _create_comment(self, ctx: _Ctx) -> _Response:
        number = self._issue(ctx)["number"]
        body = self._check_body(ctx)
        c = self._new_comment(ctx.r, number, body, ctx.ident.login, ctx.ident.user_type)
        ctx.r.issues[number]["updated_at"] = c["created_at"]
        return _Response(201, copy.deepcopy(c), {"Location": c["url"]})

    def _get_comment(self, ctx: _Ctx) -> _Response:
        return _Response(200, copy.deepcopy(self._comment(ctx)))

    def _update_comment(self, ctx: _Ctx) -> _Response:
        c = self._comment(ctx)
        self._own_comment(ctx, c)
        c.update(body=self._check_body(ctx), updated_at=now_iso())
        return _Response(200, copy.deepcopy(c))

    def _delete_comment(self, ctx: _Ctx) -> _Response:
        c = self._comment(ctx)
        self._own_comment(ctx, c)
        repo = ctx.r
        cid = c["id"]
        number = repo.comment_issue.pop(cid)
        del repo.comments[cid]
        repo.reactions.pop(cid, None)
        repo.issues[number]["comments"] -= 1
        return _Response(204)

    def _list_reactions(self, ctx: _Ctx) -> _Response:
        c = self._comment(ctx)
        items = ctx.r.reactions.get(c["id"], [])
        if "content" in ctx.query:
            items = [r for r in items if r["content"] == ctx.query["content"]]
        return self._list(ctx, items)

    def _create_reaction(self, ctx: _Ctx) -> _Response:
        c = self._comment(ctx)
        content = ctx.arg("content")
        if content not in REACTIONS:
            raise _HTTPError(
                422,
                "Validation Failed",
                errors=[{"resource": "Reaction", "code": "invalid", "field": "content"}],
                doc="https://docs.github.com/rest/reactions/reactions#create-reaction-for-an-issue-comment",
            )
        existing = ctx.r.reactions.setdefault(c["id"], [])
        for r in existing:
            if r["content"] == content and r["user"]["login"] == ctx.ident.login:
                return _Response(200, copy.deepcopy(r))
        rid = self._next("reaction")
        reaction = shape("reaction")
        reaction.update(
            id=rid,
            node_id=node_id("Reaction", rid),
            user=self._user(ctx.ident.login, ctx.ident.user_type),
            content=content,
            created_at=now_iso(),
        )
        existing.append(reaction)
        c["reactions"][content] += 1
        c["reactions"]["total_count"] += 1
        return _Response(201, copy.deepcopy(reaction))

    # pulls
    def _list_pulls(self, ctx: _Ctx) -> _Response:
        q = ctx.query
        state = q.get("state", "open")
        items = [
            pr
            for pr in ctx.r.pulls.values()
            if (state == "all" or pr["state"] == state)
            and ("head" not in q or pr["head"]["label"] == q["head"])
            and ("base" not in q or pr["base"]["ref"] == q["base"])
        ]
        items.sort(key=lambda p: p["number"], reverse=q.get("direction", "desc") != "asc")
        return self._list(ctx, items)

    def _get_pull(self, ctx: _Ctx) -> _Response:
        pr = ctx.r.pulls.get(int(ctx.params["number"]))
        if pr is None:
            raise _not_found("https://docs.github.com/rest/pulls/pulls#get-a-pull-request")
        return _Response(200, copy.deepcopy(pr))

    # check runs
    def _check_fields(self, ctx: _Ctx, run: dict[str, Any], creating: bool) -> None:
        body = ctx.body if isinstance(ctx.body, dict) else {}
        if creating:
            missing = [n for n in ("name", "head_sha") if not body.get(n)]
            if missing:
                raise _missing(*missing)
        status = body.get("status")
        conclusion = body.get("conclusion")
        if status is not None and status not in CHECK_STATUSES:
            raise _HTTPError(
                422,
                "Validation Failed",
                errors=[{"resource": "CheckRun", "code": "invalid", "field": "status"}],
            )
        if conclusion is not None and conclusion not in CHECK_CONCLUSIONS:
            raise _HTTPError(
                422,
                "Validation Failed",
                errors=[{"resource": "CheckRun", "code": "invalid", "field": "conclusion"}],
            )
        if (
            status == "completed"
            and conclusion is None
            and (creating or run.get("conclusion") is None)
        ):
            raise _missing("conclusion")
        output = body.get("output")
        if output is not None:
            if not isinstance(output, dict) or not output.get("title") or not output.get("summary"):
                given = output if isinstance(output, dict) else {}
                raise _missing(*[n for n in ("title", "summary") if not given.get(n)])
            limit = MAX_CHECK_OUTPUT_BYTES
            for key in ("summary", "text"):
                value = output.get(key)
                if isinstance(value, str) and len(value.encode()) > limit:
                    raise _HTTPError(
                        422,
                        "Validation Failed",
                        errors=[
                            {
                                "resource": "CheckRun",
                                "code": "custom",
                                "field": key,
                                "message": f"{key} exceeds a maximum bytesize of {limit}",
                            }
                        ],
                        doc="https://docs.github.com/rest/checks/runs#create-a-check-run",
                    )
        now = now_iso()
        for key in ("name", "details_url", "external_id", "started_at", "completed_at"):
            if key in body:
                run[key] = body[key]
        if "head_sha" in body and creating:
            run["head_sha"] = body["head_sha"]
        if output is not None:
            out = run["output"]
            out.update(title=output["title"], summary=output["summary"], text=output.get("text"))
            out["annotations_count"] = out.get("annotations_count", 0) + len(
                output.get("annotations") or []
            )
        if conclusion is not None:
            run.update(status="completed", conclusion=conclusion)
        elif status is not None:
            run["status"] = status
            if status != "completed":
                run["conclusion"] = None
        if run["status"] == "completed" and not run.get("completed_at"):
            run["completed_at"] = now

    def _app(self, ident: _Identity) -> dict[str, Any]:
        app: dict[str, Any]
        if ident.kind == "workflow":
            slug, app_id, name = "github-actions", ACTIONS_APP_ID, "GitHub Actions"
            owner = self._user("github", "Organization")
        else:
            slug = ident.login.removesuffix("[bot]")
            app_id, name = payloads.stable_id(slug, base=100_000), slug
            owner = self._user("octocat")
        app = fill(shape("check_run_app"), {"server": self.server_url, "app_slug": slug})
        app.update(
            id=app_id, slug=slug, node_id=node_id("Integration", app_id), name=name, owner=owner
        )
        return app

    def _create_check_run(self, ctx: _Ctx) -> _Response:
        if ctx.ident.kind == "pat":
            raise _HTTPError(
                403,
                "You must authenticate via a GitHub App.",
                doc="https://docs.github.com/rest/checks/runs#create-a-check-run",
            )
        repo = ctx.r
        cid = self._next("check_run")
        run: dict[str, Any] = fill(shape("check_run"), self._values(repo, id=cid))
        run.update(
            id=cid,
            node_id=node_id("CheckRun", cid),
            external_id="",
            details_url=None,
            status="queued",
            conclusion=None,
            started_at=now_iso(),
            completed_at=None,
        )
        run["output"].update(title=None, summary=None, text=None, annotations_count=0)
        self._check_fields(ctx, run, creating=True)
        sha = run["head_sha"]
        if sha not in repo.check_suites:
            repo.check_suites[sha] = self._next("check_suite")
        run["check_suite"] = {"id": repo.check_suites[sha]}
        run["app"] = self._app(ctx.ident)
        run["pull_requests"] = [
            {
                "url": pr["url"],
                "id": pr["id"],
                "number": pr["number"],
                "head": {
                    "ref": pr["head"]["ref"],
                    "sha": pr["head"]["sha"],
                    "repo": {
                        "id": repo.data["id"],
                        "url": repo.data["url"],
                        "name": repo.data["name"],
                    },
                },
                "base": {
                    "ref": pr["base"]["ref"],
                    "sha": pr["base"]["sha"],
                    "repo": {
                        "id": repo.data["id"],
                        "url": repo.data["url"],
                        "name": repo.data["name"],
                    },
                },
            }
            for pr in repo.pulls.values()
            if pr["state"] == "open" and pr["head"]["sha"] == sha
        ]
        repo.check_runs[cid] = run
        return _Response(201, copy.deepcopy(run))

    def _check_run(self, ctx: _Ctx) -> dict[str, Any]:
        run = ctx.r.check_runs.get(int(ctx.params["check_run_id"]))
        if run is None:
            raise _not_found("https://docs.github.com/rest/checks/runs#get-a-check-run")
        return run

    def _get_check_run(self, ctx: _Ctx) -> _Response:
        return _Response(200, copy.deepcopy(self._check_run(ctx)))

    def _update_check_run(self, ctx: _Ctx) -> _Response:
        run = self._check_run(ctx)
        staged = copy.deepcopy(run)
        self._check_fields(ctx, staged, creating=False)
        run.clear()
        run.update(staged)
        return _Response(200, copy.deepcopy(run))

    def _commit_check_runs(self, ctx: _Ctx) -> _Response:
        repo = ctx.r
        ref = ctx.params["ref"].removeprefix("refs/heads/")
        sha = repo.branches.get(ref, ref)
        runs = [r for _, r in sorted(repo.check_runs.items(), reverse=True) if r["head_sha"] == sha]
        q = ctx.query
        if "check_name" in q:
            runs = [r for r in runs if r["name"] == q["check_name"]]
        if "status" in q:
            runs = [r for r in runs if r["status"] == q["status"]]
        if q.get("filter", "latest") == "latest":
            seen: set[str] = set()
            latest = []
            for r in runs:
                if r["name"] not in seen:
                    seen.add(r["name"])
                    latest.append(r)
            runs = latest
        return self._list(ctx, runs, "check_runs")

    # labels
    def _list_labels(self, ctx: _Ctx) -> _Response:
        return self._list(ctx, sorted(ctx.r.labels.values(), key=lambda lbl: lbl["name"].lower()))

    def _create_label(self, ctx: _Ctx) -> _Response:
        name = ctx.arg("name")
        if not name:
            raise _missing("name")
        if str(name).lower() in ctx.r.labels:
            raise _HTTPError(
                422,
                "Validation Failed",
                errors=[{"resource": "Label", "code": "already_exists", "field": "name"}],
                doc="https://docs.github.com/rest/issues/labels#create-a-label",
            )
        color = str(ctx.arg("color") or "ededed").lstrip("#")
        label = self._ensure_label(ctx.r, str(name), color, ctx.arg("description"))
        return _Response(201, copy.deepcopy(label), {"Location": label["url"]})

    # actions
    def _workflow(self, ctx: _Ctx) -> dict[str, Any]:
        wf = self._find_workflow(ctx.r, ctx.params["workflow_id"])
        if wf is None:
            raise _not_found("https://docs.github.com/rest/actions/workflows#get-a-workflow")
        return wf

    def _list_workflows(self, ctx: _Ctx) -> _Response:
        return self._list(ctx, [w for _, w in sorted(ctx.r.workflows.items())], "workflows")

    def _get_workflow(self, ctx: _Ctx) -> _Response:
        return _Response(200, copy.deepcopy(self._workflow(ctx)))

    def _dispatch(self, ctx: _Ctx) -> _Response:
        repo = ctx.r
        wf = self._workflow(ctx)
        ref = ctx.arg("ref")
        if not ref:
            raise _missing("ref")
        inputs = ctx.arg("inputs") or {}
        if not isinstance(inputs, dict):
            raise _HTTPError(422, "Invalid request.\n\nFor 'properties/inputs', is not an object.")
        if wf["state"] != "active":
            raise _HTTPError(422, "Cannot trigger a 'workflow_dispatch' on a disabled workflow")
        branch = str(ref).removeprefix("refs/heads/")
        if branch in repo.branches:
            sha = repo.branches[branch]
        elif re.fullmatch(r"[0-9a-f]{40}", str(ref)) or str(ref).startswith("refs/tags/"):
            sha = str(ref) if len(str(ref)) == 40 else _sha(repo.full_name, ref)
        else:
            raise _HTTPError(422, f"No ref found for: {ref}")
        declared = repo.workflow_inputs.get(wf["id"])
        if declared is not None:
            unexpected = sorted(set(inputs) - declared)
            if unexpected:
                raise _HTTPError(422, f"Unexpected inputs provided: {json.dumps(unexpected)}")
        repo.dispatches.append({"workflow_id": wf["id"], "ref": ref, "inputs": dict(inputs)})
        run = self._new_run(
            repo,
            wf,
            status="queued",
            conclusion=None,
            head_branch=branch,
            event="workflow_dispatch",
            actor=self._user(ctx.ident.login, ctx.ident.user_type),
            head_sha=sha,
        )
        if ctx.arg("return_run_details"):
            details = fill(shape("workflow_dispatch_response"), self._values(repo, id=run["id"]))
            details["workflow_run_id"] = run["id"]
            return _Response(200, details)
        return _Response(204)

    def _filter_runs(self, ctx: _Ctx, runs: Iterable[dict[str, Any]]) -> _Response:
        q = ctx.query
        items = []
        for run in sorted(runs, key=lambda r: r["id"], reverse=True):
            if "status" in q and q["status"] not in (run["status"], run["conclusion"]):
                continue
            if "branch" in q and run["head_branch"] != q["branch"]:
                continue
            if "event" in q and run["event"] != q["event"]:
                continue
            if "actor" in q and run["actor"]["login"] != q["actor"]:
                continue
            if "head_sha" in q and run["head_sha"] != q["head_sha"]:
                continue
            items.append(run)
        return self._list(ctx, items, "workflow_runs")

    def _list_runs(self, ctx: _Ctx) -> _Response:
        return self._filter_runs(ctx, ctx.r.runs.values())

    def _list_workflow_runs(self, ctx: _Ctx) -> _Response:
        wid = self._workflow(ctx)["id"]
        return self._filter_runs(ctx, (r for r in ctx.r.runs.values() if r["workflow_id"] == wid))

    # Actions secrets: sealed with the repository's public key, as GitHub requires
    def _secrets_keypair(self, repo: _Repo) -> Any:
        from nacl.public import PrivateKey

        key = self._secret_keys.get(repo.full_name)
        if key is None:
            key = self._secret_keys[repo.full_name] = PrivateKey.generate()
        return key

    def _secrets_public_key(self, ctx: _Ctx) -> _Response:
        import base64

        key = self._secrets_keypair(ctx.r)
        public = base64.b64encode(bytes(key.public_key)).decode()
        return _Response(200, {"key_id": _sha(ctx.r.full_name, "secrets")[:20], "key": public})

    def _put_secret(self, ctx: _Ctx) -> _Response:
        body = ctx.body if isinstance(ctx.body, dict) else {}
        if not body.get("encrypted_value") or not body.get("key_id"):
            raise _missing("encrypted_value", "key_id")
        name = ctx.params["secret_name"].upper()
        existed = name in self._secrets.setdefault(ctx.r.full_name, {})
        self._secrets[ctx.r.full_name][name] = str(body["encrypted_value"])
        return _Response(204 if existed else 201, None if existed else {})

    def secret_value(self, full_name: str, name: str) -> str | None:
        """Decrypt a repository secret that was PUT (tests check what was stored)."""
        import base64

        from nacl.public import SealedBox

        with self._lock:
            sealed = self._secrets.get(full_name, {}).get(name.upper())
            if sealed is None:
                return None
            key = self._secrets_keypair(self._repo(full_name))
        return SealedBox(key).decrypt(base64.b64decode(sealed)).decode()

    def secret_names(self, full_name: str) -> list[str]:
        """Names of the repository's Actions secrets."""
        with self._lock:
            return sorted(self._secrets.get(full_name, {}))

    def _get_run(self, ctx: _Ctx) -> _Response:
        run = ctx.r.runs.get(int(ctx.params["run_id"]))
        if run is None:
            raise _not_found(
                "https://docs.github.com/rest/actions/workflow-runs#get-a-workflow-run"
            )
        return _Response(200, copy.deepcopy(run))


_ROUTE_SPECS: list[tuple[str, str, RouteFn]] = [
    ("GET", r"/user", FakeGitHub._get_user),
    ("GET", r"/rate_limit", FakeGitHub._rate_limit),
    ("GET", _REPO, FakeGitHub._get_repo),
    (
        "GET",
        _REPO + r"/collaborators/(?P<username>[^/]+)/permission",
        FakeGitHub._collaborator_permission,
    ),
    ("GET", _REPO + r"/issues", FakeGitHub._list_issues),
    ("POST", _REPO + r"/issues", FakeGitHub._create_issue),
    ("GET", _REPO + r"/issues/(?P<number>\d+)", FakeGitHub._get_issue),
    ("PATCH", _REPO + r"/issues/(?P<number>\d+)", FakeGitHub._update_issue),
    ("GET", _REPO + r"/issues/(?P<number>\d+)/comments", FakeGitHub._list_comments),
    ("POST", _REPO + r"/issues/(?P<number>\d+)/comments", FakeGitHub._create_comment),
    ("GET", _REPO + r"/issues/comments/(?P<comment_id>\d+)", FakeGitHub._get_comment),
    ("PATCH", _REPO + r"/issues/comments/(?P<comment_id>\d+)", FakeGitHub._update_comment),
    ("DELETE", _REPO + r"/issues/comments/(?P<comment_id>\d+)", FakeGitHub._delete_comment),
    ("GET", _REPO + r"/issues/comments/(?P<comment_id>\d+)/reactions", FakeGitHub._list_reactions),
    (
        "POST",
        _REPO + r"/issues/comments/(?P<comment_id>\d+)/reactions",
        FakeGitHub._create_reaction,
    ),
    ("GET", _REPO + r"/pulls", FakeGitHub._list_pulls),
    ("GET", _REPO + r"/pulls/(?P<number>\d+)", FakeGitHub._get_pull),
    ("POST", _REPO + r"/check-runs", FakeGitHub._create_check_run),
    ("GET", _REPO + r"/check-runs/(?P<check_run_id>\d+)", FakeGitHub._get_check_run),
    ("PATCH", _REPO + r"/check-runs/(?P<check_run_id>\d+)", FakeGitHub._update_check_run),
    ("GET", _REPO + r"/commits/(?P<ref>.+)/check-runs", FakeGitHub._commit_check_runs),
    ("GET", _REPO + r"/labels", FakeGitHub._list_labels),
    ("POST", _REPO + r"/labels", FakeGitHub._create_label),
    ("GET", _REPO + r"/actions/workflows", FakeGitHub._list_workflows),
    ("GET", _REPO + r"/actions/workflows/(?P<workflow_id>[^/]+)", FakeGitHub._get_workflow),
    ("POST", _REPO + r"/actions/workflows/(?P<workflow_id>[^/]+)/dispatches", FakeGitHub._dispatch),
    (
        "GET",
        _REPO + r"/actions/workflows/(?P<workflow_id>[^/]+)/runs",
        FakeGitHub._list_workflow_runs,
    ),
    ("GET", _REPO + r"/actions/runs", FakeGitHub._list_runs),
    ("GET", _REPO + r"/actions/runs/(?P<run_id>\d+)", FakeGitHub._get_run),
    ("GET", _REPO + r"/actions/secrets/public-key", FakeGitHub._secrets_public_key),
    ("PUT", _REPO + r"/actions/secrets/(?P<secret_name>[A-Za-z0-9_]+)", FakeGitHub._put_secret),
]
_ROUTES = [(m, re.compile(p), fn) for m, p, fn in _ROUTE_SPECS]
