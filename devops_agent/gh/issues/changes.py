"""Changing issues and pull requests as threads: ``issue create|close|reopen|comment`` and
``pr close|reopen|comment``, each a plan that proves itself.

Each change declares the one request it sends (GitHub has no IAM side, so it adds nothing
to a session policy; what it changes is locked while the apply runs), reads GitHub back
after it ran, and says how it is undone: an opened issue is closed as not planned (the
REST API deletes no issue), a closed one reopened and a reopened one closed again for its
old reason, a posted comment deleted. Deleting a comment is the one change here that
cannot be undone; only a rollback plan asks for it, and only for the comment its plan
posted.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from devops_agent.errors import BadInput, Refused
from devops_agent.gh.common import (
    GhArgs,
    Number,
    api,
    code,
    gh_client,
    github_errors,
    locked,
    planned_repository,
    repository_of,
    rest_call,
    user_text,
)
from devops_agent.gh.identity import own_login
from devops_agent.gh.issues.records import (
    CLOSE_REASONS,
    IssueSummary,
    close_issue,
    create_issue,
    find_opened,
    get_issue,
    issue_payload,
    labels_of,
    reopen_issue,
)
from devops_agent.gh.issues.thread import comment_on, delete_comment, own_comment
from devops_agent.operation import (
    ApiCall,
    Command,
    Hidden,
    NotAsPlanned,
    Option,
    PlanEntry,
    Positional,
    Proposal,
    Reader,
    Unchanged,
    Verification,
    Verified,
    Write,
    Writers,
)
from devops_agent.sanitize import clean_untrusted

if TYPE_CHECKING:
    from github.IssueComment import IssueComment

__all__ = [
    "COMMENT_DELETE",
    "ISSUE_CLOSE",
    "ISSUE_COMMENT",
    "ISSUE_CREATE",
    "ISSUE_REOPEN",
    "CloseIssueArgs",
    "CommentArgs",
    "CreateIssueArgs",
    "DeleteCommentArgs",
    "ReopenIssueArgs",
]


class CreateIssueArgs(GhArgs):
    """Arguments of ``issue create``."""

    title: Annotated[
        str, Positional(rest=True), AfterValidator(lambda t: user_text(t, "title", limit=256))
    ]
    """The issue's title."""
    body: Annotated[str, AfterValidator(lambda text: clean_untrusted(text).strip())] = ""
    """Its text (Markdown); empty for none."""
    labels: Annotated[list[str], Option("--label"), AfterValidator(labels_of)] = Field(
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
    issue = create_issue(
        writers.github, planned_repository(args), args.title, body=args.body, labels=args.labels
    )
    return f"opened #{issue.number} {issue.html_url}"


def _create_calls(args: CreateIssueArgs) -> list[ApiCall]:
    repository = planned_repository(args)
    return [
        rest_call(
            "POST",
            f"/repos/{repository}/issues",
            issue_payload(args.title, args.body, args.labels),
        )
    ]


def _opened(reader: Reader, args: CreateIssueArgs) -> IssueSummary | None:
    gh, repository = gh_client(reader), planned_repository(args)
    with github_errors(f"read the issues of {repository}", permission="issues: read"):
        return find_opened(gh, repository, args.title, args.body)


def _verify_create(reader: Reader, args: CreateIssueArgs) -> Verification:
    issue = _opened(reader, args)
    if issue is None:
        return NotAsPlanned(f"no issue titled {code(args.title)} opened by devops-agent")
    return Verified(f"#{issue.number} is {issue.state}: {code(issue.title)}")


def _undo_create(reader: Reader, before: object, args: CreateIssueArgs) -> list[PlanEntry]:
    """Close the issue the plan opened, as not planned (GitHub's REST API deletes no issue)."""
    issue = _opened(reader, args)
    if issue is None or issue.state == "closed":
        return []
    back = CloseIssueArgs(repository=args.repository, number=issue.number, reason="not_planned")
    return [
        ISSUE_CLOSE.entry(
            back,
            f"Roll back: close #{issue.number} ({issue.title[:80]}), opened by the plan, as "
            "not planned",
            [f"{args.repository}#{issue.number}"],
        )
    ]


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
    calls=_create_calls,
    verify=_verify_create,
    undo=_undo_create,
    examples=(
        {"repository": "acme/platform", "title": "Disk full on web-1", "body": "", "labels": []},
        {
            "repository": "acme/platform",
            "title": "Rotate the deploy key",
            "body": "Due this week.",
            "labels": ["ops", "security"],
        },
    ),
)


def _reason(value: Any) -> Any:
    return value.strip().lower().replace("-", "_") if isinstance(value, str) else value


class CloseIssueArgs(GhArgs):
    """Arguments of ``issue close`` and ``pr close``."""

    number: Annotated[Number, Positional()]
    """The issue or pull request number."""
    reason: Annotated[Literal["completed", "not_planned"], BeforeValidator(_reason)] = "completed"
    """Why it is closed: completed or not_planned."""


def _thread(repository: str, number: int) -> str:
    return locked(repository, "issues", number)


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
    issue = close_issue(writers.github, planned_repository(args), args.number, reason=args.reason)
    return f"closed #{issue.number}"


def _state_calls(args: CloseIssueArgs | ReopenIssueArgs, body: dict[str, Any]) -> list[ApiCall]:
    """The one request that closes or reopens the thread: ``body`` is its new state."""
    repository = planned_repository(args)
    return [
        rest_call(
            "PATCH",
            f"/repos/{repository}/issues/{args.number}",
            body,
            locks=(_thread(repository, args.number),),
        )
    ]


def _close_calls(args: CloseIssueArgs) -> list[ApiCall]:
    return _state_calls(args, {"state": "closed", "state_reason": args.reason})


def _state_now(reader: Reader, args: CloseIssueArgs | ReopenIssueArgs) -> IssueSummary:
    return get_issue(gh_client(reader), planned_repository(args), args.number)


def _state_before(reader: Reader, args: CloseIssueArgs | ReopenIssueArgs) -> dict[str, Any]:
    issue = _state_now(reader, args)
    return {"state": issue.state, "state_reason": issue.state_reason}


def _verify_state(reader: Reader, args: CloseIssueArgs | ReopenIssueArgs) -> Verification:
    wanted = "closed" if isinstance(args, CloseIssueArgs) else "open"
    issue = _state_now(reader, args)
    why = f" ({issue.state_reason})" if issue.state_reason and issue.state == "closed" else ""
    read = f"#{issue.number} is {issue.state}{why}"
    return Verified(read) if issue.state == wanted else NotAsPlanned(read)


def _undo_close(reader: Reader, before: Any, args: CloseIssueArgs) -> list[PlanEntry]:
    """Reopen what the plan closed (nothing when it was closed already)."""
    if not isinstance(before, dict) or before.get("state") != "open":
        return []
    back = ReopenIssueArgs(repository=args.repository, number=args.number)
    return [
        ISSUE_REOPEN.entry(
            back,
            f"Roll back: reopen #{args.number}, as it was before",
            [f"{args.repository}#{args.number}"],
        )
    ]


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
    calls=_close_calls,
    verify=_verify_state,
    before=_state_before,
    undo=_undo_close,
    examples=tuple(
        {"repository": "acme/platform", "number": 12, "reason": reason}
        for reason in ("completed", "not_planned")
    ),
)


class ReopenIssueArgs(GhArgs):
    """Arguments of ``issue reopen`` and ``pr reopen``."""

    number: Annotated[Number, Positional()]
    """The issue or pull request number."""


def _plan_reopen(reader: Reader, args: ReopenIssueArgs) -> Proposal | Unchanged:
    gh, repository = gh_client(reader), repository_of(reader, args.repository)
    issue = get_issue(gh, repository, args.number)
    if issue.state == "open":
        return Unchanged(
            f"#{args.number} is open; nothing to reopen", {"issue": issue.model_dump(mode="json")}
        )
    if issue.is_pull_request:
        with github_errors(f"read pull request #{args.number}", permission="pull-requests: read"):
            pull = api(gh, "GET", f"/repos/{repository}/pulls/{args.number}")
        if pull.get("merged"):
            raise BadInput(f"#{args.number} was merged; a merged pull request cannot be reopened.")
    kind = "pull request" if issue.is_pull_request else "issue"
    entry = ISSUE_REOPEN.entry(
        args.model_copy(update={"repository": repository}),
        f"Reopen {kind} #{args.number} ({issue.title[:100]})",
        [f"{repository}#{args.number}"],
    )
    return Proposal([entry], what=f"reopen #{args.number}")


def _run_reopen(writers: Writers, args: ReopenIssueArgs) -> str:
    issue = reopen_issue(writers.github, planned_repository(args), args.number)
    return f"reopened #{issue.number}"


def _reopen_calls(args: ReopenIssueArgs) -> list[ApiCall]:
    return _state_calls(args, {"state": "open"})


def _undo_reopen(reader: Reader, before: Any, args: ReopenIssueArgs) -> list[PlanEntry]:
    """Close again what the plan reopened, for the reason it was closed."""
    if not isinstance(before, dict) or before.get("state") != "closed":
        return []
    reason = before.get("state_reason")
    back = CloseIssueArgs(
        repository=args.repository,
        number=args.number,
        reason=reason if reason in CLOSE_REASONS else "completed",
    )
    return [
        ISSUE_CLOSE.entry(
            back,
            f"Roll back: close #{args.number} again as {back.reason}, as it was before",
            [f"{args.repository}#{args.number}"],
        )
    ]


ISSUE_REOPEN = Write(
    name="github.issue_reopen",
    args=ReopenIssueArgs,
    summary="Reopen a closed issue or pull request.",
    service="github",
    tool="reopen_issue",
    commands=(
        Command("issue reopen N", "Plan to reopen a closed issue or pull request."),
        Command("pr reopen N", "Plan to reopen a pull request closed without merging."),
    ),
    guide="A merged pull request cannot be reopened; one whose branch is gone neither.",
    github=("issues: write", "pull-requests: write"),
    plan=_plan_reopen,
    run=_run_reopen,
    calls=_reopen_calls,
    verify=_verify_state,
    before=_state_before,
    undo=_undo_reopen,
    examples=({"repository": "acme/platform", "number": 12},),
)


class DeleteCommentArgs(GhArgs):
    """Arguments of the step that deletes a comment a plan posted (a rollback's)."""

    number: Number
    """The issue or pull request the comment is on."""
    comment_id: Annotated[int, Field(ge=1)]
    """The comment's id."""
    marker: str
    """The hidden marker the comment must still hold: only the comment the plan posted,
    by devops-agent, is ever deleted."""


def _only_in_rollbacks(reader: Reader, args: DeleteCommentArgs) -> Proposal:
    raise BadInput(
        "Only the rollback of a plan that posted a comment deletes it.",
        remedy="Delete other comments on GitHub yourself.",
    )


def _run_delete_comment(writers: Writers, args: DeleteCommentArgs) -> str:
    from github import GithubException

    gh, repository = writers.github, planned_repository(args)
    with github_errors(f"read comment {args.comment_id}", permission="issues: read"):
        try:
            comment = api(gh, "GET", f"/repos/{repository}/issues/comments/{args.comment_id}")
        except GithubException as exc:
            if exc.status != 404:
                raise
            return f"comment {args.comment_id} is deleted already"
    author = str((comment.get("user") or {}).get("login") or "")
    if args.marker not in str(comment.get("body") or "") or author != own_login(gh):
        raise Refused(
            f"Comment {args.comment_id} is not the one the plan posted (another author, or "
            "its marker is gone); it is not deleted.",
        )
    delete_comment(gh, repository, args.comment_id)
    return f"deleted comment {args.comment_id} on #{args.number}"


def _delete_comment_calls(args: DeleteCommentArgs) -> list[ApiCall]:
    repository = planned_repository(args)
    return [
        rest_call(
            "DELETE",
            f"/repos/{repository}/issues/comments/{args.comment_id}",
            locks=(_thread(repository, args.number),),
            when="only if it is still devops-agent's comment with the plan's marker",
        )
    ]


def _verify_deleted(reader: Reader, args: DeleteCommentArgs) -> Verification:
    from github import GithubException

    gh, repository = gh_client(reader), planned_repository(args)
    with github_errors(f"read comment {args.comment_id}", permission="issues: read"):
        try:
            api(gh, "GET", f"/repos/{repository}/issues/comments/{args.comment_id}")
        except GithubException as exc:
            if exc.status == 404:
                return Verified(f"comment {args.comment_id} is gone")
            raise
    return NotAsPlanned(f"comment {args.comment_id} is still on #{args.number}")


COMMENT_DELETE = Write(
    name="github.comment_delete",
    args=DeleteCommentArgs,
    summary="Delete the comment a plan posted (the rollback of a comment).",
    service="github",
    agent="only the rollback of a plan that posted a comment deletes it",
    github=("issues: write", "pull-requests: write"),
    plan=_only_in_rollbacks,
    run=_run_delete_comment,
    calls=_delete_comment_calls,
    verify=_verify_deleted,
    irreversible="a deleted comment cannot be brought back: GitHub keeps no copy to restore, "
    "and replies that quoted it lose what they answered",
    examples=(
        {
            "repository": "acme/platform",
            "number": 12,
            "comment_id": 1234,
            "marker": "<!-- devops-agent:comment 0123456789abcdef -->",
        },
    ),
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

    def marker(self) -> str:
        """The hidden marker the posted comment ends with: how it is found again.

        Returns:
            An HTML comment naming the entry's key.
        """
        key = self.key or _comment_key(self.repository or "", self.number, self.body, "")
        return f"<!-- devops-agent:comment {key[:32]} -->"


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
    url = comment_on(
        writers.github, planned_repository(args), args.number, args.body, args.marker()
    )
    return f"commented {url}"


def _comment_text(args: CommentArgs) -> str:
    """The whole text the entry posts: the planned body, then its hidden marker."""
    return f"{args.body}\n\n{args.marker()}"


def _comment_calls(args: CommentArgs) -> list[ApiCall]:
    repository = planned_repository(args)
    return [
        rest_call(
            "POST",
            f"/repos/{repository}/issues/{args.number}/comments",
            {"body": _comment_text(args)},
            locks=(_thread(repository, args.number),),
        )
    ]


def _posted(reader: Reader, args: CommentArgs) -> IssueComment | None:
    return own_comment(
        gh_client(reader), planned_repository(args), args.number, args.marker(), _comment_text(args)
    )


def _verify_comment(reader: Reader, args: CommentArgs) -> Verification:
    found = _posted(reader, args)
    if found is None:
        return NotAsPlanned(f"#{args.number} has no comment of this plan")
    return Verified(f"comment {found.id} is on #{args.number}")


def _undo_comment(reader: Reader, before: object, args: CommentArgs) -> list[PlanEntry]:
    """Delete the comment the plan posted (found by its marker and its author)."""
    found = _posted(reader, args)
    if found is None:
        return []
    back = DeleteCommentArgs(
        repository=args.repository, number=args.number, comment_id=found.id, marker=args.marker()
    )
    return [
        COMMENT_DELETE.entry(
            back,
            f"Roll back: delete the comment the plan posted on #{args.number} ({found.id})",
            [f"{args.repository}#{args.number}"],
        )
    ]


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
    calls=_comment_calls,
    verify=_verify_comment,
    undo=_undo_comment,
    emits=(COMMENT_DELETE,),  # what its rollback plans carry
    examples=(
        {
            "repository": "acme/platform",
            "number": 12,
            "body": "Deployed to staging.",
            "key": "0123456789abcdef",
        },
    ),
)
