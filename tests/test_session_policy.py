"""The session policy of a plan, over the whole catalog, and evaluated as IAM evaluates it.

Policy evaluation uses ``@cloud-copilot/iam-simulate`` (npm, run offline by
``tests/tools/iam_simulate.mjs``): no maintained Python library evaluates a request
against identity *and* session policies (``policyuniverse``, ``policy-sentry`` and
``parliament`` parse or lint; ``principalmapper`` and ``policyglass`` have had no release
since 2022; ``iam-ape`` summarises effective permissions rather than deciding requests),
and moto does not implement ``iam:SimulatePrincipalPolicy`` nor enforce session policies.
The simulator also knows each action's resource types from AWS's Service Authorization
Reference, so a declared ARN that the action does not take fails here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from devops_agent import catalog, session_policy
from devops_agent.errors import Refused
from devops_agent.operation import PlanEntry, Write

TOOLS = Path(__file__).parent / "tools"
ACCOUNT = "123456789012"
PRINCIPAL = f"arn:aws:sts::{ACCOUNT}:assumed-role/devops-agent-write/devops-agent-apply-x-bob"


def entry(op: Write[Any], example: dict[str, Any]) -> PlanEntry:
    args = op.args.model_validate(example)
    return PlanEntry(operation=op.name, args=args.model_dump(mode="json"), description="x")


def declared() -> list[Write[Any]]:
    """Writes that declare their calls and need the write role (GitHub's have no IAM side:
    ``test_gh_proofs.py`` covers them)."""
    return [op for op in catalog.writes() if op.calls is not None and op.actions]


def missing(op: Write[Any]) -> list[str]:
    """What ``op`` still lacks for plans that prove themselves."""
    lacks = [
        name
        for name, value in (
            ("calls", op.calls),
            ("verify", op.verify),
            ("examples", op.examples),
        )
        if not value
    ]
    for example in op.examples:
        args = op.args.model_validate(example)
        if op.undo is None and not op.warning(args):
            lacks.append(f"undo or irreversible for {example}")
    return lacks


def test_every_write_declares_calls_read_back_examples_and_a_way_back():
    """Every write with an executor declares the issue-15 fields: none is left out."""
    lacking = {op.name: missing(op) for op in catalog.writes() if op.run is not None}
    assert {name: lacks for name, lacks in lacking.items() if lacks} == {}


@pytest.mark.parametrize("op", declared(), ids=lambda op: op.name)
def test_session_policy_actions_equal_the_declared_actions(op):
    """Over its examples, an operation's session policies allow exactly its declared actions;
    each single entry gets only the actions of the calls its arguments make."""
    reached: set[str] = set()
    for example in op.examples:
        e = entry(op, example)
        policy = session_policy.build([e], account=ACCOUNT, partition="aws")
        assert policy is not None
        actions = {a for s in policy["Statement"] for a in s["Action"]}
        calls = op.calls(op.args.model_validate(example))
        assert actions == {g.action for c in calls for g in c.grants()}
        assert actions <= set(op.actions), f"{op.name} {example}: {actions - set(op.actions)}"
        for statement in policy["Statement"]:
            assert statement["Effect"] == "Allow" and statement["Resource"]
            assert statement["Condition"]["StringEquals"]["aws:RequestedRegion"] == ["us-east-1"]
        assert len(session_policy.render(policy)) <= session_policy.LIMIT
        reached |= actions
    assert reached == set(op.actions)


@pytest.mark.parametrize("op", declared(), ids=lambda op: op.name)
def test_declared_calls_stay_inside_the_declared_arns(op):
    """Every ARN a call names matches one of the operation's ``arns`` patterns."""
    import fnmatch
    import re

    patterns = [re.sub(r"\{[a-z_]+\}", "*", p) for p in op.arns]
    for example in op.examples:
        for call in op.calls(op.args.model_validate(example)):
            for grant in call.grants():
                for arn in grant.resources:
                    filled = re.sub(r"\{[a-z_]+\}", "x", arn)
                    assert any(fnmatch.fnmatchcase(filled, p) for p in patterns) or arn == "*", (
                        op.name,
                        arn,
                    )


def test_one_entry_gets_only_its_own_action():
    """`ec2 stop` may stop, never terminate, start or reboot."""
    op = catalog.lookup("ec2.instance_state")
    e = entry(
        op, {"action": "stop", "region": "eu-west-1", "instance_ids": ["i-0123456789abcdef0"]}
    )
    policy = session_policy.build([e], account=ACCOUNT, partition="aws")
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["ec2:StopInstances"],
                "Resource": f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-0123456789abcdef0",
                "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1"]}},
            }
        ],
    }


def test_a_plan_too_large_for_one_policy_is_refused_with_how_to_split_it():
    op = catalog.lookup("ec2.instance_state")
    ids = [f"i-{n:017x}" for n in range(1, 51)]
    e = entry(op, {"action": "stop", "region": "us-east-1", "instance_ids": ids})
    e = e.model_copy(update={"resources": ids})
    text = session_policy.render(session_policy.build([e], account=ACCOUNT, partition="aws"))
    assert len(text) > session_policy.LIMIT
    with pytest.raises(Refused) as refused:
        session_policy.check_size(text, [e])
    assert "2,048" in refused.value.message and "Split" in (refused.value.remedy or "")
    session_policy.check_size(
        session_policy.render(
            session_policy.build(
                [entry(op, {"action": "stop", "region": "us-east-1", "instance_ids": ids[:20]})],
                account=ACCOUNT,
                partition="aws",
            )
        ),
        [e],
    )


# --------------------------------------------------------------------------- evaluated


@pytest.fixture(scope="session")
def simulate():
    """Run tests/tools/iam_simulate.mjs (offline). Tests never install anything: ``.ci/run``
    installs the pinned package with ``npm ci --prefix tests/tools`` before the suite; without
    it (or without node) these tests skip and say how to run them."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is needed for the offline IAM simulator")
    if not (TOOLS / "node_modules" / "@cloud-copilot" / "iam-simulate").is_dir():
        pytest.skip(
            "the IAM simulator is not installed: run `npm ci --prefix tests/tools` once "
            "(.ci/run does)"
        )

    def run(session: dict[str, Any] | None, requests: list[dict[str, Any]]) -> list[str]:
        payload = {
            "identityPolicy": catalog.role_policy("write"),
            "sessionPolicy": session,
            "principal": PRINCIPAL,
            "account": ACCOUNT,
            "requests": requests,
        }
        done = subprocess.run(
            [node, str(TOOLS / "iam_simulate.mjs")],
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
            env={**os.environ, "NODE_NO_WARNINGS": "1"},
        )
        return list(json.loads(done.stdout))

    return run


def _requests(policy: dict[str, Any], region: str) -> list[dict[str, Any]]:
    """One request per (action, resource) the policy names, with its conditions' keys."""
    found = []
    for statement in policy["Statement"]:
        resources = statement["Resource"]
        context = {
            k: v[0] for keys in statement.get("Condition", {}).values() for k, v in keys.items()
        }
        for action in statement["Action"]:
            for resource in resources if isinstance(resources, list) else [resources]:
                arn = resource.replace("*", "new") if resource != "*" else "*"
                found.append({"action": action, "resource": arn, "context": context})
    return found


def test_every_declared_call_is_allowed_and_takes_its_resource_types(simulate):
    """For every EC2 example: the write role under the plan's session policy may make each
    call on each declared ARN, and AWS's reference knows each ARN as the action's resource."""
    requests: list[dict[str, Any]] = []
    policies: list[dict[str, Any]] = []
    for op in declared():
        for example in op.examples:
            policy = session_policy.build([entry(op, example)], account=ACCOUNT, partition="aws")
            assert policy is not None
            for request in _requests(policy, "us-east-1"):
                policies.append(policy)
                requests.append(request)
    results = []
    for policy, request in zip(policies, requests, strict=True):
        results.extend(simulate(policy, [request]))
    wrong = [
        (r["action"], r["resource"], res)
        for r, res in zip(requests, results, strict=True)
        if res != "Allowed"
    ]
    assert not wrong, wrong


def test_the_session_policy_denies_everything_outside_the_plan(simulate):
    """The role allows all of it; the session may stop web-1 in us-east-1, and nothing else."""
    op = catalog.lookup("ec2.instance_state")
    web1, other = "i-0123456789abcdef0", "i-0fedcba9876543210"
    policy = session_policy.build(
        [entry(op, {"action": "stop", "region": "us-east-1", "instance_ids": [web1]})],
        account=ACCOUNT,
        partition="aws",
    )
    arn = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/"
    here = {"aws:RequestedRegion": "us-east-1"}
    cases = [
        ({"action": "ec2:StopInstances", "resource": arn + web1, "context": here}, "Allowed"),
        (
            {"action": "ec2:TerminateInstances", "resource": arn + web1, "context": here},
            "ImplicitlyDenied",
        ),
        (
            {"action": "ec2:StartInstances", "resource": arn + web1, "context": here},
            "ImplicitlyDenied",
        ),
        (
            {"action": "ec2:StopInstances", "resource": arn + other, "context": here},
            "ImplicitlyDenied",
        ),
        (
            {
                "action": "ec2:StopInstances",
                "resource": arn + web1,
                "context": {"aws:RequestedRegion": "eu-west-1"},
            },
            "ImplicitlyDenied",
        ),
        (
            {
                "action": "ec2:DeleteSecurityGroup",
                "resource": f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/sg-0123456789abcdef0",
                "context": here,
            },
            "ImplicitlyDenied",
        ),
    ]
    got = simulate(policy, [c for c, _ in cases])
    assert got == [want for _, want in cases]
    # without the session policy the same role would have allowed the terminate: the policy,
    # not the role, is what narrows the apply
    assert simulate(None, [cases[1][0]]) == ["Allowed"]
