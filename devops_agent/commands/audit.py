"""``audit``: the read-only estate audit as a command, a CLI and a scheduled job.

The engine lives in :mod:`devops_agent.audit`; this module turns its report into
a :class:`~devops_agent.report.Result` (Markdown, the JSON report, ``fail-on``)
the same way for a comment, a dispatch, a schedule and ``devops-agent audit``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devops_agent.commands.language import Invocation, regions_of
from devops_agent.report import Result

if TYPE_CHECKING:
    from devops_agent.audit import AuditReport
    from devops_agent.context import DevOpsContext

SERVICE_WORDS = ("ec2", "s3", "iam", "vpc")


def title_of(report: AuditReport) -> str:
    """``Audit: 3 findings (1 high, 2 medium) in 2 regions``."""
    counts = report.counts.model_dump()
    total = sum(counts.values())
    worst = ", ".join(f"{n} {level}" for level, n in counts.items() if n)
    where = f"{len(report.regions)} region{'s' if len(report.regions) != 1 else ''}"
    if total == 0:
        return f"Audit: no findings in {where}"
    return f"Audit: {total} finding{'s' if total != 1 else ''} ({worst}) in {where}"


def audit_result(
    report: AuditReport, *, fail_on: str, more_url: str = "", previous: Any = None
) -> Result:
    """The audit as a result: Markdown body, JSON report, and exit code from ``fail-on``."""
    from devops_agent.audit import render_markdown, severity_at_least

    failed = severity_at_least(report, fail_on)
    data = report.model_dump(mode="json")
    return Result(
        status="failure" if failed else "success",
        title=title_of(report),
        text=render_markdown(report, previous_fingerprints=previous, more_url=more_url)
        + (f"\n\n`fail-on: {fail_on}` reached: the step fails." if failed else ""),
        data={
            "audit": data,
            "findings_count": sum(report.counts.model_dump().values()),
        },
        report=data,
        exit_code=1 if failed else 0,
    )


def config_path(ctx: DevOpsContext) -> Path:
    """The repo config file, inside the workspace."""
    return ctx.env.workspace / ctx.settings.config_file


def run(ctx: DevOpsContext, inv: Invocation) -> Result:
    """``audit [ec2|s3|iam|vpc ...] [--region R]``."""
    from devops_agent.audit import load_config, run_audit
    from devops_agent.errors import BadInput

    services = [a.lower() for a in inv.args]
    unknown = [s for s in services if s not in SERVICE_WORDS]
    if unknown:
        raise BadInput(
            f"`audit` audits {', '.join(SERVICE_WORDS)}; not {', '.join(unknown)}.",
            remedy="Usage: audit [ec2|s3|iam|vpc ...] [--region R]",
        )
    config = load_config(config_path(ctx))
    if inv.option("--region"):
        regions = regions_of(ctx, inv)
    else:
        regions = list(ctx.settings.aws_regions) or list(config.regions) or [ctx.region]
    report = run_audit(ctx.session(), regions, services or None, config=config)
    return audit_result(report, fail_on=ctx.settings.fail_on, more_url=ctx.env.run_url)


def cli_audit(args: Any) -> int:
    """``devops-agent audit [--regions R] [--json PATH]`` and ``devops-agent audit merge FILES``."""
    import os
    import sys

    from devops_agent.audit import load_config, merge_reports, parse_report, run_audit
    from devops_agent.errors import BadInput
    from devops_agent.report import render_body
    from devops_agent.sanitize import Redactor

    if getattr(args, "audit_verb", None) == "merge":
        reports = []
        for name in args.files:
            path = Path(name)
            try:
                reports.append(parse_report(path.read_text(encoding="utf-8"), source=str(path)))
            except OSError as exc:
                raise BadInput(f"Cannot read {path}: {exc.strerror or exc}.") from None
        report = merge_reports(reports)
        args.json = args.merge_json or args.json
        args.fail_on = args.merge_fail_on or args.fail_on
    else:
        import boto3

        config = load_config(Path(args.config))
        session = boto3.Session()
        regions = [r.strip() for r in args.regions.split(",") if r.strip()]
        regions = regions or list(config.regions) or [session.region_name or "us-east-1"]
        services = [s.strip() for s in args.services.split(",") if s.strip()] or None
        report = run_audit(session, regions, services, config=config)
    result = audit_result(report, fail_on=args.fail_on)
    redact = Redactor()
    if args.json:
        data = redact.redact_data(report.model_dump(mode="json"))
        Path(args.json).write_text(redact(json.dumps(data, indent=2)), encoding="utf-8")
        print(f"devops-agent: JSON report written to {args.json}", file=sys.stderr)
    body = redact(render_body(result))
    print(body)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(body + "\n")
    return result.exit_code
