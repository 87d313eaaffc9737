"""What every GitHub read and change shares: models, arguments, error translation, raw
calls, safe POSTs, and how untrusted text is shown.

* :class:`GhModel` is the base of every typed result (frozen, JSON-ready).
* :class:`GhArgs` is the base of every operation's arguments that work on one
  repository (``--repo OWNER/NAME``, the run's own by default); :data:`Number` and
  :data:`RunId` are the issue/PR numbers and run ids they name; :func:`gh_client`
  and :func:`repository_of` give a read or preview its client and repository.
* :func:`github_errors` turns PyGithub and network failures into a
  :class:`~devops_agent.errors.ServiceError` that names the permission to add.
* :func:`api` calls an endpoint PyGithub has no method for, through the run's
  client (same token, base URL, retries and rate-limit handling).
* :func:`post_once` creates something at most once: a POST is not retried by
  the client (see :mod:`devops_agent.gh`), so after an answer that leaves the
  outcome unknown (5xx, dropped connection) it looks before posting again, and
  after a rate-limit answer (GitHub did nothing) it waits as ``Retry-After`` says.
* :func:`fetch_redirect` downloads what GitHub redirects to (logs), never
  sending the token to the other host, and never reading more than a bound.
* :func:`rest_call` and :func:`locked` declare a change's requests for its plan
  (:class:`~devops_agent.operation.ApiCall`): the method, path and body the executor
  sends, and the GitHub resource an apply locks while it runs.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from devops_agent.errors import BadInput, ConfigError, ServiceError
from devops_agent.gh import service_error
from devops_agent.operation import ApiCall, Args, Option, Positional, Reader
from devops_agent.sanitize import clean_untrusted

if TYPE_CHECKING:
    from github import Github

T = TypeVar("T")

#: ``owner/name`` as GitHub allows them (owners: 39 characters, names: 100).
REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
#: A login or organization name.
LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
#: A repository name without its owner.
REPO_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")
#: Longest wait for a ``Retry-After`` on a POST before giving up.
MAX_POST_WAIT = 60.0

_ADMIN = (
    "The workflow token (`github.token`) can never change repository administration "
    "(settings, collaborators, creating or deleting repositories). Pass a fine-grained "
    "personal access token or a GitHub App token with **Administration: read and write** "
    "as the `github-token` input."
)


class GhModel(BaseModel):
    """Base of the GitHub result models: immutable, JSON-ready."""

    model_config = ConfigDict(frozen=True)


def permission_remedy(permission: str) -> str:
    """What to add to the workflow's ``permissions:`` block for ``permission``.

    Args:
        permission: A ``scope: level`` entry (``issues: write``).

    Returns:
        The YAML line to add, in a sentence.
    """
    if permission.startswith("administration"):
        return _ADMIN
    return f"Add `{permission}` to the workflow's `permissions:` block (or to the token's grants)."


@contextmanager
def github_errors(action: str, *, permission: str = "") -> Iterator[None]:
    """Translate PyGithub and network failures inside the block into :class:`ServiceError`.

    Args:
        action: what was being done, for the message ("merge pull request #3").
        permission: the ``permissions:`` entry the call needs ("pull-requests: write"),
            named in the remedy of a 403.

    Yields:
        Nothing; the block runs inside it.

    Raises:
        ServiceError: GitHub refused or could not be reached; the remedy names the token or the
            ``permissions:`` line.
    """
    import requests
    from github import GithubException

    try:
        yield
    except GithubException as exc:
        error = service_error(exc, action)
        if exc.status == 403 and permission and "rate limit" not in error.message.lower():
            error.remedy = permission_remedy(permission)
            needs = (
                "a token with Administration: write (the workflow token cannot have it)"
                if permission.startswith("administration")
                else f"`{permission}`"
            )
            error.message = f"{error.message} It needs {needs}."
            error.args = (error.message,)
        raise error from None
    except (requests.RequestException, OSError) as exc:
        raise ServiceError(
            f"Could not reach GitHub to {action}: {exc.__class__.__name__}.",
            code="network",
            remedy="GitHub may be unreachable or degraded; re-run the command.",
        ) from None


def require_github(gh: Github | None) -> Github:
    """The run's client, or a configuration error that says how to get one.

    Args:
        gh: The run's client, or ``None``.

    Returns:
        The client.

    Raises:
        ConfigError: ``gh`` is ``None``.
    """
    if gh is None:
        raise ConfigError(
            "GitHub commands need a token.",
            remedy="Set GITHUB_TOKEN or GH_TOKEN (locally) or the `github-token` input (in a "
            "workflow).",
        )
    return gh


def check_repository(name: str) -> str:
    """Validate ``owner/name``; returns it unchanged.

    Args:
        name: What was typed.

    Returns:
        The name.

    Raises:
        BadInput: not ``owner/name`` in GitHub's characters.
    """
    if not (name or "").strip():
        raise ConfigError(
            "No repository is known for this GitHub command.",
            remedy="Set GITHUB_REPOSITORY=owner/name (locally), or name the repository.",
        )
    if not REPOSITORY.fullmatch(name or ""):
        raise BadInput(
            f"'{name}' is not a repository name.",
            remedy="Write it as OWNER/NAME, e.g. `acme/platform`.",
        )
    return name


def check_login(login: str) -> str:
    """Validate a user or organization login (a leading ``@`` is dropped).

    Args:
        login: What was typed.

    Returns:
        The login, without ``@``.

    Raises:
        BadInput: not a GitHub login.
    """
    login = (login or "").removeprefix("@")
    if not LOGIN.fullmatch(login):
        raise BadInput(f"'{login}' is not a GitHub login.")
    return login


# --------------------------------------------------------------------------- arguments


def _repository_or_none(name: str | None) -> str | None:
    return None if name is None or not name.strip() else check_repository(name.strip())


def _number(value: Any) -> Any:
    if value is None:
        return value
    text = str(value).strip().removeprefix("#") if isinstance(value, str | int) else value
    if not isinstance(text, str) or not text.isdigit() or int(text) < 1:
        raise BadInput(f"'{value}' is not an issue or pull request number.")
    return int(text)


def _run_id(value: Any) -> Any:
    if value is None:
        return value
    text = str(value).strip() if isinstance(value, str | int) else value
    if not isinstance(text, str) or not text.isdigit() or int(text) < 1:
        raise BadInput(
            f"'{value}' is not a run id.", remedy="`workflows status` lists runs with their ids."
        )
    return int(text)


Repository = Annotated[str | None, AfterValidator(_repository_or_none)]
"""``owner/name``, checked for shape; ``None`` for the run's own repository."""
Number = Annotated[int, BeforeValidator(_number)]
"""An issue or pull request number (``12`` or ``#12``)."""
RunId = Annotated[int, BeforeValidator(_run_id)]
"""A workflow run id."""


Login = Annotated[str, AfterValidator(lambda login: check_login(login))]
"""A user or organization login (a leading ``@`` is dropped)."""


class GhArgs(Args):
    """Arguments of an operation on one repository."""

    repository: Annotated[Repository, Option("--repo")] = None
    """owner/name; null for this repository."""


class RepoArgs(GhArgs):
    """Arguments of an operation on a repository typed as its first word (``repo show
    acme/platform``) or with ``--repo``."""

    repository: Annotated[Repository, Positional(), Option("--repo")] = None
    """owner/name; null for this repository."""


def gh_client(reader: Reader) -> Github:
    """The run's GitHub client, or a configuration error that says how to get one.

    Args:
        reader: The read side of the run.

    Returns:
        The GitHub client.

    Raises:
        ConfigError: the run has no GitHub token.
    """
    return require_github(reader.github)


def repository_of(reader: Reader, given: str | None) -> str:
    """The repository an operation works on: the one named, else the run's own.

    Args:
        reader: The read side of the run.
        given: The repository the arguments name, or ``None``.

    Returns:
        ``owner/name``.

    Raises:
        ConfigError: none named and the run has no repository.
    """
    name = given or reader.repository
    if not name:
        raise BadInput(
            "No repository to work on.",
            remedy="Name one with `--repo OWNER/NAME` (or set GITHUB_REPOSITORY).",
        )
    return check_repository(name)


def user_text(text: str, what: str, limit: int = 60_000) -> str:
    """Text a person asked us to post: hidden parts removed, bounded, not empty.

    Args:
        text: What the person wrote.
        what: What it is, for messages (``comment``).
        limit: Most characters allowed.

    Returns:
        The text, cleaned.

    Raises:
        BadInput: empty, or longer than ``limit``.
    """
    cleaned = clean_untrusted(text).strip()
    if not cleaned:
        raise BadInput(f"The {what} is empty.")
    if len(cleaned) > limit:
        raise BadInput(f"The {what} is longer than {limit:,} characters.")
    return cleaned


# --------------------------------------------------------------------------- showing text


def fenced(lines: list[str], lang: str = "text") -> str:
    """Untrusted lines in a code block that nothing inside can close.

    Args:
        lines: The lines.
        lang: The fence's language.

    Returns:
        A fenced block whose fence is longer than any backtick run inside.
    """
    body = "\n".join(clean_untrusted(line).replace("`", "'") for line in lines)
    return f"```{lang}\n{body}\n```"


def code(text: str, limit: int = 100) -> str:
    """Untrusted text (a name, a title) as inline code: shown, never rendered.

    Args:
        text: The text.
        limit: Most characters shown.

    Returns:
        Inline code with enough backticks that nothing inside closes it.
    """
    cleaned = " ".join(clean_untrusted(text).split())[:limit].replace("`", "'")
    return f"`{cleaned}`" if cleaned else "``"


# --------------------------------------------------------------------------- declared calls


def locked(repository: str, *path: str | int) -> str:
    """The GitHub resource an apply locks while it changes it: ``github:`` and its REST
    path under ``/repos/`` (``github:acme/platform/issues/12``), lower-cased, because
    GitHub's owner, repository and login names are case-insensitive.

    Args:
        repository: ``owner/name``.
        *path: What under the repository: ``"issues", 12``, ``"collaborators", "carol"``.
            Nothing for the repository itself.

    Returns:
        The lock's name, the same for every plan that changes the same thing.
    """
    parts = [repository, *(str(p) for p in path)]
    return "github:" + "/".join(parts).lower()


def rest_call(
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    locks: tuple[str, ...] = (),
    when: str = "",
) -> ApiCall:
    """One REST request a GitHub change sends, as its plan shows it.

    GitHub has no IAM side: the call grants nothing in a session policy; what it changes
    is locked while the apply runs (``locks``), and the test of each executor compares
    the requests it sends with these.

    Args:
        method: ``POST``, ``PATCH``, ``PUT`` or ``DELETE``.
        path: The concrete API path, ``/repos/acme/platform/issues/12``.
        body: The JSON body exactly as it is sent; ``None`` for none.
        locks: What it changes, from :func:`locked`; empty for nothing an apply must keep
            to itself (a comment added to a thread).
        when: Empty when it is always sent; otherwise when it is.

    Returns:
        The declared call.
    """
    return ApiCall(
        service="github",
        operation=f"{method} {path}",
        params=dict(body or {}),
        resources=locks,
        when=when,
    )


# --------------------------------------------------------------------------- raw calls


def api(
    gh: Github,
    method: str,
    path: str,
    *,
    body: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
) -> Any:
    """Call ``path`` (``/repos/...``, relative to ``GITHUB_API_URL``) and return the JSON.

    Args:
        gh: The run's GitHub client.
        method: ``GET``, ``POST``, ``PATCH``, ``PUT`` or ``DELETE``.
        path: The API path.
        body: The JSON body.
        params: Query parameters.

    Returns:
        The parsed JSON (``None`` for an empty answer).

    Raises:
        GithubException: GitHub answered an error (callers wrap this in :func:`github_errors`).
    """
    _, data = gh.requester.requestJsonAndCheck(method, path, parameters=params, input=body)
    return data


def _status(exc: BaseException) -> int:
    return int(getattr(exc, "status", 0) or 0)


def _retry_after(exc: BaseException) -> float:
    """Seconds GitHub asks to wait: ``Retry-After``, else until ``X-RateLimit-Reset``."""
    headers = getattr(exc, "headers", None) or {}
    lowered = {str(k).lower(): v for k, v in dict(headers).items()}
    try:
        return float(lowered["retry-after"])
    except (KeyError, ValueError):
        pass
    try:
        return max(float(lowered["x-ratelimit-reset"]) - time.time(), 1.0)
    except (KeyError, ValueError):
        return 0.0


def post_once(
    action: str,
    attempt: Callable[[], T],
    look: Callable[[], T | None],
    *,
    tries: int = 3,
    sleep: Callable[[float], None] = time.sleep,
    permission: str = "",
) -> T:
    """Create something once: retry only when GitHub surely did not, or after looking.

    Args:
        action: what is being created, for messages.
        attempt: makes the POST and returns the created thing.
        look: finds the thing if an earlier attempt did create it (``None`` otherwise).
        tries: attempts in all.
        sleep: waits between attempts (tests pass a recorder).
        permission: the ``permissions:`` entry the call needs, for a 403's remedy.

    Returns:
        What ``attempt`` (or ``look``) returned.

    Raises:
        ServiceError: every try failed, or GitHub refused.
    """
    import requests
    from github import GithubException, RateLimitExceededException

    last: BaseException | None = None
    wait = 1.0
    for n in range(tries):
        try:
            return attempt()
        except RateLimitExceededException as exc:  # GitHub did nothing: wait and retry
            last = exc
            pause = _retry_after(exc) or 60.0
            if pause > MAX_POST_WAIT or n == tries - 1:
                break
            sleep(pause)
            continue
        except GithubException as exc:
            if _status(exc) == 429:
                last = exc
                pause = _retry_after(exc) or wait
                if pause > MAX_POST_WAIT or n == tries - 1:
                    break
                sleep(pause)
                continue
            if _status(exc) < 500:
                with github_errors(action, permission=permission):
                    raise
            last = exc
        except (requests.RequestException, OSError) as exc:
            last = exc
        # The outcome is unknown: look before trying again.
        with github_errors(f"check whether GitHub did {action}"):
            found = look()
        if found is not None:
            return found
        if n < tries - 1:
            sleep(wait)
            wait *= 2
    if isinstance(last, GithubException):
        with github_errors(action, permission=permission):
            raise last
    raise ServiceError(
        f"GitHub did not {action} after {tries} tries ({last.__class__.__name__}).",
        code="5xx",
        remedy="GitHub may be degraded; try again later.",
    )


def fetch_redirect(
    gh: Github, path: str, *, max_bytes: int, keep: str = "tail", max_read: int = 64 << 20
) -> bytes:
    """Follow the 302 GitHub answers on ``path`` (logs) and keep at most ``max_bytes``.

    The redirect target is a signed URL on another host: the request to it carries no
    token. With ``keep="tail"`` a body longer than the bound keeps its end (where a
    failure is), reading no more than ``max_read`` bytes in all; otherwise its start.

    Args:
        gh: The run's GitHub client.
        path: The API path that redirects (a run's or job's logs).
        max_bytes: Most bytes kept.
        keep: ``tail`` keeps the end, anything else the start.
        max_read: Most bytes read in all with ``keep="tail"``.

    Returns:
        The bytes kept.
    """
    import requests

    headers, _ = gh.requester.requestBlobAndCheck("GET", path)
    location = {str(k).lower(): v for k, v in headers.items()}.get("location")
    if not location:
        raise ServiceError(f"GitHub did not redirect {path} to a download.", code="no-redirect")
    chunks: list[bytes] = []
    size = 0
    with requests.get(location, stream=True, timeout=30, allow_redirects=True) as resp:
        if resp.status_code >= 400:
            raise ServiceError(
                f"The download GitHub pointed to answered {resp.status_code}.",
                code=str(resp.status_code),
                remedy="Logs expire after the repository's retention period.",
            )
        read = 0
        for chunk in resp.iter_content(64 * 1024):
            chunks.append(chunk)
            size += len(chunk)
            read += len(chunk)
            if read >= max_read:
                break
            if keep == "tail":
                while size - len(chunks[0]) >= max_bytes and len(chunks) > 1:
                    size -= len(chunks.pop(0))
            elif size >= max_bytes:
                break
    data = b"".join(chunks)
    return data[-max_bytes:] if keep == "tail" else data[:max_bytes]
