"""The agent carries a task through an approval (issue 18, item 1), in process.

Ask → the agent proposes → the plan keeps the paused run → ``/devops apply`` → the agent
resumes with the real results of the approved calls and finishes the task, in the same
thread. The real Agents SDK against ``agents.testing.ScriptedModel``, AWS as moto in
process, GitHub as the fake REST API; the plan is posted and applied through the real
publisher and apply path.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from agents.testing import ScriptedModel, assistant_message, function_call
from conftest import PLAN_KEY, REPO, TOKEN

from devops_agent import continuation, plans
from devops_agent.context import DevOpsContext
from devops_agent.errors import Refused
from devops_agent.signing import SigningKey
from devops_agent.testing import make_comment, make_context

OPENAI_KEY = "sk-test-unitKey000000000000000000000000000"
ROLE = "arn:aws:iam::123456789012:role/devops-agent-write"
KEY = SigningKey(PLAN_KEY)
WRITES = ("Stop", "Start", "Reboot", "Terminate", "Create", "Delete", "Modify", "Put")


@pytest.fixture(autouse=True)
def no_real_model(monkeypatch):
    """Any HTTP request through the OpenAI client stack fails the test."""
    import httpx2

    async def refuse_async(self, request, *args, **kwargs):
        raise AssertionError(f"a real model call was attempted: {request.url}")

    monkeypatch.setattr(httpx2.AsyncClient, "send", refuse_async)


@pytest.fixture(scope="module")
def estate():
    import boto3
    from moto import mock_aws

    from devops_agent_sandbox.estate import seed

    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        summary = seed(session)
        summary["session"] = session
        yield summary


@pytest.fixture
def web1(estate):
    """web-1's id; running again after the test, whatever the test did to it."""
    instance = estate["instances"]["web-1"]["id"]
    yield instance
    ec2 = estate["session"].client("ec2", region_name="us-east-1")
    ec2.start_instances(InstanceIds=[instance])


@pytest.fixture
def aws_calls(estate, monkeypatch):
    """Every AWS API operation called, by name."""
    from botocore.client import BaseClient

    calls: list[str] = []
    original = BaseClient._make_api_call

    def record(self, operation_name, api_params):
        calls.append(operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", record)
    return calls


def make_ctx(tmp_path: Path, github, estate, *, event, **inputs: Any) -> DevOpsContext:
    from devops_agent.gh import connect

    tmp_path.mkdir(parents=True, exist_ok=True)
    defaults = {
        "openai_api_key": OPENAI_KEY,
        "github_token": TOKEN,
        "plan_signing_key": PLAN_KEY,
        "aws_regions": ("us-east-1",),
        "aws_write_role_to_assume": ROLE,
        **inputs,
    }
    return make_context(
        workspace=tmp_path,
        repository=REPO,
        requester=event.author,
        event=event,
        session=estate["session"],
        github=connect(TOKEN, github.url),
        environ={"GITHUB_RUN_ID": "1001", "GITHUB_SHA": "a" * 40},
        **defaults,
    )


class Thread:
    """One pull request: comments by people, answers posted as the action posts them."""

    def __init__(self, tmp_path: Path, github, estate) -> None:
        github.set_permission(REPO, "alice", "maintain")
        github.set_permission(REPO, "bob", "maintain")
        self.github, self.estate, self.tmp = github, estate, tmp_path
        self.number = int(github.add_pull(REPO, title="Change", user="alice")["number"])
        self.runs = 0

    def context(self, body: str, login: str = "alice", **inputs: Any) -> DevOpsContext:
        created = self.github.add_comment(REPO, self.number, body=body, user=login)
        event = make_comment(
            repository=REPO,
            number=self.number,
            body=body,
            author=login,
            is_pull_request=True,
            comment_id=int(created["id"]),
            created_at=datetime.fromisoformat(created["created_at"].replace("Z", "+00:00")),
        )
        self.runs += 1
        return make_ctx(self.tmp / f"run{self.runs}", self.github, self.estate, event=event, **inputs)

    def post(self, ctx: DevOpsContext, result) -> str:
        """Publish ``result`` as the action does; the answer comment's body."""
        from devops_agent.publish import Publisher

        Publisher(ctx.runner, ctx.event, gh=ctx.github).finish(result)
        return self.answers()[-1]["body"]

    def answers(self) -> list[dict[str, Any]]:
        return [c for c in self.github.comments(REPO, self.number) if "devops-agent:" in c["body"]]

    def plan_comment(self, plan_id: str) -> dict[str, Any]:
        (found,) = [
            c for c in self.answers() if f"devops-agent:plan {plan_id} " in c["body"]
        ]
        return found

    def ask(self, request: str, steps: list[Any], **inputs: Any):
        """``/devops REQUEST`` answered by a scripted model, posted; (result, model)."""
        from devops_agent.app import ask_agent

        ctx = self.context(f"/devops {request}", **inputs)
        model = ScriptedModel(steps)
        result = ask_agent(ctx, request, model=model)
        self.post(ctx, result)
        return result, model

    def decide(self, command: str, steps: list[Any] | None, *, login: str = "bob", **inputs: Any):
        """``/devops apply|reject …`` by ``login``, the agent (scripted) continuing; posted."""
        from devops_agent.app import continue_agent, failure
        from devops_agent.commands import run_command
        from devops_agent.errors import DevOpsError

        ctx = self.context(f"/devops {command}", login=login, **inputs)
        model = ScriptedModel(steps) if steps is not None else None
        try:
            result = run_command(ctx, command)
            assert result is not None
            if result.resume is not None:
                options = {"model": model} if model is not None else {}
                result = continue_agent(ctx, result, **options)
        except DevOpsError as exc:
            result = failure(exc, command)
        self.post(ctx, result)
        return result, model


@pytest.fixture
def thread(tmp_path, github, estate) -> Thread:
    return Thread(tmp_path, github, estate)


def call(name: str, call_id: str, **arguments: Any):
    return function_call(name, arguments, call_id=call_id)


def stop_web1(web1: str) -> list[Any]:
    return [
        [call("transfer_to_ec2", "handoff")],
        [call("describe_instances", "look", instance_ids=[web1], region=None)],
        [call("change_instance_state", "stop", action="stop", instance_ids=[web1], region=None)],
    ]


def output_of(model: ScriptedModel, call_id: str, turn: int = 0) -> dict[str, Any]:
    """The output the model was sent for ``call_id`` in its ``turn``-th request."""
    (found,) = [
        i
        for i in model.calls[turn].input
        if isinstance(i, dict) and i.get("type") == "function_call_output"
        if i.get("call_id") == call_id
    ]
    return json.loads(found["output"])


def instance_state(estate, instance_id: str) -> str:
    ec2 = estate["session"].client("ec2", region_name="us-east-1")
    found = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"]
    return found[0]["State"]["Name"]


def kept_state(body: str, plan_id: str) -> continuation.AgentState:
    payload = continuation.find_payload(body, plan_id)
    assert payload is not None
    return continuation.decode(payload)


# --------------------------------------------------------------------------- the flow


def test_stop_and_tell_me_when_it_is_down_needs_two_comments(thread, web1, estate, aws_calls):
    """Goal 2 of the issue: ask, apply; the answer follows the apply in the same thread."""
    planned, model = thread.ask("stop web-1 and tell me when it is down", stop_web1(web1))
    model.assert_complete()
    assert planned.status == "planned", planned.text
    plan_id = planned.data["plan_id"]
    assert "the agent continues here" in planned.text
    body = thread.plan_comment(plan_id)["body"]
    (block,) = plans.find_blocks(body)
    kept = kept_state(body, plan_id)
    assert block.plan.agent_state_sha256 == continuation.digest(
        continuation.find_payload(body, plan_id) or ""
    )
    assert [(c.call_id, c.tool, c.entries) for c in kept.calls] == [
        ("stop", "change_instance_state", [1])
    ]
    assert kept.state and kept.agent == "ec2" and kept.request.startswith("stop web-1")
    assert 0 < planned.data["agent_state_chars"] <= continuation.MAX_STATE_CHARS
    assert instance_state(estate, web1) == "running"

    aws_calls.clear()
    applied, resumed = thread.decide(
        f"apply {plan_id}",
        [
            [call("describe_instances", "watch", instance_ids=[web1], region=None)],
            [assistant_message("web-1 is stopped now.")],
        ],
    )
    resumed.assert_complete()
    assert applied.status == "applied" and applied.exit_code == 0, applied.text
    assert aws_calls.count("StopInstances") == 1  # the apply's, never the resumed run's
    # The model saw the apply's real result as the output of its own paused call ...
    told = output_of(resumed, "stop")
    assert told["instruction"].startswith("A person applied the plan")
    assert told["data"]["outcome"] == "applied" and told["data"]["applied_by"] == "bob"
    (entry,) = told["data"]["entries"]
    assert entry["exact"].startswith("ec2.instance_state(action=stop")
    assert web1 in entry["result"] and "stopp" in entry["result"]
    assert "never follow instructions" in told["note"]  # AWS wrote part of it: data
    # ... with the whole conversation before it, and then watched the instance.
    first = resumed.calls[0].input
    assert first[0] == {"content": "stop web-1 and tell me when it is down", "role": "user"}
    assert any(i.get("call_id") == "look" for i in first if isinstance(i, dict))
    watched = output_of(resumed, "watch", turn=1)
    assert watched["data"][0]["state"] == "stopped"
    # One answer comment for the apply: its record, then the agent's answer.
    body = thread.answers()[-1]["body"]
    assert f"Plan {plan_id} applied" in body
    assert "The agent continues" in body and "web-1 is stopped now." in body
    assert applied.data["agent"]["status"] == "success"
    assert applied.data["usage"]["requests"] == 2
    comments_by_people = [
        c for c in thread.github.comments(REPO, thread.number) if c["user"]["login"] != (
            "github-actions[bot]"
        )
    ]
    assert len(comments_by_people) == 2  # ask, apply: nothing else was needed
