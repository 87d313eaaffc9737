"""Changing pull requests: merges and reviews (``pr merge``, ``pr review``), each a plan
that proves itself: the one request it sends, what GitHub reads back after it, and why
neither can be undone (a merge lands commits and starts what runs on a push; a review
stays on the pull request).

**devops-agent never approves a pull request.** :func:`review` accepts only
``COMMENT`` and ``REQUEST_CHANGES``; no code path sends ``APPROVE``; and the arguments of
``pr review`` (:class:`ReviewArgs`) refuse an approval before anything else, whether
typed, asked for by the agent, or written into a plan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, model_validator

from devops_agent.errors import BadInput, Refused
from devops_agent.gh.common import (
    GhArgs,
    Number,
    api,
    check_repository,
    gh_client,
    github_errors,
    locked,
    post_once,
    repository_of,
    rest_call,
    user_text,
)
from devops_agent.gh.identity import own_login
from devops_agent.operation import (
    ApiCall,
    Command,
    Hidden,
    Lower,
    NotAsPlanned,
    Positional,
    Proposal,
    Reader,
    Verification,
    Verified,
    Write,
    Writers,
)

if TYPE_CHECKING:
    from github import Github

from devops_agent.gh.pulls.reads import (
    MERGE_METHODS,
    REVIEW_EVENTS,
    ReviewEvent,
    get_pull,
    merge_readiness,
    pull_from,
)

__all__ = [
    "NEVER_APPROVES",
    "PR_MERGE",
    "PR_REVIEW",
    "MergeArgs",
    "ReviewArgs",
    "merge",
    "merge_call",
    "own_review",
    "review",
    "review_call",
]

#: What a request to approve is told, whoever makes it.
NEVER_APPROVES = "devops-agent never approves pull requests: approval is a person's decision."


def merge(gh: Github, repository: str, number: int, *, method: str, sha: str) -> str:
    """Merge ``number`` if its head is still ``sha``; returns the merge commit's SHA.

    The PUT is retried by the client after a 5xx; a retry that finds the PR already
    merged (405) is the first attempt's success, so the PR is read back to tell.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        number: The pull request's number.
        method: ``merge``, ``squash`` or ``rebase``.
        sha: The head the plan saw; GitHub refuses when it moved.

    Returns:
        The merge commit's SHA.
    """
    from github import GithubException

    if method not in MERGE_METHODS:
        raise BadInput(f"--method must be one of {', '.join(MERGE_METHODS)}, not '{method}'.")
    call = merge_call(repository, number, method=method, sha=sha)
    try:
        data = api(gh, "PUT", call.operation.partition(" ")[2], body=call.params)
        return str(data.get("sha") or "")
    except GithubException as exc:
        if exc.status == 409:
            raise Refused(
                f"The head of #{number} moved since the plan was made; nothing was merged.",
                remedy="Ask for the merge again so the plan matches the code under review.",
            ) from None
        if exc.status == 405:
            with github_errors(f"read pull request #{number}"):
                after = pull_from(api(gh, "GET", f"/repos/{repository}/pulls/{number}"))
            if after.merged and after.head_sha == sha:
                return "already merged"
            message = (exc.data or {}).get("message") if isinstance(exc.data, dict) else None
            raise Refused(
                f"GitHub refused to merge #{number}: {message or 'not mergeable'}."
            ) from None
        with github_errors(f"merge pull request #{number}", permission="contents: write"):
            raise


def merge_call(repository: str, number: int, *, method: str, sha: str) -> ApiCall:
    """The request that merges ``number`` if its head is still ``sha``: what :func:`merge`
    sends and a plan shows. It locks the pull request.

    Args:
        repository: The repository, ``owner/name``.
        number: The pull request's number.
        method: ``merge``, ``squash`` or ``rebase``.
        sha: The head the plan saw.

    Returns:
        ``PUT …/pulls/{number}/merge`` with ``merge_method`` and ``sha``.
    """
    return rest_call(
        "PUT",
        f"/repos/{check_repository(repository)}/pulls/{number}/merge",
        {"merge_method": method, "sha": sha},
        locks=(locked(repository, "issues", number),),
    )


def review_call(repository: str, number: int, event: str, body: str) -> ApiCall:
    """The request that posts a review: what :func:`review` sends and a plan shows. It
    locks the pull request.

    Args:
        repository: The repository, ``owner/name``.
        number: The pull request's number.
        event: ``COMMENT`` or ``REQUEST_CHANGES``.
        body: The review's text.

    Returns:
        ``POST …/pulls/{number}/reviews`` with ``event`` and ``body``.
    """
    return rest_call(
        "POST",
        f"/repos/{check_repository(repository)}/pulls/{number}/reviews",
        {"event": event, "body": body},
        locks=(locked(repository, "issues", number),),
    )


def own_review(gh: Github, repository: str, number: int, event: str, body: str) -> str | None:
    """The URL of the review the token's own identity posted with this event and text.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        number: The pull request's number.
        event: ``COMMENT`` or ``REQUEST_CHANGES``.
        body: The review's text.

    Returns:
        The review's URL, or ``None`` when there is no such review (among its first 100).

    Raises:
        GithubException: GitHub refused (callers wrap this in :func:`github_errors`).
    """
    state = {"COMMENT": "COMMENTED", "REQUEST_CHANGES": "CHANGES_REQUESTED"}.get(event, event)
    mine = own_login(gh)
    path = f"/repos/{check_repository(repository)}/pulls/{number}/reviews"
    for data in api(gh, "GET", path, params={"per_page": 100}):
        if (
            (data.get("user") or {}).get("login") == mine
            and data.get("body") == body
            and data.get("state") in (state, "DISMISSED")
        ):
            return str(data.get("html_url"))
    return None


def review(gh: Github, repository: str, number: int, event: str, body: str) -> str:
    """Post a review that comments or requests changes; returns its URL.

    Anything else, ``APPROVE`` above all, is refused: devops-agent never approves.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        number: The pull request's number.
        event: ``COMMENT`` or ``REQUEST_CHANGES``.
        body: The review's text.

    Returns:
        The review's URL.
    """
    if event not in REVIEW_EVENTS:
        raise Refused(
            "devops-agent never approves pull requests: approval is a person's decision.",
            remedy="Post a review comment or request changes instead.",
        )
    if not body.strip():
        raise BadInput("A review needs text.")
    call = review_call(repository, number, event, body)
    path = call.operation.partition(" ")[2]
    return post_once(
        f"review pull request #{number}",
        lambda: str(api(gh, "POST", path, body=call.params).get("html_url")),
        lambda: own_review(gh, repository, number, event, body),
        permission="pull-requests: write",
    )


# --------------------------------------------------------------------------- operations


class MergeArgs(GhArgs):
    """Arguments of ``pr merge``."""

    number: Annotated[Number, Positional()]
    """The pull request number."""
    method: Annotated[Literal["merge", "squash", "rebase"], Lower] = "merge"
    """merge, squash or rebase."""
    head_sha: Annotated[str, Hidden()] = ""
    """The head commit the plan was made for: the merge happens only if it is still the head."""


def _plan_merge(reader: Reader, args: MergeArgs) -> Proposal:
    gh, repository = gh_client(reader), repository_of(reader, args.repository)
    number = args.number
    readiness = merge_readiness(gh, repository, number)
    if not readiness.ready:
        raise Refused(
            f"#{number} cannot be merged: " + " ".join(readiness.reasons),
            remedy=f"Fix that, then ask again; `pr show {number}` shows the details.",
        )
    pull = get_pull(gh, repository, number)
    entry = PR_MERGE.entry(
        args.model_copy(update={"repository": repository, "head_sha": readiness.head_sha}),
        f"Merge #{number} ({pull.title[:100]}) into {pull.base_ref} by {args.method} "
        f"at {readiness.head_sha[:7]}",
        [f"{repository}#{number}"],
    )
    return Proposal([entry], what=f"merge #{number} ({args.method})")


def _run_merge(writers: Writers, args: MergeArgs) -> str:
    if args.repository is None or not args.head_sha:
        raise Refused("The plan does not name the head commit to merge; it is not applied.")
    gh, number, planned = writers.github, args.number, args.head_sha
    readiness = merge_readiness(gh, args.repository, number)
    if readiness.head_sha != planned:
        raise Refused(
            f"The head of #{number} moved since the plan was made "
            f"({planned[:7]} → {readiness.head_sha[:7]}); nothing was merged.",
            remedy="Ask for the merge again so the plan matches the code under review.",
        )
    if not readiness.ready:
        raise Refused(f"#{number} cannot be merged now: " + " ".join(readiness.reasons))
    sha = merge(gh, args.repository, number, method=args.method, sha=planned)
    return f"merged #{number} ({args.method}) as {sha[:7]}"


def _merge_calls(args: MergeArgs) -> list[ApiCall]:
    if args.repository is None or not args.head_sha:
        raise Refused("The plan does not name the head commit to merge; it is not applied.")
    return [merge_call(args.repository, args.number, method=args.method, sha=args.head_sha)]


def _verify_merge(reader: Reader, args: MergeArgs) -> Verification:
    pull = get_pull(gh_client(reader), str(args.repository), args.number)
    if pull.merged and pull.head_sha == args.head_sha:
        return Verified(f"#{args.number} is merged into {pull.base_ref} at {pull.head_sha[:7]}")
    state = "merged at another head" if pull.merged else pull.state
    return NotAsPlanned(f"#{args.number} is {state} (head {pull.head_sha[:7]})")


PR_MERGE = Write(
    name="github.pr_merge",
    args=MergeArgs,
    summary="Merge a pull request; refused while checks fail, reviews are missing or it conflicts.",
    service="github",
    tool="merge_pull_request",
    commands=(
        Command(
            "pr merge N [--method merge|squash|rebase]",
            "Plan a merge; refused while checks fail, reviews are missing or it conflicts.",
        ),
    ),
    guide="The plan records the head commit; at apply everything is checked again and the "
    "merge happens only if the head is still that commit.",
    github=("contents: write", "pull-requests: read", "checks: read", "statuses: read"),
    plan=_plan_merge,
    run=_run_merge,
    calls=_merge_calls,
    verify=_verify_merge,
    irreversible="a merge puts the pull request's commits on its base branch at once, and "
    "whatever runs on a push there (a deploy) starts; a revert is a new commit, and the "
    "pull request stays merged",
    examples=tuple(
        {
            "repository": "acme/platform",
            "number": 7,
            "method": method,
            "head_sha": "0123456789abcdef0123456789abcdef01234567",
        }
        for method in MERGE_METHODS
    ),
)


class ReviewArgs(GhArgs):
    """Arguments of ``pr review``: a review that comments or requests changes, never one
    that approves."""

    number: Annotated[Number, Positional()]
    """The pull request number."""
    comment: Annotated[str | None, Field(exclude=True)] = None
    """Review text that only comments; null when requesting changes."""
    request_changes: Annotated[str | None, Field(exclude=True)] = None
    """Review text that asks for changes; null when only commenting."""
    approve: Annotated[bool, Field(exclude=True)] = False
    """Always false: devops-agent never approves a pull request, and true is refused."""
    event: Annotated[ReviewEvent, Hidden()]
    """COMMENT or REQUEST_CHANGES, from which text was given."""
    body: Annotated[str, Hidden()]
    """The review's text."""

    @model_validator(mode="before")
    @classmethod
    def _one_review(cls, data: Any) -> Any:
        """Refuse an approval, whatever asks for it; fold the text into event and body."""
        if not isinstance(data, dict):
            return data
        event = str(data.get("event") or "").upper()
        if data.get("approve") or event == "APPROVE":
            raise Refused(
                NEVER_APPROVES,
                remedy="Review it yourself, or use `--comment TEXT` or `--request-changes TEXT`.",
            )
        comment, changes = data.get("comment"), data.get("request_changes")
        if comment is None and changes is None and "body" in data:
            return data  # a plan's arguments: already event and body
        if bool(comment) == bool(changes):
            raise BadInput(
                "Give exactly one of --comment TEXT or --request-changes TEXT.",
                remedy='Example: `pr review 12 --request-changes "Please add a test."`',
            )
        text = str(comment or changes)
        return {
            **data,
            "event": "COMMENT" if comment else "REQUEST_CHANGES",
            "body": user_text(text, "review"),
        }


def _plan_review(reader: Reader, args: ReviewArgs) -> Proposal:
    gh, repository = gh_client(reader), repository_of(reader, args.repository)
    number = args.number
    pull = get_pull(gh, repository, number)
    if pull.state != "open":
        raise BadInput(
            f"#{number} is {'merged' if pull.merged else pull.state}; it cannot be reviewed."
        )
    verb = "Comment on" if args.event == "COMMENT" else "Request changes on"
    entry = PR_REVIEW.entry(
        args.model_copy(update={"repository": repository}),
        f"{verb} #{number} ({pull.title[:80]}) in a review: {args.body[:120]}",
        [f"{repository}#{number}"],
    )
    return Proposal([entry], what=f"review #{number}")


def _run_review(writers: Writers, args: ReviewArgs) -> str:
    if args.repository is None:
        raise BadInput("The plan does not name the repository; it is not applied.")
    url = review(writers.github, args.repository, args.number, args.event, args.body)
    verb = "requested changes" if args.event == "REQUEST_CHANGES" else "commented"
    return f"{verb} on #{args.number} {url}"


def _review_calls(args: ReviewArgs) -> list[ApiCall]:
    if args.repository is None:
        raise BadInput("The plan does not name the repository; it is not applied.")
    return [review_call(args.repository, args.number, args.event, args.body)]


def _verify_review(reader: Reader, args: ReviewArgs) -> Verification:
    with github_errors(f"read the reviews of #{args.number}", permission="pull-requests: read"):
        url = own_review(
            gh_client(reader), str(args.repository), args.number, args.event, args.body
        )
    if url is None:
        return NotAsPlanned(f"#{args.number} has no review of this plan by devops-agent")
    return Verified(f"the review is on #{args.number}: {url}")


PR_REVIEW = Write(
    name="github.pr_review",
    args=ReviewArgs,
    summary="Review a pull request with a comment or a request for changes (never an approval).",
    service="github",
    tool="review_pull_request",
    commands=(
        Command(
            "pr review N --comment TEXT | --request-changes TEXT",
            "Plan a review that comments or requests changes (never an approval).",
        ),
    ),
    guide="Give exactly one of comment and request_changes. devops-agent never approves a "
    "pull request: approval is a person's decision.",
    github=("pull-requests: write",),
    plan=_plan_review,
    run=_run_review,
    calls=_review_calls,
    verify=_verify_review,
    irreversible="a submitted review cannot be deleted or withdrawn: it stays on the pull "
    "request and everyone watching it has been notified (a request for changes can only be "
    "dismissed later, by someone allowed to)",
    examples=tuple(
        {"repository": "acme/platform", "number": 7, "event": event, "body": "Please add a test."}
        for event in REVIEW_EVENTS
    ),
)
