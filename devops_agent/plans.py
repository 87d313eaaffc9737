"""Plans: the only way anything changes (CONTRACT.md §6). Pure: no I/O here.

A run that would change AWS or GitHub posts a plan instead: exact operations in
a machine-readable block, and a ``plan-id`` that is a hash of their canonical
form together with the account, region, requester and (on a PR) the head SHA.
``/devops apply PLAN_ID`` later carries out exactly that plan, once.

The block lives in the action's own comment. Trust comes from authorship (only
comments by the action's identity are read, see :mod:`devops_agent.apply`) and
from the id: a block whose content no longer hashes to its id is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ValidationError

from devops_agent.operation import PlanEntry

#: How long a plan may wait for its apply.
DEFAULT_TTL = timedelta(hours=24)

PlanState = Literal["pending", "applying", "applied", "failed"]
#: What a plan id looks like: 12 lower-case hex characters.
PLAN_ID = re.compile(r"[0-9a-f]{12}")

_BLOCK = re.compile(
    r"<!-- devops-agent:plan (?P<id>[0-9a-f]{12}) state=(?P<state>[a-z]+) -->"
    r"[\s\S]*?```json\n(?P<json>[\s\S]*?)\n```",
)


class Plan(BaseModel):
    """A set of operations waiting for an authorized apply."""

    version: int = 1
    entries: list[PlanEntry]
    repository: str
    thread: int = 0
    """Issue or PR number the plan was posted on (0 outside a thread)."""
    account: str = ""
    region: str = ""
    requester: str
    head_sha: str = ""
    """PR head when planned; apply refuses if the head has moved."""
    created_at: datetime
    expires_at: datetime

    @property
    def plan_id(self) -> str:
        """12 hex characters of SHA-256 over the canonical JSON of the plan."""
        return plan_id_of(self.canonical())

    def canonical(self) -> str:
        """Sorted-key, compact JSON: the form that is hashed and stored."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


def plan_id_of(canonical: str) -> str:
    """The id of a plan's canonical JSON."""
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
    now: datetime | None = None,
    ttl: timedelta = DEFAULT_TTL,
) -> Plan:
    """Build a plan that expires ``ttl`` from ``now``."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    return Plan(
        entries=entries,
        repository=repository,
        thread=thread,
        account=account,
        region=region,
        requester=requester,
        head_sha=head_sha,
        created_at=now,
        expires_at=now + ttl,
    )


def marker(plan_id: str, state: PlanState) -> str:
    """Hidden line that finds a plan in a thread and records its state."""
    return f"<!-- devops-agent:plan {plan_id} state={state} -->"


def render_block(plan: Plan, state: PlanState = "pending") -> str:
    """The machine-readable part of a plan comment (hidden marker + folded JSON)."""
    return (
        f"{marker(plan.plan_id, state)}\n"
        "<details><summary>Machine-readable plan</summary>\n\n"
        f"```json\n{plan.canonical()}\n```\n\n</details>"
    )


class FoundPlan(BaseModel):
    """A plan read back from a comment."""

    plan_id: str
    """The id the comment claims."""
    state: str
    plan: Plan | None
    """``None`` when the block does not parse."""
    intact: bool
    """True when the block's content hashes to the claimed id."""


def find_blocks(body: str) -> list[FoundPlan]:
    """Every plan block in a comment body, checked for integrity."""
    found = []
    for match in _BLOCK.finditer(body):
        raw = match.group("json").strip()
        try:
            plan = Plan.model_validate_json(raw)
        except ValidationError:
            found.append(
                FoundPlan(plan_id=match["id"], state=match["state"], plan=None, intact=False)
            )
            continue
        intact = plan_id_of(raw) == match["id"] and plan.plan_id == match["id"]
        found.append(FoundPlan(plan_id=match["id"], state=match["state"], plan=plan, intact=intact))
    return found


def set_state(body: str, plan_id: str, state: PlanState) -> str:
    """The comment body with the plan's recorded state changed."""
    return re.sub(
        rf"<!-- devops-agent:plan {re.escape(plan_id)} state=[a-z]+ -->",
        marker(plan_id, state),
        body,
        count=1,
    )
