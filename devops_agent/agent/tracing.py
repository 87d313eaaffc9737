"""The agent's spans, in the run's one trace: the SDK's processors point at its sinks.

The Agents SDK traces every run (agents, model calls, tools, handoffs, guardrails)
and, left alone, exports those traces to OpenAI whenever an API key is known.
:func:`install` replaces the SDK's processors with a :class:`JsonlTraceProcessor`,
which hands each finished span to the run's trace (:class:`devops_agent.tracing.RunTrace`:
``.devops-agent/trace.jsonl`` under the workspace, redacted, and the OTLP export when
``otel-endpoint`` is set) and keeps a summary for the answer's footer. OpenAI's exporter
is added only when the ``trace-export`` input opts in. Runs use
``trace_include_sensitive_data=False``, so spans carry names, timings, errors and token
counts, not prompts or tool results.

:func:`install` also routes :func:`devops_agent.tracing.span` through
``agents.tracing.custom_span`` while an SDK trace is current, so a span the command
path's code opens inside a tool call (a region of a multi-region read, a preview)
nests under that tool call, through the same processors.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from agents.tracing import Span, Trace, TracingProcessor

from devops_agent import tracing
from devops_agent.tracing import TRACE_PATH, RunTrace

__all__ = ["TRACE_PATH", "JsonlTraceProcessor", "TraceSummary", "install"]


@dataclass
class ToolStats:
    """Calls of one tool in a run."""

    calls: int = 0
    errors: int = 0
    seconds: float = 0.0


@dataclass
class TraceSummary:
    """What the spans of one run add up to."""

    agents: list[str] = field(default_factory=list)
    """Agents in the order they ran (a handoff adds one)."""
    tools: dict[str, ToolStats] = field(default_factory=dict)
    model_calls: int = 0
    model_seconds: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    guardrails_tripped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    """From the first span's start to the last span's end."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for ``Result.data``.

        Returns:
            Agents, tools with calls, errors and seconds, model calls and tokens.
        """
        return {
            "agents": self.agents,
            "tools": {
                name: {"calls": s.calls, "errors": s.errors, "seconds": round(s.seconds, 3)}
                for name, s in self.tools.items()
            },
            "model_calls": self.model_calls,
            "model_seconds": round(self.model_seconds, 3),
            "guardrails_tripped": self.guardrails_tripped,
            "seconds": round(self.seconds, 3),
        }

    def tools_line(self) -> str:
        """``list_instances ×2 (0.3 s), describe_instances (1 error)``, or ``none``.

        Returns:
            One line for the answer's footer.
        """
        if not self.tools:
            return "none"
        parts = []
        for name, s in self.tools.items():
            bits = [f"{s.seconds:.1f} s"]
            if s.errors:
                bits.append(f"{s.errors} error{'s' if s.errors > 1 else ''}")
            times = f" ×{s.calls}" if s.calls > 1 else ""
            parts.append(f"`{name}`{times} ({', '.join(bits)})")
        return ", ".join(parts)


def _duration(started: str | None, ended: str | None) -> float:
    if not started or not ended:
        return 0.0
    try:
        delta = datetime.fromisoformat(ended) - datetime.fromisoformat(started)
    except ValueError:
        return 0.0
    return max(0.0, delta.total_seconds())


class JsonlTraceProcessor(TracingProcessor):
    """Hands the SDK's traces and finished spans to the run's trace; keeps a summary.

    Args:
        path: the JSONL file of a trace of its own (parents created); ``None`` keeps the
            summary only. Ignored when ``trace`` is given.
        redact: the run's redactor; every line passes it before it is written.
        trace: the run's trace (:func:`devops_agent.tracing.run_trace`) to join: the
            agent's spans then share its id, file and exporters.
    """

    def __init__(
        self, path: Path | None, redact: Callable[[str], str], *, trace: RunTrace | None = None
    ) -> None:
        self.trace = trace if trace is not None else RunTrace(path, redact)
        self._lock = threading.Lock()
        self._summary = TraceSummary()
        self._first: str | None = None
        self._last: str | None = None

    @property
    def path(self) -> Path | None:
        """The JSONL file, when one is written."""
        return self.trace.path

    @property
    def lines(self) -> int:
        """Spans written so far."""
        return self.trace.spans

    def on_trace_start(self, trace: Trace) -> None:
        """Write the trace's opening line (the SDK calls this when a run starts).

        Args:
            trace: The trace that started.
        """
        exported = trace.export()
        if exported and exported.get("id") != self.trace.trace_id:
            self.trace.emit({**exported, "event": "trace_start"})

    def on_trace_end(self, trace: Trace) -> None:
        """Write the trace's closing line (the SDK calls this when a run ends).

        Args:
            trace: The trace that ended.
        """
        exported = trace.export()
        if exported and exported.get("id") != self.trace.trace_id:
            self.trace.emit({**exported, "event": "trace_end"})

    def on_span_start(self, span: Span[Any]) -> None:
        """Nothing: a span is written once, when it ends, with its timing and result.

        Args:
            span: The span that started.
        """
        return None

    def on_span_end(self, span: Span[Any]) -> None:
        """Write the finished span, redacted, and count it in the summary.

        Args:
            span: The span that ended (model call, tool call, handoff, guardrail, agent).
        """
        exported = span.export()
        if not exported:
            return
        self.trace.emit(exported)
        self._count(exported)

    def _count(self, span: dict[str, Any]) -> None:
        data = span.get("span_data") or {}
        kind = data.get("type")
        took = _duration(span.get("started_at"), span.get("ended_at"))
        with self._lock:
            summary = self._summary
            started, ended = span.get("started_at"), span.get("ended_at")
            if started and (self._first is None or started < self._first):
                self._first = started
            if ended and (self._last is None or ended > self._last):
                self._last = ended
            if kind == "agent":
                summary.agents.append(str(data.get("name")))
            elif kind == "function":
                stats = summary.tools.setdefault(str(data.get("name")), ToolStats())
                stats.calls += 1
                stats.seconds += took
                if span.get("error"):
                    stats.errors += 1
            elif kind in ("response", "generation"):
                summary.model_calls += 1
                summary.model_seconds += took
                usage = data.get("usage") or {}
                summary.input_tokens += int(usage.get("input_tokens") or 0)
                summary.output_tokens += int(usage.get("output_tokens") or 0)
            elif kind == "guardrail" and data.get("triggered"):
                summary.guardrails_tripped.append(str(data.get("name")))

    def summary(self) -> TraceSummary:
        """The summary of every span finished so far (agents start order is span end order).

        Returns:
            A copy, safe to read while spans still end.
        """
        with self._lock:
            done = self._summary
            copy = TraceSummary(
                agents=list(done.agents),
                tools={k: ToolStats(v.calls, v.errors, v.seconds) for k, v in done.tools.items()},
                model_calls=done.model_calls,
                model_seconds=done.model_seconds,
                input_tokens=done.input_tokens,
                output_tokens=done.output_tokens,
                guardrails_tripped=list(done.guardrails_tripped),
                seconds=_duration(self._first, self._last),
            )
        return copy

    def shutdown(self) -> None:
        """Nothing to close: every line is written and flushed as it comes."""
        return None

    def force_flush(self) -> None:
        """Nothing buffered: every line is written and flushed as it comes."""
        return None


def install(processor: JsonlTraceProcessor, *, export_key: str | None = None) -> None:
    """Make ``processor`` the only place traces go, plus OpenAI's exporter if opted in.

    Replacing the processor list removes the SDK's default exporter, so nothing is
    sent to OpenAI's trace endpoint unless ``export_key`` is given (the ``trace-export``
    input). Tracing itself is switched on: with only local processors it costs nothing
    outside this machine, and the trace file is part of the run's record.

    Args:
        processor: the run's JSONL processor.
        export_key: the OpenAI key to export traces with; ``None`` exports nothing.
    """
    from agents import set_trace_processors, set_tracing_disabled, set_tracing_export_api_key

    processors: list[TracingProcessor] = [processor]
    if export_key:
        from agents.tracing import default_exporter
        from agents.tracing.processors import BatchTraceProcessor

        set_tracing_export_api_key(export_key)
        processors.append(BatchTraceProcessor(default_exporter()))
    set_trace_processors(processors)
    set_tracing_disabled(False)
    tracing.set_bridge(_sdk_span)


def _sdk_span(name: str, data: dict[str, Any]) -> Any:
    """``agents.tracing.custom_span`` while an SDK trace is current (inside an agent run)."""
    from agents.tracing import custom_span, get_current_trace

    if get_current_trace() is None:
        return None
    return custom_span(name, data)
