"""Repositories as a whole: listing an owner's, creating one, deleting one.

Creating and deleting are repository administration: the workflow token can never do
them (a personal access token or GitHub App token with Administration: write can).
The agent may propose a new repository but never a deletion, which cannot be undone.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

from pydantic import AfterValidator, Field, model_validator

from devops_agent.errors import BadInput, ServiceError
from devops_agent.gh import service_error
from devops_agent.gh.common import (
    REPO_NAME,
    GhModel,
    Login,
    api,
    check_login,
    check_repository,
    gh_client,
    github_errors,
    locked,
    post_once,
    rest_call,
)
from devops_agent.gh.identity import WORKFLOW_BOT, own_login
from devops_agent.operation import (
    ApiCall,
    Args,
    Command,
    Hidden,
    NotAsPlanned,
    PlanEntry,
    Positional,
    Proposal,
    Read,
    Reader,
    Verification,
    Verified,
    Write,
    Writers,
)
from devops_agent.report import Result, Table, dump, plural, when
from devops_agent.sanitize import clean_untrusted

if TYPE_CHECKING:
    from github import Github

__all__ = [
    "ADMIN",
    "RepoSummary",
    "create_call",
    "create_repo",
    "delete_repo",
    "find_repo",
    "list_repos",
    "owner_type",
    "repo_summary",
]

#: The permission every repository administration call needs.
ADMIN = "administration: write"


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


def repo_summary(data: dict[str, Any]) -> RepoSummary:
    """A repository as GitHub's JSON describes it.

    Args:
        data: GitHub's repository JSON.

    Returns:
        The summary.
    """
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
    """``User`` or ``Organization`` (``GET /users/{owner}``); BadInput when it does not exist.

    Args:
        gh: The run's GitHub client.
        owner: The login.

    Returns:
        ``User`` or ``Organization``.
    """
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
            items.extend(repo_summary(d) for d in batch)
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

    Args:
        gh: The run's GitHub client.
        owner: The organization or user.
        name: The new repository's name.
        organization: Whether ``owner`` is an organization.
        private: Whether it is private.
        description: Its description.

    Returns:
        The repository.

    Raises:
        ServiceError: GitHub refused (the token needs Administration: write), or did not
            answer after the retries.
    """
    call = create_call(
        owner, name, organization=organization, private=private, description=description
    )
    path = call.operation.partition(" ")[2]

    def look() -> RepoSummary | None:
        return find_repo(gh, f"{owner}/{name}")

    return post_once(
        f"create the repository {owner}/{name}",
        lambda: repo_summary(api(gh, "POST", path, body=call.params)),
        look,
        permission=ADMIN,
    )


def create_call(
    owner: str, name: str, *, organization: bool, private: bool, description: str = ""
) -> ApiCall:
    """The request that creates ``owner/name``: what :func:`create_repo` sends and a plan
    shows. It locks the new repository's name, so no other apply creates or changes it
    meanwhile.

    Args:
        owner: The organization or user.
        name: The new repository's name.
        organization: Whether ``owner`` is an organization.
        private: Whether it is private.
        description: Its description.

    Returns:
        ``POST /orgs/{owner}/repos`` or ``POST /user/repos`` with its body.
    """
    body: dict[str, Any] = {"name": name, "private": private}
    if description:
        body["description"] = description
    path = f"/orgs/{quote(owner, safe='')}/repos" if organization else "/user/repos"
    return rest_call("POST", path, body, locks=(locked(f"{owner}/{name}"),))


def find_repo(gh: Github, repository: str) -> RepoSummary | None:
    """The repository, or ``None`` when GitHub has none by that name (or the token cannot
    see it).

    Args:
        gh: The run's GitHub client.
        repository: ``owner/name``.

    Returns:
        Its summary, or ``None``.

    Raises:
        GithubException: GitHub refused otherwise (callers wrap this in
            :func:`github_errors`).
    """
    from github import UnknownObjectException

    try:
        return repo_summary(api(gh, "GET", f"/repos/{check_repository(repository)}"))
    except UnknownObjectException:
        return None


def delete_repo(gh: Github, repository: str) -> None:
    """Delete the repository.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.

    Raises:
        ServiceError: GitHub refused (the token needs ``delete_repo``).
    """
    with github_errors(f"delete {repository}", permission=ADMIN):
        api(gh, "DELETE", f"/repos/{check_repository(repository)}")


def _read_repo(gh: Github, repository: str) -> RepoSummary:
    with github_errors(f"read {repository}"):
        return repo_summary(api(gh, "GET", f"/repos/{check_repository(repository)}"))


# --------------------------------------------------------------------------- operations


class ListReposArgs(Args):
    """Arguments of ``repo list``."""

    owner: Annotated[Login | None, Positional()] = None
    """A user or organization; null for this repository's owner."""


def _owner(reader: Reader, args: ListReposArgs) -> str | None:
    return args.owner or (reader.repository.split("/")[0] if reader.repository else None)


def _list(reader: Reader, args: ListReposArgs) -> list[RepoSummary]:
    return list_repos(gh_client(reader), _owner(reader, args))


def _yes(value: bool) -> str:
    return "yes" if value else ""


def _list_table(reader: Reader, args: ListReposArgs, found: list[RepoSummary]) -> Result:
    owner = _owner(reader, args)
    rows = [
        [r.full_name, r.visibility, r.default_branch, _yes(r.archived), when(r.pushed_at)]
        for r in found
    ]
    return Result(
        title=plural(len(found), "repository").replace("repositorys", "repositories")
        + (f" of {owner}" if owner else ""),
        tables=[
            Table(
                columns=["Repository", "Visibility", "Default branch", "Archived", "Pushed"],
                rows=rows,
                empty="No repositories.",
            )
        ],
        data={"owner": owner, "repositories": dump(found)},
    )


LIST = Read(
    name="github.list_repositories",
    args=ListReposArgs,
    summary="Repositories of a user or organization (this repository's owner by default).",
    service="github",
    commands=(
        Command(
            "repo list [OWNER]",
            "Repositories of a user or organization (this repository's owner by default).",
        ),
    ),
    guide="A user's listing shows public repositories only; an organization's, what the "
    "token may see.",
    github=("metadata: read",),
    read=_list,
    render=_list_table,
    source="GitHub",
)


def _repo_name(name: str) -> str:
    if not REPO_NAME.fullmatch(name) or name in (".", ".."):
        raise BadInput(f"'{name}' is not a repository name (letters, digits, . _ -).")
    return name


class CreateRepoArgs(Args):
    """Arguments of ``repo create``."""

    name: Annotated[str, Positional(), AfterValidator(_repo_name)]
    """The new repository's name, or OWNER/NAME (OWNER: an organization, or the token's
    own user; this repository's owner by default)."""
    public: Annotated[bool, Field(exclude=True)] = False
    """Create it public; it is private otherwise."""
    private: Annotated[bool | None, Hidden()] = None
    """Whether it is private: the plan's word for ``not public``."""
    description: Annotated[str, AfterValidator(lambda text: clean_untrusted(text).strip())] = ""
    """One line about the repository; empty for none."""
    owner: Annotated[Login | None, Hidden()] = None
    """The user or organization it belongs to, as the preview resolved it."""
    organization: Annotated[bool, Hidden()] = False
    """Whether the owner is an organization (the preview looks it up)."""

    @model_validator(mode="before")
    @classmethod
    def _owner_and_visibility(cls, data: Any) -> Any:
        """``OWNER/NAME`` splits into the two; ``--public`` is ``private: false``."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        name = data.get("name")
        if isinstance(name, str) and "/" in name:
            owner, _, data["name"] = name.rpartition("/")
            data["owner"] = owner
        if data.get("public") and data.get("private"):
            raise BadInput("A repository is public or private, not both.")
        if data.get("private") is None:
            data["private"] = not data.get("public")
        return data


def _plan_create(reader: Reader, args: CreateRepoArgs) -> Proposal:
    gh = gh_client(reader)
    owner = check_login(args.owner or reader.repository.partition("/")[0])
    kind = owner_type(gh, owner)
    if kind != "Organization":
        me = own_login(gh)
        if me == WORKFLOW_BOT:
            raise BadInput(
                "The workflow token cannot create repositories.",
                remedy="Use a personal access token or GitHub App token with Administration: "
                "write as the `github-token` input, or create it in an organization.",
            )
        if me.lower() != owner.lower():
            raise BadInput(
                f"A token can create repositories only for its own user (@{me}) or in an "
                f"organization; {owner} is another user."
            )
    try:
        _read_repo(gh, f"{owner}/{args.name}")
    except ServiceError as exc:
        if exc.code != "404":
            raise
    else:
        raise BadInput(f"{owner}/{args.name} already exists.")
    entry = REPO_CREATE.entry(
        args.model_copy(update={"owner": owner, "organization": kind == "Organization"}),
        f"Create the {'private' if args.private else 'public'} repository {owner}/{args.name}"
        + (f": {args.description[:100]}" if args.description else ""),
        [f"{owner}/{args.name}"],
    )
    return Proposal([entry], what=f"create {owner}/{args.name}")


def _new_owner(args: CreateRepoArgs) -> str:
    if args.owner is None:
        raise BadInput("The plan does not name the new repository's owner; it is not applied.")
    return args.owner


def _run_create(writers: Writers, args: CreateRepoArgs) -> str:
    created = create_repo(
        writers.github,
        _new_owner(args),
        args.name,
        organization=args.organization,
        private=bool(args.private),
        description=args.description,
    )
    return f"created {created.full_name} ({created.visibility}) {created.html_url}"


def _create_calls(args: CreateRepoArgs) -> list[ApiCall]:
    return [
        create_call(
            _new_owner(args),
            args.name,
            organization=args.organization,
            private=bool(args.private),
            description=args.description,
        )
    ]


def _created(reader: Reader, args: CreateRepoArgs) -> RepoSummary | None:
    repository = f"{_new_owner(args)}/{args.name}"
    with github_errors(f"read {repository}"):
        return find_repo(gh_client(reader), repository)


def _verify_create(reader: Reader, args: CreateRepoArgs) -> Verification:
    found = _created(reader, args)
    if found is None:
        return NotAsPlanned(f"there is no repository {_new_owner(args)}/{args.name}")
    read = f"{found.full_name} exists ({found.visibility})"
    return Verified(read) if found.private == bool(args.private) else NotAsPlanned(read)


def _undo_create(reader: Reader, before: object, args: CreateRepoArgs) -> list[PlanEntry]:
    """Delete the repository the plan created (itself an irreversible plan, marked so)."""
    found = _created(reader, args)
    if found is None:
        return []
    back = DeleteRepoArgs(repository=found.full_name)
    return [
        REPO_DELETE.entry(
            back,
            f"Roll back: delete {found.full_name}, created by the plan, with anything pushed "
            "to it since",
            [found.full_name],
        )
    ]


REPO_CREATE = Write(
    name="github.repo_create",
    args=CreateRepoArgs,
    summary="Create a repository (private unless public).",
    service="github",
    tool="create_repository",
    commands=(
        Command(
            "repo create [OWNER/]NAME [--public] [--description D]",
            "Plan to create a repository (private unless --public).",
        ),
    ),
    guide="It needs a token with Administration: write (not the workflow token): in an "
    "organization, or for the token's own user.",
    github=(ADMIN,),
    plan=_plan_create,
    run=_run_create,
    calls=_create_calls,
    verify=_verify_create,
    undo=_undo_create,
    examples=(
        {
            "name": "tools",
            "private": True,
            "description": "Shared tools",
            "owner": "acme",
            "organization": True,
        },
        {
            "name": "notes",
            "private": False,
            "description": "",
            "owner": "alice",
            "organization": False,
        },
    ),
)


class DeleteRepoArgs(Args):
    """Arguments of ``repo delete``."""

    repository: Annotated[str, Positional(), AfterValidator(check_repository)]
    """The repository to delete, always as OWNER/NAME."""


def _plan_delete(reader: Reader, args: DeleteRepoArgs) -> Proposal:
    found = _read_repo(gh_client(reader), args.repository)
    entry = REPO_DELETE.entry(
        args,
        f"Delete the repository {args.repository} ({found.visibility}) and everything in it",
        [args.repository],
    )
    return Proposal([entry], what=f"delete {args.repository}")


def _run_delete(writers: Writers, args: DeleteRepoArgs) -> str:
    delete_repo(writers.github, args.repository)
    return f"deleted {args.repository}"


def _delete_calls(args: DeleteRepoArgs) -> list[ApiCall]:
    return [rest_call("DELETE", f"/repos/{args.repository}", locks=(locked(args.repository),))]


def _verify_delete(reader: Reader, args: DeleteRepoArgs) -> Verification:
    with github_errors(f"read {args.repository}"):
        found = find_repo(gh_client(reader), args.repository)
    if found is None:
        return Verified(f"there is no repository {args.repository} any more")
    return NotAsPlanned(f"{found.full_name} still exists")


REPO_DELETE = Write(
    name="github.repo_delete",
    args=DeleteRepoArgs,
    summary="Delete a repository and everything in it.",
    service="github",
    tool="delete_repository",
    commands=(Command("repo delete OWNER/NAME", "Plan to delete a repository."),),
    agent="deleting a repository cannot be undone; type the command",
    github=(ADMIN,),
    plan=_plan_delete,
    run=_run_delete,
    calls=_delete_calls,
    verify=_verify_delete,
    irreversible="deleting a repository deletes its code, issues, pull requests, wiki, "
    "releases and settings for everyone at once, and the private forks of a private one; "
    "devops-agent cannot bring any of it back",
    examples=({"repository": "acme/tools"},),
)
