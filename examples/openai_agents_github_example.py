"""Ask devops-agent's agents why the last deploy failed, on the sandbox repository.

The triage agent hands the question to the GitHub specialist, whose
``diagnose_workflow_run`` tool finds the failed job and step and the log lines
that explain them (log text is untrusted: cleaned and quoted as data).

Offline by default: a fake GitHub API stands in for github.com and a scripted
model for OpenAI. Set ``OPENAI_API_KEY`` to ask a real model instead.

    python examples/openai_agents_github_example.py
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from agents.testing import ScriptedModel, assistant_message, function_call
from agents.testing.model import ModelStep

from devops_agent.app import ask_agent
from devops_agent.report import render_body
from devops_agent_sandbox.demo import REPO, sandbox, sandbox_context, seed_github

QUESTION = "Why did the last deploy fail?"
FAILED_LOG = """\
2026-11-25T10:00:01Z ##[group]Run ./deploy.sh staging
2026-11-25T10:00:09Z Uploading build artifacts to s3://acme-prod-assets/releases/
2026-11-25T10:00:12Z An error occurred (AccessDenied) when calling the PutObject operation: Access Denied
2026-11-25T10:00:12Z ##[error]Process completed with exit code 1.
"""


def seed_failed_deploy(github: object) -> None:
    """A deploy workflow whose last run failed in its upload step."""
    workflow = github.add_workflow(REPO, name="Deploy", path=".github/workflows/deploy.yml")  # type: ignore[attr-defined]
    run = github.add_run(REPO, workflow["id"], conclusion="failure", event="workflow_dispatch")  # type: ignore[attr-defined]
    github.add_job(  # type: ignore[attr-defined]
        REPO,
        run["id"],
        name="deploy",
        conclusion="failure",
        steps=[("Check out", "success"), ("Upload artifacts", "failure")],
        log=FAILED_LOG,
    )


def answer_from_diagnosis(call: object) -> list[object]:
    """The scripted model's last turn: the tool's diagnosis, in a sentence or two."""
    output = next(i["output"] for i in reversed(call.input) if "output" in i)  # type: ignore[attr-defined]
    diagnosis = json.loads(output)["data"]
    return [assistant_message(f"{diagnosis['summary']} Run: {diagnosis['run']['html_url']}")]


def scripted_model() -> ScriptedModel:
    return ScriptedModel(
        [
            [function_call("transfer_to_github", {}, call_id="h1")],
            [function_call("diagnose_workflow_run", {"workflow": "deploy.yml"}, call_id="t1")],
            ModelStep.respond(answer_from_diagnosis),
        ]
    )


def main() -> None:
    with sandbox() as (github, _endpoint), tempfile.TemporaryDirectory() as tmp:
        seed_github(github)
        seed_failed_deploy(github)
        ctx = sandbox_context(github, workspace=Path(tmp))
        model = None if os.environ.get("OPENAI_API_KEY") else scripted_model()
        print(render_body(ask_agent(ctx, QUESTION, model=model)))


if __name__ == "__main__":
    main()
