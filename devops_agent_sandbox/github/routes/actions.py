"""Routes of the fake GitHub: Actions workflows, dispatches, runs, jobs and logs.

A dispatch is checked as GitHub checks it (the workflow is active and has a
``workflow_dispatch`` trigger, the ref exists, the inputs are declared) and starts a
queued run; logs are served through a 302 to a signed download URL.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from typing import Any

from devops_agent_sandbox.github.server import (
    HTTPLayer,
    _Ctx,
    _HTTPError,
    _missing,
    _not_found,
    _Response,
)
from devops_agent_sandbox.github.state import _sha
from devops_agent_sandbox.payloads import fill, now_iso, shape


class ActionsRoutes(HTTPLayer):
    """``/repos/{owner}/{repo}/actions/workflows…``, ``…/actions/runs…`` and
    ``…/actions/jobs…``."""

    # workflows and dispatches
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

    def _set_workflow_state(self, ctx: _Ctx, state: str) -> _Response:
        self._workflow(ctx)["state"] = state
        self._workflow(ctx)["updated_at"] = now_iso()
        return _Response(204)

    def _enable_workflow(self, ctx: _Ctx) -> _Response:
        return self._set_workflow_state(ctx, "active")

    def _disable_workflow(self, ctx: _Ctx) -> _Response:
        return self._set_workflow_state(ctx, "disabled_manually")

    # runs
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

    def _run(self, ctx: _Ctx) -> dict[str, Any]:
        return ctx.record(
            ctx.r.runs,
            "run_id",
            "https://docs.github.com/rest/actions/workflow-runs#get-a-workflow-run",
        )

    def _get_run(self, ctx: _Ctx) -> _Response:
        return _Response(200, copy.deepcopy(self._run(ctx)))

    # jobs and logs
    def _list_jobs(self, ctx: _Ctx) -> _Response:
        rid = self._run(ctx)["id"]
        jobs = [j for _, j in sorted(ctx.r.jobs.items()) if j["run_id"] == rid]
        return self._list(ctx, jobs, "jobs")

    def _job(self, ctx: _Ctx) -> dict[str, Any]:
        return ctx.record(
            ctx.r.jobs,
            "job_id",
            "https://docs.github.com/rest/actions/workflow-jobs#get-a-job-for-a-workflow-run",
        )

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
