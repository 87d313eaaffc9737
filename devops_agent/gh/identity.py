"""Who the action is on GitHub, so that only its own comments count as its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from github import Github

#: The identity the workflow token (``github.token``) writes as.
WORKFLOW_BOT = "github-actions[bot]"


def own_login(gh: Github) -> str:
    """The login the token writes as.

    A personal token answers ``GET /user``; the workflow token and app tokens
    cannot (403), and the workflow token's comments are ``github-actions[bot]``'s.

    Args:
        gh: The run's GitHub client.

    Returns:
        The token's login, or ``github-actions[bot]`` when GitHub refuses ``GET /user``.
    """
    from github import GithubException

    try:
        return str(gh.get_user().login)
    except GithubException as exc:
        if exc.status in (401, 403):
            return WORKFLOW_BOT
        raise
