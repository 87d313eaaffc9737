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
    locked,
    repository_of,
    rest_call,
)
from devops_agent.gh.repos.lifecycle import ADMIN, owner_type
from devops_agent.operation import (
    ApiCall,
    Command,
    InProgress,
    NotAsPlanned,
    PlanEntry,
    Positional,
    Proposal,
    Read,
    Reader,
    Unchanged,
    Verification,
    Verified,
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
    "direct_role",
    "list_collaborators",
    "pending_invitation",
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


def direct_role(gh: Github, repository: str, login: str) -> str | None:
    """The role ``login`` holds as a direct collaborator, or ``None`` when they are none.

    Access through the organization (its base permission, a team) is not direct: it is
    what removing a collaborator leaves, and what adding one does not set.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        login: The person's login.

    Returns:
        ``read``, ``triage``, ``write``, ``maintain``, ``admin``, a custom role's name, or
        ``None``.

    Raises:
        ServiceError: GitHub refused.
    """
    page = 1
    with github_errors(f"list the collaborators of {repository}", permission="metadata: read"):
        while True:
            batch = api(
                gh,
                "GET",
                f"/repos/{check_repository(repository)}/collaborators",
                params={"affiliation": "direct", "per_page": 100, "page": page},
            )
            for user in batch:
                if str(user.get("login") or "").lower() == login.lower():
                    return str(user.get("role_name") or "") or None
            if len(batch) < 100 or page >= 10:
                return None
            page += 1


def pending_invitation(gh: Github, repository: str, login: str) -> str | None:
    """The role a pending invitation offers ``login``, or ``None`` when there is none.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        login: The person's login.

    Returns:
        ``read``, ``triage``, ``write``, ``maintain`` or ``admin``, or ``None``.

    Raises:
        ServiceError: GitHub refused (the list needs Administration: read).
    """
    page = 1
    with github_errors(f"list the invitations of {repository}", permission=ADMIN):
        while True:
            batch = api(
                gh,
                "GET",
                f"/repos/{check_repository(repository)}/invitations",
                params={"per_page": 100, "page": page},
            )
            for invitation in batch:
                invitee = str((invitation.get("invitee") or {}).get("login") or "")
                if invitee.lower() == login.lower():
                    offered = str(invitation.get("permissions") or "")
                    return _ROLE_WORDS.get(offered, offered) or None
            if len(batch) < 100 or page >= 10:
                return None
            page += 1


def collaborator_call(repository: str, login: str, permission: str | None) -> ApiCall:
    """The request that invites ``login`` or sets their role (``PUT``), or removes them
    (``DELETE``, ``permission`` ``None``): what the executors send and a plan shows. It
    locks the person's access to the repository.

    Args:
        repository: The repository, ``owner/name``.
        login: The person's login.
        permission: The role to give (``read`` … ``admin``), or ``None`` to remove them.

    Returns:
        The declared call.
    """
    path = f"/repos/{check_repository(repository)}/collaborators/{quote(check_login(login))}"
    lock = (locked(repository, "collaborators", login),)
    if permission is None:
        return rest_call("DELETE", path, locks=lock)
    return rest_call("PUT", path, {"permission": PERMISSIONS[permission]}, locks=lock)


def add_collaborator(gh: Github, repository: str, login: str, permission: str) -> str:
    """Invite ``login`` (or change an existing collaborator's role); says which happened.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        login: The person's login.
        permission: The role to give (``pull``, ``triage``, ``push``, ``maintain``, ``admin``).

    Returns:
        One line: invited, or the new role.

    Raises:
        ServiceError: GitHub refused.
    """
    from github import GithubException

    call = collaborator_call(repository, login, permission)
    action = f"add @{login} to {repository}"
    with github_errors(action, permission=ADMIN):
        status, headers, body = gh.requester.requestJson(
            "PUT", call.operation.partition(" ")[2], input=call.params
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
    call = collaborator_call(repository, login, None)
    with github_errors(f"remove @{login} from {repository}", permission=ADMIN):
        api(gh, "DELETE", call.operation.partition(" ")[2])
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


def _named(args: CollaboratorArgs) -> str:
    if args.repository is None:
        raise BadInput("The plan does not name the repository; it is not applied.")
    return args.repository


def _run_add(writers: Writers, args: CollaboratorAddArgs) -> str:
    return add_collaborator(writers.github, _named(args), args.login, args.permission)


def _add_calls(args: CollaboratorAddArgs) -> list[ApiCall]:
    return [collaborator_call(_named(args), args.login, args.permission)]


def _access(reader: Reader, args: CollaboratorArgs) -> tuple[str | None, str | None]:
    """``login``'s direct role and the role a pending invitation offers them."""
    gh, repository = gh_client(reader), _named(args)
    return direct_role(gh, repository, args.login), pending_invitation(gh, repository, args.login)


def _described(role: str | None, invited: str | None) -> str:
    parts = [f"has {role}" if role else "has no direct access"]
    if invited:
        parts.append(f"is invited as {invited}")
    return " and ".join(parts)


def _before_access(reader: Reader, args: CollaboratorArgs) -> dict[str, str | None]:
    role, invited = _access(reader, args)
    return {"role": role, "invited": invited}


def _verify_add(reader: Reader, args: CollaboratorAddArgs) -> Verification:
    role, invited = _access(reader, args)
    read = f"@{args.login} {_described(role, invited)} on {args.repository}"
    if role == args.permission:
        return Verified(read)
    if role is None and invited == args.permission:
        return InProgress(
            read,
            f"the invitation until @{args.login} accepts it (`repo collaborators` lists them "
            "then); it expires after 7 days",
        )
    return NotAsPlanned(read)


def _undo_add(reader: Reader, before: Any, args: CollaboratorAddArgs) -> list[PlanEntry]:
    """Set back the role ``login`` had, or remove the access (and invitation) they had not."""
    if not isinstance(before, dict):
        return []
    role, invited = before.get("role"), before.get("invited")
    if role is None and invited is None:
        back = CollaboratorArgs(repository=args.repository, login=args.login)
        return [
            COLLABORATOR_REMOVE.entry(
                back,
                f"Roll back: remove @{args.login}'s access to {args.repository} (and the "
                "invitation), which they did not have before",
                [str(args.repository), f"@{args.login}"],
            )
        ]
    was = role or invited
    if was not in PERMISSIONS:
        raise BadInput(
            f"@{args.login} had the custom role '{was}', which a plan cannot set; set it back "
            "in the repository's settings."
        )
    again = CollaboratorAddArgs(repository=args.repository, login=args.login, permission=was)
    return [
        COLLABORATOR_ADD.entry(
            again,
            f"Roll back: give @{args.login} {again.permission} on {args.repository} again"
            + (" (an invitation)" if role is None else ""),
            [str(args.repository), f"@{args.login}"],
        )
    ]


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
    calls=_add_calls,
    verify=_verify_add,
    before=_before_access,
    undo=_undo_add,
    examples=tuple(
        {"repository": "acme/platform", "login": "carol", "permission": permission}
        for permission in ("read", "admin")
    ),
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
    return remove_collaborator(writers.github, _named(args), args.login)


def _remove_calls(args: CollaboratorArgs) -> list[ApiCall]:
    return [collaborator_call(_named(args), args.login, None)]


def _verify_remove(reader: Reader, args: CollaboratorArgs) -> Verification:
    role, invited = _access(reader, args)
    read = f"@{args.login} {_described(role, invited)} on {args.repository}"
    return NotAsPlanned(read) if role or invited else Verified(read)


def _remove_warning(args: CollaboratorArgs) -> str:
    return (
        f"removing @{args.login} deletes their forks of the repository if it is private, "
        "unassigns them from its issues and unstars it; inviting them back restores their "
        "access, none of that"
    )


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
    calls=_remove_calls,
    verify=_verify_remove,
    irreversible=_remove_warning,
    examples=({"repository": "acme/platform", "login": "carol"},),
)
