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
    return (
        f"🤖 {turns} turn{'s' if turns != 1 else ''} · "
        f"{requests} model request{'s' if requests != 1 else ''} · {tokens:,} tokens"
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
    ) -> None:
        self.runner = runner
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

    def finish(self, result: report.Result) -> None:
        """Post the final answer everywhere; never raises.

        Args:
            result: The run's result; redacted here before anything is rendered.
        """
        result = self.redacted(result)
        with self._lock:
            self._finished = True
            if self._timer is not None:
                self._timer.cancel()
        usage = result.data.get("usage") if isinstance(result.data, dict) else None
        self._usage = usage if isinstance(usage, dict) else None
        body = report.render_body(result)
        self._write_report(result)
        self._summary(result, body)
        if self.thread is not None:
            self._post_final(result, body)
        elif isinstance(self.event, ScheduleEvent) and result.report is not None:
            self._audit_issue(result.report)
        self._outputs(result)

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

    def _audit_issue(self, audit: dict[str, object]) -> None:
        """Scheduled audits keep one open ``devops-audit`` issue up to date."""
        if self.gh is None:
            return
        try:
            action, url = update_audit_issue(
                self.gh, self.event.repository, audit, run_url=self.runner.env.run_url
            )
        except DevOpsError as exc:
            self.runner.error(f"Could not update the audit issue: {exc.explain()}")
            return
        self.runner.info(f"devops-agent: audit issue {action}{': ' + url if url else ''}")
        if url:
            self.runner.set_output("comment-url", url)

    # -- always: summary, report file, outputs --------------------------------------

    def _summary(self, result: report.Result, body: str) -> None:
        try:
            self.runner.summary(f"{body}\n\n{self._footer(final=True)}")
        except OSError as exc:
            self.runner.warning(f"Could not write the job summary: {exc}")

    def _write_report(self, result: report.Result) -> None:
        if self.workspace is None:
            return
        path = self.workspace / REPORT_PATH
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            content = result.report if result.report is not None else report.render_json(result)
            path.write_text(
                self.runner.redact(json.dumps(content, indent=2, default=str)), encoding="utf-8"
            )
            # Relative to the workspace: the same path inside the action's container
            # (/github/workspace) and for later steps on the runner.
            self.runner.set_output("report", str(REPORT_PATH))
        except OSError as exc:
            self.runner.warning(f"Could not write the report file {path}: {exc}")

    def _outputs(self, result: report.Result) -> None:
        self.runner.set_output("status", result.status)
        self.runner.set_output("result", report.render_json(result))
        if self.comment is not None:
            self.runner.set_output("comment-url", getattr(self.comment, "html_url", "") or "")
        if isinstance(result.data, dict) and "plan_id" in result.data:
            self.runner.set_output("plan-id", str(result.data["plan_id"]))
        if isinstance(result.data, dict) and "findings_count" in result.data:
            self.runner.set_output("findings", str(result.data["findings_count"]))


# ---------------------------------------------------------------- the audit issue
# The one open ``devops-audit`` issue a scheduled audit keeps up to date: created the
# first time there is something to report, edited afterwards (what is new and what was
# resolved comes from the fingerprints the previous body kept in a hidden marker), and
# closed when nothing is left. Only an issue written by the action's own identity is
# ever edited.

AUDIT_LABEL = "devops-audit"
AUDIT_MARKER = "<!-- devops-agent:audit-issue -->"
#: GitHub's limit on an issue body, and the share the hidden state may take of it.
ISSUE_LIMIT = 65_536
STATE_BUDGET = 30_000


def _find_audit_issue(gh: Github, repository: str) -> Issue | None:
    from devops_agent.gh.identity import own_login

    own = own_login(gh)
    for issue in gh.get_repo(repository).get_issues(state="open", labels=[AUDIT_LABEL]):
        if issue.user.login == own and AUDIT_MARKER in (issue.body or ""):
            return issue
    return None


def update_audit_issue(
    gh: Github, repository: str, audit: dict[str, Any], *, run_url: str = ""
) -> tuple[str, str]:
    """Create, edit or close the audit issue; returns ``(action, url)``.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        audit: The audit's JSON report.
        run_url: The run's URL, linked from the issue.

    Returns:
        What was done (``created``, ``updated``, ``closed (nothing left)`` or ``not needed (no
        findings)``) and the issue's URL (empty when none).

    Raises:
        ServiceError: GitHub refused (a missing ``issues: write``, say).
    """
    from github import GithubException

    from devops_agent.audit import (
        AuditReport,
        fingerprints_marker,
        read_fingerprints,
        render_markdown,
    )
    from devops_agent.audit.markdown import _MARKER as STATE_MARKER
    from devops_agent.audit.operations import title_of

    report = AuditReport.model_validate(audit)
    open_findings = sum(report.counts.model_dump().values())
    try:
        issue = _find_audit_issue(gh, repository)
        previous = read_fingerprints(issue.body or "") if issue is not None else None
        state = fingerprints_marker(report)
        if len(state) > STATE_BUDGET:  # very large estates: keep the fingerprints, drop labels
            compact = {f.fingerprint: "" for f in report.findings if not f.suppressed}
            state = f"<!-- {STATE_MARKER} {json.dumps(compact, separators=(',', ':'))} -->"
        room = ISSUE_LIMIT - len(state) - len(AUDIT_MARKER) - 400
        body = "\n".join(
            [
                AUDIT_MARKER,
                state,
                render_markdown(
                    report, previous_fingerprints=previous, more_url=run_url, limit=room
                ),
                "\n<sub>Kept up to date by devops-agent"
                + (f" · [last run]({run_url})" if run_url else "")
                + "</sub>",
            ]
        )
        title = title_of(report).replace("Audit:", "devops-agent audit:", 1)
        if issue is None:
            if open_findings == 0:
                return "not needed (no findings)", ""
            created = gh.get_repo(repository).create_issue(
                title=title, body=body, labels=[AUDIT_LABEL]
            )
            return "created", created.html_url
        if open_findings == 0:
            issue.edit(title=title, body=body, state="closed", state_reason="completed")
            return "closed (nothing left)", issue.html_url
        issue.edit(title=title, body=body)
        return "updated", issue.html_url
    except GithubException as exc:
        from devops_agent.gh import service_error

        raise service_error(exc, f"update the {AUDIT_LABEL} issue") from None
