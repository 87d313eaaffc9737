"""Sending the audit's findings to AWS Security Hub (``securityhub-import: true``).

With the read role, through ``BatchImportFindings`` (``securityhub:BatchImportFindings``,
listed in the audit's declared actions, so the read role's generated policy has it):
each finding into the Security Hub of its own region, global ones into the default
region, at most :data:`BATCH` findings per call (the API's limit). A region where
Security Hub is off or the call is refused is reported, never silently skipped; the
findings Security Hub rejects one by one are counted with its reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devops_agent.audit.formats.asff import to_asff
from devops_agent.audit.models import AuditReport
from devops_agent.aws import aws_errors, client
from devops_agent.errors import ServiceError
from devops_agent.report import plural

if TYPE_CHECKING:
    import boto3

__all__ = ["BATCH", "ImportOutcome", "import_findings"]

#: Most findings one BatchImportFindings call accepts.
BATCH = 100


@dataclass
class ImportOutcome:
    """What reached Security Hub, per region."""

    imported: Counter[str] = field(default_factory=Counter)
    """Findings Security Hub accepted, by region."""
    rejected: Counter[str] = field(default_factory=Counter)
    """Findings it turned down one by one (``FailedFindings``), by region."""
    errors: dict[str, str] = field(default_factory=dict)
    """Regions where the calls failed, with why."""
    reasons: list[str] = field(default_factory=list)
    """The first few reasons Security Hub gave for rejected findings."""

    @property
    def ok(self) -> bool:
        """Every finding was imported."""
        return not self.errors and not sum(self.rejected.values())

    def sentence(self) -> str:
        """One line for the answer: what was imported where, and what was not.

        Returns:
            How many findings were imported and in which regions, then how many were
            rejected with up to three of Security Hub's reasons, then each region whose
            calls failed and why.
        """
        done = sum(self.imported.values())
        where = ", ".join(sorted(self.imported)) or "no region"
        text = f"📤 Security Hub: {plural(done, 'finding')} imported ({where})."
        rejected = sum(self.rejected.values())
        if rejected:
            text += (
                f" ❌ {plural(rejected, 'finding')} rejected: " + "; ".join(self.reasons[:3]) + "."
            )
        for region, why in sorted(self.errors.items()):
            text += f" ❌ {region}: {why}"
        return text


def import_findings(
    session: boto3.Session, report: AuditReport, *, home_region: str
) -> ImportOutcome:
    """Import every finding of ``report`` (suppressed ones with workflow SUPPRESSED).

    Args:
        session: the read role's session.
        report: the audit report.
        home_region: the Security Hub that receives findings of global resources.

    Returns:
        What was imported, rejected and refused, per region. Never raises for AWS errors.
    """
    outcome = ImportOutcome()
    by_region: dict[str, list[dict[str, Any]]] = {}
    for finding in to_asff(report, home_region=home_region):
        by_region.setdefault(finding["Region"], []).append(finding)
    for region, findings in sorted(by_region.items()):
        hub = client(session, "securityhub", region)
        try:
            for start in range(0, len(findings), BATCH):
                with aws_errors("securityhub:BatchImportFindings", region=region):
                    answer = hub.batch_import_findings(Findings=findings[start : start + BATCH])
                outcome.imported[region] += int(answer.get("SuccessCount", 0))
                failed = answer.get("FailedFindings") or []
                outcome.rejected[region] += int(answer.get("FailedCount", len(failed)))
                for item in failed[:3]:
                    outcome.reasons.append(
                        f"{item.get('ErrorCode', '?')}: {item.get('ErrorMessage', '')}".strip()
                    )
        except ServiceError as exc:
            outcome.errors[region] = exc.explain()
    return outcome
