"""How big the paused agent's state is when it is kept with its plan, and how fast it loads.

Measured in one run, in process: the real Agents SDK driven by ``ScriptedModel``, AWS as
moto with the sandbox estate, through ``devops_agent.agent.run.converse`` (which pauses
at the write tool, previews the plan entries and keeps the state exactly as a plan
does). For each conversation shape:

* the SDK's ``RunState`` as kept (compact JSON, redacted, no context, trace or usage);
* the block's payload in the plan comment (zlib + lower-case base32), and the ratio;
* whether the whole history fits under ``continuation.MAX_STATE_CHARS`` (else the plan
  keeps the request and the calls only);
* the time to read the block back and load it into a ``RunState`` with the agents.

Goal: a typical "stop X and tell me when it is down" plan keeps its whole history in a
small fraction of the 65,536 characters of a comment.

Usage: python bench/agent_state.py
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")
os.environ.pop("AWS_ENDPOINT_URL", None)


def _shapes(estate: dict[str, Any]) -> dict[str, list[Any]]:
    from agents.testing import assistant_message, function_call

    web1 = estate["instances"]["web-1"]["id"]
    ssh = estate["security_groups"]["legacy-ssh"]["id"]

    def call(name: str, n: int, **arguments: Any) -> Any:
        return function_call(name, arguments, call_id=f"{name}-{n}")

    stop = call("change_instance_state", 9, action="stop", instance_ids=[web1], region=None)
    close = call(
        "change_security_group_rule",
        9,
        region=None,
        group_id=ssh,
        port="22",
        cidr="0.0.0.0/0",
        source_group=None,
        prefix_list=None,
        protocol="tcp",
        egress=False,
        description="",
        revoke=True,
    )
    chatter = " ".join(secrets.token_urlsafe(24) for _ in range(1_500))
    return {
        "stop web-1 (no read)": [[call("transfer_to_ec2", 0)], [stop]],
        "stop web-1 and tell me when it is down (one read)": [
            [call("transfer_to_ec2", 0)],
            [call("describe_instances", 1, instance_ids=[web1], region=None)],
            [stop],
        ],
        "close SSH after an investigation (five reads)": [
            [call("transfer_to_ec2", 0)],
            [call("list_instances", 1, region="all", state=None)],
            [call("list_security_groups", 2, region=None, vpc_id=None)],
            [call("describe_security_group", 3, region=None, group_id=ssh)],
            [call("list_key_pairs", 4, region=None)],
            [call("describe_instances", 5, instance_ids=[web1], region=None)],
            [close],
        ],
        "oversized (50,000 characters of model chatter)": [
            [call("transfer_to_ec2", 0)],
            [assistant_message(chatter), stop],
        ],
    }


def main() -> None:
    import boto3
    from agents.testing import ScriptedModel
    from moto import mock_aws

    from devops_agent import continuation
    from devops_agent.agent.run import converse
    from devops_agent.agent.specialists import build_specialists
    from devops_agent.agent.triage import build_triage
    from devops_agent.testing import make_comment, make_context
    from devops_agent_sandbox.estate import seed

    with mock_aws(), tempfile.TemporaryDirectory() as tmp:
        session = boto3.Session(region_name="us-east-1")
        estate = seed(session)
        ctx = make_context(
            workspace=Path(tmp),
            repository="acme/platform",
            event=make_comment(repository="acme/platform", body="/devops …"),
            session=session,
            openai_api_key="sk-bench-scriptedModelOnly0000000000000000",
            aws_regions=("us-east-1", "eu-west-1"),
        )
        triage = build_triage(build_specialists())
        rows = []
        for name, steps in _shapes(estate).items():
            reply = converse(ctx, name, model=ScriptedModel(steps))
            assert reply.proposal is not None, reply.result.text
            kept = continuation.decode(reply.state)
            started = time.perf_counter()
            for _ in range(10):
                again = continuation.decode(continuation.encode(kept))
                if again.state:
                    asyncio.run(_load(triage, again.state, ctx))
            load_ms = (time.perf_counter() - started) * 100
            too_long = re.search(r"\(([\d,]+) characters\)", reply.state_note)
            json_chars = len(kept.state) or int(too_long[1].replace(",", "")) if too_long else 0
            json_chars = len(kept.state) if kept.state else json_chars
            rows.append(
                (name, json_chars, len(reply.state), bool(kept.state), len(kept.calls), load_ms)
            )

    cap = continuation.MAX_STATE_CHARS
    print(f"Kept agent state per plan (cap {cap:,} characters in the comment of 65,536)\n")
    print(
        f"{'conversation':52} {'state JSON':>11} {'in comment':>11} {'ratio':>6} "
        f"{'history':>12} {'load ms':>8}"
    )
    for name, raw, kept_chars, history, calls, ms in rows:
        ratio = f"{raw / kept_chars:>5.1f}x" if history else "     -"
        kept_as = "full" if history else f"none, {calls} call"
        print(f"{name:52} {raw:>11,} {kept_chars:>11,} {ratio} {kept_as:>12} {ms:>8.1f}")
    typical = rows[1]
    print(
        f"\nTypical plan: {typical[2]:,} characters kept ({typical[2] / 65_536:.1%} of a "
        f"comment, {typical[2] / cap:.0%} of the cap) for {typical[1]:,} characters of state."
    )


async def _load(triage: Any, text: str, ctx: Any) -> None:
    from agents import RunState

    await RunState.from_string(triage, text, context_override=ctx)


if __name__ == "__main__":
    main()
