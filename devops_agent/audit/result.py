"""The audit as a run's answer: its :class:`~devops_agent.report.Result`, and its body for
each place it is shown (an answer comment, the job summary, the living issue).

Each place has its own limit (65,536 characters for a comment or an issue, 1 MiB for the
job summary) and its own share of the detail (:class:`~devops_agent.audit.markdown.Layout`);
what does not fit is pointed to, and the pointer only names a report that was written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from devops_agent.audit.history import Previous
from devops_agent.audit.markdown import (
    COMMENT,
    ISSUE,
    SUMMARY,
    Pointer,
    render_markdown,
    severity_at_least,
)
from devops_agent.audit.models import AuditReport
from devops_agent.audit.view import headline, state_icon
from devops_agent.report import COMMENT_BUDGET, Result

__all__ = [
    "COMMENT_TEXT_LIMIT",
    "SUMMARY_TEXT_LIMIT",
    "Place",
    "audit_body",
    "audit_result",
    "report_of",
    "title_of",
]

Place = Literal["comment", "summary", "issue"]

#: Room for the audit's text in an answer comment (the title, footer and marker take the rest).
COMMENT_TEXT_LIMIT = COMMENT_BUDGET - 2_000
#: Bytes of the audit's text in the job summary: under its 1 MiB, with room for the rest.
SUMMARY_TEXT_LIMIT = 1024 * 1024 - 24 * 1024


def title_of(report: AuditReport) -> str:
    """The audit's one-line title, as the answer and the living issue show it.

    Args:
        report: The audit report.

    Returns:
        E.g. ``Audit: 3 open findings (1 high, 2 medium) in 2 regions``
        (:func:`~devops_agent.audit.view.headline`).
    """
    return headline(report)


def audit_body(
    report: AuditReport,
    place: Place,
    *,
    limit: int | None = None,
    previous: Previous | None = None,
    state_unknown: bool = False,
    pointer: Pointer | None = None,
    notes: Sequence[str] = (),
) -> str:
    """The audit's Markdown for ``place``, within that place's limit.

    Args:
        report: the audit report.
        place: ``comment`` (under the answer's title), ``summary`` (the job summary,
            bounded in bytes) or ``issue`` (the living issue's body, headings one level up).
        limit: most characters (bytes for the summary); the place's own limit when ``None``.
        previous: the last audit's open findings, for what is new and resolved.
        state_unknown: the last audit left a state that could not be read back.
        pointer: where the whole report is.
        notes: sentences to end with (``fail-on`` reached, a Security Hub import...).

    Returns:
        The Markdown, the notes included, within the limit; what did not fit is counted
        and pointed to.
    """
    tail = "".join(f"\n\n{note}" for note in notes)
    if place == "summary":
        room = (limit or SUMMARY_TEXT_LIMIT) - len(tail.encode("utf-8"))
        text = render_markdown(
            report,
            previous=previous,
            state_unknown=state_unknown,
            limit=room,
            layout=SUMMARY,
            level=4,
            pointer=pointer,
            in_bytes=True,
        )
    elif place == "issue":
        room = (limit or COMMENT_BUDGET) - len(tail)
        text = render_markdown(
            report,
            previous=previous,
            state_unknown=state_unknown,
            limit=room,
            layout=ISSUE,
            level=2,
            pointer=pointer,
        )
    else:
        room = (limit or COMMENT_TEXT_LIMIT) - len(tail)
        text = render_markdown(
            report,
            previous=previous,
            state_unknown=state_unknown,
            limit=room,
            layout=COMMENT,
            level=4,
            pointer=pointer,
        )
    return text + tail


def audit_result(
    report: AuditReport,
    *,
    fail_on: str,
    more_url: str = "",
    previous: Previous | None = None,
    notes: Sequence[str] = (),
    failed: bool = False,
) -> Result:
    """The audit as a result: Markdown body, JSON report, and exit code from ``fail-on``.

    Args:
        report: the audit report.
        fail_on: the ``fail-on`` level; reaching it fails the step (exit 1).
        more_url: the run's page (its job summary holds more than a comment).
        previous: the last audit's open findings.
        notes: sentences the answer ends with.
        failed: something the user asked for besides the audit failed (an import):
            the step fails even below ``fail-on``.

    Returns:
        A ``success`` or ``failure`` result (exit code 0 or 1): the comment's Markdown
        as text, counts and notes as data (never the findings: the ``result`` output is
        bounded), and the whole report under ``report``.

    Raises:
        BadInput: ``fail_on`` is not a severity or ``never``.
    """
    reached = severity_at_least(report, fail_on)
    notes = [*notes]
    if reached:
        notes.append(f"`fail-on: {fail_on}` reached: the step fails.")
    data = report.model_dump(mode="json")
    failing = reached or failed
    return Result(
        status="failure" if failing else "success",
        title=title_of(report),
        icon=state_icon(report),
        text=audit_body(
            report,
            "comment",
            previous=previous,
            pointer=Pointer(summary_url=more_url),
            notes=notes,
        ),
        # The ``result`` output is this data: a summary, never the findings themselves
        # (an output holds at most 1 MB; 10,000 findings are several). They are in
        # ``report``, which becomes the JSON report file.
        data={
            "findings_count": report.counts.total,
            "counts": report.counts.model_dump(),
            "suppressed": report.suppressed,
            "checks": {
                status: sum(c.status == status for c in report.checks)
                for status in ("failed", "passed", "partial", "not_audited", "error")
            },
            "not_audited": len(report.not_audited),
            "notes": notes,
        },
        report=data,
        exit_code=1 if failing else 0,
    )


def report_of(result: Result) -> tuple[AuditReport, list[str]] | None:
    """The audit report and notes a result carries, or ``None`` for any other result.

    Args:
        result: A run's result (what :func:`audit_result` made, or any other).

    Returns:
        The report validated again and its notes, or ``None`` when the result is not an
        audit's.
    """
    data: Any = result.data
    report = result.report
    if not isinstance(report, dict) or report.get("schema_version") is None:
        return None
    if not isinstance(data, dict) or "findings_count" not in data:
        return None
    notes = data.get("notes")
    return (
        AuditReport.model_validate(report),
        [str(n) for n in notes] if isinstance(notes, list) else [],
    )
