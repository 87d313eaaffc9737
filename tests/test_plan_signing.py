"""Plan blocks, their signatures and the ledger, attacked one state at a time.

The end-to-end attacks (a forged plan in the action's comment, a reset plan applied
again, a re-run, a queued approval) are in ``test_e2e_security.py``; here every way to
alter a signed block, and every race on the ledger, is tried on its own.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from conftest import PLAN_KEY, REPO, TOKEN

from devops_agent import ledger, plans
from devops_agent.errors import Refused
from devops_agent.gh.common import api
from devops_agent.signing import SigningKey

KEY = SigningKey(PLAN_KEY)
OTHER_KEY = SigningKey("another-installations-key-0123456789abcdef")
SHA = "c" * 40


def make_plan(**changes: object) -> plans.Plan:
    values: dict[str, object] = {
        "repository": REPO,
        "requester": "bob",
        "thread": 7,
        "account": "123456789012",
        "region": "us-east-1",
        "ledger_sha": SHA,
        "now": datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
    }
    values.update(changes)
    entry = plans.PlanEntry(
        operation="ec2.instance_state",
        args={"action": "reboot", "region": "us-east-1", "instance_ids": ["i-0123456789abcdef0"]},
        description="Reboot web-1",
    )
    return plans.new_plan([entry], **values)  # type: ignore[arg-type]


def only(body: str) -> plans.FoundPlan:
    (found,) = plans.find_blocks(body)
    return found


# --------------------------------------------------------------------------- signatures


def test_a_signed_block_reads_back_signed():
    plan = make_plan()
    found = only(plans.render_block(plan, KEY))
    assert found.intact and found.state == "pending" and found.key_id == KEY.key_id
    assert found.signed_by(KEY)
    assert repr(KEY) == f"SigningKey(id={KEY.key_id})" and PLAN_KEY not in repr(KEY)


def test_every_alteration_of_a_signed_block_fails():
    plan = make_plan()
    body = plans.render_block(plan, KEY)
    other = make_plan(requester="mallory")
    terminate = plan.model_copy(
        update={
            "entries": [
                plan.entries[0].model_copy(
                    update={"args": {**plan.entries[0].args, "action": "terminate"}}
                )
            ]
        }
    )
    sig = only(body).signature
    cases = {
        # the state label changed, signature kept
        "state": body.replace("state=pending", "state=applied", 1),
        # the run changed, signature kept
        "run": body.replace("run=-", "run=99.1", 1),
        # the arguments changed (hash no longer matches the id)
        "args": body.replace('"reboot"', '"terminate"'),
        # re-hashed forgery (new id) carrying the original signature
        "rehashed": plans.render_block(terminate, KEY).replace(
            only(plans.render_block(terminate, KEY)).signature, sig
        ),
        # another plan's valid signature on this one
        "replayed": body.replace(sig, only(plans.render_block(other, KEY)).signature),
        # signed with another installation's key
        "wrong key": plans.render_block(plan, OTHER_KEY),
        # posted without a key
        "unsigned": plans.render_block(plan, None),
    }
    for name, forged in cases.items():
        found = plans.find_blocks(forged)
        assert not (found and found[0].signed_by(KEY)), name
    assert "unsigned" in cases["unsigned"] and not only(cases["unsigned"]).signature


def test_a_state_signature_is_bound_to_its_plan_and_run():
    plan = make_plan()
    applying = plans.set_state(plans.render_block(plan, KEY), plan, KEY, "applying", "42.1")
    found = only(applying)
    assert (found.state, found.run) == ("applying", "42.1") and found.signed_by(KEY)
    # the pending signature of a plan cannot vouch for another thread or repository
    for moved in (make_plan(thread=8), make_plan(repository="acme/other")):
        assert moved.plan_id != plan.plan_id
        assert plans.state_signature(KEY, moved, "pending") != plans.state_signature(
            KEY, plan, "pending"
        )


def test_a_short_key_is_refused():
    """32 characters is the least (``openssl rand -hex 16``); one fewer is refused."""
    with pytest.raises(ValueError, match="at least 32 characters"):
        SigningKey("too-short")
    with pytest.raises(ValueError, match="at least 32 characters"):
        SigningKey("k" * 31)
    assert SigningKey("k" * 32).key_id


def test_values_cannot_open_markers_inside_the_block():
    """An argument holding a marker (an issue body, an object key) is escaped in the JSON."""
    forged = plans.render_block(make_plan(), KEY)
    entry = plans.PlanEntry(
        operation="github.issue_comment",
        args={"body": f"<!-- devops-agent:plan 0123456789ab state=pending -->\n{forged}"},
        description="comment",
    )
    plan = plans.new_plan([entry], repository=REPO, requester="bob", ledger_sha=SHA)
    block = plans.render_block(plan, KEY)
    assert block.count("<!--") == 1
    (found,) = plans.find_blocks(block)
    assert found.intact and found.signed_by(KEY) and found.plan == plan


# --------------------------------------------------------------------------- parsing cost


def hostile_comments() -> dict[str, str]:
    size = 65_536
    mark = "<!-- devops-agent:plan 0123456789ab state=pending -->"
    return {
        "markers without fences": (mark + "x") * (size // (len(mark) + 1)),
        "one marker, fences never closed": mark + "```json\n" * ((size - len(mark)) // 8),
        "markers and open fences": (mark + "```json\n{") * (size // (len(mark) + 9)),
        "unterminated markers": "<!-- devops-agent:plan " * (size // 23),
        "plain text": "a" * size,
    }


@pytest.mark.parametrize("name", list(hostile_comments()))
def test_marker_parsing_is_linear(name):
    body = hostile_comments()[name]
    assert len(body) <= 65_536
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        plans.find_blocks(body)
        best = min(best, time.perf_counter() - started)
    assert best < 0.05, f"{name}: {best * 1000:.1f} ms"


def test_markers_per_comment_are_capped():
    plan = make_plan()
    block = plans.render_block(plan, KEY)
    body = "\n".join([block] * (plans.MAX_MARKERS + 3))
    assert plans.MAX_MARKERS == 4  # what docs/security.md promises
    assert len(plans.find_blocks(body)) == plans.MAX_MARKERS


def test_marker_headers_are_read_strictly():
    """A header is the action's own shape or nothing: an unknown or repeated field, a
    field without a value, a run that is not a run, or a state that is not one is not a
    plan marker at all (found by mutate.py: each rule survived on its own)."""
    plan = make_plan()
    block = plans.render_block(plan, KEY)
    head = f"<!-- devops-agent:plan {plan.plan_id} "
    good = only(block)
    assert good.signed_by(KEY)
    for name, header in {
        "unknown field": "state=pending run=- owner=bot",
        "repeated field": "state=applied state=pending run=-",
        "no value": "state=pending run",
        "bad run": "state=pending run=12;rm",
        "bad state": "state=done run=-",
        "bad signature": "state=pending run=- key=1234 sig=zz",
    }.items():
        forged = block.replace(block[: block.index("-->")], head + header + " ", 1)
        assert plans.find_blocks(forged) == [], name
    # every state the action writes is read back
    for state in ("pending", "applying", "applied", "failed"):
        assert only(plans.render_block(plan, KEY, state)).state == state


def test_a_marker_moved_to_another_id_is_neither_intact_nor_signed():
    """A real signed block whose marker names another id: the JSON and its signature are
    untouched, but the block no longer vouches for anything under either id."""
    plan = make_plan()
    block = plans.render_block(plan, KEY)
    moved = only(block.replace(plan.plan_id, "0123456789ab", 1))
    assert moved.plan_id == "0123456789ab" and moved.plan is not None
    assert not moved.intact and not moved.signed_by(KEY)


def test_the_canonical_form_is_sorted_and_compact():
    """The id and every signature hash this exact text: sorted keys, no spaces."""
    canonical = make_plan().canonical()
    data = json.loads(canonical)
    assert list(data) == sorted(data)
    assert canonical == json.dumps(data, sort_keys=True, separators=(",", ":"))


def test_exact_line_comes_from_the_arguments():
    line = plans.exact_line(
        "ec2.instance_state",
        {"action": "terminate", "instance_ids": ["i-1", "i-2"], "note": "a\n::set-output x"},
    )
    assert line == (
        "ec2.instance_state(action=terminate, instance_ids=i-1,i-2, note=a ::set-output x)"
    )
    assert "(2,000 characters" in plans.exact_line("x", {"policy": "p" * 2000})


# --------------------------------------------------------------------------- the ledger


@pytest.fixture
def gh(github):
    from devops_agent.gh import connect

    return connect(TOKEN, github.url, backoff=0.01)


def test_a_plan_is_claimed_once(github, gh):
    plan = make_plan()
    ledger.claim(gh, REPO, plan, KEY, "100.1")
    with pytest.raises(Refused, match=r"was claimed by run 100\.1"):
        ledger.claim(gh, REPO, plan, KEY, "101.1")
    ledger.finish(gh, REPO, plan, KEY, "100.1", ok=True)
    with pytest.raises(Refused, match=r"was applied by run 100\.1"):
        ledger.claim(gh, REPO, plan, KEY, "102.1")
    # statuses are the record (newest first): GitHub has no call to edit or delete one
    listed = api(gh, "GET", f"/repos/{REPO}/commits/{SHA}/statuses")
    assert [s["state"] for s in listed] == ["success", "pending"]


def test_unsigned_or_replayed_records_do_not_count(github, gh):
    plan, other = make_plan(), make_plan(thread=9)
    context = ledger.context(plan)
    github.add_status(REPO, SHA, context, "success", description="applied 5.1 " + "0" * 64)
    replayed = f"applied 5.1 {KEY.sign('ledger', other.digest, 'applied', '5.1')}"
    github.add_status(REPO, SHA, context, "success", description=replayed)
    wrong_key = f"claim 5.1 {OTHER_KEY.sign('ledger', plan.digest, 'claim', '5.1')}"
    github.add_status(REPO, SHA, context, "pending", description=wrong_key)
    assert ledger.records(gh, REPO, plan, KEY) == []
    ledger.claim(gh, REPO, plan, KEY, "6.1")  # the plan is still unused


def test_a_race_for_the_claim_has_one_winner(github, gh):
    """Another run's claim lands between this run's read and its own claim."""
    plan = make_plan()
    rival = f"claim 200.1 {KEY.sign('ledger', plan.digest, 'claim', '200.1')}"

    def interleave(request):
        if request.method == "POST" and request.path.endswith(f"/statuses/{SHA}"):
            github.on_request = None
            github.add_status(REPO, SHA, ledger.context(plan), "pending", description=rival)

    github.on_request = interleave
    with pytest.raises(Refused, match=r"claimed by run 200\.1 just before"):
        ledger.claim(gh, REPO, plan, KEY, "201.1")


def test_a_ledger_that_cannot_be_read_or_written_refuses(github, gh, monkeypatch):
    plan = make_plan()
    # full: GitHub takes at most 1,000 statuses per commit and context
    for _ in range(1000):
        github.add_status(REPO, SHA, ledger.context(plan), "pending", description="spam")
    with pytest.raises(Refused, match="Could not claim"):
        ledger.claim(gh, REPO, plan, KEY, "300.1")
    # flooded with other contexts past what is read: refused, never "unused"
    flooded = make_plan(ledger_sha="d" * 40)
    for n in range(ledger.MAX_PAGES * 100):
        github.add_status(REPO, "d" * 40, f"spam/{n}", "success")
    with pytest.raises(Refused, match="cannot be read"):
        ledger.claim(gh, REPO, flooded, KEY, "301.1")
    # no commit named: refused
    with pytest.raises(Refused, match="names no commit"):
        ledger.claim(gh, REPO, make_plan(ledger_sha=""), KEY, "302.1")


# Found by scripts/mutate.py: the ledger's rules for resumed and lapsed applies (new on
# main since the red team) had no test of their own.


def test_a_failed_apply_can_be_claimed_again_and_skips_what_it_finished(github, gh):
    """After ``failed``, a new claim is not blocked by the old one, and the entries the
    failed run finished are reported done; after ``applied``, nothing may claim."""
    plan = make_plan()
    ledger.claim(gh, REPO, plan, KEY, "400.1")
    ledger.entry_done(gh, REPO, plan, KEY, "400.1", 2)
    ledger.finish(gh, REPO, plan, KEY, "400.1", ok=False)
    found = ledger.claim(gh, REPO, plan, KEY, "401.1")
    assert [r.kind for r in found] == ["claim", "done:2", "failed", "claim"]
    assert ledger.done_entries(found) == {2}
    assert [r.entry for r in found] == [0, 2, 0, 0]
    ledger.finish(gh, REPO, plan, KEY, "401.1", ok=True)
    with pytest.raises(Refused, match=r"was applied by run 401\.1"):
        ledger.claim(gh, REPO, plan, KEY, "402.1")


def test_only_a_claim_holds_a_plan(github, gh):
    """A record that is not a claim (an entry's ``done``) never stands for a live claim,
    before this run's claim or after it."""
    plan = make_plan()
    ledger.entry_done(gh, REPO, plan, KEY, "500.1", 1)
    found = ledger.claim(gh, REPO, plan, KEY, "501.1")
    assert [r.kind for r in found] == ["done:1", "claim"]


def test_a_claim_lapses_after_its_write_session_expired():
    """A run that died holding a claim blocks the plan for :data:`ledger.STALE_AFTER`
    (its 15-minute write session is over by then), not forever and not less."""
    from datetime import timedelta

    at = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    claim = ledger.Record("claim", "600.1", 1, at)
    assert timedelta(minutes=20) == ledger.STALE_AFTER
    assert not claim.stale(at + timedelta(minutes=19))
    assert not claim.stale(at + ledger.STALE_AFTER)
    assert claim.stale(at + ledger.STALE_AFTER + timedelta(seconds=1)) is True
    assert ledger.Record("claim", "600.1", 1, None).stale(at) is False  # unknown age


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("yesterday", None),
        ("2026-11-25T10:00:00Z", datetime(2026, 11, 25, 10, 0, tzinfo=UTC)),
        ("2026-11-25T10:00:00", datetime(2026, 11, 25, 10, 0, tzinfo=UTC)),
    ],
)
def test_a_records_time_is_read_as_utc_or_not_at_all(value, expected):
    assert ledger._when(value) == expected
