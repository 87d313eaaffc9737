"""The one open ``devops-audit`` issue a scheduled audit keeps up to date.

Created the first time there is something to report, edited afterwards (what is
new and what was resolved comes from the fingerprints the previous body kept in
a hidden marker), and closed when nothing is left. Only an issue written by the
action's own identity is ever edited.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from devops_agent.gh import service_error

if TYPE_CHECKING:
    from github import Github
    from github.Issue import Issue

LABEL = "devops-audit"
MARKER = "<!-- devops-agent:audit-issue -->"
#: GitHub's limit on an issue body, and the share the hidden state may take of it.
ISSUE_LIMIT = 65_536
STATE_BUDGET = 30_000


def _find(gh: Github, repository: str) -> Issue | None:
    from devops_agent.gh.identity import own_login

    own = own_login(gh)
    for issue in gh.get_repo(repository).get_issues(state="open", labels=[LABEL]):
        if issue.user.login == own and MARKER in (issue.body or ""):
            return issue
    return None


def update_audit_issue(
    gh: Github, repository: str, audit: dict[str, Any], *, run_url: str = ""
) -> tuple[str, str]:
    """Create, edit or close the audit issue; returns ``(action, url)``."""
    from github import GithubException

    from devops_agent.audit import (
        AuditReport,
        fingerprints_marker,
        read_fingerprints,
        render_markdown,
    )
    from devops_agent.audit.markdown import _MARKER as STATE_MARKER
    from devops_agent.audit.operations import title_of

    report = AuditReport.model_validate(audit)
    open_findings = sum(report.counts.model_dump().values())
    try:
        issue = _find(gh, repository)
        previous = read_fingerprints(issue.body or "") if issue is not None else None
        state = fingerprints_marker(report)
        if len(state) > STATE_BUDGET:  # very large estates: keep the fingerprints, drop labels
            compact = {f.fingerprint: "" for f in report.findings if not f.suppressed}
            state = f"<!-- {STATE_MARKER} {json.dumps(compact, separators=(',', ':'))} -->"
        room = ISSUE_LIMIT - len(state) - len(MARKER) - 400
        body = "\n".join(
            [
                MARKER,
                state,
                render_markdown(
                    report, previous_fingerprints=previous, more_url=run_url, limit=room
                ),
                "\n<sub>Kept up to date by devops-agent"
                + (f" · [last run]({run_url})" if run_url else "")
                + "</sub>",
            ]
        )
        title = title_of(report).replace("Audit:", "devops-agent audit:", 1)
        if issue is None:
            if open_findings == 0:
                return "not needed (no findings)", ""
            created = gh.get_repo(repository).create_issue(title=title, body=body, labels=[LABEL])
            return "created", created.html_url
        if open_findings == 0:
            issue.edit(title=title, body=body, state="closed", state_reason="completed")
            return "closed (nothing left)", issue.html_url
        issue.edit(title=title, body=body)
        return "updated", issue.html_url
    except GithubException as exc:
        raise service_error(exc, f"update the {LABEL} issue") from None
