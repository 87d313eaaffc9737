"""Carrying out an approved plan's entries: verified, resumable, with a way back and a trail.

:func:`carry` runs the entries of a plan that :mod:`devops_agent.apply` has checked,
claimed and locked, one after the other:

1. an entry an earlier apply finished (the ledger says ``done:<n>``) is not run again;
   on a resumed apply, an entry whose post-condition already holds (a create that
   happened before the run died) is recorded as done and not repeated;
2. the state the way back needs is read with the read role (the operation's ``before``);
3. the executor runs with the write session, whose requests are recorded (operation,
   parameters, AWS request id) by botocore's own event hooks;
4. the post-condition is read back with the read role (``verify``): ✅ verified,
   ⏳ in progress (with what to watch) or ❌ not as planned; a failure or ❌ stops the
   plan, and the entries after it are not run;
5. the entry is recorded ``done`` in the ledger; once every entry has run (or the plan
   stopped), the inverse entries (``undo``) of those that ran join the rollback plan,
   last change first. They are read after the last entry, not after each, so that what
   a later entry did counts: the detach before a user's deletion has no way back once
   the user is gone.

:func:`preview` is the ``--dry-run`` walk: every EC2 call of every entry sent with
``DryRun=True`` through the write session, nothing changed. :func:`audit_line` is the
one line per applied plan a security team reads.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devops_agent.errors import DevOpsError, ServiceError
from devops_agent.operation import InProgress, NotAsPlanned, PlanEntry, Verified

if TYPE_CHECKING:
    from collections.abc import Callable

    import boto3

    from devops_agent.context import DevOpsContext
    from devops_agent.operation import Writers
    from devops_agent.plans import Plan

__all__ = ["Outcome", "Recorder", "audit_line", "carry", "preview"]

_ICONS = {
    "verified": "✅",
    "in-progress": "⏳",
    "not-as-planned": "❌",
    "failed": "❌",
    "not-run": "⏭️",
    "done-before": "✅",
    "already": "✅",
    "unverified": "✅",
}


class Recorder:
    """Records every AWS request a boto3 session's clients send, with AWS's request id.

    Registered on the session's event system before any client is made from it (each
    client copies the session's handlers when it is created), so no call escapes it.
    """

    def __init__(self, session: boto3.Session) -> None:
        self._lock = threading.Lock()
        self._calls: list[dict[str, Any]] = []
        self._pending: dict[int, dict[str, Any]] = {}
        session.events.register("before-parameter-build", self._before)
        session.events.register("after-call", self._after)

    def _before(
        self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        call = {
            "service": model.service_model.service_name,
            "operation": model.name,
            "params": json.loads(json.dumps(params, default=str)),
            "dry_run": bool(params.get("DryRun")),
        }
        with self._lock:
            self._pending[id(context)] = call

    def _after(
        self, http_response: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        with self._lock:
            call = self._pending.pop(id(context), None)
            if call is None:
                return
            meta = parsed.get("ResponseMetadata") or {}
            call["request_id"] = meta.get("RequestId", "")
            call["http_status"] = getattr(http_response, "status_code", 0)
            error = (parsed.get("Error") or {}).get("Code")
            if error:
                call["error"] = error
            self._calls.append(call)

    def take(self) -> list[dict[str, Any]]:
        """The requests recorded since the last ``take``, oldest first.

        Returns:
            One dict per request that got an answer: ``service``, ``operation``,
            ``params``, ``dry_run``, ``request_id``, ``http_status`` and, when AWS
            refused it, ``error`` (its code). The list is emptied.
        """
        with self._lock:
            calls, self._calls = self._calls, []
            return calls


@dataclass
class Outcome:
    """What became of one entry."""

    n: int
    exact: str
    status: str
    """verified, in-progress, not-as-planned, failed, not-run, done-before, already or
    unverified (the operation declares no post-condition yet)."""
    line: str = ""
    """The executor's line, or the error."""
    read: str = ""
    """What was read back."""
    watch: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)
    before: Any = None
    undo: list[PlanEntry] = field(default_factory=list)
    note: str = ""

    @property
    def ran(self) -> bool:
        """Whether this apply changed something for the entry."""
        return self.status in ("verified", "in-progress", "not-as-planned", "unverified")

    @property
    def ok(self) -> bool:
        """Whether the plan may go on after this entry."""
        return self.status not in ("failed", "not-as-planned", "not-run")

    def row(self) -> list[object]:
        """``[#, exact change, result]`` for the table.

        Returns:
            The entry's number, its exact change, and its status as an icon and words,
            followed by the executor's line when it ran.
        """
        icon = _ICONS[self.status]
        words = {
            "verified": f"verified: {self.read}",
            "in-progress": f"in progress: {self.read}; watch {self.watch}",
            "not-as-planned": f"not as planned: {self.read}",
            "failed": f"failed: {self.line}",
            "not-run": "not run (an earlier entry failed)",
            "done-before": "carried out by an earlier apply",
            "already": f"already so, not repeated: {self.read}",
            "unverified": "done (no post-condition declared for this operation yet)",
        }[self.status]
        done = f" — {self.line}" if self.line and self.status not in ("failed",) else ""
        return [self.n, self.exact, f"{icon} {words}{done}"]

    def data(self) -> dict[str, Any]:
        """As JSON for the report.

        Returns:
            The entry's number, exact change, status, executor line, what was read back
            and what to watch, the state read before, the requests sent with their AWS
            request ids, and any note.
        """
        return {
            "entry": self.n,
            "exact": self.exact,
            "status": self.status,
            "result": self.line,
            "read_back": self.read,
            "watch": self.watch,
            "before": self.before,
            "requests": self.calls,
            "request_ids": [c.get("request_id", "") for c in self.calls if c.get("request_id")],
            "note": self.note,
        }


def _verify(ctx: DevOpsContext, op: Any, args: Any) -> Verified | InProgress | NotAsPlanned | None:
    return None if op.verify is None else op.verify(ctx, args)


def carry(
    ctx: DevOpsContext,
    plan: Plan,
    exact: list[str],
    writers: Writers,
    recorder: Recorder | None,
    *,
    done: set[int],
    resumed: bool,
    record_done: Callable[[int], None],
) -> list[Outcome]:
    """Carry out the plan's entries not done yet, in order; stop at the first that fails.

    Errors do not propagate: an entry whose state cannot be read, whose executor fails,
    or whose post-condition does not hold or cannot be read is ``failed`` or
    ``not-as-planned`` (an error nobody expects too, its traceback fenced in the log),
    and the entries after it are ``not-run``.

    Args:
        ctx: The run; its read role reads the state before, verifies after, and finds
            the inverse entries.
        plan: The checked, claimed and locked plan.
        exact: Each entry's exact change, in entry order (for the outcome table).
        writers: The apply side: the write session and the GitHub client.
        recorder: Records the write session's requests per entry; ``None`` when the plan
            needs no AWS.
        done: Entries (1-based) an earlier apply finished; not run again.
        resumed: An earlier apply of this plan failed part-way: each entry's
            post-condition is read first, and one that already holds is not repeated.
        record_done: Records entry ``n`` as done in the ledger.

    Returns:
        One outcome per entry of the plan, in order, with the inverse entries of those
        that can be undone.

    Raises:
        Refused: An entry names an unknown operation or arguments its model rejects
            (the apply validated them all before, so this does not happen after a
            claim).
    """
    from devops_agent import catalog

    outcomes: list[Outcome] = []
    stopped = False
    for n, entry in enumerate(plan.entries, 1):
        out = Outcome(n, exact[n - 1], "not-run")
        outcomes.append(out)
        if n in done:
            out.status = "done-before"
            continue
        if stopped:
            continue
        op, args = catalog.validate(entry)
        try:
            if resumed:
                found = _verify(ctx, op, args)
                if isinstance(found, Verified | InProgress):
                    record_done(n)
                    out.status, out.read = "already", found.what
                    continue
            out.before = op.before(ctx, args) if op.before is not None else None
        except Exception as exc:  # the claimed plan's record must say why
            out.status, out.line = "failed", f"could not read the state first: {_why(ctx, n, exc)}"
            stopped = True
            continue
        if recorder is not None:
            recorder.take()
        try:
            out.line = catalog.carry_out(entry, writers)
        except Exception as exc:  # the claimed plan's record must say what ran
            out.status, out.line = "failed", _why(ctx, n, exc)
            stopped = True
        if recorder is not None:
            out.calls = recorder.take()
        if out.status == "failed":
            continue
        try:
            found = _verify(ctx, op, args)
        except Exception as exc:
            found = NotAsPlanned(f"could not be read back: {_why(ctx, n, exc)}")
        if found is None:
            out.status = "unverified"
        elif isinstance(found, Verified):
            out.status, out.read = "verified", found.what
        elif isinstance(found, InProgress):
            out.status, out.read, out.watch = "in-progress", found.what, found.watch
        else:
            out.status, out.read = "not-as-planned", found.what
            stopped = True
        if out.status != "not-as-planned":
            try:
                record_done(n)
            except ServiceError as exc:
                out.note = f"not recorded in the ledger: {exc.message}"
    for out, entry in zip(outcomes, plan.entries, strict=True):
        if not out.ran:
            continue
        op, args = catalog.validate(entry)
        if op.undo is not None and not op.warning(args):
            try:
                out.undo = op.undo(ctx, out.before, args)
            except Exception as exc:
                out.note = f"no rollback entry: {_why(ctx, out.n, exc)}"
    return outcomes


def _why(ctx: DevOpsContext, n: int, exc: Exception) -> str:
    """What went wrong with entry ``n``, for its row.

    A :class:`DevOpsError` says it itself. Any other error (a bug, an answer botocore
    cannot read) is one nobody expects: its traceback goes to the log, fenced, and the
    row says so. Either way the apply goes on to report what ran and record its outcome
    rather than end in an internal error after it changed something.
    """
    if isinstance(exc, DevOpsError):
        return exc.message
    import traceback

    ctx.runner.group(f"plan entry {n} failed unexpectedly", traceback.format_exc())
    return f"unexpected {exc.__class__.__name__}; the run log has it"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def preview(session: boto3.Session, plan: Plan) -> list[list[object]]:
    """``--dry-run``: send every EC2 call of the plan with ``DryRun=True``; change nothing.

    Args:
        session: The write role's session, limited by the plan's session policy, so the
            answers say whether the apply itself would be allowed.
        plan: The plan.

    Returns:
        ``[#, request, what AWS said]`` rows: would succeed, would be denied, would fail
        (with AWS's code), not previewed (the call has no dry run or is not declared),
        or a warning when a service ignored ``DryRun`` and made the change.

    Raises:
        Refused: An entry names an unknown operation or arguments its model rejects.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from devops_agent.aws import client
    from devops_agent.session_policy import calls_of

    rows: list[list[object]] = []
    for n, entry in enumerate(plan.entries, 1):
        calls = calls_of(entry)
        if calls is None:
            rows.append([n, entry.operation, "not previewed: its calls are not declared yet"])
            continue
        for call in calls:
            if not call.dry_run:
                rows.append([n, call.line(), "not previewed: this API has no dry run"])
                continue
            if call.placeholders():
                rows.append([n, call.line(), "not previewed: it names what an earlier call makes"])
                continue
            api = client(session, call.service, call.region or None)
            try:
                getattr(api, _snake(call.operation))(DryRun=True, **call.params)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code == "DryRunOperation":
                    said = "✅ would succeed (DryRunOperation)"
                elif code == "UnauthorizedOperation":
                    said = "❌ would be denied (UnauthorizedOperation)"
                else:
                    said = f"❌ would fail: {code}"
                rows.append([n, call.line(), said])
            except BotoCoreError as exc:
                rows.append([n, call.line(), f"❌ could not be previewed: {exc}"])
            else:
                rows.append([n, call.line(), "⚠️ the service ignored DryRun and made the change"])
    return rows


def audit_line(record: dict[str, Any]) -> str:
    """The one line a security team reads for an applied plan (job summary, JSON report).

    Args:
        record: The apply's audit record: ``plan_id``, ``requester``, ``approver``, the
            write session's ``role_session_name``, ``source_identity`` and
            ``session_tags``, ``policy_sha256`` and ``entries`` with their
            ``request_ids``.

    Returns:
        The record on one line, ``-`` or ``(none)`` for what it lacks.
    """
    tags = record.get("session_tags") or {}
    ids = "; ".join(
        f"{e['entry']}:{','.join(e['request_ids']) or '-'}" for e in record.get("entries", [])
    )
    return (
        f"devops-agent audit · plan {record['plan_id']} · requester @{record['requester']} · "
        f"approver @{record['approver']} · session {record.get('role_session_name') or '-'} · "
        f"source identity {record.get('source_identity') or '(none)'} · "
        f"tags {','.join(f'{k}={v}' for k, v in sorted(tags.items())) or '(none)'} · "
        f"policy sha256 {record.get('policy_sha256') or '-'} · request ids {ids or '-'}"
    )
