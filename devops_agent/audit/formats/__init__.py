"""The audit in the formats other tools read: OCSF for SIEMs and data lakes, ASFF for
AWS Security Hub, beside our own JSON and Markdown.

Each format is one pure function from an :class:`~devops_agent.audit.models.AuditReport`
to JSON-able data (:mod:`~devops_agent.audit.formats.ocsf`,
:mod:`~devops_agent.audit.formats.asff`); :func:`render` picks one by name, and what
both share (an ARN's resource type, the compliance ids a check cites) lives here.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from devops_agent.audit.models import AuditReport, CheckMeta, Finding

__all__ = [
    "FILE_NAMES",
    "FORMATS",
    "Format",
    "compliance_ids",
    "partition_of",
    "render",
    "resource_type",
]

Format = Literal["json", "ocsf", "asff", "markdown", "text"]
#: Every format ``devops-agent audit --format`` knows.
FORMATS: tuple[Format, ...] = ("json", "ocsf", "asff", "markdown", "text")
#: The file each format is written to under ``.devops-agent/`` by the action.
FILE_NAMES: dict[str, str] = {
    "json": "report.json",
    "ocsf": "report.ocsf.json",
    "asff": "report.asff.json",
    "markdown": "report.md",
}

#: ASFF resource types (Security Hub's names; OCSF output uses them too) by the service
#: and resource type of an ARN. Anything else is ``Other``, as ASFF asks.
_RESOURCE_TYPES: dict[tuple[str, str], str] = {
    ("ec2", "instance"): "AwsEc2Instance",
    ("ec2", "security-group"): "AwsEc2SecurityGroup",
    ("ec2", "volume"): "AwsEc2Volume",
    ("ec2", "elastic-ip"): "AwsEc2Eip",
    ("ec2", "vpc"): "AwsEc2Vpc",
    ("ec2", "subnet"): "AwsEc2Subnet",
    ("ec2", "network-acl"): "AwsEc2NetworkAcl",
    ("ec2", "network-interface"): "AwsEc2NetworkInterface",
    ("ec2", "route-table"): "AwsEc2RouteTable",
    ("ec2", "vpc-peering-connection"): "AwsEc2VpcPeeringConnection",
    ("ec2", "launch-template"): "AwsEc2LaunchTemplate",
    ("s3", ""): "AwsS3Bucket",
    ("iam", "user"): "AwsIamUser",
    ("iam", "role"): "AwsIamRole",
    ("iam", "policy"): "AwsIamPolicy",
    ("iam", "group"): "AwsIamGroup",
    ("iam", "root"): "AwsAccount",
}


def _arn_parts(arn: str | None) -> tuple[str, str, str]:
    """``(partition, service, resource type)`` of an ARN; empty strings when it is none."""
    if not arn or not arn.startswith("arn:"):
        return "", "", ""
    fields = arn.split(":", 5)
    if len(fields) < 6:
        return "", "", ""
    resource = fields[5]
    kind = resource.split("/", 1)[0] if "/" in resource else ""
    if fields[2] == "iam" and resource == "root":
        kind = "root"
    return fields[1], fields[2], kind


def resource_type(finding: Finding) -> str:
    """The ASFF resource type of a finding's resource, e.g. ``AwsEc2SecurityGroup``.

    Args:
        finding: The finding; its ARN's service and resource type decide.

    Returns:
        Security Hub's type name; ``AwsAccount`` for an account-wide finding without an
        ARN; ``Other`` for anything the table does not know, as ASFF asks.
    """
    _, service, kind = _arn_parts(finding.resource_arn)
    found = _RESOURCE_TYPES.get((service, kind))
    if found:
        return found
    if not finding.resource_arn and finding.resource_id in (finding.account, "account"):
        return "AwsAccount"
    return "Other"


def partition_of(finding: Finding) -> str:
    """The AWS partition of a finding (``aws``, ``aws-cn``, ``aws-us-gov``).

    Args:
        finding: The finding.

    Returns:
        The partition of its resource's ARN; ``aws`` when it has none.
    """
    return _arn_parts(finding.resource_arn)[0] or "aws"


def compliance_ids(meta: CheckMeta | None) -> list[str]:
    """The standards' controls a check cites, as Security Hub names them.

    Args:
        meta: The check's metadata; ``None`` for a finding whose check is unknown.

    Returns:
        ``CIS AWS Foundations Benchmark v3.0.0/<id>`` and
        ``AWS Foundational Security Best Practices v1.0.0/<id>`` entries, CIS first.
    """
    if meta is None:
        return []
    ids = [f"CIS AWS Foundations Benchmark v3.0.0/{c}" for c in meta.cis]
    ids += [f"AWS Foundational Security Best Practices v1.0.0/{c}" for c in meta.fsbp]
    return ids


def _json_lines(items: list[Any]) -> str:
    """A JSON array with one item per line: readable, diffable, and written by the C
    encoder (``indent`` would fall back to Python's, several times slower at 10,000)."""
    if not items:
        return "[]\n"
    return "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False) for item in items) + "\n]\n"


def render(report: AuditReport, fmt: str, **options: object) -> str:
    """``report`` in format ``fmt`` (see :data:`FORMATS`), as the text of a file.

    ``options`` go to the format's renderer (``home_region`` for ASFF's global findings).

    Args:
        report: The audit report.
        fmt: One of :data:`FORMATS`.
        options: ``home_region`` (ASFF: the Security Hub region that receives global
            findings) and ``report_path`` (Markdown and text: the JSON report to point at).

    Returns:
        The file's text: indented JSON, a JSON array with one finding per line (OCSF,
        ASFF), the whole Markdown report, or plain text.

    Raises:
        ValueError: ``fmt`` is not a known format.
    """
    if fmt == "json":
        return report.model_dump_json(indent=2)
    if fmt == "ocsf":
        from devops_agent.audit.formats.ocsf import to_ocsf

        return _json_lines(to_ocsf(report))
    if fmt == "asff":
        from devops_agent.audit.formats.asff import to_asff

        home = str(options.get("home_region") or "")
        return _json_lines(to_asff(report, home_region=home or None))
    if fmt == "markdown":
        from devops_agent.audit.markdown import WHOLE, Pointer, render_markdown

        path = str(options.get("report_path") or "")
        return render_markdown(
            report, limit=10**9, layout=WHOLE, level=2, pointer=Pointer(report_path=path)
        )
    if fmt == "text":
        from devops_agent.audit.text import render_text

        return render_text(report, report_path=str(options.get("report_path") or ""))
    raise ValueError(f"unknown audit format {fmt!r}")
