"""GitHub through PyGithub: one client per run, built from the workflow token.

Throttling is chosen for a bot that makes a handful of serialized calls per run:
PyGithub's default sleeps (0.25 s per request, 1 s between writes) would add
seconds to every answer and buy nothing, because a run never writes in bursts.
Rate limits are handled where GitHub tells us about them: ``GithubRetry`` honours
``Retry-After`` and secondary-rate-limit answers, with a capped wait.

POST is deliberately *not* retried automatically: a comment GitHub created but
answered with 502 would be posted twice. Callers that create things look before
re-posting (:func:`devops_agent.gh.issues.create_comment_once`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from devops_agent.errors import ServiceError

if TYPE_CHECKING:
    from github import Github, GithubException

#: Wait at most this long for a rate-limit reset before giving up with a clear error.
MAX_RATE_LIMIT_WAIT = 120.0
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})


def connect(token: str, api_url: str, *, backoff: float = 0.5, timeout: int = 30) -> Github:
    """Build the run's GitHub client.

    Args:
        token: workflow token, personal token or app installation token.
        api_url: ``GITHUB_API_URL`` (``https://api.github.com``, or ``…/api/v3`` on GHES).
        backoff: seconds of the first retry pause; doubles each time.
        timeout: seconds per request.

    Returns:
        A lazy PyGithub client: no sleeps between requests, retries with backoff on 5xx and rate
        limits (never a POST that GitHub may have done).
    """
    import logging

    from github import Auth, Github, GithubRetry

    # Expected refusals (GET /user with the workflow token) are handled, not news.
    logging.getLogger("github").setLevel(logging.ERROR)

    retry = GithubRetry(
        total=4,
        backoff_factor=backoff,
        backoff_max=16,
        status_forcelist=[429, 500, 502, 503, 504],
        allowed_methods=_IDEMPOTENT,
        max_rate_limit_wait=MAX_RATE_LIMIT_WAIT,
        secondary_rate_wait=min(60.0, MAX_RATE_LIMIT_WAIT),
        raise_on_status=False,
    )
    return Github(
        base_url=api_url,
        auth=Auth.Token(token),
        timeout=timeout,
        retry=retry,
        seconds_between_requests=None,
        seconds_between_writes=None,
        lazy=True,
        user_agent="devops-agent",
        per_page=100,  # GitHub's largest page: a long (or flooded) thread costs fewer calls
    )


def service_error(exc: GithubException, action: str) -> ServiceError:
    """Turn a PyGithub exception into a :class:`ServiceError` that says what to do.

    Args:
        exc: What PyGithub raised.
        action: What was being done, for the message (``post the answer comment``).

    Returns:
        An error with GitHub's message, the status and the fix (the token, the ``permissions:``
        line, the rate limit).
    """
    data = exc.data if isinstance(exc.data, dict) else {}
    message = str(data.get("message") or exc.__class__.__name__)
    details = [
        str(e.get("message") or "")
        for e in data.get("errors") or []
        if isinstance(e, dict) and e.get("message")
    ]
    if details:  # a 422 says what was wrong here ("body is too long ...")
        message += f" ({'; '.join(details)})"
    status = exc.status
    remedy = ""
    if status == 401:
        remedy = "The token is invalid or expired; check the github-token input."
    elif status == 403:
        remedy = (
            "The token lacks a permission; add it to the workflow's `permissions:` block "
            "(issues: write, pull-requests: write, checks: write)."
        )
    elif status == 404:
        remedy = "It does not exist, or the token cannot see it."
    return ServiceError(
        f"GitHub refused to {action}: {status} {message}.", code=str(status), remedy=remedy
    )
