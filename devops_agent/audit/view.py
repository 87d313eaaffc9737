"""What a reader of an audit should see first, as data: shared by the Markdown and text views.

A report holds every finding in one flat list; people read it by check. This module
groups and ranks it (worst severity first, then the checks with most open findings),
says what changed since the last audit (with exact counts however much of it is shown),
names the real cause of each gap (a missing permission is not an unreachable endpoint),
and gives the headline: the state of the estate, not whether the command ran.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cache

from devops_agent.audit.history import Previous, mark_of
from devops_agent.audit.models import (
    SEVERITIES,
    AuditReport,
    CheckMeta,
    CheckStatus,
    Finding,
    severity_rank,
)
from devops_agent.aws import failure_kind
from devops_agent.report import plural

__all__ = [
    "CAUSES",
    "SEVERITY_ICONS",
    "Changes",
    "CheckGroup",
    "GapRow",
    "PreviousLike",
    "changes",
    "check_groups",
    "gap_rows",
    "headline",
    "metadata",
    "state_icon",
    "status_words",
]

SEVERITY_ICONS = {"critical": "🔴", "high": "🟠", "medium": "🟡", "low": "🔵"}
PreviousLike = Previous | Collection[str] | Mapping[str, str]


@cache
def metadata() -> dict[str, CheckMeta]:
    """Every check's metadata by id (the registry is read once per process).

    Returns:
        The :class:`~devops_agent.audit.models.CheckMeta` of each discovered check, by
        id; cached, so callers must not change it.
    """
    from devops_agent.audit.registry import discover_checks

    return {c.meta.id: c.meta for c in discover_checks()}


def state_icon(report: AuditReport) -> str:
    """The estate's state at a glance: the worst open severity, ✅ only when all is clean.

    ⚠️ when nothing is open but part of the estate could not be read: that is not clean.

    Args:
        report: The audit report.

    Returns:
        The icon of the worst open severity (:data:`SEVERITY_ICONS`), else ⚠️ or ✅.
    """
    for severity in SEVERITIES:
        if getattr(report.counts, severity):
            return SEVERITY_ICONS[severity]
    blind = report.not_audited or any(
        c.status in ("not_audited", "partial", "error") for c in report.checks
    )
    return "⚠️" if blind else "✅"


def headline(report: AuditReport) -> str:
    """``Audit: 3 open findings (1 high, 2 medium) in 2 regions``: what the estate is like.

    Args:
        report: The audit report.

    Returns:
        The line: open findings by severity, the regions (and accounts for a merged
        report); with nothing open, whether some of it could not be audited.
    """
    counts = report.counts
    total = counts.total
    where = plural(len(report.regions), "region")
    if report.account == "multiple":
        where += f" of {plural(len(report.accounts), 'account')}"
    if total == 0:
        if state_icon(report) == "⚠️":
            return f"Audit: no open findings in what could be read in {where} (some not audited)"
        return f"Audit: no open findings in {where}"
    worst = ", ".join(f"{getattr(counts, s):,} {s}" for s in SEVERITIES if getattr(counts, s))
    return f"Audit: {plural(total, 'open finding')} ({worst}) in {where}"


def status_words(report: AuditReport) -> str:
    """``41 of 51 checks fail · 8 pass · 2 partial``: how the checks went.

    Args:
        report: The audit report.

    Returns:
        How many checks failed out of all, then each other status that occurred.
    """
    tally = Counter(c.status for c in report.checks)
    words: dict[CheckStatus, str] = {
        "passed": "pass",
        "partial": "partial",
        "not_audited": "not audited",
        "error": "in error",
    }
    parts = [f"{tally['failed']:,} of {plural(len(report.checks), 'check')} fail"]
    parts += [f"{tally[s]:,} {w}" for s, w in words.items() if tally[s]]
    return " · ".join(parts)


@dataclass(frozen=True)
class CheckGroup:
    """One check's findings, worst first, with what a reader needs beside them."""

    check_id: str
    title: str
    severity: str
    findings: list[Finding]
    """Open findings first (new ones first among them), then suppressed ones."""
    open: int
    suppressed: int
    new: int | None
    """Open findings not in the last audit; ``None`` when there is no last audit to compare."""
    meta: CheckMeta | None
    fix_command: str = ""
    """The exact command that plans the fix for this check's resources, when it has one."""


def check_groups(report: AuditReport, previous: Previous | None = None) -> list[CheckGroup]:
    """Findings grouped by check: worst severity first, then most open findings.

    Every check with a finding gets a group, also one whose findings are all suppressed.

    Args:
        report: The audit report.
        previous: The last audit's open findings, to count and list new ones first;
            ``None`` when unknown (``new`` is then ``None``).

    Returns:
        One group per check, its findings sorted open first, new first, then by region
        and resource, with its fix command(s) when the check has any.
    """
    meta = metadata()
    fixes = {c.id: " · ".join(c.fix_commands) for c in report.checks if c.fix_commands}
    by_check: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_check.setdefault(finding.check_id, []).append(finding)
    groups = []
    for check_id, items in by_check.items():
        items.sort(
            key=lambda f: (
                f.suppressed,
                previous is None or f.fingerprint in previous,
                f.region,
                f.resource_id,
            )
        )
        open_count = sum(not f.suppressed for f in items)
        new = (
            None
            if previous is None
            else sum(not f.suppressed and f.fingerprint not in previous for f in items)
        )
        first = items[0]
        groups.append(
            CheckGroup(
                check_id=check_id,
                title=first.title,
                severity=first.severity,
                findings=items,
                open=open_count,
                suppressed=len(items) - open_count,
                new=new,
                meta=meta.get(check_id),
                fix_command=fixes.get(check_id, ""),
            )
        )
    groups.sort(key=lambda g: (severity_rank(g.severity), -g.open, -g.suppressed, g.check_id))
    return groups


@dataclass(frozen=True)
class Changes:
    """What changed since the last audit. Counts are exact; lists may be cut when shown."""

    new: list[Finding]
    """Open findings the last audit did not have, worst first."""
    resolved: list[tuple[str, str]]
    """``(check_id, "resource region")`` of each resolved finding the state named."""
    resolved_unnamed: Counter[str] = field(default_factory=Counter)
    """Resolved findings the state could not name, counted by check ('' for unknown)."""
    unchecked: int = 0
    """Last audit's findings whose check could not run now: neither new nor resolved."""

    @property
    def resolved_count(self) -> int:
        """Every resolved finding, named or not."""
        return len(self.resolved) + sum(self.resolved_unnamed.values())


def changes(report: AuditReport, previous: Previous) -> Changes:
    """New, resolved and not re-checked findings against the last audit's state.

    A finding of the last audit whose check is not audited, partial or in error now is
    neither new nor resolved (its data was not read). A suppressed finding is not resolved.

    Args:
        report: The audit report.
        previous: The last audit's open findings.

    Returns:
        The open findings not in ``previous``; those of ``previous`` gone now, named when
        their label is known and counted per check when not; and how many could not be
        re-checked.
    """
    new = [f for f in report.findings if not f.suppressed and f.fingerprint not in previous]
    current = {mark_of(f.fingerprint) for f in report.findings}
    blind = {c.id for c in report.checks if c.status in ("not_audited", "partial", "error")}
    ran = {c.id for c in report.checks}
    resolved: list[tuple[str, str]] = []
    unnamed: Counter[str] = Counter()
    unchecked = 0
    for mark, check in sorted(previous.checks.items(), key=lambda kv: (kv[1], kv[0])):
        if mark in current:
            continue
        if check in blind or (check and ran and check not in ran):
            unchecked += 1
            continue
        label = previous.labels.get(mark)
        if label:
            resolved.append((check, label))
        else:
            unnamed[check] += 1
    return Changes(new=new, resolved=resolved, resolved_unnamed=unnamed, unchecked=unchecked)


#: How each cause of a gap reads, and what to do about it.
CAUSES: dict[str, tuple[str, str]] = {
    "denied": (
        "missing permission",
        "Grant the named IAM actions to the audit's read role (for example the AWS managed "
        "`SecurityAudit` policy) and check that no SCP or permissions boundary denies them.",
    ),
    "unreachable": (
        "endpoint unreachable",
        "No call was answered, so no permission was judged: check the network, the region "
        "and `AWS_ENDPOINT_URL` if it points at a local stand-in.",
    ),
    "credentials": (
        "credentials rejected",
        "AWS did not accept the credentials: check `aws-role-to-assume` and the job's "
        "`id-token: write` permission, or your local AWS profile.",
    ),
    "throttled": (
        "throttled",
        "AWS kept throttling after the retries: run the audit again or audit fewer "
        "regions at once.",
    ),
    "opt_in": (
        "region not enabled",
        "Enable the region for the account, or drop it from `aws-regions`.",
    ),
    "not_found": (
        "not found",
        "The resource went away while it was read; the next audit reads it again.",
    ),
    "failed": (
        "call failed",
        "The call failed for another reason (see each reason); run the audit again and "
        "report it if it stays.",
    ),
}


@dataclass(frozen=True)
class GapRow:
    """Gaps of one kind, in one service and region, for one IAM action."""

    cause: str
    """A key of :data:`CAUSES`."""
    service: str
    region: str
    permission: str
    code: str
    resources: list[str]
    """The resources concerned; empty when the whole part is missing."""
    checks: set[str]
    reason: str


def gap_rows(report: AuditReport) -> list[GapRow]:
    """``not_audited`` grouped by (cause, service, region, action, code), causes in order.

    Args:
        report: The audit report.

    Returns:
        One row per group, with its resources, the checks it blinds and the first reason,
        ordered by :data:`CAUSES` (denied, unreachable, credentials…), then service,
        region and code.
    """
    rows: dict[tuple[str, str, str, str, str], GapRow] = {}
    for gap in report.not_audited:
        cause = failure_kind(gap.code) if gap.code else "failed"
        key = (cause, gap.service, gap.region, gap.permission, gap.code)
        row = rows.get(key)
        if row is None:
            row = rows[key] = GapRow(
                cause=cause,
                service=gap.service,
                region=gap.region,
                permission=gap.permission,
                code=gap.code,
                resources=[],
                checks=set(),
                reason=gap.reason,
            )
        if gap.resource:
            row.resources.append(gap.resource)
        row.checks.update(gap.checks)
    order = list(CAUSES)
    return sorted(rows.values(), key=lambda r: (order.index(r.cause), r.service, r.region, r.code))
