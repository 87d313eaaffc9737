"""Issue and PR comments, reactions: the action's own voice on a thread; and issues as
the command language and the agent list, open, close and comment on them (``issue …``,
and ``pr close|comment``, which work the same on a pull request)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from devops_agent.errors import BadInput, ServiceError
from devops_agent.gh import service_error
from devops_agent.gh.common import (
    GhArgs,
    GhModel,
    Login,
    Number,
    api,
    check_login,
    check_repository,
    gh_client,
    github_errors,
    post_once,
    repository_of,
    user_text,
)
from devops_agent.gh.identity import own_login
from devops_agent.operation import (
    Command,
    Hidden,
    Lower,
    Option,
    Positional,
    Proposal,
    Read,
    Reader,
    Unchanged,
    Write,
    Writers,
)
from devops_agent.report import Result, Table, dump, plural, when
from devops_agent.sanitize import clean_untrusted

if TYPE_CHECKING:
    from github import Github
    from github.IssueComment import IssueComment

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


# --------------------------------------------------------------------------------------
# Issues and pull requests as the command language sees them: listings (reads), and
# create, close and comment, which only an applied plan calls (the operations below).
# --------------------------------------------------------------------------------------

#: Issue states ``--state`` accepts.
STATES = ("open", "closed", "all")
#: Why an issue is closed.
CLOSE_REASONS = ("completed", "not_planned")


class IssueSummary(GhModel):
    """An issue or pull request in a listing."""

    number: int
    title: str
    """As its author wrote it: untrusted text."""
    state: str
    author: str
    labels: list[str] = Field(default_factory=list)
    is_pull_request: bool = False
    comments: int = 0
    html_url: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _issue(data: dict[str, Any]) -> IssueSummary:
    return IssueSummary(
        number=int(data["number"]),
        title=str(data.get("title") or ""),
        state=str(data.get("state") or ""),
        author=str((data.get("user") or {}).get("login") or ""),
        labels=[str(label.get("name")) for label in data.get("labels") or []],
        is_pull_request="pull_request" in data,
        comments=int(data.get("comments") or 0),
        html_url=str(data.get("html_url") or ""),
        created_at=_when(data.get("created_at")),
        updated_at=_when(data.get("updated_at")),
    )


def list_issues(
    gh: Github,
    repository: str,
    *,
    state: str = "open",
    labels: list[str] | None = None,
    author: str | None = None,
    kind: str = "issue",
    limit: int = 50,
) -> list[IssueSummary]:
    """Issues (``kind="issue"``), pull requests (``"pr"``) or both (``"all"``), newest first.

    Args:
        gh: the run's client.
        repository: ``owner/name``.
        state: ``open``, ``closed`` or ``all``.
        labels: every label must be on the issue.
        author: login of the person who opened it.
        kind: which of the two the listing keeps.
        limit: stop after this many.

    Returns:
        Up to ``limit`` issues, newest first.
    """
    if state not in STATES:
        raise BadInput(f"--state must be one of {', '.join(STATES)}, not '{state}'.")
    params: dict[str, Any] = {"state": state, "per_page": 100}
    if labels:
        params["labels"] = ",".join(labels)
    if author:
        params["creator"] = check_login(author)
    found: list[IssueSummary] = []
    page = 1
    with github_errors(f"list the issues of {repository}", permission="issues: read"):
        while len(found) < limit:
            batch = api(
                gh,
                "GET",
                f"/repos/{check_repository(repository)}/issues",
                params={**params, "page": page},
            )
            for data in batch:
                item = _issue(data)
                if kind == "all" or item.is_pull_request == (kind == "pr"):
                    found.append(item)
            if len(batch) < 100 or page >= 10:
                break
            page += 1
    return found[:limit]


def get_issue(gh: Github, repository: str, number: int) -> IssueSummary:
    """One issue or pull request; BadInput when it does not exist.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        number: The issue or pull request number.

    Returns:
        The issue or pull request.

    Raises:
        BadInput: no such issue.
        ServiceError: GitHub refused.
    """
    try:
        with github_errors(f"read #{number}", permission="issues: read"):
            return _issue(api(gh, "GET", f"/repos/{check_repository(repository)}/issues/{number}"))
    except ServiceError as exc:
        if exc.code == "404":
            raise BadInput(f"{repository} has no issue or pull request #{number}.") from None
        raise


def create_issue(
    gh: Github, repository: str, title: str, *, body: str = "", labels: list[str] | None = None
) -> IssueSummary:
    """Open an issue; after an unknown outcome it looks for it before posting again.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        title: Its title.
        body: Its body.
        labels: Labels to put on it.

    Returns:
        The issue.
    """
    payload: dict[str, Any] = {"title": title, "body": body}
    if labels:
        payload["labels"] = labels
    path = f"/repos/{check_repository(repository)}/issues"

    def look() -> IssueSummary | None:
        mine = own_login(gh)
        recent = api(gh, "GET", path, params={"state": "all", "creator": mine, "per_page": 20})
        for data in recent:
            if data.get("title") == title and (data.get("body") or "") == body:
                return _issue(data)
        return None

    return post_once(
        f"open the issue '{title[:60]}'",
        lambda: _issue(api(gh, "POST", path, body=payload)),
        look,
        permission="issues: write",
    )


def close_issue(
    gh: Github, repository: str, number: int, *, reason: str = "completed"
) -> IssueSummary:
    """Close an issue or pull request (PATCH: idempotent).

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        number: The issue or pull request number.
        reason: ``completed`` or ``not_planned``.

    Returns:
        The issue as it is now.
    """
    with github_errors(f"close #{number}", permission="issues: write"):
        return _issue(
            api(
                gh,
                "PATCH",
                f"/repos/{check_repository(repository)}/issues/{number}",
                body={"state": "closed", "state_reason": reason},
            )
        )


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


def last_editor(gh: Github, comment: IssueComment) -> str | None:
    """Who last edited the comment's body (GraphQL ``editor``), or ``None`` if nobody did.

    The REST API keeps the author after anyone's edit, and people with write access
    may edit any comment, so authorship alone cannot vouch for a plan's content.
    Bot logins come back without ``[bot]``.

    Args:
        gh: The run's GitHub client.
        comment: The comment.

    Returns:
        The login (bots without ``[bot]``), or ``None``.
    """
    from github import GithubException

    try:
        _, data = gh.requester.graphql_query(_EDITOR_QUERY, {"id": comment.node_id})
    except GithubException as exc:
        raise service_error(exc, f"read who edited comment {comment.id}") from None
    node = (data.get("data") or {}).get("node") or {}
    editor = node.get("editor") or {}
    return str(editor["login"]) if node.get("lastEditedAt") and editor.get("login") else None


# --------------------------------------------------------------------------- operations

State = Annotated[Literal["open", "closed", "all"], Lower]
#: Most issues (or pull requests) one listing returns.
LIST_LIMIT = 50


def _labels(value: list[str]) -> list[str]:
    return [label.strip() for label in value if label.strip()]


class ListIssuesArgs(GhArgs):
    """Arguments of ``issue list``."""

    state: State = "open"
    """open, closed or all."""
    labels: Annotated[list[str], Option("--label"), AfterValidator(_labels)] = Field(
        default_factory=list
    )
    """Only issues with every one of these labels; empty for any."""
    author: Login | None = None
    """Only issues this login opened; null for anyone's."""


def _list(reader: Reader, args: ListIssuesArgs) -> list[IssueSummary]:
    return list_issues(
        gh_client(reader),
        repository_of(reader, args.repository),
        state=args.state,
        labels=args.labels,
        author=args.author,
        limit=LIST_LIMIT,
    )


def _list_table(reader: Reader, args: ListIssuesArgs, found: list[IssueSummary]) -> Result:
    repository = repository_of(reader, args.repository)
    what = "issue" if args.state == "all" else f"{args.state} issue"
    rows = [
        [f"#{i.number}", i.title, i.state, i.author, ", ".join(i.labels), when(i.updated_at)]
        for i in found
    ]
    return Result(
        title=f"{plural(len(found), what)} in {repository}",
        tables=[
            Table(
                columns=["Issue", "Title", "State", "Author", "Labels", "Updated"],
                rows=rows,
                empty="No issues match.",
            )
        ],
        data={"repository": repository, "issues": dump(found)},
    )


LIST = Read(
    name="github.list_issues",
    args=ListIssuesArgs,
    summary="Issues (not pull requests), newest first.",
    service="github",
    commands=(
        Command(
            "issue list [--state S] [--label L] [--author A]",
            "Issues (not pull requests), newest first.",
        ),
    ),
    guide=f"Number, title, author, labels, comment count; at most {LIST_LIMIT}. Titles are "
    "what their authors wrote.",
    github=("issues: read",),
    read=_list,
    render=_list_table,
    source="GitHub",
)


class CreateIssueArgs(GhArgs):
    """Arguments of ``issue create``."""

    title: Annotated[
        str, Positional(rest=True), AfterValidator(lambda t: user_text(t, "title", limit=256))
    ]
    """The issue's title."""
    body: Annotated[str, AfterValidator(lambda text: clean_untrusted(text).strip())] = ""
    """Its text (Markdown); empty for none."""
    labels: Annotated[list[str], Option("--label"), AfterValidator(_labels)] = Field(
        default_factory=list
    )
    """Labels to put on it; empty for none."""


def _plan_create(reader: Reader, args: CreateIssueArgs) -> Proposal:
    gh, repository = gh_client(reader), repository_of(reader, args.repository)
    with github_errors(f"read {repository}"):
        found = api(gh, "GET", f"/repos/{repository}")
    if found.get("has_issues") is False:
        raise BadInput(
            f"{repository} has issues turned off.",
            remedy="Turn them on first: `repo settings --issues on`.",
        )
    entry = ISSUE_CREATE.entry(
        args.model_copy(update={"repository": repository}),
        f"Open an issue in {repository}: {args.title[:120]}"
        + (f" (labels: {', '.join(args.labels)})" if args.labels else ""),
        [repository],
    )
    return Proposal([entry], what=f"open an issue in {repository}")


def _run_create(writers: Writers, args: CreateIssueArgs) -> str:
    if args.repository is None:
        raise BadInput("The plan does not name the repository; it is not applied.")
    issue = create_issue(
        writers.github, args.repository, args.title, body=args.body, labels=args.labels
    )
    return f"opened #{issue.number} {issue.html_url}"


ISSUE_CREATE = Write(
    name="github.issue_create",
    args=CreateIssueArgs,
    summary="Open an issue.",
    service="github",
    tool="create_issue",
    commands=(Command("issue create TITLE [--body B] [--label L]", "Plan to open an issue."),),
    github=("issues: write",),
    plan=_plan_create,
    run=_run_create,
)


def _reason(value: Any) -> Any:
    return value.strip().lower().replace("-", "_") if isinstance(value, str) else value


class CloseIssueArgs(GhArgs):
    """Arguments of ``issue close`` and ``pr close``."""

    number: Annotated[Number, Positional()]
    """The issue or pull request number."""
    reason: Annotated[Literal["completed", "not_planned"], BeforeValidator(_reason)] = "completed"
    """Why it is closed: completed or not_planned."""


def _plan_close(reader: Reader, args: CloseIssueArgs) -> Proposal | Unchanged:
    gh, repository = gh_client(reader), repository_of(reader, args.repository)
    issue = get_issue(gh, repository, args.number)
    if issue.state == "closed":
        return Unchanged(
            f"#{args.number} is already closed; nothing to do",
            {"issue": issue.model_dump(mode="json")},
        )
    kind = "pull request" if issue.is_pull_request else "issue"
    entry = ISSUE_CLOSE.entry(
        args.model_copy(update={"repository": repository}),
        f"Close {kind} #{args.number} ({issue.title[:100]}) as {args.reason}",
        [f"{repository}#{args.number}"],
    )
    return Proposal([entry], what=f"close #{args.number}")


def _run_close(writers: Writers, args: CloseIssueArgs) -> str:
    if args.repository is None:
        raise BadInput("The plan does not name the repository; it is not applied.")
    issue = close_issue(writers.github, args.repository, args.number, reason=args.reason)
    return f"closed #{issue.number}"


ISSUE_CLOSE = Write(
    name="github.issue_close",
    args=CloseIssueArgs,
    summary="Close an issue or pull request.",
    service="github",
    tool="close_issue",
    commands=(
        Command(
            "issue close N [--reason completed|not_planned]",
            "Plan to close an issue or pull request.",
        ),
        Command("pr close N", "Plan to close a pull request without merging."),
    ),
    guide="Works on pull requests too (closing one does not merge it).",
    github=("issues: write", "pull-requests: write"),
    plan=_plan_close,
    run=_run_close,
)


class CommentArgs(GhArgs):
    """Arguments of ``issue comment`` and ``pr comment``."""

    number: Annotated[Number, Positional()]
    """The issue or pull request number."""
    body: Annotated[
        str, Positional(rest=True), AfterValidator(lambda text: user_text(text, "comment"))
    ]
    """The comment (Markdown)."""
    key: Annotated[str, Hidden()] = ""
    """Marks the posted comment, so that a retried apply finds it instead of posting twice."""


def _comment_key(repository: str, number: int, body: str, requester: str) -> str:
    return hashlib.sha256(f"{repository}#{number}:{body}:{requester}".encode()).hexdigest()[:16]


def _plan_comment(reader: Reader, args: CommentArgs) -> Proposal:
    gh, repository = gh_client(reader), repository_of(reader, args.repository)
    issue = get_issue(gh, repository, args.number)
    key = _comment_key(repository, args.number, args.body, reader.requester)
    entry = ISSUE_COMMENT.entry(
        args.model_copy(update={"repository": repository, "key": key}),
        f"Comment on #{args.number} ({issue.title[:80]}): {args.body[:120]}",
        [f"{repository}#{args.number}"],
    )
    return Proposal([entry], what=f"comment on #{args.number}")


def _run_comment(writers: Writers, args: CommentArgs) -> str:
    if args.repository is None:
        raise BadInput("The plan does not name the repository; it is not applied.")
    key = args.key or _comment_key(args.repository, args.number, args.body, "")
    marker = f"<!-- devops-agent:comment {key[:32]} -->"
    url = comment_on(writers.github, args.repository, args.number, args.body, marker)
    return f"commented {url}"


ISSUE_COMMENT = Write(
    name="github.issue_comment",
    args=CommentArgs,
    summary="Comment on an issue or pull request.",
    service="github",
    tool="comment_on_issue",
    commands=(
        Command("issue comment N TEXT", "Plan a comment on an issue or pull request."),
        Command("pr comment N TEXT", "Plan a comment on a pull request."),
    ),
    guide="Hidden HTML comments and invisible characters are removed from what is posted.",
    github=("issues: write", "pull-requests: write"),
    plan=_plan_comment,
    run=_run_comment,
)

OPERATIONS = (LIST, ISSUE_CREATE, ISSUE_CLOSE, ISSUE_COMMENT)
