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
    "job": 39_000_000_000,
    "review": 2_500_000_000,
    "status": 34_000_000_000,
    "invitation": 280_000_000,
}
MERGE_METHODS = ("merge", "squash", "rebase")
# PUT /collaborators/{username} takes the legacy names; the roles they grant.
COLLABORATOR_PERMISSIONS = {
    "pull": "read",
    "read": "read",
    "triage": "triage",
    "push": "write",
    "write": "write",
    "maintain": "maintain",
    "admin": "admin",
}
REVIEW_STATES = {
    "APPROVE": "APPROVED",
    "REQUEST_CHANGES": "CHANGES_REQUESTED",
    "COMMENT": "COMMENTED",
}
STATUS_STATES = ("error", "failure", "pending", "success")
#: GitHub refuses more than this many statuses for one commit and context.
MAX_STATUSES_PER_CONTEXT = 1000
_TOPIC = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")


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
    comment_editors: dict[int, tuple[str, str]] = field(default_factory=dict)  # id: (login, at)
    reactions: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)  # lower-case name: label
    check_runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    check_suites: dict[str, int] = field(default_factory=dict)  # head_sha: suite id
    workflows: dict[int, dict[str, Any]] = field(default_factory=dict)
    workflow_inputs: dict[int, frozenset[str] | None] = field(default_factory=dict)
    runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    dispatches: list[dict[str, Any]] = field(default_factory=list)
    next_number: int = 1
    files: dict[str, str] = field(default_factory=dict)  # path: text (the same on every ref)
    jobs: dict[int, dict[str, Any]] = field(default_factory=dict)
    job_logs: dict[int, str] = field(default_factory=dict)
    reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # PR number: reviews
    statuses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # sha: oldest first
    protection: dict[str, dict[str, Any]] = field(default_factory=dict)  # branch: protection
    invitations: dict[str, dict[str, Any]] = field(default_factory=dict)  # login: invitation
    no_dispatch: set[int] = field(default_factory=set)  # workflows without workflow_dispatch


@dataclass
class _Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent as is (logs, zips) instead of JSON


class _HTTPError(Exception):
    """Raised by a handler to answer with GitHub's error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[Any] | None = None,
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


def _declared_inputs(content: str) -> frozenset[str] | None:
    """Input names a workflow file declares for ``workflow_dispatch`` (None: no such trigger).

    YAML 1.1 reads the key ``on`` as the boolean True, so both spellings are looked up.
    """
    import yaml

    data = yaml.safe_load(content) or {}
    on = data.get("on", data.get(True)) if isinstance(data, dict) else None
    if isinstance(on, str):
        on = {on: None}
    elif isinstance(on, list):
        on = dict.fromkeys(on)
    if not isinstance(on, dict) or "workflow_dispatch" not in on:
        return None
    spec = on["workflow_dispatch"] or {}
    return frozenset((spec.get("inputs") or {}) if isinstance(spec, dict) else {})


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
        self._blobs: dict[str, tuple[bytes, str]] = {}  # signed download key: (body, type)

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

    def tamper_comment(
        self, full_name: str, comment_id: int, body: str, *, editor: str = "mallory"
    ) -> None:
        """Edit a comment as ``editor`` would (people with write access may edit anyone's)."""
        with self._lock:
            repo = self._repo(full_name)
            repo.comments[comment_id].update(body=body, updated_at=now_iso())
            repo.comment_editors[comment_id] = (editor, now_iso())

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
        content: str | None = None,
    ) -> dict[str, Any]:
        """Add a workflow. With ``inputs``, dispatches naming other inputs get 422 as on GitHub.

        ``content`` is the workflow file (served by the contents API at ``path``); without
        ``inputs``, the inputs it declares under ``on.workflow_dispatch.inputs`` are the ones
        a dispatch may name.
        """
        declared = _declared_inputs(content) if content is not None else None
        if inputs is None:
            inputs = declared
        with self._lock:
            repo = self._repo(full_name)
            if content is not None:
                repo.files[path] = content
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
            if content is not None and declared is None:
                repo.no_dispatch.add(wid)
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

    def add_file(self, full_name: str, path: str, text: str) -> None:
        """Put a file in the repository (the contents API serves it on every ref)."""
        with self._lock:
            self._repo(full_name).files[path.strip("/")] = text

    def add_job(
        self,
        full_name: str,
        run_id: int,
        *,
        name: str = "build",
        status: str = "completed",
        conclusion: str | None = "success",
        steps: Iterable[str | tuple[str, str | None]] = (),
        log: str | None = None,
    ) -> dict[str, Any]:
        """Add a job to a run. ``steps`` are names or ``(name, conclusion)`` pairs; ``log``
        is the job's log text (served through a 302 redirect, as GitHub does)."""
        with self._lock:
            repo = self._repo(full_name)
            run = repo.runs[run_id]
            jid = self._next("job")
            job: dict[str, Any] = fill(shape("job"), self._values(repo, id=jid, run_id=run_id))
            now = now_iso()
            built = []
            for number, step in enumerate(steps, 1):
                step_name, step_conclusion = (step, "success") if isinstance(step, str) else step
                item = shape("job_step")
                item.update(
                    name=step_name,
                    number=number,
                    status="completed" if step_conclusion else "in_progress",
                    conclusion=step_conclusion,
                    started_at=now,
                    completed_at=now if step_conclusion else None,
                )
                built.append(item)
            job.update(
                id=jid,
                node_id=node_id("WorkflowJob", jid),
                run_id=run_id,
                run_attempt=run.get("run_attempt", 1),
                head_sha=run["head_sha"],
                head_branch=run["head_branch"],
                workflow_name=run["name"],
                name=name,
                status=status,
                conclusion=conclusion if status == "completed" else None,
                created_at=now,
                started_at=now,
                completed_at=now if status == "completed" else None,
                steps=built,
            )
            repo.jobs[jid] = job
            if log is not None:
                repo.job_logs[jid] = log
            return copy.deepcopy(job)

    def protect_branch(
        self,
        full_name: str,
        branch: str,
        *,
        required_approvals: int = 0,
        required_checks: Iterable[str] = (),
        enforce_admins: bool = False,
        dismiss_stale_reviews: bool = False,
        require_code_owner_reviews: bool = False,
    ) -> dict[str, Any]:
        """Protect ``branch``: merges into it need approvals and passing checks."""
        with self._lock:
            repo = self._repo(full_name)
            repo.branches.setdefault(branch, _sha(full_name, branch))
            data: dict[str, Any] = fill(
                shape("branch_protection"),
                self._values(repo, branch=urllib.parse.quote(branch, safe="")),
            )
            checks = list(required_checks)
            data["required_status_checks"].update(
                contexts=checks,
                checks=[{"context": c, "app_id": None} for c in checks],
                strict=False,
            )
            if not checks:
                data.pop("required_status_checks")
            data["enforce_admins"]["enabled"] = enforce_admins
            reviews = data["required_pull_request_reviews"]
            reviews.update(
                required_approving_review_count=required_approvals,
                dismiss_stale_reviews=dismiss_stale_reviews,
                require_code_owner_reviews=require_code_owner_reviews,
                require_last_push_approval=False,
            )
            if not required_approvals:
                data.pop("required_pull_request_reviews")
            data.pop("restrictions", None)
            repo.protection[branch] = data
            return copy.deepcopy(data)

    def add_status(
        self,
        full_name: str,
        sha: str,
        context: str,
        state: str,
        *,
        description: str = "",
        target_url: str | None = None,
    ) -> dict[str, Any]:
        """Add a commit status (the older CI signal, next to check runs)."""
        if state not in STATUS_STATES:
            raise ValueError(f"state must be one of {STATUS_STATES}")
        with self._lock:
            repo = self._repo(full_name)
            return copy.deepcopy(
                self._new_status(repo, sha, context, state, description, target_url, "octocat")
            )

    def add_check_run(
        self,
        full_name: str,
        sha: str,
        name: str,
        *,
        status: str = "completed",
        conclusion: str | None = "success",
    ) -> dict[str, Any]:
        """Add a check run as GitHub Actions would (another workflow's job)."""
        body: dict[str, Any] = {"name": name, "head_sha": sha, "status": status}
        if conclusion is not None and status == "completed":
            body["conclusion"] = conclusion
        with self._lock:
            ctx = _Ctx(
                "POST",
                "",
                {},
                body,
                _Identity("github-actions[bot]", "Bot", "workflow"),
                "",
                {},
                self._repo(full_name),
            )
            return copy.deepcopy(self._create_check_run(ctx).body)

    def add_review(
        self,
        full_name: str,
        number: int,
        *,
        user: str,
        state: str = "APPROVED",
        body: str = "",
    ) -> dict[str, Any]:
        """Add a submitted review (``APPROVED``, ``CHANGES_REQUESTED``, ``COMMENTED``)."""
        with self._lock:
            repo = self._repo(full_name)
            return copy.deepcopy(self._new_review(repo, number, user, "User", state, body, None))

    def set_mergeable(self, full_name: str, number: int, mergeable: bool | None) -> None:
        """Change whether a PR merges cleanly (``None``: GitHub is still computing it)."""
        with self._lock:
            pr = self._repo(full_name).pulls[number]
            pr["mergeable"] = mergeable
            pr["mergeable_state"] = {True: "clean", False: "dirty", None: "unknown"}[mergeable]

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

    def has_repo(self, full_name: str) -> bool:
        with self._lock:
            return full_name in self._repos

    def collaborators(self, full_name: str) -> dict[str, str]:
        """``login: role_name`` of every collaborator."""
        with self._lock:
            return {k: v[0] for k, v in sorted(self._repo(full_name).collaborators.items())}

    def invitations(self, full_name: str) -> dict[str, str]:
        """``login: permission`` of every pending invitation."""
        with self._lock:
            return {
                login: inv["permissions"]
                for login, inv in sorted(self._repo(full_name).invitations.items())
            }

    def reviews(self, full_name: str, number: int) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._repo(full_name).reviews.get(number, []))

    def workflows(self, full_name: str) -> list[dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(w) for _, w in sorted(self._repo(full_name).workflows.items())]

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

    def _new_status(
        self,
        repo: _Repo,
        sha: str,
        context: str,
        state: str,
        description: str | None,
        target_url: str | None,
        creator: str,
    ) -> dict[str, Any]:
        sid = self._next("status")
        status: dict[str, Any] = fill(shape("commit_status"), self._values(repo, sha=sha))
        now = now_iso()
        status.update(
            id=sid,
            node_id=node_id("StatusContext", sid),
            state=state,
            description=description,
            target_url=target_url,
            context=context,
            created_at=now,
            updated_at=now,
            creator=self._user(creator),
        )
        repo.statuses.setdefault(sha, []).append(status)
        return status

    def _new_review(
        self,
        repo: _Repo,
        number: int,
        login: str,
        user_type: str,
        state: str,
        body: str,
        commit_id: str | None,
    ) -> dict[str, Any]:
        pr = repo.pulls[number]
        rid = self._next("review")
        review: dict[str, Any] = fill(
            shape("pull_request_review"), self._values(repo, number=number, id=rid)
        )
        review.update(
            id=rid,
            node_id=node_id("PullRequestReview", rid),
            user=self._user(login, user_type),
            body=body,
            state=state,
            submitted_at=None if state == "PENDING" else now_iso(),
            commit_id=commit_id or pr["head"]["sha"],
            author_association=self._association(repo, login),
        )
        repo.reviews.setdefault(number, []).append(review)
        return review

    def _latest_statuses(self, repo: _Repo, sha: str) -> list[dict[str, Any]]:
        """The newest status per context, newest first (as the combined status lists them)."""
        seen: dict[str, dict[str, Any]] = {}
        for status in reversed(repo.statuses.get(sha, [])):
            seen.setdefault(status["context"], status)
        return list(seen.values())

    def _check_outcomes(self, repo: _Repo, sha: str) -> dict[str, str]:
        """``name: success|failure|pending`` for every status context and check run on sha."""
        outcome: dict[str, str] = {}
        for status in self._latest_statuses(repo, sha):
            state = status["state"]
            outcome[status["context"]] = "failure" if state == "error" else state
        for _, run in sorted(repo.check_runs.items(), reverse=True):
            if run["head_sha"] != sha or run["name"] in outcome:
                continue
            if run["status"] != "completed":
                outcome[run["name"]] = "pending"
            elif run["conclusion"] in ("success", "neutral", "skipped"):
                outcome[run["name"]] = "success"
            else:
                outcome[run["name"]] = "failure"
        return outcome

    def _approvals(self, repo: _Repo, number: int) -> tuple[int, list[str]]:
        """Approvals counted as GitHub does (each reviewer's latest verdict), and who asked
        for changes."""
        latest: dict[str, str] = {}
        for review in repo.reviews.get(number, []):
            if review["state"] in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
                latest[review["user"]["login"]] = review["state"]
        approvals = sum(1 for s in latest.values() if s == "APPROVED")
        return approvals, sorted(u for u, s in latest.items() if s == "CHANGES_REQUESTED")

    def _merge_blockers(self, repo: _Repo, pr: dict[str, Any]) -> list[str]:
        """What branch protection on the base still asks for, in GitHub's words."""
        protection = repo.protection.get(pr["base"]["ref"])
        if protection is None:
            return []
        blockers = []
        reviews = protection.get("required_pull_request_reviews")
        if reviews:
            needed = int(reviews.get("required_approving_review_count") or 0)
            approvals, changes = self._approvals(repo, pr["number"])
            if changes:
                blockers.append("Changes must be made if a reviewer requested changes.")
            elif approvals < needed:
                noun = "review is" if needed == 1 else "reviews are"
                blockers.append(
                    f"At least {needed} approving {noun} required by reviewers with write access."
                )
        required = (protection.get("required_status_checks") or {}).get("contexts") or []
        outcomes = self._check_outcomes(repo, pr["head"]["sha"])
        for context in required:
            state = outcomes.get(context)
            if state is None or state == "pending":
                blockers.append(f'Required status check "{context}" is expected.')
            elif state != "success":
                blockers.append(f'Required status check "{context}" is failing.')
        return blockers

    def _pull_view(self, repo: _Repo, pr: dict[str, Any]) -> dict[str, Any]:
        """A PR as the API shows it: ``mergeable_state`` says what blocks a merge now."""
        view = copy.deepcopy(pr)
        if pr["state"] == "open" and not pr.get("merged") and pr.get("mergeable") is True:
            outcomes = self._check_outcomes(repo, pr["head"]["sha"]).values()
            if self._merge_blockers(repo, pr):
                view["mergeable_state"] = "blocked"
            elif "failure" in outcomes:
                view["mergeable_state"] = "unstable"
        return view

    def _require_admin(self, ctx: _Ctx, doc: str = DOCS) -> None:
        """Administration endpoints: never the workflow token; a PAT needs the admin role."""
        ident = ctx.ident
        if ident.kind == "workflow":
            raise _HTTPError(403, "Resource not accessible by integration", doc=doc)
        if ident.kind == "pat":
            entry = ctx.r.collaborators.get(ident.login)
            if entry is None or entry[2] != "admin":
                raise _HTTPError(403, "Must have admin rights to Repository.", doc=doc)

    def _store_blob(self, data: bytes, content_type: str) -> str:
        """Keep a download behind a signed URL on this server, as GitHub's log storage does."""
        import secrets

        key = secrets.token_urlsafe(12)
        self._blobs[key] = (data, content_type)
        sig = secrets.token_urlsafe(16)
        return f"{self.server_url}/_blobs/{key}?sv=2024-01-01&se=2099-01-01&sig={sig}"

    def _blob(self, key: str, query: dict[str, str]) -> _Response:
        blob = self._blobs.get(key)
        if blob is None or not query.get("sig"):
            return _Response(
                404,
                raw=b"<Error><Code>BlobNotFound</Code></Error>",
                headers={"Content-Type": "application/xml"},
            )
        data, content_type = blob
        return _Response(200, raw=data, headers={"Content-Type": content_type})

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
            elif raw_path.startswith("/_blobs/") and h.command == "GET":
                resp = self._blob(raw_path.removeprefix("/_blobs/"), query)
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
        if resp.raw is not None:
            payload = resp.raw
        else:
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
        if payload and resp.raw is None:
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
        if method == "POST" and path in ("/graphql", "/api/graphql"):
            ident = self._tokens.get(token) if token else None
            if ident is None:
                return _Response(401, _HTTPError(401, "Bad credentials").body)
            return self._graphql(body)
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

    def _graphql(self, body: Any) -> _Response:
        """The one GraphQL question the agent asks: who last edited a comment.

        ``node(id:) { ... on IssueComment { lastEditedAt editor { login } } }``; bots'
        logins come without ``[bot]``, as GitHub's GraphQL API gives them.
        """
        variables = (body or {}).get("variables") or {} if isinstance(body, dict) else {}
        wanted = str(variables.get("id", ""))
        for repo in self._repos.values():
            for cid, comment in repo.comments.items():
                if comment.get("node_id") == wanted:
                    edit = repo.comment_editors.get(cid)
                    node: dict[str, Any] = {"lastEditedAt": edit[1] if edit else None}
                    node["editor"] = None
                    if edit:
                        node["editor"] = {"login": edit[0].removesuffix("[bot]")}
                    return _Response(200, {"data": {"node": node}})
        return _Response(
            200,
            {"data": {"node": None}, "errors": [{"type": "NOT_FOUND", "message": "Not found"}]},
        )

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
        ctx.r.comment_editors[c["id"]] = (ctx.ident.login, c["updated_at"])
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
        return self._list(ctx, [self._pull_view(ctx.r, pr) for pr in items])

    def _get_pull(self, ctx: _Ctx) -> _Response:
        pr = ctx.r.pulls.get(int(ctx.params["number"]))
        if pr is None:
            raise _not_found("https://docs.github.com/rest/pulls/pulls#get-a-pull-request")
        return _Response(200, self._pull_view(ctx.r, pr))

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
        if wf["id"] in repo.no_dispatch:
            raise _HTTPError(422, "Workflow does not have 'workflow_dispatch' trigger")
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

    # users and repository listings
    def _owner_type(self, login: str) -> str | None:
        """``User`` or ``Organization`` for a login this fake knows, else None."""
        for repo in self._repos.values():
            if repo.full_name.split("/")[0].lower() == login.lower():
                return repo.owner_type
        return self._user_types.get(login)

    def _get_user_by_login(self, ctx: _Ctx) -> _Response:
        login = ctx.params["username"]
        kind = self._owner_type(login)
        if kind is None:
            raise _not_found("https://docs.github.com/rest/users/users#get-a-user")
        user = self._user(login, kind)
        user.update(shape("public_user_extra"))
        user["public_repos"] = sum(
            1
            for r in self._repos.values()
            if r.full_name.split("/")[0] == login and not r.data["private"]
        )
        return _Response(200, user)

    def _repo_item(self, repo: _Repo, ident: _Identity) -> dict[str, Any]:
        data = copy.deepcopy(repo.data)
        entry = repo.collaborators.get(ident.login)
        data["permissions"] = self._perms(entry[2] if entry else "read")
        return data

    def _repos_of(self, owner: str) -> list[_Repo]:
        return sorted(
            (r for r in self._repos.values() if r.full_name.split("/")[0] == owner),
            key=lambda r: r.full_name.lower(),
        )

    def _list_user_repos(self, ctx: _Ctx) -> _Response:
        login = ctx.params["username"]
        if self._owner_type(login) is None:
            raise _not_found(
                "https://docs.github.com/rest/repos/repos#list-repositories-for-a-user"
            )
        items = [
            self._repo_item(r, ctx.ident)
            for r in self._repos_of(login)
            if not r.data["private"] or ctx.ident.login == login
        ]
        return self._list(ctx, items)

    def _list_org_repos(self, ctx: _Ctx) -> _Response:
        org = ctx.params["org"]
        if self._owner_type(org) != "Organization":
            raise _not_found(
                "https://docs.github.com/rest/repos/repos#list-organization-repositories"
            )
        items = [self._repo_item(r, ctx.ident) for r in self._repos_of(org)]
        return self._list(ctx, items)

    def _list_own_repos(self, ctx: _Ctx) -> _Response:
        doc = (
            "https://docs.github.com/rest/repos/repos#list-repositories-for-the-authenticated-user"
        )
        if ctx.ident.kind != "pat":
            raise _HTTPError(403, "Resource not accessible by integration", doc=doc)
        login = ctx.ident.login
        items = [
            self._repo_item(r, ctx.ident)
            for r in sorted(self._repos.values(), key=lambda r: r.full_name.lower())
            if r.full_name.split("/")[0] == login or login in r.collaborators
        ]
        return self._list(ctx, items)

    # repository administration
    _REPO_FLAGS = (
        "has_issues",
        "has_projects",
        "has_wiki",
        "has_discussions",
        "is_template",
        "allow_squash_merge",
        "allow_merge_commit",
        "allow_rebase_merge",
        "allow_auto_merge",
        "delete_branch_on_merge",
        "archived",
    )

    def _apply_repo_fields(self, repo: _Repo, body: dict[str, Any], *, creating: bool) -> None:
        data = repo.data
        staged = copy.deepcopy(data)
        for key in ("description", "homepage"):
            if key in body:
                value = body[key]
                if value is not None and not isinstance(value, str):
                    raise _HTTPError(
                        422, "Validation Failed", errors=[{"code": "invalid", "field": key}]
                    )
                staged[key] = value
        for key in self._REPO_FLAGS:
            if key in body:
                if not isinstance(body[key], bool):
                    raise _HTTPError(
                        422, "Validation Failed", errors=[{"code": "invalid", "field": key}]
                    )
                staged[key] = body[key]
        if "private" in body:
            staged["private"] = bool(body["private"])
            staged["visibility"] = "private" if body["private"] else "public"
        if "visibility" in body:
            if body["visibility"] not in ("public", "private", "internal"):
                raise _HTTPError(
                    422, "Validation Failed", errors=[{"code": "invalid", "field": "visibility"}]
                )
            staged["visibility"] = body["visibility"]
            staged["private"] = body["visibility"] != "public"
        if "default_branch" in body and not creating:
            if body["default_branch"] not in repo.branches:
                raise _HTTPError(
                    422,
                    "Validation Failed",
                    errors=[
                        {"resource": "Repository", "code": "invalid", "field": "default_branch"}
                    ],
                )
            staged["default_branch"] = body["default_branch"]
        if not any(
            staged[k] for k in ("allow_squash_merge", "allow_merge_commit", "allow_rebase_merge")
        ):
            raise _HTTPError(
                422,
                "Validation Failed",
                errors=[
                    {
                        "resource": "Repository",
                        "code": "custom",
                        "field": "merge_commit_allowed",
                        "message": "Sorry, you need to allow at least one merge strategy.",
                    }
                ],
            )
        staged["updated_at"] = now_iso()
        data.clear()
        data.update(staged)

    def _create_repo(self, ctx: _Ctx, owner: str, owner_type: str) -> _Response:
        doc = "https://docs.github.com/rest/repos/repos#create-a-repository-for-the-authenticated-user"
        name = ctx.arg("name")
        if not name:
            raise _missing("name")
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,100}", str(name)):
            raise _HTTPError(
                422,
                "Repository creation failed.",
                errors=[
                    {
                        "resource": "Repository",
                        "code": "custom",
                        "field": "name",
                        "message": "name is invalid",
                    }
                ],
                doc=doc,
            )
        full_name = f"{owner}/{name}"
        if any(r.lower() == full_name.lower() for r in self._repos):
            raise _HTTPError(
                422,
                "Repository creation failed.",
                errors=[
                    {
                        "resource": "Repository",
                        "code": "custom",
                        "field": "name",
                        "message": "name already exists on this account",
                    }
                ],
                doc=doc,
            )
        self.add_repo(full_name, private=bool(ctx.arg("private")), owner_type=owner_type)
        repo = self._repos[full_name]
        if ctx.ident.kind == "pat":
            repo.collaborators[ctx.ident.login] = ("admin", "admin", "admin")
        body = ctx.body if isinstance(ctx.body, dict) else {}
        try:
            self._apply_repo_fields(repo, body, creating=True)
        except _HTTPError:
            del self._repos[full_name]
            raise
        return _Response(201, self._repo_item(repo, ctx.ident), {"Location": repo.data["url"]})

    def _create_user_repo(self, ctx: _Ctx) -> _Response:
        if ctx.ident.kind != "pat":
            raise _HTTPError(
                403,
                "Resource not accessible by integration",
                doc="https://docs.github.com/rest/repos/repos#create-a-repository-for-the-authenticated-user",
            )
        return self._create_repo(ctx, ctx.ident.login, "User")

    def _create_org_repo(self, ctx: _Ctx) -> _Response:
        org = ctx.params["org"]
        doc = "https://docs.github.com/rest/repos/repos#create-an-organization-repository"
        if self._owner_type(org) != "Organization":
            raise _not_found(doc)
        if ctx.ident.kind == "workflow":
            raise _HTTPError(403, "Resource not accessible by integration", doc=doc)
        return self._create_repo(ctx, org, "Organization")

    def _edit_repo(self, ctx: _Ctx) -> _Response:
        self._require_admin(ctx, "https://docs.github.com/rest/repos/repos#update-a-repository")
        body = ctx.body if isinstance(ctx.body, dict) else {}
        self._apply_repo_fields(ctx.r, body, creating=False)
        return _Response(200, self._repo_item(ctx.r, ctx.ident))

    def _delete_repo(self, ctx: _Ctx) -> _Response:
        self._require_admin(ctx, "https://docs.github.com/rest/repos/repos#delete-a-repository")
        del self._repos[ctx.r.full_name]
        return _Response(204)

    def _get_topics(self, ctx: _Ctx) -> _Response:
        return _Response(200, {"names": list(ctx.r.data.get("topics") or [])})

    def _put_topics(self, ctx: _Ctx) -> _Response:
        doc = "https://docs.github.com/rest/repos/repos#replace-all-repository-topics"
        self._require_admin(ctx, doc)
        names = ctx.arg("names")
        if not isinstance(names, list):
            raise _missing("names")
        bad = [n for n in names if not isinstance(n, str) or not _TOPIC.fullmatch(n)]
        if bad or len(names) > 20:
            raise _HTTPError(
                422,
                "Validation Failed",
                errors=[
                    {
                        "resource": "Repository",
                        "code": "invalid",
                        "field": "topics",
                        "message": "Topics must start with a lowercase letter or number, consist "
                        "of 50 characters or less, and can include hyphens; at most 20 topics.",
                    }
                ],
                doc=doc,
            )
        ctx.r.data["topics"] = list(dict.fromkeys(names))
        return _Response(200, {"names": ctx.r.data["topics"]})

    def _get_protection(self, ctx: _Ctx) -> _Response:
        doc = "https://docs.github.com/rest/branches/branch-protection#get-branch-protection"
        self._require_admin(ctx, doc)
        branch = ctx.params["branch"]
        if branch not in ctx.r.branches:
            raise _HTTPError(404, "Branch not found", doc=doc)
        protection = ctx.r.protection.get(branch)
        if protection is None:
            raise _HTTPError(404, "Branch not protected", doc=doc)
        return _Response(200, copy.deepcopy(protection))

    # collaborators
    def _list_collaborators(self, ctx: _Ctx) -> _Response:
        wanted = ctx.query.get("permission")
        order = {"pull": 0, "triage": 1, "push": 2, "maintain": 3, "admin": 4}
        items = []
        for login, (role, _legacy, base) in sorted(ctx.r.collaborators.items()):
            if wanted in order and ROLES.index(base) < order[wanted]:
                continue
            user = self._user(login)
            user.update(shape("collaborator_extra"))
            user.update(permissions=self._perms(base), role_name=role)
            items.append(user)
        return self._list(ctx, items)

    def _add_collaborator(self, ctx: _Ctx) -> _Response:
        doc = (
            "https://docs.github.com/rest/collaborators/collaborators#add-a-repository-collaborator"
        )
        self._require_admin(ctx, doc)
        login = ctx.params["username"]
        permission = ctx.arg("permission") or "push"
        role = COLLABORATOR_PERMISSIONS.get(str(permission))
        if role is None:
            raise _HTTPError(
                422,
                "Validation Failed",
                errors=[{"resource": "Repository", "code": "invalid", "field": "permission"}],
                doc=doc,
            )
        repo = ctx.r
        if login in repo.collaborators:
            repo.collaborators[login] = (role, LEGACY_PERMISSION[role], role)
            return _Response(204)
        iid = self._next("invitation")
        invitation: dict[str, Any] = fill(
            shape("repository_invitation"), self._values(repo, id=iid)
        )
        invitation.update(
            id=iid,
            node_id=node_id("RepositoryInvitation", iid),
            repository=self._minimal_repo(repo),
            invitee=self._user(login),
            inviter=self._user(ctx.ident.login, ctx.ident.user_type),
            permissions=LEGACY_PERMISSION[role] if role != "maintain" else "maintain",
            created_at=now_iso(),
        )
        invitation["permissions"] = {"read": "read", "triage": "triage", "write": "write"}.get(
            role, role
        )
        repo.invitations[login] = invitation
        return _Response(201, copy.deepcopy(invitation))

    def _remove_collaborator(self, ctx: _Ctx) -> _Response:
        doc = "https://docs.github.com/rest/collaborators/collaborators#remove-a-repository-collaborator"
        self._require_admin(ctx, doc)
        login = ctx.params["username"]
        if login == ctx.r.full_name.split("/")[0]:
            raise _HTTPError(422, "Cannot remove the owner of the repository", doc=doc)
        ctx.r.collaborators.pop(login, None)
        ctx.r.invitations.pop(login, None)
        return _Response(204)

    # contents
    def _get_contents(self, ctx: _Ctx) -> _Response:
        import base64

        doc = "https://docs.github.com/rest/repos/contents#get-repository-content"
        repo = ctx.r
        ref = ctx.query.get("ref") or repo.data["default_branch"]
        known_ref = (
            ref.removeprefix("refs/heads/") in repo.branches
            or re.fullmatch(r"[0-9a-f]{40}", ref)
            or ref.startswith("refs/tags/")
        )
        if not known_ref:
            raise _HTTPError(404, f"No commit found for the ref {ref}", doc=doc)
        path = ctx.params["path"].strip("/")
        ref_q = urllib.parse.quote(ref, safe="")

        def entry(p: str, text: str | None) -> dict[str, Any]:
            raw = (text or "").encode()
            sha = _sha(repo.full_name, p, text) if text is not None else _sha(repo.full_name, p)
            item: dict[str, Any] = fill(
                shape("content_file"),
                self._values(repo, path=p, name=p.rsplit("/", 1)[-1], sha=sha, ref=ref_q),
            )
            item["size"] = len(raw)
            if text is None:
                item.update(type="dir", size=0, download_url=None)
                item.pop("content")
                item.pop("encoding")
            else:
                encoded = base64.b64encode(raw).decode()
                item["content"] = "".join(
                    encoded[i : i + 60] + "\n" for i in range(0, len(encoded), 60)
                )
            return item

        if path in repo.files:
            return _Response(200, entry(path, repo.files[path]))
        prefix = path + "/" if path else ""
        children: dict[str, str | None] = {}
        for p, text in sorted(repo.files.items()):
            if p.startswith(prefix):
                rest = p[len(prefix) :]
                head = rest.split("/", 1)[0]
                children[prefix + head] = text if "/" not in rest else None
        if not children:
            raise _HTTPError(404, "Not Found", doc=doc)
        return _Response(200, [entry(p, text) for p, text in children.items()])

    # workflows: state, jobs and logs
    def _set_workflow_state(self, ctx: _Ctx, state: str) -> _Response:
        self._workflow(ctx)["state"] = state
        self._workflow(ctx)["updated_at"] = now_iso()
        return _Response(204)

    def _enable_workflow(self, ctx: _Ctx) -> _Response:
        return self._set_workflow_state(ctx, "active")

    def _disable_workflow(self, ctx: _Ctx) -> _Response:
        return self._set_workflow_state(ctx, "disabled_manually")

    def _run(self, ctx: _Ctx) -> dict[str, Any]:
        run = ctx.r.runs.get(int(ctx.params["run_id"]))
        if run is None:
            raise _not_found(
                "https://docs.github.com/rest/actions/workflow-runs#get-a-workflow-run"
            )
        return run

    def _list_jobs(self, ctx: _Ctx) -> _Response:
        rid = self._run(ctx)["id"]
        jobs = [j for _, j in sorted(ctx.r.jobs.items()) if j["run_id"] == rid]
        return self._list(ctx, jobs, "jobs")

    def _job(self, ctx: _Ctx) -> dict[str, Any]:
        job = ctx.r.jobs.get(int(ctx.params["job_id"]))
        if job is None:
            raise _not_found(
                "https://docs.github.com/rest/actions/workflow-jobs#get-a-job-for-a-workflow-run"
            )
        return job

    def _get_job(self, ctx: _Ctx) -> _Response:
        return _Response(200, copy.deepcopy(self._job(ctx)))

    def _job_logs(self, ctx: _Ctx) -> _Response:
        job = self._job(ctx)
        log = ctx.r.job_logs.get(job["id"])
        if log is None:
            raise _not_found(
                "https://docs.github.com/rest/actions/workflow-jobs"
                "#download-job-logs-for-a-workflow-run"
            )
        url = self._store_blob(log.encode(), "text/plain; charset=utf-8")
        return _Response(302, headers={"Location": url})

    def _run_logs(self, ctx: _Ctx) -> _Response:
        import io
        import zipfile

        rid = self._run(ctx)["id"]
        jobs = [j for _, j in sorted(ctx.r.jobs.items()) if j["run_id"] == rid]
        logs = [(j, ctx.r.job_logs[j["id"]]) for j in jobs if j["id"] in ctx.r.job_logs]
        if not logs:
            raise _not_found(
                "https://docs.github.com/rest/actions/workflow-runs#download-workflow-run-logs"
            )
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for n, (job, text) in enumerate(logs):
                zf.writestr(f"{n}_{job['name']}.txt", text)
        url = self._store_blob(buf.getvalue(), "application/zip")
        return _Response(302, headers={"Location": url})

    # merges and reviews
    def _pull(self, ctx: _Ctx) -> dict[str, Any]:
        pr = ctx.r.pulls.get(int(ctx.params["number"]))
        if pr is None:
            raise _not_found("https://docs.github.com/rest/pulls/pulls#get-a-pull-request")
        return pr

    def _merge_pull(self, ctx: _Ctx) -> _Response:
        doc = "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request"
        repo = ctx.r
        pr = self._pull(ctx)
        method = ctx.arg("merge_method") or "merge"
        if method not in MERGE_METHODS:
            raise _HTTPError(
                422,
                "Validation Failed",
                errors=[{"resource": "PullRequest", "code": "invalid", "field": "merge_method"}],
                doc=doc,
            )
        if pr.get("merged") or pr["state"] != "open" or pr.get("mergeable") is False:
            raise _HTTPError(405, "Pull Request is not mergeable", doc=doc)
        if pr.get("draft"):
            raise _HTTPError(405, "Pull Request is still a draft", doc=doc)
        allowed = {
            "merge": ("allow_merge_commit", "Merge commits are not allowed on this repository."),
            "squash": ("allow_squash_merge", "Squash merges are not allowed on this repository."),
            "rebase": ("allow_rebase_merge", "Rebase merges are not allowed on this repository."),
        }[method]
        if not repo.data.get(allowed[0], True):
            raise _HTTPError(405, allowed[1], doc=doc)
        sha = ctx.arg("sha")
        if sha and sha != pr["head"]["sha"]:
            raise _HTTPError(
                409, "Head branch was modified. Review and try the merge again.", doc=doc
            )
        blockers = self._merge_blockers(repo, pr)
        if blockers:
            raise _HTTPError(405, blockers[0], doc=doc)
        merge_sha = _sha(repo.full_name, "merge", pr["number"], pr["head"]["sha"], method)
        now = now_iso()
        pr.update(
            merged=True,
            merged_at=now,
            merged_by=self._user(ctx.ident.login, ctx.ident.user_type),
            merge_commit_sha=merge_sha,
            mergeable=None,
            mergeable_state="unknown",
        )
        repo.issues[pr["number"]]["pull_request"]["merged_at"] = now
        self._set_state(repo, pr["number"], "closed", None, self._user(ctx.ident.login))
        repo.branches[pr["base"]["ref"]] = merge_sha
        result = shape("pull_request_merge_result")
        result["sha"] = merge_sha
        return _Response(200, result)

    def _list_reviews(self, ctx: _Ctx) -> _Response:
        pr = self._pull(ctx)
        return self._list(ctx, ctx.r.reviews.get(pr["number"], []))

    def _create_review(self, ctx: _Ctx) -> _Response:
        doc = "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request"
        pr = self._pull(ctx)
        event = ctx.arg("event")
        body = ctx.arg("body") or ""
        if event is not None and event not in REVIEW_STATES:
            raise _HTTPError(422, "Unprocessable Entity", errors=["event is invalid"], doc=doc)
        if event in ("REQUEST_CHANGES", "COMMENT") and not body:
            raise _HTTPError(
                422,
                "Unprocessable Entity",
                errors=[f"Body is required when using {event}"],
                doc=doc,
            )
        own = pr["user"]["login"] == ctx.ident.login
        if own and event == "APPROVE":
            raise _HTTPError(
                422,
                "Unprocessable Entity",
                errors=["Can not approve your own pull request"],
                doc=doc,
            )
        if own and event == "REQUEST_CHANGES":
            raise _HTTPError(
                422,
                "Unprocessable Entity",
                errors=["Can not request changes on your own pull request"],
                doc=doc,
            )
        if event == "APPROVE" and ctx.ident.kind == "workflow":
            raise _HTTPError(
                422,
                "Unprocessable Entity",
                errors=["GitHub Actions is not permitted to approve pull requests."],
                doc=doc,
            )
        state = REVIEW_STATES.get(event or "", "PENDING")
        review = self._new_review(
            ctx.r,
            pr["number"],
            ctx.ident.login,
            ctx.ident.user_type,
            state,
            str(body),
            ctx.arg("commit_id"),
        )
        return _Response(200, copy.deepcopy(review))

    # commit statuses
    def _combined_status(self, ctx: _Ctx) -> _Response:
        repo = ctx.r
        ref = ctx.params["ref"].removeprefix("refs/heads/")
        sha = repo.branches.get(ref, ref)
        statuses = self._latest_statuses(repo, sha)
        states = {s["state"] for s in statuses}
        if states & {"error", "failure"}:
            state = "failure"
        elif not statuses or "pending" in states:
            state = "pending"
        else:
            state = "success"
        data: dict[str, Any] = fill(shape("combined_status"), self._values(repo, sha=sha))
        data.update(
            state=state,
            statuses=copy.deepcopy(statuses),
            total_count=len(statuses),
            repository=self._minimal_repo(repo),
        )
        return _Response(200, data)

    def _list_statuses(self, ctx: _Ctx) -> _Response:
        """``GET /repos/{o}/{r}/commits/{ref}/statuses``: every status on the commit, newest
        first, paginated (statuses can be neither edited nor deleted)."""
        repo = ctx.r
        ref = ctx.params["ref"].removeprefix("refs/heads/")
        sha = repo.branches.get(ref, ref)
        return self._list(ctx, list(reversed(repo.statuses.get(sha, []))))

    def _create_status(self, ctx: _Ctx) -> _Response:
        state = ctx.arg("state")
        if state not in STATUS_STATES:
            raise _HTTPError(
                422,
                "Validation Failed",
                errors=[{"resource": "Status", "code": "custom", "field": "state"}],
                doc="https://docs.github.com/rest/commits/statuses#create-a-commit-status",
            )
        context = str(ctx.arg("context") or "default")
        same = [s for s in ctx.r.statuses.get(ctx.params["sha"], []) if s["context"] == context]
        if len(same) >= MAX_STATUSES_PER_CONTEXT:
            raise _HTTPError(
                422,
                "Validation Failed",
                errors=[
                    {
                        "resource": "Status",
                        "code": "custom",
                        "message": "This SHA and context has reached the maximum number of "
                        "statuses.",
                    }
                ],
                doc="https://docs.github.com/rest/commits/statuses#create-a-commit-status",
            )
        status = self._new_status(
            ctx.r,
            ctx.params["sha"],
            context,
            str(state),
            ctx.arg("description"),
            ctx.arg("target_url"),
            ctx.ident.login,
        )
        return _Response(201, copy.deepcopy(status), {"Location": status["url"]})


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
    # users and repositories
    ("GET", r"/users/(?P<username>[^/]+)", FakeGitHub._get_user_by_login),
    ("GET", r"/users/(?P<username>[^/]+)/repos", FakeGitHub._list_user_repos),
    ("GET", r"/orgs/(?P<org>[^/]+)/repos", FakeGitHub._list_org_repos),
    ("POST", r"/orgs/(?P<org>[^/]+)/repos", FakeGitHub._create_org_repo),
    ("GET", r"/user/repos", FakeGitHub._list_own_repos),
    ("POST", r"/user/repos", FakeGitHub._create_user_repo),
    ("PATCH", _REPO, FakeGitHub._edit_repo),
    ("DELETE", _REPO, FakeGitHub._delete_repo),
    ("GET", _REPO + r"/topics", FakeGitHub._get_topics),
    ("PUT", _REPO + r"/topics", FakeGitHub._put_topics),
    ("GET", _REPO + r"/branches/(?P<branch>.+)/protection", FakeGitHub._get_protection),
    ("GET", _REPO + r"/collaborators", FakeGitHub._list_collaborators),
    ("PUT", _REPO + r"/collaborators/(?P<username>[^/]+)", FakeGitHub._add_collaborator),
    ("DELETE", _REPO + r"/collaborators/(?P<username>[^/]+)", FakeGitHub._remove_collaborator),
    ("GET", _REPO + r"/contents/(?P<path>.*)", FakeGitHub._get_contents),
    # workflows: state, jobs, logs
    (
        "PUT",
        _REPO + r"/actions/workflows/(?P<workflow_id>[^/]+)/enable",
        FakeGitHub._enable_workflow,
    ),
    (
        "PUT",
        _REPO + r"/actions/workflows/(?P<workflow_id>[^/]+)/disable",
        FakeGitHub._disable_workflow,
    ),
    ("GET", _REPO + r"/actions/runs/(?P<run_id>\d+)/jobs", FakeGitHub._list_jobs),
    ("GET", _REPO + r"/actions/runs/(?P<run_id>\d+)/logs", FakeGitHub._run_logs),
    ("GET", _REPO + r"/actions/jobs/(?P<job_id>\d+)", FakeGitHub._get_job),
    ("GET", _REPO + r"/actions/jobs/(?P<job_id>\d+)/logs", FakeGitHub._job_logs),
    # merges, reviews, statuses
    ("PUT", _REPO + r"/pulls/(?P<number>\d+)/merge", FakeGitHub._merge_pull),
    ("GET", _REPO + r"/pulls/(?P<number>\d+)/reviews", FakeGitHub._list_reviews),
    ("POST", _REPO + r"/pulls/(?P<number>\d+)/reviews", FakeGitHub._create_review),
    ("GET", _REPO + r"/commits/(?P<ref>.+)/status", FakeGitHub._combined_status),
    ("GET", _REPO + r"/commits/(?P<ref>.+)/statuses", FakeGitHub._list_statuses),
    ("POST", _REPO + r"/statuses/(?P<sha>[0-9a-f]{40})", FakeGitHub._create_status),
]
_ROUTES = [(m, re.compile(p), fn) for m, p, fn in _ROUTE_SPECS]
