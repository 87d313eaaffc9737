"""The fake GitHub's state: the records it keeps and the functions that create them.

Everything a repository holds (collaborators, issues, PRs, comments, reactions, labels,
check runs, workflows, runs, jobs, reviews, statuses) lives in one :class:`_Repo` record per
repository, behind one lock. :class:`GitHubState` builds new records from the documented
shapes in ``github_shapes.json`` (ids, URLs and logins filled in) and looks them up; both
the HTTP routes (:mod:`.routes`) and the set-up API (:mod:`.seed`) go through it, so a
seeded object and one created over HTTP look the same.
"""

from __future__ import annotations

import copy
import hashlib
import re
import threading
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from devops_agent_sandbox import payloads
from devops_agent_sandbox.payloads import fill, node_id, now_iso, shape

DOCS = "https://docs.github.com/rest"
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
STATUS_STATES = ("error", "failure", "pending", "success")
#: GitHub refuses more than this many statuses for one commit and context.
MAX_STATUSES_PER_CONTEXT = 1000


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
    branch_files: dict[str, dict[str, str]] = field(default_factory=dict)  # branch: path: text
    jobs: dict[int, dict[str, Any]] = field(default_factory=dict)
    job_logs: dict[int, str] = field(default_factory=dict)
    reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # PR number: reviews
    statuses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # sha: oldest first
    protection: dict[str, dict[str, Any]] = field(default_factory=dict)  # branch: protection
    invitations: dict[str, dict[str, Any]] = field(default_factory=dict)  # login: invitation
    no_dispatch: set[int] = field(default_factory=set)  # workflows without workflow_dispatch


def _sha(*parts: object) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


def _rollup(url: str) -> dict[str, Any]:
    return {"url": url, "total_count": 0, **dict.fromkeys(REACTIONS, 0)}


class GitHubState:
    """All mutable state of one fake GitHub, and the builders of its records.

    The HTTP layer (:class:`~devops_agent_sandbox.github.server.HTTPLayer`) sets ``url``,
    ``server_url``, ``api_prefix`` and the lock; callers hold ``_lock`` around every change.
    """

    url: str
    server_url: str
    api_prefix: str
    _lock: threading.RLock

    # state
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

    # repositories: created by set-up and by POST /user/repos alike
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

    # lookups and shared values
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

    def _minimal_repo(self, repo: _Repo) -> dict[str, Any]:
        mini: dict[str, Any] = fill(
            shape("minimal_repository"),
            {**self._values(repo), "owner": repo.full_name.split("/")[0]},
        )
        data = repo.data
        for key in ("id", "node_id", "name", "full_name", "owner", "private", "description"):
            mini[key] = copy.deepcopy(data[key])
        return mini

    def _find_workflow(self, repo: _Repo, ref: str) -> dict[str, Any] | None:
        for wid, wf in repo.workflows.items():
            if ref == str(wid) or ref == wf["path"].rsplit("/", 1)[-1]:
                return wf
        return None

    # builders of new records
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
