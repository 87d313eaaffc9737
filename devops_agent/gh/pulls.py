"""Pull requests: listings, whether one may be merged and why not, merges and reviews.

:func:`merge_readiness` answers the question a careful maintainer asks before pressing
the button, from what GitHub reports: the PR is open, not a draft and merges cleanly;
every commit status and check run on its head has passed (the action's own
``devops-agent`` check run excepted: it is this run); branch protection's required
approvals are there and nobody's latest review asks for changes. Planners call it to
refuse early with the reasons, and the apply path calls it again just before merging,
because all of it can change in between.

**devops-agent never approves a pull request.** :func:`review` accepts only
``COMMENT`` and ``REQUEST_CHANGES``; no code path sends ``APPROVE``; and the arguments of
``pr review`` (:class:`ReviewArgs`) refuse an approval before anything else, whether
typed, asked for by the agent, or written into a plan.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, model_validator

from devops_agent.errors import BadInput, Refused, ServiceError
from devops_agent.gh.checks import CHECK_NAME
from devops_agent.gh.common import (
    GhArgs,
    GhModel,
    Login,
    Number,
    api,
    check_login,
    check_repository,
    code,
    gh_client,
    github_errors,
    post_once,
    repository_of,
    user_text,
)
from devops_agent.gh.identity import own_login
from devops_agent.gh.issues import LIST_LIMIT, State
from devops_agent.gh.repos import branch_protection
from devops_agent.operation import (
    Command,
    Hidden,
    Lower,
    Positional,
    Proposal,
    Read,
    Reader,
    Write,
    Writers,
)
from devops_agent.report import Result, Table, dump, plural
from devops_agent.sanitize import clean_untrusted

if TYPE_CHECKING:
    from github import Github

MERGE_METHODS = ("merge", "squash", "rebase")
#: The only review events devops-agent ever sends.
REVIEW_EVENTS = ("COMMENT", "REQUEST_CHANGES")
ReviewEvent = Literal["COMMENT", "REQUEST_CHANGES"]
_PASSED = ("success", "neutral", "skipped")


class PullSummary(GhModel):
    """A pull request in a listing, or read before a merge."""

    number: int
    title: str
    """As its author wrote it: untrusted text."""
    state: str
    author: str
    draft: bool = False
    merged: bool = False
    head_ref: str
    head_sha: str
    base_ref: str
    mergeable: bool | None = None
    """``None`` while GitHub is still computing it."""
    mergeable_state: str = "unknown"
    labels: list[str] = Field(default_factory=list)
    html_url: str = ""
    created_at: datetime | None = None


class CheckOutcome(GhModel):
    """One commit status or check run on a PR's head."""

    name: str
    kind: Literal["status", "check"]
    state: Literal["success", "failure", "pending"]
    detail: str = ""
    """The conclusion or state GitHub reported."""
    url: str = ""


class Readiness(GhModel):
    """Whether a pull request may be merged now, and if not, every reason."""

    number: int
    head_sha: str
    base_ref: str
    ready: bool
    reasons: list[str] = Field(default_factory=list)
    checks: list[CheckOutcome] = Field(default_factory=list)
    approvals: int = 0
    required_approvals: int = 0
    changes_requested_by: list[str] = Field(default_factory=list)
    protection_readable: bool = True


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _pull(data: dict[str, Any]) -> PullSummary:
    return PullSummary(
        number=int(data["number"]),
        title=str(data.get("title") or ""),
        state=str(data.get("state") or ""),
        author=str((data.get("user") or {}).get("login") or ""),
        draft=bool(data.get("draft")),
        merged=bool(data.get("merged") or data.get("merged_at")),
        head_ref=str(data["head"]["ref"]),
        head_sha=str(data["head"]["sha"]),
        base_ref=str(data["base"]["ref"]),
        mergeable=data.get("mergeable"),
        mergeable_state=str(data.get("mergeable_state") or "unknown"),
        labels=[str(label.get("name")) for label in data.get("labels") or []],
        html_url=str(data.get("html_url") or ""),
        created_at=_when(data.get("created_at")),
    )


def get_pull(
    gh: Github,
    repository: str,
    number: int,
    *,
    settle: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> PullSummary:
    """One pull request. With ``settle``, wait (1, 2, 4 s) while GitHub computes mergeability.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        number: The pull request's number.
        settle: Wait until GitHub has computed whether it can be merged.
        sleep: How to wait (tests pass a recorder).

    Returns:
        The pull request.
    """
    path = f"/repos/{check_repository(repository)}/pulls/{number}"
    try:
        with github_errors(f"read pull request #{number}", permission="pull-requests: read"):
            pull = _pull(api(gh, "GET", path))
            for pause in (1.0, 2.0, 4.0):
                if not settle or pull.mergeable is not None or pull.state != "open":
                    break
                sleep(pause)
                pull = _pull(api(gh, "GET", path))
    except ServiceError as exc:
        if exc.code == "404":
            raise BadInput(f"{repository} has no pull request #{number}.") from None
        raise
    return pull


def list_pulls(
    gh: Github,
    repository: str,
    *,
    state: str = "open",
    label: str | None = None,
    author: str | None = None,
    limit: int = 50,
) -> list[PullSummary]:
    """Pull requests, newest first, filtered by label and author.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        state: ``open``, ``closed`` or ``all``.
        label: Only those with this label.
        author: Only those opened by this login.
        limit: Stop after this many.

    Returns:
        The pull requests.
    """
    if state not in ("open", "closed", "all"):
        raise BadInput(f"--state must be open, closed or all, not '{state}'.")
    author = check_login(author) if author else None
    found: list[PullSummary] = []
    page = 1
    with github_errors(f"list the pull requests of {repository}", permission="pull-requests: read"):
        while len(found) < limit:
            batch = api(
                gh,
                "GET",
                f"/repos/{check_repository(repository)}/pulls",
                params={"state": state, "per_page": 100, "page": page},
            )
            for data in batch:
                pull = _pull(data)
                if label and label.lower() not in {n.lower() for n in pull.labels}:
                    continue
                if author and pull.author.lower() != author.lower():
                    continue
                found.append(pull)
            if len(batch) < 100 or page >= 10:
                break
            page += 1
    return found[:limit]


def head_checks(gh: Github, repository: str, sha: str) -> list[CheckOutcome]:
    """Commit statuses (newest per context) and check runs (latest per name) on ``sha``.

    The action's own ``devops-agent`` check run is left out: it describes this run.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        sha: The commit.

    Returns:
        One outcome per status context and check run name.
    """
    outcomes: list[CheckOutcome] = []
    with github_errors(f"read the checks on {sha[:7]}", permission="checks: read"):
        combined = api(gh, "GET", f"/repos/{repository}/commits/{sha}/status")
        for status in combined.get("statuses") or []:
            state = status.get("state")
            outcomes.append(
                CheckOutcome(
                    name=str(status.get("context")),
                    kind="status",
                    state="success"
                    if state == "success"
                    else "pending"
                    if state == "pending"
                    else "failure",
                    detail=str(state),
                    url=str(status.get("target_url") or ""),
                )
            )
        page = 1
        while True:
            data = api(
                gh,
                "GET",
                f"/repos/{repository}/commits/{sha}/check-runs",
                params={"per_page": 100, "page": page, "filter": "latest"},
            )
            for run in data.get("check_runs") or []:
                if run.get("name") == CHECK_NAME:
                    continue
                if run.get("status") != "completed":
                    state, detail = "pending", str(run.get("status"))
                else:
                    detail = str(run.get("conclusion"))
                    state = "success" if detail in _PASSED else "failure"
                outcomes.append(
                    CheckOutcome(
                        name=str(run.get("name")),
                        kind="check",
                        state=state,  # type: ignore[arg-type]
                        detail=detail,
                        url=str(run.get("html_url") or ""),
                    )
                )
            if len(data.get("check_runs") or []) < 100:
                break
            page += 1
    return outcomes


def reviews_summary(gh: Github, repository: str, number: int) -> tuple[int, list[str]]:
    """Approvals (each reviewer's latest verdict) and who asks for changes.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        number: The pull request's number.

    Returns:
        How many approve, and the logins that request changes.
    """
    latest: dict[str, str] = {}
    page = 1
    with github_errors(f"read the reviews of #{number}", permission="pull-requests: read"):
        while True:
            batch = api(
                gh,
                "GET",
                f"/repos/{repository}/pulls/{number}/reviews",
                params={"per_page": 100, "page": page},
            )
            for review in batch:
                state = review.get("state")
                if state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
                    latest[str((review.get("user") or {}).get("login"))] = str(state)
            if len(batch) < 100:
                break
            page += 1
    approvals = sum(1 for s in latest.values() if s == "APPROVED")
    return approvals, sorted(u for u, s in latest.items() if s == "CHANGES_REQUESTED")


def merge_readiness(
    gh: Github,
    repository: str,
    number: int,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> Readiness:
    """Whether pull request ``number`` may be merged now; every reason it may not.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        number: The pull request's number.
        sleep: How to wait (tests pass a recorder).

    Returns:
        Whether it may be merged, its head, and every reason it may not (draft, conflicts,
        failing checks, reviews).
    """
    pull = get_pull(gh, repository, number, settle=True, sleep=sleep)
    reasons: list[str] = []
    if pull.merged:
        reasons.append(f"#{number} is already merged.")
    elif pull.state != "open":
        reasons.append(f"#{number} is closed.")
    if pull.draft:
        reasons.append(f"#{number} is a draft; mark it ready for review first.")
    if pull.mergeable is False:
        reasons.append(
            f"#{number} does not merge cleanly into {pull.base_ref} (conflicts); "
            "update the branch first."
        )
    elif pull.mergeable is None and pull.state == "open":
        reasons.append("GitHub has not finished checking whether it merges cleanly; try again.")
    checks = head_checks(gh, repository, pull.head_sha)
    failing = [c for c in checks if c.state == "failure"]
    pending = [c for c in checks if c.state == "pending"]
    if failing:
        names = ", ".join(f"{c.name} ({c.detail})" for c in failing)
        reasons.append(f"Checks fail on the head commit {pull.head_sha[:7]}: {names}.")
    if pending:
        names = ", ".join(c.name for c in pending)
        reasons.append(f"Checks are still running on {pull.head_sha[:7]}: {names}; wait for them.")
    protection = branch_protection(gh, repository, pull.base_ref)
    approvals, changes = reviews_summary(gh, repository, number)
    present = {c.name for c in checks}
    missing_checks = [c for c in protection.required_checks if c not in present]
    if missing_checks:
        reasons.append(
            f"Required checks have not reported on {pull.head_sha[:7]}: "
            + ", ".join(missing_checks)
            + "."
        )
    if changes:
        reasons.append("Changes are requested by " + ", ".join("@" + u for u in changes) + ".")
    if approvals < protection.required_approvals:
        reasons.append(
            f"Branch protection on {pull.base_ref} requires {protection.required_approvals} "
            f"approving review{'s' if protection.required_approvals != 1 else ''}; "
            f"#{number} has {approvals}."
        )
    if pull.mergeable_state == "blocked" and not reasons:
        reasons.append(
            "GitHub reports the merge blocked by branch protection (required reviews or "
            "checks); the token cannot read the protection rules to say which."
        )
    return Readiness(
        number=number,
        head_sha=pull.head_sha,
        base_ref=pull.base_ref,
        ready=not reasons,
        reasons=reasons,
        checks=checks,
        approvals=approvals,
        required_approvals=protection.required_approvals,
        changes_requested_by=changes,
        protection_readable=protection.readable,
    )


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
    path = f"/repos/{check_repository(repository)}/pulls/{number}/merge"
    try:
        data = api(gh, "PUT", path, body={"merge_method": method, "sha": sha})
        return str(data.get("sha") or "")
    except GithubException as exc:
        if exc.status == 409:
            raise Refused(
                f"The head of #{number} moved since the plan was made; nothing was merged.",
                remedy="Ask for the merge again so the plan matches the code under review.",
            ) from None
        if exc.status == 405:
            with github_errors(f"read pull request #{number}"):
                after = _pull(api(gh, "GET", f"/repos/{repository}/pulls/{number}"))
            if after.merged and after.head_sha == sha:
                return "already merged"
            message = (exc.data or {}).get("message") if isinstance(exc.data, dict) else None
            raise Refused(
                f"GitHub refused to merge #{number}: {message or 'not mergeable'}."
            ) from None
        with github_errors(f"merge pull request #{number}", permission="contents: write"):
            raise


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
    path = f"/repos/{check_repository(repository)}/pulls/{number}/reviews"

    def look() -> str | None:
        mine = own_login(gh)
        for data in api(gh, "GET", path, params={"per_page": 100}):
            if (data.get("user") or {}).get("login") == mine and data.get("body") == body:
                return str(data.get("html_url"))
        return None

    return post_once(
        f"review pull request #{number}",
        lambda: str(api(gh, "POST", path, body={"event": event, "body": body}).get("html_url")),
        look,
        permission="pull-requests: write",
    )


# --------------------------------------------------------------------------- operations

NEVER_APPROVES = "devops-agent never approves pull requests: approval is a person's decision."


class ListPullsArgs(GhArgs):
    """Arguments of ``pr list``."""

    state: State = "open"
    """open, closed or all."""
    label: str | None = None
    """Only pull requests with this label; null for any."""
    author: Login | None = None
    """Only pull requests this login opened; null for anyone's."""


def _list(reader: Reader, args: ListPullsArgs) -> list[PullSummary]:
    return list_pulls(
        gh_client(reader),
        repository_of(reader, args.repository),
        state=args.state,
        label=args.label,
        author=args.author,
        limit=LIST_LIMIT,
    )


def _list_table(reader: Reader, args: ListPullsArgs, found: list[PullSummary]) -> Result:
    repository = repository_of(reader, args.repository)
    rows = [
        [
            f"#{p.number}",
            p.title,
            "merged" if p.merged else ("draft" if p.draft and p.state == "open" else p.state),
            p.author,
            f"{p.head_ref} → {p.base_ref}",
            ", ".join(p.labels),
        ]
        for p in found
    ]
    return Result(
        title=f"{plural(len(found), 'pull request')} ({args.state}) in {repository}",
        tables=[
            Table(
                columns=["PR", "Title", "State", "Author", "Branches", "Labels"],
                rows=rows,
                empty="No pull requests match.",
            )
        ],
        data={"repository": repository, "pulls": dump(found)},
    )


LIST = Read(
    name="github.list_pull_requests",
    args=ListPullsArgs,
    summary="Pull requests, newest first.",
    service="github",
    commands=(
        Command("pr list [--state S] [--label L] [--author A]", "Pull requests, newest first."),
    ),
    guide=f"Number, title, author, branches, head SHA, mergeability, labels; at most "
    f"{LIST_LIMIT}. Titles are what their authors wrote.",
    github=("pull-requests: read",),
    read=_list,
    render=_list_table,
    source="GitHub",
)


class PullArgs(GhArgs):
    """Arguments of ``pr show``."""

    number: Annotated[Number, Positional()]
    """The pull request number."""


class PullDetail(GhModel):
    """A pull request and whether it may be merged now."""

    pull: PullSummary
    readiness: Readiness


def _show(reader: Reader, args: PullArgs) -> PullDetail:
    gh, repository = gh_client(reader), repository_of(reader, args.repository)
    return PullDetail(
        pull=get_pull(gh, repository, args.number),
        readiness=merge_readiness(gh, repository, args.number),
    )


def _show_result(reader: Reader, args: PullArgs, detail: PullDetail) -> Result:
    pull, readiness, number = detail.pull, detail.readiness, args.number
    verdict = (
        f"It can be merged: `pr merge {number}`."
        if readiness.ready
        else "It cannot be merged now:\n\n"
        + "\n".join("- " + clean_untrusted(r).replace("`", "'") for r in readiness.reasons)
    )
    approvals = f"{readiness.approvals} approval(s)" + (
        f" of {readiness.required_approvals} required" if readiness.required_approvals else ""
    )
    rows = [
        ["State", "merged" if pull.merged else pull.state],
        ["Author", pull.author],
        ["Branches", f"{pull.head_ref} → {pull.base_ref}"],
        ["Head", pull.head_sha[:12]],
        ["Draft", "yes" if pull.draft else "no"],
        ["Mergeable", {True: "yes", False: "no (conflicts)", None: "unknown"}[pull.mergeable]],
        ["Reviews", approvals],
    ]
    checks = Table(
        title="Checks on the head commit",
        columns=["Check", "Kind", "State", "Detail"],
        rows=[[c.name, c.kind, c.state, c.detail] for c in readiness.checks],
        empty="No checks reported on the head commit.",
    )
    return Result(
        title=f"#{number}: {code(pull.title, 120)}",
        text=f"{pull.html_url}\n\n{verdict}",
        tables=[Table(columns=["Field", "Value"], rows=rows), checks],
        data={"pull": pull.model_dump(mode="json"), "readiness": readiness.model_dump(mode="json")},
    )


SHOW = Read(
    name="github.show_pull_request",
    args=PullArgs,
    summary="A pull request and whether it can be merged (checks, reviews, conflicts).",
    service="github",
    commands=(
        Command(
            "pr show N",
            "A pull request and whether it can be merged (checks, reviews, conflicts).",
        ),
    ),
    guide="Returns the pull request and its readiness: ready, and every reason it may not be "
    "merged now (checks failing or running, approvals missing, changes requested, conflicts).",
    github=("pull-requests: read", "checks: read", "statuses: read"),
    read=_show,
    render=_show_result,
    source="GitHub",
)


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
)

OPERATIONS = (LIST, SHOW, PR_MERGE, PR_REVIEW)
