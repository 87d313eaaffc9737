"""Typed events and run contexts for tests, evals, the demo and the bench: one factory.

The action builds its :class:`~devops_agent.context.DevOpsContext` in
:mod:`devops_agent.app` from the environment GitHub gives it. Everything else that needs
one (a test calling a command or the agent in process, an eval replaying a scenario, the
demo's examples, the prompt-size bench) builds it here, the same way: settings are read
from ``INPUT_*`` variables by :meth:`Settings.from_env <devops_agent.settings.Settings.from_env>`
and the Actions environment by :meth:`ActionsEnv.from_env
<devops_agent.settings.ActionsEnv.from_env>`, so a context in a test cannot hold a value
the action would reject. Nothing is read from ``os.environ``.

The events here are the typed objects :func:`devops_agent.events.parse_event` returns.
Webhook *payloads* (the JSON GitHub writes to ``GITHUB_EVENT_PATH``) come from
``devops_agent_sandbox.payloads``, beside the product.

Small and cheap on purpose: no moto, and boto3 and PyGithub only when a context is used.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from devops_agent.actions import Runner
from devops_agent.context import DevOpsContext, Mode
from devops_agent.credentials import AwsSessions
from devops_agent.events import CommentEvent, DispatchEvent, Event, LocalEvent, ScheduleEvent
from devops_agent.sanitize import Redactor
from devops_agent.settings import ActionsEnv, Settings

if TYPE_CHECKING:
    import boto3
    from github import Github

__all__ = [
    "REPOSITORY",
    "make_comment",
    "make_context",
    "make_dispatch",
    "make_local",
    "make_schedule",
]

#: The repository tests, evals and the demo pretend to run in.
REPOSITORY = "acme/platform"

InputValue = str | int | bool | Iterable[str] | None


def make_comment(
    *,
    repository: str = REPOSITORY,
    number: int = 1,
    body: str = "",
    author: str = "alice",
    author_type: str = "User",
    is_pull_request: bool = False,
    comment_id: int = 1,
    action: str = "created",
    author_association: str = "",
    html_url: str = "",
    created_at: datetime | None = None,
) -> CommentEvent:
    """An ``issue_comment`` as :func:`~devops_agent.events.parse_event` returns it.

    Defaults: ``alice`` commented on issue #1 of :data:`REPOSITORY` (``created``).

    Args:
        repository: The repository, ``owner/name``.
        number: The issue or pull request number.
        body: The comment's text.
        author: The commenter's login.
        author_type: GitHub's user type (``User``, ``Bot``).
        is_pull_request: Whether the thread is a pull request.
        comment_id: The comment's id.
        action: ``created``, ``edited`` or ``deleted``.
        author_association: GitHub's ``author_association`` (``OWNER``, ``MEMBER``...).
        html_url: The comment's URL.
        created_at: When it was written; ``None`` leaves it unset.

    Returns:
        The event.
    """
    return CommentEvent(
        action=action,
        repository=repository,
        number=number,
        is_pull_request=is_pull_request,
        comment_id=comment_id,
        body=body,
        author=author,
        author_type=author_type,
        author_association=author_association,
        html_url=html_url,
        created_at=created_at,
    )


def make_dispatch(
    *,
    repository: str = REPOSITORY,
    actor: str = "alice",
    inputs: Mapping[str, str] | None = None,
    ref: str = "refs/heads/main",
) -> DispatchEvent:
    """A ``workflow_dispatch`` run that ``actor`` started, with its ``inputs``.

    Args:
        repository: The repository, ``owner/name``.
        actor: Who started the run.
        inputs: The dispatch's inputs (``command``).
        ref: The branch or tag the run is on.

    Returns:
        The event.
    """
    return DispatchEvent(repository=repository, actor=actor, inputs=dict(inputs or {}), ref=ref)


def make_schedule(*, repository: str = REPOSITORY, cron: str = "0 3 * * *") -> ScheduleEvent:
    """A ``schedule`` run: nobody asked, so no permission check applies.

    Args:
        repository: The repository, ``owner/name``.
        cron: The schedule's cron line.

    Returns:
        The event.
    """
    return ScheduleEvent(repository=repository, cron=cron)


def make_local(*, repository: str = REPOSITORY, actor: str = "alice") -> LocalEvent:
    """A command typed at ``devops-agent run`` by ``actor``.

    Args:
        repository: The repository, ``owner/name``.
        actor: Who typed it.

    Returns:
        The event.
    """
    return LocalEvent(repository=repository, actor=actor)


def make_context(
    *,
    workspace: Path,
    repository: str = REPOSITORY,
    requester: str = "alice",
    event: Event | None = None,
    session: boto3.Session | None = None,
    github: Github | None = None,
    mode: Mode = "action",
    environ: Mapping[str, str] | None = None,
    **inputs: InputValue,
) -> DevOpsContext:
    """A run context as the action would build it for ``event``, without a workflow run.

    Args:
        workspace: The checkout (``GITHUB_WORKSPACE``): reports, config and knowledge.
        repository: ``owner/name`` (``GITHUB_REPOSITORY``).
        requester: Who asked; the AWS session names and plan entries carry it.
        event: The typed event; by default ``requester``'s comment on issue #1.
        session: A boto3 session to read AWS with (moto, typically). It stands in for the
            OIDC read role, so a test needs no token and shares one session's loaded
            models across commands. Without it, the read role is built as in the action.
        github: A PyGithub client (``devops_agent.gh.connect(token, fake.url)``); ``None``
            for runs that never reach GitHub.
        mode: ``action``, ``local`` or ``demo``, as :mod:`devops_agent.app` sets it.
        environ: More Actions variables (``GITHUB_API_URL``, ``GITHUB_RUN_ID``,
            ``GITHUB_OUTPUT``…), read by ``ActionsEnv.from_env``.
        **inputs: Action inputs by their Python name (``github_token="ghs_…"``,
            ``aws_regions=("us-east-1", "eu-west-1")``, ``max_turns=3``,
            ``dry_run=True``); ``None`` leaves an input unset. They reach
            ``Settings.from_env`` as ``INPUT_<NAME>`` variables, so they are parsed and
            validated exactly as the action parses them.

    Returns:
        The context; its runner writes to a private buffer, and the secrets among the
        inputs are masked as the action masks them. On a pull-request comment with a
        ``github`` client, ``head_sha()`` fetches the PR's head as in the action.

    Raises:
        ConfigError: an input the action would reject.
    """
    variables = {
        **(environ or {}),
        "GITHUB_REPOSITORY": repository,
        "GITHUB_WORKSPACE": str(workspace),
    }
    variables.update(_input_variables(inputs))
    settings = Settings.from_env(variables)
    env = ActionsEnv.from_env(variables)
    runner = Runner(env, Redactor(), io.StringIO())
    for secret in (settings.github_token, settings.openai_api_key):
        runner.mask(secret.get_secret_value() if secret is not None else None)
    event = event if event is not None else make_comment(repository=repository, author=requester)
    aws = (
        AwsSessions(settings, env, runner, requester)
        if session is None
        else _GivenSession(session, settings, env, runner, requester)
    )
    pull_head = None
    if isinstance(event, CommentEvent) and event.is_pull_request and github is not None:
        from devops_agent.gh.repos import PullHead

        pull_head = PullHead(github, repository, event.number)
    return DevOpsContext(
        settings=settings,
        env=env,
        event=event,
        requester=requester,
        repository=repository,
        runner=runner,
        aws=aws,
        github=github,
        mode=mode,
        pull_head=pull_head,
    )


def _input_variables(inputs: Mapping[str, InputValue]) -> dict[str, str]:
    """``INPUT_<NAME>`` variables as a workflow's ``with:`` block would set them."""
    variables: dict[str, str] = {}
    for name, value in inputs.items():
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, str | int):
            text = str(value)
        else:
            text = ",".join(value)
        variables[f"INPUT_{name.upper().replace('_', '-')}"] = text
    return variables


class _GivenSession(AwsSessions):
    """The read session is the caller's (moto's), not one assumed through OIDC.

    The write role is still assumed from it, as in the action, when a plan is applied.
    """

    def __init__(
        self,
        session: boto3.Session,
        settings: Settings,
        env: ActionsEnv,
        runner: Runner,
        requester: str,
    ) -> None:
        super().__init__(settings, env, runner, requester)
        self._given = session

    def _build_read(self) -> boto3.Session:
        return self._given
