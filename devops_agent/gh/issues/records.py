"""Issues and pull requests as records: listing and reading them, and the requests that
open, close and reopen one (which only an applied plan sends); ``issue list``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, Field

from devops_agent.errors import BadInput, ServiceError
from devops_agent.gh.common import (
    GhArgs,
    GhModel,
    Login,
    api,
    check_login,
    check_repository,
    gh_client,
    github_errors,
    post_once,
    repository_of,
)
from devops_agent.gh.identity import own_login
from devops_agent.operation import Command, Lower, Option, Read, Reader
from devops_agent.report import Result, Table, dump, plural, when

if TYPE_CHECKING:
    from github import Github

__all__ = [
    "CLOSE_REASONS",
    "LIST",
    "LIST_LIMIT",
    "STATES",
    "IssueSummary",
    "ListIssuesArgs",
    "State",
    "close_issue",
    "create_issue",
    "find_opened",
    "get_issue",
    "issue_payload",
    "labels_of",
    "list_issues",
    "reopen_issue",
]

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
    state_reason: str | None = None
    """Why it was closed or reopened: ``completed``, ``not_planned``, ``reopened``…"""
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
        state_reason=data.get("state_reason"),
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


def find_opened(gh: Github, repository: str, title: str, body: str) -> IssueSummary | None:
    """The newest issue the token's own identity opened with exactly this title and body.

    How an executor that may have opened the issue already (an answer that left the
    outcome unknown, a resumed apply) finds it instead of opening a second one. Only the
    20 newest issues of that identity are read.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        title: The issue's title.
        body: Its body, as posted.

    Returns:
        The issue, or ``None`` when there is none.

    Raises:
        GithubException: GitHub refused (callers wrap this in :func:`github_errors`).
    """
    mine = own_login(gh)
    recent = api(
        gh,
        "GET",
        f"/repos/{check_repository(repository)}/issues",
        params={"state": "all", "creator": mine, "per_page": 20},
    )
    for data in recent:
        if data.get("title") == title and (data.get("body") or "") == body:
            return _issue(data)
    return None


def issue_payload(title: str, body: str, labels: list[str] | None) -> dict[str, Any]:
    """The body of ``POST /repos/{owner}/{repo}/issues``: what the executor sends and the
    plan shows.

    Args:
        title: The issue's title.
        body: Its body.
        labels: Labels to put on it.

    Returns:
        The JSON body.
    """
    payload: dict[str, Any] = {"title": title, "body": body}
    if labels:
        payload["labels"] = labels
    return payload


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

    Raises:
        ServiceError: GitHub refused, or did not answer after the retries.
    """
    path = f"/repos/{check_repository(repository)}/issues"
    return post_once(
        f"open the issue '{title[:60]}'",
        lambda: _issue(api(gh, "POST", path, body=issue_payload(title, body, labels))),
        lambda: find_opened(gh, repository, title, body),
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

    Raises:
        ServiceError: GitHub refused.
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


def reopen_issue(gh: Github, repository: str, number: int) -> IssueSummary:
    """Reopen a closed issue or pull request (PATCH: idempotent).

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        number: The issue or pull request number.

    Returns:
        The issue as it is now.

    Raises:
        ServiceError: GitHub refused (a merged pull request cannot be reopened).
    """
    with github_errors(f"reopen #{number}", permission="issues: write"):
        return _issue(
            api(
                gh,
                "PATCH",
                f"/repos/{check_repository(repository)}/issues/{number}",
                body={"state": "open"},
            )
        )


State = Annotated[Literal["open", "closed", "all"], Lower]
#: Most issues (or pull requests) one listing returns.
LIST_LIMIT = 50


def labels_of(value: list[str]) -> list[str]:
    """Labels as typed, trimmed, the empty ones left out.

    Args:
        value: The labels given.

    Returns:
        The labels kept.
    """
    return [label.strip() for label in value if label.strip()]


class ListIssuesArgs(GhArgs):
    """Arguments of ``issue list``."""

    state: State = "open"
    """open, closed or all."""
    labels: Annotated[list[str], Option("--label"), AfterValidator(labels_of)] = Field(
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
