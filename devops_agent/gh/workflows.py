"""GitHub Actions: workflows, their dispatch inputs, runs and jobs, watching a run, and
finding out why a run failed.

Reads run at once; :func:`dispatch` and :func:`set_state` change things and are called
only by the apply path (:mod:`devops_agent.gh.operations`).

Dispatch inputs are checked against the workflow file itself (read through the
contents API and parsed with PyYAML): every required input present, no input the file
does not declare, choices among their options, booleans ``true``/``false``. YAML 1.1
reads the key ``on`` as the boolean ``True``; both spellings are looked up.

Failure analysis (:func:`diagnose`) reads the failed jobs and steps of a run, downloads
each failed job's log (``GET …/actions/jobs/{id}/logs`` answers 302 to a signed URL; the
run's zip of logs is the fallback), and keeps the lines that explain the failure. Log
text is untrusted: it is cleaned (:func:`devops_agent.sanitize.clean_untrusted`, ANSI
colours removed), each line cut, and only a bounded number of lines kept. Rendering it
is the caller's job, inside a fenced block with backticks neutralised.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from pydantic import Field

from devops_agent.errors import BadInput, ServiceError
from devops_agent.gh.common import GhModel, api, check_repository, fetch_redirect, github_errors
from devops_agent.sanitize import clean_untrusted

if TYPE_CHECKING:
    from github import Github

#: Input types ``on.workflow_dispatch.inputs.<name>.type`` may declare.
INPUT_TYPES = ("string", "boolean", "choice", "number", "environment")
#: Job conclusions that mean the job failed.
FAILED = ("failure", "timed_out", "startup_failure")
#: Bytes of one job's log read for a diagnosis (its end is kept: failures are there).
JOB_LOG_BYTES = 2_000_000
#: Bytes of a run's zip of logs read at most.
RUN_ZIP_BYTES = 20_000_000
#: Lines of one job's log a diagnosis keeps, and characters per line.
MAX_LINES = 20
LINE_WIDTH = 300

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
_TIMESTAMP = re.compile(r"^\ufeff?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z ?")
_ERROR_MARK = re.compile(r"^##\[error\]\s*")
_NOISE = re.compile(r"^##\[(?:group|endgroup|debug|command|section)\]|^shell: ")
_SIGNAL = re.compile(
    r"""
    \b(?:[A-Z][A-Za-z]*)?Error:            # Error:, TypeError:, AssertionError: ...
    | \b[A-Z]\w*(?:Error|Exception)\b     # a named exception: tests/x.py:14: AssertionError
    | \berror(?:\[[A-Z]?\d+\]|\ [A-Z]+\d+)?:  # error: / error[E0425]: / error TS2322:
    | ^make(?:\[\d+\])?:\ \*\*\*           # make: *** [target] Error 2
    | \bERROR\b
    | ^E\s{2,}\S                           # pytest's failure detail lines
    | \bFAILED\b | ^FAIL\b | \bFAIL: | ^not\ ok\b
    | \bassert(?:ion)?\b.*\bfail
    | \bnpm\ ERR!
    | \bfatal: | \bpanic:
    | \bAn\ error\ occurred\ \(          # AWS CLI / boto3: An error occurred (AccessDenied) ...
    | \bAccess\ ?Denied\b | \bPermission\ denied\b
    | \bcommand\ not\ found\b | \bNo\ such\ file\ or\ directory\b
    | \bException\b
    | Process\ completed\ with\ exit\ code\ \d+
    | \bexit(?:ed)?\ (?:with\ )?(?:code|status)\ [1-9]\d*
    """,
    re.VERBOSE,
)
_TRACEBACK = "Traceback (most recent call last):"


class WorkflowInfo(GhModel):
    """One workflow of a repository."""

    id: int
    name: str
    """Its ``name:`` (or its path when it has none)."""
    path: str
    """File path, ``.github/workflows/deploy.yml``."""
    state: str
    """``active``, ``disabled_manually``, ``disabled_inactivity``…"""
    html_url: str = ""

    @property
    def file(self) -> str:
        """The file name GitHub also accepts as the workflow's id."""
        return self.path.rsplit("/", 1)[-1]


class InputSpec(GhModel):
    """One ``workflow_dispatch`` input the workflow file declares."""

    name: str
    type: str = "string"
    required: bool = False
    default: str | None = None
    """As a string (booleans as ``true``/``false``); ``None`` when there is none."""
    options: list[str] = Field(default_factory=list)
    """The choices of a ``choice`` input."""
    description: str = ""

    def describe(self) -> str:
        """``env (required, choice: dev|prod)``."""
        bits = ["required" if self.required else "optional"]
        if self.type == "choice":
            bits.append("choice: " + "|".join(self.options))
        elif self.type != "string":
            bits.append(self.type)
        if self.default is not None:
            bits.append(f"default {self.default}")
        return f"{self.name} ({', '.join(bits)})"


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
        """Link to the step in the job's log page."""
        return f"{self.html_url}#step:{step.number}:1" if self.html_url else ""


class JobDiagnosis(GhModel):
    """Why one job failed, from its steps and log."""

    job: JobInfo
    failed_steps: list[StepInfo] = Field(default_factory=list)
    lines: list[str] = Field(default_factory=list)
    """The log lines that explain the failure: cleaned, cut, bounded. Untrusted text."""
    log: Literal["job", "run", "none"] = "none"
    """Where the lines came from: the job's log, the run's zip, or nowhere."""
    note: str = ""
    """Why there are no lines, when there are none."""


class Diagnosis(GhModel):
    """A run's failure analysis."""

    run: RunInfo
    jobs: list[JobDiagnosis] = Field(default_factory=list)
    summary: str
    """One sentence; quotes at most one (cleaned) log line."""
    more_jobs: int = 0
    """Failed jobs not analysed (past the limit)."""


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


def _workflow(data: dict[str, Any]) -> WorkflowInfo:
    return WorkflowInfo(
        id=int(data["id"]),
        name=str(data.get("name") or data.get("path") or data["id"]),
        path=str(data.get("path") or ""),
        state=str(data.get("state") or ""),
        html_url=str(data.get("html_url") or ""),
    )


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


# ------------------------------------------------------------------- workflows


def list_workflows(gh: Github, repository: str) -> list[WorkflowInfo]:
    """Every workflow of the repository, in GitHub's order."""
    found: list[WorkflowInfo] = []
    page = 1
    with github_errors(f"list the workflows of {repository}", permission="actions: read"):
        while True:
            data = api(
                gh,
                "GET",
                f"/repos/{check_repository(repository)}/actions/workflows",
                params={"per_page": 100, "page": page},
            )
            batch = data.get("workflows") or []
            found.extend(_workflow(w) for w in batch)
            if len(batch) < 100:
                break
            page += 1
    return found


def find_workflow(gh: Github, repository: str, ref: str) -> WorkflowInfo:
    """The workflow ``ref`` names: its id, file name (``deploy.yml``), path or name."""
    workflows = list_workflows(gh, repository)
    wanted = ref.strip()
    for match in (
        lambda w: str(w.id) == wanted,
        lambda w: w.path == wanted or w.file == wanted,
        lambda w: w.file.lower() == wanted.lower() or w.path.lower() == wanted.lower(),
        lambda w: w.file.rsplit(".", 1)[0].lower() == wanted.lower(),
    ):
        hits = [w for w in workflows if match(w)]
        if len(hits) == 1:
            return hits[0]
    by_name = [w for w in workflows if w.name.lower() == wanted.lower()]
    if len(by_name) == 1:
        return by_name[0]
    known = ", ".join(f"`{w.file}` ({w.name})" for w in workflows) or "none"
    if len(by_name) > 1:
        raise BadInput(
            f"Several workflows are named '{wanted}'.",
            remedy=f"Name one by its file instead: {known}.",
        )
    raise BadInput(
        f"{repository} has no workflow '{wanted}'.",
        remedy=f"Its workflows are: {known}. Name one by file, name or id.",
    )


def workflow_file(gh: Github, repository: str, path: str, ref: str | None = None) -> str:
    """The text of ``path`` at ``ref`` (the default branch when ``None``)."""
    import base64

    params = {"ref": ref} if ref else None
    try:
        with github_errors(f"read {path}", permission="contents: read"):
            data = api(
                gh,
                "GET",
                f"/repos/{check_repository(repository)}/contents/{quote(path)}",
                params=params,
            )
    except ServiceError as exc:
        if exc.code == "404":
            where = f" at {ref}" if ref else ""
            raise BadInput(
                f"{path} does not exist{where} in {repository}.",
                remedy="Check the ref: `--ref` names a branch, tag or commit.",
            ) from None
        raise
    if not isinstance(data, dict) or data.get("type") != "file":
        raise BadInput(f"{path} is not a file.")
    if data.get("encoding") != "base64" or data.get("content") is None:
        raise ServiceError(f"GitHub did not return the content of {path}.", code="no-content")
    return base64.b64decode(str(data["content"])).decode("utf-8", "replace")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def declared_inputs(text: str) -> dict[str, InputSpec] | None:
    """The ``workflow_dispatch`` inputs a workflow file declares.

    Returns:
        Inputs by name (empty when it declares none), or ``None`` when the workflow has
        no ``workflow_dispatch`` trigger at all.
    """
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BadInput(f"The workflow file is not valid YAML: {exc}".splitlines()[0]) from None
    if not isinstance(data, dict):
        return None
    on = data.get("on", data.get(True))
    if isinstance(on, str):
        on = {on: None}
    elif isinstance(on, list):
        on = dict.fromkeys(str(o) for o in on)
    if not isinstance(on, dict) or "workflow_dispatch" not in on:
        return None
    trigger = on.get("workflow_dispatch")
    raw = (trigger or {}).get("inputs") if isinstance(trigger, dict) else None
    specs: dict[str, InputSpec] = {}
    for name, spec in (raw or {}).items():
        spec = spec if isinstance(spec, dict) else {}
        kind = str(spec.get("type") or "string")
        specs[str(name)] = InputSpec(
            name=str(name),
            type=kind if kind in INPUT_TYPES else "string",
            required=bool(spec.get("required")),
            default=_text(spec.get("default")),
            options=[str(o) for o in spec.get("options") or []],
            description=str(spec.get("description") or ""),
        )
    return specs


def validate_inputs(
    workflow: str, specs: dict[str, InputSpec] | None, given: dict[str, str]
) -> dict[str, str]:
    """Check ``given`` against the declared inputs; returns them normalised.

    Raises:
        BadInput: the workflow cannot be dispatched, an input is unknown or missing, a
            choice is not among its options, or a boolean or number does not parse.
    """
    if specs is None:
        raise BadInput(
            f"{workflow} has no `workflow_dispatch` trigger, so it cannot be run on demand.",
            remedy="Add `on: workflow_dispatch:` to the workflow file.",
        )
    listing = ", ".join(s.describe() for s in specs.values()) or "none"
    by_lower = {name.lower(): name for name in specs}
    values: dict[str, str] = {}
    unknown: list[str] = []
    for key, value in given.items():
        name = key if key in specs else by_lower.get(key.lower())
        if name is None:
            unknown.append(key)
        else:
            values[name] = value
    if unknown:
        raise BadInput(
            f"{workflow} has no input{'s' if len(unknown) > 1 else ''} "
            + ", ".join(f"'{u}'" for u in unknown)
            + ".",
            remedy=f"Its inputs are: {listing}.",
        )
    missing = [
        s.name for s in specs.values() if s.required and s.name not in values and s.default is None
    ]
    if missing:
        raise BadInput(
            f"{workflow} needs the input{'s' if len(missing) > 1 else ''} "
            + ", ".join(missing)
            + ".",
            remedy="Give "
            + " ".join(f"{m}=VALUE" for m in missing)
            + f". Its inputs are: {listing}.",
        )
    for name, value in values.items():
        spec = specs[name]
        if spec.type == "boolean":
            if value.lower() not in ("true", "false"):
                raise BadInput(f"Input {name} is a boolean: write {name}=true or {name}=false.")
            values[name] = value.lower()
        elif spec.type == "choice" and spec.options and value not in spec.options:
            raise BadInput(
                f"'{value}' is not a choice of input {name}.",
                remedy=f"Choose one of: {', '.join(spec.options)}.",
            )
        elif spec.type == "number":
            try:
                float(value)
            except ValueError:
                raise BadInput(f"Input {name} is a number, not '{value}'.") from None
    return values


def set_state(gh: Github, repository: str, workflow_id: int, enabled: bool) -> None:
    """Enable or disable a workflow (PUT: idempotent)."""
    verb = "enable" if enabled else "disable"
    with github_errors(f"{verb} workflow {workflow_id}", permission="actions: write"):
        api(
            gh,
            "PUT",
            f"/repos/{check_repository(repository)}/actions/workflows/{workflow_id}/{verb}",
        )


# ------------------------------------------------------------------------- runs


def list_runs(
    gh: Github,
    repository: str,
    *,
    workflow_id: int | None = None,
    event: str | None = None,
    branch: str | None = None,
    limit: int = 10,
) -> list[RunInfo]:
    """The newest runs (of one workflow, when given), newest first."""
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
    """One run; BadInput when it does not exist."""
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
    """The jobs of the run's latest attempt, with their steps."""
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
    """
    from devops_agent.gh.common import post_once

    def runs() -> list[RunInfo]:
        return list_runs(
            gh, repository, workflow_id=workflow_id, event="workflow_dispatch", limit=20
        )

    before = {r.id for r in runs()}

    def new_run() -> RunInfo | None:
        fresh = [r for r in runs() if r.id not in before]
        return fresh[0] if fresh else None

    path = f"/repos/{check_repository(repository)}/actions/workflows/{workflow_id}/dispatches"

    def attempt() -> bool:
        api(gh, "POST", path, body={"ref": ref, "inputs": inputs})
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


# ------------------------------------------------------------------ diagnosis


def _clean_line(line: str) -> str:
    line = _ERROR_MARK.sub("", line).strip()
    return line if len(line) <= LINE_WIDTH else line[: LINE_WIDTH - 1] + "…"


def extract_failure(text: str, *, max_lines: int = MAX_LINES) -> list[str]:
    """The lines of a log that explain a failure, in order, cleaned and bounded.

    Kept: ``##[error]`` annotations, ``Error:``/``error:`` lines, pytest's ``E`` and
    ``FAILED`` lines, failed assertions, ``npm ERR!``, ``fatal:``/``panic:``, exceptions
    and the last line of each Python traceback, and ``Process completed with exit code N``.
    Past ``max_lines`` the latest lines win, but up to five ``##[error]`` lines always stay.
    """
    text = clean_untrusted(_ANSI.sub("", text))
    lines = [_TIMESTAMP.sub("", raw).rstrip() for raw in text.split("\n")]
    picked: dict[str, tuple[int, bool]] = {}  # cleaned line: (first index, is ##[error])
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped == _TRACEBACK:
            # the exception is the first unindented line after the frames
            j = i + 1
            while j < len(lines) and (not lines[j].strip() or lines[j][:1].isspace()):
                j += 1
            if j < len(lines) and lines[j].strip():
                picked.setdefault(_clean_line(lines[j]), (j, False))
            i = j + 1
            continue
        if stripped and not _NOISE.search(stripped):
            is_error = bool(_ERROR_MARK.match(stripped))
            if is_error or _SIGNAL.search(stripped):
                cleaned = _clean_line(stripped)
                if cleaned and cleaned not in picked:
                    picked[cleaned] = (i, is_error)
        i += 1
    ordered = sorted(picked.items(), key=lambda kv: kv[1][0])
    errors = [kv for kv in ordered if kv[1][1]][-5:]
    others = [kv for kv in ordered if not kv[1][1]]
    room = max(max_lines - len(errors), 0)
    keep = errors + (others[-room:] if room else [])
    return [line for line, _ in sorted(keep, key=lambda kv: kv[1][0])]


def job_log(gh: Github, repository: str, job_id: int) -> str:
    """The end of one job's log (at most :data:`JOB_LOG_BYTES`)."""
    with github_errors(f"download the log of job {job_id}", permission="actions: read"):
        data = fetch_redirect(
            gh,
            f"/repos/{check_repository(repository)}/actions/jobs/{job_id}/logs",
            max_bytes=JOB_LOG_BYTES,
        )
    return data.decode("utf-8", "replace")


def run_logs(gh: Github, repository: str, run_id: int) -> dict[str, str]:
    """The run's zip of logs: ``job name: end of its log`` for each top-level job file."""
    import io
    import zipfile

    with github_errors(f"download the logs of run {run_id}", permission="actions: read"):
        data = fetch_redirect(
            gh,
            f"/repos/{check_repository(repository)}/actions/runs/{run_id}/logs",
            max_bytes=RUN_ZIP_BYTES + 1,
            keep="head",
        )
    if len(data) > RUN_ZIP_BYTES:
        return {}
    logs: dict[str, str] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if "/" in info.filename or not info.filename.endswith(".txt"):
                    continue
                name = re.sub(r"^\d+_", "", info.filename.removesuffix(".txt"))
                with archive.open(info) as handle:
                    raw = handle.read(JOB_LOG_BYTES * 4)
                logs[name] = raw[-JOB_LOG_BYTES:].decode("utf-8", "replace")
    except zipfile.BadZipFile:
        return {}
    return logs


def diagnose(
    gh: Github, repository: str, run_id: int, *, max_jobs: int = 5, run: RunInfo | None = None
) -> Diagnosis:
    """Why run ``run_id`` failed: its failed jobs and steps, and the log lines that say why."""
    run = run or get_run(gh, repository, run_id)
    jobs = run_jobs(gh, repository, run_id)
    failed = [j for j in jobs if j.conclusion in FAILED]
    if not failed:
        if run.status != "completed":
            state = run.status.replace("_", " ")
            summary = f"Run {run_id} is still {state}; no job has failed yet."
        elif run.conclusion in FAILED:
            summary = (
                f"Run {run_id} concluded {run.conclusion}, but none of its jobs failed "
                "(the workflow file may be invalid, or a job never started)."
            )
        else:
            summary = f"Run {run_id} concluded {run.conclusion}; there is no failure to explain."
        return Diagnosis(run=run, summary=summary)
    zipped: dict[str, str] | None = None
    results: list[JobDiagnosis] = []
    for job in failed[:max_jobs]:
        lines: list[str] = []
        source: Literal["job", "run", "none"] = "none"
        note = ""
        try:
            lines, source = extract_failure(job_log(gh, repository, job.id)), "job"
        except ServiceError:
            if zipped is None:
                try:
                    zipped = run_logs(gh, repository, run_id)
                except ServiceError:
                    zipped = {}
            if job.name in zipped:
                lines, source = extract_failure(zipped[job.name]), "run"
            else:
                note = "Its log could not be downloaded (logs expire after the retention period)."
        if source != "none" and not lines:
            note = "Its log has no line that looks like an error; open the job to read it."
        results.append(
            JobDiagnosis(job=job, failed_steps=job.failed_steps, lines=lines, log=source, note=note)
        )
    first = results[0]
    step = first.failed_steps[0] if first.failed_steps else None
    where = f" at step {step.number} ({clean_untrusted(step.name)[:80]})" if step else ""
    candidates = [line for line in first.lines if "exit code" not in line] or first.lines
    reason_text = candidates[0] if candidates else ""
    verb = "failed" if first.job.conclusion == "failure" else str(first.job.conclusion)
    summary = f"Job {clean_untrusted(first.job.name)[:80]} {verb}{where}"
    summary += f": {reason_text[:200]}" if reason_text else "."
    if len(failed) > 1:
        summary += f" ({len(failed)} jobs failed.)"
    return Diagnosis(
        run=run, jobs=results, summary=summary, more_jobs=max(len(failed) - max_jobs, 0)
    )
