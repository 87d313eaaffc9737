"""Authorization as small yes/no questions, each testable on its own.

The answers are combined by :func:`ignore_reason` (should the run do nothing at
all?) and :func:`refusal_reason` (may this person use the agent?). Both run
before any AWS or model call.
"""

from __future__ import annotations

from collections.abc import Callable

from devops_agent.events import CommentEvent, Event
from devops_agent.settings import Settings

#: Repository roles in increasing order of power, as GitHub names them.
ROLE_ORDER: dict[str, int] = {
    "none": -1,
    "read": 0,
    "triage": 1,
    "write": 2,
    "maintain": 3,
    "admin": 4,
}

# The legacy `permission` field folds maintain into write and triage into read.
_LEGACY_TO_ROLE = {"admin": "admin", "write": "write", "read": "read", "none": "none"}


def is_bot(login: str, user_type: str = "User") -> bool:
    """Is this account a bot (an app, or github-actions itself)?

    Args:
        login: The account's login.
        user_type: GitHub's ``type`` of the user (``User``, ``Bot``, ``Organization``).

    Returns:
        True for a bot.
    """
    return user_type.lower() == "bot" or login.lower().endswith("[bot]")


def addresses_agent(body: str, trigger: str) -> bool:
    """Does the comment start with the trigger word, as a whole word?

    Args:
        body: The comment's body.
        trigger: The trigger word (``/devops``).

    Returns:
        True when the body starts with the trigger, case-insensitively, followed by a space or
        nothing.
    """
    text = body.lstrip()
    if not text.lower().startswith(trigger.lower()):
        return False
    rest = text[len(trigger) :]
    return not rest or rest[0].isspace()


def command_text(body: str, trigger: str) -> str:
    """What follows the trigger, trimmed (first line is the command, more lines may follow).

    Args:
        body: The comment's body, which starts with the trigger.
        trigger: The trigger word.

    Returns:
        The text after the trigger, trimmed.
    """
    return body.lstrip()[len(trigger) :].strip()


def in_allow_list(login: str, allowed: tuple[str, ...]) -> bool:
    """Is ``login`` on the allow-list? An empty list allows everyone.

    Args:
        login: The commenter's login.
        allowed: The ``allowed-users`` input, lower-cased; empty allows all.

    Returns:
        True when allowed.
    """
    return not allowed or login.lower() in allowed


def effective_role(role_name: str | None, legacy_permission: str | None) -> str:
    """The role to compare: ``role_name`` when GitHub's five roles know it, else legacy.

    Args:
        role_name: GitHub's ``role_name`` (five roles, or a custom role's name).
        legacy_permission: GitHub's legacy ``permission`` (admin, write, read, none).

    Returns:
        One of ``admin``, ``maintain``, ``write``, ``triage``, ``read``, ``none``.
    """
    if role_name and role_name.lower() in ROLE_ORDER:
        return role_name.lower()
    return _LEGACY_TO_ROLE.get((legacy_permission or "none").lower(), "none")


def role_reaches(role: str, minimum: str) -> bool:
    """Is ``role`` at least ``minimum``? Order: read < triage < write < maintain < admin.

    Args:
        role: The person's role.
        minimum: The lowest role allowed.

    Returns:
        True when ``role`` is ``minimum`` or higher; an unknown role never reaches.
    """
    return ROLE_ORDER.get(role, -1) >= ROLE_ORDER[minimum]


def ignore_reason(event: Event, settings: Settings) -> str | None:
    """Why this event gets no answer at all, or ``None`` when it should be handled.

    Args:
        event: The run's event.
        settings: The inputs (trigger).

    Returns:
        A sentence for the log, or ``None``.
    """
    if event.kind == "other":
        return f"event {getattr(event, 'name', '?')!r} is not handled by devops-agent"
    if isinstance(event, CommentEvent):
        if event.action != "created":
            return f"comment was {event.action or 'changed'}, only new comments run commands"
        if is_bot(event.author, event.author_type):
            return f"comment by the bot {event.author}"
        if not addresses_agent(event.body, settings.trigger):
            return f"comment does not start with {settings.trigger}"
    return None


def refusal_reason(login: str, settings: Settings, lookup_role: Callable[[str], str]) -> str | None:
    """Why ``login`` may not run commands, or ``None`` when they may.

    Args:
        login: the person who asked.
        settings: holds ``allowed-users`` and ``min-permission``.
        lookup_role: returns the person's repository role (``none`` for strangers);
            only called when the allow-list lets them through.

    Returns:
        A sentence naming what is missing, or ``None`` when the person may run commands.
    """
    if not in_allow_list(login, settings.allowed_users):
        return f"@{login} is not in this workflow's allowed-users list."
    role = lookup_role(login)
    if not role_reaches(role, settings.min_permission):
        had = "no access to" if role == "none" else f"the {role} role on"
        return (
            f"@{login} has {had} this repository; "
            f"devops-agent needs at least {settings.min_permission}."
        )
    return None


def replayed_by(requester: str, run_attempt: int, triggering_actor: str) -> str | None:
    """Who re-ran this job, when it is a re-run that someone other than ``requester`` started.

    A re-run replays the original event, so its author would pass for the person acting.

    Args:
        requester: Who asked (the comment's author).
        run_attempt: ``GITHUB_RUN_ATTEMPT``.
        triggering_actor: ``GITHUB_TRIGGERING_ACTOR``: who started this attempt.

    Returns:
        ``None`` for a first attempt or the requester's own re-run; else ``@login`` of who re-
        ran it (``"someone unknown"`` when not said).
    """
    if run_attempt <= 1:
        return None
    if not triggering_actor:
        return "someone unknown (GITHUB_TRIGGERING_ACTOR is not set)"
    if triggering_actor.lower() == requester.lower():
        return None
    return f"@{triggering_actor}"
