"""Spans for the whole run, without the Agents SDK on the command path.

The agent is traced by the Agents SDK (agents, model calls, tools, handoffs,
guardrails). The rest of a run (the command path, previews and plans, apply, the
audit, each region of a multi-region read) is traced here, with :func:`span`, in the
same trace and the same records:

* **Inside an agent run** (an SDK trace is current), :func:`span` is
  ``agents.tracing.custom_span``: the span nests under the tool call that made it and
  goes through the SDK's processors, which :mod:`devops_agent.agent.tracing` points at
  this run's sinks. The bridge is installed by the agent package when it loads
  (:func:`set_bridge`), so nothing here imports the SDK.
* **Everywhere else** (a command never loads the SDK: an import contract forbids it,
  and importing it costs two seconds), :func:`span` records the span itself, in the
  SDK's own export shape (``{"object": "trace.span", "id": "span_…", "trace_id":
  "trace_…", "parent_id", "started_at", "ended_at", "span_data": {"type": "custom",
  "name", "data"}, "error"}``), and hands it to the same sinks.

Writing the records ourselves rather than through the SDK keeps the command path
light; sharing one shape, one trace id and one set of sinks keeps one trace per run.

A run's trace (:func:`run_trace`) has two sinks: the JSONL file
``.devops-agent/trace.jsonl`` (in Actions; every line redacted) and, when the
``otel-endpoint`` input is set, an OTLP/HTTP exporter (:mod:`devops_agent.otel`, the
optional ``opentelemetry-*`` packages, imported only then). Spans carry names, timings,
ids and counts, never prompts, tool results or secrets.
"""

from __future__ import annotations

import contextvars
import json
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devops_agent.sanitize import clean_untrusted

__all__ = [
    "TRACE_PATH",
    "RunTrace",
    "current",
    "run_trace",
    "set_bridge",
    "span",
]

#: Where the trace goes, relative to the workspace.
TRACE_PATH = Path(".devops-agent") / "trace.jsonl"

Record = dict[str, Any]
Sink = Callable[[Record], None]

_TRACE: contextvars.ContextVar[RunTrace | None] = contextvars.ContextVar(
    "devops_agent_trace", default=None
)
_PARENT: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "devops_agent_span", default=None
)
#: ``(name, data) -> context manager | None``: the SDK's custom span while an SDK trace is
#: current, else ``None``. Installed by :mod:`devops_agent.agent.tracing`.
_bridge: Callable[[str, dict[str, Any]], AbstractContextManager[Any] | None] | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat()


def new_trace_id() -> str:
    """An id in the SDK's format (``trace_`` and 32 hex digits: an OTLP trace id)."""
    return f"trace_{secrets.token_hex(16)}"


def new_span_id() -> str:
    """An id in the SDK's format (``span_`` and 24 hex digits)."""
    return f"span_{secrets.token_hex(12)}"


class RunTrace:
    """One run's trace: its id, and the sinks every finished span goes to, redacted.

    Args:
        path: the JSONL file (parents created, emptied); ``None`` writes no file.
        redact: the run's redactor; every record passes it before any sink sees it.
        name: the workflow name of the trace.
        metadata: small facts about the run (repository, run id, requester).
        exporters: more sinks, each also closed by :meth:`finish` if it has ``close``.
    """

    def __init__(
        self,
        path: Path | None,
        redact: Callable[[str], str],
        *,
        name: str = "devops-agent",
        metadata: Mapping[str, str] | None = None,
        exporters: list[Sink] | None = None,
    ) -> None:
        self.path = path
        self.trace_id = new_trace_id()
        self.name = name
        self.metadata = dict(metadata or {})
        self.exporters = list(exporters or [])
        self.spans = 0
        self._redact = redact
        self._lock = threading.Lock()
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("", encoding="utf-8")
            except OSError:
                self.path = None

    def emit(self, record: Record) -> None:
        """Redact ``record`` and hand it to every sink; a failing sink never stops the run.

        Args:
            record: A trace or span record in the Agents SDK's export shape; it is cleaned
                and redacted as JSON text, appended to the file (dropped for the rest of
                the run once the file cannot be written) and given to each exporter.
        """
        line = self._redact(clean_untrusted(json.dumps(record, default=str, ensure_ascii=False)))
        clean: Record = json.loads(line)
        with self._lock:
            if clean.get("object") == "trace.span":
                self.spans += 1
            if self.path is not None:
                try:
                    with self.path.open("a", encoding="utf-8") as handle:
                        handle.write(line + "\n")
                except OSError:
                    self.path = None  # a full disk must not stop the run
        for sink in self.exporters:
            try:
                sink(clean)
            except Exception:  # noqa: S112 - an exporter's failure is not the run's
                continue

    def start(self) -> None:
        """Record the trace's start."""
        self.emit(self._trace_record("trace_start"))

    def finish(self) -> None:
        """Record the trace's end and close the exporters (an OTLP export happens here)."""
        self.emit(self._trace_record("trace_end"))
        for sink in self.exporters:
            close = getattr(sink, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:  # noqa: S112 - never fail the run on export
                    continue

    def _trace_record(self, event: str) -> Record:
        return {
            "object": "trace",
            "id": self.trace_id,
            "workflow_name": self.name,
            "group_id": None,
            "metadata": self.metadata,
            "event": event,
            "at": _now(),
        }


def current() -> RunTrace | None:
    """The trace of the run in this context, if one was started.

    Returns:
        The innermost :func:`run_trace`'s trace, or ``None`` outside one.
    """
    return _TRACE.get()


@contextmanager
def run_trace(
    path: Path | None,
    redact: Callable[[str], str],
    *,
    metadata: Mapping[str, str] | None = None,
    otel_endpoint: str = "",
    warn: Callable[[str], None] | None = None,
) -> Iterator[RunTrace]:
    """Trace the work inside the block as one run (nested calls join the outer one).

    Args:
        path: the JSONL file, or ``None``.
        redact: the run's redactor.
        metadata: repository, run id and the like (no secrets).
        otel_endpoint: also export over OTLP/HTTP to this endpoint (the ``otel-endpoint``
            input). Without the ``otel`` extra installed the run goes on and ``warn``
            says why nothing is exported: telemetry never changes an operation's outcome.
        warn: where that warning goes (the run log).

    Yields:
        The run's trace; the outer one when a trace is already open, so nested calls
        write one trace.
    """
    outer = _TRACE.get()
    if outer is not None:
        yield outer
        return
    exporters: list[Sink] = []
    if otel_endpoint:
        try:
            from devops_agent.otel import OtlpExporter

            exporters.append(OtlpExporter(otel_endpoint, metadata or {}))
        except ImportError as exc:
            if warn is not None:
                warn(
                    f"otel-endpoint is set but OpenTelemetry is not installed ({exc.name}); "
                    "spans are not exported. Install the extra: pip install "
                    "'devops-agent-action[otel]'."
                )
    trace = RunTrace(path, redact, metadata=metadata, exporters=exporters)
    token = _TRACE.set(trace)
    trace.start()
    try:
        yield trace
    finally:
        _TRACE.reset(token)
        trace.finish()


def set_bridge(
    bridge: Callable[[str, dict[str, Any]], AbstractContextManager[Any] | None] | None,
) -> None:
    """Route :func:`span` through the SDK while one of its traces is current (or stop).

    Args:
        bridge: Given a span's name and data, the SDK's ``custom_span`` when an SDK
            trace is current, else ``None`` (then the span is recorded here); ``None``
            removes the bridge.
    """
    global _bridge  # one SDK per process: set once by the agent package
    _bridge = bridge


@contextmanager
def span(name: str, **data: Any) -> Iterator[dict[str, Any]]:
    """Time the block as a span named ``name`` with ``data`` (ids, counts, outcomes).

    Yields the data dict: add to it inside the block (``data["rows"] = 3``). An exception
    leaving the block is recorded as the span's error (its type, never its message, which
    may hold what a person or AWS wrote) and raised on. Outside a run it costs nothing.

    Args:
        name: The span's name (``request``, ``plan``, ``ec2.list_instances``…).
        data: Its attributes: ids, counts and outcomes, never prompts or secrets.

    Yields:
        ``data`` itself, to add to inside the block.
    """
    bridged = _bridge(name, data) if _bridge is not None else None
    if bridged is not None:
        with bridged:
            yield data
        return
    trace = _TRACE.get()
    if trace is None:
        yield data
        return
    span_id = new_span_id()
    parent = _PARENT.get()
    token = _PARENT.set(span_id)
    started = _now()
    error: dict[str, Any] | None = None
    try:
        yield data
    except BaseException as exc:
        error = {"message": type(exc).__name__, "data": {"code": getattr(exc, "code", "")}}
        raise
    finally:
        _PARENT.reset(token)
        trace.emit(
            {
                "object": "trace.span",
                "id": span_id,
                "trace_id": trace.trace_id,
                "parent_id": parent,
                "started_at": started,
                "ended_at": _now(),
                "span_data": {"type": "custom", "name": name, "data": data},
                "error": error,
            }
        )
