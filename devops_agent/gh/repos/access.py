"""Who has access to a repository: the run's own questions (may this person act? what is
the PR's head?) and the collaborators people list, invite and remove.

Roles are compared on ``role_name`` (GitHub's five roles), falling back to the legacy
``permission`` for custom roles, as GitHub documents. Adding and removing collaborators
is repository administration: a personal access token or GitHub App token with
Administration: write, never the workflow token.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import quote

from pydantic import BeforeValidator

from devops_agent.authz import effective_role
from devops_agent.errors import BadInput
from devops_agent.gh import service_error
from devops_agent.gh.common import (
    GhArgs,
    GhModel,
    Login,
    RepoArgs,
    api,
    check_login,
    check_repository,
    gh_client,
    github_errors,
    repository_of,
)
from devops_agent.gh.repos.lifecycle import ADMIN, owner_type
from devops_agent.operation import (
    Command,
    Positional,
    Proposal,
    Read,
    Reader,
    Unchanged,
    Write,
    Writers,
)
from devops_agent.report import Result, Table, dump, plural

if TYPE_CHECKING:
    from github import Github

__all__ = [
    "PERMISSIONS",
    "Collaborator",
    "PullHead",
    "add_collaborator",
    "collaborator_role",
    "list_collaborators",
    "pull_head_sha",
    "remove_collaborator",
]

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


def collaborator_role(gh: Github, repository: str, login: str) -> str:
    """The person's role on the repository (``none`` when not a collaborator).

    Compares on ``role_name`` (five roles) and falls back to the legacy
    ``permission`` for custom roles, as GitHub documents.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        login: The person's login.

    Returns:
        ``admin``, ``maintain``, ``write``, ``triage``, ``read`` or ``none``.
    """
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
    """The head commit of pull request ``number`` (the comment event does not carry it).

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        number: The pull request's number.

    Returns:
        The head commit's SHA.

    Raises:
        ServiceError: GitHub refused.
    """
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


class Collaborator(GhModel):
    """A person with access to the repository."""

    login: str
    role: str
    """``admin``, ``maintain``, ``write``, ``triage``, ``read`` or a custom role's name."""


def list_collaborators(gh: Github, repository: str, *, limit: int = 300) -> list[Collaborator]:
    """People with access to the repository and their roles.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        limit: Stop after this many.

    Returns:
        The collaborators with their roles.
    """
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


def add_collaborator(gh: Github, repository: str, login: str, permission: str) -> str:
    """Invite ``login`` (or change an existing collaborator's role); says which happened.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        login: The person's login.
        permission: The role to give (``pull``, ``triage``, ``push``, ``maintain``, ``admin``).

    Returns:
        One line: invited, or the new role.
    """
    from github import GithubException

    role = PERMISSIONS[permission]
    action = f"add @{login} to {repository}"
    with github_errors(action, permission=ADMIN):
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
    """Remove ``login``'s access (and any pending invitation).

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        login: The person's login.

    Returns:
        One line that says so.

    Raises:
        ServiceError: GitHub refused.
    """
    with github_errors(f"remove @{login} from {repository}", permission=ADMIN):
        api(
            gh,
            "DELETE",
            f"/repos/{check_repository(repository)}/collaborators/{quote(check_login(login))}",
        )
    return f"removed @{login} from {repository}"


# --------------------------------------------------------------------------- operations


def _list(reader: Reader, args: RepoArgs) -> list[Collaborator]:
    return list_collaborators(gh_client(reader), repository_of(reader, args.repository))


def _list_table(reader: Reader, args: RepoArgs, people: list[Collaborator]) -> Result:
    repository = repository_of(reader, args.repository)
    return Result(
        title=f"{plural(len(people), 'collaborator')} of {repository}",
        tables=[
            Table(
                columns=["Login", "Role"],
                rows=[[p.login, p.role] for p in people],
                empty="No collaborators.",
            )
        ],
        data={"repository": repository, "collaborators": dump(people)},
    )


COLLABORATORS = Read(
    name="github.list_collaborators",
    args=RepoArgs,
    summary="People with access and their roles.",
    service="github",
    commands=(Command("repo collaborators [REPO]", "People with access and their roles."),),
    github=("metadata: read",),
    read=_list,
    render=_list_table,
    source="GitHub",
)

Role = Literal["read", "triage", "write", "maintain", "admin"]
_ROLE_WORDS = {"pull": "read", "push": "write"}


def _role(value: Any) -> Any:
    if isinstance(value, str):
        word = value.strip().lower()
        return _ROLE_WORDS.get(word, word)
    return value


class CollaboratorArgs(GhArgs):
    """Arguments of ``repo collaborator remove``."""

    login: Annotated[Login, Positional()]
    """The person's GitHub login."""


class CollaboratorAddArgs(CollaboratorArgs):
    """Arguments of ``repo collaborator add``."""

    permission: Annotated[Role, BeforeValidator(_role)] = "read"
    """read, triage, write, maintain or admin."""


def _person(gh: Github, repository: str, login: str) -> str:
    """``login``'s role now; BadInput for the owner, an organization or nobody."""
    if login.lower() == repository.split("/")[0].lower():
        raise BadInput(f"@{login} owns {repository}; an owner's access cannot change.")
    if owner_type(gh, login) == "Organization":
        raise BadInput(f"{login} is an organization, not a person.")
    return collaborator_role(gh, repository, login)


def _plan_add(reader: Reader, args: CollaboratorAddArgs) -> Proposal | Unchanged:
    gh, repository = gh_client(reader), repository_of(reader, args.repository)
    login = args.login
    current = _person(gh, repository, login)
    if current == args.permission:
        return Unchanged(
            f"@{login} already has {current} on {repository}; nothing to change",
            {"repository": repository, "login": login, "role": current},
        )
    description = (
        f"Give @{login} {args.permission} access to {repository}"
        if current == "none"
        else f"Change @{login}'s role on {repository} from {current} to {args.permission}"
    )
    entry = COLLABORATOR_ADD.entry(
        args.model_copy(update={"repository": repository}),
        description,
        [repository, f"@{login}"],
    )
    return Proposal([entry], what=f"add @{login} to {repository} ({args.permission})")


def _run_add(writers: Writers, args: CollaboratorAddArgs) -> str:
    if args.repository is None:
        raise BadInput("The plan does not name the repository; it is not applied.")
    return add_collaborator(writers.github, args.repository, args.login, args.permission)


COLLABORATOR_ADD = Write(
    name="github.collaborator_add",
    args=CollaboratorAddArgs,
    summary="Give someone access to a repository (an invitation), or change their role.",
    service="github",
    tool="add_collaborator",
    commands=(
        Command(
            "repo collaborator add LOGIN --permission read|triage|write|maintain|admin",
            "Plan to give someone access (an invitation).",
        ),
    ),
    guide="A new collaborator gets an invitation to accept; an existing one gets the new "
    "role. It needs a token with Administration: write (not the workflow token).",
    github=(ADMIN,),
    plan=_plan_add,
    run=_run_add,
)


def _plan_remove(reader: Reader, args: CollaboratorArgs) -> Proposal:
    gh, repository = gh_client(reader), repository_of(reader, args.repository)
    login = args.login
    if login.lower() == repository.split("/")[0].lower():
        raise BadInput(f"@{login} owns {repository}; an owner cannot be removed.")
    current = collaborator_role(gh, repository, login)
    description = (
        f"Remove @{login}'s access to {repository} ({current})"
        if current != "none"
        else f"Remove @{login}'s access to {repository} (no role now: cancels any invitation)"
    )
    entry = COLLABORATOR_REMOVE.entry(
        args.model_copy(update={"repository": repository}), description, [repository, f"@{login}"]
    )
    return Proposal([entry], what=f"remove @{login} from {repository}")


def _run_remove(writers: Writers, args: CollaboratorArgs) -> str:
    if args.repository is None:
        raise BadInput("The plan does not name the repository; it is not applied.")
    return remove_collaborator(writers.github, args.repository, args.login)


COLLABORATOR_REMOVE = Write(
    name="github.collaborator_remove",
    args=CollaboratorArgs,
    summary="Remove someone's access to a repository.",
    service="github",
    tool="remove_collaborator",
    commands=(Command("repo collaborator remove LOGIN", "Plan to remove someone's access."),),
    guide="Also cancels a pending invitation. It needs a token with Administration: write.",
    github=(ADMIN,),
    plan=_plan_remove,
    run=_run_remove,
)
