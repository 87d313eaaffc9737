"""Every failure a user can cause, with the exit code it maps to and a remedy.

The tree, drawn once::

    DevOpsError                 exit 1  the work failed
    ├── BadInput                exit 2  the user's command or arguments are wrong
    │   ├── UnknownCommand              a word the command language does not know
    │   └── UnknownRegion               --region names no AWS region
    ├── ConfigError             exit 2  the workflow, environment or inputs are wrong
    │   └── EventError                  GITHUB_EVENT_PATH missing or malformed
    ├── Refused                 exit 3  the requester may not do this
    └── ServiceError            exit 1  AWS or GitHub said no (code + sentence)

Only :mod:`devops_agent.cli` turns these into exit codes; everything else raises
or returns structured results. Messages say what happened, why, and how to fix it,
and never carry a secret.
"""

from __future__ import annotations


class DevOpsError(Exception):
    """Base of every error the agent raises on purpose."""

    exit_code: int = 1
    #: the status output this error ends a run with
    status: str = "failure"

    def __init__(self, message: str, *, remedy: str = "", link: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.remedy = remedy
        self.link = link

    def explain(self) -> str:
        """One paragraph: what, then how to fix it, then where to read more.

        Returns:
            The message, the remedy and the link, in one line.
        """
        parts = [self.message]
        if self.remedy:
            parts.append(self.remedy)
        if self.link:
            parts.append(f"See {self.link}")
        return " ".join(parts)


class BadInput(DevOpsError):
    """The user's command, arguments or ids are wrong."""

    exit_code = 2


class UnknownCommand(BadInput):
    """A command word the language does not know."""


class UnknownRegion(BadInput):
    """A region name AWS does not have."""


class ConfigError(DevOpsError):
    """The workflow, inputs or environment are wrong or incomplete."""

    exit_code = 2


class EventError(ConfigError):
    """The Actions event file is missing, unreadable or not the expected shape."""


class Refused(DevOpsError):
    """The requester is not allowed to do this."""

    exit_code = 3
    status = "refused"


class ServiceError(DevOpsError):
    """AWS or GitHub refused or failed a call; ``code`` is the service's error code and
    ``action`` the IAM action that was refused or failed (empty when unknown), so a caller
    that keeps going (the audit) can name the missing permission."""

    def __init__(
        self, message: str, *, code: str = "", action: str = "", remedy: str = "", link: str = ""
    ) -> None:
        super().__init__(message, remedy=remedy, link=link)
        self.code = code
        self.action = action
