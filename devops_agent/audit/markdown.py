"""An audit report as Markdown for an issue, comment or job summary (pure: no I/O).

Bounded at any estate size. Top to bottom:

1. the scope, the open findings by severity and how the checks went (with a Mermaid pie);
2. **every** failing check, one row each, worst first: its open and new findings, its
   first resources and the command that plans its fix;
3. what could not be audited, by its real cause (missing permission, unreachable
   endpoint, throttling…);
4. what is new and what was resolved since the last audit: counts always exact, the
   lists cut with the rest counted by check;
5. expired suppressions;
6. each check in detail (risk, resources, remediation) while room is left, then where
   the rest is: the job summary and the JSON report;
7. the status of every check, folded.

Parts 1–5 are sized first by a :class:`Layout` (how many rows of each) and shrunk until
they fit in ``limit``; details fill what is left. ``limit`` counts characters (GitHub's
issue and comment limit) or UTF-8 bytes (the job summary's 1 MiB).

Everything AWS (or a person, through tags and names) wrote goes through
:func:`~devops_agent.sanitize.table_cell` before it lands in Markdown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace

from devops_agent.audit.history import Previous
from devops_agent.audit.models import SEVERITIES, AuditReport, severity_rank
from devops_agent.audit.rechecks import render_rechecks
from devops_agent.audit.view import (
    CAUSES,
    SEVERITY_ICONS,
    Changes,
    CheckGroup,
    changes,
    check_groups,
    gap_rows,
    state_icon,
    status_words,
)
from devops_agent.errors import BadInput
from devops_agent.report import COMMENT_BUDGET, plural
from devops_agent.sanitize import table_cell

__all__ = [
    "COMMENT",
    "ISSUE",
    "SUMMARY",
    "WHOLE",
    "Layout",
    "Pointer",
    "render_markdown",
    "severity_at_least",
]

#: Rows of a table shown before it is folded into ``<details>``.
FOLD_ROWS = 10


@dataclass(frozen=True)
class Layout:
    """How many rows of each part a rendering shows; the rest is counted and pointed to."""

    per_check: int
    """Resources listed under each check in the details."""
    changes: int
    """Rows of the New and of the Resolved list."""
    gaps: int
    """Rows of the Not audited table."""
    tops: int = 3
    """Resource names in a failing check's summary row."""


#: The living issue: room for every failing check and exact changes, a few resources each.
ISSUE = Layout(per_check=5, changes=25, gaps=15)
#: An answer comment (a bit more room than the issue: no state to keep).
COMMENT = Layout(per_check=10, changes=50, gaps=25)
#: The job summary (1 MiB): as much as fits.
SUMMARY = Layout(per_check=1000, changes=2000, gaps=500, tops=3)
#: A file of its own (``--format markdown`` in the action's report files): everything.
WHOLE = Layout(per_check=10**9, changes=10**9, gaps=10**9)


@dataclass(frozen=True)
class Pointer:
    """Where the whole report is, for the notes that say what was left out."""

    summary_url: str = ""
    """The run's page, whose job summary shows more (empty when this *is* the summary)."""
    report_path: str = ""
    """The JSON report this run wrote (empty when it wrote none)."""
    artifacts_url: str = ""
    """Where that report can be downloaded (the run's artifacts), when known."""

    def where(self) -> str:
        """Where the whole report can be read, as words for a "see …" note.

        Returns:
            A link to the job summary and the JSON report's path (linked to the run's
            artifacts when known), whichever are set, joined with "and"; without either,
            how to write a JSON report.
        """
        places = []
        if self.summary_url:
            places.append(f"the [job summary]({self.summary_url})")
        if self.report_path:
            path = table_cell(self.report_path).replace("`", "'")
            link = f" ([artifacts]({self.artifacts_url}))" if self.artifacts_url else ""
            places.append(f"the JSON report `{path}`{link}")
        return (
            " and ".join(places)
            if places
            else "a JSON report (`devops-agent audit --json PATH` writes one)"
        )


def severity_at_least(report: AuditReport, level: str) -> bool:
    """True when an unsuppressed finding is at ``level`` or worse (the ``fail-on`` input).

    Args:
        report: the audit report.
        level: ``low``, ``medium``, ``high``, ``critical``, or ``never`` (always False;
            ``none`` and an empty word mean the same), in any case.

    Returns:
        Whether the run should fail on this report.

    Raises:
        BadInput: any other word.
    """
    word = level.strip().lower()
    if word in ("never", "none", ""):
        return False
    if word not in SEVERITIES:
        raise BadInput(f"fail-on must be one of never, low, medium, high, critical; not '{level}'.")
    limit = severity_rank(word)
    return any(not f.suppressed and severity_rank(f.severity) <= limit for f in report.findings)


# --------------------------------------------------------------------------- pieces


class _Raw(str):
    """Markdown already made safe (escaped by :func:`_code`): a table keeps it as it is."""


def _cells(values: list[object]) -> str:
    return "| " + " | ".join(v if isinstance(v, _Raw) else table_cell(v) for v in values) + " |"


def _table(columns: list[str], rows: list[list[object]]) -> str:
    lines = [_cells(list(columns)), "|" + "|".join("---" for _ in columns) + "|"]
    lines += [_cells(r) for r in rows]
    return "\n".join(lines)


def _fold(summary: str, body: str) -> str:
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


def _h(level: int, text: str) -> str:
    return f"{'#' * min(6, level)} {text}"


def _code(text: str) -> _Raw:
    """``text`` as inline code, whoever wrote it (no backtick or pipe can break out)."""
    return _Raw("`" + table_cell(text).replace("`", "'") + "`")


def _header(report: AuditReport, *, mermaid: bool) -> str:
    counts = report.counts
    who = (
        f"account {table_cell(report.account)}"
        if report.account != "multiple"
        else plural(len(report.accounts), "account")
    )
    scope = (
        f"{who} · {', '.join(report.regions)} · {', '.join(report.services)} · "
        f"{plural(len(report.checks), 'check')} · {report.api_calls:,} API calls · "
        f"{report.duration_seconds:.1f} s · {report.generated_at:%Y-%m-%d %H:%M} UTC"
    )
    cells = " · ".join(f"{SEVERITY_ICONS[s]} **{getattr(counts, s):,}** {s}" for s in SEVERITIES)
    quiet = f" · 🔕 {report.suppressed:,} suppressed" if report.suppressed else ""
    parts = [f"_{scope}_", f"{cells}{quiet}"]
    if report.checks:
        parts.append(f"**{status_words(report)}**")
    if counts.total == 0:
        parts.append(
            "✅ No open findings."
            if state_icon(report) == "✅"
            else "⚠️ No open findings in what could be read; see **Not audited**."
        )
    elif mermaid:
        slices = "\n".join(
            f'    "{s}" : {getattr(counts, s)}' for s in SEVERITIES if getattr(counts, s)
        )
        parts.append(f"```mermaid\npie showData title Open findings by severity\n{slices}\n```")
    return "\n\n".join(parts)


def _failing(groups: list[CheckGroup], layout: Layout, level: int, *, compact: bool) -> str:
    """Every failing check in one table (or, when even that is too long, one line each)."""
    if not groups:
        return ""
    has_new = any(g.new is not None for g in groups)
    has_fix = any(g.fix_command for g in groups)
    title = _h(level, f"Failing checks ({len(groups)})")
    if compact:
        items = [
            f"{SEVERITY_ICONS.get(g.severity, '⚪')} `{g.check_id}` {g.open:,}"
            + (f" (+{g.suppressed:,} suppressed)" if g.suppressed else "")
            for g in groups
        ]
        return title + "\n\n" + " · ".join(items)
    columns = ["severity", "check", "open"]
    columns += ["new"] if has_new else []
    columns += ["resources"]
    columns += ["fix"] if has_fix else []
    rows: list[list[object]] = []
    for g in groups:
        count = f"{g.open:,}" + (f" (+{g.suppressed:,} 🔕)" if g.suppressed else "")
        names = ", ".join(f.resource_id for f in g.findings[: layout.tops])
        if len(g.findings) > layout.tops:
            names += f", … {len(g.findings) - layout.tops:,} more"
        row: list[object] = [f"{SEVERITY_ICONS.get(g.severity, '⚪')} {g.severity}"]
        row += [f"{g.title} ({g.check_id})", count]
        row += [f"{g.new:,}" if g.new is not None else ""] if has_new else []
        row += [names]
        row += [_code(g.fix_command) if g.fix_command else ""] if has_fix else []
        rows.append(row)
    return f"{title}\n\n{_table(columns, rows)}"


def _not_audited(report: AuditReport, layout: Layout, level: int) -> str:
    rows = gap_rows(report)
    if not rows:
        return ""
    causes = Counter(r.cause for r in rows)
    advice = "\n".join(
        f"- **{CAUSES[c][0]}**: {CAUSES[c][1]}" for c in CAUSES if causes[c]
    )  # in CAUSES order
    cells: list[list[object]] = []
    for row in rows[: layout.gaps]:
        scope = "all"
        if row.resources:
            scope = f"{plural(len(row.resources), 'resource')}: {', '.join(row.resources[:3])}"
            scope += ", …" if len(row.resources) > 3 else ""
        cells.append(
            [
                CAUSES[row.cause][0],
                row.service,
                row.region,
                _code(row.permission),
                row.code,
                scope,
                len(row.checks),
                row.reason,
            ]
        )
    table = _table(
        ["cause", "service", "region", "IAM action", "error", "scope", "checks", "reason"], cells
    )
    more = (
        f"\n\n_… and {len(rows) - layout.gaps:,} more rows of gaps._"
        if len(rows) > layout.gaps
        else ""
    )
    return (
        _h(level, f"⚠️ Not audited ({len(report.not_audited):,})")
        + "\n\nThese parts could not be read, so their checks are **not** reported as clean.\n\n"
        + advice
        + "\n\n"
        + table
        + more
    )


def _by_check(counter: Counter[str], most: int = 12) -> str:
    """Counts by check, the largest ``most`` named, then how many in how many checks more."""
    ranked = counter.most_common()
    text = ", ".join(f"`{c or 'unknown check'}` {n:,}" for c, n in ranked[:most])
    if len(ranked) > most:
        rest = sum(n for _, n in ranked[most:])
        text += f" and {rest:,} in {plural(len(ranked) - most, 'other check')}"
    return text


def _changes(found: Changes, layout: Layout, level: int, where: str) -> str:
    parts = []
    new = found.new
    title = f"🆕 New since the last audit ({len(new):,})"
    if not new:
        parts.append(_h(level, "🆕 New since the last audit") + "\n\n_Nothing new._")
    else:
        shown = sorted(new, key=lambda f: (severity_rank(f.severity), f.check_id))[: layout.changes]
        rows: list[list[object]] = [
            [f"{SEVERITY_ICONS[f.severity]} {f.severity}", f.check_id, f.resource_id, f.region]
            for f in shown
        ]
        table = _table(["severity", "check", "resource", "region"], rows)
        if len(shown) > FOLD_ROWS:
            table = _fold(f"{len(shown):,} of them", table)
        rest = Counter(f.check_id for f in new) - Counter(f.check_id for f in shown)
        tail = (
            f"\n\n_… and {len(new) - len(shown):,} more ({_by_check(rest)}); all are in {where}._"
            if rest
            else ""
        )
        parts.append(_h(level, title) + "\n\n" + table + tail)
    total = found.resolved_count
    if not total:
        parts.append(_h(level, "✅ Resolved since the last audit") + "\n\n_Nothing resolved._")
    else:
        named = found.resolved[: layout.changes]
        lines = [f"- `{table_cell(c)}` {table_cell(label)}" for c, label in named]
        rest = found.resolved_unnamed + Counter(c for c, _ in found.resolved[layout.changes :])
        body = "\n".join(lines)
        if len(lines) > FOLD_ROWS:
            body = _fold(f"{len(lines):,} of them", body)
        if rest:
            lead = "… and " if lines else ""
            body += f"\n\n_{lead}{sum(rest.values()):,} by check: {_by_check(rest)}._"
        parts.append(_h(level, f"✅ Resolved since the last audit ({total:,})") + "\n\n" + body)
    if found.unchecked:
        parts.append(
            f"_{plural(found.unchecked, 'earlier finding')} could not be re-checked: their "
            "data was not read this time, so they are neither new nor resolved._"
        )
    return "\n\n".join(parts)


def _unknown_changes(level: int) -> str:
    return (
        _h(level, "🆕 New and ✅ resolved since the last audit")
        + "\n\n_Unknown: the last audit's state could not be read back (a part of it is "
        "missing), so nothing is called new or resolved this time._"
    )


def _expired(report: AuditReport, level: int) -> str:
    if not report.expired_suppressions:
        return ""
    lines = [
        f"- `{table_cell(s.check)}` on `{table_cell(s.resource)}` expired on {s.expires}: "
        f"{table_cell(s.reason)}"
        for s in report.expired_suppressions
    ]
    return (
        _h(level, "⌛ Expired suppressions")
        + "\n\nThese no longer apply; renew them in the config file or fix the findings.\n\n"
        + "\n".join(lines)
    )


def _group(group: CheckGroup, layout: Layout, level: int, where: str) -> str:
    icon = SEVERITY_ICONS.get(group.severity, "⚪")
    count = f"{group.open:,} open" + (
        f" (+{group.suppressed:,} suppressed)" if group.suppressed else ""
    )
    ids = [f"`{group.check_id}`", group.severity]
    meta = group.meta
    if meta is not None and meta.cis:
        ids.append("CIS " + ", ".join(meta.cis))
    if meta is not None and meta.fsbp:
        ids.append("FSBP " + ", ".join(meta.fsbp))
    shown = group.findings[: layout.per_check]
    rows: list[list[object]] = [
        [
            f.resource_id,
            f.region,
            f.detail if not f.suppressed else f"🔕 {f.detail} (suppressed: {f.suppression_reason})",
        ]
        for f in shown
    ]
    table = _table(["resource", "region", "detail"], rows)
    if len(rows) > FOLD_ROWS:
        table = _fold(f"{len(rows):,} resources", table)
    if len(group.findings) > len(shown):
        table += f"\n\n_… and {len(group.findings) - len(shown):,} more in {where}._"
    parts = [_h(level, f"{icon} {group.title}: {count}"), " · ".join(ids)]
    if meta is not None:
        parts.append(f"_{meta.risk}_")
    parts.append(table)
    if group.fix_command:
        parts.append(f"Fix it with a plan: {_code(group.fix_command)}")
    if meta is not None:
        fix = meta.remediation
        parts.append(
            _fold(
                "Remediation",
                f"{fix.text}\n\n```bash\n{fix.cli}\n```\n\n```hcl\n{fix.terraform}\n```",
            )
        )
    return "\n\n".join(parts)


def _checks_table(report: AuditReport) -> str:
    if not report.checks:
        return ""
    rows: list[list[object]] = [
        [r.id, r.severity, r.status.replace("_", " "), r.findings, r.note]
        for r in sorted(report.checks, key=lambda r: (severity_rank(r.severity), r.id))
    ]
    return _fold(
        f"<b>All checks</b> ({status_words(report)})",
        _table(["check", "severity", "status", "findings", "note"], rows),
    )


# --------------------------------------------------------------------------- the whole


def _shrink(layout: Layout) -> list[tuple[Layout, bool]]:
    """The layouts to try, largest first, ending with the compact failing-checks list."""
    steps = [(layout, False)]
    for factor in (4, 16):
        steps.append(
            (
                replace(
                    layout,
                    changes=max(0, layout.changes // factor),
                    gaps=max(3, layout.gaps // factor),
                ),
                False,
            )
        )
    steps.append((replace(layout, changes=0, gaps=3, tops=1), False))
    steps.append((replace(layout, changes=0, gaps=3, tops=0), True))
    return steps


def render_markdown(
    report: AuditReport,
    *,
    previous: Previous | Collection[str] | Mapping[str, str] | None = None,
    previous_fingerprints: Collection[str] | Mapping[str, str] | None = None,
    limit: int = COMMENT_BUDGET,
    layout: Layout = COMMENT,
    level: int = 3,
    pointer: Pointer | None = None,
    in_bytes: bool = False,
    mermaid: bool = True,
    state_unknown: bool = False,
) -> str:
    """The report as Markdown, at most ``limit`` characters (or bytes with ``in_bytes``).

    Args:
        report: the audit report.
        previous: the last audit's open findings (a :class:`Previous`, fingerprints, or
            fingerprint → ``"check resource region"``); when given, "New" and "Resolved
            since the last audit" appear, with exact counts.
        previous_fingerprints: the same, under its older name.
        limit: most characters (bytes with ``in_bytes``); details that do not fit are
            left to ``pointer``, the parts above them shrink to fit.
        layout: how many rows of each part to show at most.
        level: heading level of the sections (check details one below).
        pointer: where the rest is, for the notes that say what was left out.
        in_bytes: count ``limit`` in UTF-8 bytes (the job summary) instead of characters.
        mermaid: include the Mermaid pie chart.
        state_unknown: the last audit's state could not be read back: say so instead of
            calling everything new.

    Returns:
        The Markdown body (no state marker: :mod:`devops_agent.audit.history` makes it).
    """
    size: Callable[[str], int] = (lambda s: len(s.encode("utf-8"))) if in_bytes else len
    last = previous if previous is not None else previous_fingerprints
    prior = Previous.of(last) if last is not None else None
    where = (pointer or Pointer()).where()
    groups = check_groups(report, prior)
    found = changes(report, prior) if prior is not None else None
    head = _header(report, mermaid=mermaid)
    tail = _checks_table(report)
    note_room = 600 + sum(len(g.check_id) + 12 for g in groups)

    top = ""
    for attempt, compact in _shrink(layout):
        sections = [
            head,
            _failing(groups, attempt, level, compact=compact),
            _not_audited(report, attempt, level),
            _unknown_changes(level) if state_unknown else "",
            _changes(found, attempt, level, where) if found is not None else "",
            render_rechecks(report, level),
            _expired(report, level),
        ]
        top = "\n\n".join(s for s in sections if s)
        if size(top) + note_room <= limit:
            layout = attempt
            break
    used = size(top)
    details: list[str] = []
    left_out: list[CheckGroup] = []
    heading = "\n\n" + _h(level, "Findings by check")
    if groups and used + size(heading) + note_room <= limit:
        used += size(heading)
        details.append(heading)
        for group in groups:
            block = "\n\n" + _group(group, layout, level + 1, where)
            if left_out or used + size(block) + note_room > limit:
                left_out.append(group)
                continue
            details.append(block)
            used += size(block)
    else:
        left_out = list(groups)
    body = top + "".join(details)
    if left_out:
        body += (
            f"\n\n_The details of {plural(len(left_out), 'more check')} "
            f"({plural(sum(len(g.findings) for g in left_out), 'finding')}) did not fit here; "
            f"every failing check is in the table above, and each finding is in {where}._"
        )
    if tail and size(body) + size(tail) + 2 <= limit:
        body += "\n\n" + tail
    if pointer is not None and pointer.report_path:
        closing = f"\n\n_Every finding, with its ARN and fingerprint, is in {where}._"
        if size(body) + size(closing) <= limit:
            body += closing
    return _cut(body, limit, size)


def _cut(body: str, limit: int, size: Callable[[str], int]) -> str:
    """The last resort for absurdly small limits: cut at a line break, closing a fold."""
    if size(body) <= limit:
        return body
    note = "\n\n_…cut to fit._"
    while body and size(body) + size(note) + 20 > limit:
        body = body[: max(0, len(body) - max(1, (size(body) + size(note) + 20 - limit)))]
        body = body[: body.rfind("\n")] if "\n" in body else ""
    if body.count("<details>") > body.count("</details>"):
        body += "\n\n</details>"
    return body + note
