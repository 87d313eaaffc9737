"""The audit's data: check metadata, findings, suppressions and the versioned report.

Everything here is plain pydantic and pure, so a report can be written as JSON
by one job and read back by another (``devops-agent audit merge``) without any
AWS access. The JSON shape of :class:`AuditReport` is a public contract:
``schema_version`` changes whenever a field is removed or changes meaning, and
``docs/audit-report-schema.md`` is generated from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    from devops_agent.audit.inventory import Inventory
    from devops_agent.operation import Args, Write

__all__ = [
    "SCHEMA_VERSION",
    "SERVICES",
    "SEVERITIES",
    "AuditModel",
    "AuditReport",
    "CheckMeta",
    "CheckResult",
    "CheckStatus",
    "Finding",
    "Fix",
    "Hit",
    "NotAudited",
    "Recheck",
    "Remediation",
    "Service",
    "Severity",
    "SeverityCounts",
    "Suppression",
    "Threshold",
    "fingerprint",
    "severity_rank",
]

#: Bumped when a report field is removed or changes meaning (adding one is not a break).
SCHEMA_VERSION = 1

Severity = Literal["low", "medium", "high", "critical"]
#: Most severe first: the order findings are ranked in.
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low")
Service = Literal["ec2", "s3", "iam", "vpc"]
#: The services an audit knows, in the order reports list them.
SERVICES: tuple[Service, ...] = ("ec2", "vpc", "s3", "iam")
CheckStatus = Literal["passed", "failed", "partial", "not_audited", "error"]


def severity_rank(severity: str) -> int:
    """0 for critical up to 3 for low; unknown words sort last.

    Args:
        severity: ``critical``, ``high``, ``medium`` or ``low``.

    Returns:
        Its rank (smaller is worse); 4 for any other word.
    """
    try:
        return SEVERITIES.index(severity)
    except ValueError:
        return len(SEVERITIES)


class AuditModel(BaseModel):
    """Base of the audit's models: immutable, strict about unknown fields, self-describing."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True, extra="forbid")


class Remediation(AuditModel):
    """How to fix a failed check, in words and as code."""

    text: str
    """One or two sentences: what to change."""
    cli: str
    """AWS CLI commands, with ``<placeholders>`` for the resource."""
    terraform: str
    """The Terraform (AWS provider v5) that keeps it fixed."""


class Threshold(AuditModel):
    """A number a check judges by: configurable under ``audit.thresholds`` in the repo config.

    The default is the stricter of the values the benchmarks publish, and ``source`` names
    where it comes from, so a finding never follows a weaker rule than the control its
    check cites.
    """

    name: str
    """The key under ``audit.thresholds``, e.g. ``console_password_max_unused_days``."""
    default: int | tuple[int, ...]
    """The value used unless the repo config sets another (a number, or a list of ports)."""
    unit: str
    """What the number counts: ``days``, ``characters``, ``passwords``, ``ports``."""
    meaning: str
    """One line: what the value limits."""
    source: str
    """Where the default comes from, e.g. ``CIS AWS Foundations v3.0.0 1.12 (45 days;
    FSBP IAM.8 says 90)``."""
    stricter: Literal["lower", "higher", "fewer"] = "lower"
    """Which way is stricter: a lower age, a higher length, fewer allowed ports."""


class Fix:
    """The catalog write that fixes one failing resource of a check.

    Derived, not duplicated: ``args`` fills the write's own argument model from the finding
    (with the inventory the check judged and its threshold values), and the write's preview
    re-reads the resource and builds the plan entry, or answers that it is already fixed.
    ``args`` returns ``None`` for a resource that needs a person after all (the plan then
    says why).
    """

    __slots__ = ("args", "caveat", "write")

    def __init__(
        self,
        write: Write[Any],
        args: Callable[[Hit, Inventory, Mapping[str, Any]], Args | None],
        *,
        caveat: str = "",
    ) -> None:
        self.write = write
        self.args = args
        self.caveat = caveat
        """What the fix may break, said under the plan (empty when nothing)."""

    def __repr__(self) -> str:
        return f"Fix({self.write.name})"


class CheckMeta(AuditModel):
    """What a check verifies and why; lives beside the check function in its module."""

    model_config = ConfigDict(
        frozen=True, use_attribute_docstrings=True, extra="forbid", arbitrary_types_allowed=True
    )

    id: str
    """``<service>_<resource>_<expected state>``; equals the module name."""
    service: Service
    """The service whose findings it reports (and whose ``audit <service>`` runs it)."""
    title: str
    """The expected state, as a short sentence."""
    severity: Severity
    """How bad a failure is."""
    risk: str
    """Why a failure matters: what an attacker or an outage could do with it."""
    remediation: Remediation
    """How to fix it."""
    cis: tuple[str, ...] = ()
    """CIS AWS Foundations Benchmark v3.0.0 control ids, e.g. ``"5.2"``."""
    fsbp: tuple[str, ...] = ()
    """AWS Foundational Security Best Practices control ids, e.g. ``"EC2.13"``."""
    requires: tuple[str, ...]
    """Inventory parts the check reads (see :data:`devops_agent.audit.inventory.PARTS`)."""
    thresholds: tuple[Threshold, ...] = ()
    """The numbers it judges by; ``title`` may name them in braces (``{name}``)."""
    fix: Fix | None = None
    """The catalog write that fixes a failing resource (``audit fix CHECK_ID``)."""
    no_fix: str = ""
    """Why there is no safe automatic fix, when ``fix`` is ``None``."""


class Hit(AuditModel):
    """One resource a check found in the wrong state (the check's raw output)."""

    region: str
    """Region of the resource, or ``"global"`` for IAM and account-wide settings."""
    resource_id: str
    """Id or name of the resource, as a user would type it."""
    resource_arn: str | None = None
    """ARN of the resource, when it has one."""
    detail: str
    """One sentence about this resource."""


def fingerprint(check_id: str, account: str, region: str, resource_id: str) -> str:
    """A stable id for one finding: the same problem on the same resource keeps it across runs.

    Only the check, account, region and resource go in, never the wording of the
    detail, so rephrasing a message does not make old findings look new.

    Args:
        check_id: The check's id.
        account: The AWS account id.
        region: The resource's region, or ``global``.
        resource_id: The resource's id (a bucket's name, a group's ``sg-…``).

    Returns:
        The first 20 hex characters of the SHA-256 of the four, unit-separated.
    """
    key = "\x1f".join((check_id, account, region, resource_id))
    return hashlib.sha256(key.encode()).hexdigest()[:20]


class Finding(AuditModel):
    """One resource failing one check."""

    check_id: str
    """The failed check."""
    title: str
    """The check's title."""
    severity: Severity
    """The check's severity."""
    service: Service
    """The check's service."""
    region: str
    """Region of the resource, or ``"global"``."""
    account: str
    """AWS account id the resource belongs to."""
    resource_id: str
    """Id or name of the resource."""
    resource_arn: str | None = None
    """ARN of the resource, when known."""
    detail: str
    """One sentence about this resource."""
    fingerprint: str
    """Stable hash of (check, account, region, resource): the identity across runs."""
    suppressed: bool = False
    """True when a suppression in the repo config covers it; it is counted, not hidden."""
    suppression_reason: str | None = None
    """The suppression's reason, when suppressed."""


class NotAudited(AuditModel):
    """A part of the estate the audit could not read: never reported as clean."""

    service: Service
    """Service whose data is missing."""
    region: str
    """Region it could not read, or ``"global"``."""
    part: str
    """Inventory part that is missing, e.g. ``"ec2.snapshots"``."""
    permission: str
    """The IAM action that failed (the permission to grant when it was refused)."""
    code: str = ""
    """AWS error code, e.g. ``AccessDenied``; empty when no call was made."""
    reason: str
    """What happened, in one or two sentences."""
    resource: str | None = None
    """The one resource it concerns (e.g. a bucket), when not the whole part."""
    checks: tuple[str, ...] = ()
    """Checks that could not (fully) run because of it."""


class CheckResult(AuditModel):
    """How one check went: failed, passed, or could not be judged."""

    id: str
    """Check id."""
    service: Service
    """Check service."""
    severity: Severity
    """Check severity."""
    status: CheckStatus
    """``failed`` (findings), ``passed`` (every scope read, nothing found), ``partial``
    (nothing found where read, some scopes unreadable), ``not_audited`` (nothing
    readable) or ``error`` (the check itself failed: a bug)."""
    findings: int = 0
    """Findings, suppressed ones included."""
    suppressed: int = 0
    """Of those, how many are suppressed."""
    note: str = ""
    """Why a check is partial, not audited or in error."""
    fix_commands: list[str] = Field(default_factory=list)
    """For a failing check with an automatic fix: the commands that plan it, one per region
    with open findings (``audit fix CHECK_ID --region R``; the trigger goes in front)."""


class Recheck(AuditModel):
    """What the same check read on one resource right after a fix plan was applied."""

    check_id: str
    """The check that ran again."""
    region: str
    """Region of the resource, or ``"global"``."""
    resource_id: str
    """The resource the plan fixed."""
    fingerprint: str
    """The finding's fingerprint (check, account, region, resource)."""
    resolved: bool
    """True when the check passed on the resource after the apply."""
    detail: str
    """What was read: the check's finding when it still fails, what passes otherwise."""
    plan_id: str
    """The applied plan."""
    requester: str
    """Who asked for the plan."""
    approver: str
    """Who applied it."""
    applied_at: datetime
    """When the re-check ran (UTC)."""
    run_url: str = ""
    """The apply run, when known."""


class SeverityCounts(AuditModel):
    """Unsuppressed findings per severity."""

    critical: int = 0
    """Open critical findings."""
    high: int = 0
    """Open high findings."""
    medium: int = 0
    """Open medium findings."""
    low: int = 0
    """Open low findings."""

    @property
    def total(self) -> int:
        """All unsuppressed findings."""
        return self.critical + self.high + self.medium + self.low


class Suppression(AuditModel):
    """An accepted risk from the repo config: matching findings are counted but not open."""

    check: str
    """A check id, or a glob of them such as ``s3_bucket_*``."""
    resource: str = "*"
    """fnmatch pattern on the resource id (or ARN), e.g. ``sg-0abc*`` or ``acme-public-*``."""
    account: str = "*"
    """fnmatch pattern on the account id."""
    region: str = "*"
    """fnmatch pattern on the region (``global`` for IAM and S3 account settings)."""
    reason: str
    """Why the risk is accepted; shown beside the finding."""
    expires: date | None = None
    """Last day the suppression applies (YYYY-MM-DD); none means it never expires."""

    @field_validator("reason")
    @classmethod
    def _reason_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("reason must say why the risk is accepted")
        return value.strip()

    @field_validator("check", "resource", "account", "region")
    @classmethod
    def _pattern_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()


class AuditReport(AuditModel):
    """The result of one audit (or of several merged): the JSON report's shape, version 1."""

    schema_version: Literal[1] = 1
    """Version of this shape; readers refuse versions they do not know."""
    tool_version: str
    """devops-agent version that wrote the report."""
    generated_at: datetime
    """When the inventory was read (UTC)."""
    account: str
    """The account audited; ``"multiple"`` for a merged report of several accounts."""
    accounts: list[str] = Field(default_factory=list)
    """Every account in the report."""
    regions: list[str]
    """Regions audited."""
    services: list[Service]
    """Services audited."""
    counts: SeverityCounts
    """Unsuppressed findings per severity."""
    suppressed: int = 0
    """Findings covered by a suppression."""
    not_audited: list[NotAudited] = Field(default_factory=list)
    """What could not be read, with the permission that was missing."""
    expired_suppressions: list[Suppression] = Field(default_factory=list)
    """Suppressions in the config whose ``expires`` date has passed: they no longer apply."""
    checks: list[CheckResult] = Field(default_factory=list)
    """Every check that ran, with its status."""
    api_calls: int = 0
    """AWS API calls made to read the inventory."""
    duration_seconds: float = 0.0
    """Wall time of the audit (of the slowest one, for a merged report)."""
    findings: list[Finding] = Field(default_factory=list)
    """Every finding, ranked by severity, then check, then resource."""
    rechecks: list[Recheck] = Field(default_factory=list)
    """Fixes applied since the previous audit and what the check read right after each:
    resolved (with the plan and its approver) or still failing (with what was read)."""
