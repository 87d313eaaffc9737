"""``devops-agent audit``: the read-only estate audit from a shell, with your own credentials.

The engine lives in :mod:`devops_agent.audit`; the ``audit`` command, the scheduled run and
the agent's tool are its catalog declaration (:mod:`devops_agent.audit.operations`), whose
result (:func:`~devops_agent.audit.result.audit_result`) this verb shares.

The JSON report is always written (``--json PATH``, by default
``.devops-agent/report.json``), so every pointer to "the JSON report" names a file that
exists. What is printed is ``--format``: plain text on a terminal, Markdown when piped
(for a job summary or a file), or the report itself as JSON, OCSF or ASFF.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Where the JSON report goes without ``--json``: the same place the action writes it.
DEFAULT_REPORT = Path(".devops-agent") / "report.json"


def _pick(args: Any, name: str) -> Any:
    """An output option given before or after ``merge`` (``merge`` has its own copy)."""
    later = getattr(args, f"merge_{name}", None)
    return later if later is not None else getattr(args, name, None)


def cli_audit(args: Any) -> int:
    """``devops-agent audit [--regions R] [--format F] [--json PATH]`` and ``… audit merge FILES``.

    Audits with the caller's own credentials (boto3's default chain), or merges the JSON
    reports of several runs; writes the redacted JSON report, prints the chosen format,
    and appends the summary to ``GITHUB_STEP_SUMMARY`` when that is set.

    Args:
        args: The parsed command line (``argparse.Namespace``): ``regions``,
            ``services``, ``config``, ``format``, ``json``, ``fail_on`` and
            ``securityhub_import``; for ``merge``, ``files`` and its own copies of the
            output options.

    Returns:
        The exit code: 0, or 1 when ``--fail-on`` is reached or the Security Hub import
        failed.

    Raises:
        BadInput: A report to merge cannot be read or is not an audit report, or the
            JSON report cannot be written.
        ConfigError: The config file is unreadable or invalid.
    """
    import json
    import os
    import sys

    from devops_agent.audit import load_config, merge_reports, parse_report, run_audit
    from devops_agent.audit.formats import render
    from devops_agent.audit.markdown import Pointer
    from devops_agent.audit.result import SUMMARY_TEXT_LIMIT, audit_body, audit_result
    from devops_agent.errors import BadInput
    from devops_agent.report import render_body
    from devops_agent.sanitize import Redactor

    fail_on = _pick(args, "fail_on") or "never"
    notes: list[str] = []
    failed = False
    if getattr(args, "audit_verb", None) == "merge":
        reports = []
        for name in args.files:
            path = Path(name)
            try:
                reports.append(parse_report(path.read_text(encoding="utf-8"), source=str(path)))
            except OSError as exc:
                raise BadInput(f"Cannot read {path}: {exc.strerror or exc}.") from None
        report = merge_reports(reports)
        home = report.regions[0] if report.regions else "us-east-1"
    else:
        import boto3

        config = load_config(Path(args.config))
        session = boto3.Session()
        regions = [r.strip() for r in args.regions.split(",") if r.strip()]
        regions = regions or list(config.regions) or [session.region_name or "us-east-1"]
        services = [s.strip() for s in args.services.split(",") if s.strip()] or None
        report = run_audit(session, regions, services, config=config)
        home = session.region_name or regions[0]
        if args.securityhub_import:
            from devops_agent.audit.formats.securityhub import import_findings

            sent = import_findings(session, report, home_region=home)
            notes.append(sent.sentence())
            failed = not sent.ok
    result = audit_result(report, fail_on=fail_on, notes=notes, failed=failed)
    redact = Redactor()
    out = Path(_pick(args, "json") or DEFAULT_REPORT)
    data = redact.redact_data(report.model_dump(mode="json"))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(redact(json.dumps(data, indent=2)), encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"Cannot write the JSON report to {out}: {exc.strerror or exc}.") from None
    print(f"devops-agent: JSON report written to {out}", file=sys.stderr)

    fmt = _pick(args, "format") or ("text" if sys.stdout.isatty() else "markdown")
    if fmt == "markdown":
        text = audit_body(report, "comment", pointer=Pointer(report_path=str(out)), notes=notes)
        printed = render_body(result.model_copy(update={"text": text}))
    else:
        printed = render(report, fmt, home_region=home, report_path=str(out))
        if fmt == "text" and notes:
            printed += "\n\n" + "\n".join(notes)
    print(redact(printed))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        text = audit_body(report, "summary", pointer=Pointer(report_path=str(out)), notes=notes)
        body = redact(render_body(result.model_copy(update={"text": text})))
        encoded = body.encode("utf-8")[:SUMMARY_TEXT_LIMIT]
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(encoded.decode("utf-8", "ignore") + "\n")
    return result.exit_code
