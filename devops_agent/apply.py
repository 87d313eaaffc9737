"""A plan's life: proposed by the run that asked, carried out by ``/devops apply``.

Plans are made in :mod:`devops_agent.proposals` (re-exported here). :func:`apply`
carries out exactly one plan, once, when every condition holds, and otherwise refuses
saying which one failed:

1. this run was started by the person who asked: a re-run (``GITHUB_RUN_ATTEMPT`` > 1)
   started by someone else proposes and applies nothing;
2. a ``plan-signing-key`` is configured;
3. the plan is in a comment on this thread written by the action's own identity
   (other authors' comments are not even parsed; the thread is read only up to the
   apply comment), which existed, unchanged since, before the apply comment was
   written (an edit in that very second counts as after it: GitHub's times are whole
   seconds): an approval covers only what the approver could have read; a bare
   ``apply`` means the newest such plan, never a rollback plan;
4. the comment was last edited by nobody but the action (an edit GitHub names no editor
   for is someone else's); its block still hashes to its id and carries the key's
   signature for its recorded state, which is ``pending`` (or ``failed``, to carry out
   what a failed apply left);
5. the plan belongs to this repository and thread, has not expired, and the PR head
   has not moved;
6. every entry names an operation devops-agent has, and its arguments validate to
   exactly what the block holds: what the plan and its apply show is derived from them;
   the session policy derived from them is the one the plan signed;
7. the approver's role and the second-approver rule (under which a plan the agent
   proposed is never applied: nobody but the model asked for it);
8. the write role is assumed with this job's pinned OIDC token and the plan's session
   policy, in the plan's account;
9. no other apply holds a lock on a resource the plan acts on (:mod:`devops_agent.locks`);
10. the plan ledger (:mod:`devops_agent.ledger`) says it was not applied and no other run
    is applying it, and this run's claim there is the first.

Only then is anything carried out (:mod:`devops_agent.carry`): entry by entry, each read
back, recorded, and undone by the rollback plan the answer carries. Once claimed, the
outcome is recorded in the ledger and in the comment (a signed state), with the run that
did it, whatever an entry raised and even if the comment was deleted meanwhile.
``--dry-run`` (or the ``dry-run`` input) walks every step up to the claim, sends the EC2
calls with ``DryRun=True``, and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from devops_agent import plans
from devops_agent.continuation import (
    AgentState,
    Continuation,
    Decision,
    Verdict,
    after_apply,
    declined,
)
from devops_agent.errors import BadInput, DevOpsError, Refused, ServiceError
from devops_agent.events import CommentEvent
from devops_agent.operation import Applying
from devops_agent.proposals import account_of, check_actor, propose, propose_plan
from devops_agent.report import Result, Table
from devops_agent.sanitize import strip_markers
from devops_agent.signing import SETUP, SigningKey

__all__ = [
    "Checked",
    "apply",
    "check_actor",
    "checked_plan",
    "propose",
    "propose_plan",
    "run_label",
]

if TYPE_CHECKING:
    from pathlib import Path

    import boto3
    from github import Github
    from github.IssueComment import IssueComment

    from devops_agent.carry import Outcome
    from devops_agent.context import DevOpsContext
    from devops_agent.operation import Reader


class _Writers:
    """The apply path's clients; the AWS session is assumed and checked before the claim."""

    def __init__(
        self, ctx: DevOpsContext, session: boto3.Session | None, applying: Applying
    ) -> None:
        self._ctx = ctx
        self._session = session
        self.applying = applying

    def reader(self) -> Reader:
        return self._ctx

    def aws(self) -> boto3.Session:
        if self._session is None:
            raise Refused("This plan was not expected to change AWS; nothing was carried out.")
        return self._session

    @property
    def github(self) -> Github:
        assert self._ctx.github is not None
        return self._ctx.github

    @property
    def workspace(self) -> Path:
        return self._ctx.env.workspace


def run_label(ctx: DevOpsContext) -> str:
    """This run in ledger records and signed states: ``RUN_ID.ATTEMPT`` (``local`` outside).

    Args:
        ctx: The run.

    Returns:
        The label.
    """
    return f"{ctx.env.run_id}.{ctx.env.run_attempt}" if ctx.env.run_id.isdigit() else "local"


# --------------------------------------------------------------------------- finding the plan


def _thread_comments(ctx: DevOpsContext, event: CommentEvent) -> list[IssueComment]:
    """The thread's comments up to the apply comment (oldest first, pages of 100).

    Nothing written after the apply comment can be applied, so the listing stops there:
    a flood of comments while the approver's run waited costs nothing. A listing that
    fails part-way fails the apply; it never goes on with the comments read so far.
    """
    from github import GithubException

    from devops_agent.gh import service_error

    assert ctx.github is not None
    found: list[IssueComment] = []
    try:
        issue = ctx.github.get_repo(event.repository).get_issue(event.number)
        for comment in issue.get_comments():
            if comment.id >= event.comment_id:
                break
            found.append(comment)
    except GithubException as exc:
        raise service_error(exc, f"list the comments of #{event.number}") from None
    return found


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _asked_at(ctx: DevOpsContext, event: CommentEvent) -> datetime:
    """When the apply comment was written: from the event, else from GitHub."""
    if event.created_at is not None:
        return _utc(event.created_at)
    from github import GithubException

    assert ctx.github is not None
    try:
        comment = ctx.github.get_repo(event.repository).get_issue(event.number)
        return _utc(comment.get_comment(event.comment_id).created_at)
    except GithubException:
        raise Refused(
            "Cannot tell when the apply comment was written, so which plans it could have "
            "seen is unknown; nothing is applied."
        ) from None


def _seen(comment: IssueComment, event: CommentEvent, asked_at: datetime) -> bool:
    """Did the plan comment exist, as it is now, when the apply comment was written?

    Ids order creation; GitHub's times are whole seconds. A comment edited in the very
    second the apply comment was written may have been edited after it, so at that
    second only a comment never edited since its creation counts as seen.
    """
    updated = _utc(comment.updated_at)
    if comment.id >= event.comment_id or updated > asked_at:
        return False
    return updated < asked_at or updated == _utc(comment.created_at)


def _locate(
    ctx: DevOpsContext, event: CommentEvent, plan_id: str | None, own: str, key: SigningKey
) -> tuple[IssueComment, plans.FoundPlan]:
    """The plan comment to apply, or a refusal that says what is wrong.

    For a named plan, blocks that do not carry the key's signature never shadow a signed
    one (a bogus block with the same id, posted later by another workflow); they are
    returned only so that :func:`_check` can say what is wrong. A bare ``apply`` takes
    the newest block the approver could see, valid or not, so that corrupting the newest
    plan never makes it fall back to an older one.
    """
    trigger = ctx.settings.trigger
    mine: list[tuple[IssueComment, plans.FoundPlan]] = []
    strangers: set[str] = set()
    for comment in _thread_comments(ctx, event):
        body = comment.body or ""
        if comment.user.login != own:
            # Never parsed: only a cheap, linear look for the id, to explain a refusal.
            if plan_id is not None and f"devops-agent:plan {plan_id}" in body:
                strangers.add("@" + comment.user.login)
            continue
        for found in plans.find_blocks(body):
            if plan_id is None or found.plan_id == plan_id:
                mine.append((comment, found))
    if not mine:
        if strangers:
            raise Refused(
                f"The plan {plan_id} was found only in a comment written by "
                f"{', '.join(sorted(strangers))}, not by devops-agent; it is not applied.",
                remedy="Only plans that devops-agent itself posted can be applied.",
            )
        after = "an apply never carries out a plan posted after your apply comment"
        if plan_id is None:
            raise Refused(
                f"There is no plan in this thread from before your apply comment; {after}."
            )
        raise Refused(
            f"There is no plan {plan_id} in this thread from before your apply comment; {after}.",
            remedy="Apply plans in the thread they were posted in, after reading them: "
            f"`{trigger} apply PLAN_ID`.",
        )
    asked_at = _asked_at(ctx, event)
    seen = [(c, f) for c, f in mine if _seen(c, event, asked_at)]
    signed = [(c, f) for c, f in seen if f.signed_by(key)]
    if plan_id is not None and not seen:
        state = mine[-1][1].state
        if state == "applied":
            raise Refused(f"Plan {plan_id} has been applied already; a plan runs once.")
        if state not in ("pending", "failed"):
            raise Refused(f"Plan {plan_id} is {state}; only a pending plan can be applied.")
        raise Refused(
            f"Plan {plan_id} was posted or changed after your apply comment; an apply carries "
            "out only what was there when it was written.",
            remedy=f"Read the plan as it is now, then comment `{trigger} apply {plan_id}` again.",
        )
    if plan_id is None:
        # A bare `apply` means the newest plan the approver could have read, never an older
        # one nobody pointed at, nor one posted while their run waited in a queue.
        if not seen:
            raise Refused(
                "Every plan in this thread was posted or changed after your apply comment; "
                "an apply carries out only what was there when it was written.",
                remedy=f"Read the plan, then name it: `{trigger} apply PLAN_ID`.",
            )
        # The newest block, valid or not: a corrupted newest plan is refused (by _check),
        # never skipped for an older one the approver did not mean.
        newest = seen[-1]
        if newest[1].state != "pending":
            raise Refused(
                f"The newest plan in this thread, {newest[1].plan_id}, is {newest[1].state}.",
                remedy=f"Name the plan to apply: `{trigger} apply PLAN_ID`.",
            )
        if newest[1].plan is not None and newest[1].plan.rollback_of:
            raise Refused(
                f"The newest plan in this thread, {newest[1].plan_id}, is the rollback of plan "
                f"{newest[1].plan.rollback_of}; a rollback is applied only by name.",
                remedy=f"To undo that plan, comment `{trigger} apply {newest[1].plan_id}`.",
            )
        return newest
    return (signed or seen)[-1]


# --------------------------------------------------------------------------- checks


def _check_unedited(ctx: DevOpsContext, comment: IssueComment, own: str) -> datetime | None:
    """Refuse a plan comment whose body someone other than the action last edited;
    return when it was last edited (``None`` if never).

    People with write access may edit any comment and the author stays the action:
    only an edit history naming the action itself (or none) vouches for the block.
    (Other workflows edit as the same bot; the signature covers that case.)
    """
    from devops_agent.gh.issues import last_edit

    assert ctx.github is not None
    edit = last_edit(ctx.github, comment)
    if edit is None:
        return None
    editor, at = edit
    if editor.removesuffix("[bot]") != own.removesuffix("[bot]"):
        raise Refused(
            f"The plan comment was edited by @{editor} after devops-agent posted it; "
            "an edited plan is never applied.",
            remedy="Ask for the change again to get a fresh plan.",
        )
    return at


def _check_read_in_time(ctx: DevOpsContext, event: CommentEvent, edited: datetime | None) -> None:
    """Refuse a plan edited in the second the apply comment was written, or later.

    A check of its own, on GraphQL's ``lastEditedAt`` (:func:`_seen` reads the REST
    listing's ``updated_at``). GitHub's times are whole seconds: an edit in the apply
    comment's own second may have come after it, so the approver cannot have read that
    version.
    """
    if edited is not None and _utc(edited).replace(microsecond=0) >= _asked_at(ctx, event):
        raise Refused(
            "The plan comment was changed in the same second as your apply comment or "
            "after it; an apply carries out only what was there when it was written.",
            remedy=f"Read the plan as it is now, then comment `{ctx.settings.trigger} apply "
            "PLAN_ID` again.",
        )


def _check(
    ctx: DevOpsContext, event: CommentEvent, found: plans.FoundPlan, key: SigningKey
) -> plans.Plan:
    plan = found.plan
    if plan is not None and plan.version != plans.VERSION:
        raise Refused(
            f"Plan {found.plan_id} has format {plan.version}, from another version of "
            f"devops-agent (this one applies format {plans.VERSION}); it is not applied.",
            remedy="Ask for the change again to get a fresh plan.",
        )
    if plan is None or not found.intact:
        raise Refused(
            f"Plan {found.plan_id} was changed after it was posted (its content no longer "
            "matches its id); it is not applied.",
            remedy="Ask for the change again to get a fresh plan.",
        )
    if not found.signature:
        raise Refused(
            f"Plan {found.plan_id} is unsigned: it was posted without a plan-signing-key, so "
            "nothing vouches that devops-agent wrote it; it is not applied.",
            remedy=SETUP,
        )
    if found.key_id != key.key_id:
        raise Refused(
            f"Plan {found.plan_id} was signed with another key ({found.key_id}, this run has "
            f"{key.key_id}); it is not applied.",
            remedy="Plans made before the plan-signing-key changed cannot be applied; ask for "
            "the change again.",
        )
    if not found.signed_by(key):
        raise Refused(
            f"Plan {found.plan_id}'s signature does not match its content and state "
            f"(state={found.state}): the comment was altered; it is not applied.",
            remedy="Ask for the change again to get a fresh plan.",
        )
    if found.state == "applied":
        raise Refused(f"Plan {found.plan_id} has been applied already; a plan runs once.")
    if found.state not in ("pending", "failed"):
        raise Refused(f"Plan {found.plan_id} is {found.state}; only a pending plan can be applied.")
    if plan.repository != event.repository or plan.thread != event.number:
        raise Refused(f"Plan {found.plan_id} belongs to another thread; it is not applied here.")
    return plan


def _lapsed(ctx: DevOpsContext, plan: plans.Plan) -> tuple[Verdict, Refused] | None:
    """Why a genuine plan can never be applied any more (expired, the PR head moved)."""
    if datetime.now(UTC) > plan.expires_at:
        return "expired", Refused(
            f"Plan {plan.plan_id} expired at {plan.expires_at:%Y-%m-%d %H:%M} UTC.",
            remedy="Ask for the change again to get a fresh plan.",
        )
    if plan.head_sha and (ctx.head_sha() or "") != plan.head_sha:
        return "lapsed", Refused(
            f"The pull request's head moved since plan {plan.plan_id} was made "
            f"({plan.head_sha[:7]} → {(ctx.head_sha() or '?')[:7]}).",
            remedy="Ask for the change again so the plan matches the code under review.",
        )
    return None


def _kept(comment: IssueComment, plan: plans.Plan) -> AgentState | None:
    """The agent state kept under the plan, checked against the digest the plan signs.

    Raises:
        Refused: the plan names a state that is missing or changed (the comment was
            altered, like a plan whose block no longer hashes to its id).
    """
    from devops_agent import continuation

    if not plan.agent_state_sha256:
        return None
    payload = continuation.find_payload(comment.body or "", plan.plan_id)
    if payload is None or continuation.digest(payload) != plan.agent_state_sha256:
        raise Refused(
            f"Plan {plan.plan_id}'s kept agent state was changed or removed after it was "
            "posted (it no longer matches the hash the plan signs); it is not applied.",
            remedy="Ask for the change again to get a fresh plan.",
        )
    try:
        return continuation.decode(payload)
    except ValueError:
        return None  # genuine, but written by another version: the agent cannot continue


def _exact(entry: plans.PlanEntry) -> str:
    """The entry's exact change, from its arguments validated again; refuses anything else."""
    from devops_agent import catalog

    _, args = catalog.validate(entry)  # an operation devops-agent does not have is refused
    validated = args.model_dump(mode="json")
    if validated != entry.args:
        raise Refused(
            f"The plan's arguments for {entry.operation} are not in the form devops-agent "
            "writes them; it is not applied.",
            remedy="Ask for the change again to get a fresh plan.",
        )
    return plans.exact_line(entry.operation, validated)


def _check_approver(ctx: DevOpsContext, event: CommentEvent, plan: plans.Plan) -> None:
    """The applier's extra conditions: a higher role, or a second person (and a first
    one: under ``require-second-approver`` a plan the agent chose is nobody's request)."""
    from devops_agent.authz import role_reaches
    from devops_agent.gh.repos import collaborator_role

    settings = ctx.settings
    if settings.require_second_approver and plan.proposer == "agent":
        raise Refused(
            f"Plan {plan.plan_id} was proposed by the agent in answer to @{plan.requester}, "
            "who did not ask for this change; require-second-approver needs a person to ask "
            "for it and another to apply it.",
            remedy=f"@{plan.requester}: ask for the change yourself in the command language; "
            "then someone else applies that plan.",
        )
    if settings.require_second_approver and ctx.requester.lower() == plan.requester.lower():
        raise Refused(
            f"@{ctx.requester} asked for this plan; require-second-approver says someone else "
            "must apply it.",
            remedy="Ask another maintainer to apply it.",
        )
    needed = settings.apply_min_permission
    if needed and needed != settings.min_permission:
        assert ctx.github is not None
        role = collaborator_role(ctx.github, event.repository, ctx.requester)
        if not role_reaches(role, needed):
            raise Refused(
                f"@{ctx.requester} has the {role} role; applying a plan needs at least {needed}."
            )


def _write_session(ctx: DevOpsContext, plan: plans.Plan, policy: str) -> boto3.Session:
    """The write role's session, limited by ``policy``, in the plan's account, or a refusal."""
    if not plan.account:
        raise Refused(
            f"Plan {plan.plan_id} changes AWS but names no account; it is not applied.",
            remedy="Ask for the change again to get a fresh plan.",
        )
    session = ctx.aws.write(plan, approver=ctx.requester, policy=policy or None)
    account = account_of(session)
    if account != plan.account:
        raise Refused(
            f"Plan {plan.plan_id} was made in AWS account {plan.account}, but the write role "
            f"works in account {account}; it is not applied there.",
            remedy="Check `aws-write-role-to-assume`: it must be a role in the account the plan "
            "was made in (the read role's).",
        )
    return session


def _session_policy(ctx: DevOpsContext, plan: plans.Plan) -> tuple[str, str]:
    """The plan's session policy derived again (rendered, partition); refuses another one."""
    from devops_agent import session_policy

    partition = session_policy.partition_of(plan.region or ctx.region)
    policy = session_policy.build(plan.entries, account=plan.account, partition=partition)
    text = session_policy.render(policy) if policy is not None else ""
    if (session_policy.digest(text) if text else "") != plan.policy_sha256:
        raise Refused(
            f"The session policy derived from plan {plan.plan_id} is not the one it was made "
            "with (another version of devops-agent made it); it is not applied.",
            remedy="Ask for the change again to get a fresh plan.",
        )
    return text, partition


# --------------------------------------------------------------------------- apply


@dataclass(frozen=True)
class Checked:
    """A genuine plan of this thread, found and checked (:func:`checked_plan`)."""

    event: CommentEvent
    comment: IssueComment
    plan: plans.Plan
    key: SigningKey
    kept: AgentState | None
    """The agent state kept under it (its hash checked), when the agent proposed it."""


_VERBS = {"applies": ("apply", "applied"), "rejects": ("reject", "rejected")}


def checked_plan(ctx: DevOpsContext, plan_id: str | None, doing: str) -> Checked:
    """Find the plan an ``apply`` or ``reject`` names and check that it is genuine.

    Conditions 1 to 4 of the module docstring and the plan's thread (5, without the
    expiry and the head, which :func:`apply` checks); the kept agent state must hash to
    what the plan signs.

    Args:
        ctx: The run (its comment event names the thread and the approver).
        plan_id: The plan named, or ``None`` for the newest.
        doing: What the command does, for refusals (``applies``, ``rejects``).

    Returns:
        The plan, its comment, the key, and its kept agent state.

    Raises:
        BadInput: Not run from a comment thread, or ``plan_id`` is not a plan id.
        Refused: The actor, no signing key, no such plan or one that is edited, applied,
            foreign or tampered with, or whose kept agent state does not hash to what the
            plan signs.
        ServiceError: GitHub failed while the plan was read.
    """
    from devops_agent.gh.identity import own_login

    event = ctx.event
    verb, past = _VERBS[doing]
    if not isinstance(event, CommentEvent) or ctx.github is None:
        raise BadInput(f"`{verb}` works in the comment thread that holds the plan.")
    if plan_id is not None:
        plan_id = plan_id.strip().lower()
        if not plans.PLAN_ID.fullmatch(plan_id):
            raise BadInput(f"'{plan_id}' is not a plan id (12 hex characters, as the plan shows).")
    check_actor(ctx, f"{doing} plans")
    key = ctx.settings.signing_key
    if key is None:
        raise Refused(
            "No plan-signing-key is configured, so devops-agent cannot tell its own plans from "
            f"ones another workflow posted as the same bot; nothing is {past}.",
            remedy=SETUP,
        )
    own = own_login(ctx.github)
    comment, found = _locate(ctx, event, plan_id, own, key)
    edited = _check_unedited(ctx, comment, own)
    plan = _check(ctx, event, found, key)
    _check_read_in_time(ctx, event, edited)
    return Checked(event, comment, plan, key, _kept(comment, plan))


def apply(ctx: DevOpsContext, plan_id: str | None, *, dry_run: bool = False) -> Result:
    """Carry out one approved plan from this thread, once (or walk it with ``dry_run``).

    Every condition in the module docstring is checked first, in that order; the first
    that fails refuses the apply and nothing is claimed, locked or changed. When the
    agent proposed the plan, the result carries its kept state (``resume``) with what
    each entry did, or with why a plan that can never be applied any more was refused.

    Args:
        ctx: The run: a comment event with a GitHub client, its settings (signing key,
            ``dry-run`` input) and the requester, who is the approver.
        plan_id: The 12-hex-character id the plan shows (any case, spaces trimmed), or
            ``None`` for the newest pending plan in the thread (never a rollback plan).
        dry_run: Walk every check, the write role and the EC2 ``DryRun`` previews, and
            report whether the apply would go ahead, without claiming or changing
            anything. The ``dry-run`` input turns it on too.

    Returns:
        The applied plan's outcome (each entry's change read back, the rollback plan when
        something changed; ``failure`` with exit code 1 when an entry failed), the dry
        run's checks and previews (exit code 1 when the apply would not succeed), or a
        ``refused`` result (exit code 3) for an expired or lapsed plan the agent proposed,
        so that it hears why.

    Raises:
        BadInput: Not run from a comment thread, or ``plan_id`` is not a plan id.
        Refused: A condition does not hold: the actor, no signing key, no such plan or
            one that is edited, expired, applied, foreign or tampered with (its kept agent
            state included), the approver, the write role, a lock held by another apply
            or a claim lost in the ledger.
        ServiceError: GitHub or STS failed while the plan was read, locked or claimed.
    """
    dry_run = dry_run or ctx.settings.dry_run
    found = checked_plan(ctx, plan_id, "applies")
    event, comment, plan, key, kept = found.event, found.comment, found.plan, found.key, found.kept
    lapsed = _lapsed(ctx, plan)
    if lapsed is not None:
        outcome, refusal = lapsed
        if kept is None or dry_run:
            raise refusal
        decision = Decision(
            plan_id=plan.plan_id, outcome=outcome, by=ctx.requester, reason=refusal.message
        )
        resume = Continuation(state=kept, decision=decision, requester=plan.requester)
        return declined(refusal, resume)
    exact = [_exact(entry) for entry in plan.entries]
    policy, partition = _session_policy(ctx, plan)
    _check_approver(ctx, event, plan)
    if dry_run:
        return _dry_run(ctx, plan, exact, policy, partition, key)
    applied = _carry_out(ctx, event, comment, plan, exact, policy, partition, key)
    if kept is None:
        return applied
    return applied.model_copy(update={"resume": after_apply(applied, plan, ctx.requester, kept)})


def _carry_out(
    ctx: DevOpsContext,
    event: CommentEvent,
    comment: IssueComment,
    plan: plans.Plan,
    exact: list[str],
    policy: str,
    partition: str,
    key: SigningKey,
) -> Result:
    from devops_agent import ledger, locks, session_policy
    from devops_agent.carry import Recorder, carry

    assert ctx.github is not None
    gh = ctx.github
    session = _write_session(ctx, plan, policy) if policy else None
    recorder = Recorder(session) if session is not None else None
    writers = _Writers(
        ctx, session, Applying(plan.plan_id, plan.requester, ctx.requester, ctx.env.run_url)
    )
    run = run_label(ctx)
    resources = session_policy.lockable(plan.entries, account=plan.account, partition=partition)
    lock = locks.acquire(
        ctx.github,
        event.repository,
        plan,
        key,
        resources,
        run=run,
        approver=ctx.requester,
        url=ctx.env.run_url,
    )
    try:
        # Claim in the ledger (append-only: a reset comment cannot undo it), then mark the
        # comment; from here on the plan is used, whatever happens next, and its outcome is
        # recorded before the run answers: even when another workflow deleted the comment,
        # or an entry failed in a way no executor expects.
        found = ledger.claim(ctx.github, event.repository, plan, key, run, ctx.env.run_url)
        done = ledger.done_entries(found)
        # Resumed after any earlier apply, not only a failed one: a run that died holding
        # the claim (no outcome) may have carried out entries it never recorded.
        resumed = sum(r.kind == "claim" for r in found) > 1 or any(
            r.kind == "failed" for r in found
        )
        try:
            _mark(ctx, comment, plan, key, "applying", run)
        except ServiceError as exc:
            unrecorded = _record_outcome(ctx, event, plan, key, run, ok=False)
            raise ServiceError(
                f"Plan {plan.plan_id} was claimed, but its comment could not be marked as "
                f"being applied ({exc.message}); nothing was carried out, and "
                + (
                    "the ledger records the apply as failed."
                    if not unrecorded
                    else "its claim stands in the ledger until it lapses "
                    f"({ledger.STALE_AFTER.seconds // 60} minutes)."
                ),
                code=exc.code,
                remedy="Ask for the change again to get a fresh plan.",
            ) from None
        try:
            outcomes = carry(
                ctx,
                plan,
                exact,
                writers,
                recorder,
                done=done,
                resumed=resumed,
                record_done=lambda n: ledger.entry_done(gh, event.repository, plan, key, run, n),
            )
        except Exception:  # a bug past every entry's own guard: the claim still gets an outcome
            _record_outcome(ctx, event, plan, key, run, ok=False)
            raise
        failed = not all(o.ok for o in outcomes)
        notes = _record_outcome(ctx, event, plan, key, run, ok=not failed)
    finally:
        stuck = locks.release(ctx.github, event.repository, lock, key)
    if stuck:
        notes.append(
            f"{len(stuck)} lock(s) could not be released; they lapse after "
            f"{ledger.STALE_AFTER.seconds // 60} minutes."
        )
    return _applied(ctx, comment, plan, outcomes, policy, key, run, resumed, notes)


def _mark(
    ctx: DevOpsContext,
    comment: IssueComment,
    plan: plans.Plan,
    key: SigningKey,
    state: plans.PlanState,
    run: str,
    record: str = "",
) -> None:
    """Read the plan comment again and set its signed state (with the apply's record).

    Raises:
        ServiceError: GitHub refused the read or the edit (the comment was deleted, say).
    """
    from github import GithubException

    from devops_agent.gh import service_error
    from devops_agent.gh.issues import edit_comment

    try:
        comment.update()
    except GithubException as exc:
        raise service_error(exc, f"read the plan comment {comment.id} again") from None
    body = plans.set_state(comment.body or "", plan, key, state, run)
    edit_comment(comment, ctx.redactor(body + strip_markers(record)) if record else body)


def _record_outcome(
    ctx: DevOpsContext,
    event: CommentEvent,
    plan: plans.Plan,
    key: SigningKey,
    run: str,
    *,
    ok: bool,
) -> list[str]:
    """Record the run's outcome in the ledger; a note for the answer if GitHub refused
    (the claim stands, so the plan still cannot run again at once)."""
    from devops_agent import ledger

    assert ctx.github is not None
    try:
        ledger.finish(ctx.github, event.repository, plan, key, run, ok=ok, url=ctx.env.run_url)
    except ServiceError as exc:
        return [f"The outcome could not be recorded in the ledger: {exc.message}"]
    return []


def _rollback(
    ctx: DevOpsContext, plan: plans.Plan, outcomes: list[Outcome]
) -> tuple[plans.Plan | None, str, str]:
    """The rollback plan (last change undone first), its block and a note; or why none."""
    from devops_agent.proposals import block_of, make_plan

    entries = [e for o in reversed(outcomes) for e in o.undo]
    if not entries:
        return None, "", ""
    try:
        made = make_plan(
            ctx,
            entries,
            region=plan.region,
            rollback_of=plan.plan_id,
            account=plan.account,
            # the way back is the original requester's: the same second person applies it
            requester=plan.requester,
        )
        return made.plan, block_of(ctx, made.plan), made.policy
    except DevOpsError as exc:
        return None, "", f"No rollback plan could be made: {exc.message}"


def _applied(
    ctx: DevOpsContext,
    comment: IssueComment,
    plan: plans.Plan,
    outcomes: list[Outcome],
    policy: str,
    key: SigningKey,
    run: str,
    resumed: bool,
    notes: list[str],
) -> Result:
    from devops_agent import preview
    from devops_agent.carry import audit_line

    failed = not all(o.ok for o in outcomes)
    state: plans.PlanState = "failed" if failed else "applied"
    rows = [o.row() for o in outcomes]
    back, block, back_policy = _rollback(ctx, plan, outcomes)
    trigger = ctx.settings.trigger
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    ran = [o.n for o in outcomes if o.ran or o.status in ("done-before", "already")]
    left = [o.n for o in outcomes if o.status in ("not-run", "failed", "not-as-planned")]
    lines = [f"{r[0]}. {' '.join(str(r[1]).split())}: {r[2]}" for r in rows]
    summary: list[str] = []
    if failed:
        summary.append(
            f"Stopped at entry {min(left)}: entries {_nums(ran) or 'none'} ran, entries "
            f"{_nums(left)} did not finish. What each left is in the table; apply the plan "
            f"again (`{trigger} apply {plan.plan_id}`) to carry out only what is left."
        )
    if back is not None:
        summary.append(
            f"Way back: rollback plan **{back.plan_id}** undoes what ran, from the state read "
            f"before the change: `{trigger} apply {back.plan_id}` (same rules as any plan)."
        )
    elif not back_policy:
        summary.append("No rollback plan: nothing that ran can be undone by a plan.")
    else:
        summary.append(back_policy)
    record = (
        f"\n\n---\n**{'Failed' if failed else 'Applied'}** by @{ctx.requester} at {when}"
        + (f" ([run]({ctx.env.run_url}))" if ctx.env.run_url else "")
        + (" (resumed)" if resumed else "")
        + "\n\n"
        + "\n".join(lines)
        + ("\n\n" + " ".join(summary) if summary else "")
    )
    try:
        _mark(ctx, comment, plan, key, state, run, record)
    except ServiceError as exc:  # the ledger holds the outcome; the answer says it
        notes = [*notes, f"The plan comment could not be updated with the outcome: {exc.message}"]
    info = ctx.aws.write_info if policy else {}
    audit: dict[str, Any] = {
        "plan_id": plan.plan_id,
        "requester": plan.requester,
        "approver": ctx.requester,
        "run": run,
        "role_session_name": info.get("session_name", ""),
        "assumed_role_arn": info.get("arn", ""),
        "source_identity": info.get("source_identity", ""),
        "source_identity_note": ""
        if info.get("source_identity")
        else "not set: AssumeRoleWithWebIdentity takes it only from the token's "
        "https://aws.amazon.com/source_identity claim, which GitHub's OIDC tokens do not "
        "carry; the role session name names the plan and the approver",
        "session_tags": info.get("tags", {}),
        "packed_policy_size": info.get("packed_policy_size"),
        "policy_sha256": plan.policy_sha256,
        "session_policy": policy,
        "entries": [o.data() for o in outcomes],
        "rollback_plan_id": back.plan_id if back is not None else "",
    }
    line = audit_line(audit)
    text = "\n\n".join(
        [
            f"Requested by @{plan.requester}, applied by @{ctx.requester}.",
            *summary,
            *notes,
            *(preview.irreversible(back.entries) if back is not None else []),
        ]
    )
    tables = [Table(columns=["#", "Change", "Result"], rows=rows)]
    if back is not None:
        tables.append(preview.calls_table(back.entries, title=f"Rollback plan {back.plan_id}"))
    return Result(
        status="failure" if failed else "applied",
        title=f"Plan {plan.plan_id} {'failed' if failed else 'applied'}",
        text=text,
        tables=tables,
        data={
            "plan_id": plan.plan_id,
            "results": [str(r[2]) for r in rows],
            "audit": audit,
            "rollback": back.model_dump(mode="json") if back is not None else None,
        },
        exit_code=1 if failed else 0,
        plan_block=block,
        audit=line,
    )


def _nums(ns: list[int]) -> str:
    return ", ".join(str(n) for n in ns)


def _dry_run(
    ctx: DevOpsContext,
    plan: plans.Plan,
    exact: list[str],
    policy: str,
    partition: str,
    key: SigningKey,
) -> Result:
    """Walk the apply path and say what would happen; change nothing, claim nothing."""
    from devops_agent import ledger, locks, preview, session_policy
    from devops_agent.carry import preview as send_dry_runs
    from devops_agent.proposals import Made, role_check

    assert ctx.github is not None
    event = ctx.event
    assert isinstance(event, CommentEvent)
    steps: list[list[object]] = [
        ["the plan", "✅ found, written and last edited by devops-agent, signed, intact"],
        ["its thread, expiry, PR head and arguments", "✅ as when it was planned"],
        ["the approver", f"✅ @{ctx.requester} may apply it"],
    ]
    blocked = False
    if policy:
        steps.append(["session policy", f"✅ derived again, {len(policy):,} characters, as signed"])
        check = role_check(ctx, Made(plan, policy, partition))
        steps.append(["write role (IAM policy simulator)", check.line if check else "-"])
    rows: list[list[object]] = []
    try:
        session = _write_session(ctx, plan, policy) if policy else None
        if session is not None:
            steps.append(
                ["write role", f"✅ assumed with the session policy, in account {plan.account}"]
            )
            rows = send_dry_runs(session, plan)
    except DevOpsError as exc:
        blocked = True
        steps.append(["write role", f"❌ {exc.message}"])
    try:
        found = ledger.records(ctx.github, event.repository, plan, key)
        used = next((r.kind for r in found if r.kind in ("applied", "rejected")), "")
        if used:
            blocked = True
            steps.append(["plan ledger", f"❌ it was {used} already"])
        else:
            done = ledger.done_entries(found)
            so_far = f"; entries {_nums(sorted(done))} done" if done else ""
            steps.append(["plan ledger", f"✅ free to claim{so_far}"])
        resources = session_policy.lockable(plan.entries, account=plan.account, partition=partition)
        if resources:
            sha = locks.root_commit(ctx.github, event.repository)
            holders = locks.held(ctx.github, event.repository, sha, resources, key)
            taken = [h[0] for h in holders.values() if h]
            if taken:
                blocked = True
                first = taken[0]
                steps.append(["locks", f"❌ {first.resource} is locked by plan {first.plan_id}"])
            else:
                steps.append(["locks", f"✅ {len(resources)} resource(s) free"])
    except DevOpsError as exc:
        blocked = True
        steps.append(["ledger and locks", f"❌ {exc.message}"])
    denied = [r for r in rows if str(r[2]).startswith("❌")]
    ok = not blocked and not denied
    tables = [Table(title="Checks", columns=["Step", "Result"], rows=steps)]
    if rows:
        columns = ["#", "Request", "AWS said"]
        tables.append(Table(title="EC2 DryRun previews", columns=columns, rows=rows))
    entries = [[n, e] for n, e in enumerate(exact, 1)]
    tables.append(Table(title="Entries", columns=["#", "Exactly"], rows=entries))
    text = "Dry run: nothing was claimed, locked or changed. " + (
        "Applying it now would go ahead." if ok else "Applying it now would not succeed."
    )
    warnings = preview.irreversible(plan.entries)
    return Result(
        status="success" if ok else "failure",
        title=f"Dry run of plan {plan.plan_id}: " + ("it would apply" if ok else "it would fail"),
        text="\n\n".join([*warnings, text]),
        tables=tables,
        data={
            "plan_id": plan.plan_id,
            "dry_run": True,
            "would_apply": ok,
            "session_policy": policy,
            "checks": [[str(c) for c in r] for r in steps],
            "previews": [[str(c) for c in r] for r in rows],
        },
        exit_code=0 if ok else 1,
    )
