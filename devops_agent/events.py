"""The Actions event, parsed once at the door into one typed object.

Everything after this module takes a :data:`Event`, never the raw payload.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from devops_agent.errors import EventError
from devops_agent.settings import ActionsEnv

_EVENTS_DOC = "https://docs.github.com/actions/reference/events-that-trigger-workflows"


@dataclass(frozen=True)
class CommentEvent:
    """An ``issue_comment`` on an issue or a pull request."""

    action: str
    """``created``, ``edited`` or ``deleted``: only ``created`` is acted on."""
    repository: str
    number: int
    """Issue or pull request number (they share one sequence)."""
    is_pull_request: bool
    comment_id: int
    body: str
    author: str
    author_type: str
    """``User`` or ``Bot``."""
    author_association: str = ""
    html_url: str = ""
    created_at: datetime | None = None
    """When GitHub created the comment: a bare ``apply`` considers only plans older than it."""
    kind: str = field(default="comment", init=False)


@dataclass(frozen=True)
class DispatchEvent:
    """A ``workflow_dispatch`` run started by a person from the UI, CLI or API."""

    repository: str
    actor: str
    inputs: dict[str, str]
    ref: str = ""
    kind: str = field(default="dispatch", init=False)


@dataclass(frozen=True)
class ScheduleEvent:
    """A ``schedule`` run (cron); nobody asked, so no permission check applies."""

    repository: str
    cron: str = ""
    kind: str = field(default="schedule", init=False)


@dataclass(frozen=True)
class OtherEvent:
    """Any event the agent does not act on."""

    name: str
    repository: str = ""
    kind: str = field(default="other", init=False)


@dataclass(frozen=True)
class LocalEvent:
    """A command typed at ``devops-agent run`` on someone's own machine."""

    repository: str
    actor: str
    kind: str = field(default="local", init=False)


Event = CommentEvent | DispatchEvent | ScheduleEvent | OtherEvent | LocalEvent


def _load(env: ActionsEnv) -> dict[str, Any]:
    path = env.event_path
    if path is None:
        raise EventError(
            f"GITHUB_EVENT_PATH is not set for a {env.event_name} event.",
            remedy="Run inside GitHub Actions, or use `devops-agent run COMMAND` locally.",
        )
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EventError(
            f"The event file {path} does not exist.",
            remedy="GITHUB_EVENT_PATH must name the JSON file the runner wrote.",
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EventError(
            f"The event file {path} is not valid JSON ({exc.__class__.__name__}: {exc}).",
            remedy="GITHUB_EVENT_PATH must name the JSON file the runner wrote.",
        ) from None
    if not isinstance(payload, dict):
        raise EventError(f"The event file {path} holds a {type(payload).__name__}, not an object.")
    return payload


def _get(payload: dict[str, Any], dotted: str, kind: type) -> Any:
    node: Any = payload
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise EventError(
                f"The event payload has no `{dotted}`; it is not a GitHub {kind.__name__} event.",
                link=_EVENTS_DOC,
            )
        node = node[part]
    return node


def _timestamp(value: Any) -> datetime | None:
    """GitHub's ISO-8601 timestamp (``2026-11-25T10:00:00Z``), or ``None`` if absent or odd."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def parse_event(env: ActionsEnv) -> Event:
    """Turn ``GITHUB_EVENT_NAME`` and the payload file into one typed event.

    Raises:
        EventError: the event name is missing, or the payload is unreadable or
            lacks a field the agent needs.

    Args:
        env: The Actions environment (event name and payload path).

    Returns:
        A comment, dispatch, schedule or ignored event.
    """
    name = env.event_name
    if not name:
        raise EventError(
            "GITHUB_EVENT_NAME is not set: this does not look like a GitHub Actions run.",
            remedy="Use `devops-agent run COMMAND` on your own machine.",
        )
    if name not in ("issue_comment", "workflow_dispatch", "schedule"):
        return OtherEvent(name=name, repository=env.repository)
    payload = _load(env) if name != "schedule" or env.event_path else {}
    try:
        return _parse(name, payload, env)
    except (AttributeError, TypeError):  # a field of the wrong type (a string, a list, null)
        raise EventError(
            f"The event payload is not shaped like a GitHub {name} event: a field has the "
            "wrong type.",
            remedy="GITHUB_EVENT_PATH must name the JSON file the runner wrote.",
            link=_EVENTS_DOC,
        ) from None


def _parse(name: str, payload: dict[str, Any], env: ActionsEnv) -> Event:
    repository = str((payload.get("repository") or {}).get("full_name") or env.repository)
    if not repository:
        raise EventError(
            "Neither the event payload nor GITHUB_REPOSITORY names a repository.",
            remedy="Set GITHUB_REPOSITORY to owner/name.",
        )
    if name == "issue_comment":
        issue = _get(payload, "issue", CommentEvent)
        comment = _get(payload, "comment", CommentEvent)
        user = _get(payload, "comment.user", CommentEvent)
        body = comment.get("body") or ""
        try:
            number = int(_get(payload, "issue.number", CommentEvent))
            comment_id = int(_get(payload, "comment.id", CommentEvent))
        except (TypeError, ValueError):
            raise EventError("The event's issue number or comment id is not a number.") from None
        return CommentEvent(
            action=str(payload.get("action") or ""),
            repository=repository,
            number=number,
            is_pull_request=bool(issue.get("pull_request")),
            comment_id=comment_id,
            body=str(body),
            author=str(user.get("login") or ""),
            author_type=str(user.get("type") or "User"),
            author_association=str(comment.get("author_association") or ""),
            html_url=str(comment.get("html_url") or ""),
            created_at=_timestamp(comment.get("created_at")),
        )
    if name == "workflow_dispatch":
        inputs = payload.get("inputs") or {}
        if not isinstance(inputs, dict):
            raise EventError("The workflow_dispatch payload's `inputs` is not an object.")
        sender = (payload.get("sender") or {}).get("login") or env.actor
        return DispatchEvent(
            repository=repository,
            actor=str(sender),
            inputs={str(k): "" if v is None else str(v) for k, v in inputs.items()},
            ref=str(payload.get("ref") or ""),
        )
    return ScheduleEvent(repository=repository, cron=str(payload.get("schedule") or ""))
