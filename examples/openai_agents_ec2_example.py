"""Ask devops-agent's agents a question about EC2, on the sandbox account.

The triage agent hands the question to the EC2 specialist, which calls the
``list_instances`` tool over boto3; the answer is built from what AWS returned.

Offline by default: moto's sandbox stands in for AWS and a scripted model for
OpenAI. With ``OPENAI_API_KEY`` (and optionally ``OPENAI_BASE_URL``) set, the same
program asks a real model instead.

    python examples/openai_agents_ec2_example.py
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import boto3
from agents.testing import ScriptedModel, assistant_message, function_call
from agents.testing.model import ModelStep

from devops_agent.app import ask_agent
from devops_agent.report import render_body
from devops_agent_sandbox.demo import sandbox, sandbox_context, seed_github
from devops_agent_sandbox.estate import seed

QUESTION = "Which EC2 instances are running, in every region we use?"


def answer_from_tool_output(call: object) -> list[object]:
    """The scripted model's last turn: an answer made from the tool's real output."""
    output = next(i["output"] for i in reversed(call.input) if "output" in i)  # type: ignore[attr-defined]
    instances = json.loads(output)["data"]
    lines = [
        f"- {i['name']} ({i['id']}), {i['type']} in {i['availability_zone']}" for i in instances
    ]
    return [assistant_message("Running instances:\n" + "\n".join(lines))]


def scripted_model() -> ScriptedModel:
    """What a real model does with this question, turn by turn."""
    return ScriptedModel(
        [
            [function_call("transfer_to_ec2", {}, call_id="h1")],
            [function_call("list_instances", {"region": "all", "state": "running"}, call_id="t1")],
            ModelStep.respond(answer_from_tool_output),
        ]
    )


def main() -> None:
    with sandbox() as (github, _endpoint), tempfile.TemporaryDirectory() as tmp:
        seed(boto3.Session(region_name="us-east-1"))
        seed_github(github)
        ctx = sandbox_context(github, workspace=Path(tmp))
        model = None if os.environ.get("OPENAI_API_KEY") else scripted_model()
        result = ask_agent(ctx, QUESTION, model=model)
        print(render_body(result))


if __name__ == "__main__":
    main()
