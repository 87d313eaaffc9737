"""Workflow runs: listing them, one run with its jobs and steps, starting one
(``workflow_dispatch``) and watching one until it ends; the ``workflows list`` and
``workflows run`` commands and the agent's run reads.

:func:`dispatch` changes something and is called only by an applied plan
(:data:`DISPATCH`); its preview checks the inputs against the workflow file at the ref,
and the executor checks them again, because the file may change in between.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

from devops_agent.errors import BadInput, Refused, ServiceError
from devops_agent.gh.common import (
    GhArgs,
    GhModel,
    RunId,
    api,
    check_repository,
    gh_client,
    github_errors,
    locked,
    post_once,
    repository_of,
    rest_call,
)
from devops_agent.gh.workflows.files import (
    WorkflowInfo,
    declared_inputs,
    find_workflow,
    list_workflows,
    validate_inputs,
    workflow_file,
)
from devops_agent.operation import (
    ApiCall,
    Command,
    Hidden,
    InProgress,
    NotAsPlanned,
    Pairs,
    Positional,
    Proposal,
    Read,
    Reader,
    Verification,
    Verified,
    Write,
    Writers,
)
from devops_agent.report import Result, Table, dump, plural, when
from devops_agent.sanitize import clean_untrusted

if TYPE_CHECKING:
    from github import Github

__all__ = [
    "FAILED",
    "JobInfo",
    "RunInfo",
    "RunWithJobs",
    "StepInfo",
    "WatchResult",
    "default_branch",
    "dispatch",
    "dispatch_call",
    "dispatched_run",
    "get_run",
    "list_runs",
    "run_jobs",
    "watch_run",
]

#: Job conclusions that mean the job failed.
FAILED = ("failure", "timed_out", "startup_failure")


class RunInfo(GhModel):
    """One workflow run."""

    id: int
    name: str
    workflow_id: int
    run_number: int
    run_attempt: int = 1
    event: str
    status: str
    """``queued``, ``in_progress``, ``completed``, ``waiting``…"""
    conclusion: str | None = None
    """``success``, ``failure``, ``cancelled``… once completed."""
    head_branch: str | None = None
    head_sha: str
    actor: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    html_url: str = ""


class StepInfo(GhModel):
    """One step of a job."""

    number: int
    name: str
    status: str
    conclusion: str | None = None


class JobInfo(GhModel):
    """One job of a run, with its steps."""

    id: int
    name: str
    status: str
    conclusion: str | None = None
    html_url: str = ""
    started_at: datetime | None = None
    completed_at: datetime | None = None
    steps: list[StepInfo] = Field(default_factory=list)

    @property
    def failed_steps(self) -> list[StepInfo]:
        """Steps whose conclusion is a failure (or that timed out)."""
        return [s for s in self.steps if s.conclusion in FAILED]

    def step_url(self, step: StepInfo) -> str:
        """Link to the step in the job's log page.

        Args:
            step: One of this job's steps.

        Returns:
            The job's URL with the step's anchor.
        """
        return f"{self.html_url}#step:{step.number}:1" if self.html_url else ""


class RunWithJobs(GhModel):
    """A run and the jobs of its latest attempt."""

    run: RunInfo
    jobs: list[JobInfo] = Field(default_factory=list)


class WatchResult(GhModel):
    """How watching a run ended."""

    run: RunInfo
    finished: bool
    """True when the run completed before the timeout."""
    waited: float
    """Seconds spent watching."""
    polls: int


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _run(data: dict[str, Any]) -> RunInfo:
    return RunInfo(
        id=int(data["id"]),
        name=str(data.get("name") or data.get("display_title") or ""),
        workflow_id=int(data.get("workflow_id") or 0),
        run_number=int(data.get("run_number") or 0),
        run_attempt=int(data.get("run_attempt") or 1),
        event=str(data.get("event") or ""),
        status=str(data.get("status") or ""),
        conclusion=data.get("conclusion"),
        head_branch=data.get("head_branch"),
        head_sha=str(data.get("head_sha") or ""),
        actor=str((data.get("actor") or {}).get("login") or ""),
        created_at=_when(data.get("created_at")),
        updated_at=_when(data.get("updated_at")),
        html_url=str(data.get("html_url") or ""),
    )


def _job(data: dict[str, Any]) -> JobInfo:
    return JobInfo(
        id=int(data["id"]),
        name=str(data.get("name") or ""),
        status=str(data.get("status") or ""),
        conclusion=data.get("conclusion"),
        html_url=str(data.get("html_url") or ""),
        started_at=_when(data.get("started_at")),
        completed_at=_when(data.get("completed_at")),
        steps=[
            StepInfo(
                number=int(s.get("number") or 0),
                name=str(s.get("name") or ""),
                status=str(s.get("status") or ""),
                conclusion=s.get("conclusion"),
            )
            for s in data.get("steps") or []
        ],
    )


def default_branch(gh: Github, repository: str) -> str:
    """The repository's default branch (where a dispatch runs when no ref is named).

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.

    Returns:
        The branch's name.
    """
    with github_errors(f"read {repository}"):
        return str(api(gh, "GET", f"/repos/{check_repository(repository)}")["default_branch"])


def list_runs(
    gh: Github,
    repository: str,
    *,
    workflow_id: int | None = None,
    event: str | None = None,
    branch: str | None = None,
    limit: int = 10,
) -> list[RunInfo]:
    """The newest runs (of one workflow, when given), newest first.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        workflow_id: Only this workflow's runs.
        event: Only runs of this event (``workflow_dispatch``).
        branch: Only runs on this branch.
        limit: Most runs (1 to 100).

    Returns:
        The runs.
    """
    base = f"/repos/{check_repository(repository)}/actions"
    path = f"{base}/workflows/{workflow_id}/runs" if workflow_id else f"{base}/runs"
    params: dict[str, Any] = {"per_page": min(max(limit, 1), 100)}
    if event:
        params["event"] = event
    if branch:
        params["branch"] = branch
    with github_errors(f"list the runs of {repository}", permission="actions: read"):
        data = api(gh, "GET", path, params=params)
    return [_run(r) for r in (data.get("workflow_runs") or [])[:limit]]


def get_run(gh: Github, repository: str, run_id: int) -> RunInfo:
    """One run; BadInput when it does not exist.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        run_id: The workflow run's id.

    Returns:
        The run.

    Raises:
        BadInput: no such run.
        ServiceError: GitHub refused.
    """
    try:
        with github_errors(f"read run {run_id}", permission="actions: read"):
            return _run(
                api(gh, "GET", f"/repos/{check_repository(repository)}/actions/runs/{run_id}")
            )
    except ServiceError as exc:
        if exc.code == "404":
            raise BadInput(
                f"{repository} has no workflow run {run_id}.",
                remedy="`workflows status` lists recent runs and their ids.",
            ) from None
        raise


def run_jobs(gh: Github, repository: str, run_id: int) -> list[JobInfo]:
    """The jobs of the run's latest attempt, with their steps.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        run_id: The workflow run's id.

    Returns:
        The jobs.
    """
    jobs: list[JobInfo] = []
    page = 1
    with github_errors(f"list the jobs of run {run_id}", permission="actions: read"):
        while True:
            data = api(
                gh,
                "GET",
                f"/repos/{check_repository(repository)}/actions/runs/{run_id}/jobs",
                params={"filter": "latest", "per_page": 100, "page": page},
            )
            batch = data.get("jobs") or []
            jobs.extend(_job(j) for j in batch)
            if len(batch) < 100:
                break
            page += 1
    return jobs


def dispatch(
    gh: Github,
    repository: str,
    workflow_id: int,
    ref: str,
    inputs: dict[str, str],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> RunInfo | None:
    """Trigger a ``workflow_dispatch`` run; returns the new run once GitHub lists it.

    The POST is made at most once unless GitHub's answer leaves the outcome unknown
    and no new run shows up (then it is tried again). The new run is the one that was
    not listed before the dispatch; ``None`` if it has not appeared after a few seconds.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        workflow_id: The workflow's id.
        ref: The branch or tag to run on.
        inputs: The workflow's inputs, validated.
        sleep: How to wait (tests pass a recorder).

    Returns:
        The new run, or ``None`` when it has not appeared yet.

    Raises:
        ServiceError: GitHub refused (``actions: write``).
    """

    def runs() -> list[RunInfo]:
        return list_runs(
            gh, repository, workflow_id=workflow_id, event="workflow_dispatch", limit=20
        )

    before = {r.id for r in runs()}

    def new_run() -> RunInfo | None:
        fresh = [r for r in runs() if r.id not in before]
        return fresh[0] if fresh else None

    call = dispatch_call(repository, workflow_id, ref, inputs)

    def attempt() -> bool:
        api(gh, "POST", call.operation.partition(" ")[2], body=call.params)
        return True

    def look() -> bool | None:
        sleep(2.0)
        return True if new_run() is not None else None

    post_once(
        f"dispatch workflow {workflow_id}", attempt, look, sleep=sleep, permission="actions: write"
    )
    for pause in (0.0, 1.0, 2.0):
        if pause:
            sleep(pause)
        with github_errors("find the dispatched run", permission="actions: read"):
            run = new_run()
        if run is not None:
            return run
    return None


def dispatch_call(repository: str, workflow_id: int, ref: str, inputs: dict[str, str]) -> ApiCall:
    """The request that starts a ``workflow_dispatch`` run: what :func:`dispatch` sends and
    a plan shows. It locks the workflow, so that two applies never dispatch it at once
    and mistake each other's run for their own.

    Args:
        repository: The repository, ``owner/name``.
        workflow_id: The workflow's id.
        ref: The branch or tag to run on.
        inputs: The workflow's inputs, validated.

    Returns:
        ``POST …/actions/workflows/{id}/dispatches`` with ``ref`` and ``inputs``.
    """
    path = f"/repos/{check_repository(repository)}/actions/workflows/{workflow_id}/dispatches"
    return rest_call(
        "POST",
        path,
        {"ref": ref, "inputs": dict(inputs)},
        locks=(locked(repository, "actions/workflows", workflow_id),),
    )


def dispatched_run(
    gh: Github, repository: str, workflow_id: int, ref: str, after: int | None
) -> RunInfo | None:
    """The newest ``workflow_dispatch`` run of the workflow on ``ref`` after run ``after``.

    How a dispatch is read back: GitHub's dispatch answers with no run id, so the run a
    plan started is the newest dispatched run on its ref that is newer than the newest
    one when the plan was made (run ids only grow). A resumed apply that finds one does
    not dispatch again: starting a deploy twice is the worse mistake.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        workflow_id: The workflow's id.
        ref: The branch or tag the plan runs it on.
        after: The newest dispatched run's id when the plan was made (``None``: any).

    Returns:
        The run, or ``None`` when there is none.

    Raises:
        ServiceError: GitHub refused (``actions: read``).
    """
    names = {ref, ref.removeprefix("refs/heads/").removeprefix("refs/tags/")}
    for run in list_runs(
        gh, repository, workflow_id=workflow_id, event="workflow_dispatch", limit=20
    ):
        if run.head_branch in names and run.id > (after or 0):
            return run
    return None


def watch_run(
    gh: Github,
    repository: str,
    run_id: int,
    *,
    timeout: float,
    first_wait: float = 2.0,
    max_wait: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> WatchResult:
    """Poll a run until it completes or ``timeout`` seconds pass.

    Waits grow exponentially (``first_wait``, doubling, at most ``max_wait``) and the last
    one is cut to end at the timeout; each poll is one request.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        run_id: The workflow run's id.
        timeout: Seconds to watch.
        first_wait: Seconds before the second look; the wait doubles each time.
        max_wait: Longest wait between two looks.
        sleep: How to wait (tests pass a recorder).
        clock: The clock (tests pass a fake).

    Returns:
        The run as last seen and whether it completed in time.
    """
    start = clock()
    run = get_run(gh, repository, run_id)
    polls = 1
    wait = first_wait
    while run.status != "completed":
        remaining = timeout - (clock() - start)
        if remaining <= 0:
            break
        sleep(min(wait, remaining))
        wait = min(wait * 2, max_wait)
        run = get_run(gh, repository, run_id)
        polls += 1
    return WatchResult(
        run=run, finished=run.status == "completed", waited=clock() - start, polls=polls
    )


# --------------------------------------------------------------------------- operations


def _list_workflows(reader: Reader, args: GhArgs) -> list[WorkflowInfo]:
    return list_workflows(gh_client(reader), repository_of(reader, args.repository))


def _workflows_table(reader: Reader, args: GhArgs, found: list[WorkflowInfo]) -> Result:
    gh, repository = gh_client(reader), repository_of(reader, args.repository)
    latest: dict[int, RunInfo] = {}
    if found:
        for run in list_runs(gh, repository, limit=50):
            latest.setdefault(run.workflow_id, run)
    rows = []
    for wf in found:
        last_run = latest.get(wf.id)
        last = (
            f"#{last_run.run_number} {last_run.conclusion or last_run.status} "
            f"({when(last_run.created_at)})"
            if last_run
            else ""
        )
        rows.append([wf.name, wf.file, wf.state, last, wf.id])
    return Result(
        title=f"{plural(len(found), 'workflow')} in {repository}",
        tables=[
            Table(
                columns=["Workflow", "File", "State", "Last run", "Id"],
                rows=rows,
                empty="This repository has no workflows.",
            )
        ],
        data={"repository": repository, "workflows": dump(found)},
    )


LIST = Read(
    name="github.list_workflows",
    args=GhArgs,
    summary="The repository's GitHub Actions workflows (id, name, file path, state).",
    service="github",
    commands=(Command("workflows list", "Workflows of this repository, with their last run."),),
    github=("actions: read",),
    read=_list_workflows,
    render=_workflows_table,
    source="GitHub",
)


def _input_pairs(value: Any) -> Any:
    """The model's ``[{name, value}]`` list as the ``{name: value}`` the command types."""
    if value is None:
        return {}
    if isinstance(value, list):
        found: dict[str, str] = {}
        for item in value:
            if not isinstance(item, dict) or "name" not in item:
                raise ValueError("each input is an object with a name and a value")
            raw = item.get("value")
            text = ("true" if raw else "false") if isinstance(raw, bool) else str(raw or "")
            found[str(item["name"])] = text
        return found
    return value


_INPUTS_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
                "required": ["name", "value"],
                "additionalProperties": False,
            },
        },
        {"type": "null"},
    ]
}

Inputs = Annotated[
    dict[str, str],
    Pairs(),
    BeforeValidator(_input_pairs),
    WithJsonSchema(_INPUTS_SCHEMA),
    Field(default_factory=dict),
]
"""Dispatch inputs: ``KEY=VALUE`` words on the command line, ``[{name, value}]`` for the
model, ``{name: value}`` in the plan."""


class RunWorkflowArgs(GhArgs):
    """Arguments of ``workflows run``."""

    workflow: Annotated[str, Positional()]
    """File name (deploy.yml), name or id of the workflow."""
    ref: str | None = None
    """Branch, tag or commit to run on; null for the default branch."""
    inputs: Inputs
    """The workflow_dispatch inputs as name/value pairs; null for none."""
    workflow_id: Annotated[int | None, Hidden()] = None
    """The workflow's id, as the preview found it."""
    path: Annotated[str | None, Hidden()] = None
    """The workflow file's path, read again at apply."""
    after_run: Annotated[int | None, Hidden()] = None
    """The newest workflow_dispatch run of the workflow when the plan was made (0: none):
    the run the plan starts comes after it (run ids only grow)."""


def _plan_dispatch(reader: Reader, args: RunWorkflowArgs) -> Proposal:
    """The workflow is active, the ref known, the inputs valid for the file at that ref."""
    gh, repository = gh_client(reader), repository_of(reader, args.repository)
    wf = find_workflow(gh, repository, args.workflow)
    if wf.state != "active":
        raise BadInput(
            f"{wf.name} is {wf.state}; a disabled workflow cannot run.",
            remedy=f"Enable it first: `workflows enable {wf.file}`.",
        )
    ref = args.ref or default_branch(gh, repository)
    specs = declared_inputs(workflow_file(gh, repository, wf.path, ref))
    newest = list_runs(gh, repository, workflow_id=wf.id, event="workflow_dispatch", limit=1)
    inputs = validate_inputs(wf.name, specs, dict(args.inputs))
    shown = ", ".join(f"{k}={v}" for k, v in inputs.items())
    entry = DISPATCH.entry(
        args.model_copy(
            update={
                "repository": repository,
                "workflow": wf.name,
                "workflow_id": wf.id,
                "path": wf.path,
                "ref": ref,
                "inputs": inputs,
                "after_run": newest[0].id if newest else 0,
            }
        ),
        f"Run workflow {wf.name} ({wf.file}) on {ref}" + (f" with {shown}" if shown else ""),
        [f"{repository}/{wf.path}"],
    )
    return Proposal([entry], what=f"run {wf.file} on {ref}")


def _named(args: RunWorkflowArgs) -> tuple[str, int, str, str]:
    """The repository, workflow id, file and ref the preview fixed."""
    if args.workflow_id is None or args.path is None or not args.ref or not args.repository:
        raise Refused("The plan does not name the workflow file and ref; it is not applied.")
    return args.repository, args.workflow_id, args.path, args.ref


def _run_dispatch(writers: Writers, args: RunWorkflowArgs) -> str:
    repository, workflow_id, path, ref = _named(args)
    gh = writers.github
    name = clean_untrusted(args.workflow)
    inputs = dict(args.inputs)
    # The file at the ref may have changed since the plan: its inputs must still fit.
    text = workflow_file(gh, repository, path, ref)
    try:
        validate_inputs(name, declared_inputs(text), inputs)
    except BadInput as exc:
        raise Refused(
            f"The workflow changed since the plan was made: {exc.message}",
            remedy="Ask for the run again to get a fresh plan.",
        ) from None
    run = dispatch(gh, repository, workflow_id, ref, inputs)
    if run is None:
        return f"dispatched {name} on {ref} (the run has not appeared yet)"
    return f"dispatched {name} on {ref}: run {run.id} {run.html_url}"


def _dispatch_calls(args: RunWorkflowArgs) -> list[ApiCall]:
    repository, workflow_id, _, ref = _named(args)
    return [dispatch_call(repository, workflow_id, ref, dict(args.inputs))]


def _verify_dispatch(reader: Reader, args: RunWorkflowArgs) -> Verification:
    repository, workflow_id, _, ref = _named(args)
    run = dispatched_run(gh_client(reader), repository, workflow_id, ref, args.after_run)
    if run is None:
        return NotAsPlanned(f"no workflow_dispatch run of {args.workflow} on {ref} since the plan")
    read = f"run {run.id} of {args.workflow} on {ref} is {run.conclusion or run.status}"
    if run.status == "completed":
        return Verified(read)
    return InProgress(read, f"`workflows watch {run.id}` until it completes")


DISPATCH = Write(
    name="github.workflow_dispatch",
    args=RunWorkflowArgs,
    summary="Start a workflow_dispatch run of a workflow (a deploy, a release).",
    service="github",
    tool="run_workflow",
    commands=(
        Command(
            "workflows run WORKFLOW [--ref REF] [KEY=VALUE...]",
            "Plan a workflow_dispatch run (inputs checked against the workflow file).",
        ),
    ),
    guide="Inputs are checked against the workflow file at the ref: "
    "an unknown, missing or invalid input comes back as an error (show_workflow lists them). "
    "After it is applied, list_workflow_runs and watch_workflow_run follow the run.",
    github=("actions: write", "contents: read"),
    plan=_plan_dispatch,
    run=_run_dispatch,
    calls=_dispatch_calls,
    verify=_verify_dispatch,
    irreversible="a dispatched run starts at once and does whatever the workflow does (a "
    "deploy, a release); cancelling it later does not undo the steps that already ran",
    examples=(
        {
            "repository": "acme/platform",
            "workflow": "Deploy",
            "ref": "main",
            "inputs": {"environment": "staging"},
            "workflow_id": 161335,
            "path": ".github/workflows/deploy.yml",
            "after_run": 30433642,
        },
    ),
)


class ListRunsArgs(GhArgs):
    """Arguments of the agent's run listing."""

    workflow: str | None = None
    """Only runs of this workflow: file name (deploy.yml), name or id; null for all."""
    branch: str | None = None
    """Only runs on this branch; null for all."""
    limit: Annotated[int, Field(ge=1, le=30)] = 10
    """Most runs to return, 1 to 30."""


def _list_runs(reader: Reader, args: ListRunsArgs) -> list[RunInfo]:
    gh, repository = gh_client(reader), repository_of(reader, args.repository)
    wf = find_workflow(gh, repository, args.workflow) if args.workflow else None
    return list_runs(
        gh, repository, workflow_id=wf.id if wf else None, branch=args.branch, limit=args.limit
    )


LIST_RUNS = Read(
    name="github.list_workflow_runs",
    args=ListRunsArgs,
    summary="The newest workflow runs, newest first (id, workflow, number, event, branch, "
    "status, conclusion, actor, times, URL).",
    service="github",
    guide='Use it to find "the last deploy" and its run id.',
    github=("actions: read",),
    read=_list_runs,
    source="GitHub",
)


class GetRunArgs(GhArgs):
    """Arguments of the agent's one-run read."""

    run_id: RunId
    """The run id (from list_workflow_runs)."""


def _get_run(reader: Reader, args: GetRunArgs) -> RunWithJobs:
    gh, repository = gh_client(reader), repository_of(reader, args.repository)
    return RunWithJobs(
        run=get_run(gh, repository, args.run_id), jobs=run_jobs(gh, repository, args.run_id)
    )


GET_RUN = Read(
    name="github.get_workflow_run",
    args=GetRunArgs,
    summary="One workflow run with its jobs and their steps (status and conclusion of each).",
    service="github",
    github=("actions: read",),
    read=_get_run,
    source="GitHub",
)
