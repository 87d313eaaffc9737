"""A paused agent kept with its plan, and what it is told once the plan is decided.

When the agent proposes changes its run pauses (write tools need approval) and the run
posts a plan. The paused run is kept with that plan, so that after ``/devops apply`` the
agent resumes with the real results of the approved calls and finishes the task in the
same thread (a rejected or lapsed plan resumes with the reason instead):

* **What is kept** (:class:`AgentState`): the SDK's serialized ``RunState`` (the
  conversation, the tool calls and their outputs, the pending approvals), which call
  became which plan entries, the request, and what the first part cost. The run's context
  is never serialized (the state's context is ``{}``; the resumed run gets the apply
  run's own), nor the SDK's trace record (it may hold a fingerprint of the API key), nor
  its usage (the cost is kept as a number, for ``max-cost-usd``). Every string in it is
  redacted like everything posted, and the state is checked to load again afterwards.
* **Bounded**: at most :data:`MAX_STATE_CHARS` characters in the comment. A longer
  conversation is kept *without history* (``state`` empty): the request, the proposed
  calls and their entries, from which the resumed run starts afresh; it still hears the
  results. Reading one back never decompresses more than :data:`MAX_STATE_JSON`.
* **Where**: in the plan's own comment, a second folded block right under the plan block
  (:func:`render_block`). The apply already reads that comment and checks who wrote and
  last edited it and when; another comment would need its own request and its own
  checks. The comment stays under GitHub's 65,536 characters: the answer is cut to the
  room the blocks leave (:func:`devops_agent.publish.Publisher`).
* **Protected exactly like the plan**: the block's payload hashes (SHA-256) to the plan's
  ``agent_state_sha256``, which is inside the canonical plan, so the plan id and its
  signature cover it. A changed or missing state is refused at apply like a changed plan.
* **Encoding**: compact JSON, zlib, lower-case base32 (``a-z2-7``), wrapped. That
  alphabet cannot form any credential shape the redactor knows (no upper case, ``-``,
  ``_`` or ``/``), so the redaction every comment goes through never alters the block
  (still checked when it is made: a plan is never posted with a block that would be cut).

Hand-written because nothing else does this: the SDK serializes a run but leaves
storage, integrity and secrets to the application ("load it only from storage you
trust").

This module is pure (no SDK): the plan path (:mod:`devops_agent.proposals`) and the apply
path (:mod:`devops_agent.apply`) use it; :mod:`devops_agent.agent.resumption` makes and
loads the SDK state.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, ValidationError

from devops_agent.errors import Refused
from devops_agent.report import Result, render_table
from devops_agent.sanitize import clean_untrusted

if TYPE_CHECKING:
    from devops_agent.plans import Plan

__all__ = [
    "MAX_STATE_CHARS",
    "MAX_STATE_JSON",
    "AgentState",
    "Continuation",
    "Decision",
    "EntryOutcome",
    "PausedCall",
    "after_apply",
    "declined",
    "decode",
    "digest",
    "encode",
    "find_payload",
    "follow",
    "render_block",
]

#: The format of :class:`AgentState` this version writes and reads.
VERSION = 1
#: Most characters of encoded state kept in a plan comment (about 10 KB compressed).
MAX_STATE_CHARS = 16_000
#: Most characters of JSON a kept state may decompress to (a guard, never reached by a
#: state this version wrote: it is far above what :data:`MAX_STATE_CHARS` compresses).
MAX_STATE_JSON = 600_000
#: Longest request kept (the request that asked for the change).
MAX_REQUEST = 4_000
#: Longest arguments kept per call, and most calls.
MAX_ARGUMENTS = 4_000
MAX_CALLS = 50
#: Longest rejection reason the model is told.
MAX_REASON = 500

_MARK = "<!-- devops-agent:state "
_MARK_END = " -->"
_FENCE = "```text\n"
_FENCE_END = "\n```"
_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyz234567")
_WIDTH = 76


class PausedCall(BaseModel):
    """One write tool call the run paused for, and what the plan made of it."""

    call_id: str
    tool: str
    arguments: str = ""
    """The call's JSON arguments as the model wrote them (redacted, bounded)."""
    entries: list[int] = Field(default_factory=list)
    """The plan entries (1-based) this call became; empty when it was not planned."""
    dropped: str = ""
    """Why the call is not in the plan (its preview failed when the plan was made)."""


class AgentState(BaseModel):
    """What is kept of a paused agent run, with its plan."""

    version: int = VERSION
    agent: str
    """The agent that paused (the one holding the write tools it called)."""
    request: str
    """The request that asked for the change (redacted, bounded)."""
    calls: list[PausedCall]
    state: str = ""
    """The SDK's ``RunState`` JSON; empty when the run is kept without history."""
    note: str = ""
    """Why the history was not kept (too long), shown in the plan and the resumed answer."""
    spent_usd: float | None = None
    """What the first part of the run cost (``None``: no price known): ``max-cost-usd``
    covers the run and its resumption together."""
    tokens: int = 0
    """Tokens the first part of the run used."""

    def call(self, call_id: str) -> PausedCall | None:
        """The paused call with this id, if the state has it.

        Args:
            call_id: The SDK's call id.

        Returns:
            The call, or ``None``.
        """
        return next((c for c in self.calls if c.call_id == call_id), None)


class EntryOutcome(BaseModel):
    """What the apply did with one plan entry (the apply comment's row)."""

    exact: str
    """The entry's exact operation and arguments."""
    status: str
    """The apply's status for it (``verified``, ``in-progress``, ``failed``, …)."""
    result: str
    """The result line the apply comment shows (with what was read back)."""


Verdict = Literal["applied", "failed", "rejected", "expired", "lapsed"]


class Decision(BaseModel):
    """How the plan was decided: what the resumed agent is told for each of its calls."""

    plan_id: str
    outcome: Verdict
    """``applied`` (every entry carried out), ``failed`` (stopped part-way), ``rejected``
    (``/devops reject``), ``expired``, or ``lapsed`` (it can never be applied: the pull
    request's head moved)."""
    by: str
    """Who applied or rejected it, or whose apply found it lapsed."""
    reason: str = ""
    """A rejection's reason (a person's words) or why the plan lapsed."""
    entries: dict[int, EntryOutcome] = Field(default_factory=dict)
    """Entry number (1-based) → what the apply did with it."""
    rollback_plan_id: str = ""

    def facts(self, call: PausedCall | None) -> dict[str, Any]:
        """What the model is told about one of its calls (the data part: it quotes AWS,
        GitHub and people, so the resumed run wraps it as untrusted data).

        Args:
            call: The paused call (``None`` when the state does not list it).

        Returns:
            The plan id and outcome, and the entries' results or who decided and why.
        """
        facts: dict[str, Any] = {"plan_id": self.plan_id, "outcome": self.outcome}
        if call is None or (not call.entries and self.outcome in ("applied", "failed")):
            facts["outcome"] = "not planned"
            facts["why"] = (call.dropped if call is not None else "") or (
                "this call is not in the plan"
            )
            return facts
        if self.outcome in ("applied", "failed"):
            facts["applied_by"] = self.by
            facts["entries"] = [
                self.entries[n].model_dump()
                if n in self.entries
                else {"exact": "", "status": "unknown", "result": "not reported by the apply"}
                for n in call.entries
            ]
            if self.rollback_plan_id:
                facts["rollback_plan_id"] = self.rollback_plan_id
        else:
            facts["decided_by"] = self.by
            if self.reason:
                facts["reason"] = clean_untrusted(self.reason, limit=MAX_REASON)
        return facts

    def instruction(self) -> str:
        """What to do with these facts, in devops-agent's own words (never a person's).

        Returns:
            One or two sentences for the model.
        """
        if self.outcome == "applied":
            return (
                "A person applied the plan with this proposal after you proposed it; the "
                "entries say what the apply did and read back. Report exactly that (never "
                "more), and finish the task with read tools if the request asked for more. "
                "An entry whose status is in-progress is not done yet: when the user asked "
                "to hear when it is, wait with a tool that watches (watch_instances, "
                "watch_workflow_run) rather than reading again and again."
            )
        if self.outcome == "failed":
            return (
                "The apply of this plan stopped part-way: the entries say which ran and "
                "which did not. Report that exactly; do not propose the same change again "
                "unless the request needs it."
            )
        words = {
            "rejected": "A person rejected the plan with this proposal",
            "expired": "The plan with this proposal expired before anyone applied it",
            "lapsed": "The plan with this proposal can no longer be applied",
        }[self.outcome]
        return (
            f"{words}: nothing was changed. Tell the user, with the reason if there is one; "
            "do not propose the change again unless the user asks for it again."
        )


class Continuation(BaseModel):
    """A kept agent state and the decision it resumes with (handed from apply to the run)."""

    state: AgentState
    decision: Decision
    requester: str = ""
    """Who asked for the decided plan: a change the resumed agent proposes is theirs, not
    the approver's or rejecter's (whose run it continues in), so that under
    ``require-second-approver`` the requester cannot apply it alone."""


# --------------------------------------------------------------------------- the block


def encode(state: AgentState) -> str:
    """The kept state as the block's payload: compact JSON, zlib, lower-case base32.

    Args:
        state: The state to keep.

    Returns:
        One line of ``a-z2-7`` (wrapped only when rendered); what :func:`digest` hashes.
    """
    raw = json.dumps(state.model_dump(mode="json"), separators=(",", ":"), ensure_ascii=False)
    packed = zlib.compress(raw.encode("utf-8"), 9)
    return base64.b32encode(packed).decode("ascii").rstrip("=").lower()


def decode(payload: str) -> AgentState:
    """Read a block's payload back, never decompressing more than :data:`MAX_STATE_JSON`.

    Args:
        payload: The payload (line breaks and spaces are ignored).

    Returns:
        The kept state.

    Raises:
        ValueError: it is too long, not in the alphabet, does not decompress within the
            bound, or is not a state this version reads.
    """
    text = "".join(payload.split())
    if len(text) > MAX_STATE_CHARS or not text or not set(text) <= _ALPHABET:
        raise ValueError("not a kept agent state")
    padded = text.upper() + "=" * (-len(text) % 8)
    try:
        packed = base64.b32decode(padded)
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_STATE_JSON)
        if inflater.unconsumed_tail or not inflater.eof:
            raise ValueError("the kept agent state is too large or cut")
        state = AgentState.model_validate_json(raw)
    except (ValueError, zlib.error, ValidationError) as exc:
        raise ValueError(f"not a kept agent state ({exc.__class__.__name__})") from None
    if state.version != VERSION:
        raise ValueError(f"a kept agent state of format {state.version}")
    return state


def digest(payload: str) -> str:
    """SHA-256 (hex) of a payload without its line breaks: what the plan signs.

    Args:
        payload: The payload, as encoded or as read back (line breaks ignored).

    Returns:
        64 hex characters.
    """
    return hashlib.sha256("".join(payload.split()).encode("ascii", "replace")).hexdigest()


def render_block(plan_id: str, payload: str) -> str:
    """The folded block that keeps a plan's agent state in its comment.

    Args:
        plan_id: The plan it belongs to.
        payload: :func:`encode`'s output.

    Returns:
        A hidden marker naming the plan, and the payload wrapped in a folded code block.
    """
    lines = [payload[i : i + _WIDTH] for i in range(0, len(payload), _WIDTH)]
    body = "\n".join(lines)
    return (
        f"{_MARK}{plan_id}{_MARK_END}\n"
        "<details><summary>Agent state (kept so the agent can continue after the apply)"
        f"</summary>\n\n{_FENCE}{body}{_FENCE_END}\n\n</details>"
    )


def find_payload(body: str, plan_id: str) -> str | None:
    """The payload of ``plan_id``'s state block in a comment body, or ``None``.

    Linear: one ``str.find`` for the marker and two bounded ones for its fences.

    Args:
        body: The plan comment's body (untrusted until its digest is checked).
        plan_id: The plan whose state to find.

    Returns:
        The payload as written (with its line breaks), or ``None`` when there is none.
    """
    at = body.find(f"{_MARK}{plan_id}{_MARK_END}")
    if at == -1:
        return None
    limit = at + len(_MARK) + 200 + MAX_STATE_CHARS + MAX_STATE_CHARS // _WIDTH + 50
    fence = body.find(_FENCE, at, limit)
    if fence == -1:
        return None
    end = body.find(_FENCE_END, fence + len(_FENCE), limit)
    return body[fence + len(_FENCE) : end] if end != -1 else None


# --------------------------------------------------------------------------- the answer


def follow(done: Result, answer: Result | None, *, note: str = "") -> Result:
    """The apply's (or rejection's) answer with what the resumed agent said under it.

    The apply keeps its status and exit code (it is what happened); the agent's answer,
    its usage and any new plan (its block, after the apply's rollback block) follow. The
    apply's tables are rendered into its part of the text, so the comment reads in order.

    Args:
        done: The apply's or the rejection's result.
        answer: The resumed agent's answer, or ``None`` when it did not run.
        note: Why it did not run, when it did not.

    Returns:
        One result for the apply's answer comment.
    """
    data = dict(done.data) if isinstance(done.data, dict) else {}
    if answer is None:
        text = f"{done.text}\n\n{note}" if note else done.text
        return done.model_copy(update={"text": text, "data": data, "resume": None})
    more = answer.data if isinstance(answer.data, dict) else {}
    data["agent"] = {
        "status": answer.status,
        "title": answer.title,
        "answer": more.get("answer", ""),
        "plan_id": more.get("plan_id", ""),
    }
    if "usage" in more:
        data["usage"] = more["usage"]
    # The apply's own tables stay with its part (its data keeps them for machines); the
    # agent's answer, and its tables, come after.
    applied = "\n\n".join([done.text, *(render_table(t) for t in done.tables)])
    heading = "\n\n---\n\n#### 🤖 The agent continues\n\n"
    blocks = [b for b in (done.plan_block, answer.plan_block) if b]
    return done.model_copy(
        update={
            "text": f"{applied}{heading}**{answer.title}**\n\n{answer.text}",
            "tables": list(answer.tables),
            "data": data,
            "plan_block": "\n\n".join(blocks),
            "not_read": [*done.not_read, *answer.not_read],
            "resume": None,
        }
    )


def after_apply(applied: Result, plan: Plan, by: str, kept: AgentState) -> Continuation:
    """What the paused agent is told after an apply: each entry's exact change, its status
    and the result line the apply comment shows (with what was read back).

    Args:
        applied: The apply's result (``data["audit"]["entries"]`` and ``data["results"]``).
        plan: The plan applied (its id, and its requester, whose the agent's next plan is).
        by: Who applied it.
        kept: The agent state kept under the plan.

    Returns:
        The continuation the run resumes the agent with.
    """
    data = applied.data if isinstance(applied.data, dict) else {}
    audit = data.get("audit") or {}
    entries = {
        int(e["entry"]): EntryOutcome(
            exact=str(e.get("exact", "")), status=str(e.get("status", "")), result=str(row)
        )
        for e, row in zip(audit.get("entries", []), data.get("results", []), strict=False)
    }
    decision = Decision(
        plan_id=plan.plan_id,
        outcome="applied" if applied.status == "applied" else "failed",
        by=by,
        entries=entries,
        rollback_plan_id=str(audit.get("rollback_plan_id", "")),
    )
    return Continuation(state=kept, decision=decision, requester=plan.requester)


def declined(refusal: Refused, resume: Continuation) -> Result:
    """A refusal (the plan can never be applied any more) that also resumes the agent that
    proposed the plan, with the reason.

    Args:
        refusal: Why the plan is not applied.
        resume: The kept state and the decision to resume it with.

    Returns:
        A ``refused`` result (exit 3) carrying ``resume``.
    """
    return Result(
        status="refused",
        title=refusal.message,
        text=refusal.remedy,
        exit_code=refusal.exit_code,
        data={"error": refusal.message, "code": "Refused", "plan_id": resume.decision.plan_id},
        resume=resume,
    )
