"""Synthetic audit reports of any size, for the tests and benchmarks of what the audit's
answers look like at scale: findings spread over every real check and three regions, and a
report that ranks and counts them as the engine does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from devops_agent.audit import AuditReport, CheckResult, Finding, SeverityCounts, fingerprint
from devops_agent.audit.models import severity_rank
from devops_agent.audit.view import metadata

__all__ = ["ACCOUNT", "REGIONS", "ranked_report", "spread_findings"]

ACCOUNT = "123456789012"
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")


def spread_findings(ids: Iterable[int], detail: Callable[[str], str]) -> list[Finding]:
    """One finding per number, on every real check in turn and three regions (IAM's in
    ``global``), each on its own resource.

    Args:
        ids: The findings' numbers (their resources are named after them).
        detail: The finding's sentence, given its resource's name.

    Returns:
        The findings, in the order of ``ids``.
    """
    metas = sorted(metadata().values(), key=lambda m: m.id)
    found = []
    for i in ids:
        meta = metas[i % len(metas)]
        region = "global" if meta.service == "iam" else REGIONS[i % 3]
        resource = f"{meta.service}-{i:06d}"
        found.append(
            Finding(
                check_id=meta.id,
                title=meta.title,
                severity=meta.severity,
                service=meta.service,
                region=region,
                account=ACCOUNT,
                resource_id=resource,
                resource_arn=f"arn:aws:ec2:{region}:{ACCOUNT}:volume/{resource}",
                detail=detail(resource),
                fingerprint=fingerprint(meta.id, ACCOUNT, region, resource),
            )
        )
    return found


def ranked_report(findings: Iterable[Finding], **fields: Any) -> AuditReport:
    """A report of ``findings`` as the engine ranks and counts them: by severity, check,
    region and resource; every real check passed or failed; suppressed ones counted apart.

    Args:
        findings: The findings.
        **fields: Other report fields to set (``tool_version``, ``not_audited`` …).

    Returns:
        The report (audited 2025-06-01 in :data:`REGIONS` of :data:`ACCOUNT`).
    """
    ranked = sorted(
        findings, key=lambda f: (severity_rank(f.severity), f.check_id, f.region, f.resource_id)
    )
    failing = {f.check_id for f in ranked}
    values: dict[str, Any] = {
        "tool_version": "0",
        "generated_at": datetime(2025, 6, 1, 12, 0, tzinfo=UTC),
        "account": ACCOUNT,
        "accounts": [ACCOUNT],
        "regions": list(REGIONS),
        "services": ["ec2", "vpc", "s3", "iam"],
        "counts": SeverityCounts(
            **{
                s: sum(f.severity == s and not f.suppressed for f in ranked)
                for s in ("critical", "high", "medium", "low")
            }
        ),
        "suppressed": sum(f.suppressed for f in ranked),
        "checks": [
            CheckResult(
                id=m.id,
                service=m.service,
                severity=m.severity,
                status="failed" if m.id in failing else "passed",
                findings=sum(f.check_id == m.id for f in ranked),
            )
            for m in metadata().values()
        ],
        "findings": ranked,
        **fields,
    }
    return AuditReport.model_validate(values)
