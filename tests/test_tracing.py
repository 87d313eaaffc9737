"""Tracing end to end: the command path, planning, apply, the audit and the agent in one
trace per run, in the SDK's span shape; the optional OTLP export to a local collector.

The collector is a small HTTP server on 127.0.0.1 that decodes what it receives with
OpenTelemetry's own protobuf classes (the ``otel`` extra).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from agents.testing import ScriptedModel, assistant_message, function_call
from conftest import REPO
from moto import mock_aws

from devops_agent import tracing
from devops_agent.sanitize import Redactor
from devops_agent.testing import make_context

REGIONS = ("us-east-1", "eu-west-1")
WRITE_ROLE = "arn:aws:iam::123456789012:role/devops-agent-write"


def spans_of(path: Path) -> list[dict[str, Any]]:
    return [
        line
        for line in map(json.loads, path.read_text().splitlines())
        if line.get("object") == "trace.span"
    ]


def named(spans: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [
        s
        for s in spans
        if s["span_data"].get("name") == name and s["span_data"]["type"] == "custom"
    ]


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        for region in REGIONS:
            session.client("ec2", region_name=region).run_instances(
                ImageId="ami-12c6146b", MinCount=1, MaxCount=1
            )
        yield session


def ctx_for(tmp_path: Path, session: boto3.Session, **inputs: Any) -> Any:
    (tmp_path / "output").write_text("")
    return make_context(
        workspace=tmp_path,
        session=session,
        aws_regions=REGIONS,
        environ={"GITHUB_OUTPUT": str(tmp_path / "output"), "GITHUB_RUN_ID": "77"},
        **inputs,
    )


# --------------------------------------------------------------------------- the facade


def test_a_command_is_one_trace_of_nested_spans_in_the_sdks_shape(tmp_path, account):
    from devops_agent.app import execute

    result = execute(ctx_for(tmp_path, account), "ec2 list --region all")
    assert result.status == "success"
    lines = [json.loads(x) for x in (tmp_path / tracing.TRACE_PATH).read_text().splitlines()]
    assert lines[0]["event"] == "trace_start" and lines[-1]["event"] == "trace_end"
    assert lines[0]["metadata"] == {"repository": REPO, "run_id": "77"}
    spans = spans_of(tmp_path / tracing.TRACE_PATH)
    trace_id = lines[0]["id"]
    assert {s["trace_id"] for s in spans} == {trace_id}
    [request] = named(spans, "request")
    [read] = named(spans, "read")
    regions = named(spans, "region")
    assert request["parent_id"] is None and read["parent_id"] == request["id"]
    assert {r["span_data"]["data"]["region"] for r in regions} == set(REGIONS)
    assert {r["parent_id"] for r in regions} == {read["id"]}
    assert read["span_data"]["data"] == {
        "operation": "ec2.list_instances",
        "service": "ec2",
        "items": 2,
        "not_read": 0,
    }
    assert request["span_data"]["data"]["status"] == "success"
    for span in spans:
        assert span["id"].startswith("span_") and len(span["id"]) == 29
        assert span["started_at"] <= span["ended_at"]


def test_an_error_is_recorded_by_type_never_by_its_words(tmp_path):
    path = tmp_path / "t.jsonl"
    with (
        tracing.run_trace(path, Redactor()),
        pytest.raises(ValueError, match="the user typed"),
        tracing.span("step"),
    ):
        raise ValueError("the user typed ghp_" + "a" * 36)
    [span] = spans_of(path)
    assert span["error"] == {"message": "ValueError", "data": {"code": ""}}
    assert "ghp_" not in path.read_text()


def test_secrets_in_span_data_are_redacted_before_any_sink(tmp_path):
    seen: list[dict[str, Any]] = []
    path = tmp_path / "t.jsonl"
    trace = tracing.RunTrace(path, Redactor(), exporters=[seen.append])
    token = "ghp_" + "b" * 36
    trace.emit({"object": "trace.span", "span_data": {"type": "custom", "data": {"x": token}}})
    assert token not in path.read_text() and token not in json.dumps(seen)


def test_outside_a_run_a_span_costs_nothing_and_writes_nothing(tmp_path):
    with tracing.span("alone") as data:
        data["x"] = 1
    assert tracing.current() is None


def test_the_command_path_never_imports_the_agents_sdk(tmp_path):
    code = (
        "import sys, devops_agent.app, devops_agent.commands, devops_agent.tracing as t\n"
        "from devops_agent.sanitize import Redactor\n"
        "from pathlib import Path\n"
        f"with t.run_trace(Path({str(tmp_path / 'x.jsonl')!r}), Redactor()):\n"
        "    with t.span('read'): pass\n"
        "print('agents' in sys.modules, 'openai' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
    assert len(spans_of(tmp_path / "x.jsonl")) == 1


# --------------------------------------------------------------------------- with the agent


def test_the_agents_spans_and_ours_share_one_trace_and_nest(tmp_path, account):
    """A region span opened by the tool's read is a custom span of the SDK under the
    tool's function span; the SDK's agent spans carry the run's trace id."""
    from devops_agent.app import ask_agent

    ctx = ctx_for(tmp_path, account, openai_api_key="sk-test-" + "t" * 32)
    model = ScriptedModel(
        [
            [function_call("transfer_to_ec2", {}, call_id="t")],
            [function_call("list_instances", {"region": "all"}, call_id="l")],
            [assistant_message("Two instances.")],
        ]
    )
    path = tmp_path / tracing.TRACE_PATH
    with tracing.run_trace(path, ctx.redactor) as run:
        result = ask_agent(ctx, "what runs?", model=model)
    assert result.status == "success"
    spans = spans_of(path)
    assert {s["trace_id"] for s in spans} == {run.trace_id}
    kinds = {s["span_data"]["type"] for s in spans}
    assert {"agent", "function", "handoff", "custom"} <= kinds
    [tool] = [s for s in spans if s["span_data"]["type"] == "function"]
    regions = named(spans, "region")
    assert {r["parent_id"] for r in regions} == {tool["id"]}
    starts = [
        x for x in map(json.loads, path.read_text().splitlines()) if x.get("object") == "trace"
    ]
    assert len(starts) == 2  # one trace: our start and end, not the SDK's second copy


# --------------------------------------------------------------------------- plan and apply, OTLP


class _Collector(BaseHTTPRequestHandler):
    received: list[bytes]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.server.received.append(self.rfile.read(length))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def collector() -> Iterator[tuple[str, list[bytes]]]:
    pytest.importorskip("opentelemetry.exporter.otlp.proto.http")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1/traces", server.received  # type: ignore[attr-defined]
    finally:
        server.shutdown()


def otlp_spans(bodies: list[bytes]) -> list[Any]:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    found = []
    for body in bodies:
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                found.extend((resource.resource, s) for s in scope.spans)
    return found


@pytest.mark.in_process
def test_plan_and_apply_are_traced_and_exported_over_otlp(
    action, github, server_session, estate, collector
):
    endpoint, received = collector
    web1 = estate["instances"]["web-1"]["id"]
    planned = action.comment(
        f"/devops ec2 stop {web1}", aws_write_role_to_assume=WRITE_ROLE, otel_endpoint=endpoint
    )
    assert planned.outputs["status"] == "planned", planned.stdout
    spans = spans_of(planned.workspace / tracing.TRACE_PATH)
    assert [s["span_data"]["name"] for s in spans] == ["preview", "propose plan", "request"]
    plan_id = planned.outputs["plan-id"]
    assert named(spans, "propose plan")[0]["span_data"]["data"]["plan_id"] == plan_id

    applied = action.comment(
        f"/devops apply {plan_id}",
        pr=1,
        aws_write_role_to_assume=WRITE_ROLE,
        otel_endpoint=endpoint,
    )
    assert applied.outputs["status"] == "applied", applied.stdout
    spans = spans_of(applied.workspace / tracing.TRACE_PATH)
    [carried] = named(spans, "carry out")
    [apply] = named(spans, "apply")
    assert carried["parent_id"] == apply["id"]
    assert carried["span_data"]["data"]["operation"] == "ec2.instance_state"
    assert apply["span_data"]["data"]["status"] == "applied"

    assert len(received) == 2  # one export per run, at its end
    exported = otlp_spans(received)
    names = [s.name for _, s in exported]
    assert names.count("request") == 2 and "carry out" in names and "propose plan" in names
    resource, _ = exported[0]
    attrs = {a.key: a.value.string_value for a in resource.attributes}
    assert attrs["service.name"] == "devops-agent" and attrs["devops_agent.repository"] == REPO
    ours = json.loads((applied.workspace / tracing.TRACE_PATH).read_text().splitlines()[0])
    assert any(s.trace_id.hex() == ours["id"].removeprefix("trace_") for _, s in exported)
    by_id = {s.span_id: s for _, s in exported}
    carry = next(s for _, s in exported if s.name == "carry out")
    assert by_id[carry.parent_span_id].name == "apply"


def test_without_the_otel_extra_the_run_goes_on_and_says_why(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "devops_agent.otel", None)  # as if not installed
    warnings: list[str] = []
    with (
        tracing.run_trace(
            None, Redactor(), otel_endpoint="http://127.0.0.1:9/v1/traces", warn=warnings.append
        ) as run,
        tracing.span("read"),
    ):
        pass
    assert run.exporters == [] and run.spans == 1
    assert "pip install 'devops-agent-action[otel]'" in warnings[0]


def test_an_unreachable_collector_never_fails_the_run(tmp_path):
    pytest.importorskip("opentelemetry.exporter.otlp.proto.http")
    with (
        tracing.run_trace(None, Redactor(), otel_endpoint="http://127.0.0.1:9/v1/traces") as run,
        tracing.span("read"),
    ):
        pass
    [exporter] = run.exporters
    assert exporter.exported is False  # type: ignore[attr-defined]


def test_otel_endpoint_must_be_a_url(tmp_path):
    from devops_agent.errors import ConfigError

    with pytest.raises(ConfigError, match="otel-endpoint"):
        make_context(workspace=tmp_path, otel_endpoint="collector:4318")
