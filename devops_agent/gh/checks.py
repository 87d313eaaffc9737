"""The ``devops-agent`` check run on a pull request's head commit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from devops_agent.gh import service_error

if TYPE_CHECKING:
    from github import Github
    from github.CheckRun import CheckRun

CHECK_NAME = "devops-agent"
#: GitHub's limit on a check run's output summary and text (characters).
OUTPUT_LIMIT = 65_535


def _output(title: str, summary: str) -> dict[str, str | list[dict[str, str | int]]]:
    if len(summary) > OUTPUT_LIMIT:
        summary = summary[: OUTPUT_LIMIT - 80] + "\n\n…cut: see the job summary for the rest."
    return {"title": title[:255], "summary": summary}


def start_check(
    gh: Github, repository: str, head_sha: str, *, title: str, summary: str, details_url: str = ""
) -> CheckRun:
    """Create the check run as ``in_progress``.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        head_sha: The commit to put it on.
        title: The check run's title.
        summary: Its summary.
        details_url: The workflow run's URL.

    Returns:
        The check run.
    """
    from github import GithubException
    from github.GithubObject import NotSet

    try:
        return gh.get_repo(repository).create_check_run(
            CHECK_NAME,
            head_sha,
            status="in_progress",
            started_at=datetime.now(UTC),
            details_url=details_url or NotSet,
            output=_output(title, summary),
        )
    except GithubException as exc:
        raise service_error(exc, "create the devops-agent check run") from None


def complete_check(
    gh: Github,
    repository: str,
    head_sha: str,
    *,
    conclusion: str,
    title: str,
    summary: str,
    started_at: datetime,
    check: CheckRun | None = None,
    details_url: str = "",
) -> CheckRun:
    """Complete the check run (creating it already completed if it was never started).

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        head_sha: The commit the check run is on.
        conclusion: ``success``, ``failure``, ``neutral``...
        title: The check run's title.
        summary: Its summary (Markdown, redacted by the caller).
        started_at: When the run began.
        check: The check run :func:`start_check` made; ``None`` creates it completed.
        details_url: The workflow run's URL.

    Returns:
        The check run.
    """
    from github import GithubException
    from github.GithubObject import NotSet

    now = datetime.now(UTC)
    try:
        if check is None:
            return gh.get_repo(repository).create_check_run(
                CHECK_NAME,
                head_sha,
                status="completed",
                conclusion=conclusion,
                started_at=started_at,
                completed_at=now,
                details_url=details_url or NotSet,
                output=_output(title, summary),
            )
        check.edit(
            status="completed",
            conclusion=conclusion,
            completed_at=now,
            output=_output(title, summary),
        )
        return check
    except GithubException as exc:
        raise service_error(exc, "complete the devops-agent check run") from None
