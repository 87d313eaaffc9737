"""Repository questions the run needs: who may act, and what a PR's head is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from devops_agent.authz import effective_role
from devops_agent.gh import service_error

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
