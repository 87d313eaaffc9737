"""Routes of the fake GitHub: pull requests, check runs, merges, reviews and statuses.

A merge is refused the way GitHub refuses it: branch protection asks for approvals (each
reviewer's latest verdict) and required checks (commit statuses and check runs alike).
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from devops_agent_sandbox import payloads
from devops_agent_sandbox.github.server import (
    HTTPLayer,
    _Ctx,
    _HTTPError,
    _missing,
    _Response,
    _validation_failed,
)
from devops_agent_sandbox.github.state import (
    MAX_STATUSES_PER_CONTEXT,
    STATUS_STATES,
    _Identity,
    _Repo,
    _sha,
)
from devops_agent_sandbox.payloads import fill, node_id, now_iso, shape

MAX_CHECK_OUTPUT_BYTES = 65535
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
MERGE_METHODS = ("merge", "squash", "rebase")
REVIEW_STATES = {
    "APPROVE": "APPROVED",
    "REQUEST_CHANGES": "CHANGES_REQUESTED",
    "COMMENT": "COMMENTED",
}


class PullRoutes(HTTPLayer):
    """``/repos/{owner}/{repo}/pulls…``, ``…/check-runs…``, ``…/commits/{ref}/status``
    and ``…/statuses/{sha}``, with what blocks a merge."""

    # what blocks a merge
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
        return _Response(200, self._pull_view(ctx.r, self._pull(ctx)))

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
            raise _validation_failed("CheckRun", "status")
        if conclusion is not None and conclusion not in CHECK_CONCLUSIONS:
            raise _validation_failed("CheckRun", "conclusion")
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
                    raise _validation_failed(
                        "CheckRun",
                        key,
                        code="custom",
                        message=f"{key} exceeds a maximum bytesize of {limit}",
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
        return ctx.record(
            ctx.r.check_runs,
            "check_run_id",
            "https://docs.github.com/rest/checks/runs#get-a-check-run",
        )

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

    # merges and reviews
    def _pull(self, ctx: _Ctx) -> dict[str, Any]:
        return ctx.record(
            ctx.r.pulls, "number", "https://docs.github.com/rest/pulls/pulls#get-a-pull-request"
        )

    def _merge_pull(self, ctx: _Ctx) -> _Response:
        doc = "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request"
        repo = ctx.r
        pr = self._pull(ctx)
        method = ctx.arg("merge_method") or "merge"
        if method not in MERGE_METHODS:
            raise _validation_failed("PullRequest", "merge_method", doc=doc)
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

    def _list_commits(self, ctx: _Ctx) -> _Response:
        """``GET /repos/{o}/{r}/commits``: the default branch's history, newest first.

        The fake keeps no history, only each branch's head: the list is that head and the
        repository's root commit (a fixed SHA per repository), paginated as GitHub does.
        """
        repo = ctx.r
        head = repo.branches.get(repo.data["default_branch"], "")
        root = hashlib.sha1(f"{repo.full_name}:root".encode(), usedforsecurity=False).hexdigest()
        shas = [sha for sha in (head, root) if sha]
        items = [
            {
                "sha": sha,
                "url": f"{self.url}/repos/{repo.full_name}/commits/{sha}",
                "commit": {"message": "Initial commit" if sha == root else "Latest commit"},
            }
            for sha in dict.fromkeys(shas)
        ]
        return self._list(ctx, items)

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
            raise _validation_failed(
                "Status",
                "state",
                code="custom",
                doc="https://docs.github.com/rest/commits/statuses#create-a-commit-status",
            )
        context = str(ctx.arg("context") or "default")
        same = [s for s in ctx.r.statuses.get(ctx.params["sha"], []) if s["context"] == context]
        if len(same) >= MAX_STATUSES_PER_CONTEXT:
            raise _validation_failed(
                "Status",
                None,
                code="custom",
                message="This SHA and context has reached the maximum number of statuses.",
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
