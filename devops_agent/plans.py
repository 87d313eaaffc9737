"""Plans: the only way anything changes (docs/plans.md). Pure: no I/O here.

A run that would change AWS or GitHub posts a plan instead: exact operations in
a machine-readable block, and a ``plan-id`` that is a hash of their canonical
form together with the account, region, requester and (on a PR) the head SHA.
``/devops apply PLAN_ID`` later carries out exactly that plan, once.

The block lives in the action's own comment, behind a hidden marker::

    <!-- devops-agent:plan 0123456789ab state=pending run=- key=1a2b3c4d sig=<64 hex> -->

Authorship proves little (every workflow of the repository posts as
``github-actions[bot]``), so trust comes from the id (the block's content must hash
to it) and from the signature: an HMAC under the installation's ``plan-signing-key``
(:mod:`devops_agent.signing`) over the plan's digest, its state and the run that set
it. A plan posted without the key says ``unsigned`` and can never be applied.

Markers are found with ``str.find`` in one pass, never with a backtracking regex,
and at most :data:`MAX_MARKERS` of them are read per comment, so a hostile comment
of any size costs time linear in its length.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ValidationError

from devops_agent.operation import PlanEntry
from devops_agent.signing import SigningKey, digest

__all__ = [
    "DEFAULT_TTL",
    "MAX_MARKERS",
    "PLAN_ID",
    "FoundPlan",
    "Plan",
    "PlanEntry",
    "PlanState",
    "Proposer",
    "find_blocks",
    "marker",
    "new_plan",
    "plan_id_of",
    "render_block",
    "set_state",
]

#: How long a plan may wait for its apply.
DEFAULT_TTL = timedelta(hours=24)
#: The plan format this version writes and applies (3: the session policy's hash and
#: rollbacks; a plan may be applied again after it failed part-way).
VERSION = 3
#: Plan markers read per comment; the action writes one, the rest is ignored.
MAX_MARKERS = 4

PlanState = Literal["pending", "applying", "applied", "failed", "rejected"]
#: Who chose a plan's change: the requester's own command, or the agent answering them.
Proposer = Literal["person", "agent"]
STATES: frozenset[str] = frozenset({"pending", "applying", "applied", "failed", "rejected"})
#: What a plan id looks like: 12 lower-case hex characters.
PLAN_ID = re.compile(r"[0-9a-f]{12}")
_RUN = re.compile(r"-|[0-9]{1,20}(?:\.[0-9]{1,6})?|local")
_HEX = re.compile(r"[0-9a-f]+")

_MARK = "<!-- devops-agent:plan "
_MARK_END = "-->"
_FENCE = "```json\n"
_FENCE_END = "\n```"
#: Longest marker line the action writes, with room to spare.
_MAX_HEADER = 200


class Plan(BaseModel):
    """A set of operations waiting for an authorized apply."""

    version: int = VERSION
    entries: list[PlanEntry]
    repository: str
    thread: int = 0
    """Issue or PR number the plan was posted on (0 outside a thread)."""
    account: str = ""
    """AWS account the plan was made in; apply refuses a write role in another one."""
    region: str = ""
    requester: str
    proposer: Proposer = "person"
    """Who chose the change: the requester's own command, or the agent answering them
    (which may have followed text someone else wrote). Left out of the canonical form
    when ``person``, so the form and id of every other plan are unchanged."""
    head_sha: str = ""
    """PR head when planned; apply refuses if the head has moved."""
    ledger_sha: str = ""
    """Commit whose statuses record the plan's claim and outcome (GITHUB_SHA when planned)."""
    nonce: str = ""
    """Random: two plans of the same change, asked in the same second, still differ, so a
    plan's ledger records can never be taken for another's."""
    policy_sha256: str = ""
    """SHA-256 of the session policy the apply will assume the write role with (empty when
    the plan needs no AWS): the apply derives the policy again and refuses another one."""
    rollback_of: str = ""
    """The plan this one undoes (a rollback plan carried by an apply's answer); a bare
    ``apply`` never picks one."""
    agent_state_sha256: str = ""
    """SHA-256 of the paused agent's state kept under the plan in its comment
    (:mod:`devops_agent.continuation`), so the plan's id and signature cover it: a changed
    state is refused at apply. Empty (and left out of the canonical JSON, so plans without
    one keep their ids) when the plan was not made by the agent."""
    created_at: datetime
    expires_at: datetime

    @property
    def plan_id(self) -> str:
        """12 hex characters of SHA-256 over the canonical JSON of the plan."""
        return plan_id_of(self.canonical())

    @property
    def digest(self) -> str:
        """Full SHA-256 of the canonical JSON: what signatures name."""
        return digest(self.canonical())

    def canonical(self) -> str:
        """Sorted-key, compact JSON: the form that is hashed and stored.

        ``<`` and ``>`` are written as JSON escapes, so no value (an object key, an issue
        body) can close the folded block or open a marker inside the action's comment.

        Returns:
            The JSON text.
        """
        data = self.model_dump(mode="json")
        if not data.get("agent_state_sha256"):
            del data["agent_state_sha256"]
        if data.get("proposer") == "person":
            del data["proposer"]
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return text.replace("<", "\\u003c").replace(">", "\\u003e")


def plan_id_of(canonical: str) -> str:
    """The id of a plan's canonical JSON.

    Args:
        canonical: The plan's canonical JSON.

    Returns:
        The first 12 hex characters of its SHA-256.
    """
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def new_plan(
    entries: list[PlanEntry],
    *,
    repository: str,
    requester: str,
    thread: int = 0,
    account: str = "",
    region: str = "",
    head_sha: str = "",
    ledger_sha: str = "",
    now: datetime | None = None,
    ttl: timedelta = DEFAULT_TTL,
    policy_sha256: str = "",
    rollback_of: str = "",
    agent_state_sha256: str = "",
    proposer: Proposer = "person",
) -> Plan:
    """Build a plan that expires ``ttl`` from ``now``.

    Args:
        entries: What the plan carries out.
        repository: The repository, ``owner/name``.
        requester: Who asked.
        thread: The issue or pull request it lives in (0 for none).
        account: The AWS account it was made in (the apply checks it).
        region: Its region.
        head_sha: The pull request's head when asked on one.
        ledger_sha: The commit whose statuses record its use.
        now: Its creation time; ``None`` means now.
        ttl: How long it may wait for its apply.
        policy_sha256: The SHA-256 of its session policy, which the apply derives again
            and compares (empty when it changes nothing in AWS).
        rollback_of: The id of the plan it undoes, for a rollback plan (a bare
            ``apply`` never picks one).
        agent_state_sha256: The SHA-256 of the agent state kept under it
            (:func:`devops_agent.continuation.digest`; empty when none is kept).
        proposer: ``agent`` when the agent chose the change in answer to the requester
            (under ``require-second-approver`` such a plan is never applied).

    Returns:
        The plan, with a random nonce; its id is the hash of its canonical JSON.
    """
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    return Plan(
        entries=entries,
        repository=repository,
        thread=thread,
        account=account,
        region=region,
        requester=requester,
        proposer=proposer,
        head_sha=head_sha,
        ledger_sha=ledger_sha,
        nonce=secrets.token_hex(8),
        policy_sha256=policy_sha256,
        rollback_of=rollback_of,
        agent_state_sha256=agent_state_sha256,
        created_at=now,
        expires_at=now + ttl,
    )


def state_signature(key: SigningKey, plan: Plan, state: PlanState, run: str = "-") -> str:
    """The signature of ``plan`` being in ``state``, set by ``run`` (``-`` when pending)."""
    return key.sign("plan-state", plan.digest, state, run)


def marker(plan: Plan, key: SigningKey | None, state: PlanState = "pending", run: str = "-") -> str:
    """Hidden line that finds a plan in a thread and records its signed state.

    Args:
        plan: The plan.
        key: The signing key; ``None`` writes an unsigned marker.
        state: The plan's state.
        run: The run that set the state.

    Returns:
        The HTML comment line.
    """
    if key is None:
        return f"{_MARK}{plan.plan_id} state={state} unsigned {_MARK_END}"
    sig = state_signature(key, plan, state, run)
    return f"{_MARK}{plan.plan_id} state={state} run={run} key={key.key_id} sig={sig} {_MARK_END}"


def render_block(plan: Plan, key: SigningKey | None, state: PlanState = "pending") -> str:
    """The machine-readable part of a plan comment (hidden marker + folded JSON).

    Args:
        plan: The plan.
        key: The signing key; ``None`` marks it unsigned.
        state: Its state.

    Returns:
        The marker line and the plan's JSON folded in ``<details>``.
    """
    return (
        f"{marker(plan, key, state)}\n"
        "<details><summary>Machine-readable plan</summary>\n\n"
        f"```json\n{plan.canonical()}\n```\n\n</details>"
    )


class FoundPlan(BaseModel):
    """A plan read back from a comment."""

    plan_id: str
    """The id the comment claims."""
    state: str
    run: str = "-"
    """The run that set the state (``-`` while pending)."""
    key_id: str = ""
    signature: str = ""
    """Empty when the plan says ``unsigned`` (posted without a key) or has no signature."""
    plan: Plan | None
    """``None`` when the block does not parse."""
    intact: bool
    """True when the block's content hashes to the claimed id."""

    def signed_by(self, key: SigningKey) -> bool:
        """Whether the plan and its recorded state carry ``key``'s valid signature.

        Args:
            key: The plan-signing key.

        Returns:
            True only for an intact plan whose marker's signature holds.
        """
        if self.plan is None or not self.intact or not self.signature:
            return False
        return key.verify(self.signature, "plan-state", self.plan.digest, self.state, self.run)


def _header(text: str) -> dict[str, str] | None:
    """The fields of a marker's header (``ID state=… run=… key=… sig=…``), or ``None``."""
    words = text.split()
    if not words or not PLAN_ID.fullmatch(words[0]):
        return None
    fields = {"id": words[0]}
    for word in words[1:]:
        if word == "unsigned":
            fields["unsigned"] = "1"
            continue
        name, sep, value = word.partition("=")
        if not sep or name not in ("state", "run", "key", "sig") or name in fields:
            return None
        fields[name] = value
    if fields.get("state") not in STATES or not _RUN.fullmatch(fields.get("run", "-")):
        return None
    for name, size in (("key", 8), ("sig", 64)):
        if name in fields and not (len(fields[name]) == size and _HEX.fullmatch(fields[name])):
            return None
    return fields


def _starts(body: str) -> list[int]:
    """Where the first :data:`MAX_MARKERS` plan markers start."""
    starts: list[int] = []
    at = body.find(_MARK)
    while at != -1 and len(starts) < MAX_MARKERS:
        starts.append(at)
        at = body.find(_MARK, at + len(_MARK))
    return starts


def find_blocks(body: str) -> list[FoundPlan]:
    """The plan blocks in a comment body (at most :data:`MAX_MARKERS`), checked for integrity.

    Linear in ``len(body)``: each marker's search stops at the next marker, so no part
    of the body is scanned more than a few times whatever it holds.

    Args:
        body: A comment's body (untrusted).

    Returns:
        Each block found, with its plan (``None`` when unreadable), state, signature and whether
        its id matches its JSON.
    """
    starts = _starts(body)
    found: list[FoundPlan] = []
    for n, start in enumerate(starts):
        stop = starts[n + 1] if n + 1 < len(starts) else len(body)
        head_from = start + len(_MARK)
        head_end = body.find(_MARK_END, head_from, min(stop, head_from + _MAX_HEADER))
        if head_end == -1:
            continue
        fields = _header(body[head_from:head_end])
        if fields is None:
            continue
        bare = FoundPlan(
            plan_id=fields["id"],
            state=fields["state"],
            run=fields.get("run", "-"),
            key_id=fields.get("key", ""),
            signature="" if "unsigned" in fields else fields.get("sig", ""),
            plan=None,
            intact=False,
        )
        fence = body.find(_FENCE, head_end, stop)
        end = body.find(_FENCE_END, fence + len(_FENCE), stop) if fence != -1 else -1
        if end == -1:
            found.append(bare)
            continue
        raw = body[fence + len(_FENCE) : end].strip()
        try:
            plan = Plan.model_validate_json(raw)
        except ValidationError:
            found.append(bare)
            continue
        intact = plan_id_of(raw) == bare.plan_id and plan.plan_id == bare.plan_id
        found.append(bare.model_copy(update={"plan": plan, "intact": intact}))
    return found


def set_state(
    body: str, plan: Plan, key: SigningKey | None, state: PlanState, run: str = "-"
) -> str:
    """The comment body with the plan's recorded state changed (and signed).

    Args:
        body: The plan comment's body.
        plan: The plan in it.
        key: The signing key; ``None`` writes it unsigned.
        state: The new state.
        run: The run that set it.

    Returns:
        The body with the marker replaced; unchanged when the marker is not found.
    """
    at = body.find(f"{_MARK}{plan.plan_id} ")
    if at == -1:
        return body
    end = body.find(_MARK_END, at + len(_MARK), at + len(_MARK) + _MAX_HEADER)
    if end == -1:
        return body
    return body[:at] + marker(plan, key, state, run) + body[end + len(_MARK_END) :]


#: Longest rendering of one argument in :func:`exact_line`.
_VALUE_LIMIT = 160


def _value(value: object) -> str:
    if isinstance(value, list | tuple):
        text = ",".join(_value(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    else:
        text = json.dumps(value) if isinstance(value, bool) or value is None else str(value)
    text = " ".join(text.split())
    if len(text) > _VALUE_LIMIT:
        text = f"{text[: _VALUE_LIMIT - 1]}… ({len(text):,} characters, all in the block)"
    return text


def exact_line(operation: str, args: dict[str, object]) -> str:
    """What an entry does, derived only from its operation and arguments: one line.

    This, not the entry's ``description`` (which may quote names AWS or people
    wrote), is what a plan and its apply show as the exact change.
    """
    parts = [f"{name}={_value(args[name])}" for name in sorted(args)]
    return f"{operation}({', '.join(parts)})"
