"""How large the audit's answers get, and how long they take to render, at any estate size.

A scheduled audit of 2,663 findings once failed to create its issue (GitHub: 422 "body is
too long") and still reported success. This builds synthetic reports of 1,000 to 30,000
findings (over every real check, three regions), renders what each place gets, and
prints each size against its limit:

* the living issue's body (65,536 characters) and its hidden state comments;
* the answer comment's audit text (65,536 characters);
* the job summary (1 MiB), and how many findings it lists in full;
* the OCSF and ASFF files, and how long each takes.

It fails when a body exceeds its limit or the new/resolved counts of a second audit
(3,000 fixed, 2,500 new at 10,000) come out wrong.

Usage: python bench/audit_bodies.py [--sizes 1000,10000,30000]
"""

from __future__ import annotations

import argparse
import re
import sys
import time

from devops_agent.audit import (
    AuditReport,
    Finding,
    decode_state,
)
from devops_agent.audit.formats import render
from devops_agent.audit.result import COMMENT_TEXT_LIMIT, SUMMARY_TEXT_LIMIT, audit_body
from devops_agent.publish import ISSUE_LIMIT, audit_issue_body
from devops_agent_sandbox.audit_reports import ranked_report, spread_findings


def findings(ids: range) -> list[Finding]:
    """One finding per number, spread over every check and three regions."""
    return spread_findings(
        ids,
        lambda resource: (
            f"Volume {resource} (8 GiB, attached to i-0123456789abcdef0) is not encrypted."
        ),
    )


def report(found: list[Finding]) -> AuditReport:
    """A report of ``found`` as the engine would rank and count it."""
    return ranked_report(found, tool_version="bench")


def _timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Print sizes and times; exit 1 when a limit is broken or a count is wrong."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2663,10000,30000")
    args = parser.parse_args(argv)
    ok = True
    print(
        f"{'findings':>9} {'issue':>16} {'parts':>14} {'comment':>16} {'summary (bytes)':>22} "
        f"{'listed':>7} {'render s':>8} {'ocsf s':>7} {'asff s':>7}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        audit = report(findings(range(size)))
        (body, parts), issue_s = _timed(lambda a=audit: audit_issue_body(a, token="bench"))
        comment = audit_body(audit, "comment")
        summary, summary_s = _timed(lambda a=audit: audit_body(a, "summary"))
        _, ocsf_s = _timed(lambda a=audit: render(a, "ocsf"))
        _, asff_s = _timed(lambda a=audit: render(a, "asff", home_region="us-east-1"))
        summary_bytes = len(summary.encode("utf-8"))
        listed = len(re.findall(r"^\| [a-z0-9]+-\d{6} \|", summary, re.M))
        fits = (
            len(body) <= ISSUE_LIMIT
            and all(len(p) <= ISSUE_LIMIT for p in parts)
            and len(comment) <= COMMENT_TEXT_LIMIT
            and summary_bytes <= SUMMARY_TEXT_LIMIT
        )
        ok &= fits
        print(
            f"{size:>9,} {len(body):>7,} ({len(body) / ISSUE_LIMIT:4.0%}) "
            f"{len(parts):>3} × ≤{max((len(p) for p in parts), default=0):>7,} "
            f"{len(comment):>7,} ({len(comment) / 65_536:4.0%}) "
            f"{summary_bytes:>12,} ({summary_bytes / (1024 * 1024):4.0%}) {listed:>7,} "
            f"{issue_s + summary_s:>8.2f} {ocsf_s:>7.2f} {asff_s:>7.2f}" + ("" if fits else "  ✗")
        )
    # Exact changes at 10,000: 3,000 fixed and 2,500 new since the last audit.
    first = report(findings(range(10_000)))
    previous = decode_state(*audit_issue_body(first, token="one"))
    now = report([*first.findings[3_000:], *findings(range(50_000, 52_500))])
    body, _ = audit_issue_body(now, previous=previous, token="two")
    exact = "New since the last audit (2,500)" in body and (
        "Resolved since the last audit (3,000)" in body
    )
    print(f"changes at 10,000 (2,500 new, 3,000 resolved): {'exact' if exact else 'WRONG'}")
    return 0 if ok and exact else 1


if __name__ == "__main__":
    sys.exit(main())
