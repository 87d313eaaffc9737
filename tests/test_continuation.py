"""The kept agent state and the rejection record, attacked one piece at a time.

The whole flow (ask → plan with state → apply or reject → the agent continues) is in
``test_agent_resume.py`` (in process) and ``test_agent_resume_e2e.py`` (as a process);
here: the block's encoding against the redactor, its bounds, its binding into the signed
plan, what the model is told for each decision, and the ledger's rejection races.
"""

from __future__ import annotations

import json
import random
import string
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import PLAN_KEY, REPO, TOKEN

from devops_agent import continuation, ledger, plans
from devops_agent.continuation import AgentState, Decision, EntryOutcome, PausedCall
from devops_agent.errors import Refused
from devops_agent.sanitize import Redactor
from devops_agent.signing import SigningKey

KEY = SigningKey(PLAN_KEY)
SHA = "c" * 40
SECRETS = [
    json.loads(line)["value"]
    for line in (Path(__file__).parent / "data" / "secrets.jsonl").read_text().splitlines()
]


def make_state(**changes: object) -> AgentState:
    values: dict[str, object] = {
        "agent": "ec2",
        "request": "stop web-1 and tell me when it is down",
        "calls": [
            PausedCall(
                call_id="call_1",
                tool="change_instance_state",
                arguments='{"action":"stop","instance_ids":["i-0123456789abcdef0"]}',
                entries=[1],
            )
        ],
        "state": '{"$schemaVersion":"1.0","generated_items":[]}',
        "spent_usd": 0.0012,
        "tokens": 3_400,
    }
    values.update(changes)
    return AgentState(**values)  # type: ignore[arg-type]


def make_plan(**changes: object) -> plans.Plan:
    values: dict[str, object] = {
        "repository": REPO,
        "requester": "alice",
        "thread": 7,
        "account": "123456789012",
        "region": "us-east-1",
        "ledger_sha": SHA,
        "now": datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
    }
    values.update(changes)
    entry = plans.PlanEntry(
        operation="ec2.instance_state",
        args={"action": "stop", "region": "us-east-1", "instance_ids": ["i-0123456789abcdef0"]},
        description="Stop web-1",
    )
    return plans.new_plan([entry], **values)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the block


def test_a_state_reads_back_as_it_was_kept():
    state = make_state()
    payload = continuation.encode(state)
    assert set(payload) <= set(string.ascii_lowercase + "234567")
    block = continuation.render_block("0123456789ab", payload)
    found = continuation.find_payload(f"answer\n\n{block}\n\nmore", "0123456789ab")
    assert found is not None and "\n" in found  # wrapped in the comment
    assert continuation.decode(found) == state
    assert continuation.digest(found) == continuation.digest(payload)
    assert continuation.find_payload(block, "ba9876543210") is None


def test_redaction_never_alters_a_kept_state_block():
    """Everything posted is redacted: the block's alphabet cannot form a credential shape,
    even when the state itself is full of them (it is redacted before it is kept)."""
    redactor = Redactor()
    redactor.add(PLAN_KEY)
    redactor.add(TOKEN)
    rng = random.Random(18)
    for n in range(200):
        noise = "".join(rng.choice(string.printable) for _ in range(rng.randint(10, 4000)))
        state = make_state(
            request=rng.choice(SECRETS)[:500] + noise[:200],
            state=json.dumps({"generated_items": [noise, *rng.sample(SECRETS, 3)]}),
        )
        block = continuation.render_block("0123456789ab", continuation.encode(state))
        assert redactor(block) == block, n


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        ("", "empty"),
        ("MZXW6===", "upper case and padding are not the form written"),
        ("mzxw6ytboi", "not zlib"),
        ("a" * (continuation.MAX_STATE_CHARS + 1), "too long"),
    ],
)
def test_what_is_not_a_kept_state_is_refused(payload, why):
    with pytest.raises(ValueError, match="kept agent state"):
        continuation.decode(payload)


def test_a_state_that_would_inflate_past_the_bound_is_refused():
    import base64

    bomb = zlib.compress(b" " * (continuation.MAX_STATE_JSON * 4), 9)
    payload = base64.b32encode(bomb).decode().rstrip("=").lower()
    assert len(payload) <= continuation.MAX_STATE_CHARS
    with pytest.raises(ValueError, match="kept agent state"):
        continuation.decode(payload)
    future = make_state().model_copy(update={"version": 2})
    with pytest.raises(ValueError, match="format 2"):
        continuation.decode(continuation.encode(future))


def test_finding_a_state_block_is_linear_in_a_hostile_comment():
    marker = "<!-- devops-agent:state 0123456789ab -->\n```text\n"
    hostile = (marker + "a" * 50) * (65_536 // (len(marker) + 50))
    started = time.perf_counter()
    for _ in range(20):
        continuation.find_payload(hostile, "0123456789ab")
    assert (time.perf_counter() - started) / 20 < 0.05


def test_the_plan_signs_the_state_and_plans_without_one_keep_their_ids():
    plan = make_plan()
    assert "agent_state_sha256" not in plan.canonical()  # plans made before keep their id
    payload = continuation.encode(make_state())
    bound = plan.model_copy(update={"agent_state_sha256": continuation.digest(payload)})
    assert continuation.digest(payload) in bound.canonical()
    assert bound.plan_id != plan.plan_id and bound.digest != plan.digest
    # the signature of the plan with one state never verifies for another state
    other = bound.model_copy(
        update={
            "agent_state_sha256": continuation.digest(
                continuation.encode(make_state(request="terminate everything"))
            )
        }
    )
    signed = plans.render_block(bound, KEY)
    sig = plans.find_blocks(signed)[0].signature
    swapped = plans.render_block(other, KEY).replace(
        plans.find_blocks(plans.render_block(other, KEY))[0].signature, sig
    )
    assert not plans.find_blocks(swapped)[0].signed_by(KEY)
    assert plans.find_blocks(signed)[0].signed_by(KEY)


# --------------------------------------------------------------------------- what the model hears


def test_each_decision_tells_the_model_what_happened_to_its_call():
    planned = PausedCall(call_id="c1", tool="change_instance_state", entries=[1, 2])
    dropped = PausedCall(call_id="c2", tool="change_instance_state", dropped="no such instance")
    applied = Decision(
        plan_id="0123456789ab",
        outcome="applied",
        by="bob",
        entries={
            1: EntryOutcome(
                exact="ec2.instance_state(action=stop…)", status="verified", result="✅"
            ),
            2: EntryOutcome(exact="ec2.x(…)", status="in-progress", result="⏳ stopping"),
        },
        rollback_plan_id="ba9876543210",
    )
    facts = applied.facts(planned)
    assert facts["outcome"] == "applied" and facts["applied_by"] == "bob"
    assert [e["status"] for e in facts["entries"]] == ["verified", "in-progress"]
    assert facts["rollback_plan_id"] == "ba9876543210"
    assert applied.facts(dropped) == {
        "plan_id": "0123456789ab",
        "outcome": "not planned",
        "why": "no such instance",
    }
    assert applied.facts(None)["outcome"] == "not planned"
    failed = applied.model_copy(update={"outcome": "failed", "entries": {}})
    assert failed.facts(planned)["entries"][0]["status"] == "unknown"
    assert "stopped part-way" in failed.instruction()
    for outcome in ("rejected", "expired", "lapsed"):
        decided = Decision(
            plan_id="0123456789ab", outcome=outcome, by="bob", reason="x" * 2_000 + "<!-- y -->"
        )
        facts = decided.facts(planned)
        assert facts["outcome"] == outcome and facts["decided_by"] == "bob"
        assert len(facts["reason"]) <= continuation.MAX_REASON and "<!--" not in facts["reason"]
        assert "nothing was changed" in decided.instruction()
        assert "entries" not in facts


# --------------------------------------------------------------------------- the ledger


@pytest.fixture
def gh(github):
    from devops_agent.gh import connect

    return connect(TOKEN, github.url, backoff=0.01)


def test_a_rejection_is_final_in_the_ledger(github, gh):
    plan = make_plan()
    ledger.reject(gh, REPO, plan, KEY, "100.1")
    with pytest.raises(Refused, match="was rejected"):
        ledger.claim(gh, REPO, plan, KEY, "101.1")
    with pytest.raises(Refused, match="was rejected"):
        ledger.reject(gh, REPO, plan, KEY, "102.1")
    # an unsigned "rejected" status (anyone can post one) counts for nothing
    other = make_plan(requester="bob")
    github.add_status(REPO, SHA, ledger.context(other), "error", description="rejected 1.1 x")
    ledger.claim(gh, REPO, other, KEY, "103.1")


def test_an_applied_or_live_plan_cannot_be_rejected(github, gh):
    plan = make_plan()
    ledger.claim(gh, REPO, plan, KEY, "200.1")
    with pytest.raises(Refused, match=r"claimed by run 200\.1"):
        ledger.reject(gh, REPO, plan, KEY, "201.1")
    ledger.finish(gh, REPO, plan, KEY, "200.1", ok=True)
    with pytest.raises(Refused, match=r"applied by run 200\.1"):
        ledger.reject(gh, REPO, plan, KEY, "202.1")


@pytest.mark.parametrize("first", ["claim", "rejected"])
def test_a_race_between_a_rejection_and_an_apply_has_one_winner(github, gh, first):
    """The other record lands between this run's read of the ledger and its own record:
    the earliest wins, and the loser says so."""
    plan = make_plan()
    rival = f"{first} 300.1 {KEY.sign('ledger', plan.digest, first, '300.1')}"

    def interleave(request):
        if request.method == "POST" and request.path.endswith(f"/statuses/{SHA}"):
            github.on_request = None
            github.add_status(REPO, SHA, ledger.context(plan), "pending", description=rival)

    github.on_request = interleave
    if first == "claim":
        with pytest.raises(Refused, match=r"claimed by run 300\.1 just before this rejection"):
            ledger.reject(gh, REPO, plan, KEY, "301.1")
    else:
        with pytest.raises(Refused, match=r"rejected by run 300\.1 just before this apply"):
            ledger.claim(gh, REPO, plan, KEY, "301.1")
