"""The runner's side channels: masks, annotations, outputs and the job summary.

Workflow commands are formatted by actions-toolkit (``Command``, with its
escaping) and outputs use its ``GITHUB_OUTPUT`` heredoc format; both are written
to the paths and stream this run was given rather than to whatever ``os.environ``
holds, so a run is fully described by its :class:`ActionsEnv`. The job summary,
which actions-toolkit lacks, is written by hand. Every string passes the run's
:class:`~devops_agent.sanitize.Redactor` first, so no channel can leak a secret.
Outside Actions (no ``GITHUB_OUTPUT`` / ``GITHUB_STEP_SUMMARY``) outputs and the
summary are skipped rather than printed as deprecated commands.
"""

from __future__ import annotations

import json
import secrets
import sys
from typing import TextIO

from actions_toolkit.command import Command
from actions_toolkit.file_command import prepare_key_value_message

from devops_agent.sanitize import Redactor
from devops_agent.settings import ActionsEnv

#: GitHub shows at most 1 MiB of job summary per step.
SUMMARY_LIMIT = 1024 * 1024


def _could_be_command(text: str) -> bool:
    """Whether the runner might read ``text`` as workflow commands.

    The runner splits its input at line feeds and carriage returns, then tries each line
    as ``::name::data`` after leading whitespace, and as the legacy ``##[name]data``
    wherever ``##[`` occurs (``ActionCommand.TryParseV2`` and ``TryParse`` in
    actions/runner).
    """
    return "\n" in text or "\r" in text or "##[" in text or text.lstrip().startswith("::")


class Runner:
    """Talks to the Actions runner for one run."""

    def __init__(self, env: ActionsEnv, redactor: Redactor, stream: TextIO | None = None) -> None:
        self.env = env
        self.redact = redactor
        self.stream = stream or sys.stdout
        self.outputs: dict[str, str] = {}
        self._summary_written = 0

    @property
    def in_actions(self) -> bool:
        """True when the runner gave us an outputs file (we run as a step)."""
        return self.env.output is not None

    def mask(self, secret: str | None) -> None:
        """Register a secret: masked by the runner in logs and redacted by us everywhere.

        Args:
            secret: The value to mask; ``None`` or empty is ignored. Each line of a multi-line
                secret is masked on its own.
        """
        if not secret:
            return
        self.redact.add(secret)
        if self.in_actions:
            for line in secret.splitlines():
                if line.strip():
                    self._command("add-mask", line.strip())

    def info(self, message: str) -> None:
        """A plain log line; text that could read as a workflow command is fenced.

        The runner acts on a log line that starts with ``::``, and on the legacy form
        ``##[name]data`` **anywhere** in a line. A message on one line with neither is
        written as is; anything else (several lines, a leading ``::``, a ``##[``) goes
        between ``::stop-commands::`` markers, so text a person, AWS or a model wrote
        (a pull request's title, a tag) can never mask, set an output or stop command
        processing itself.

        Args:
            message: The line; redacted before it is written.
        """
        text = self.redact(message)
        if _could_be_command(text):
            self.untrusted(text)
            return
        self.stream.write(text + "\n")
        self.stream.flush()

    def untrusted(self, text: str) -> None:
        """Write untrusted, possibly multi-line ``text`` so the runner runs none of it.

        Between ``::stop-commands::TOKEN`` and ``::TOKEN::`` the runner treats every line as
        plain text; the token is random per block, so the text cannot end the block early.
        Outside Actions the text is written as it is (no runner reads it).

        Args:
            text: Text a person, AWS or a model wrote; redacted first.
        """
        text = self.redact(text)
        if not self.in_actions:
            self.stream.write(text.rstrip("\n") + "\n")
            self.stream.flush()
            return
        token = secrets.token_hex(16)
        while token in text:  # pragma: no cover - 128 random bits
            token = secrets.token_hex(16)
        self.stream.write(f"::stop-commands::{token}\n{text.rstrip(chr(10))}\n::{token}::\n")
        self.stream.flush()

    def group(self, title: str, text: str) -> None:
        """A folded log group holding untrusted ``text`` (a traceback, a tool's output).

        Args:
            title: The group's title, on one line.
            text: The folded text, written so the runner runs none of it.
        """
        if self.in_actions:
            self._command("group", " ".join(self.redact(title).split()))
        self.untrusted(text)
        if self.in_actions:
            self._command("endgroup", "")

    def error(self, message: str, title: str = "devops-agent") -> None:
        """An ``::error::`` annotation (a plain line outside Actions).

        Args:
            message: What went wrong; redacted before it is written.
            title: The annotation's title (shown above the message).
        """
        self._annotate("error", message, title)

    def warning(self, message: str, title: str = "devops-agent") -> None:
        """A ``::warning::`` annotation (a plain line outside Actions).

        Args:
            message: The warning; redacted before it is written.
            title: The annotation's title (shown above the message).
        """
        self._annotate("warning", message, title)

    def notice(self, message: str, title: str = "devops-agent") -> None:
        """A ``::notice::`` annotation (a plain line outside Actions).

        Args:
            message: The notice; redacted before it is written.
            title: The annotation's title (shown above the message).
        """
        self._annotate("notice", message, title)

    def _command(self, name: str, message: str, **properties: str) -> None:
        self.stream.write(f"{Command(name, properties, message)}\n")
        self.stream.flush()

    def _annotate(self, level: str, message: str, title: str) -> None:
        message = self.redact(message)
        if self.in_actions:
            self._command(level, message, title=title)
        else:
            self.stream.write(f"{level}: {message}\n")
            self.stream.flush()

    def set_output(self, name: str, value: object) -> None:
        """Record an output (JSON for non-strings); written only inside Actions.

        Args:
            name: The output's name, as action.yml declares it.
            value: A string, or anything JSON can hold (redacted field by field).
        """
        # Structured data is redacted before it is serialised: as JSON a secret-named
        # field reads ``"DB_PASSWORD": "…"``, which text patterns alone may miss.
        data = value if isinstance(value, str) else self.redact.redact_data(value)
        text = data if isinstance(data, str) else json.dumps(data, default=str)
        text = self.redact(text)
        self.outputs[name] = text
        if self.env.output is not None:
            with self.env.output.open("a", encoding="utf-8", newline="") as handle:
                handle.write(prepare_key_value_message(name, text) + "\n")

    def summary(self, markdown: str) -> None:
        """Append Markdown to the job summary, within GitHub's size limit.

        Args:
            markdown: The Markdown to append; redacted, and cut with a note past the limit.
        """
        path = self.env.step_summary
        if path is None:
            return
        text = self.redact(markdown).rstrip() + "\n\n"
        room = SUMMARY_LIMIT - self._summary_written
        encoded = text.encode("utf-8")
        if len(encoded) > room:
            note = "\n\n_…cut: the job summary is limited to 1 MiB._\n"
            text = encoded[: max(0, room - len(note.encode()))].decode("utf-8", "ignore") + note
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)
        self._summary_written += len(text.encode("utf-8"))
