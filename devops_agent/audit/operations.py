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
from devops_agent.audit.models import AuditReport
from devops_agent.audit.result import audit_result, title_of
from devops_agent.aws import Regions, regions_for
from devops_agent.operation import Command, Lower, Positional, Read, Reader
from devops_agent.report import Result

__all__ = ["AUDIT", "OPERATIONS", "AuditArgs", "audit_result", "title_of"]

AuditedService = Literal["ec2", "s3", "iam", "vpc"]

#: IAM actions of the read role the audit's inventory uses (the parts' actions in
#: ``audit/inventory.py``, and STS to learn the account), and the one it sends findings to
#: Security Hub with when ``securityhub-import`` is true (BatchImportFindings only accepts
#: findings of the caller's own account, into its own product).
AUDIT_ACTIONS = (
    "ec2:DescribeAddresses",
    "ec2:DescribeFlowLogs",
    "ec2:DescribeImages",
    "ec2:DescribeInstances",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSnapshotAttribute",
    "ec2:DescribeSnapshots",
    "ec2:DescribeSubnets",
    "ec2:DescribeVolumes",
    "ec2:DescribeVpcPeeringConnections",
    "ec2:DescribeVpcs",
    "ec2:GetEbsEncryptionByDefault",
    "iam:GenerateCredentialReport",
    "iam:GetAccountAuthorizationDetails",
    "iam:GetAccountPasswordPolicy",
    "iam:GetAccountSummary",
    "iam:GetCredentialReport",
    "s3:GetAccountPublicAccessBlock",
    "s3:GetBucketAcl",
    "s3:GetBucketLocation",
    "s3:GetBucketLogging",
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketPolicy",
    "s3:GetBucketPolicyStatus",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketVersioning",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:ListAllMyBuckets",
    "securityhub:BatchImportFindings",
    "sts:GetCallerIdentity",
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
    return run_audit(reader.session(), regions, args.services or None, config=config)


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

OPERATIONS = (AUDIT,)
