"""The audit in the AWS Security Finding Format (ASFF, schema 2018-10-08): what Security
Hub's ``BatchImportFindings`` accepts.

One finding per resource and check, imported as the account's own product
(``product/<account>/default``, which every account may write to without an
integration), in the region of the resource; findings of global resources (IAM, account
settings) go to ``home_region``. The field limits are Security Hub's (the botocore model
knows the shapes, the ASFF reference the lengths): a title of 256 characters, a
description of 1,024, a recommendation of 512. The tests validate the output against
botocore's ``BatchImportFindings`` input shape and import it into moto's Security Hub.
"""

from __future__ import annotations

from typing import Any

from devops_agent.audit.formats import compliance_ids, partition_of, resource_type
from devops_agent.audit.models import AuditReport, Finding
from devops_agent.audit.view import metadata

__all__ = ["SCHEMA_VERSION", "product_arn", "region_of", "to_asff"]

#: The ASFF version the findings follow.
SCHEMA_VERSION = "2018-10-08"
#: Security Hub's severity labels by ours.
_LABELS = {"low": "LOW", "medium": "MEDIUM", "high": "HIGH", "critical": "CRITICAL"}
_CIS = (
    "Software and Configuration Checks/Industry and Regulatory Standards/"
    "CIS AWS Foundations Benchmark"
)
_FSBP = "Software and Configuration Checks/AWS Security Best Practices"
_OTHER = "Software and Configuration Checks/Vulnerabilities"


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def region_of(finding: Finding, home_region: str) -> str:
    """The region a finding is imported into: its own, or ``home_region`` for global ones.

    Args:
        finding: The finding; IAM and account settings have region ``global``.
        home_region: The Security Hub region that receives global findings.

    Returns:
        The region name.
    """
    return home_region if finding.region == "global" else finding.region


def product_arn(partition: str, region: str, account: str) -> str:
    """The account's own product in Security Hub, which accepts its findings without setup
    beyond enabling Security Hub.

    Args:
        partition: The account's partition.
        region: The Security Hub region the finding goes to.
        account: The account id.

    Returns:
        ``arn:PARTITION:securityhub:REGION:ACCOUNT:product/ACCOUNT/default``.
    """
    return f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default"


def _finding(report: AuditReport, finding: Finding, home_region: str) -> dict[str, Any]:
    meta = metadata().get(finding.check_id)
    when = report.generated_at.isoformat().replace("+00:00", "Z")
    partition = partition_of(finding)
    region = region_of(finding, home_region)
    types = []
    if meta is not None and meta.cis:
        types.append(_CIS)
    if meta is not None and meta.fsbp:
        types.append(_FSBP)
    types = types or [_OTHER]
    severity = {"Label": _LABELS[finding.severity], "Original": finding.severity}
    out: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": _cut(f"devops-agent/{finding.check_id}/{finding.fingerprint}", 512),
        "ProductArn": product_arn(partition, region, finding.account),
        "ProductName": "devops-agent",
        "CompanyName": "devops-agent",
        "GeneratorId": _cut(f"devops-agent/{finding.check_id}", 512),
        "AwsAccountId": finding.account,
        "Region": region,
        "Types": types,
        "CreatedAt": when,
        "UpdatedAt": when,
        "Severity": severity,
        "Title": _cut(finding.title, 256),
        "Description": _cut(finding.detail, 1024),
        "ProductFields": {
            "ProviderName": "devops-agent",
            "ProviderVersion": report.tool_version,
            "devops-agent/CheckId": finding.check_id,
            "devops-agent/Fingerprint": finding.fingerprint,
        },
        "Resources": [
            {
                "Type": resource_type(finding),
                "Id": finding.resource_arn or finding.resource_id,
                "Partition": partition,
                "Region": region,
            }
        ],
        "Compliance": {"Status": "FAILED"},
        "Workflow": {"Status": "SUPPRESSED" if finding.suppressed else "NEW"},
        "RecordState": "ACTIVE",
        "FindingProviderFields": {"Severity": severity, "Types": types},
    }
    related = compliance_ids(meta)
    if related:
        out["Compliance"]["RelatedRequirements"] = related[:32]
    if meta is not None:
        out["Remediation"] = {"Recommendation": {"Text": _cut(meta.remediation.text, 512)}}
    if finding.suppressed and finding.suppression_reason:
        out["Note"] = {
            "Text": _cut(f"Suppressed: {finding.suppression_reason}", 512),
            "UpdatedBy": "devops-agent",
            "UpdatedAt": when,
        }
    return out


def to_asff(report: AuditReport, *, home_region: str | None = None) -> list[dict[str, Any]]:
    """Every finding of ``report`` in ASFF, in the report's order.

    Args:
        report: the audit report.
        home_region: where findings of global resources go; the report's first region
            when ``None``.

    Returns:
        One ASFF finding per finding, cut to Security Hub's field limits: workflow
        ``SUPPRESSED`` (with the reason as a note) for suppressed ones, ``NEW``
        otherwise; compliance ``FAILED`` with the CIS and FSBP controls the check cites.
    """
    home = home_region or (report.regions[0] if report.regions else "us-east-1")
    return [_finding(report, finding, home) for finding in report.findings]
