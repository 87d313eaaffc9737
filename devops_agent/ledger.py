"""The plan ledger: each plan's claim and outcome, recorded where nobody can erase them.

A plan comment can be edited, and every workflow of the repository edits as the same
``github-actions[bot]``: an applied plan's comment can be set back to ``pending``
together with the very signature it once carried. Commit statuses cannot be edited or
deleted by anyone (GitHub's API has no such call), so the apply path records there,
under the context ``devops-agent/plan/<plan_id>`` on the plan's ``ledger_sha`` (the
default branch's head when the plan was made):

* ``claim <run>`` (state ``pending``) before it changes anything,
* ``applied <run>`` or ``failed <run>`` (``success`` / ``failure``) when it is done,
* ``rejected <run>`` (``error``) when someone rejected it (``/devops reject``): final,

each signed with the installation's key (:mod:`devops_agent.signing`). An apply
refuses a plan that has any signed record, and after claiming checks that the
earliest signed claim is its own, so of two applies racing for one plan exactly one
acts; a rejection races the same way (the earliest of a claim and a rejection wins).
Unsigned statuses (anyone may add some) are ignored; a ledger that cannot be read to its
end, or written, refuses the apply rather than risk a second one.

A plan whose apply failed part-way may be applied again (a named ``apply``, under the same
rules): each entry that finished is recorded (``done:<n> <run>``), so the next apply
carries out only what is left. A claim never followed by an outcome blocks every other
apply until :data:`STALE_AFTER` has passed, when the write session it held has expired
and the run that made it can change nothing any more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from devops_agent.errors import Refused, ServiceError
from devops_agent.gh.common import api, github_errors

if TYPE_CHECKING:
    from github import Github

    from devops_agent.plans import Plan
    from devops_agent.signing import SigningKey

Kind = Literal["claim", "applied", "failed", "rejected"] | str
"""``claim``, ``applied``, ``failed``, ``rejected``, or ``done:<n>`` for an entry that
finished."""
_STATE: dict[str, str] = {
    "claim": "pending",
    "applied": "success",
    "failed": "failure",
    "rejected": "error",
}
_DONE = re.compile(r"done:([1-9][0-9]{0,3})")
#: A claim with no outcome after this long belongs to a run that can no longer act: its
#: write session (15 minutes) has expired.
STALE_AFTER = timedelta(minutes=20)
#: Pages of 100 statuses read before giving up (and refusing): a flood of statuses
#: may delay an apply, never let one through twice.
MAX_PAGES = 30
_PERMISSION = "statuses: write"


def context(plan: Plan) -> str:
    """The status context that holds one plan's records.

    Args:
        plan: The plan.

    Returns:
        ``devops-agent/plan/<plan-id>``.
    """
    return f"devops-agent/plan/{plan.plan_id}"


@dataclass(frozen=True)
class Record:
    """One signed record of the ledger."""

    kind: Kind
    run: str
    status_id: int
    at: datetime | None = None
    """When GitHub recorded it (``created_at``)."""

    @property
    def entry(self) -> int:
        """The entry number of a ``done:<n>`` record (0 for the others)."""
        found = _DONE.fullmatch(self.kind)
        return int(found.group(1)) if found else 0

    def stale(self, now: datetime | None = None) -> bool:
        """Whether this is older than :data:`STALE_AFTER` (unknown age: not stale).

        Args:
            now: The time to judge at; ``None`` for the current time.

        Returns:
            ``True`` when the record's run can no longer act (its write session expired).
        """
        return self.at is not None and (now or datetime.now(UTC)) - self.at > STALE_AFTER


def _state(kind: str) -> str:
    return _STATE.get(kind, "success")


def _parse(description: str, plan: Plan, key: SigningKey) -> tuple[Kind, str] | None:
    words = (description or "").split()
    if len(words) != 3 or not (words[0] in _STATE or _DONE.fullmatch(words[0])):
        return None
    kind, run, signature = words
    if not key.verify(signature, "ledger", plan.digest, kind, run):
        return None
    return kind, run


def records(gh: Github, repository: str, plan: Plan, key: SigningKey) -> list[Record]:
    """The plan's signed records, oldest first.

    Raises:
        Refused: the commit holds more statuses than :data:`MAX_PAGES` pages.
        ServiceError: GitHub refused the listing.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        plan: The plan.
        key: The plan-signing key.

    Returns:
        The records whose signature holds; others (anyone can post a status) are ignored.
    """
    if not plan.ledger_sha:
        raise Refused("The plan names no commit to record its use on; it is not applied.")
    name = context(plan)
    found: list[Record] = []
    with github_errors(f"read the statuses of {plan.ledger_sha[:7]}", permission=_PERMISSION):
        for page in range(1, MAX_PAGES + 1):
            batch = api(
                gh,
                "GET",
                f"/repos/{repository}/commits/{plan.ledger_sha}/statuses",
                params={"per_page": 100, "page": page},
            )
            for status in batch:
                if status.get("context") != name:
                    continue
                parsed = _parse(str(status.get("description") or ""), plan, key)
                if parsed is not None:
                    at = _when(status.get("created_at"))
                    found.append(Record(parsed[0], parsed[1], int(status.get("id") or 0), at))
            if len(batch) < 100:
                return sorted(found, key=lambda r: r.status_id)
    raise Refused(
        f"Commit {plan.ledger_sha[:7]} holds more than {MAX_PAGES * 100:,} statuses, so "
        f"whether plan {plan.plan_id} was applied already cannot be read; it is not applied.",
        remedy="Someone may be flooding the commit with statuses. Ask for the change again "
        "after the default branch has moved on (a new plan records on the new head).",
    )


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _open(found: list[Record]) -> list[Record]:
    """The claims of runs that have not recorded an outcome since, and the rejections,
    each as its run's first such record, oldest first.

    Records are signed for their plan, kind and run, not for their place: anyone can read
    one and post it again. So a claim ends only with its own run's outcome (a copy of an
    old run's ``failed`` ends no other apply), and it is as old as its run's first claim
    (a copy of an old run's ``claim`` reopens nothing that is not already stale).
    """
    first: dict[tuple[str, str], Record] = {}
    claiming: dict[str, Record] = {}
    for r in found:
        if r.kind in ("claim", "rejected"):
            earliest = first.setdefault((r.kind, r.run), r)
            if r.kind == "claim":
                claiming[r.run] = earliest
        elif r.kind in ("applied", "failed"):
            claiming.pop(r.run, None)
    rejections = [r for (kind, _), r in first.items() if kind == "rejected"]
    return sorted([*claiming.values(), *rejections], key=lambda r: r.status_id)


def done_entries(found: list[Record]) -> set[int]:
    """The entries (1-based) that some apply of the plan carried out to the end.

    Args:
        found: The plan's records (:func:`records` or :func:`claim`).

    Returns:
        The numbers of the ``done:<n>`` records; a resumed apply skips them.
    """
    return {r.entry for r in found if r.entry}


def _post(
    gh: Github, repository: str, plan: Plan, key: SigningKey, kind: Kind, run: str, url: str
) -> None:
    signature = key.sign("ledger", plan.digest, kind, run)
    body = {
        "state": _state(kind),
        "context": context(plan),
        "description": f"{kind} {run} {signature}",
    }
    if url:
        body["target_url"] = url
    with github_errors(
        f"record plan {plan.plan_id} on {plan.ledger_sha[:7]}", permission=_PERMISSION
    ):
        api(gh, "POST", f"/repos/{repository}/statuses/{plan.ledger_sha}", body=body)


def claim(
    gh: Github, repository: str, plan: Plan, key: SigningKey, run: str, url: str = ""
) -> list[Record]:
    """Claim the plan for ``run``, or refuse when it was carried out or is being carried out.

    A plan whose last apply failed may be claimed again: the caller skips the entries the
    returned records mark ``done``.

    Returns:
        The plan's signed records, this claim included.

    Raises:
        Refused: the plan was applied, another run's claim is live, or came first.
        ServiceError: GitHub refused the listing or the status (``statuses: write``).

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        plan: The plan to apply.
        key: The plan-signing key.
        run: This run's id.
        url: This run's URL, linked from the status.
    """
    earlier = records(gh, repository, plan, key)
    _refuse_used(plan, earlier)
    try:
        _post(gh, repository, plan, key, "claim", run, url)
    except ServiceError as exc:
        raise Refused(
            f"Could not claim plan {plan.plan_id} before acting: {exc.message}",
            remedy=exc.remedy or f"Add `{_PERMISSION}` to the workflow's `permissions:` block.",
        ) from None
    now = records(gh, repository, plan, key)
    first = _first(now)
    if first is None or first.kind != "claim" or first.run != run:
        if first is not None and first.kind == "rejected":
            raise Refused(
                f"Plan {plan.plan_id} was rejected by run {first.run} just before this apply; "
                "it is not applied."
            )
        winner = first.run if first is not None else "?"
        raise Refused(
            f"Plan {plan.plan_id} was claimed by run {winner} just before this one; "
            "it is not applied twice."
        )
    return now


def _refuse_used(plan: Plan, found: list[Record]) -> None:
    """Refuse a plan that was applied or rejected, or that a live apply holds."""
    done = next((r for r in found if r.kind in ("applied", "rejected")), None)
    if done is not None and done.kind == "rejected":
        raise Refused(
            f"Plan {plan.plan_id} was rejected (run {done.run}, recorded on commit "
            f"{plan.ledger_sha[:7]}); a rejected plan is never carried out.",
            remedy="Ask for the change again to get a fresh plan.",
        )
    if done is not None:
        raise Refused(
            f"Plan {plan.plan_id} was applied by run {done.run} (recorded on commit "
            f"{plan.ledger_sha[:7]}); a plan is carried out once, whatever its comment says now.",
            remedy="Ask for the change again to get a fresh plan.",
        )
    live = [r for r in _open(found) if r.kind == "claim" and not r.stale()]
    if live:
        raise Refused(
            f"Plan {plan.plan_id} was claimed by run {live[0].run}, which has not finished "
            f"(recorded on commit {plan.ledger_sha[:7]}); it is not carried out twice at once.",
            remedy="Wait for that run to finish; if it failed part-way, apply the plan again "
            "to carry out what is left.",
        )


def _first(found: list[Record]) -> Record | None:
    """The earliest live claim or rejection (of a run with no outcome): the one that wins."""
    return next(
        (r for r in _open(found) if r.kind == "rejected" or not r.stale()),
        None,
    )


def reject(
    gh: Github, repository: str, plan: Plan, key: SigningKey, run: str, url: str = ""
) -> None:
    """Record that ``run`` rejected the plan: no apply may carry it out afterwards.

    Refused like a claim when the plan was applied, rejected or is being applied; of a
    rejection and a claim racing, the earliest record wins (:func:`claim` checks the same).

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        plan: The plan to reject.
        key: The plan-signing key.
        run: This run's id.
        url: This run's URL, linked from the status.

    Raises:
        Refused: the plan was used, is being applied, or an apply claimed it first.
        ServiceError: GitHub refused the listing or the status (``statuses: write``).
    """
    _refuse_used(plan, records(gh, repository, plan, key))
    _post(gh, repository, plan, key, "rejected", run, url)
    first = _first(records(gh, repository, plan, key))
    if first is None or first.kind != "rejected" or first.run != run:
        raise Refused(
            f"Plan {plan.plan_id} was claimed by run {first.run if first else '?'} just before "
            "this rejection, so it is being applied; the rejection still stops any later apply "
            "of it."
        )


def entry_done(gh: Github, repository: str, plan: Plan, key: SigningKey, run: str, n: int) -> None:
    """Record that entry ``n`` (1-based) was carried out, so no later apply repeats it.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        plan: The plan being applied.
        key: The plan-signing key.
        run: This run's id.
        n: The entry's number, 1-based.

    Raises:
        ServiceError: GitHub refused the status (``statuses: write``).
    """
    _post(gh, repository, plan, key, f"done:{n}", run, "")


def finish(
    gh: Github, repository: str, plan: Plan, key: SigningKey, run: str, *, ok: bool, url: str = ""
) -> None:
    """Record the outcome of ``run``'s apply (the claim stays, so the plan stays used).

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        plan: The plan applied.
        key: The plan-signing key.
        run: This run's id.
        ok: Whether every entry succeeded.
        url: This run's URL, linked from the status.

    Raises:
        ServiceError: GitHub refused the status.
    """
    _post(gh, repository, plan, key, "applied" if ok else "failed", run, url)
