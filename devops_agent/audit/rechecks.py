"""Closing the loop: what a fix plan's re-check read, kept in the audit issue until the next audit.

A plan made by ``audit fix`` ends with a re-check step (:mod:`devops_agent.audit.fixes`):
right after the changes, the same check runs again on exactly the resources the plan
fixed. Each outcome becomes a :class:`~devops_agent.audit.models.Recheck` (resolved, or
still failing with what was read, with the plan, its requester and approver) that goes

* into the apply comment, as the step's result line, and
* into the open ``devops-audit`` issue, as a hidden, signed marker in its body
  (:func:`record`), where the next audit picks it up (:func:`read_records`,
  :func:`attach`) and shows it (:func:`render_loop`); rewriting the body then drops the
  marker, so each record is shown once.

Trust: every workflow of a repository comments and edits as the same bot, and people with
write access may edit the issue body. Each record is signed with the installation's
``plan-signing-key`` (purpose ``audit-recheck``); a run that has the key ignores records
whose signature does not verify. A record only ever *attributes*: whether a finding is
open is what the audit itself reads, and :func:`attach` shows a record only beside the
finding's current state (a forged "resolved" cannot hide an open finding).

The living issue itself belongs to :mod:`devops_agent.publish`; :data:`AUDIT_LABEL` and
:data:`AUDIT_ISSUE_MARKER` must stay equal to its constants (a test holds them together).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from devops_agent.audit.models import AuditReport, Recheck
from devops_agent.sanitize import table_cell

if TYPE_CHECKING:
    from github import Github
    from github.Issue import Issue

    from devops_agent.signing import SigningKey

__all__ = [
    "AUDIT_ISSUE_MARKER",
    "AUDIT_LABEL",
    "MAX_RECORDS",
    "RECHECKS_MARKER",
    "attach",
    "find_audit_issue",
    "read_records",
    "record",
    "records_marker",
    "render_loop",
    "sign",
]

#: The label and hidden marker of the one open audit issue (as :mod:`devops_agent.publish`).
AUDIT_LABEL = "devops-audit"
AUDIT_ISSUE_MARKER = "<!-- devops-agent:audit-issue -->"
#: The HTML comment name that carries the re-check records in the issue body.
RECHECKS_MARKER = "devops-agent:audit-rechecks"
#: Records kept in the issue at most (the oldest go first).
MAX_RECORDS = 200
#: GitHub's limit on an issue body.
ISSUE_LIMIT = 65_536
_PURPOSE = "audit-recheck"
_MARKER_RE = re.compile(r"<!--\s*" + re.escape(RECHECKS_MARKER) + r"\s+([A-Za-z0-9_=-]*)\s*-->")
#: Rows of the "fixed by plans" table shown at most; the rest are counted.
MAX_ROWS = 100


# --------------------------------------------------------------------------- records


def _canonical(item: Recheck) -> str:
    return json.dumps(item.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


def sign(item: Recheck, key: SigningKey) -> str:
    """The record's signature under the installation's key."""
    return key.sign(_PURPOSE, hashlib.sha256(_canonical(item).encode()).hexdigest())


def _verified(item: Recheck, signature: str, key: SigningKey) -> bool:
    return key.verify(signature, _PURPOSE, hashlib.sha256(_canonical(item).encode()).hexdigest())


def records_marker(entries: Sequence[dict[str, Any]]) -> str:
    """The hidden marker carrying ``entries`` (records as JSON, each with its ``sig``).

    Base64 keeps ``--`` and ``>`` out of the HTML comment whatever AWS wrote in a detail.
    """
    payload = json.dumps(list(entries), separators=(",", ":"), sort_keys=True)
    encoded = base64.urlsafe_b64encode(payload.encode()).decode()
    return f"<!-- {RECHECKS_MARKER} {encoded} -->"


def _raw_entries(text: str) -> list[dict[str, Any]]:
    match = _MARKER_RE.search(text or "")
    if not match:
        return []
    try:
        data = json.loads(base64.urlsafe_b64decode(match.group(1).encode()))
    except ValueError:
        return []
    return [e for e in data if isinstance(e, dict)] if isinstance(data, list) else []


def read_records(text: str, key: SigningKey | None) -> list[Recheck]:
    """The records a body's marker holds, oldest first.

    With ``key``, only records whose signature verifies are returned; without one (a run
    without the plan-signing-key) every well-formed record is, since records only
    attribute what the audit itself finds.
    """
    found: list[Recheck] = []
    for entry in _raw_entries(text):
        data = dict(entry)
        signature = str(data.pop("sig", ""))
        try:
            item = Recheck.model_validate(data)
        except ValidationError:
            continue
        if key is not None and not _verified(item, signature, key):
            continue
        found.append(item)
    return found


def _with_marker(body: str, marker: str) -> str:
    if _MARKER_RE.search(body):
        return _MARKER_RE.sub(lambda _: marker, body, count=1)
    head, found, rest = body.partition(AUDIT_ISSUE_MARKER)
    return f"{head}{found}\n{marker}{rest}" if found else f"{marker}\n{body}"


def updated_body(body: str, new: Sequence[Recheck], key: SigningKey | None) -> str | None:
    """``body`` with ``new`` records added to its marker (the oldest dropped to stay within
    :data:`MAX_RECORDS` and GitHub's body limit); ``None`` when not even one fits."""
    entries = _raw_entries(body)
    for item in new:
        entry = item.model_dump(mode="json")
        entry["sig"] = sign(item, key) if key is not None else ""
        entries.append(entry)
    entries = entries[-MAX_RECORDS:]
    while entries:
        candidate = _with_marker(body, records_marker(entries))
        if len(candidate) <= ISSUE_LIMIT:
            return candidate
        entries = entries[1:]
    return None


# --------------------------------------------------------------------------- the issue


def find_audit_issue(gh: Github, repository: str) -> Issue | None:
    """The open audit issue written by the action's own identity, if there is one."""
    from devops_agent.gh.identity import own_login

    own = own_login(gh)
    for issue in gh.get_repo(repository).get_issues(state="open", labels=[AUDIT_LABEL]):
        if issue.user.login == own and AUDIT_ISSUE_MARKER in (issue.body or ""):
            return issue
    return None


def record(
    gh: Github | None, repository: str, new: Sequence[Recheck], key: SigningKey | None
) -> str:
    """Add ``new`` to the open audit issue for the next audit to show; returns what happened.

    Never raises: the plan's changes are made either way, and the apply comment shows the
    same outcomes.
    """
    if not new:
        return ""
    if gh is None:
        return "not recorded in an audit issue (no GitHub connection)"
    from github import GithubException

    try:
        issue = find_audit_issue(gh, repository)
        if issue is None:
            return "no open audit issue to record it in"
        body = updated_body(issue.body or "", new, key)
        if body is None:
            return f"not recorded in #{issue.number}: its body is full"
        issue.edit(body=body)
    except GithubException as exc:
        return f"not recorded in the audit issue (GitHub answered {exc.status})"
    return f"recorded in #{issue.number} for the next audit"


# --------------------------------------------------------------------------- the next audit


def attach(report: AuditReport, records: Iterable[Recheck]) -> AuditReport:
    """``report`` with the records that concern its findings, told as they stand now.

    The newest record per finding wins. A record is shown only for a check this audit
    judged: resolved and still resolved; still failing and still open; resolved but open
    again (said so); failing right after the apply but resolved since (said so).
    """
    judged = {c.id for c in report.checks if c.status in ("passed", "failed", "partial")}
    open_now = {f.fingerprint: f for f in report.findings if not f.suppressed}
    newest: dict[str, Recheck] = {}
    for item in records:
        if item.check_id in judged:
            newest[item.fingerprint] = item
    shown: list[Recheck] = []
    for mark, item in newest.items():
        finding = open_now.get(mark)
        if item.resolved and finding is not None:
            item = item.model_copy(
                update={
                    "resolved": False,
                    "detail": f"Resolved right after the apply, failing again: {finding.detail}",
                }
            )
        elif not item.resolved and finding is None:
            item = item.model_copy(
                update={
                    "resolved": True,
                    "detail": f"Still failing right after the apply ({item.detail}); passes now.",
                }
            )
        shown.append(item)
    shown.sort(key=lambda r: (r.resolved, r.check_id, r.region, r.resource_id))
    return report.model_copy(update={"rechecks": shown})


def render_loop(report: AuditReport, *, trigger: str = "/devops") -> str:
    """Markdown for the fix loop: the command that plans each fixable failing check, and
    what was fixed by plans since the last audit. Empty when there is neither."""
    parts: list[str] = []
    fixable = [c for c in report.checks if c.fix_commands and c.findings > c.suppressed]
    if fixable:
        lines = [
            f"- `{c.id}` ({c.findings - c.suppressed} open): "
            + ", ".join(f"`{trigger} {command}`" for command in c.fix_commands)
            for c in fixable
        ]
        parts.append(
            f"### 🛠️ Fix with a plan ({len(fixable)} checks)\n\n"
            "Each command plans the fix of that check's open findings, one entry per "
            "resource; an authorized person applies it, and the check runs again on them.\n\n"
            + "\n".join(lines)
        )
    if report.rechecks:
        rows = []
        for item in report.rechecks[:MAX_ROWS]:
            state = "✅ resolved" if item.resolved else f"❌ still failing: {item.detail}"
            rows.append(
                "| "
                + " | ".join(
                    table_cell(v)
                    for v in (
                        item.check_id,
                        item.resource_id,
                        item.region,
                        state,
                        item.plan_id,
                        f"@{item.approver}",
                    )
                )
                + " |"
            )
        more = (
            f"\n\n_… and {len(report.rechecks) - MAX_ROWS} more in the JSON report._"
            if len(report.rechecks) > MAX_ROWS
            else ""
        )
        resolved = sum(r.resolved for r in report.rechecks)
        parts.append(
            f"### 🔁 Fixed by plans since the last audit ({resolved} of "
            f"{len(report.rechecks)} resolved)\n\n"
            "| check | resource | region | re-check | plan | approved by |\n"
            "|---|---|---|---|---|---|\n" + "\n".join(rows) + more
        )
    return "\n\n".join(parts)
