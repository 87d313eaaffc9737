"""The agent end to end: `devops-agent action` as a process, talking HTTP to a scripted
OpenAI-compatible server, AWS as moto's server, GitHub as the fake one.

Both APIs (Responses and Chat Completions) are driven through ``openai-base-url`` or
``OPENAI_BASE_URL``. The scripted server doubles as the process's HTTPS proxy, so a
request for any other host (OpenAI's trace endpoint) would be recorded, not sent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

import pytest
from conftest import REPO, TOKEN, ActionHarness

from devops_agent_sandbox.estate import seed
from devops_agent_sandbox.scripted_model import ScriptedOpenAI

pytestmark = pytest.mark.e2e

OPENAI_KEY = "sk-test-e2eKey0000000000000000000000000000"
#: AWS credentials the run holds (moto accepts any): they must never reach the model server.
AWS_KEYS = {
    "AWS_ACCESS_KEY_ID": "AKIAUJZDE8GXD6NCF10E",
    "AWS_SECRET_ACCESS_KEY": "spNxnyVmihA/2O76UMFxFkM/R5Kjp1vRt+1fjORS",
}


@pytest.fixture(scope="module")
def openai_server():
    with ScriptedOpenAI() as server:
        yield server


@pytest.fixture(scope="module")
def estate(moto_server):
    """The sandbox estate, seeded once for this module (the tests change nothing)."""
    import boto3

    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", moto_server)
        return seed(boto3.Session(region_name="us-east-1"))


@pytest.fixture
def action(tmp_path, github, moto_server, estate):
    """The conftest harness, without resetting AWS (the module's estate stays)."""
    github.set_permission(REPO, "alice", "maintain")
    return ActionHarness(tmp=tmp_path, github=github, aws_endpoint=moto_server)


def agent_env(action, openai_server, comment: str, **inputs: str) -> dict[str, str]:
    """The Actions environment for a comment, with the agent's model and a trap proxy."""
    pull = action.github.add_pull(REPO, title="Change", user="alice")
    env = action.comment_env(comment, pr=pull["number"], openai_api_key=OPENAI_KEY, **inputs)
    env.pop("OPENAI_AGENTS_DISABLE_TRACING", None)  # the run itself must keep traces local
    env.update(AWS_KEYS)
    env["OPENAI_API_KEY"] = OPENAI_KEY  # what would make the SDK export traces to OpenAI
    env["HTTPS_PROXY"] = env["HTTP_PROXY"] = openai_server.proxy
    env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


def answer_of(github, number):
    (comment,) = [c for c in github.comments(REPO, number) if "devops-agent:answer" in c["body"]]
    return comment["body"]


def assert_nothing_secret_left(openai_server):
    assert openai_server.requests, "the model server saw no request"
    for request in openai_server.requests:
        body = request["body"]
        for secret in (TOKEN, OPENAI_KEY, *AWS_KEYS.values()):
            assert secret not in body
    assert openai_server.tunnels == []  # nothing left for api.openai.com or anywhere else


@pytest.mark.parametrize("api", ["responses", "chat_completions"])
def test_a_question_is_answered_over_http(action, github, estate, openai_server, api):
    web1 = estate["instances"]["web-1"]["id"]
    openai_server.reset(
        [
            {"call": "transfer_to_ec2", "arguments": {}},
            {"call": "list_instances", "arguments": {"region": None, "state": "running"}},
            {"summarize": True},
        ]
    )
    inputs = {"openai_api": api}
    env = agent_env(action, openai_server, "/devops which instances are running?", **inputs)
    if api == "chat_completions":
        env["OPENAI_BASE_URL"] = openai_server.url  # the ecosystem variable, as fallback
    else:
        env["INPUT_OPENAI-BASE-URL"] = openai_server.url
    run = action.run(env)
    assert run.code == 0, run.stdout + run.stderr
    assert run.outputs["status"] == "success"
    body = answer_of(github, 1)
    assert f"web-1 ({web1})" in body
    assert "worker-1" not in body  # stopped: the tool filtered it, the model said what it read
    assert "3 model requests" in body and "triage → EC2" in body

    paths = {r["path"] for r in openai_server.requests}
    assert paths == {"/v1/responses" if api == "responses" else "/v1/chat/completions"}
    assert len(openai_server.requests) == 3
    assert all(r["authorization"] == f"Bearer {OPENAI_KEY}" for r in openai_server.requests)
    assert_nothing_secret_left(openai_server)

    result = json.loads(run.outputs["result"])
    assert result["data"]["usage"]["requests"] == 3
    assert result["data"]["usage"]["total_tokens"] > 0
    trace = (run.workspace / ".devops-agent" / "trace.jsonl").read_text()
    spans = [json.loads(line) for line in trace.splitlines()]
    kinds = {s.get("span_data", {}).get("type") for s in spans}
    assert {"agent", "function", "handoff", "guardrail"} <= kinds
    assert "response" in kinds or "generation" in kinds
    assert OPENAI_KEY not in trace and TOKEN not in trace


def test_the_proxy_trap_would_catch_a_request_to_openai(openai_server):
    """Control for the checks above: an HTTPS request to api.openai.com hits the trap."""
    openai_server.reset([])
    env = {**os.environ, "HTTPS_PROXY": openai_server.proxy, "NO_PROXY": "127.0.0.1"}
    code = (
        "import httpx2\n"
        "try:\n"
        "    httpx2.get('https://api.openai.com/v1/traces/ingest', timeout=5)\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__)\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=30)
    assert openai_server.tunnels == ["api.openai.com:443"]
