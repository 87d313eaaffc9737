"""Running an audit: collect the inventory once, judge it with every check, rank the findings.

:func:`run_audit` is the one entry point that touches AWS (through
:func:`~devops_agent.audit.reading.collect`). Everything after the inventory
is pure and separately callable: :func:`evaluate` (checks → report),
:func:`apply_suppressions` (config → suppressed findings), :func:`merge_reports`
(the multi-account matrix) and :func:`parse_report` (a JSON report read back).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from devops_agent import __version__
from devops_agent.audit.config import AuditConfig
from devops_agent.audit.inventory import PARTS, Inventory, expand_parts
from devops_agent.audit.models import (
    SCHEMA_VERSION,
    SERVICES,
    SEVERITIES,
    AuditReport,
    CheckResult,
    CheckStatus,
    Finding,
    Hit,
    NotAudited,
    Service,
    SeverityCounts,
    Suppression,
    fingerprint,
    severity_rank,
)
from devops_agent.audit.reading import collect
from devops_agent.audit.registry import Check, Limits, discover_checks, select_checks
from devops_agent.aws import check_region
from devops_agent.errors import BadInput, ServiceError

if TYPE_CHECKING:
    import boto3

__all__ = [
    "active_suppression",
    "apply_suppressions",
    "evaluate",
    "fix_commands",
    "is_global",
    "judge",
    "merge_reports",
    "parse_report",
    "run_audit",
    "with_fix_commands",
]


def run_audit(
    session: boto3.Session,
    regions: Sequence[str],
    services: Sequence[str] | None = None,
    *,
    account_id: str | None = None,
    config: AuditConfig | None = None,
    checks: Sequence[str] | None = None,
    sequential: bool = False,
    max_workers: int = 16,
) -> AuditReport:
    """Audit one account: read what the checks need, run them, apply suppressions.

    Read-only: only Describe/Get/List calls (and generating the IAM credential report).

    Args:
        session: a session with the read role's credentials.
        regions: regions to audit; ``config.regions`` when empty.
        services: ``ec2``, ``vpc``, ``s3``, ``iam``; ``config.services`` or all when ``None``.
        account_id: the account; asked from STS when ``None``.
        config: suppressions and defaults from the repo config.
        checks: only these check ids (globs allowed), e.g. for a focused run or a test.
        sequential: read one part and region after another (a baseline to compare with).
        max_workers: most AWS listings in flight at once (per-item reads, such as
            bucket settings, share a pool of their own: ``reading.ITEM_WORKERS``).

    Returns:
        The report. Parts that could not be read are listed in ``not_audited`` and
        their checks are ``not_audited`` or ``partial``, never ``passed``.

    Raises:
        BadInput: no regions, an unknown region, service or check id.
        ServiceError: the credentials do not work at all (STS refused).
    """
    config = config or AuditConfig()
    wanted_regions = list(regions) or list(config.regions)
    if not wanted_regions:
        raise BadInput(
            "No region to audit. Pass --regions, set the aws-regions input, or list "
            "audit.regions in the repo config."
        )
    region_list = list(dict.fromkeys(check_region(session, r) for r in wanted_regions))
    service_list = _services(services if services is not None else (config.services or None))
    selected = select_checks(discover_checks(), service_list, checks)
    parts = {part for check in selected for part in check.meta.requires}
    inventory = collect(
        session,
        region_list,
        parts,
        account_id=account_id,
        sequential=sequential,
        max_workers=max_workers,
    )
    report = evaluate(inventory, selected, services=service_list, thresholds=config.thresholds)
    return with_fix_commands(apply_suppressions(report, config.suppressions), selected)


def judge(
    session: boto3.Session,
    check: Check,
    region: str,
    *,
    config: AuditConfig | None = None,
    resources: Sequence[str] = (),
    account_id: str | None = None,
) -> tuple[Inventory, list[Hit]]:
    """Run one check on one region (or the account, for a global check), optionally on only
    some resources: what ``audit fix`` plans from and what the re-check after an apply reads.

    Args:
        session: the read role's session.
        check: the check.
        region: its region (a global check reads its account-wide parts from there).
        config: thresholds from the repo config.
        resources: only these resource ids (all when empty); buckets outside them are not
            even read.
        account_id: the account; asked from STS when ``None``.

    Returns:
        The inventory read and the check's hits (only on ``resources`` when given).

    Raises:
        ServiceError: a part the check needs, or a named resource, could not be read
            (nothing is judged on what was not read).
    """
    config = config or AuditConfig()
    wanted = set(resources)
    inventory = collect(
        session,
        [region],
        set(check.meta.requires),
        account_id=account_id,
        buckets=wanted if check.meta.service == "s3" and wanted else None,
    )
    needed = expand_parts(check.meta.requires)
    for gap in inventory.gaps:
        # A whole part unread, or a named resource unread: nothing to judge it on. A
        # resource nobody named that could not be read simply yields no hit.
        if gap.part in needed and (gap.resource is None or gap.resource in wanted):
            raise ServiceError(
                f"Could not read {gap.part} ({gap.permission}, {gap.code or 'error'}): "
                f"{gap.reason}",
                code=gap.code,
                action=gap.permission,
            )
    hits = check.judge(inventory, config.thresholds)
    if wanted:
        hits = [h for h in hits if h.resource_id in wanted]
    return inventory, hits


def fix_commands(check: Check, findings: Iterable[Finding]) -> list[str]:
    """The ``audit fix`` commands that plan the fix of ``findings``: one per region for a
    regional check, one for a global one; none when the check has no automatic fix.

    Args:
        check: The check the findings are of.
        findings: Its findings; suppressed ones need no fix and are left out.

    Returns:
        ``audit fix CHECK_ID`` (with ``--region R`` per region for a regional check),
        without the trigger; empty when nothing is to be fixed or no fix is declared.
    """
    if check.meta.fix is None:
        return []
    regions = sorted({f.region for f in findings if not f.suppressed})
    if not regions:
        return []
    base = f"audit fix {check.meta.id}"
    if regions == ["global"] or is_global(check):
        return [base]
    return [f"{base} --region {r}" for r in regions]


def is_global(check: Check) -> bool:
    """Whether every part the check reads is account-wide (IAM, S3, account settings).

    Args:
        check: The check.

    Returns:
        ``True`` when none of its required inventory parts is read per region.
    """
    return all(PARTS[p].scope == "global" for p in expand_parts(check.meta.requires))


def with_fix_commands(report: AuditReport, checks: Sequence[Check]) -> AuditReport:
    """A copy of ``report`` whose failing checks carry the commands that plan their fix.

    Args:
        report: The report (suppressions already applied).
        checks: The checks that ran; a result whose check is not among them is kept as is.

    Returns:
        The copy, each check result's ``fix_commands`` set by :func:`fix_commands`.
    """
    by_id = {c.meta.id: c for c in checks}
    per_check: dict[str, list[Finding]] = {}
    for finding in report.findings:
        per_check.setdefault(finding.check_id, []).append(finding)
    results = [
        r.model_copy(update={"fix_commands": fix_commands(by_id[r.id], per_check.get(r.id, []))})
        if r.id in by_id
        else r
        for r in report.checks
    ]
    return report.model_copy(update={"checks": results})


def _services(services: Iterable[str] | None) -> list[Service]:
    if services is None:
        return list(SERVICES)
    wanted = {s.strip().lower() for s in services if s.strip()}
    unknown = sorted(wanted - set(SERVICES))
    if unknown:
        raise BadInput(
            f"Unknown audit service: {', '.join(unknown)}. Audits know {', '.join(SERVICES)}."
        )
    return [s for s in SERVICES if s in wanted] or list(SERVICES)


def _rank(finding: Finding) -> tuple[int, str, str, str]:
    return (severity_rank(finding.severity), finding.check_id, finding.region, finding.resource_id)


def evaluate(
    inventory: Inventory,
    checks: Sequence[Check],
    *,
    services: Sequence[Service] | None = None,
    thresholds: Limits | None = None,
) -> AuditReport:
    """Run ``checks`` over ``inventory`` (pure) and build the unsuppressed report.

    A check that raises is reported with status ``error`` and does not stop the others.
    ``thresholds`` (the repo config's ``audit.thresholds``) override the checks' defaults.

    Args:
        inventory: What was read, with the parts that could not be.
        checks: The checks to run.
        services: The services audited, recorded in the report; all when ``None``.
        thresholds: Configured threshold values by name; the declared defaults otherwise.

    Returns:
        The report: findings ranked by severity (one per check, region and resource,
        with its fingerprint), each check's status (``passed`` only when everything it
        needs was read), the unread parts with the checks they blind, and the counts.
    """
    findings: list[Finding] = []
    results: list[CheckResult] = []
    for check in checks:
        meta = check.meta
        hits = []
        error = ""
        try:
            hits = check.judge(inventory, thresholds)
        except Exception as exc:  # a broken check must not sink the audit
            error = f"The check failed: {type(exc).__name__}: {exc}"
        status, note = _status(check, inventory, bool(hits), error)
        title = check.title(thresholds)
        seen: set[str] = set()
        for hit in hits:
            mark = fingerprint(meta.id, inventory.account, hit.region, hit.resource_id)
            if mark in seen:
                continue
            seen.add(mark)
            findings.append(
                Finding(
                    check_id=meta.id,
                    title=title,
                    severity=meta.severity,
                    service=meta.service,
                    region=hit.region,
                    account=inventory.account,
                    resource_id=hit.resource_id,
                    resource_arn=hit.resource_arn,
                    detail=hit.detail,
                    fingerprint=mark,
                )
            )
        results.append(
            CheckResult(
                id=meta.id,
                service=meta.service,
                severity=meta.severity,
                status=status,
                findings=len(seen),
                note=note,
            )
        )
    gaps = [
        gap.model_copy(
            update={
                "checks": tuple(
                    c.meta.id for c in checks if gap.part in expand_parts(c.meta.requires)
                )
            }
        )
        for gap in inventory.gaps
    ]
    findings.sort(key=_rank)
    counts, suppressed = _count(findings)
    return AuditReport(
        tool_version=__version__,
        generated_at=inventory.collected_at,
        account=inventory.account,
        accounts=[inventory.account],
        regions=list(inventory.regions),
        services=list(services) if services is not None else list(SERVICES),
        counts=counts,
        suppressed=suppressed,
        not_audited=gaps,
        checks=results,
        api_calls=inventory.api_calls,
        duration_seconds=inventory.duration_seconds,
        findings=findings,
    )


def _status(
    check: Check, inventory: Inventory, failed: bool, error: str
) -> tuple[CheckStatus, str]:
    needed = expand_parts(check.meta.requires)
    gaps = [g for g in inventory.gaps if g.part in needed]
    if error:
        return "error", error
    scopes: set[str] = set()
    if any(PARTS[p].scope == "region" for p in needed):
        scopes.update(inventory.regions)
    if any(PARTS[p].scope == "global" for p in needed):
        scopes.add("global")
    blind = {g.region for g in gaps if g.resource is None}
    missing = sorted({f"{g.permission} in {g.region} ({g.code or 'error'})" for g in gaps})
    note = ""
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        note = "Not read: " + "; ".join(missing[:3]) + more + "."
    if failed:
        return "failed", note
    if not gaps:
        return "passed", ""
    if scopes and scopes <= blind:
        return "not_audited", note
    return "partial", note


def _count(findings: Iterable[Finding]) -> tuple[SeverityCounts, int]:
    tally = dict.fromkeys(SEVERITIES, 0)
    suppressed = 0
    for finding in findings:
        if finding.suppressed:
            suppressed += 1
        else:
            tally[finding.severity] += 1
    return SeverityCounts(**tally), suppressed


def _matches(suppression: Suppression, finding: Finding) -> bool:
    resource_ok = fnmatchcase(finding.resource_id, suppression.resource) or bool(
        finding.resource_arn and fnmatchcase(finding.resource_arn, suppression.resource)
    )
    return (
        resource_ok
        and fnmatchcase(finding.check_id, suppression.check)
        and fnmatchcase(finding.account, suppression.account)
        and fnmatchcase(finding.region, suppression.region)
    )


def active_suppression(
    finding: Finding, suppressions: Sequence[Suppression], *, today: date
) -> Suppression | None:
    """The first suppression that covers ``finding`` on ``today`` (expired ones do not).

    Args:
        finding: The finding.
        suppressions: The repo config's suppressions, in order.
        today: The day expiry is judged on (a suppression expiring that day still holds).

    Returns:
        The suppression whose check, account, region and resource globs all match (the
        resource matched by id or ARN), or ``None``.
    """
    return next(
        (
            s
            for s in suppressions
            if (s.expires is None or s.expires >= today) and _matches(s, finding)
        ),
        None,
    )


def apply_suppressions(
    report: AuditReport, suppressions: Sequence[Suppression], *, today: date | None = None
) -> AuditReport:
    """Mark the findings the suppressions cover (pure); expired ones are listed, not applied.

    Args:
        report: the report (earlier suppressions are recomputed from ``suppressions``).
        suppressions: from the repo config.
        today: the day expiry is judged on; the report's own date when ``None``.

    Returns:
        A copy with ``suppressed``/``suppression_reason`` set, counts recomputed and
        ``expired_suppressions`` filled. Suppressed findings stay in the report.
    """
    day = today or report.generated_at.date()
    active = [s for s in suppressions if s.expires is None or s.expires >= day]
    expired = [s for s in suppressions if s.expires is not None and s.expires < day]
    findings = []
    for finding in report.findings:
        match = next((s for s in active if _matches(s, finding)), None)
        findings.append(
            finding.model_copy(
                update={
                    "suppressed": match is not None,
                    "suppression_reason": match.reason if match else None,
                }
            )
        )
    per_check: dict[str, int] = {}
    for finding in findings:
        if finding.suppressed:
            per_check[finding.check_id] = per_check.get(finding.check_id, 0) + 1
    checks = [r.model_copy(update={"suppressed": per_check.get(r.id, 0)}) for r in report.checks]
    counts, suppressed = _count(findings)
    return report.model_copy(
        update={
            "findings": findings,
            "checks": checks,
            "counts": counts,
            "suppressed": suppressed,
            "expired_suppressions": expired,
        }
    )


_STATUS_ORDER: tuple[CheckStatus, ...] = ("error", "failed", "partial", "not_audited", "passed")


def merge_reports(reports: Sequence[AuditReport]) -> AuditReport:
    """One report from several (a matrix of accounts or region sets), de-duplicated.

    Findings are de-duplicated by fingerprint (the first report's copy wins),
    ``not_audited`` keeps every distinct entry of every report, counts are
    recomputed, API calls add up, and the duration is the slowest report's (the
    jobs ran side by side).

    Args:
        reports: The reports, e.g. one per account of a matrix job.

    Returns:
        The merged report: each check's worst status (``partial`` when only some runs
        could not audit it), its notes and fix commands joined, account ``multiple``
        when the reports cover more than one.

    Raises:
        BadInput: no reports.
    """
    if not reports:
        raise BadInput("There are no audit reports to merge.")
    by_mark: dict[str, Finding] = {}
    for report in reports:
        for finding in report.findings:
            by_mark.setdefault(finding.fingerprint, finding)
    findings = sorted(by_mark.values(), key=_rank)

    gaps: dict[str, NotAudited] = {}
    for report in reports:
        for gap in report.not_audited:
            gaps.setdefault(gap.model_dump_json(), gap)
    expired: dict[str, Suppression] = {}
    for report in reports:
        for item in report.expired_suppressions:
            expired.setdefault(item.model_dump_json(), item)

    merged_checks: dict[str, list[CheckResult]] = {}
    for report in reports:
        for result in report.checks:
            merged_checks.setdefault(result.id, []).append(result)
    per_check: dict[str, tuple[int, int]] = {}
    for finding in findings:
        total, quiet = per_check.get(finding.check_id, (0, 0))
        per_check[finding.check_id] = (total + 1, quiet + int(finding.suppressed))
    checks = []
    for check_id in sorted(merged_checks):
        runs = merged_checks[check_id]
        statuses = {r.status for r in runs}
        if statuses == {"not_audited"}:
            status: CheckStatus = "not_audited"
        elif "not_audited" in statuses and not statuses & {"error", "failed"}:
            status = "partial"
        else:
            status = next(s for s in _STATUS_ORDER if s in statuses)
        total, quiet = per_check.get(check_id, (0, 0))
        notes = sorted({r.note for r in runs if r.note})
        commands = sorted({c for r in runs for c in r.fix_commands})
        checks.append(
            runs[0].model_copy(
                update={
                    "status": status,
                    "findings": total,
                    "suppressed": quiet,
                    "note": " ".join(notes),
                    "fix_commands": commands,
                }
            )
        )

    accounts = sorted({a for r in reports for a in (r.accounts or [r.account])})
    regions = list(dict.fromkeys(region for r in reports for region in r.regions))
    services = [s for s in SERVICES if any(s in r.services for r in reports)]
    counts, suppressed = _count(findings)
    return AuditReport(
        tool_version=__version__,
        generated_at=max(r.generated_at for r in reports),
        account=accounts[0] if len(accounts) == 1 else "multiple",
        accounts=accounts,
        regions=regions,
        services=services,
        counts=counts,
        suppressed=suppressed,
        not_audited=list(gaps.values()),
        expired_suppressions=list(expired.values()),
        checks=checks,
        api_calls=sum(r.api_calls for r in reports),
        duration_seconds=max(r.duration_seconds for r in reports),
        findings=findings,
    )


def parse_report(text: str, *, source: str = "the report") -> AuditReport:
    """A JSON audit report read back, with a clear error for another schema version.

    Args:
        text: The report's JSON.
        source: Where it came from, named in the messages (a file name).

    Returns:
        The validated report.

    Raises:
        BadInput: not JSON, another ``schema_version``, or not a report's shape.
    """
    try:
        data: Any = json.loads(text)
    except ValueError as exc:
        raise BadInput(f"{source} is not JSON: {exc}.") from exc
    if not isinstance(data, dict):
        raise BadInput(f"{source} is not an audit report (a JSON object was expected).")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise BadInput(
            f"{source} has schema_version {version!r}; this devops-agent ({__version__}) "
            f"reads version {SCHEMA_VERSION}. Re-run the audit with the same version."
        )
    try:
        return AuditReport.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise BadInput(f"{source} is not a valid audit report: {where}: {first['msg']}.") from exc
