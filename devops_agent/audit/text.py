"""An audit report as plain text for a terminal: no Markdown tables, Mermaid or ``<details>``.

``devops-agent audit`` prints this when its output is a terminal (``--format text``):
the same content as the Markdown view (:mod:`devops_agent.audit.view` decides what a
reader sees first), laid out in aligned columns that read well in 100 columns.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from devops_agent.audit.history import Previous
from devops_agent.audit.models import SEVERITIES, AuditReport
from devops_agent.audit.view import (
    CAUSES,
    changes,
    check_groups,
    gap_rows,
    headline,
    state_icon,
    status_words,
)
from devops_agent.report import plural
from devops_agent.sanitize import clean_untrusted

__all__ = ["render_text"]


def _one_line(value: object, width: int) -> str:
    """``value`` on one line of at most ``width`` characters (its spacing kept)."""
    text = " ".join(clean_untrusted(str(value)).replace("\t", " ").splitlines())
    return text if len(text) <= width else text[: width - 1] + "…"


def render_text(
    report: AuditReport,
    *,
    previous: Previous | Collection[str] | Mapping[str, str] | None = None,
    per_check: int = 5,
    report_path: str = "",
    width: int = 100,
) -> str:
    """The report as plain text.

    Args:
        report: the audit report.
        previous: the last audit's open findings, for what is new and resolved.
        per_check: resources listed under each failing check.
        report_path: the JSON report written beside it, named at the end.
        width: the most characters of a line.

    Returns:
        The headline, account and counts, then the failing checks with their resources
        and fix commands, what was not audited and why, what is new and resolved since
        the last audit (when ``previous`` is given), expired suppressions, and where the
        JSON report is.
    """
    prior = Previous.of(previous) if previous is not None else None
    counts = report.counts
    lines = [
        f"{state_icon(report)} {headline(report)}",
        _one_line(
            f"account {report.account} · {', '.join(report.regions)} · "
            f"{', '.join(report.services)} · {report.api_calls:,} API calls · "
            f"{report.duration_seconds:.1f} s · {report.generated_at:%Y-%m-%d %H:%M} UTC",
            width,
        ),
        "open: "
        + " · ".join(f"{getattr(counts, s):,} {s}" for s in SEVERITIES)
        + (f" · {report.suppressed:,} suppressed" if report.suppressed else ""),
    ]
    if report.checks:
        lines.append(f"checks: {status_words(report)}")
    groups = check_groups(report, prior)
    if groups:
        lines += ["", f"FAILING CHECKS ({len(groups)})"]
        for g in groups:
            count = f"{g.open:,}" + (f" (+{g.suppressed:,} suppressed)" if g.suppressed else "")
            new = f", {g.new:,} new" if g.new else ""
            lines.append(_one_line(f"{g.severity.upper():<9}{g.check_id}  {count}{new}", width))
            lines.append(_one_line(f"         {g.title}", width))
            for f in g.findings[:per_check]:
                mute = " (suppressed)" if f.suppressed else ""
                lines.append(
                    _one_line(f"           - {f.resource_id} [{f.region}]{mute}: {f.detail}", width)
                )
            if len(g.findings) > per_check:
                lines.append(f"           … and {len(g.findings) - per_check:,} more")
            if g.fix_command:
                lines.append(_one_line(f"         fix: {g.fix_command}", width))
    gaps = gap_rows(report)
    if gaps:
        lines += ["", f"NOT AUDITED ({len(report.not_audited):,}): not reported as clean"]
        for row in gaps:
            scope = plural(len(row.resources), "resource") if row.resources else "all"
            lines.append(
                _one_line(
                    f"  {CAUSES[row.cause][0]}: {row.service} {row.region} {row.permission} "
                    f"({row.code or 'error'}, {scope}): {row.reason}",
                    width,
                )
            )
        for cause in dict.fromkeys(r.cause for r in gaps):
            lines.append(_one_line(f"  → {CAUSES[cause][1]}", width * 3))
    if prior is not None:
        found = changes(report, prior)
        lines += ["", f"NEW SINCE THE LAST AUDIT: {len(found.new):,}"]
        lines += [
            _one_line(f"  + {f.check_id} {f.resource_id} [{f.region}]", width)
            for f in found.new[: per_check * 4]
        ]
        lines.append(f"RESOLVED SINCE THE LAST AUDIT: {found.resolved_count:,}")
        lines += [
            _one_line(f"  - {c} {label}", width) for c, label in found.resolved[: per_check * 4]
        ]
        if found.unchecked:
            lines.append(f"  ({plural(found.unchecked, 'earlier finding')} not re-checked)")
    if report.expired_suppressions:
        lines += ["", "EXPIRED SUPPRESSIONS"]
        lines += [
            _one_line(f"  {s.check} on {s.resource} expired {s.expires}: {s.reason}", width)
            for s in report.expired_suppressions
        ]
    if report_path:
        lines += ["", f"Every finding is in the JSON report: {report_path}"]
    return "\n".join(lines)
