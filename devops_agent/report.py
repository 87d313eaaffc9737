"""What a run found, as data, and its Markdown and JSON renderings (pure: no I/O).

Commands return a :class:`Result`; :mod:`devops_agent.publish` decides where it
goes. Rendering keeps bodies under GitHub's limits: long tables are folded into
``<details>`` and anything past the limit is cut with a pointer to the job summary.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from devops_agent.gaps import Gap, section
from devops_agent.sanitize import table_cell

Status = Literal["success", "failure", "refused", "planned", "applied", "ignored"]

#: Rows shown before a table is folded into <details>.
FOLD_ROWS = 15
#: Keep comment bodies this far below GitHub's 65,536-character limit.
COMMENT_BUDGET = 60_000

_ICONS: dict[str, str] = {
    "success": "✅",
    "failure": "❌",
    "refused": "⛔",
    "planned": "📝",
    "applied": "🚀",
    "ignored": "💤",
}


class Table(BaseModel):
    """A titled table of plain values."""

    title: str = ""
    columns: list[str]
    rows: list[list[Any]] = Field(default_factory=list)
    empty: str = "Nothing found."
    """Sentence shown instead of an empty table."""


class Result(BaseModel):
    """The outcome of one command or request."""

    status: Status = "success"
    command: str = ""
    """The command as the user typed it (after the trigger)."""
    title: str
    """One line: what was done and how it went (whitespace is collapsed, so no text in it,
    whoever wrote it, can start a new line in a log, a check run or a comment heading)."""
    text: str = ""
    """Markdown paragraphs under the title (already safe: written by us)."""
    tables: list[Table] = Field(default_factory=list)
    data: Any = None
    """Machine-readable payload for the ``result`` output and the JSON report."""
    exit_code: int = 0
    icon: str = ""
    """The heading's icon when the status's would mislead: an audit that ran shows the
    estate's state (🔴 critical findings open), not a tick."""
    report: dict[str, Any] | None = None
    """A report with its own documented schema (the audit's), written as the report file."""
    plan_block: str = ""
    """Machine-readable plan block (hidden marker + JSON); posted after the body, never cut."""
    audit: str = ""
    """One line for the job summary's audit trail (an applied plan: who, which session,
    which policy, which AWS request ids); also in ``data``."""
    not_read: list[Gap] = Field(default_factory=list)
    """What the work could not read (investigation gaps): rendered as a *Not read* section
    after everything else and listed under ``not_read`` in the JSON, so nothing unread is
    ever taken for fine."""
    resume: Any = Field(default=None, exclude=True, repr=False)
    """A paused agent to resume once this answer is made (a
    :class:`devops_agent.continuation.Continuation`, set by the apply or rejection of a
    plan the agent proposed); the run resumes it; never rendered or output."""

    @field_validator("title")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return " ".join(value.split())

    def with_status(self, status: Status, exit_code: int) -> Result:
        """A copy with another status and exit code.

        Args:
            status: The new status.
            exit_code: The new exit code.

        Returns:
            The copy; this result is unchanged.
        """
        return self.model_copy(update={"status": status, "exit_code": exit_code})


def plural(n: int, word: str, many: str = "") -> str:
    """``1 instance``, ``2 instances`` (with thousands separators); ``many`` for irregular
    plurals (``plural(2, "identity", "identities")``).

    Args:
        n: The count.
        word: The singular.
        many: The plural, when it is not ``word`` + ``s``.

    Returns:
        The count and the word; ``0`` takes the plural.
    """
    return f"{n:,} {word}" if n == 1 else f"{n:,} {many or word + 's'}"


def when(value: datetime | None) -> str:
    """A timestamp as people read it in a table, or empty.

    Args:
        value: A timestamp, or ``None``.

    Returns:
        ``YYYY-MM-DD HH:MM UTC``, or ``""``.
    """
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def where(regions: Sequence[str]) -> str:
    """``us-east-1``, or ``3 regions``.

    Args:
        regions: The regions a command covered (at least one).

    Returns:
        The region's name, or how many regions.
    """
    return regions[0] if len(regions) == 1 else f"{len(regions)} regions"


def dump(items: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic models as JSON data, for ``Result.data``.

    Args:
        items: Pydantic models.

    Returns:
        Their JSON-mode dumps, in order.
    """
    return [item.model_dump(mode="json") for item in items]


def render_table(table: Table) -> str:
    """A Markdown table; folded into ``<details>`` past :data:`FOLD_ROWS` rows.

    Args:
        table: The table.

    Returns:
        Markdown; the table's ``empty`` text when it has no rows.
    """
    if not table.rows:
        body = f"_{table.empty}_"
        return f"**{table.title}**\n\n{body}" if table.title else body
    header = "| " + " | ".join(table_cell(c) for c in table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    lines = ["| " + " | ".join(table_cell(v) for v in row) + " |" for row in table.rows]
    grid = "\n".join([header, rule, *lines])
    count = len(table.rows)
    title = table.title or "Results"
    if count > FOLD_ROWS:
        return f"<details><summary><b>{title}</b> ({count} rows)</summary>\n\n{grid}\n\n</details>"
    return f"**{table.title}**\n\n{grid}" if table.title else grid


def render_body(result: Result) -> str:
    """The result as Markdown, without header or footer; what could not be read comes last.

    Args:
        result: The run's result (redacted by the publisher before this).

    Returns:
        A ``###`` heading with the status icon and title, the text, each table, and the
        *Not read* section when the result has gaps.
    """
    parts = [f"### {result.icon or _ICONS[result.status]} {result.title}"]
    if result.text:
        parts.append(result.text)
    parts.extend(render_table(t) for t in result.tables)
    if result.not_read:
        parts.append(render_gaps(result.not_read))
    return "\n\n".join(parts)


def render_gaps(gaps: Sequence[Gap]) -> str:
    """The *Not read* section: a sentence per gap for people and the model alike, then the
    same table as the audit's *Not audited* section.

    Args:
        gaps: The result's gaps.

    Returns:
        Markdown under a ``#### ⚠️ Not read`` heading: at most :data:`FOLD_ROWS`
        sentences (then how many more), the intro of :func:`devops_agent.gaps.section`,
        and its table.
    """
    intro, columns, rows = section(gaps)
    sentences = "\n".join(f"- {g.sentence()}" for g in gaps[:FOLD_ROWS])
    if len(gaps) > FOLD_ROWS:
        sentences += f"\n- … and {len(gaps) - FOLD_ROWS} more (see the table)."
    table = render_table(Table(columns=columns, rows=[list(r) for r in rows]))
    return f"#### ⚠️ Not read\n\n{sentences}\n\n{intro}\n\n{table}"


def fit(markdown: str, *, limit: int = COMMENT_BUDGET, more_url: str = "") -> str:
    """Cut ``markdown`` to ``limit`` characters at a line break, saying where the rest is.

    Args:
        markdown: The text to fit.
        limit: Most characters kept (GitHub's comment limit, less room for the footer).
        more_url: Where the full answer is (the job summary's URL), linked from the note.

    Returns:
        ``markdown`` itself when it fits, else its head and a note that says where the rest is.
    """
    if len(markdown) <= limit:
        return markdown
    where = f"[job summary]({more_url})" if more_url else "job summary"
    note = f"\n\n…output cut to fit GitHub's comment limit; the full answer is in the {where}."
    cut = markdown[: limit - len(note)]
    cut = cut[: cut.rfind("\n")] if "\n" in cut else cut
    if cut.count("<details>") > cut.count("</details>"):
        cut += "\n\n</details>"
    return cut + note


def render_json(result: Result) -> dict[str, Any]:
    """The result as JSON-able data (the ``result`` output and the report file).

    Args:
        result: The result.

    Returns:
        Status, command, title, data, tables and the rest, as JSON-able data.
    """
    return {
        **({"audit": result.audit} if result.audit else {}),
        "status": result.status,
        "command": result.command,
        "title": result.title,
        "data": result.data,
        "tables": [
            {"title": t.title, "columns": t.columns, "rows": [[str(v) for v in r] for r in t.rows]}
            for t in result.tables
        ],
        "not_read": [g.model_dump(mode="json") for g in result.not_read],
    }
