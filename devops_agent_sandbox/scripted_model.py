"""A scripted OpenAI-compatible server on 127.0.0.1: the model for end-to-end runs.

It answers ``POST /responses`` and ``POST /chat/completions`` (non-streamed) in the
response shapes of the OpenAI API, replaying a script: tool calls first, then a final
message. Every request body is recorded, so a test can check what left the process.

It also acts as an HTTP proxy that refuses everything: point ``HTTPS_PROXY`` at it and
any request for another host (``api.openai.com``'s trace endpoint, say) shows up in
:attr:`ScriptedOpenAI.tunnels` instead of leaving the machine.

Script steps (one per model request, in order):

* ``{"call": "name", "arguments": {...}}`` or ``{"calls": [{"call", "arguments"}, ...]}``:
  the model calls tools (a handoff is a tool call named ``transfer_to_<agent>``);
* ``{"say": "text"}``: the model answers;
* ``{"summarize": True}``: the model answers with the ``name (id)`` of each item in
  the last tool result it was sent (proof that tool output reached it).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "gpt-5-mini-2025-08-07"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_CONNECT(self) -> None:
        self.server.owner.tunnels.append(self.path)
        self._send(403, {"error": "this proxy refuses everything"})
        self.close_connection = True

    def do_GET(self) -> None:
        if self.path.startswith("http"):
            self.server.owner.tunnels.append(self.path)
        self._send(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8")
        owner = self.server.owner
        path = self.path.split("?")[0]
        owner.requests.append(
            {"path": path, "body": raw, "authorization": self.headers.get("Authorization", "")}
        )
        try:
            body = json.loads(raw or "{}")
        except ValueError:
            body = {}
        if path.endswith("/responses"):
            self._send(200, owner.respond("responses", body))
        elif path.endswith("/chat/completions"):
            self._send(200, owner.respond("chat", body))
        else:
            self._send(404, {"error": {"message": f"no route {path}", "type": "not_found"}})

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", f"req_{int(time.time() * 1000)}")
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: ScriptedOpenAI


class ScriptedOpenAI:
    """The server; use as a context manager. ``url`` is what ``openai-base-url`` takes."""

    def __init__(self) -> None:
        self.script: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.tunnels: list[str] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The OpenAI-compatible base URL (what ``openai-base-url`` takes)."""
        return f"{self.proxy}/v1"

    @property
    def proxy(self) -> str:
        """``http://127.0.0.1:PORT``: the server as an HTTP(S) proxy that refuses everything."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> ScriptedOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self, script: list[dict[str, Any]]) -> None:
        with self._lock:
            self.script = list(script)
            self.requests.clear()
            self.tunnels.clear()

    # -- answers -------------------------------------------------------------------

    def _next(self, body: dict[str, Any], api: str) -> dict[str, Any]:
        with self._lock:
            if not self.script:
                return {"say": "(the script has ended)"}
            step = self.script.pop(0)
        if step.get("summarize"):
            return {"say": _summary(_last_tool_output(body, api))}
        return step

    def respond(self, api: str, body: dict[str, Any]) -> dict[str, Any]:
        step = self._next(body, api)
        calls = step.get("calls") or ([step] if "call" in step else [])
        n = next(self._ids)
        usage_in = len(json.dumps(body)) // 4
        usage_out = 20 + 10 * len(calls)
        if api == "chat":
            return _chat(n, calls, step.get("say"), usage_in, usage_out)
        return _responses(n, calls, step.get("say"), usage_in, usage_out)


def _last_tool_output(body: dict[str, Any], api: str) -> str:
    items = body.get("input") if api == "responses" else body.get("messages")
    for item in reversed(items or []):
        if api == "responses" and item.get("type") == "function_call_output":
            return str(item.get("output", ""))
        if api == "chat" and item.get("role") == "tool":
            content = item.get("content")
            if isinstance(content, list):
                return "".join(str(p.get("text", "")) for p in content)
            return str(content or "")
    return ""


def _summary(output: str) -> str:
    try:
        data = json.loads(output).get("data")
    except (ValueError, AttributeError):
        return "I could not read the tool result."
    items = data if isinstance(data, list) else [data]
    found = [
        f"{item.get('name') or '-'} ({item.get('id')})"
        for item in items
        if isinstance(item, dict) and item.get("id")
    ]
    return "Found: " + (", ".join(found) if found else "nothing") + "."


def _responses(
    n: int, calls: list[dict[str, Any]], say: str | None, usage_in: int, usage_out: int
) -> dict[str, Any]:
    """A Response object as ``POST /v1/responses`` returns it."""
    output: list[dict[str, Any]] = [
        {
            "type": "function_call",
            "id": f"fc_{n}_{i}",
            "call_id": f"call_{n}_{i}",
            "name": call["call"],
            "arguments": json.dumps(call.get("arguments", {})),
            "status": "completed",
        }
        for i, call in enumerate(calls)
    ]
    if say is not None:
        output.append(
            {
                "type": "message",
                "id": f"msg_{n}",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": say, "annotations": []}],
            }
        )
    return {
        "id": f"resp_{n:024d}",
        "object": "response",
        "created_at": int(time.time()),
        "status": "completed",
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "model": MODEL,
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "service_tier": "default",
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": {
            "input_tokens": usage_in,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": usage_out,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": usage_in + usage_out,
        },
        "user": None,
        "metadata": {},
    }


def _chat(
    n: int, calls: list[dict[str, Any]], say: str | None, usage_in: int, usage_out: int
) -> dict[str, Any]:
    """A chat completion as ``POST /v1/chat/completions`` returns it."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": say,
        "refusal": None,
        "annotations": [],
    }
    if calls:
        message["tool_calls"] = [
            {
                "id": f"call_{n}_{i}",
                "type": "function",
                "function": {"name": c["call"], "arguments": json.dumps(c.get("arguments", {}))},
            }
            for i, c in enumerate(calls)
        ]
    return {
        "id": f"chatcmpl-{n:024d}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if calls else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": usage_in,
            "completion_tokens": usage_out,
            "total_tokens": usage_in + usage_out,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": None,
    }
