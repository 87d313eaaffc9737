"""DevOpsContext: everything a command or tool needs to know about this run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from devops_agent.actions import Runner
from devops_agent.credentials import AwsSessions
from devops_agent.events import Event
from devops_agent.sanitize import Redactor
from devops_agent.settings import ActionsEnv, Settings

if TYPE_CHECKING:
    from pathlib import Path

    import boto3
    from github import Github

    from devops_agent.repoconfig import RepoConfig

Mode = Literal["action", "local", "demo"]


@dataclass
class DevOpsContext:
    """Who asked, where, and the clients to act with.

    Built once per run by :mod:`devops_agent.app`; clients are created lazily so a
    refused or ignored run never imports boto3 or talks to AWS.
    """

    settings: Settings
    env: ActionsEnv
    event: Event
    requester: str
    """GitHub login of the person who asked (empty for schedules)."""
    repository: str
    """``owner/name`` the run belongs to."""
    runner: Runner
    aws: AwsSessions
    github: Github | None = None
    mode: Mode = "action"
    pull_head: Callable[[], str] | None = None
    """Fetches the PR head SHA once (``None`` off pull requests)."""
    deadline: float | None = None
    """``time.monotonic()`` by which the whole run must end (``timeout-seconds``)."""
    repo_config: RepoConfig | None = None
    """The repository's own config (instructions, custom commands), read once from the
    default branch by :func:`devops_agent.repoconfig.load` when the run needs it."""

    @property
    def redactor(self) -> Redactor:
        """The run's redactor: every string leaving the process goes through it."""
        return self.runner.redact

    @property
    def region(self) -> str:
        """Default AWS region."""
        return self.settings.aws_region

    @property
    def regions(self) -> tuple[str, ...]:
        """Regions that audits and multi-region listings scan."""
        return self.settings.regions

    @property
    def workspace(self) -> Path:
        """The checkout (``GITHUB_WORKSPACE``): config, workspace files and reports."""
        return self.env.workspace

    def session(self) -> boto3.Session:
        """The read-only AWS session.

        Returns:
            The read role's session (assumed on first use, then cached).
        """
        return self.aws.read()

    def head_sha(self) -> str | None:
        """The PR head commit when the run answers on a pull request.

        Returns:
            The head commit's SHA, or ``None`` outside a pull request.
        """
        return self.pull_head() if self.pull_head is not None else None
