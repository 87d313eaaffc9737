"""The audit as OCSF Detection Findings (OCSF 1.5.0, class 2004): what SIEMs and security
data lakes read, and Prowler's default JSON.

One event per finding, with the ``cloud`` profile (the account and region) and the
``datetime`` profile (readable times beside the epoch ones). Its shape follows the OCSF
schema export of version :data:`OCSF_VERSION`; the tests validate every event against a
JSON Schema made from that export (``tests/data/ocsf/``, see
``scripts/vendor_ocsf_schema.py``). Written by hand because the only libraries that model
OCSF in Python are either tied to another scanner's data or generic schema compilers; the
mapping is the part no library can know.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from devops_agent.audit.formats import compliance_ids, partition_of, resource_type
from devops_agent.audit.models import AuditReport, Finding
from devops_agent.audit.view import metadata

__all__ = ["OCSF_VERSION", "to_ocsf"]

#: The OCSF schema version the events follow.
OCSF_VERSION = "1.5.0"

#: OCSF severity_id by our severity (0 Unknown, 1 Informational … 5 Critical).
_SEVERITY_IDS = {"low": 2, "medium": 3, "high": 4, "critical": 5}
#: OCSF finding status_id: 1 New (open), 3 Suppressed.
_NEW, _SUPPRESSED = 1, 3


def _millis(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def _event(report: AuditReport, finding: Finding) -> dict[str, Any]:
    meta = metadata().get(finding.check_id)
    when = report.generated_at
    suppressed = finding.suppressed
    resource: dict[str, Any] = {
        "uid": finding.resource_arn or finding.resource_id,
        "name": finding.resource_id,
        "type": resource_type(finding),
        "cloud_partition": partition_of(finding),
        "region": finding.region,
        "data": {"details": finding.detail},
    }
    info: dict[str, Any] = {
        "uid": f"devops-agent-{finding.check_id}-{finding.fingerprint}",
        "title": finding.title,
        "desc": meta.risk if meta is not None else finding.title,
        "types": [f"devops-agent/{finding.service}", *compliance_ids(meta)],
        "created_time": _millis(when),
        "created_time_dt": _iso(when),
        "product_uid": "devops-agent",
    }
    event: dict[str, Any] = {
        "activity_id": 1,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "type_uid": 200401,
        "type_name": "Detection Finding: Create",
        "severity_id": _SEVERITY_IDS[finding.severity],
        "severity": finding.severity.capitalize(),
        "status_id": _SUPPRESSED if suppressed else _NEW,
        "status": "Suppressed" if suppressed else "New",
        "status_code": "FAIL",
        "status_detail": finding.detail,
        "message": finding.detail,
        "time": _millis(when),
        "time_dt": _iso(when),
        "is_alert": not suppressed,
        "finding_info": info,
        "resources": [resource],
        "cloud": {
            "provider": "AWS",
            "region": finding.region,
            "account": {"uid": finding.account, "type_id": 10, "type": "AWS Account"},
        },
        "metadata": {
            "version": OCSF_VERSION,
            "product": {
                "name": "devops-agent",
                "vendor_name": "devops-agent",
                "version": report.tool_version,
                "uid": "devops-agent",
            },
            "profiles": ["cloud", "datetime"],
            "event_code": finding.check_id,
            "uid": finding.fingerprint,
            "log_name": "audit",
            "log_provider": "devops-agent",
        },
        "unmapped": {
            "check_id": finding.check_id,
            "fingerprint": finding.fingerprint,
            "compliance": {"CIS-3.0": list(meta.cis), "FSBP": list(meta.fsbp)} if meta else {},
        },
    }
    if meta is not None:
        fix = meta.remediation
        event["remediation"] = {
            "desc": fix.text,
            "references": [f"aws cli: {fix.cli}", f"terraform:\n{fix.terraform}"],
        }
        event["risk_details"] = meta.risk
    if suppressed and finding.suppression_reason:
        event["comment"] = f"Suppressed: {finding.suppression_reason}"
    return event


def to_ocsf(report: AuditReport) -> list[dict[str, Any]]:
    """Every finding of ``report`` (suppressed ones with status Suppressed) as an OCSF
    Detection Finding, in the report's order (worst first).

    Args:
        report: The audit report.

    Returns:
        One OCSF 1.5.0 Detection Finding (class 2004) per finding, as JSON-able dicts.
    """
    return [_event(report, finding) for finding in report.findings]
