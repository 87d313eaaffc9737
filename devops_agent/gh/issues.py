"""Issue and PR comments, reactions: the action's own voice on a thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from devops_agent.errors import ServiceError
from devops_agent.gh import service_error

if TYPE_CHECKING:
    from github import Github
    from github.IssueComment import IssueComment

#: GitHub rejects comment bodies longer than this (characters).
COMMENT_LIMIT = 65_536


def react(gh: Github, repository: str, number: int, comment_id: int, content: str = "eyes") -> None:
    """Add a reaction to a comment (GitHub answers 200 when it is already there)."""
    from github import GithubException

    comment = gh.get_repo(repository).get_issue(number).get_comment(comment_id)
    try:
        comment.create_reaction(content)
    except GithubException as exc:
        raise service_error(exc, f"react to comment {comment_id}") from None


def find_comment(gh: Github, repository: str, number: int, marker: str) -> IssueComment | None:
    """The newest comment on the thread whose body holds ``marker`` (a hidden HTML comment).

    Only the marker is trusted to find the action's own comment when the author is
    the action's identity; callers check ``comment.user`` when it matters.
    """
    from github import GithubException

    try:
        comments = gh.get_repo(repository).get_issue(number).get_comments()
        found = None
        for comment in comments:
            if marker in (comment.body or ""):
                found = comment
        return found
    except GithubException as exc:
        raise service_error(exc, f"list comments on #{number}") from None


def create_comment_once(
    gh: Github, repository: str, number: int, body: str, marker: str
) -> IssueComment:
    """Create a comment; if GitHub fails in a way that may have created it, look before retrying.

    A 5xx or a dropped connection on POST does not tell whether the comment exists.
    Posting again would duplicate it, so the thread is searched for ``marker`` first.
    """
    from github import GithubException

    issue = gh.get_repo(repository).get_issue(number)
    last: Exception | None = None
    for _attempt in range(3):
        try:
            return issue.create_comment(body)
        except GithubException as exc:
            if exc.status < 500:
                raise service_error(exc, f"comment on #{number}") from None
            last = exc
        except OSError as exc:  # connection reset, timeout: outcome unknown
            last = exc
        existing = find_comment(gh, repository, number, marker)
        if existing is not None:
            return existing
    raise ServiceError(
        f"GitHub did not accept the comment on #{number} after 3 tries ({last}).",
        code="5xx",
        remedy="GitHub may be degraded; re-run the job (it edits instead of duplicating).",
    )


def edit_comment(comment: IssueComment, body: str) -> None:
    """Replace a comment's body (PATCH is idempotent and retried by the client)."""
    from github import GithubException

    try:
        comment.edit(body)
    except GithubException as exc:
        raise service_error(exc, f"edit comment {comment.id}") from None
