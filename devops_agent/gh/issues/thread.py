"""The action's own voice on a thread: reactions, its comments (created once, edited,
found again by a hidden marker, deleted), and who last edited a comment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from devops_agent.errors import ServiceError
from devops_agent.gh import service_error
from devops_agent.gh.common import api, check_repository, github_errors
from devops_agent.gh.identity import own_login

if TYPE_CHECKING:
    from github import Github
    from github.IssueComment import IssueComment

__all__ = [
    "COMMENT_LIMIT",
    "comment_on",
    "create_comment_once",
    "delete_comment",
    "edit_comment",
    "find_comment",
    "last_edit",
    "own_comment",
    "react",
]

#: GitHub rejects comment bodies longer than this (characters).
COMMENT_LIMIT = 65_536


def react(gh: Github, repository: str, number: int, comment_id: int, content: str = "eyes") -> None:
    """Add a reaction to a comment (GitHub answers 200 when it is already there).

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        number: The issue or pull request number.
        comment_id: The comment's id.
        content: The reaction (``eyes``, ``+1``...).

    Raises:
        ServiceError: GitHub refused.
    """
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

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        number: The issue or pull request number.
        marker: The hidden marker to look for.

    Returns:
        The comment, or ``None``.
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

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        number: The issue or pull request number.
        body: The comment's body, holding ``marker``.
        marker: A hidden HTML comment unique to this comment.

    Returns:
        The comment, created once.
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
    """Replace a comment's body (PATCH is idempotent and retried by the client).

    Args:
        comment: The comment.
        body: Its new body.

    Raises:
        ServiceError: GitHub refused.
    """
    from github import GithubException

    try:
        comment.edit(body)
    except GithubException as exc:
        raise service_error(exc, f"edit comment {comment.id}") from None


def delete_comment(gh: Github, repository: str, comment_id: int) -> None:
    """Delete one issue or pull request comment.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        comment_id: The comment's id.

    Raises:
        ServiceError: GitHub refused.
    """
    with github_errors(f"delete comment {comment_id}", permission="issues: write"):
        api(gh, "DELETE", f"/repos/{check_repository(repository)}/issues/comments/{comment_id}")


def comment_on(gh: Github, repository: str, number: int, body: str, marker: str) -> str:
    """Comment on an issue or PR once (``marker``, a hidden HTML comment, finds a retry's
    earlier success); returns the comment's URL.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        number: The issue or pull request number.
        body: The comment's text.
        marker: A hidden HTML comment unique to this comment.

    Returns:
        The comment's URL.
    """
    comment = create_comment_once(gh, repository, number, f"{body}\n\n{marker}", marker)
    return str(comment.html_url)


_EDITOR_QUERY = """
query($id: ID!) {
  node(id: $id) { ... on IssueComment { lastEditedAt editor { login } } }
}
"""


def last_edit(gh: Github, comment: IssueComment) -> tuple[str, datetime] | None:
    """Who last edited the comment's body and when (GraphQL ``editor``, ``lastEditedAt``),
    or ``None`` if nobody did.

    The REST API keeps the author after anyone's edit, and people with write access
    may edit any comment, so authorship alone cannot vouch for a plan's content.
    Bot logins come back without ``[bot]``; an edit whose editor GitHub does not name
    (a deleted account) comes back as ``ghost``, never as nobody's.

    Args:
        gh: The run's GitHub client.
        comment: The comment.

    Returns:
        ``(login, when)`` (bots without ``[bot]``, ``when`` in UTC), or ``None``.

    Raises:
        ServiceError: GitHub refused the query.
    """
    from github import GithubException

    try:
        _, data = gh.requester.graphql_query(_EDITOR_QUERY, {"id": comment.node_id})
    except GithubException as exc:
        raise service_error(exc, f"read who edited comment {comment.id}") from None
    node = (data.get("data") or {}).get("node") or {}
    edited = node.get("lastEditedAt")
    if not edited:
        return None
    editor = node.get("editor") or {}
    at = datetime.fromisoformat(str(edited).replace("Z", "+00:00"))
    return str(editor.get("login") or "ghost"), at if at.tzinfo else at.replace(tzinfo=UTC)


def _same_text(text: str, body: str | None) -> bool:
    """Whether a comment's text is ``body`` (``None`` accepts any), line endings aside."""
    return body is None or text.replace("\r\n", "\n").strip() == body.strip()


def own_comment(
    gh: Github, repository: str, number: int, marker: str, body: str | None = None
) -> IssueComment | None:
    """The newest comment on the thread that holds ``marker`` and that the token's own
    identity wrote: what an entry posted, never a look-alike someone else wrote.

    Another workflow of the same repository posts as the same bot, and the marker is in
    the plan for anyone to read: with ``body``, only a comment that says exactly that
    counts, so a planted look-alike never passes for what the entry posted.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        number: The issue or pull request number.
        marker: The hidden marker the comment ends with.
        body: The whole text the comment must have (``None``: any text with the marker).

    Returns:
        The comment, or ``None``.

    Raises:
        ServiceError: GitHub refused.
    """
    from github import GithubException

    mine = own_login(gh)
    try:
        comments = gh.get_repo(repository).get_issue(number).get_comments()
        found = None
        for comment in comments:
            text = comment.body or ""
            if marker in text and comment.user.login == mine and _same_text(text, body):
                found = comment
        return found
    except GithubException as exc:
        raise service_error(exc, f"list comments on #{number}") from None
