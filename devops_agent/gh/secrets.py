"""Repository Actions secrets: where a newly created credential goes, and nowhere else.

A secret AWS hands back once (a new access key's secret, a new key pair's private
key) is sealed with the repository's public key by PyGithub's ``create_secret``
and PUT as an Actions secret. It is never returned, logged or posted; callers
only learn the secret's name.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from devops_agent.errors import BadInput

if TYPE_CHECKING:
    from github import Github

__all__ = ["check_writable", "secret_name", "write_secret"]

_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
#: The kind of secret PyGithub writes: repository Actions secrets.
_ACTIONS = "actions"


def secret_name(name: str) -> str:
    """An Actions secret name, upper-cased, after GitHub's rules.

    Args:
        name: What was typed.

    Returns:
        The name, upper-cased.

    Raises:
        BadInput: empty, not letters/digits/underscores, starting with a digit or
            ``GITHUB_``, or longer than 100 characters.
    """
    upper = name.strip().upper()
    if not _NAME.match(upper) or len(upper) > 100:
        raise BadInput(
            f"'{name}' is not an Actions secret name: use letters, digits and underscores, "
            "not starting with a digit (e.g. DEPLOY_KEY)."
        )
    if upper.startswith("GITHUB_"):
        raise BadInput(f"'{name}': secret names may not start with GITHUB_.")
    return upper


def check_writable(gh: Github, repository: str) -> None:
    """Fail early, before a credential exists, when the token cannot write secrets.

    Reads the repository's Actions public key (the first half of writing a secret).

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.

    Raises:
        ServiceError: GitHub refused; the token may not write Actions secrets.
    """
    from github import GithubException

    from devops_agent.gh import service_error

    try:
        gh.get_repo(repository).get_public_key(secret_type=_ACTIONS)
    except GithubException as exc:
        raise _explain(service_error(exc, f"read the Actions public key of {repository}")) from None


def write_secret(gh: Github, repository: str, name: str, value: str) -> None:
    """Seal ``value`` with the repository's public key and store it as secret ``name``.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        name: The secret's name.
        value: The secret; never logged.

    Raises:
        ServiceError: GitHub refused (the message never contains ``value``).
    """
    from github import GithubException

    from devops_agent.gh import service_error

    try:
        gh.get_repo(repository).create_secret(secret_name(name), value, secret_type=_ACTIONS)
    except GithubException as exc:
        raise _explain(
            service_error(exc, f"write the Actions secret {name} in {repository}")
        ) from None


def _explain(error: Exception) -> Exception:
    from devops_agent.errors import ServiceError

    if isinstance(error, ServiceError) and error.code in ("403", "404"):
        return ServiceError(
            error.message,
            code=error.code,
            remedy="Writing Actions secrets needs a token with the repository's secrets "
            "write permission (a GitHub App or fine-grained token; the workflow's "
            "GITHUB_TOKEN cannot write secrets). Pass it as the github-token input.",
        )
    return error
