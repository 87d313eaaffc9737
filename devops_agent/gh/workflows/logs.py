"""Why a workflow run failed, from its jobs, steps and logs; the ``workflows status``,
``workflows why`` and ``workflows watch`` commands, which all end in that answer.

:func:`diagnose` reads the failed jobs and steps of a run, downloads each failed job's
log (``GET …/actions/jobs/{id}/logs`` answers 302 to a signed URL; the run's zip of
logs is the fallback), and keeps the lines that explain the failure. Log text is
untrusted: it is cleaned (:func:`devops_agent.sanitize.clean_untrusted`, ANSI colours
removed), each line cut, and only a bounded number of lines kept.
:func:`diagnosis_markdown` shows it inside fenced blocks with backticks neutralised.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from devops_agent.errors import ServiceError
from devops_agent.gh.common import (
    GhArgs,
    GhModel,
    RunId,
    check_repository,
    code,
    fenced,
    fetch_redirect,
    gh_client,
    github_errors,
    repository_of,
)
from devops_agent.gh.workflows.files import find_workflow
from devops_agent.gh.workflows.runs import (
    FAILED,
    JobInfo,
    RunInfo,
    StepInfo,
    WatchResult,
    get_run,
    list_runs,
    run_jobs,
    watch_run,
)
from devops_agent.operation import Command, Option, Positional, Read, Reader
from devops_agent.report import Result, Table, dump, plural, when
from devops_agent.sanitize import clean_untrusted

if TYPE_CHECKING:
    from github import Github

__all__ = [
    "JOB_LOG_BYTES",
    "LINE_WIDTH",
    "MAX_LINES",
    "RUN_ZIP_BYTES",
    "Diagnosis",
    "JobDiagnosis",
    "NoFailedRun",
    "WorkflowStatus",
    "diagnose",
    "diagnosis_markdown",
    "extract_failure",
    "job_log",
    "run_logs",
]

#: Bytes of one job's log read for a diagnosis (its end is kept: failures are there).
JOB_LOG_BYTES = 2_000_000
#: Bytes of a run's zip of logs read at most.
RUN_ZIP_BYTES = 20_000_000
#: Lines of one job's log a diagnosis keeps, and characters per line.
MAX_LINES = 20
LINE_WIDTH = 300
#: Longest wait of one ``workflows watch`` or ``watch_workflow_run`` (the tool's own
#: time limit is 30 s more).
MAX_WATCH = 300.0
#: Newest runs ``diagnose_workflow_run`` looks through for a failed one.
RECENT_RUNS = 30

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


class NoFailedRun(GhModel):
    """What a diagnosis of "the newest failed run" finds when there is none."""

    summary: str
    runs: list[RunInfo] = Field(default_factory=list)


def _clean_line(line: str) -> str:
    line = _ERROR_MARK.sub("", line).strip()
    return line if len(line) <= LINE_WIDTH else line[: LINE_WIDTH - 1] + "…"


def extract_failure(text: str, *, max_lines: int = MAX_LINES) -> list[str]:
    """The lines of a log that explain a failure, in order, cleaned and bounded.

    Kept: ``##[error]`` annotations, ``Error:``/``error:`` lines, pytest's ``E`` and
    ``FAILED`` lines, failed assertions, ``npm ERR!``, ``fatal:``/``panic:``, exceptions
    and the last line of each Python traceback, and ``Process completed with exit code N``.
    Past ``max_lines`` the latest lines win, but up to five ``##[error]`` lines always stay.

    Args:
        text: A job's log.
        max_lines: Most lines returned.

    Returns:
        The telling lines, in order, without timestamps or colour codes; secrets are
        redacted by the caller.
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
    """The end of one job's log (at most :data:`JOB_LOG_BYTES`).

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        job_id: The job's id.

    Returns:
        The log's end, as text.
    """
    with github_errors(f"download the log of job {job_id}", permission="actions: read"):
        data = fetch_redirect(
            gh,
            f"/repos/{check_repository(repository)}/actions/jobs/{job_id}/logs",
            max_bytes=JOB_LOG_BYTES,
        )
    return data.decode("utf-8", "replace")


def run_logs(gh: Github, repository: str, run_id: int) -> dict[str, str]:
    """The run's zip of logs: ``job name: end of its log`` for each top-level job file.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        run_id: The workflow run's id.

    Returns:
        Job name to the end of its log.
    """
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
    """Why run ``run_id`` failed: its failed jobs and steps, and the log lines that say why.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        run_id: The workflow run's id.
        max_jobs: Most failed jobs whose logs are read.
        run: The run, when already read.

    Returns:
        The run, its failed jobs and steps, and each job's telling log lines.
    """
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


def _failed(conclusion: str | None) -> str:
    return "failed" if conclusion == "failure" else (conclusion or "").replace("_", " ")


def diagnosis_markdown(diagnosis: Diagnosis) -> tuple[str, list[Table]]:
    """Markdown for a diagnosis: the jobs in a table, each job's log lines fenced.

    Args:
        diagnosis: What :func:`diagnose` found.

    Returns:
        The text (log lines fenced) and the jobs' table.
    """
    rows = []
    blocks = []
    for item in diagnosis.jobs:
        job = item.job
        steps = "; ".join(f"{s.number}. {s.name}" for s in item.failed_steps) or "-"
        link = job.step_url(item.failed_steps[0]) if item.failed_steps else job.html_url
        rows.append([job.name, job.conclusion or job.status, steps, link])
        header = [f"# job: {job.name}" + (f" / step: {steps}" if item.failed_steps else "")]
        if item.lines:
            blocks.append(fenced(header + item.lines))
        elif item.note:
            blocks.append(fenced([*header, f"# {item.note}"]))
    if diagnosis.jobs:
        first = diagnosis.jobs[0]
        step = first.failed_steps[0] if first.failed_steps else None
        text = f"**Diagnosis:** job {code(first.job.name)} {_failed(first.job.conclusion)}"
        if step is not None:
            text += f" at step {step.number} {code(step.name)}"
        text += "." if len(diagnosis.jobs) == 1 else f"; {len(diagnosis.jobs)} jobs failed."
        if not any(item.lines for item in diagnosis.jobs):
            text += " No log line says why; open the job to read its log."
    else:
        run = diagnosis.run
        text = f"**Diagnosis:** run {run.id} is {run.conclusion or run.status}; no job failed."
    if blocks:
        text += "\n\n" + "\n\n".join(blocks)
    if diagnosis.more_jobs:
        text += f"\n\n{plural(diagnosis.more_jobs, 'more failed job')} not analysed."
    tables = []
    if rows:
        tables.append(
            Table(
                title="Failed jobs", columns=["Job", "Conclusion", "Failed step", "Link"], rows=rows
            )
        )
    return text, tables


# --------------------------------------------------------------------------- operations


class WorkflowStatus(GhModel):
    """The newest runs, or one run with its jobs (and why it failed)."""

    repository: str
    scope: str = ""
    """What the runs are of: a workflow file, or the repository."""
    runs: list[RunInfo] = Field(default_factory=list)
    run: RunInfo | None = None
    jobs: list[JobInfo] = Field(default_factory=list)
    diagnosis: Diagnosis | None = None


class StatusArgs(GhArgs):
    """Arguments of ``workflows status``."""

    run_id: Annotated[RunId | None, Positional()] = None
    """One run to show with its jobs; null for the newest runs."""
    workflow: str | None = None
    """Without run_id, only runs of this workflow (file name, name or id)."""


def _status(reader: Reader, args: StatusArgs) -> WorkflowStatus:
    gh, repository = gh_client(reader), repository_of(reader, args.repository)
    if args.run_id is None:
        wf = find_workflow(gh, repository, args.workflow) if args.workflow else None
        runs = list_runs(gh, repository, workflow_id=wf.id if wf else None, limit=10)
        return WorkflowStatus(repository=repository, scope=wf.file if wf else repository, runs=runs)
    run = get_run(gh, repository, args.run_id)
    jobs = run_jobs(gh, repository, args.run_id)
    diagnosis = diagnose(gh, repository, args.run_id, run=run) if run.conclusion in FAILED else None
    return WorkflowStatus(repository=repository, run=run, jobs=jobs, diagnosis=diagnosis)


_RUN_COLUMNS = ["Run", "Workflow", "#", "Event", "Branch", "Status", "Conclusion", "Actor"]


def _status_result(reader: Reader, args: StatusArgs, status: WorkflowStatus) -> Result:
    run = status.run
    if run is None:
        rows = [
            [
                r.id,
                r.name,
                r.run_number,
                r.event,
                r.head_branch or "",
                r.status,
                r.conclusion or "",
                r.actor,
                when(r.created_at),
            ]
            for r in status.runs
        ]
        return Result(
            title=f"Latest {plural(len(status.runs), 'workflow run')} of {status.scope}",
            tables=[Table(columns=[*_RUN_COLUMNS, "Created"], rows=rows, empty="No runs yet.")],
            data={"repository": status.repository, "runs": dump(status.runs)},
        )
    rows = [
        [
            j.name,
            j.status,
            j.conclusion or "",
            "; ".join(f"{s.number}. {s.name}" for s in j.failed_steps),
            j.html_url,
        ]
        for j in status.jobs
    ]
    tables = [
        Table(
            title="Jobs",
            columns=["Job", "Status", "Conclusion", "Failed steps", "Link"],
            rows=rows,
            empty="No jobs yet.",
        )
    ]
    place = code(run.head_branch or run.head_sha[:7])
    text = f"Run {run.id} of {code(run.name)} on {place}: {run.html_url}"
    data: dict[str, object] = {"run": run.model_dump(mode="json"), "jobs": dump(status.jobs)}
    if status.diagnosis is not None:
        more, _ = diagnosis_markdown(status.diagnosis)
        text += "\n\n" + more
        data["diagnosis"] = status.diagnosis.model_dump(mode="json")
    state = run.conclusion or run.status.replace("_", " ")
    return Result(
        title=f"Run {run.id} (#{run.run_number}): {state}", text=text, tables=tables, data=data
    )


STATUS = Read(
    name="github.workflow_status",
    args=StatusArgs,
    summary="Recent runs, or one run with its jobs (and why it failed).",
    service="github",
    commands=(
        Command(
            "workflows status [RUN_ID]",
            "Recent runs, or one run with its jobs (and why it failed).",
        ),
    ),
    guide="The newest runs (of one workflow, or all), or one run with its jobs and, when it "
    "failed, why. list_workflow_runs, get_workflow_run and diagnose_workflow_run do the same "
    "in parts.",
    github=("actions: read",),
    read=_status,
    render=_status_result,
    source="GitHub",
)


class DiagnoseArgs(GhArgs):
    """Arguments of ``workflows why``."""

    run_id: Annotated[RunId | None, Positional()] = None
    """The run to diagnose; null for the newest failed run."""
    workflow: str | None = None
    """With no run_id, look only at this workflow (file name, name or id)."""


def _diagnose(reader: Reader, args: DiagnoseArgs) -> Diagnosis | NoFailedRun:
    gh, repository = gh_client(reader), repository_of(reader, args.repository)
    run_id = args.run_id
    if run_id is None:
        wf = find_workflow(gh, repository, args.workflow) if args.workflow else None
        runs = list_runs(gh, repository, workflow_id=wf.id if wf else None, limit=RECENT_RUNS)
        failed = [r for r in runs if r.conclusion in FAILED]
        if not failed:
            return NoFailedRun(summary=f"No failed run among the newest {RECENT_RUNS}.")
        run_id = failed[0].id
    return diagnose(gh, repository, run_id)


def _diagnosis_result(
    reader: Reader, args: DiagnoseArgs, diagnosis: Diagnosis | NoFailedRun
) -> Result:
    if isinstance(diagnosis, NoFailedRun):
        return Result(title=diagnosis.summary, data={"diagnosis": None})
    text, tables = diagnosis_markdown(diagnosis)
    run = diagnosis.run
    return Result(
        title=f"Why run {run.id} (#{run.run_number}) {_failed(run.conclusion) or run.status}",
        text=f"{text}\n\nRun: {run.html_url}",
        tables=tables,
        data={"diagnosis": diagnosis.model_dump(mode="json")},
    )


WHY = Read(
    name="github.diagnose_workflow_run",
    args=DiagnoseArgs,
    summary="Why a run failed: failed jobs and steps, and the log lines that say why.",
    service="github",
    commands=(
        Command(
            "workflows why RUN_ID",
            "Why a run failed: failed jobs and steps, and the log lines that say why.",
        ),
    ),
    guide="Without run_id it diagnoses the newest failed run (of `workflow`, when given). Log "
    'lines are cut to the ones that matter (at most 20 per job). Use it for "why did the '
    'deploy fail?".',
    github=("actions: read",),
    read=_diagnose,
    render=_diagnosis_result,
    source="GitHub",
)


class WatchArgs(GhArgs):
    """Arguments of ``workflows watch``."""

    run_id: Annotated[RunId, Positional()]
    """The run to watch."""
    timeout_seconds: Annotated[float | None, Option("--timeout"), Field(gt=0)] = None
    """Longest wait in seconds, at most 300; null for 300 (less when the run's own time
    limit is shorter)."""


def _watch_limit(reader: Reader, asked: float | None) -> float:
    """Seconds to watch: as asked, at most :data:`MAX_WATCH` and 30 s below the run's limit."""
    most = min(MAX_WATCH, max(reader.settings.timeout_seconds - 30, 1))
    return min(asked or most, most)


def _watch(reader: Reader, args: WatchArgs) -> WatchResult:
    gh, repository = gh_client(reader), repository_of(reader, args.repository)
    timeout = _watch_limit(reader, args.timeout_seconds)
    return watch_run(gh, repository, args.run_id, timeout=timeout)


def _watch_result(reader: Reader, args: WatchArgs, watched: WatchResult) -> Result:
    run = watched.run
    timeout = _watch_limit(reader, args.timeout_seconds)
    data: dict[str, object] = {"watch": watched.model_dump(mode="json")}
    text = f"Watched for {watched.waited:.0f} s ({plural(watched.polls, 'poll')}): {run.html_url}"
    if not watched.finished:
        return Result(
            status="failure",
            exit_code=1,
            title=f"Run {run.id} is still {run.status.replace('_', ' ')} after {timeout:.0f} s",
            text=text + "\n\nWatch it again, or raise `--timeout`.",
            data=data,
        )
    if run.conclusion in FAILED:
        repository = repository_of(reader, args.repository)
        diagnosis = diagnose(gh_client(reader), repository, args.run_id, run=run)
        more, tables = diagnosis_markdown(diagnosis)
        data["diagnosis"] = diagnosis.model_dump(mode="json")
        return Result(
            status="failure",
            exit_code=1,
            title=f"Run {run.id} (#{run.run_number}) finished: {run.conclusion}",
            text=f"{text}\n\n{more}",
            tables=tables,
            data=data,
        )
    ok = run.conclusion in ("success", "skipped", "neutral")
    return Result(
        status="success" if ok else "failure",
        exit_code=0 if ok else 1,
        title=f"Run {run.id} (#{run.run_number}) finished: {run.conclusion}",
        text=text,
        data=data,
    )


WATCH = Read(
    name="github.watch_workflow_run",
    args=WatchArgs,
    summary="Wait for a run to finish (backing off) and report how it ended.",
    service="github",
    commands=(
        Command(
            "workflows watch RUN_ID [--timeout S]",
            "Wait for a run to finish (backing off) and report how it ended.",
        ),
    ),
    guide="Polls with growing pauses. Returns finished=false if it is still running when the "
    "wait ends; call diagnose_workflow_run next if it failed.",
    github=("actions: read",),
    timeout=MAX_WATCH + 30,
    read=_watch,
    render=_watch_result,
    source="GitHub",
)
