"""Repositories: who may act and what a PR's head is (the run's own questions), and the
repository reads and changes of the command language: listings, settings, topics, branch
protection and collaborators. Reads run at once; the changes here are called only by the
apply path (:mod:`devops_agent.gh.operations`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pydantic import Field

from devops_agent.authz import effective_role
from devops_agent.errors import BadInput
from devops_agent.gh import service_error
from devops_agent.gh.common import (
    GhModel,
    api,
    check_login,
    check_repository,
    github_errors,
    post_once,
)

if TYPE_CHECKING:
    from github import Github


def collaborator_role(gh: Github, repository: str, login: str) -> str:
    """The person's role on the repository (``none`` when not a collaborator).

    Compares on ``role_name`` (five roles) and falls back to the legacy
    ``permission`` for custom roles, as GitHub documents.
    """
    from urllib.parse import quote

    from github import GithubException, UnknownObjectException

    repo = gh.get_repo(repository)
    try:
        _, data = repo.requester.requestJsonAndCheck(
            "GET", f"{repo.url}/collaborators/{quote(login, safe='')}/permission"
        )
    except UnknownObjectException:
        return "none"
    except GithubException as exc:
        raise service_error(exc, f"read @{login}'s permission on {repository}") from None
    return effective_role(data.get("role_name"), data.get("permission"))


def pull_head_sha(gh: Github, repository: str, number: int) -> str:
    """The head commit of pull request ``number`` (the comment event does not carry it)."""
    from github import GithubException

    try:
        return str(gh.get_repo(repository).get_pull(number).head.sha)
    except GithubException as exc:
        raise service_error(exc, f"read pull request #{number}") from None


class PullHead:
    """The head SHA of one PR, fetched once per run and shared (publisher and plans)."""

    def __init__(self, gh: Github, repository: str, number: int) -> None:
        self._gh = gh
        self._repository = repository
        self._number = number
        self._sha: str | None = None

    def __call__(self) -> str:
        if self._sha is None:
            self._sha = pull_head_sha(self._gh, self._repository, self._number)
        return self._sha


# --------------------------------------------------------------------------------------
# Repositories: listing, settings, branch protection, collaborators (reads), and the
# changes the apply path carries out (devops_agent.gh.operations).
# --------------------------------------------------------------------------------------

#: What ``--permission`` may say, and the role each grants (GitHub's five roles).
PERMISSIONS = {
    "read": "pull",
    "pull": "pull",
    "triage": "triage",
    "write": "push",
    "push": "push",
    "maintain": "maintain",
    "admin": "admin",
}
#: The settings ``repo settings`` can change, and the type of each value.
SETTINGS: dict[str, type] = {
    "description": str,
    "homepage": str,
    "default_branch": str,
    "visibility": str,
    "allow_merge_commit": bool,
    "allow_squash_merge": bool,
    "allow_rebase_merge": bool,
    "allow_auto_merge": bool,
    "delete_branch_on_merge": bool,
    "has_issues": bool,
    "has_wiki": bool,
    "has_projects": bool,
}
_ADMIN = "administration: write"


class RepoSummary(GhModel):
    """One repository in a listing."""

    full_name: str
    """``owner/name``."""
    private: bool
    visibility: str
    """``public``, ``private`` or ``internal``."""
    description: str | None = None
    default_branch: str
    archived: bool = False
    fork: bool = False
    html_url: str
    pushed_at: datetime | None = None
    """Last push (UTC)."""


class BranchProtection(GhModel):
    """What a branch's protection asks of a merge (a summary, not every rule)."""

    branch: str
    protected: bool
    """False when the branch has no classic protection."""
    readable: bool = True
    """False when the token may not read protection (it needs Administration: read)."""
    required_approvals: int = 0
    dismiss_stale_reviews: bool = False
    require_code_owner_reviews: bool = False
    required_checks: list[str] = Field(default_factory=list)
    """Status check contexts that must pass."""
    enforce_admins: bool = False
    linear_history: bool = False
    allow_force_pushes: bool = False


class RepoSettings(GhModel):
    """A repository's settings as ``repo show`` reports them."""

    full_name: str
    description: str | None = None
    homepage: str | None = None
    visibility: str
    private: bool
    default_branch: str
    topics: list[str] = Field(default_factory=list)
    allow_merge_commit: bool = True
    allow_squash_merge: bool = True
    allow_rebase_merge: bool = True
    allow_auto_merge: bool = False
    delete_branch_on_merge: bool = False
    has_issues: bool = True
    has_wiki: bool = True
    has_projects: bool = True
    archived: bool = False
    html_url: str
    protection: BranchProtection | None = None
    """Protection of the default branch, when read."""


class Collaborator(GhModel):
    """A person with access to the repository."""

    login: str
    role: str
    """``admin``, ``maintain``, ``write``, ``triage``, ``read`` or a custom role's name."""


def _summary(data: dict[str, Any]) -> RepoSummary:
    pushed = data.get("pushed_at")
    return RepoSummary(
        full_name=data["full_name"],
        private=bool(data.get("private")),
        visibility=data.get("visibility") or ("private" if data.get("private") else "public"),
        description=data.get("description"),
        default_branch=data.get("default_branch") or "main",
        archived=bool(data.get("archived")),
        fork=bool(data.get("fork")),
        html_url=data.get("html_url") or "",
        pushed_at=datetime.fromisoformat(pushed.replace("Z", "+00:00")) if pushed else None,
    )


def owner_type(gh: Github, owner: str) -> str:
    """``User`` or ``Organization`` (``GET /users/{owner}``); BadInput when it does not exist."""
    from github import GithubException

    owner = check_login(owner)
    try:
        data = api(gh, "GET", f"/users/{quote(owner, safe='')}")
    except GithubException as exc:
        if exc.status == 404:
            raise BadInput(f"There is no GitHub user or organization '{owner}'.") from None
        raise service_error(exc, f"look up {owner}") from None
    return str(data.get("type") or "User")


def list_repos(gh: Github, owner: str | None = None, *, limit: int = 100) -> list[RepoSummary]:
    """Repositories of ``owner`` (a user or an organization), or the token's own.

    Args:
        gh: the run's client.
        owner: a login or organization; ``None`` lists what the token's user can reach
            (a personal token only: the workflow token has no user).
        limit: stop after this many (newest pages are not fetched past it).

    Returns:
        Repositories sorted by full name. A user's listing shows public repositories
        only (GitHub's rule); an organization's shows what the token may see.
    """
    from github import GithubException

    if owner is None:
        path = "/user/repos"
        params: dict[str, Any] = {"sort": "full_name"}
    else:
        kind = owner_type(gh, owner)
        scope = "orgs" if kind == "Organization" else "users"
        path = f"/{scope}/{quote(owner, safe='')}/repos"
        params = {"type": "all"}
    items: list[RepoSummary] = []
    page = 1
    try:
        while len(items) < limit:
            batch = api(gh, "GET", path, params={**params, "per_page": 100, "page": page})
            items.extend(_summary(d) for d in batch)
            if len(batch) < 100:
                break
            page += 1
    except GithubException as exc:
        if owner is None and exc.status in (401, 403):
            raise BadInput(
                "The token has no user of its own to list repositories for.",
                remedy="Name an owner: `repo list OWNER`.",
            ) from None
        raise service_error(exc, f"list the repositories of {owner or 'the token user'}") from None
    return sorted(items[:limit], key=lambda r: r.full_name.lower())


def branch_protection(gh: Github, repository: str, branch: str) -> BranchProtection:
    """The protection of ``branch`` (not protected, or unreadable, are answers too)."""
    from github import GithubException

    try:
        data = api(gh, "GET", f"/repos/{repository}/branches/{quote(branch, safe='')}/protection")
    except GithubException as exc:
        if exc.status == 404:
            return BranchProtection(branch=branch, protected=False)
        if exc.status == 403:
            return BranchProtection(branch=branch, protected=False, readable=False)
        raise service_error(exc, f"read the protection of {branch}") from None
    reviews = data.get("required_pull_request_reviews") or {}
    checks = data.get("required_status_checks") or {}

    def enabled(key: str) -> bool:
        return bool((data.get(key) or {}).get("enabled"))

    return BranchProtection(
        branch=branch,
        protected=True,
        required_approvals=int(reviews.get("required_approving_review_count") or 0),
        dismiss_stale_reviews=bool(reviews.get("dismiss_stale_reviews")),
        require_code_owner_reviews=bool(reviews.get("require_code_owner_reviews")),
        required_checks=list(checks.get("contexts") or []),
        enforce_admins=enabled("enforce_admins"),
        linear_history=enabled("required_linear_history"),
        allow_force_pushes=enabled("allow_force_pushes"),
    )


def repo_settings(gh: Github, repository: str, *, protection: bool = True) -> RepoSettings:
    """A repository's settings and topics (one request), and its default branch's protection."""
    with github_errors(f"read {repository}"):
        data = api(gh, "GET", f"/repos/{check_repository(repository)}")
    settings = {key: data[key] for key in SETTINGS if key in data and data[key] is not None}
    result = RepoSettings(
        full_name=data["full_name"],
        private=bool(data.get("private")),
        topics=list(data.get("topics") or []),
        archived=bool(data.get("archived")),
        html_url=data.get("html_url") or "",
        **{"visibility": "private" if data.get("private") else "public", **settings},
    )
    if protection:
        result = result.model_copy(
            update={"protection": branch_protection(gh, repository, result.default_branch)}
        )
    return result


def list_collaborators(gh: Github, repository: str, *, limit: int = 300) -> list[Collaborator]:
    """People with access to the repository and their roles."""
    items: list[Collaborator] = []
    page = 1
    with github_errors(f"list the collaborators of {repository}", permission="metadata: read"):
        while len(items) < limit:
            batch = api(
                gh,
                "GET",
                f"/repos/{check_repository(repository)}/collaborators",
                params={"per_page": 100, "page": page},
            )
            for user in batch:
                perms = user.get("permissions") or {}
                fallback = next(
                    (r for r in ("admin", "maintain", "push", "triage", "pull") if perms.get(r)),
                    "pull",
                )
                role = user.get("role_name") or {"push": "write", "pull": "read"}.get(
                    fallback, fallback
                )
                items.append(Collaborator(login=user["login"], role=role))
            if len(batch) < 100:
                break
            page += 1
    return items[:limit]


def create_repo(
    gh: Github,
    owner: str,
    name: str,
    *,
    organization: bool,
    private: bool = True,
    description: str = "",
) -> RepoSummary:
    """Create ``owner/name`` (in an organization, or for the token's own user).

    A POST: after an answer that leaves the outcome unknown it looks for the
    repository before trying again, so it is never created twice.
    """
    body: dict[str, Any] = {"name": name, "private": private}
    if description:
        body["description"] = description
    path = f"/orgs/{quote(owner, safe='')}/repos" if organization else "/user/repos"

    def look() -> RepoSummary | None:
        from github import UnknownObjectException

        try:
            return _summary(api(gh, "GET", f"/repos/{owner}/{name}"))
        except UnknownObjectException:
            return None

    return post_once(
        f"create the repository {owner}/{name}",
        lambda: _summary(api(gh, "POST", path, body=body)),
        look,
        permission=_ADMIN,
    )


def delete_repo(gh: Github, repository: str) -> None:
    """Delete the repository."""
    with github_errors(f"delete {repository}", permission=_ADMIN):
        api(gh, "DELETE", f"/repos/{check_repository(repository)}")


def edit_repo(
    gh: Github, repository: str, changes: dict[str, Any], topics: list[str] | None = None
) -> RepoSettings:
    """Change settings (PATCH) and, if given, replace the topics (PUT); both idempotent."""
    with github_errors(f"change the settings of {repository}", permission=_ADMIN):
        if changes:
            api(gh, "PATCH", f"/repos/{check_repository(repository)}", body=changes)
        if topics is not None:
            api(gh, "PUT", f"/repos/{repository}/topics", body={"names": topics})
    return repo_settings(gh, repository, protection=False)


def add_collaborator(gh: Github, repository: str, login: str, permission: str) -> str:
    """Invite ``login`` (or change an existing collaborator's role); says which happened."""
    import json

    from github import GithubException

    role = PERMISSIONS[permission]
    action = f"add @{login} to {repository}"
    with github_errors(action, permission=_ADMIN):
        status, headers, body = gh.requester.requestJson(
            "PUT",
            f"/repos/{check_repository(repository)}/collaborators/{quote(check_login(login))}",
            input={"permission": role},
        )
        if status == 201:
            return f"invited @{login} to {repository} as {permission} (they must accept)"
        if status == 204:
            return f"@{login} now has {permission} on {repository}"
        try:
            data = json.loads(body) if body else None
        except ValueError:
            data = None
        raise GithubException(status, data, headers)


def remove_collaborator(gh: Github, repository: str, login: str) -> str:
    """Remove ``login``'s access (and any pending invitation)."""
    with github_errors(f"remove @{login} from {repository}", permission=_ADMIN):
        api(
            gh,
            "DELETE",
            f"/repos/{check_repository(repository)}/collaborators/{quote(check_login(login))}",
        )
    return f"removed @{login} from {repository}"
