"""Posting a run's answer: reaction, one comment, a check run, the job summary, outputs.

The comment and the check run appear when the run starts taking time: a run that
answers within :data:`GRACE_SECONDS` posts its comment and completed check run
once (the 👀 reaction has already told the user it was seen); a slower run posts
a progress comment and an ``in_progress`` check run at that moment and edits both
when it ends. Either way the user sees exactly one comment and one check run, and
a fast ``/devops ec2 list`` on a PR costs five API requests.

Whatever happens after the reaction, :meth:`Publisher.finish` is called with a
final result, and it never raises: a failure to post is logged and annotated.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devops_agent import report
from devops_agent.actions import Runner
from devops_agent.errors import DevOpsError
from devops_agent.events import CommentEvent, Event, ScheduleEvent
from devops_agent.sanitize import REDACTED, Redactor, clean_untrusted, is_secret_name, strip_markers

if TYPE_CHECKING:
    from github import Github
    from github.CheckRun import CheckRun
    from github.Issue import Issue
    from github.IssueComment import IssueComment

    from devops_agent.settings import Settings

#: Seconds a run may take before a progress comment and check run are posted.
GRACE_SECONDS = 2.0
REPORT_PATH = Path(".devops-agent") / "report.json"

_CONCLUSIONS = {
    "success": "success",
    "applied": "success",
    "planned": "neutral",
    "ignored": "skipped",
    "refused": "action_required",
    "failure": "failure",
}


def answer_marker(event: Event) -> str:
    """Hidden marker that ties an answer comment to the comment that asked.

    Args:
        event: The run's event.

    Returns:
        ``<!-- devops-agent:answer ID -->`` with the asking comment's id (0 outside a comment).
    """
    comment_id = event.comment_id if isinstance(event, CommentEvent) else 0
    return f"<!-- devops-agent:answer {comment_id} -->"


def usage_line(usage: dict[str, object]) -> str:
    """``🤖 3 turns · 3 model requests · 1,234 tokens``: what a model answer cost.

    Args:
        usage: The agent's usage data (``turns``, ``requests``, ``total_tokens``).

    Returns:
        One line for the answer's footer.
    """

    def count(key: str) -> int:
        value = usage.get(key, 0)
        return int(value) if isinstance(value, int | float) else 0

    turns, requests, tokens = count("turns"), count("requests"), count("total_tokens")
    cost = usage.get("cost_usd")
    money = f" · ${cost:.4f}" if isinstance(cost, int | float) else ""
    return (
        f"🤖 {turns} turn{'s' if turns != 1 else ''} · "
        f"{requests} model request{'s' if requests != 1 else ''} · {tokens:,} tokens{money}"
    )


def spend(result: report.Result) -> tuple[int, str]:
    """The ``tokens`` and ``cost-usd`` outputs: the model's tokens and their cost in US
    dollars (``0`` and ``0`` when no model ran; an empty cost when its price is unknown).

    Args:
        result: The run's result; the agent puts its usage under ``data["usage"]``.

    Returns:
        ``(tokens, cost)``, the cost as text with six decimals.
    """
    usage = result.data.get("usage") if isinstance(result.data, dict) else None
    if not isinstance(usage, dict):
        return 0, "0"
    tokens = usage.get("total_tokens")
    cost = usage.get("cost_usd")
    return (
        int(tokens) if isinstance(tokens, int | float) else 0,
        f"{cost:.6f}" if isinstance(cost, int | float) else "",
    )


def quote_command(text: str, limit: int = 120) -> str:
    """The user's command, safe for inline code in Markdown.

    Args:
        text: The command as typed (untrusted).
        limit: Most characters kept; a cut ends with ``…``.

    Returns:
        Its first line, cleaned, backticks made quotes.
    """
    line = clean_untrusted(text).splitlines()[0] if text.strip() else ""
    line = line.replace("`", "'")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _redacted_rows(table: report.Table, redact: Redactor) -> list[list[object]]:
    """A table's rows with secrets out: by shape, and by name in ``Key``/``Value`` columns."""
    names = [str(c).strip().lower() for c in table.columns]
    key_at = next((names.index(n) for n in ("key", "name", "tag", "variable") if n in names), -1)
    value_at = names.index("value") if "value" in names else -1
    rows: list[list[object]] = []
    for row in table.rows:
        cells = [redact.redact_data(cell) for cell in row]
        if (
            0 <= key_at < len(cells)
            and 0 <= value_at < len(cells)
            and is_secret_name(str(row[key_at]))
            and cells[value_at] not in ("", None)
        ):
            cells[value_at] = REDACTED
        rows.append(cells)
    return rows


class Publisher:
    """Posts one run's answer wherever its trigger expects it."""

    def __init__(
        self,
        runner: Runner,
        event: Event,
        *,
        gh: Github | None = None,
        requester: str = "",
        grace: float = GRACE_SECONDS,
        workspace: Path | None = None,
        head: Callable[[], str] | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.runner = runner
        self.settings = settings
        """The inputs, for what they say about publishing (``audit-format``)."""
        self.event = event
        self.gh = gh
        self.requester = requester
        self.grace = grace
        self.workspace = workspace
        self.command = ""
        self.started = time.monotonic()
        self.started_at = datetime.now(UTC)
        self.comment: IssueComment | None = None
        self.check: CheckRun | None = None
        self.head = head
        self._usage: dict[str, object] | None = None
        """Returns the PR head SHA (shared with the run so it is fetched once); None off PRs."""
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._finished = False

    # -- what each trigger gets -------------------------------------------------

    @property
    def thread(self) -> CommentEvent | None:
        """The comment event, when the run answers on an issue or PR thread."""
        return self.event if isinstance(self.event, CommentEvent) and self.gh else None

    def acknowledge(self) -> None:
        """React 👀 to the triggering comment; a failure here never stops the run."""
        thread = self.thread
        if thread is None:
            return
        from devops_agent.gh.issues import react

        try:
            react(self.gh, thread.repository, thread.number, thread.comment_id)  # type: ignore[arg-type]
        except DevOpsError as exc:
            self.runner.warning(f"Could not add the 👀 reaction: {exc.explain()}")

    def start(self, command: str) -> None:
        """The run has begun: post progress if it is still going after the grace period.

        Args:
            command: The command as typed, for the progress comment.
        """
        self.command = command
        if self.thread is None:
            return
        if self.grace <= 0:
            self._post_progress()
            return
        self._timer = threading.Timer(self.grace, self._post_progress)
        self._timer.daemon = True
        self._timer.start()

    def redacted(self, result: report.Result) -> report.Result:
        """``result`` with every secret out of its text, tables, data and report.

        Done once, before anything is rendered, so the comment, the job summary, the
        ``result`` output and the report file all show the same (redacted) values:
        structured data is redacted by key (``{"DB_PASSWORD": …}``, a ``Key``/``Value``
        tag) as well as by shape, which text patterns over its JSON would miss.

        Args:
            result: The run's result.

        Returns:
            A redacted copy; ``result`` is unchanged.
        """
        redact = self.runner.redact
        tables = [
            table.model_copy(update={"rows": _redacted_rows(table, redact)})
            for table in result.tables
        ]
        return result.model_copy(
            update={
                "title": redact(result.title),
                "text": redact(result.text),
                "command": redact(result.command),
                "tables": tables,
                "data": redact.redact_data(result.data),
                "report": redact.redact_data(result.report) if result.report is not None else None,
            }
        )

    def finish(self, result: report.Result) -> report.Result:
        """Post the final answer everywhere; never raises.

        Redacts the result, writes the report files, updates the living audit issue on
        a schedule, then posts the job summary, the answer comment (on a thread) and the
        step outputs.

        Args:
            result: The run's result, not yet redacted.

        Returns:
            The result as it finally stands: an audit whose living issue could not be
            created or updated has failed (exit 1), whatever it found.
        """
        result = self.redacted(result)
        with self._lock:
            self._finished = True
            if self._timer is not None:
                self._timer.cancel()
        usage = result.data.get("usage") if isinstance(result.data, dict) else None
        self._usage = usage if isinstance(usage, dict) else None
        written = self._write_report(result)
        audit = _audit_of(result)
        previous: tuple[object, bool] | None = None
        if isinstance(self.event, ScheduleEvent) and result.report is not None:
            result, previous = self._audit_issue(result, written)
        body = report.render_body(result)
        if audit is not None:
            body = self._audit_body(result, audit, "comment", written, previous)
        self._summary(
            result,
            self._audit_body(result, audit, "summary", written, previous)
            if audit is not None
            else body,
        )
        if self.thread is not None:
            self._post_final(result, body)
        self._outputs(result)
        return result

    def _audit_body(
        self,
        result: report.Result,
        audit: tuple[Any, list[str]],
        place: str,
        written: dict[str, str],
        previous: tuple[object, bool] | None,
    ) -> str:
        """The answer with the audit's text sized for ``place``, pointing at what exists."""
        from devops_agent.audit.markdown import Pointer
        from devops_agent.audit.result import audit_body

        run_url = self.runner.env.run_url
        pointer = Pointer(
            summary_url=run_url if place != "summary" else "",
            report_path=written.get("json", ""),
            artifacts_url=f"{run_url}#artifacts" if run_url and written else "",
        )
        prior, unknown = previous if previous is not None else (None, False)
        text = audit_body(
            audit[0],
            place,  # type: ignore[arg-type]
            previous=prior,  # type: ignore[arg-type]
            state_unknown=unknown,
            pointer=pointer,
            notes=[*audit[1], *_result_notes(result)],
        )
        return self.runner.redact(report.render_body(result.model_copy(update={"text": text})))

    # -- the thread: comment and check run ----------------------------------------

    def _footer(self, *, final: bool) -> str:
        bits = ["devops-agent"]
        if self.command:
            bits.append(f"`{quote_command(self.command)}`")
        if self.requester:
            bits.append(f"asked by @{self.requester}")
        if final:
            bits.append(f"{time.monotonic() - self.started:.1f} s")
            if self._usage:
                bits.append(usage_line(self._usage))
        if self.runner.env.run_url:
            bits.append(f"[run]({self.runner.env.run_url})")
        return "<sub>" + " · ".join(bits) + "</sub>"

    def _compose(self, body: str, *, final: bool, block: str = "") -> str:
        head = answer_marker(self.event)
        footer = self._footer(final=final)
        tail = f"\n\n{block}" if block else ""
        room = report.COMMENT_BUDGET - len(head) - len(footer) - len(tail) - 8
        # Nothing in the body may pose as the action's markers or a plan block: only
        # ``block`` (rendered by plans.render_block) carries one.
        fitted = strip_markers(report.fit(body, limit=room, more_url=self.runner.env.run_url))
        return self.runner.redact(f"{head}\n{fitted}\n\n{footer}{tail}")

    def _head(self) -> str | None:
        return self.head() if self.head is not None else None

    def _existing_answer(self) -> IssueComment | None:
        """On a re-run of the same job, find the answer the first attempt posted."""
        thread = self.thread
        if thread is None or self.runner.env.run_attempt <= 1:
            return None
        from devops_agent.gh.identity import own_login
        from devops_agent.gh.issues import find_comment

        login = own_login(self.gh)  # type: ignore[arg-type]
        found = find_comment(self.gh, thread.repository, thread.number, answer_marker(thread))  # type: ignore[arg-type]
        return found if found is not None and found.user.login == login else None

    def _show(self, text: str) -> None:
        from devops_agent.gh.issues import create_comment_once, edit_comment

        thread = self.thread
        assert thread is not None
        if self.comment is None:
            self.comment = self._existing_answer()
        if self.comment is None:
            self.comment = create_comment_once(
                self.gh,  # type: ignore[arg-type]
                thread.repository,
                thread.number,
                text,
                answer_marker(thread),
            )
        else:
            edit_comment(self.comment, text)

    def _post_progress(self) -> None:
        with self._lock:
            if self._finished:
                return
            body = f"### ⏳ Working on `{quote_command(self.command)}`…"
            try:
                self._show(self._compose(body, final=False))
                sha = self._head()
                if sha:
                    from devops_agent.gh.checks import start_check

                    self.check = start_check(
                        self.gh,  # type: ignore[arg-type]
                        self.thread.repository,  # type: ignore[union-attr]
                        sha,
                        title="Working…",
                        summary=self.runner.redact(body),
                        details_url=self.runner.env.run_url,
                    )
            except DevOpsError as exc:
                self.runner.warning(f"Could not post progress: {exc.explain()}")

    def _post_final(self, result: report.Result, body: str) -> None:
        with self._lock:
            try:
                self._show(self._compose(body, final=True, block=result.plan_block))
            except DevOpsError as exc:
                self.runner.error(f"Could not post the answer comment: {exc.explain()}")
            if result.status == "refused" and self.check is None:
                return  # a stranger's comment does not get a check run on the PR
            try:
                sha = self._head()
                if sha:
                    from devops_agent.gh.checks import complete_check

                    self.check = complete_check(
                        self.gh,  # type: ignore[arg-type]
                        self.thread.repository,  # type: ignore[union-attr]
                        sha,
                        conclusion=_CONCLUSIONS[result.status],
                        title=self.runner.redact(result.title),
                        summary=self.runner.redact(report.fit(body, limit=60_000)),
                        started_at=self.started_at,
                        check=self.check,
                        details_url=self.runner.env.run_url,
                    )
            except DevOpsError as exc:
                self.runner.error(f"Could not complete the check run: {exc.explain()}")

    def _audit_issue(
        self, result: report.Result, written: dict[str, str]
    ) -> tuple[report.Result, tuple[object, bool] | None]:
        """Scheduled audits keep one open ``devops-audit`` issue up to date.

        A failure to create or update it fails the run (exit 1, ``status=failure`` and
        an ``::error`` that says why): a living issue that silently never appears is
        worse than a red run.
        """
        if self.gh is None or result.report is None:
            return result, None
        try:
            outcome = update_audit_issue(
                self.gh,
                self.event.repository,
                result.report,
                run_url=self.runner.env.run_url,
                report_path=written.get("json", ""),
                redact=self.runner.redact,
            )
        except DevOpsError as exc:
            why = f"Could not create or update the {AUDIT_LABEL} issue: {exc.explain()}"
            self.runner.error(why)
            data = dict(result.data) if isinstance(result.data, dict) else {}
            data["issue_error"] = why
            failed = result.model_copy(
                update={"status": "failure", "exit_code": max(1, result.exit_code), "data": data}
            )
            return failed, None
        self.runner.info(
            f"devops-agent: audit issue {outcome.action}{': ' + outcome.url if outcome.url else ''}"
        )
        if outcome.url:
            self.runner.set_output("comment-url", outcome.url)
        return result, (outcome.previous, outcome.state_unknown)

    # -- always: summary, report file, outputs --------------------------------------

    def _summary(self, result: report.Result, body: str) -> None:
        audit = (
            f"\n\n`{' '.join(self.runner.redact(result.audit).split())}`" if result.audit else ""
        )
        try:
            self.runner.summary(f"{body}\n\n{self._footer(final=True)}{audit}")
        except OSError as exc:
            self.runner.warning(f"Could not write the job summary: {exc}")

    def _write_report(self, result: report.Result) -> dict[str, str]:
        """Write the JSON report (and an audit's other formats); their paths by format.

        Paths are relative to the workspace: the same inside the action's container
        (/github/workspace) and for later steps on the runner.
        """
        if self.workspace is None:
            return {}
        written: dict[str, str] = {}
        path = self.workspace / REPORT_PATH
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            content = result.report if result.report is not None else report.render_json(result)
            path.write_text(
                self.runner.redact(json.dumps(content, indent=2, default=str)), encoding="utf-8"
            )
            written["json"] = str(REPORT_PATH)
            self.runner.set_output("report", str(REPORT_PATH))
        except OSError as exc:
            self.runner.warning(f"Could not write the report file {path}: {exc}")
        audit = _audit_of(result)
        if audit is not None:
            written.update(self._write_formats(audit[0]))
            self.runner.set_output("report-files", written)
        return written

    def _write_formats(self, audit: Any) -> dict[str, str]:
        """The audit in the formats the ``audit-format`` input names, beside report.json."""
        from devops_agent.audit.formats import FILE_NAMES, render

        formats = getattr(self.settings, "audit_format", ()) if self.settings else ()
        written: dict[str, str] = {}
        for fmt in formats:
            if fmt == "json" or fmt not in FILE_NAMES:
                continue
            relative = REPORT_PATH.parent / FILE_NAMES[fmt]
            try:
                text = render(
                    audit,
                    fmt,
                    home_region=self.settings.aws_region if self.settings else "",
                    report_path=str(REPORT_PATH),
                )
                # Made from the report already redacted (``redacted``) and the checks' own
                # metadata: no second pass over megabytes of JSON.
                (self.workspace / relative).write_text(text, encoding="utf-8")  # type: ignore[operator]
                written[fmt] = str(relative)
            except OSError as exc:
                self.runner.warning(f"Could not write the {fmt} report {relative}: {exc}")
        return written

    def _outputs(self, result: report.Result) -> None:
        self.runner.set_output("status", result.status)
        self.runner.set_output("result", report.render_json(result))
        if self.comment is not None:
            self.runner.set_output("comment-url", getattr(self.comment, "html_url", "") or "")
        if isinstance(result.data, dict) and "plan_id" in result.data:
            self.runner.set_output("plan-id", str(result.data["plan_id"]))
        if isinstance(result.data, dict) and "findings_count" in result.data:
            self.runner.set_output("findings", str(result.data["findings_count"]))
        tokens, cost = spend(result)
        self.runner.set_output("tokens", str(tokens))
        self.runner.set_output("cost-usd", cost)


# ---------------------------------------------------------------- the audit issue
# The one open ``devops-audit`` issue a scheduled audit keeps up to date: created the
# first time there is something to report, edited afterwards, and closed when nothing is
# left. Only an issue written by the action's own identity is ever edited.
#
# Its body never exceeds GitHub's 65,536 characters, whatever the estate: every failing
# check gets a row, the details get the room that is left, and the rest is pointed to (the
# job summary, the JSON report). What is new and resolved comes from the last audit's open
# findings, kept in a hidden marker (audit/history.py); when they do not fit in the body
# they are split over hidden comments on the issue, also only ever read from the action's
# own identity, so the counts stay exact at any size.

AUDIT_LABEL = "devops-audit"
AUDIT_MARKER = "<!-- devops-agent:audit-issue -->"
#: GitHub's limit on an issue (and comment) body.
ISSUE_LIMIT = 65_536
#: Most characters of the last audit's state kept in the body itself (about 2,000 findings).
STATE_INLINE = 18_000
#: Most characters of state per hidden comment (about 7,000 findings each).
STATE_PART = 60_000
_STATE_NOTE = (
    "<sub>The devops-agent audit keeps the state of its findings here (part {n} of {of}) "
    "to tell what is new and what was resolved next time. Please leave it.</sub>"
)


def _audit_of(result: report.Result) -> tuple[Any, list[str]] | None:
    """The audit report and notes of ``result``; ``None`` for any other answer."""
    if result.report is None:
        return None
    from devops_agent.audit.result import report_of

    try:
        return report_of(result)
    except ValueError:
        return None


def _result_notes(result: report.Result) -> list[str]:
    data = result.data if isinstance(result.data, dict) else {}
    error = data.get("issue_error")
    return [f"❌ {error}"] if error else []


def _find_audit_issue(gh: Github, repository: str, own: str) -> Issue | None:
    for issue in gh.get_repo(repository).get_issues(state="open", labels=[AUDIT_LABEL]):
        if issue.user.login == own and AUDIT_MARKER in (issue.body or ""):
            return issue
    return None


def _state_comments(issue: Issue, own: str) -> list[IssueComment]:
    """The issue's hidden state comments that the action itself wrote, oldest first."""
    from devops_agent.audit.history import STATE_PART_MARKER

    return [
        c
        for c in issue.get_comments()
        if c.user.login == own and STATE_PART_MARKER in (c.body or "")
    ]


class IssueOutcome:
    """What :func:`update_audit_issue` did, and the state it read."""

    def __init__(
        self, action: str, url: str, previous: object = None, state_unknown: bool = False
    ) -> None:
        self.action = action
        self.url = url
        self.previous = previous
        """The last audit's open findings (a ``Previous``), or ``None``."""
        self.state_unknown = state_unknown
        """The issue had a state that could not be read back (a part was missing)."""


def audit_issue_body(
    audit: Any,
    *,
    previous: Any = None,
    state_unknown: bool = False,
    run_url: str = "",
    report_path: str = "",
    token: str = "",
    redact: Callable[[str], str] = str,
) -> tuple[str, list[str]]:
    """The living issue's body and its state parts; the body is at most :data:`ISSUE_LIMIT`.

    Args:
        audit: the :class:`~devops_agent.audit.AuditReport`.
        previous: the last audit's open findings.
        state_unknown: the last audit's state could not be read back.
        run_url: this run's page (its job summary holds more).
        report_path: the JSON report this run wrote.
        token: ties the state's parts to this body.
        redact: applied to the visible text (never to the state: its base64 is not a
            secret, and a redactor that mistook a stretch of it for one would corrupt it).

    Returns:
        ``(body, parts)``: ``parts`` are the bodies of the hidden state comments, empty
        when the state fits in the body.
    """
    from devops_agent.audit.history import encode_state
    from devops_agent.audit.markdown import Pointer
    from devops_agent.audit.result import audit_body

    marker, parts = encode_state(
        audit, inline_limit=STATE_INLINE, part_limit=STATE_PART, token=token
    )
    footer = (
        "<sub>Kept up to date by devops-agent"
        + (f" · [last run]({run_url})" if run_url else "")
        + "</sub>"
    )
    room = ISSUE_LIMIT - len(AUDIT_MARKER) - len(marker) - len(footer) - 8
    text = audit_body(
        audit,
        "issue",
        limit=room,
        previous=previous,
        state_unknown=state_unknown,
        pointer=Pointer(
            summary_url=run_url,
            report_path=report_path,
            artifacts_url=f"{run_url}#artifacts" if run_url and report_path else "",
        ),
    )
    text = redact(text)
    if len(text) > room:  # a redaction made it longer: cut, never exceed GitHub's limit
        text = report.fit(text, limit=room, more_url=run_url)
    body = f"{AUDIT_MARKER}\n{marker}\n{text}\n\n{footer}"
    pieces = [
        _STATE_NOTE.format(n=n, of=len(parts)) + "\n" + part
        for n, part in enumerate(parts, start=1)
    ]
    return body, pieces


def update_audit_issue(
    gh: Github,
    repository: str,
    audit: dict[str, Any],
    *,
    run_url: str = "",
    report_path: str = "",
    redact: Callable[[str], str] = str,
) -> IssueOutcome:
    """Create, edit or close the audit issue (and its state comments).

    The issue is the one with the audit label written by the action's own identity. It
    is created only when there are open findings, closed when none are left, and
    otherwise edited; the last audit's state is read back from it first, so the new
    body can say what changed.

    Args:
        gh: The GitHub client.
        repository: ``owner/name``.
        audit: The audit report as JSON data (an ``AuditReport``'s dump).
        run_url: This run's page, linked from the issue.
        report_path: The JSON report this run wrote, named in the issue.
        redact: Applied to the issue's visible text.

    Returns:
        What was done (``created``, ``updated``, ``closed (nothing left)``,
        ``not needed (no findings)``), the issue's URL, and the previous state read.

    Raises:
        ServiceError: GitHub refused a call; the caller fails the run with it.
    """
    import secrets

    from github import GithubException

    from devops_agent.audit import AuditReport
    from devops_agent.audit.history import STATE_MARKER, decode_state
    from devops_agent.audit.result import title_of
    from devops_agent.gh.identity import own_login

    report = AuditReport.model_validate(audit)
    open_findings = report.counts.total
    try:
        own = own_login(gh)
        issue = _find_audit_issue(gh, repository, own)
        previous, unknown, old_parts = None, False, []
        if issue is not None:
            text = issue.body or ""
            if '"parts"' in text:
                old_parts = _state_comments(issue, own)
            previous = decode_state(text, [c.body or "" for c in old_parts])
            unknown = previous is None and STATE_MARKER in text
        token = f"{report.generated_at:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
        body, parts = audit_issue_body(
            report,
            previous=previous,
            state_unknown=unknown,
            run_url=run_url,
            report_path=report_path,
            token=token,
            redact=redact,
        )
        title = title_of(report).replace("Audit:", "devops-agent audit:", 1)
        if issue is None:
            if open_findings == 0:
                return IssueOutcome("not needed (no findings)", "")
            created = gh.get_repo(repository).create_issue(
                title=title, body=body, labels=[AUDIT_LABEL]
            )
            _write_parts(created, [], parts)
            return IssueOutcome("created", created.html_url)
        if parts and not old_parts:
            old_parts = _state_comments(issue, own)
        _write_parts(issue, old_parts, parts)  # before the body that points at them
        if open_findings == 0:
            issue.edit(title=title, body=body, state="closed", state_reason="completed")
            return IssueOutcome("closed (nothing left)", issue.html_url, previous, unknown)
        issue.edit(title=title, body=body)
        return IssueOutcome("updated", issue.html_url, previous, unknown)
    except GithubException as exc:
        from devops_agent.gh import service_error

        raise service_error(exc, f"update the {AUDIT_LABEL} issue") from None


def _write_parts(issue: Issue, old: list[IssueComment], parts: list[str]) -> None:
    """Edit the state comments in place, add any more needed, delete the ones left over."""
    for n, text in enumerate(parts):
        if n < len(old):
            if old[n].body != text:
                old[n].edit(text)
        else:
            issue.create_comment(text)
    for extra in old[len(parts) :]:
        extra.delete()
