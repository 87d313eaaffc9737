"""How big the agent's model requests are, and how many round trips a question takes.

Measured in one run, on the bytes the OpenAI client would send (the real
``OpenAIResponsesModel`` / ``OpenAIChatCompletionsModel`` over an in-memory HTTP
transport that records each request and replays scripted answers; nothing leaves
the machine):

* the first request of each agent: its instructions plus its tool and handoff
  schemas, in characters and estimated tokens (characters / 4; tiktoken is not a
  dependency), for triage, each specialist, and one flat agent holding every tool;
* round trips for a one-tool question ("which instances are running?") through
  ``devops_agent.agent.answer`` against the sandbox estate in moto, for the
  triage design and for the flat agent.

Goals: the triage request under a third of the flat one; at most 3 round trips.

Usage: python bench/agent_prompt.py [--api responses|chat_completions]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
os.environ.pop("AWS_ENDPOINT_URL", None)


class Recorder:
    """An httpx2 transport that records request bodies and answers from a script."""

    def __init__(self, api: str) -> None:
        self.api = api
        self.bodies: list[dict[str, Any]] = []
        self.script: list[dict[str, Any]] = []

    def handle(self, request: Any) -> Any:
        import httpx2

        body = json.loads(request.content or b"{}")
        self.bodies.append(body)
        step = self.script.pop(0) if self.script else {"say": "ok"}
        return httpx2.Response(200, json=_answer(self.api, len(self.bodies), step))


def _answer(api: str, n: int, step: dict[str, Any]) -> dict[str, Any]:
    usage_out = 10
    if api == "chat_completions":
        message: dict[str, Any] = {"role": "assistant", "content": step.get("say")}
        if "call" in step:
            message["tool_calls"] = [
                {
                    "id": f"call_{n}",
                    "type": "function",
                    "function": {"name": step["call"], "arguments": json.dumps(step["args"])},
                }
            ]
        return {
            "id": f"chatcmpl-{n}",
            "object": "chat.completion",
            "created": 0,
            "model": "bench",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if "call" in step else "stop",
                }
            ],
            "usage": {"prompt_tokens": 0, "completion_tokens": usage_out, "total_tokens": 10},
        }
    if "call" in step:
        output: list[dict[str, Any]] = [
            {
                "type": "function_call",
                "id": f"fc_{n}",
                "call_id": f"call_{n}",
                "name": step["call"],
                "arguments": json.dumps(step["args"]),
                "status": "completed",
            }
        ]
    else:
        output = [
            {
                "type": "message",
                "id": f"msg_{n}",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": step["say"], "annotations": []}],
            }
        ]
    return {
        "id": f"resp_{n}",
        "object": "response",
        "created_at": 0,
        "status": "completed",
        "model": "bench",
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": {
            "input_tokens": 0,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": usage_out,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": usage_out,
        },
    }


def _model(api: str, recorder: Recorder) -> Any:
    import httpx2
    from agents import OpenAIChatCompletionsModel, OpenAIResponsesModel
    from openai import AsyncOpenAI

    client = AsyncOpenAI(
        api_key="sk-bench",
        base_url="http://model.invalid/v1",
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(recorder.handle)),
        max_retries=0,
    )
    if api == "chat_completions":
        return OpenAIChatCompletionsModel(model="bench", openai_client=client)
    return OpenAIResponsesModel(model="bench", openai_client=client)


def _ctx(workspace: Path) -> Any:
    from devops_agent.testing import make_context, make_local

    return make_context(
        workspace=workspace,
        requester="bench",
        event=make_local(actor="bench"),
        openai_api_key="sk-bench",
        aws_regions=("us-east-1", "eu-west-1"),
    )


def _prompt_size(api: str, body: dict[str, Any]) -> tuple[int, int]:
    """Characters of the instructions and of the tool schemas in one request body."""
    if api == "chat_completions":
        system = "".join(
            str(m.get("content") or "") for m in body.get("messages", []) if m["role"] == "system"
        )
    else:
        system = str(body.get("instructions") or "")
    tools = json.dumps(body.get("tools") or [], separators=(",", ":"))
    return len(system), len(tools)


def first_requests(api: str, ctx: Any) -> list[tuple[str, int, int, int]]:
    """(agent, instructions chars, tool schema chars, whole body chars) of each first request."""
    from agents import RunConfig, Runner

    from devops_agent.agent.specialists import build_specialists, flat_agent
    from devops_agent.agent.triage import build_triage

    specialists = build_specialists()
    agents = [("triage", build_triage(specialists, ())), *((a.name, a) for a in specialists)]
    agents.append(("flat (every tool)", flat_agent()))
    rows = []
    for name, agent in agents:
        recorder = Recorder(api)
        config = RunConfig(model=_model(api, recorder), tracing_disabled=True)
        asyncio.run(
            Runner.run(agent, "which instances are running?", context=ctx, run_config=config)
        )
        body = recorder.bodies[0]
        system, tools = _prompt_size(api, body)
        rows.append((name, system, tools, len(json.dumps(body, separators=(",", ":")))))
    return rows


def round_trips(api: str, ctx: Any) -> dict[str, int]:
    """Model requests for a one-tool question, with triage and with the flat agent."""
    import boto3
    from agents import RunConfig, Runner
    from moto import mock_aws

    from devops_agent.agent.specialists import flat_agent
    from devops_agent.app import ask_agent
    from devops_agent_sandbox.estate import seed

    ask = {"call": "list_instances", "args": {"region": None, "state": "running"}}
    found: dict[str, int] = {}
    with mock_aws():
        seed(boto3.Session(region_name="us-east-1"))
        recorder = Recorder(api)
        recorder.script = [{"call": "transfer_to_ec2", "args": {}}, ask, {"say": "web-1 runs."}]
        result = ask_agent(ctx, "which instances are running?", model=_model(api, recorder))
        assert result.status == "success", result.text
        found["triage → ec2"] = len(recorder.bodies)
        recorder = Recorder(api)
        recorder.script = [ask, {"say": "web-1 runs."}]
        config = RunConfig(model=_model(api, recorder), tracing_disabled=True)
        asyncio.run(
            Runner.run(flat_agent(), "which instances are running?", context=ctx, run_config=config)
        )
        found["flat"] = len(recorder.bodies)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", choices=["responses", "chat_completions"], default="responses")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        ctx = _ctx(Path(tmp))
        rows = first_requests(args.api, ctx)
        trips = round_trips(args.api, ctx)

    flat = next(r for r in rows if r[0].startswith("flat"))
    flat_prompt = flat[1] + flat[2]
    print(f"First model request per agent ({args.api} API); tokens ≈ characters / 4\n")
    print(
        f"{'agent':<20}{'instructions':>14}{'tool schemas':>14}{'prompt':>10}{'≈tokens':>9}{'body':>9}{'vs flat':>9}"
    )
    for name, system, tools, body in rows:
        prompt = system + tools
        print(
            f"{name:<20}{system:>14,}{tools:>14,}{prompt:>10,}{prompt // 4:>9,}{body:>9,}"
            f"{prompt / flat_prompt:>9.2f}"
        )
    triage = rows[0][1] + rows[0][2]
    biggest = max(rows[1:-1], key=lambda r: r[1] + r[2])
    print()
    print(f"ratio triage / flat:              {triage / flat_prompt:.2f}  (goal < 0.33)")
    largest = (biggest[1] + biggest[2]) / flat_prompt
    print(
        f"ratio largest specialist / flat:  {largest:.2f}  ({biggest[0]}; goal ≤ 0.33 for "
        f"every specialist: {'met' if largest <= 0.33 else 'NOT met'})"
    )
    from devops_agent import catalog
    from devops_agent.operation import Write

    ops = catalog.declarations()
    reads = [op for op in ops if not isinstance(op, Write)]
    writes = [op for op in ops if isinstance(op, Write)]
    via = {step.name for op in writes if op.for_agent for step in catalog._all_emitted(op)}
    reached = [op for op in writes if op.for_agent or op.name in via]
    print(
        f"operations the agent reaches:     {sum(op.for_agent for op in reads)} of {len(reads)} "
        f"reads as tools; {len(reached)} of {len(writes)} writes ({sum(op.for_agent for op in writes)} "
        f"as tools, the rest as steps of their plans); {len(ops)} operations in all"
    )
    for op in ops:
        if not op.for_agent and op.name not in via:
            print(f"  not for the agent: {op.name}: {op.agent}")
    print(
        f"round trips, one-tool question:   {trips['triage → ec2']} with triage (goal ≤ 3), "
        f"{trips['flat']} with the flat agent"
    )


if __name__ == "__main__":
    main()
