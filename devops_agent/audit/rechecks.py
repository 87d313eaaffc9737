"""Closing the loop: what a fix plan's re-check read, kept in the audit issue for the next audit.

A plan made by ``audit fix`` ends with a re-check step (:mod:`devops_agent.audit.fixes`):
right after the changes, the same check runs again on exactly the resources the plan
fixed. Each outcome becomes a :class:`~devops_agent.audit.models.Recheck` (resolved, or
still failing with what was read, with the plan, its requester and approver) that goes

* into the apply comment, as the step's result line, and
* into the open ``devops-audit`` issue as a **comment** (:func:`record`): a table people
  read in the issue's timeline, and the same records signed in a hidden marker. A
  comment has its own 65,536-character budget, so a record never competes with the
  issue body the audit keeps full.

The next audit reads the comments of the last :data:`RECORD_DAYS` days written by the
action's own identity (:func:`read_issue_records`) and shows each record beside the
finding as it stands now (:func:`attach`, :func:`render_rechecks`): a resolved record once,
in the run where the finding goes from open (in the previous body's fingerprints) to
closed; a still-failing one while the finding stays open.

Trust: every workflow of a repository comments as the same bot. Each record is signed
with the installation's ``plan-signing-key`` (purpose ``audit-recheck``); a run that has
the key ignores records whose signature does not verify, and comments by anyone else are
never read. A record only ever *attributes*: whether a finding is open is what the audit
itself reads, and :func:`attach` shows a record only beside the finding's current state,
so a forged "resolved" cannot hide an open finding.

The living issue itself belongs to :mod:`devops_agent.publish`; :data:`AUDIT_LABEL` and
:data:`AUDIT_ISSUE_MARKER` must stay equal to its constants (a test holds them together).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Container, Iterable, Sequence
from datetime import UTC, datetime, timedelta
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
    "RECHECKS_MARKER",
    "RECORD_DAYS",
    "attach",
    "comment_body",
    "find_audit_issue",
    "read_issue_records",
    "read_records",
    "record",
    "records_marker",
    "render_rechecks",
    "sign",
]

#: The label and hidden marker of the one open audit issue (as :mod:`devops_agent.publish`).
AUDIT_LABEL = "devops-audit"
AUDIT_ISSUE_MARKER = "<!-- devops-agent:audit-issue -->"
#: The HTML comment name that carries the re-check records in a comment.
RECHECKS_MARKER = "devops-agent:audit-rechecks"
#: How far back the next audit reads re-check comments.
RECORD_DAYS = 30
#: Records read from comments at most (the newest win).
MAX_RECORDS = 2_000
_PURPOSE = "audit-recheck"
_MARKER_RE = re.compile(r"<!--\s*" + re.escape(RECHECKS_MARKER) + r"\s+([A-Za-z0-9_=-]*)\s*-->")
#: Rows of the "fixed by plans" table shown at most; the rest are counted.
MAX_ROWS = 100


# --------------------------------------------------------------------------- records


def _canonical(item: Recheck) -> str:
    return json.dumps(item.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


def sign(item: Recheck, key: SigningKey) -> str:
    """The record's signature under the installation's key.

    Args:
        item: The re-check record.
        key: The installation's plan-signing key.

    Returns:
        The signature (purpose ``audit-recheck``) over the SHA-256 of the record's
        canonical JSON.
    """
    return key.sign(_PURPOSE, hashlib.sha256(_canonical(item).encode()).hexdigest())


def _verified(item: Recheck, signature: str, key: SigningKey) -> bool:
    return key.verify(signature, _PURPOSE, hashlib.sha256(_canonical(item).encode()).hexdigest())


def records_marker(entries: Sequence[dict[str, Any]]) -> str:
    """The hidden marker carrying ``entries`` (records as JSON, each with its ``sig``).

    Base64 keeps ``--`` and ``>`` out of the HTML comment whatever AWS wrote in a detail.

    Args:
        entries: The records as JSON data, each with its ``sig``.

    Returns:
        ``<!-- devops-agent:audit-rechecks BASE64 -->``, the entries as URL-safe base64
        of compact, sorted JSON.
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

    Args:
        text: A comment's body.
        key: The plan-signing key, or ``None`` when the run has none.

    Returns:
        The records; a malformed marker gives none, and a malformed or unverified
        record is skipped.
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


def comment_body(new: Sequence[Recheck], key: SigningKey | None) -> str:
    """The audit-issue comment of one plan's re-check: a table, and the records signed.

    Args:
        new: The plan's re-check records (at least one; the first names the plan, its
            requester, approver and run).
        key: The plan-signing key; ``None`` leaves the signatures empty.

    Returns:
        A heading with the plan and how many were resolved, a table per resource
        (redacted), and the hidden marker with the records.
    """
    from devops_agent.sanitize import Redactor

    first = new[0]
    entries = []
    for item in new:
        entry = item.model_dump(mode="json")
        entry["sig"] = sign(item, key) if key is not None else ""
        entries.append(entry)
    rows = "\n".join(
        "| "
        + " | ".join(
            table_cell(v)
            for v in (
                item.check_id,
                item.resource_id,
                item.region,
                "✅ resolved" if item.resolved else f"❌ still failing: {item.detail}",
            )
        )
        + " |"
        for item in new
    )
    resolved = sum(item.resolved for item in new)
    run = f" ([run]({first.run_url}))" if first.run_url else ""
    text = (
        f"### 🔁 Plan {first.plan_id} applied by @{first.approver}{run}: "
        f"{resolved} of {len(new)} resolved\n\n"
        f"Requested by @{first.requester}. Right after the apply, the same check ran again on "
        "exactly the resources the plan fixed:\n\n"
        "| check | resource | region | re-check |\n|---|---|---|---|\n" + rows
    )
    return Redactor()(text) + "\n\n" + records_marker(entries)


# --------------------------------------------------------------------------- the issue


def find_audit_issue(gh: Github, repository: str) -> Issue | None:
    """The open audit issue written by the action's own identity, if there is one.

    Args:
        gh: The GitHub client.
        repository: ``owner/name``.

    Returns:
        The first open issue labelled :data:`AUDIT_LABEL`, by the token's own login, whose
        body holds :data:`AUDIT_ISSUE_MARKER`; ``None`` when there is none.

    Raises:
        GithubException: GitHub refused or failed to list the issues.
    """
    from devops_agent.gh.identity import own_login

    own = own_login(gh)
    for issue in gh.get_repo(repository).get_issues(state="open", labels=[AUDIT_LABEL]):
        if issue.user.login == own and AUDIT_ISSUE_MARKER in (issue.body or ""):
            return issue
    return None


def record(
    gh: Github | None, repository: str, new: Sequence[Recheck], key: SigningKey | None
) -> str:
    """Comment ``new`` on the open audit issue for the next audit; returns what happened.

    Never raises: the plan's changes are made either way, and the apply comment shows the
    same outcomes.

    Args:
        gh: The GitHub client; ``None`` outside a repository.
        repository: ``owner/name``.
        new: The plan's re-check records.
        key: The plan-signing key the records are signed with; ``None`` leaves them
            unsigned.

    Returns:
        A clause for the apply's answer (``recorded in #12 for the next audit``, or why
        not); empty when there is nothing to record.
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
        issue.create_comment(comment_body(new, key))
    except GithubException as exc:
        return f"not recorded in the audit issue (GitHub answered {exc.status})"
    return f"recorded in #{issue.number} for the next audit"


def read_issue_records(
    gh: Github, issue: Issue, key: SigningKey | None, *, now: datetime | None = None
) -> list[Recheck]:
    """The records of the issue's re-check comments of the last :data:`RECORD_DAYS` days,
    oldest first; only comments by the action's own identity are read.

    Args:
        gh: The GitHub client.
        issue: The open audit issue (:func:`find_audit_issue`).
        key: The plan-signing key; with it, records whose signature does not verify are
            dropped.
        now: The time the window ends; the current time when ``None``.

    Returns:
        At most :data:`MAX_RECORDS` records applied in the window, the newest kept.

    Raises:
        GithubException: GitHub refused or failed to list the comments.
    """
    from devops_agent.gh.identity import own_login

    own = own_login(gh)
    since = (now or datetime.now(UTC)) - timedelta(days=RECORD_DAYS)
    found: list[Recheck] = []
    for comment in issue.get_comments(since=since):
        body = comment.body or ""
        if comment.user.login != own or RECHECKS_MARKER not in body:
            continue
        found += [r for r in read_records(body, key) if r.applied_at >= since]
    return found[-MAX_RECORDS:]


# --------------------------------------------------------------------------- the next audit


def attach(
    report: AuditReport, records: Iterable[Recheck], previous: Container[str] | None = None
) -> AuditReport:
    """``report`` with the records that concern its findings, told as they stand now.

    The newest record per finding wins, and only for a check this audit judged. A finding
    closed now is shown (resolved) only when it was open in the previous audit
    (``previous``: its fingerprints; always when ``None``), so each fix is told once; an
    open finding is shown (still failing) while it stays open, said to be failing again
    when the re-check had found it resolved.

    Args:
        report: This audit's report.
        records: The re-check records read from the audit issue, oldest first.
        previous: The last audit's open fingerprints; ``None`` when unknown.

    Returns:
        A copy whose ``rechecks`` hold the records to show, still failing first; a
        record's outcome is restated when the finding's state has changed since.
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
        if finding is None and previous is not None and mark not in previous:
            continue  # closed before the last audit: told then
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


def render_rechecks(report: AuditReport, level: int = 3) -> str:
    """Markdown for what plans fixed since the last audit, each with its re-check, plan and
    approver. Empty when there is nothing to tell. (The command that plans each fixable
    failing check is shown with the check itself.)

    Args:
        report: The report, its ``rechecks`` set by :func:`attach`.
        level: The Markdown heading level of the section.

    Returns:
        A heading and a table of at most :data:`MAX_ROWS` records (the rest counted), or
        ``""``.
    """
    parts: list[str] = []
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
            f"{'#' * level} 🔁 Fixed by plans since the last audit ({resolved} of "
            f"{len(report.rechecks)} resolved)\n\n"
            "| check | resource | region | re-check | plan | approved by |\n"
            "|---|---|---|---|---|---|\n" + "\n".join(rows) + more
        )
    return "\n\n".join(parts)
