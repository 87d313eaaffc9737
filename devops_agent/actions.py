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
import sys
from typing import TextIO

from actions_toolkit.command import Command
from actions_toolkit.file_command import prepare_key_value_message

from devops_agent.sanitize import Redactor
from devops_agent.settings import ActionsEnv

#: GitHub shows at most 1 MiB of job summary per step.
SUMMARY_LIMIT = 1024 * 1024


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
        """Register a secret: masked by the runner in logs and redacted by us everywhere."""
        if not secret:
            return
        self.redact.add(secret)
        if self.in_actions:
            for line in secret.splitlines():
                if line.strip():
                    self._command("add-mask", line.strip())

    def info(self, message: str) -> None:
        """A plain log line."""
        self.stream.write(self.redact(message) + "\n")
        self.stream.flush()

    def error(self, message: str, title: str = "devops-agent") -> None:
        """An ``::error::`` annotation (a plain line outside Actions)."""
        self._annotate("error", message, title)

    def warning(self, message: str, title: str = "devops-agent") -> None:
        """A ``::warning::`` annotation (a plain line outside Actions)."""
        self._annotate("warning", message, title)

    def notice(self, message: str, title: str = "devops-agent") -> None:
        """A ``::notice::`` annotation (a plain line outside Actions)."""
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
        """Record an output (JSON for non-strings); written only inside Actions."""
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        text = self.redact(text)
        self.outputs[name] = text
        if self.env.output is not None:
            with self.env.output.open("a", encoding="utf-8", newline="") as handle:
                handle.write(prepare_key_value_message(name, text) + "\n")

    def summary(self, markdown: str) -> None:
        """Append Markdown to the job summary, within GitHub's size limit."""
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
