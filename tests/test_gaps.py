"""Investigation gaps: a read over several regions says what it could not see.

AWS's answer for a region the read role may not read is simulated where AWS gives it:
a ``before-call`` hook on the boto3 session answers ``UnauthorizedOperation`` for that
region, exactly as EC2 does under a service control policy (moto does not evaluate
policy conditions). Everything above botocore is the real code: the command path, the
agent's tool, the rendering.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from agents.testing import ScriptedModel, assistant_message, function_call
from moto import mock_aws

from devops_agent import gaps
from devops_agent.aws import across_regions
from devops_agent.errors import BadInput, ServiceError
from devops_agent.report import render_body, render_json
from devops_agent.testing import make_context
from devops_agent_sandbox.denials import deny

REGIONS = ("us-east-1", "eu-west-1")


def deny_in(session: boto3.Session, region: str, operation: str, action: str) -> None:
    """AWS refusing ``operation`` in ``region`` (and only there), as EC2 answers it."""
    deny(session, service="ec2", operation=operation, action=action, region=region)


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        for region in REGIONS:
            ec2 = session.client("ec2", region_name=region)
            image = ec2.describe_images()["Images"]
            ami = image[0]["ImageId"] if image else "ami-12c6146b"
            ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1)
        yield session


def ctx_for(tmp_path: Path, session: boto3.Session, **inputs: Any) -> Any:
    return make_context(workspace=tmp_path, session=session, aws_regions=REGIONS, **inputs)


# --------------------------------------------------------------------------- the mechanism


def _reader(failures: dict[str, Exception]) -> Any:
    def read(region: str) -> list[str]:
        if region in failures:
            raise failures[region]
        return [region]

    return read


def test_a_failed_region_is_a_gap_when_the_run_collects_them():
    refused = ServiceError(
        "Access denied in eu-west-1", code="UnauthorizedOperation", action="ec2:DescribeVpcs"
    )
    with gaps.collect(service="vpc", part="vpc.list_vpcs") as missed:
        got = across_regions(
            ["us-east-1", "eu-west-1", "us-west-2"], _reader({"eu-west-1": refused})
        )
    assert got == ["us-east-1", "us-west-2"]
    [gap] = missed.items
    assert (gap.service, gap.region, gap.part) == ("vpc", "eu-west-1", "vpc.list_vpcs")
    assert (gap.permission, gap.code) == ("ec2:DescribeVpcs", "UnauthorizedOperation")
    assert gap.sentence() == (
        "I could not check vpc.list_vpcs in eu-west-1: `ec2:DescribeVpcs` was refused."
    )


def test_without_a_collector_a_failed_region_still_raises():
    refused = ServiceError("denied", code="AccessDenied", action="ec2:DescribeVpcs")
    with pytest.raises(ServiceError, match="denied"):
        across_regions(["us-east-1", "eu-west-1"], _reader({"eu-west-1": refused}))


def test_every_region_failing_is_an_error_not_an_empty_answer():
    with gaps.collect() as missed, pytest.raises(ServiceError, match="first"):
        across_regions(
            ["us-east-1", "eu-west-1"],
            _reader(
                {
                    "us-east-1": ServiceError("first", code="AccessDenied"),
                    "eu-west-1": ServiceError("second", code="AccessDenied"),
                }
            ),
        )
    assert not missed


def test_a_bad_argument_or_a_bug_is_never_a_gap():
    for error in (BadInput("bad id"), RuntimeError("parser bug")):
        with gaps.collect() as missed, pytest.raises(type(error)):
            across_regions(["us-east-1", "eu-west-1"], _reader({"eu-west-1": error}))
        assert not missed


def test_nested_collectors_pass_gaps_outward_once():
    refused = ServiceError("denied", code="AccessDenied", action="ec2:DescribeInstances")
    with gaps.collect() as run:
        for _ in range(2):
            with gaps.collect(service="ec2", part="ec2.list_instances") as one:
                across_regions(["us-east-1", "eu-west-1"], _reader({"eu-west-1": refused}))
            assert len(one) == 1
    assert len(run) == 1  # the same gap twice is one gap


# --------------------------------------------------------------------------- the command path


def test_a_command_over_two_regions_answers_and_ends_with_what_it_could_not_read(tmp_path, account):
    from devops_agent.commands import run_command

    deny_in(account, "eu-west-1", "DescribeInstances", "ec2:DescribeInstances")
    result = run_command(ctx_for(tmp_path, account), "ec2 list --region all")

    assert result is not None and result.status == "success"
    assert {row[4][:-1] for row in result.tables[0].rows} == {"us-east-1"}
    [gap] = result.not_read
    assert gap.region == "eu-west-1" and gap.permission == "ec2:DescribeInstances"
    assert gap.code == "UnauthorizedOperation" and gap.part == "ec2.list_instances"
    body = render_body(result)
    assert body.rstrip().endswith("|")  # the Not read table closes the answer
    tail = body[body.index("#### ⚠️ Not read") :]
    assert "I could not check ec2.list_instances in eu-west-1" in tail
    assert "`ec2:DescribeInstances`" in tail and "UnauthorizedOperation" in tail
    assert render_json(result)["not_read"][0]["permission"] == "ec2:DescribeInstances"


def test_a_command_that_read_everything_has_no_section(tmp_path, account):
    from devops_agent.commands import run_command

    result = run_command(ctx_for(tmp_path, account), "ec2 list --region all")
    assert result is not None and result.not_read == []
    assert "Not read" not in render_body(result)
    assert len(result.tables[0].rows) == 2


# --------------------------------------------------------------------------- the agent


def test_the_agent_sees_the_gap_as_data_and_its_answer_ends_with_it(tmp_path, account):
    from devops_agent.app import ask_agent

    deny_in(account, "eu-west-1", "DescribeInstances", "ec2:DescribeInstances")
    ctx = ctx_for(tmp_path, account, openai_api_key="sk-test-gaps0000000000000000000000000000")
    model = ScriptedModel(
        [
            [function_call("transfer_to_ec2", {}, call_id="t")],
            [function_call("list_instances", {"region": "all"}, call_id="l")],
            [assistant_message("One instance runs in us-east-1. I could not check eu-west-1.")],
        ]
    )
    result = ask_agent(ctx, "what runs everywhere?", model=model)

    sent = next(
        json.loads(i["output"])
        for i in model.calls[-1].input
        if isinstance(i, dict) and i.get("call_id") == "l" and "output" in i
    )
    assert sent["not_read"]["gaps"][0]["region"] == "eu-west-1"
    assert sent["not_read"]["gaps"][0]["permission"] == "ec2:DescribeInstances"
    assert "never call what was not read fine" in sent["not_read"]["note"]
    assert len(sent["data"]) == 1  # us-east-1 still answered
    assert result.status == "success"
    assert [g.region for g in result.not_read] == ["eu-west-1"]
    assert render_body(result).split("#### ⚠️ Not read", 1)[1].count("eu-west-1") >= 2


def test_the_rules_tell_every_specialist_to_say_what_it_could_not_check():
    from devops_agent.agent.specialists import RULES

    assert "I could not check" in RULES and "never call what you could not read fine" in RULES
