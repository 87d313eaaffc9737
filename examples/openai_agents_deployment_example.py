"""A deployment as a conversation: ask, get a plan, someone applies it, watch it finish.

1. alice asks the agents to deploy main to staging. The GitHub specialist checks the
   workflow's declared inputs and calls ``run_workflow`` — a mutating tool, so the run
   pauses for approval and the pending call becomes a **plan**; nothing is dispatched.
2. The plan is posted in the thread (as the action would), and bob applies it: only
   now is the ``workflow_dispatch`` sent, with exactly the planned ref and inputs.
3. alice asks how it went; ``watch_workflow_run`` polls the run until it completes.

Offline by default: a fake GitHub stands in for github.com (it starts a run for
each dispatch, and we mark it finished) and a scripted model for OpenAI.

    python examples/openai_agents_deployment_example.py
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from agents.testing import ScriptedModel, assistant_message, function_call
from agents.testing.model import ModelStep

from devops_agent.app import ask_agent
from devops_agent.apply import apply
from devops_agent.gh.issues import create_comment_once
from devops_agent.report import render_body
from devops_agent_sandbox.demo import REPO, sandbox, sandbox_context, seed_github

DEPLOY_WORKFLOW = """\
name: Deploy
on:
  workflow_dispatch:
    inputs:
      environment:
        type: choice
        options: [staging, prod]
        required: true
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: ./deploy.sh ${{ inputs.environment }}
"""


def offline(steps: list[object]) -> ScriptedModel | None:
    """A scripted model, unless a real one is configured."""
    return None if os.environ.get("OPENAI_API_KEY") else ScriptedModel(steps)


def report_watch(call: object) -> list[object]:
    output = next(i["output"] for i in reversed(call.input) if "output" in i)  # type: ignore[attr-defined]
    run = json.loads(output)["data"]["run"]
    return [assistant_message(f"The deploy run {run['id']} finished: {run['conclusion']}.")]


def main() -> None:
    with sandbox() as (github, _endpoint), tempfile.TemporaryDirectory() as tmp:
        number = seed_github(github)
        workflow = github.add_workflow(
            REPO, path=".github/workflows/deploy.yml", content=DEPLOY_WORKFLOW
        )
        alice = sandbox_context(github, requester="alice", number=number, workspace=Path(tmp))

        print("## 1. alice: deploy main to staging\n")
        deploy = {
            "workflow": "deploy.yml",
            "ref": "main",
            "inputs": [{"name": "environment", "value": "staging"}],
        }
        planned = ask_agent(
            alice,
            "deploy main to staging",
            model=offline(
                [
                    [function_call("transfer_to_github", {}, call_id="h1")],
                    [function_call("run_workflow", deploy, call_id="t1")],
                ]
            ),
        )
        print(render_body(planned))
        plan_id = planned.data["plan_id"]
        body = render_body(planned) + "\n\n" + planned.plan_block
        create_comment_once(alice.github, REPO, number, body, f"devops-agent:plan {plan_id}")
        print(f"\nDispatches so far: {len(github.dispatches(REPO))}\n")

        print(f"## 2. bob: /devops apply {plan_id}\n")
        bob = sandbox_context(
            github,
            requester="bob",
            number=number,
            workspace=Path(tmp),
            comment=f"/devops apply {plan_id}",
        )
        print(render_body(apply(bob, plan_id)))
        (dispatch,) = github.dispatches(REPO)
        print(f"\nGitHub received: ref={dispatch['ref']} inputs={dispatch['inputs']}\n")

        (run,) = [r for r in github.runs(REPO) if r["workflow_id"] == workflow["id"]]
        github.update_run(
            REPO, run["id"], status="completed", conclusion="success"
        )  # GitHub ran it

        print("## 3. alice: how did the deploy go?\n")
        watched = ask_agent(
            alice,
            "how did the deploy go?",
            model=offline(
                [
                    [function_call("transfer_to_github", {}, call_id="h2")],
                    [
                        function_call(
                            "watch_workflow_run",
                            {"run_id": run["id"], "timeout_seconds": 30},
                            call_id="t2",
                        )
                    ],
                    ModelStep.respond(report_watch),
                ]
            ),
        )
        print(render_body(watched))


if __name__ == "__main__":
    main()
