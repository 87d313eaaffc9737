# ruff: noqa: F811  (fixtures shared with test_agent.py are imported by name)
"""The agent reaches the catalog: one tool per operation, in the right specialist, with the
same preview the command runs; and the audit and repository search as tools.

Driven by the real Agents SDK with ``agents.testing.ScriptedModel`` against moto in process
(the sandbox estate), as in ``test_agent.py``.
"""

from __future__ import annotations

import json

import pytest
from agents.testing import assistant_message
from test_agent import ask, assert_only_reads, call, tool_outputs

from devops_agent import catalog
from devops_agent.agent import tools
from devops_agent.agent.specialists import SPECIALISTS, build_specialists
from devops_agent.operation import Read, Write

# fixtures shared with test_agent.py
from test_agent import aws_calls, ctx, estate, no_real_model  # noqa: F401  isort: skip


def test_every_agent_operation_is_a_tool_of_its_specialists_and_nothing_else_is():
    held = {s.name: {t.name for t in s.tools} for s in SPECIALISTS}
    for op in catalog.declarations():
        for name, names in held.items():
            wanted = op.for_agent and name in tools.specialists_of(op)
            assert (op.tool_name in names) == wanted, (op.name, name)


def test_write_tools_need_approval_and_are_previewed_by_the_plan_check():
    for op in catalog.declarations():
        if not op.for_agent:
            continue
        tool = tools.tool_for(op)
        if isinstance(op, Write):
            assert tool.needs_approval is True, op.name
            assert [g.get_name() for g in tool.tool_input_guardrails or []] == ["plan_check"]
            assert tools.proposals()[op.tool_name] == op.name
        else:
            assert isinstance(op, Read)
            assert tool.needs_approval is False, op.name
            assert op.tool_name not in tools.proposals()


def test_tool_schemas_come_from_the_argument_models():
    for op in catalog.declarations():
        if not op.for_agent:
            continue
        schema = tools.tool_schema(op.args)
        assert schema["additionalProperties"] is False
        assert set(schema["required"]) == set(schema["properties"])  # strict mode
        assert '"title": "' not in json.dumps(schema), op.name  # titles cost prompt, say nothing
        visible = {
            name
            for name, info in op.args.model_fields.items()
            if not any(type(m).__name__ == "Hidden" for m in info.metadata)
        }
        assert set(schema["properties"]) == visible, op.name


def test_operations_the_agent_may_not_use_are_named_to_it_with_their_reason(ctx):
    refused = [op for op in catalog.declarations() if not op.for_agent]
    agents = {a.name: a for a in build_specialists()}
    for op in refused:
        assert isinstance(op.agent, str) and len(op.agent) > 10, op.name
        for name in tools.specialists_of(op):
            from agents import RunContextWrapper

            text = agents[name].instructions(RunContextWrapper(ctx), agents[name])
            assert op.agent in text, (op.name, name)


def test_posture_questions_run_the_audit_read_only(ctx, estate, aws_calls):
    result, model = ask(
        ctx,
        "is any S3 bucket public or unencrypted?",
        [
            [call("transfer_to_audit")],
            [call("run_audit", services=["s3"], region=None)],
            [assistant_message("Findings listed.")],
        ],
    )
    assert result.status == "success", result.text
    assert result.title == "Answer from the audit agent"
    payload = json.loads(tool_outputs(model)[0])
    findings = payload["data"]["findings"]
    assert findings, payload
    assert {f["check_id"].split("_")[0] for f in findings} == {"s3"}
    assert_only_reads(aws_calls)


def test_the_audit_tool_refuses_an_unknown_service(ctx):
    _, model = ask(
        ctx,
        "audit lambda",
        [
            [call("transfer_to_audit")],
            [call("run_audit", services=["lambda"], region=None)],
            [assistant_message("I cannot audit Lambda.")],
        ],
    )
    error = json.loads(tool_outputs(model)[0])["error"]
    assert error["code"] == "InvalidArguments"
    assert "services" in error["message"]


def test_repository_questions_search_the_workspace(ctx):
    (ctx.workspace / "RUNBOOK.md").write_text(
        "# Deploying the billing service\n\nRun the deploy workflow with environment=prod.\n"
    )
    _, model = ask(
        ctx,
        "how do we deploy billing?",
        [
            [call("transfer_to_knowledge")],
            [call("search_repository", query="deploy billing", limit=3)],
            [assistant_message("See RUNBOOK.md.")],
        ],
    )
    payload = json.loads(tool_outputs(model)[0])
    assert payload["source"] == "repository files"
    assert payload["data"]["passages"][0]["file"] == "RUNBOOK.md"


@pytest.mark.parametrize("limit", [0, 11])
def test_search_limits_are_validated(ctx, limit):
    _, model = ask(
        ctx,
        "search",
        [
            [call("transfer_to_knowledge")],
            [call("search_repository", query="deploy", limit=limit)],
            [assistant_message("ok")],
        ],
    )
    assert json.loads(tool_outputs(model)[0])["error"]["code"] == "InvalidArguments"
