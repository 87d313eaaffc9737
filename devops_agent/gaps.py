"""What a read could not see: investigation gaps, recorded where they happen.

A read that covers several regions or services keeps going when one part is refused
and says what it missed, the way the audit's *not audited* section does
(:class:`devops_agent.audit.models.NotAudited`, recorded by
``devops_agent.audit.reading``): a :class:`Gap` has the same fields, and
:meth:`Gap.from_error` fills them the same way (the IAM action that failed is the
permission to grant; AWS's code; its sentence). Nothing unread is ever shown as fine.

The mechanism is declared once, not per command:

* whoever runs a read opens a collector (:func:`collect`): the command path around
  each catalog read (:func:`devops_agent.commands.perform`), the agent around each tool
  call and around the whole run;
* a reader that can keep going records what failed (:func:`record`), e.g.
  :func:`devops_agent.aws.across_regions` for each region that failed while others
  answered. With no collector open, :func:`collecting` is false and readers raise as
  before, so nothing is swallowed silently;
* the result carries the gaps: :class:`devops_agent.report.Result` renders them as a
  *Not read* section (:func:`section`) and lists them under ``not_read`` in its JSON; the
  agent's tool results carry them as data, and its answer ends with the run's gaps.

Collectors nest: what an inner one records also reaches the outer ones, so an agent
run sees every gap of its tool calls. The collector is a context variable; the agent's
tool threads copy the context, so a read in a worker thread records into its caller's.

Pure (pydantic only): services may import it.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel, ConfigDict

from devops_agent.errors import ServiceError

__all__ = ["Gap", "Gaps", "add", "collect", "collecting", "from_reports", "record", "section"]


class Gap(BaseModel):
    """One thing a read could not see; the fields of the audit's ``NotAudited``."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True, extra="forbid")

    service: str
    """Service whose data is missing (``ec2``, ``s3``, ``iam``, ``vpc``, ``github``…)."""
    region: str
    """Region it could not read, or ``"global"``."""
    part: str
    """What is missing: the read's operation (``ec2.list_instances``) or an audit part."""
    permission: str
    """The IAM action (or token permission) that failed: the one to grant when refused."""
    code: str = ""
    """The service's error code, e.g. ``AccessDenied`` or ``UnauthorizedOperation``."""
    reason: str
    """What happened, in one or two sentences."""
    resource: str | None = None
    """The one resource it concerns, when not the whole part."""

    @classmethod
    def from_error(
        cls,
        error: ServiceError,
        *,
        service: str,
        region: str,
        part: str,
        permission: str = "",
        resource: str | None = None,
    ) -> Gap:
        """The gap an error leaves, as the audit records one: the action AWS refused (or
        ``permission`` when it named none), its code, and its sentence.

        Args:
            error: The failed call's error (its ``action``, ``code`` and message are used).
            service: The service whose data is missing.
            region: The region that could not be read, or ``"global"``.
            part: What is missing: the read's operation or the audit part.
            permission: The permission to name when the error names no action;
                ``unknown`` when neither does.
            resource: The one resource it concerns, when not the whole part.

        Returns:
            The gap; its code is the error's class name when AWS gave none.
        """
        return cls(
            service=service,
            region=region,
            part=part,
            permission=error.action or permission or "unknown",
            code=error.code or type(error).__name__,
            reason=error.message,
            resource=resource,
        )

    def sentence(self) -> str:
        """The gap in one sentence for an answer's text.

        Returns:
            E.g. ``I could not check ec2.list_instances in eu-west-1:
            `ec2:DescribeInstances` was refused.``; an error that is not a denial says
            ``failed (CODE)`` instead, and a global part names no region.
        """
        where = f" in {self.region}" if self.region and self.region != "global" else ""
        what = f"{self.part} ({self.resource})" if self.resource else self.part
        verb = "was refused" if _denied(self.code) else f"failed ({self.code})"
        return f"I could not check {what}{where}: `{self.permission}` {verb}."


def _denied(code: str) -> bool:
    return code in {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "AuthorizationError",
        "Forbidden",
        "403",
    }


class Gaps:
    """The gaps one read (or one agent run) found; thread-safe, in the order recorded."""

    def __init__(self, *, service: str = "", part: str = "", parent: Gaps | None = None) -> None:
        self.service = service
        """Used when a recorder names no service (the read's own)."""
        self.part = part
        """Used when a recorder names no part (the read's operation)."""
        self.parent = parent
        self._items: list[Gap] = []
        self._keys: set[str] = set()
        self._lock = threading.Lock()

    def add(self, gap: Gap) -> None:
        """Keep ``gap`` (once) here and in every enclosing collector.

        Args:
            gap: The gap; an identical one already kept is not kept twice.
        """
        key = gap.model_dump_json()
        with self._lock:
            if key not in self._keys:
                self._keys.add(key)
                self._items.append(gap)
        if self.parent is not None:
            self.parent.add(gap)

    def extend(self, gaps: Iterable[Gap]) -> None:
        """Keep each of ``gaps``, as :meth:`add` does.

        Args:
            gaps: The gaps, in order.
        """
        for gap in gaps:
            self.add(gap)

    @property
    def items(self) -> list[Gap]:
        """The gaps recorded so far."""
        with self._lock:
            return list(self._items)

    def __bool__(self) -> bool:
        with self._lock:
            return bool(self._items)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


_CURRENT: contextvars.ContextVar[Gaps | None] = contextvars.ContextVar(
    "devops_agent_gaps", default=None
)


@contextmanager
def collect(*, service: str = "", part: str = "") -> Iterator[Gaps]:
    """Collect the gaps recorded inside the block (and pass them to any outer collector).

    Args:
        service: the service of the read, for gaps whose recorder names none.
        part: the read's operation name, for gaps whose recorder names none.

    Yields:
        The collector; read its ``items`` after (or during) the block.
    """
    outer = _CURRENT.get()
    found = Gaps(service=service, part=part, parent=outer)
    token = _CURRENT.set(found)
    try:
        yield found
    finally:
        _CURRENT.reset(token)


def collecting() -> bool:
    """Whether a collector is open: a reader may then keep going past a failed part.

    Returns:
        ``True`` inside :func:`collect` (in this context or one copied from it).
    """
    return _CURRENT.get() is not None


def record(
    error: ServiceError,
    *,
    region: str,
    service: str = "",
    part: str = "",
    permission: str = "",
    resource: str | None = None,
) -> None:
    """Record that ``error`` kept part of a read from being seen.

    Call it only when :func:`collecting` is true (otherwise raise the error as before).
    ``service`` and ``part`` default to those of the innermost collector.

    Args:
        error: What the service answered.
        region: The region that could not be read, or ``"global"``.
        service: The service; the collector's (else ``aws``) when empty.
        part: The read's operation or part; the collector's (else ``read``) when empty.
        permission: The permission to name when the error names no action.
        resource: The one resource it concerns, when not the whole part.

    Raises:
        ServiceError: ``error`` itself, when no collector is open.
    """
    current = _CURRENT.get()
    if current is None:
        raise error
    current.add(
        Gap.from_error(
            error,
            service=service or current.service or "aws",
            region=region,
            part=part or current.part or "read",
            permission=permission,
            resource=resource,
        )
    )


def add(gap: Gap) -> None:
    """Keep a gap built by hand (an MCP server that did not answer) in the open collector;
    without one it is dropped (nothing is collecting).

    Args:
        gap: The gap.
    """
    current = _CURRENT.get()
    if current is not None:
        current.add(gap)


def from_reports(value: Any) -> list[Gap]:
    """Gaps a result carries itself: the audit report's ``not_audited`` entries.

    Any model with a ``not_audited`` list of entries with the gap fields (the audit's
    :class:`~devops_agent.audit.models.NotAudited`) counts, so an agent run that ran the
    audit ends with what the audit could not read as well.

    Args:
        value: Any tool result; only pydantic models' entries are taken.

    Returns:
        One gap per entry; empty when ``value`` has no ``not_audited`` list.
    """
    entries = getattr(value, "not_audited", None)
    if not isinstance(entries, list):
        return []
    fields = set(Gap.model_fields)
    found = []
    for entry in entries:
        if isinstance(entry, BaseModel):
            found.append(Gap.model_validate(entry.model_dump(include=fields)))
    return found


def section(gaps: Sequence[Gap]) -> tuple[str, list[str], list[list[str]]]:
    """The *Not read* section: a sentence, the table's columns and rows.

    The same columns as the audit's *Not audited* table, one row per service, region,
    missing permission and error, naming up to three resources.

    Args:
        gaps: The result's gaps.

    Returns:
        ``(sentence, columns, rows)``: the sentence says nothing here is fine and which
        input to grant the permissions to; rows are sorted by service, region,
        permission and code, the first reason of each group shown.
    """
    grouped: dict[tuple[str, str, str, str], list[str]] = {}
    parts: dict[tuple[str, str, str, str], list[str]] = {}
    reasons: dict[tuple[str, str, str, str], str] = {}
    for gap in gaps:
        key = (gap.service, gap.region, gap.permission, gap.code)
        grouped.setdefault(key, [])
        if gap.resource:
            grouped[key].append(gap.resource)
        parts.setdefault(key, [])
        if gap.part not in parts[key]:
            parts[key].append(gap.part)
        reasons.setdefault(key, gap.reason)
    rows: list[list[str]] = []
    for key in sorted(grouped):
        service, region, permission, code = key
        resources = grouped[key]
        scope = ", ".join(parts[key])
        if resources:
            scope += f": {len(resources)} resource(s): {', '.join(resources[:3])}"
            scope += ", …" if len(resources) > 3 else ""
        rows.append([service, region, f"`{permission}`", code, scope, reasons[key]])
    intro = (
        "These could not be read, so nothing here says they are fine. Grant the listed "
        "permissions to the read role (the `aws-role-to-assume` input) and ask again."
    )
    columns = ["service", "region", "missing permission", "error", "what", "reason"]
    return intro, columns, rows
