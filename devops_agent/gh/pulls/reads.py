"""Pull requests as people read them: listings, one with its checks and reviews, and
whether it may be merged now and why not (``pr list``, ``pr show``).

:func:`merge_readiness` answers the question a careful maintainer asks before pressing
the button, from what GitHub reports: the PR is open, not a draft and merges cleanly;
every commit status and check run on its head has passed (the action's own
``devops-agent`` check run excepted: it is this run); branch protection's required
approvals are there and nobody's latest review asks for changes. Planners call it to
refuse early with the reasons, and the apply path calls it again just before merging,
because all of it can change in between.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from devops_agent.errors import BadInput, ServiceError
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
    repository_of,
)
from devops_agent.gh.issues import LIST_LIMIT, State
from devops_agent.gh.repos import branch_protection
from devops_agent.operation import (
    Command,
    Positional,
    Read,
    Reader,
)
from devops_agent.report import Result, Table, dump, plural
from devops_agent.sanitize import clean_untrusted

if TYPE_CHECKING:
    from github import Github

__all__ = [
    "LIST",
    "MERGE_METHODS",
    "REVIEW_EVENTS",
    "SHOW",
    "CheckOutcome",
    "ListPullsArgs",
    "PullArgs",
    "PullDetail",
    "PullSummary",
    "Readiness",
    "ReviewEvent",
    "get_pull",
    "head_checks",
    "list_pulls",
    "merge_readiness",
    "pull_from",
    "reviews_summary",
]

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


def pull_from(data: dict[str, Any]) -> PullSummary:
    """A pull request as GitHub's JSON describes it.

    Args:
        data: GitHub's pull request JSON.

    Returns:
        The summary.
    """
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
            pull = pull_from(api(gh, "GET", path))
            for pause in (1.0, 2.0, 4.0):
                if not settle or pull.mergeable is not None or pull.state != "open":
                    break
                sleep(pause)
                pull = pull_from(api(gh, "GET", path))
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
                pull = pull_from(data)
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


# --------------------------------------------------------------------------- operations


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
