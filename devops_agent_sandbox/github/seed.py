"""The fake GitHub's set-up API: what tests and the demo call to build a world.

Tokens and the identities behind them, repositories (see ``GitHubState.add_repo``),
branches, collaborators, issues, PRs, comments, labels, workflows with their runs, jobs
and logs, branch protection, statuses, check runs and reviews, the Actions OIDC endpoint
and injected faults. Each method takes the lock and goes through the same builders as
the HTTP routes; a seeded check run is even created by the route's own code.
"""

from __future__ import annotations

import copy
import re
import time
import urllib.parse
from collections.abc import Iterable
from typing import Any

from devops_agent_sandbox.github.routes.pulls import PullRoutes
from devops_agent_sandbox.github.server import _Ctx
from devops_agent_sandbox.github.state import (
    LEGACY_PERMISSION,
    ROLES,
    STATUS_STATES,
    _Fault,
    _Identity,
    _sha,
)
from devops_agent_sandbox.payloads import fill, node_id, now_iso, shape


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


class Seeding(PullRoutes):
    """The ``add_*``, ``set_*`` and ``fail_next`` methods of :class:`~.fake.FakeGitHub`."""

    # identities
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

    def enable_oidc(self, request_token: str, claims: dict[str, Any] | None = None) -> str:
        """Serve the Actions ID-token endpoint; returns ACTIONS_ID_TOKEN_REQUEST_URL.

        Answers ``GET`` with ``Authorization: Bearer <request_token>`` and an
        ``audience`` query with ``{"value": <unsigned JWT>}`` carrying ``claims``
        (moto's STS accepts any token, so no signature is needed).
        """
        with self._lock:
            self._oidc = (request_token, dict(claims or {}))
        return f"{self.server_url}/_actions/idtoken?api-version=2.0"

    # repositories and people
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

    def add_file(self, full_name: str, path: str, text: str, *, branch: str | None = None) -> None:
        """Put a file in the repository: on every ref, or with ``branch`` only on that branch
        (a pull request's head, say), where it hides the file every ref has."""
        with self._lock:
            repo = self._repo(full_name)
            if branch is None:
                repo.files[path.strip("/")] = text
            else:
                repo.branch_files.setdefault(branch, {})[path.strip("/")] = text

    # issues, pull requests and comments
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

    def add_comment(
        self,
        full_name: str,
        issue_number: int,
        *,
        body: str,
        user: str = "octocat",
        user_type: str = "User",
    ) -> dict[str, Any]:
        if user_type == "User":
            self._after_edits(full_name)
        with self._lock:
            repo = self._repo(full_name)
            if issue_number not in repo.issues:
                raise KeyError(f"{full_name}#{issue_number} does not exist")
            return copy.deepcopy(self._new_comment(repo, issue_number, body, user, user_type))

    def _after_edits(self, full_name: str) -> None:
        """Wait, if a comment was edited in this very second, until the next one.

        People read before they answer: a person's comment comes after the edits they
        could have seen. GitHub's times are whole seconds, and devops-agent refuses to
        apply a plan edited in its apply comment's second (it cannot tell which came
        first), so a test's person never comments within the second of an edit. Tests of
        that race set the apply comment's time themselves.
        """
        while True:
            with self._lock:
                stamp = now_iso()
                edited = any(
                    at == stamp for _, at in self._repo(full_name).comment_editors.values()
                )
            if not edited:
                return
            time.sleep(0.05)

    def add_label(
        self, full_name: str, name: str, *, color: str = "ededed", description: str | None = None
    ) -> dict[str, Any]:
        with self._lock:
            label = self._ensure_label(self._repo(full_name), name, color, description)
            return copy.deepcopy(label)

    # workflows, runs and jobs
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

    # what a merge needs
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

    def backdate_statuses(self, full_name: str, sha: str, seconds: float) -> None:
        """Move every status of a commit ``seconds`` into the past, as if posted then
        (locks and ledger records age; nothing else changes)."""
        from datetime import datetime, timedelta

        with self._lock:
            for status in self._repo(full_name).statuses.get(sha, []):
                for name in ("created_at", "updated_at"):
                    at = datetime.fromisoformat(str(status[name]).replace("Z", "+00:00"))
                    earlier = at - timedelta(seconds=seconds)
                    status[name] = earlier.strftime("%Y-%m-%dT%H:%M:%SZ")

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

    # faults
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
