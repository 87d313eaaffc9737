"""Locks: two applies that touch the same resource never run at once.

The example workflows give every comment its own concurrency group (so that GitHub never
cancels a queued apply, docs/security.md), and even a shared group could not help: two
pull requests, two threads, can each hold a plan that changes the same bucket or the same
instance. So an apply locks the concrete resources its plan acts on
(:func:`devops_agent.session_policy.lockable`) for as long as it runs, somewhere every run
of the repository sees: commit statuses on the repository's **root commit** (the oldest
commit of the default branch, the same for every run whatever has been pushed since),
one context per resource, ``devops-agent/lock/<16 hex of the resource's SHA-256>``.
Statuses cannot be edited or deleted, so a lock is a signed ``lock`` status and its
release a signed ``unlock`` status after it; unsigned statuses (anyone with
``statuses: write`` may post some) are ignored. Each carries the time it was signed at,
inside its signature: anyone can read a genuine lock and post it again, and without its
own time such a copy of a lock released long ago (its ``unlock`` already out of the
window read) would look live for another 20 minutes, again and again, so that nothing
could ever be applied to that resource. A lock counts only within
:data:`~devops_agent.ledger.STALE_AFTER` of its signed time, however recently it was
posted.

**Refuse at once, never wait.** A second apply that finds a resource locked is refused
straight away, naming the plan, the run and the approver that hold it. Waiting would
keep the approver guessing while an Actions job idles, and the waiting plan was made
against the state the first apply is changing: once that apply is done, its preview may
no longer hold. The approver reads the first apply's result and applies again.

Races are settled the way the plan ledger settles them: after posting its locks an apply
reads them back, and it goes on only if, for every resource, the earliest live lock is its
own; otherwise it releases its locks and refuses. A lock whose release never came (the run
died) is stale after :data:`devops_agent.ledger.STALE_AFTER`, when that run's write session
has expired. Statuses are read newest first and only as far back as that window, so the
cost of a lock does not grow with the repository's history.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from devops_agent.errors import Refused, ServiceError
from devops_agent.gh.common import api, github_errors
from devops_agent.ledger import STALE_AFTER
from devops_agent.signing import same

if TYPE_CHECKING:
    from github import Github

    from devops_agent.plans import Plan
    from devops_agent.signing import SigningKey

__all__ = ["Held", "Lock", "acquire", "context", "held", "release", "root_commit"]

_PREFIX = "devops-agent/lock/"
_PERMISSION = "statuses: write"
#: Pages of 100 statuses read at most (newest first) before the lock window is passed.
MAX_PAGES = 10
_LOGIN = re.compile(r"[A-Za-z0-9-]{1,39}(?:\[bot\])?")


def context(resource: str) -> str:
    """The status context that holds one resource's locks.

    Args:
        resource: The resource's ARN, as :func:`devops_agent.session_policy.lockable`
            names it.

    Returns:
        ``devops-agent/lock/`` and the first 16 hex characters of the ARN's SHA-256:
        fixed length, and nothing about the resource shown on the commit.
    """
    return _PREFIX + hashlib.sha256(resource.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Held:
    """A live lock on one resource."""

    resource: str
    plan_id: str
    run: str
    approver: str
    status_id: int
    at: datetime | None
    url: str = ""


@dataclass
class Lock:
    """The locks one apply holds (release them with :func:`release`)."""

    sha: str
    resources: list[str]
    plan_id: str
    run: str
    approver: str


def root_commit(gh: Github, repository: str) -> str:
    """The oldest commit of the default branch: the same for every run of the repository.

    Two requests: the first page of the commit list names its last page in ``Link``.

    Args:
        gh: The GitHub client.
        repository: ``owner/name``.

    Returns:
        The root commit's SHA.

    Raises:
        Refused: The repository has no commit, so there is nowhere to record locks.
        ServiceError: GitHub refused or failed to list the commits.
    """
    with github_errors("find the repository's first commit"):
        headers, first = gh.requester.requestJsonAndCheck(
            "GET", f"/repos/{repository}/commits", parameters={"per_page": 1}
        )
        link = str(headers.get("link") or headers.get("Link") or "")
        last = re.search(r"[?&]page=(\d+)[^>]*>;\s*rel=\"last\"", link)
        if last:
            _, first = gh.requester.requestJsonAndCheck(
                "GET",
                f"/repos/{repository}/commits",
                parameters={"per_page": 1, "page": int(last.group(1))},
            )
    if not first:
        raise Refused(
            "The repository has no commit to record locks on, so two applies could not be "
            "kept apart; nothing is applied."
        )
    return str(first[-1]["sha"])


def _digest(resource: str) -> str:
    return hashlib.sha256(resource.encode("utf-8")).hexdigest()


#: Hex characters of a lock's signature: 192 bits, short enough that the description stays
#: within GitHub's 140 characters with a 39-character ``[bot]`` login and its signed time.
_SIG = 48


#: How far in the future a lock's signed time may be (clocks of two runners differ).
_SKEW = timedelta(minutes=5)


def _sign(
    key: SigningKey, kind: str, resource: str, plan_id: str, run: str, who: str, at: str
) -> str:
    return key.sign("lock", _digest(resource), kind, plan_id, run, who, at)[:_SIG]


def _stamp(now: datetime) -> str:
    """The signed time of a lock: seconds since the epoch, in hex (8 characters)."""
    return f"{int(now.timestamp()):x}"


def _signed_at(stamp: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(stamp, 16), UTC) if len(stamp) <= 12 else None
    except (ValueError, OverflowError, OSError):
        return None


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _recent(gh: Github, repository: str, sha: str, now: datetime) -> list[dict[str, object]]:
    """The commit's statuses of the lock window, newest first."""
    found: list[dict[str, object]] = []
    with github_errors(f"read the locks on {sha[:7]}", permission=_PERMISSION):
        for page in range(1, MAX_PAGES + 1):
            batch = api(
                gh,
                "GET",
                f"/repos/{repository}/commits/{sha}/statuses",
                params={"per_page": 100, "page": page},
            )
            for status in batch:
                at = _when(status.get("created_at"))
                if at is not None and now - at > STALE_AFTER:
                    return found
                found.append(status)
            if len(batch) < 100:
                return found
    raise Refused(
        f"Commit {sha[:7]} holds more than {MAX_PAGES * 100:,} statuses from the last "
        f"{STALE_AFTER.seconds // 60} minutes, so whether a resource is locked cannot be read; "
        "nothing is applied.",
        remedy="Someone may be flooding the commit with statuses; apply again later.",
    )


def held(
    gh: Github,
    repository: str,
    sha: str,
    resources: list[str],
    key: SigningKey,
    *,
    now: datetime | None = None,
) -> dict[str, list[Held]]:
    """Per resource, its live locks (signed, not released, not stale), oldest first.

    Statuses whose signature does not verify with ``key`` are ignored: anyone with
    ``statuses: write`` could post one. So are locks signed more than
    :data:`~devops_agent.ledger.STALE_AFTER` ago, whenever they were posted (a copy of an
    old lock posted again).

    Args:
        gh: The GitHub client.
        repository: ``owner/name``.
        sha: The commit that holds the locks (:func:`root_commit`).
        resources: The resources' ARNs.
        key: The plan-signing key that signed the locks.
        now: The time to judge at; ``None`` for the current time.

    Returns:
        Every resource of ``resources``, with its live locks (an empty list when free).

    Raises:
        Refused: The commit holds too many recent statuses to read the lock window.
        ServiceError: GitHub refused or failed to list the statuses (``statuses: write``).
    """
    wanted = {context(r): r for r in resources}
    locks: dict[str, list[Held]] = {r: [] for r in resources}
    released: set[tuple[str, str, str]] = set()
    now = now or datetime.now(UTC)
    recent = _recent(gh, repository, sha, now)
    for status in sorted(recent, key=_status_id):
        resource = wanted.get(str(status.get("context") or ""))
        if resource is None:
            continue
        words = str(status.get("description") or "").split()
        if len(words) != 6 or words[0] not in ("lock", "unlock"):
            continue
        kind, plan_id, run, who, stamp, signature = words
        expected = _sign(key, kind, resource, plan_id, run, who, stamp)
        if not _LOGIN.fullmatch(who) or not same(expected, signature.lower()):
            continue
        signed_at = _signed_at(stamp)
        if signed_at is None or not now - STALE_AFTER <= signed_at <= now + _SKEW:
            continue  # stale (or a copy of a lock released long ago), whenever posted
        if kind == "unlock":
            released.add((resource, plan_id, run))
            continue
        locks[resource].append(
            Held(
                resource=resource,
                plan_id=plan_id,
                run=run,
                approver=who,
                status_id=_status_id(status),
                at=signed_at,
                url=str(status.get("target_url") or ""),
            )
        )
    return {
        r: [h for h in found if (r, h.plan_id, h.run) not in released] for r, found in locks.items()
    }


def _status_id(status: dict[str, object]) -> int:
    """A commit status's id (GitHub's order of posting); 0 when it has none."""
    value = status.get("id")
    return value if isinstance(value, int) else 0


def _post(
    gh: Github,
    repository: str,
    lock: Lock,
    key: SigningKey,
    kind: str,
    resource: str,
    url: str,
    now: datetime | None = None,
) -> None:
    stamp = _stamp(now or datetime.now(UTC))
    signature = _sign(key, kind, resource, lock.plan_id, lock.run, lock.approver, stamp)
    body = {
        "state": "pending" if kind == "lock" else "success",
        "context": context(resource),
        "description": f"{kind} {lock.plan_id} {lock.run} {lock.approver} {stamp} {signature}",
    }
    if url:
        body["target_url"] = url
    with github_errors(f"record a {kind} on {lock.sha[:7]}", permission=_PERMISSION):
        api(gh, "POST", f"/repos/{repository}/statuses/{lock.sha}", body=body)


def _refusal(holder: Held, plan: Plan) -> Refused:
    since = f" since {holder.at:%H:%M} UTC" if holder.at else ""
    run = f" ({holder.url})" if holder.url else ""
    return Refused(
        f"{holder.resource} is being changed by plan {holder.plan_id} (approver "
        f"@{holder.approver}, run {holder.run}{run}{since}); two applies never touch the same "
        f"resource at once, so plan {plan.plan_id} is not applied now.",
        remedy="Read what that apply changed, then apply this plan again (ask for a fresh "
        "plan if its preview no longer holds).",
    )


def acquire(
    gh: Github,
    repository: str,
    plan: Plan,
    key: SigningKey,
    resources: list[str],
    *,
    run: str,
    approver: str,
    url: str = "",
    sha: str | None = None,
    now: datetime | None = None,
) -> Lock:
    """Lock ``resources`` for this apply, or refuse at once naming who holds one.

    Posts a signed ``lock`` status per resource, then reads them back: the apply goes on
    only when its lock is the earliest live one on every resource. When it is refused
    after posting, the locks it posted are released first.

    Args:
        gh: The GitHub client.
        repository: ``owner/name``.
        plan: The plan being applied (its id is recorded, and named in a refusal).
        key: The plan-signing key the statuses are signed with.
        resources: The resources' ARNs; none means nothing to lock and no request.
        run: This run as ``RUN_ID.ATTEMPT``.
        approver: Who applies the plan (``unknown`` when it is not a GitHub login).
        url: The run's URL, the statuses' link.
        sha: The commit to record on; ``None`` looks up :func:`root_commit`.
        now: The time the locks are signed at and judged at; ``None`` for the current time.

    Returns:
        The locks held, for :func:`release`.

    Raises:
        Refused: a resource is locked by another apply, or another apply won the race.
        ServiceError: GitHub refused (``statuses: write``).
    """
    who = approver if _LOGIN.fullmatch(approver) else "unknown"
    lock = Lock(sha or "", sorted(set(resources)), plan.plan_id, run, who)
    if not lock.resources:
        return lock
    lock.sha = lock.sha or root_commit(gh, repository)
    for found in held(gh, repository, lock.sha, lock.resources, key, now=now).values():
        if found:
            raise _refusal(found[0], plan)
    posted: list[str] = []
    try:
        for resource in lock.resources:
            _post(gh, repository, lock, key, "lock", resource, url, now)
            posted.append(resource)
        for found in held(gh, repository, lock.sha, lock.resources, key, now=now).values():
            first = found[0] if found else None
            if first is not None and (first.plan_id, first.run) != (plan.plan_id, run):
                raise _refusal(first, plan)
    except (Refused, ServiceError):
        release(gh, repository, Lock(lock.sha, posted, plan.plan_id, run, who), key, now=now)
        raise
    return lock


def release(
    gh: Github, repository: str, lock: Lock, key: SigningKey, *, now: datetime | None = None
) -> list[str]:
    """Release every lock of ``lock`` with a signed ``unlock`` status each.

    Args:
        gh: The GitHub client.
        repository: ``owner/name``.
        lock: What :func:`acquire` returned.
        key: The plan-signing key.
        now: The time the releases are signed at; ``None`` for the current time.

    Returns:
        The resources whose release GitHub refused; their locks go stale after
        :data:`devops_agent.ledger.STALE_AFTER`. Empty when all were released.
    """
    failed: list[str] = []
    for resource in lock.resources:
        try:
            _post(gh, repository, lock, key, "unlock", resource, "", now)
        except ServiceError:
            failed.append(resource)
    return failed
