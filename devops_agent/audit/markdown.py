"""An audit report as Markdown for an issue, comment or job summary (pure: no I/O).

The layout, top to bottom: the counts by severity (with a Mermaid pie chart),
what could not be audited, what is new or resolved since the last audit, then
the findings grouped by check (worst first), each with its resources and a
folded remediation (AWS CLI and Terraform). Long groups are folded into
``<details>``; past ``limit`` characters the remaining checks are summarised
and a pointer to the JSON report is left, so the body always fits GitHub's
65,536-character limit.

Everything AWS (or a person, through tags and names) wrote goes through
:func:`~devops_agent.sanitize.table_cell` before it lands in a table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping
from itertools import groupby

from devops_agent.audit.models import SEVERITIES, AuditReport, CheckMeta, Finding, severity_rank
from devops_agent.audit.rechecks import render_loop
from devops_agent.errors import BadInput
from devops_agent.report import COMMENT_BUDGET, fit
from devops_agent.sanitize import table_cell

__all__ = [
    "FINGERPRINTS_MARKER",
    "SEVERITY_ICONS",
    "fingerprint_labels",
    "fingerprints_marker",
    "read_fingerprints",
    "render_markdown",
    "severity_at_least",
]

SEVERITY_ICONS = {"critical": "🔴", "high": "🟠", "medium": "🟡", "low": "🔵"}
#: Rows of a resource table shown before it is folded.
FOLD_ROWS = 10
#: Rows of any one table at most; the rest are in the JSON report.
MAX_ROWS = 100
#: The HTML comment name that carries the last audit's fingerprints in an issue body.
FINGERPRINTS_MARKER = "devops-agent:audit-fingerprints"
_MARKER = FINGERPRINTS_MARKER  # the name older callers imported
_MARKER_RE = re.compile(
    r"<!--\s*" + re.escape(FINGERPRINTS_MARKER) + r"\s+(\{.*?\})\s*-->", re.DOTALL
)


def severity_at_least(report: AuditReport, level: str) -> bool:
    """True when an unsuppressed finding is at ``level`` or worse (the ``fail-on`` input).

    Args:
        report: the audit report.
        level: ``low``, ``medium``, ``high``, ``critical``, or ``never`` (always False).

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


def fingerprint_labels(report: AuditReport) -> dict[str, str]:
    """Open findings as ``{fingerprint: "check_id resource_id region"}``, to keep for next time."""
    return {
        f.fingerprint: f"{f.check_id} {f.resource_id} {f.region}"
        for f in report.findings
        if not f.suppressed
    }


def fingerprints_marker(report: AuditReport, *, limit: int | None = None) -> str:
    """An HTML comment carrying :func:`fingerprint_labels`, to embed in the audit issue.

    Args:
        report: the audit report.
        limit: most characters; past it the labels are dropped (fingerprints only, so
            resolved findings are counted but not named), and past that the least
            severe fingerprints are left out (they will show as new next time).
    """
    labels = fingerprint_labels(report)

    def marker(data: dict[str, str]) -> str:
        payload = json.dumps(data, separators=(",", ":"), sort_keys=True)
        return f"<!-- {FINGERPRINTS_MARKER} {payload.replace('--', '- -')} -->"

    text = marker(labels)
    if limit is None or len(text) <= limit:
        return text
    bare = dict.fromkeys(labels, "")
    text = marker(bare)
    if len(text) <= limit:
        return text
    room = max(0, (limit - len(marker({}))) // 26)  # '"<20 hex>":"",' per fingerprint
    return marker(dict.fromkeys(list(bare)[:room], ""))


def read_fingerprints(text: str) -> dict[str, str]:
    """The labels a :func:`fingerprints_marker` left in ``text``, by fingerprint; empty if none."""
    match = _MARKER_RE.search(text or "")
    if not match:
        return {}
    try:
        data = json.loads(match.group(1).replace("- -", "--"))
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items() if re.fullmatch(r"[0-9a-f]{8,64}", str(k))}


def _metadata() -> dict[str, CheckMeta]:
    from devops_agent.audit.registry import discover_checks

    return {c.meta.id: c.meta for c in discover_checks()}


def _cells(values: Iterable[object]) -> str:
    return "| " + " | ".join(table_cell(v) for v in values) + " |"


def _table(columns: list[str], rows: list[list[object]], *, note: str = "") -> str:
    shown = rows[:MAX_ROWS]
    lines = [_cells(columns), "|" + "|".join("---" for _ in columns) + "|"]
    lines += [_cells(r) for r in shown]
    if len(rows) > MAX_ROWS:
        lines.append(f"\n_… and {len(rows) - MAX_ROWS} more{note}._")
    return "\n".join(lines)


def _fold(summary: str, body: str, *, open_: bool = False) -> str:
    flag = " open" if open_ else ""
    return f"<details{flag}><summary>{summary}</summary>\n\n{body}\n\n</details>"


def _summary(report: AuditReport) -> list[str]:
    counts = report.counts
    total = counts.total
    head = (
        f"## 🛡️ AWS audit: account {table_cell(report.account)}"
        if report.account != "multiple"
        else f"## 🛡️ AWS audit: {len(report.accounts)} accounts"
    )
    scope = (
        f"{', '.join(report.regions)} · {', '.join(report.services)} · "
        f"{len(report.checks)} checks · {report.api_calls} API calls · "
        f"{report.duration_seconds:.1f} s · {report.generated_at:%Y-%m-%d %H:%M} UTC"
    )
    cells = " · ".join(f"{SEVERITY_ICONS[s]} **{getattr(counts, s)}** {s}" for s in SEVERITIES)
    quiet = f" · 🔕 {report.suppressed} suppressed" if report.suppressed else ""
    parts = [head, f"_{scope}_", f"{cells}{quiet}"]
    if total == 0:
        parts.append(
            "✅ No open findings."
            if not report.not_audited
            else "No open findings in what could be read; see **Not audited** below."
        )
    else:
        slices = "\n".join(
            f'    "{s}" : {getattr(counts, s)}' for s in SEVERITIES if getattr(counts, s)
        )
        parts.append(f"```mermaid\npie showData title Open findings by severity\n{slices}\n```")
    return parts


def _not_audited(report: AuditReport) -> str:
    if not report.not_audited:
        return ""
    grouped: dict[tuple[str, str, str, str], list[str]] = {}
    reasons: dict[tuple[str, str, str, str], str] = {}
    checks: dict[tuple[str, str, str, str], set[str]] = {}
    for gap in report.not_audited:
        key: tuple[str, str, str, str] = (gap.service, gap.region, gap.permission, gap.code)
        grouped.setdefault(key, [])
        if gap.resource:
            grouped[key].append(gap.resource)
        reasons.setdefault(key, gap.reason)
        checks.setdefault(key, set()).update(gap.checks)
    rows: list[list[object]] = []
    for key in sorted(grouped):
        service, region, permission, code = key
        resources = grouped[key]
        scope = f"{len(resources)} resource(s): {', '.join(resources[:3])}" if resources else "all"
        if len(resources) > 3:
            scope += ", …"
        rows.append(
            [service, region, f"`{permission}`", code, scope, len(checks[key]), reasons[key]]
        )
    table = _table(
        ["service", "region", "missing permission", "error", "scope", "checks", "reason"], rows
    )
    return (
        "### ⚠️ Not audited\n\n"
        "These parts could not be read, so their checks are **not** reported as clean. "
        "Grant the listed permissions to the audit role (for example the AWS managed "
        "`SecurityAudit` policy) and run it again.\n\n" + table
    )


def _changes(report: AuditReport, previous: Collection[str] | Mapping[str, str]) -> str:
    open_now = [f for f in report.findings if not f.suppressed]
    current = {f.fingerprint for f in report.findings}
    new = [f for f in open_now if f.fingerprint not in previous]
    labels = previous if isinstance(previous, Mapping) else {}
    blind = {c.id for c in report.checks if c.status in ("not_audited", "partial", "error")}
    resolved: list[str] = []
    unchecked = unnamed = 0
    for mark in sorted(set(previous) - current):
        label = str(labels.get(mark, ""))
        if label and label.split(" ", 1)[0] in blind:
            unchecked += 1
            continue
        unnamed += not label
        resolved.append(label or f"finding {mark}")
    parts = []
    if new:
        rows: list[list[object]] = [
            [f"{SEVERITY_ICONS[f.severity]} {f.severity}", f.title, f.resource_id, f.region]
            for f in new
        ]
        table = _table(["severity", "check", "resource", "region"], rows)
        title = f"🆕 New since the last audit ({len(new)})"
        parts.append(
            f"### {title}\n\n{table}" if len(new) <= FOLD_ROWS else _fold(f"<b>{title}</b>", table)
        )
    else:
        parts.append("### 🆕 New since the last audit\n\n_Nothing new._")
    if resolved:
        body = "\n".join(f"- {table_cell(label)}" for label in resolved[:MAX_ROWS])
        if len(resolved) > MAX_ROWS:
            body += f"\n- … and {len(resolved) - MAX_ROWS} more"
        title = f"✅ Resolved since the last audit ({len(resolved)})"
        parts.append(
            f"### {title}\n\n{body}"
            if len(resolved) <= FOLD_ROWS
            else _fold(f"<b>{title}</b>", body)
        )
    else:
        parts.append("### ✅ Resolved since the last audit\n\n_Nothing resolved._")
    if unchecked:
        parts.append(
            f"_{unchecked} earlier finding(s) were not re-checked because their data could "
            "not be read this time; they are neither new nor resolved._"
        )
    elif report.not_audited and unnamed:
        parts.append(
            "_Some parts were not audited this time; findings there may show as resolved "
            "although they were not re-checked._"
        )
    return "\n\n".join(parts)


def _group(findings: list[Finding], meta: CheckMeta | None) -> str:
    first = findings[0]
    icon = SEVERITY_ICONS.get(first.severity, "⚪")
    open_count = sum(not f.suppressed for f in findings)
    quiet = len(findings) - open_count
    count = f"{open_count}" + (f" (+{quiet} suppressed)" if quiet else "")
    head = f"#### {icon} {first.title}: {count} failing"
    ids = [f"`{first.check_id}`", first.severity]
    if meta is not None and meta.cis:
        ids.append("CIS " + ", ".join(meta.cis))
    if meta is not None and meta.fsbp:
        ids.append("FSBP " + ", ".join(meta.fsbp))
    rows: list[list[object]] = [
        [
            f.resource_id,
            f.region,
            f.detail if not f.suppressed else f"🔕 {f.detail} (suppressed: {f.suppression_reason})",
        ]
        for f in findings
    ]
    table = _table(["resource", "region", "detail"], rows, note=" in the JSON report")
    if len(rows) > FOLD_ROWS:
        table = _fold(f"{len(rows)} resources", table)
    parts = [head, " · ".join(ids)]
    if meta is not None:
        parts.append(f"_{meta.risk}_")
    parts.append(table)
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
    tally: dict[str, int] = {}
    for result in report.checks:
        tally[result.status] = tally.get(result.status, 0) + 1
    words = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(tally.items()))
    rows: list[list[object]] = [
        [r.id, r.severity, r.status.replace("_", " "), r.findings, r.note]
        for r in sorted(report.checks, key=lambda r: (severity_rank(r.severity), r.id))
    ]
    return _fold(
        f"<b>Checks</b> ({len(report.checks)}: {words})",
        _table(["check", "severity", "status", "findings", "note"], rows),
    )


def _expired(report: AuditReport) -> str:
    if not report.expired_suppressions:
        return ""
    lines = [
        f"- `{table_cell(s.check)}` on `{table_cell(s.resource)}` expired on {s.expires}: "
        f"{table_cell(s.reason)}"
        for s in report.expired_suppressions
    ]
    return (
        "### ⌛ Expired suppressions\n\nThese no longer apply; renew them in the config file "
        "or fix the findings.\n\n" + "\n".join(lines)
    )


def render_markdown(
    report: AuditReport,
    *,
    previous_fingerprints: Collection[str] | Mapping[str, str] | None = None,
    limit: int = COMMENT_BUDGET,
    more_url: str = "",
    trigger: str = "/devops",
) -> str:
    """The report as Markdown, at most ``limit`` characters.

    Args:
        report: the audit report.
        previous_fingerprints: fingerprints of the last audit's open findings (a set),
            or :func:`read_fingerprints`'s labels (a mapping, which also names resolved
            findings); when given, "New" and "Resolved since the last audit" sections appear.
        limit: most characters; checks that do not fit are summarised at the end.
        more_url: where the full report is (the job summary or an artifact), for the cut note.
        trigger: the comment prefix shown in front of the ``audit fix`` commands.

    Returns:
        The Markdown body (no fingerprint marker; add :func:`fingerprints_marker` yourself).
    """
    meta = _metadata()
    head = _summary(report)
    sections = [
        s
        for s in (
            _not_audited(report),
            _changes(report, previous_fingerprints) if previous_fingerprints is not None else "",
            render_loop(report, trigger=trigger),
            _expired(report),
        )
        if s
    ]
    tail = _checks_table(report)
    ordered = sorted(report.findings, key=lambda f: (severity_rank(f.severity), f.check_id))
    groups = [
        (check_id, sorted(items, key=lambda f: (f.suppressed, f.region, f.resource_id)))
        for check_id, items in groupby(ordered, key=lambda f: f.check_id)
    ]
    body = "\n\n".join([*head, *sections])
    if groups:
        body += "\n\n### Findings"
    reserve = len(tail) + 400
    left_out: list[tuple[str, int]] = []
    for check_id, items in groups:
        block = _group(items, meta.get(check_id))
        if left_out or len(body) + len(block) + 2 + reserve > limit:
            left_out.append((check_id, len(items)))
            continue
        body += "\n\n" + block
    if left_out:
        where = f"[full report]({more_url})" if more_url else "JSON report"
        names = ", ".join(f"`{c}` ({n})" for c, n in left_out[:20])
        more = f" and {len(left_out) - 20} more" if len(left_out) > 20 else ""
        body += (
            f"\n\n_{len(left_out)} more checks with findings did not fit here: {names}{more}. "
            f"See the {where}._"
        )
    if tail and len(body) + len(tail) + 2 <= limit:
        body += "\n\n" + tail
    return fit(body, limit=limit, more_url=more_url)
