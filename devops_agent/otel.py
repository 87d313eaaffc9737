"""Optional export of a run's spans to OpenTelemetry over OTLP/HTTP (``otel-endpoint``).

Imported only when the input is set, and needs the ``otel`` extra
(``opentelemetry-sdk`` and ``opentelemetry-exporter-otlp-proto-http``). The spans are
the run's trace records (:mod:`devops_agent.tracing`), already finished and redacted:
each becomes an OpenTelemetry ``ReadableSpan`` with the same ids (the trace's 32 hex
digits are its trace id; a span's first 16 its span id), times, parent and error, and
they are exported together when the run ends, in one request. Headers (authorization)
come from OpenTelemetry's own ``OTEL_EXPORTER_OTLP_HEADERS``.

Built on the SDK's exporter rather than a hand-written OTLP client: the protobuf
encoding, retries and headers are the OpenTelemetry project's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags

from devops_agent import __version__

__all__ = ["OtlpExporter", "to_span"]

#: Seconds the export may take at the end of the run (retries included): a collector that
#: is down costs a run at most this.
EXPORT_TIMEOUT = 5.0
_SCOPE = InstrumentationScope("devops-agent", __version__)


def _hex_id(value: Any, digits: int) -> int | None:
    text = str(value or "").split("_", 1)[-1]
    try:
        return int(text[:digits], 16) or None
    except ValueError:
        return None


def _nanoseconds(stamp: Any) -> int | None:
    try:
        return int(datetime.fromisoformat(str(stamp)).timestamp() * 1_000_000_000)
    except ValueError:
        return None


def _name(data: Mapping[str, Any]) -> str:
    kind = str(data.get("type") or "span")
    if kind in ("response", "generation"):
        return "model call"
    if kind == "handoff":
        return f"handoff {data.get('from_agent')} → {data.get('to_agent')}"
    named = data.get("name")
    if kind == "custom":
        return str(named or "span")
    return f"{kind} {named}" if named else kind


def _attributes(data: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {"devops_agent.kind": str(data.get("type") or "")}
    values = dict(data.get("data") or {}) if data.get("type") == "custom" else dict(data)
    usage = values.pop("usage", None)
    if isinstance(usage, Mapping):
        for key in ("input_tokens", "output_tokens"):
            if isinstance(usage.get(key), int):
                found[f"gen_ai.usage.{key}"] = usage[key]
    for key, value in values.items():
        if key in ("type", "name") or value is None:
            continue
        plain = isinstance(value, bool | int | float | str)
        if plain or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            found[f"devops_agent.{key}"] = value
    return found


def to_span(record: Mapping[str, Any], resource: Resource) -> ReadableSpan | None:
    """One trace record as an OpenTelemetry span, or ``None`` when it is not a span.

    Args:
        record: A record of the run's trace file (the Agents SDK's export shape);
            trace records and spans without readable hex ids are skipped.
        resource: The OpenTelemetry resource (service name, version) every span carries.

    Returns:
        A finished span with the record's ids, parent, times and error status, named for
        its kind (``model call``, ``handoff a → b``, ``function NAME``, a custom span's
        name), its plain-valued data and token usage as attributes; or ``None``.
    """
    if record.get("object") != "trace.span":
        return None
    trace_id = _hex_id(record.get("trace_id"), 32)
    span_id = _hex_id(record.get("id"), 16)
    if trace_id is None or span_id is None:
        return None
    flags = TraceFlags(TraceFlags.SAMPLED)
    parent_id = _hex_id(record.get("parent_id"), 16)
    parent = (
        SpanContext(trace_id, parent_id, is_remote=False, trace_flags=flags) if parent_id else None
    )
    data = record.get("span_data") or {}
    error = record.get("error")
    status = (
        Status(StatusCode.ERROR, str(error.get("message") or "error"))
        if isinstance(error, Mapping)
        else Status(StatusCode.UNSET)
    )
    return ReadableSpan(
        name=_name(data),
        context=SpanContext(trace_id, span_id, is_remote=False, trace_flags=flags),
        parent=parent,
        resource=resource,
        attributes=_attributes(data),
        kind=SpanKind.INTERNAL,
        status=status,
        start_time=_nanoseconds(record.get("started_at")),
        end_time=_nanoseconds(record.get("ended_at")),
        instrumentation_scope=_SCOPE,
    )


class OtlpExporter:
    """A sink of :class:`devops_agent.tracing.RunTrace` that exports over OTLP/HTTP.

    Args:
        endpoint: the collector's traces endpoint, e.g. ``http://localhost:4318/v1/traces``.
        metadata: the run's facts, added to the resource (``devops_agent.repository``…).
    """

    def __init__(self, endpoint: str, metadata: Mapping[str, str]) -> None:
        self.endpoint = endpoint
        self.resource = Resource.create(
            {
                "service.name": "devops-agent",
                "service.version": __version__,
                **{f"devops_agent.{k}": str(v) for k, v in metadata.items() if v},
            }
        )
        self.spans: list[ReadableSpan] = []
        self.exported: bool | None = None
        """``True`` when the collector took the spans, ``False`` when not; ``None`` before."""

    def __call__(self, record: dict[str, Any]) -> None:
        made = to_span(record, self.resource)
        if made is not None:
            self.spans.append(made)

    def close(self) -> None:
        """Export every span of the run in one request."""
        if not self.spans:
            return
        from opentelemetry.sdk.trace.export import SpanExportResult

        exporter = OTLPSpanExporter(endpoint=self.endpoint, timeout=EXPORT_TIMEOUT)
        try:
            self.exported = exporter.export(self.spans) == SpanExportResult.SUCCESS
        finally:
            exporter.shutdown()
