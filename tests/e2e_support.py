"""Shared by the end-to-end tests (``tests/test_e2e_*.py``): the roles and account a run
uses, plans made by hand in a pull request's thread, and what a run left behind that the
tests read back (the plan blocks the action posted, its JSON report, the session policy
its STS call carried, an instance's state).
"""

from __future__ import annotations

import json
from typing import Any

from conftest import PLAN_KEY, REPO

from devops_agent import catalog, plans, session_policy
from devops_agent.signing import SigningKey

ACCOUNT = "123456789012"
WRITE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/devops-agent-write"
READ_ROLE = f"arn:aws:iam::{ACCOUNT}:role/devops-agent-read"
#: The login the action posts as.
BOT = "github-actions[bot]"
#: The installation's plan-signing key.
KEY = SigningKey(PLAN_KEY)


def state_of(session: Any, instance_id: str, region: str = "us-east-1") -> str:
    """The instance's state as AWS (moto) holds it now.

    Args:
        session: A boto3 session on the moto server.
        instance_id: The instance.
        region: Its region.

    Returns:
        ``running``, ``stopping``, ``stopped``, …
    """
    ec2 = session.client("ec2", region_name=region)
    found = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    return str(found[0]["Instances"][0]["State"]["Name"])


def bot_blocks(github: Any, number: int) -> list[tuple[dict[str, Any], plans.FoundPlan]]:
    """Every plan block the action posted in the thread, with the comment holding it.

    Args:
        github: The fake GitHub.
        number: The issue or pull request.

    Returns:
        ``(comment, block)`` pairs, oldest first.
    """
    return [
        (c, b)
        for c in github.comments(REPO, number)
        if c["user"]["login"] == BOT
        for b in plans.find_blocks(c["body"])
    ]


def rollback_of(github: Any, number: int, plan_id: str) -> plans.Plan:
    """The one pending rollback plan the apply of ``plan_id`` posted in the thread.

    Args:
        github: The fake GitHub.
        number: The issue or pull request.
        plan_id: The plan that was applied.

    Returns:
        The rollback plan.
    """
    (back,) = [b for _, b in bot_blocks(github, number) if b.plan and b.plan.rollback_of == plan_id]
    assert back.state == "pending" and back.plan is not None
    return back.plan


def run_report(run: Any) -> dict[str, Any]:
    """The JSON report a run wrote (``.devops-agent/report.json``).

    Args:
        run: The finished run.

    Returns:
        The report, parsed.
    """
    return dict(json.loads((run.workspace / ".devops-agent" / "report.json").read_text()))


def assumed_policy(session_name: str) -> str:
    """The session policy the newest STS call with this session name really carried.

    Args:
        session_name: The role session name (an apply's audit record names it).

    Returns:
        The policy's text, as moto received it.
    """
    from moto.sts.models import sts_backends

    found = [
        r for r in sts_backends[ACCOUNT]["global"].assumed_roles if r.session_name == session_name
    ]
    assert found, session_name
    return str(found[-1].policy)


def thread_plan(pull: dict[str, Any], entries: list[plans.PlanEntry], **values: Any) -> plans.Plan:
    """A plan alice asked for in the pull request's thread, made by hand (to forge, sign
    or post it as a test needs).

    Args:
        pull: The pull request, as the fake GitHub returned it.
        entries: What the plan carries out.
        **values: Anything else :func:`plans.new_plan` takes, or ``requester`` to change
            who asked.

    Returns:
        The plan, unsigned.
    """
    return plans.new_plan(
        entries,
        **{
            "repository": REPO,
            "requester": "alice",
            "thread": pull["number"],
            "head_sha": pull["head"]["sha"],
            **values,
        },
    )


def instance_entry(action: str, instance_id: str, description: str) -> plans.PlanEntry:
    """A plan entry that starts, stops, reboots or terminates one instance in us-east-1.

    Args:
        action: ``stop``, ``terminate``, … as the entry's arguments hold it.
        instance_id: The instance.
        description: What the plan says it does (a forgery says something else).

    Returns:
        The entry.
    """
    return plans.PlanEntry(
        operation="ec2.instance_state",
        args={"action": action, "region": "us-east-1", "instance_ids": [instance_id]},
        description=description,
    )


def catalog_entry(name: str, **args: Any) -> plans.PlanEntry:
    """A plan entry for a catalog operation, its arguments checked by its model.

    Args:
        name: The operation (``ec2.instance_state``).
        **args: Its arguments.

    Returns:
        The entry, described by the operation's name.
    """
    op = catalog.lookup(name)
    return op.entry(op.args.model_validate(args), name, [])


def post_signed_plan(
    github: Any, entries: list[plans.PlanEntry], pull: dict[str, Any]
) -> plans.Plan:
    """Post a plan as devops-agent makes it (signed, its session policy's hash included) in
    the pull request's thread, as the action.

    Args:
        github: The fake GitHub.
        entries: What the plan carries out.
        pull: The pull request.

    Returns:
        The plan posted.
    """
    policy = session_policy.build(entries, account=ACCOUNT, partition="aws")
    plan = thread_plan(
        pull,
        entries,
        account=ACCOUNT,
        region="us-east-1",
        ledger_sha="a" * 40,
        policy_sha256=session_policy.digest(session_policy.render(policy)) if policy else "",
    )
    github.add_comment(
        REPO,
        pull["number"],
        body=plans.render_block(plan, KEY),
        user=BOT,
        user_type="Bot",
    )
    return plan
