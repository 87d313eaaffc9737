"""The audit as an operation: ``audit [ec2|s3|iam|vpc ...]`` and the agent's ``run_audit`` tool.

The engine (:mod:`devops_agent.audit.engine`) reads the estate once and judges it; this
module declares it in the catalog so the command, the scheduled run and the agent reach
the same audit with the same arguments. Read-only: the read role's Describe, Get and
List calls (and generating the IAM credential report).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from devops_agent.audit.config import load_config
from devops_agent.audit.engine import run_audit
from devops_agent.audit.fixes import OPERATIONS as FIX_OPERATIONS
from devops_agent.audit.inventory import PARTS
from devops_agent.audit.models import AuditReport
from devops_agent.audit.result import audit_result, title_of
from devops_agent.aws import Regions, regions_for
from devops_agent.errors import DevOpsError
from devops_agent.operation import Command, Lower, Positional, Read, Reader
from devops_agent.report import Result

__all__ = ["AUDIT", "OPERATIONS", "AuditArgs", "audit_result", "title_of"]

AuditedService = Literal["ec2", "s3", "iam", "vpc"]

#: IAM actions of the read role the audit uses: every inventory part's actions in
#: ``audit/inventory.py``, STS to learn the account, and the one it sends findings to
#: Security Hub with when ``securityhub-import`` is true (BatchImportFindings only accepts
#: findings of the caller's own account, into its own product).
AUDIT_ACTIONS = tuple(
    sorted(
        {action for part in PARTS.values() for action in part.actions}
        | {"sts:GetCallerIdentity", "securityhub:BatchImportFindings"}
    )
)


class AuditArgs(Regions):
    """Arguments of ``audit``."""

    services: Annotated[
        list[Annotated[AuditedService, Lower]], Positional(rest=True), Field(max_length=4)
    ] = Field(default_factory=list)
    """Only these services (ec2, s3, iam, vpc); empty for all four."""


def _audit(reader: Reader, args: AuditArgs) -> AuditReport:
    config = load_config(reader.workspace / reader.settings.config_file)
    if args.region:
        regions = regions_for(reader, args.region)
    else:
        regions = list(reader.settings.aws_regions) or list(config.regions) or [reader.region]
    report = run_audit(reader.session(), regions, args.services or None, config=config)
    return with_rechecks(reader, with_trigger(report, reader.settings.trigger))


def with_trigger(report: AuditReport, trigger: str) -> AuditReport:
    """The report with each fix command as it is typed in a comment (``/devops audit fix …``)."""
    checks = [
        c.model_copy(update={"fix_commands": [f"{trigger} {cmd}" for cmd in c.fix_commands]})
        if c.fix_commands
        else c
        for c in report.checks
    ]
    return report.model_copy(update={"checks": checks})


def with_rechecks(reader: Reader, report: AuditReport) -> AuditReport:
    """The report with what fix plans' re-checks recorded in the audit issue: each fix told
    once, as its finding stands now (nothing without GitHub or an open audit issue; a
    GitHub error leaves the audit as it is)."""
    if reader.github is None:
        return report
    from github import GithubException

    from devops_agent.audit.history import decode_state
    from devops_agent.audit.rechecks import attach, find_audit_issue, read_issue_records

    try:
        issue = find_audit_issue(reader.github, reader.repository)
        if issue is None:
            return report
        records = read_issue_records(reader.github, issue, reader.settings.signing_key)
    except (GithubException, DevOpsError):
        return report
    return attach(report, records, previous=decode_state(issue.body or ""))


def _render(reader: Reader, args: AuditArgs, report: AuditReport) -> Result:
    notes: list[str] = []
    failed = False
    if reader.settings.securityhub_import:
        from devops_agent.audit.formats.securityhub import import_findings

        sent = import_findings(reader.session(), report, home_region=reader.region)
        notes.append(sent.sentence())
        failed = not sent.ok
    return audit_result(
        report,
        fail_on=reader.settings.fail_on,
        more_url=reader.env.run_url,
        notes=notes,
        failed=failed,
    )


AUDIT = Read(
    name="audit.run",
    args=AuditArgs,
    summary="Audit the AWS estate (read-only): findings ranked, with fixes.",
    service="audit",
    tool="run_audit",
    commands=(
        Command(
            "audit [ec2|s3|iam|vpc ...] [--region R]",
            "Audit the AWS estate (read-only): findings ranked, with fixes.",
        ),
    ),
    guide="Runs every security check (CIS AWS Foundations, AWS FSBP) over EC2, EBS, S3, IAM "
    "and VPC and returns findings ranked by severity, each with its resource, region and fix, "
    "and what could not be audited (with the missing permission). Use it for posture "
    'questions ("is anything public?", "unencrypted volumes?", "old access keys?"); pass the '
    "services and region that matter to keep it quick. Takes seconds to minutes.",
    actions=AUDIT_ACTIONS,
    timeout=300.0,
    read=_audit,
    render=_render,
)

OPERATIONS = (AUDIT, *FIX_OPERATIONS)
