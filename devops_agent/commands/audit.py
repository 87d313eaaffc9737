"""``devops-agent audit``: the read-only estate audit from a shell, with your own credentials.

The engine lives in :mod:`devops_agent.audit`; the ``audit`` command, the scheduled run and
the agent's tool are its catalog declaration (:mod:`devops_agent.audit.operations`), whose
:func:`~devops_agent.audit.operations.audit_result` this verb shares.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def cli_audit(args: Any) -> int:
    """``devops-agent audit [--regions R] [--json PATH]`` and ``devops-agent audit merge FILES``.

    Args:
        args: The parsed ``audit`` arguments of the CLI (regions, services, JSON path, config,
            fail-on, or ``merge`` and its files).

    Returns:
        The exit code: 0, or 1 when an open finding reaches ``--fail-on``.

    Raises:
        BadInput: a report to merge cannot be read.
    """
    import os
    import sys

    from devops_agent.audit import load_config, merge_reports, parse_report, run_audit
    from devops_agent.audit.operations import audit_result
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
