"""Read-only infrastructure audits: collect an inventory once, judge it with pure checks.

The pieces, in the order a run uses them::

    load_config(path)            the repo config's audit: section (suppressions, defaults)
    run_audit(session, regions)  collect (inventory.py) → checks/<id>.py → AuditReport
    merge_reports([...])         one report from a matrix of accounts
    render_markdown(report)      the issue / comment / summary body (render_text: a terminal)
    encode_state / decode_state  the last audit's open findings, kept in the living issue
    severity_at_least(report, level)   the fail-on decision

Nothing here changes AWS: the inventory uses Describe, Get and List calls only
(plus generating the IAM credential report, which changes nothing).
"""

from devops_agent.audit.config import DEFAULT_CONFIG_PATH, AuditConfig, load_config
from devops_agent.audit.engine import (
    apply_suppressions,
    evaluate,
    merge_reports,
    parse_report,
    run_audit,
)
from devops_agent.audit.history import Previous, decode_state, encode_state
from devops_agent.audit.inventory import PARTS, Inventory
from devops_agent.audit.markdown import render_markdown, severity_at_least
from devops_agent.audit.models import (
    SCHEMA_VERSION,
    SERVICES,
    SEVERITIES,
    AuditReport,
    CheckMeta,
    CheckResult,
    Finding,
    Hit,
    NotAudited,
    Remediation,
    SeverityCounts,
    Suppression,
    fingerprint,
)
from devops_agent.audit.reading import collect
from devops_agent.audit.registry import Check, discover_checks, select_checks

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "PARTS",
    "SCHEMA_VERSION",
    "SERVICES",
    "SEVERITIES",
    "AuditConfig",
    "AuditReport",
    "Check",
    "CheckMeta",
    "CheckResult",
    "Finding",
    "Hit",
    "Inventory",
    "NotAudited",
    "Previous",
    "Remediation",
    "SeverityCounts",
    "Suppression",
    "apply_suppressions",
    "collect",
    "decode_state",
    "discover_checks",
    "encode_state",
    "evaluate",
    "fingerprint",
    "load_config",
    "merge_reports",
    "parse_report",
    "render_markdown",
    "run_audit",
    "select_checks",
    "severity_at_least",
]
