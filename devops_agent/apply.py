"""A plan's life: proposed by the run that asked, carried out by ``/devops apply``.

:func:`propose` turns plan entries into a ``planned`` result whose comment holds
the plan block, signed with the installation's ``plan-signing-key``. :func:`apply`
carries out exactly one such plan, once, when every condition holds, and otherwise
refuses saying which one failed:

1. ``dry-run`` is off, and this run was started by the person who asked: a re-run
   (``GITHUB_RUN_ATTEMPT`` > 1) started by someone else proposes and applies nothing;
2. a ``plan-signing-key`` is configured;
3. the plan is in a comment on this thread written by the action's own identity
   (other authors' comments are not even parsed), which existed, unchanged since,
   before the apply comment was written: an approval covers only what the approver
   could have read; a bare ``apply`` means the newest such plan;
4. the comment was last edited by nobody but the action; its block still hashes to its
   id and carries the key's signature for its recorded state, which is ``pending``;
5. the plan belongs to this repository and thread, has not expired, and the PR head
   has not moved;
6. every entry names an operation devops-agent has, and its arguments validate to
   exactly what the block holds: what the plan and its apply show is derived from them;
7. the approver's role and the second-approver rule;
8. the write role is assumed with this job's pinned OIDC token, in the plan's account;
9. the plan ledger (:mod:`devops_agent.ledger`) holds no record of it, and this run's
   claim there is the first.

Only then is anything carried out; the outcome is recorded in the ledger and in the
comment (a signed state), with the run that did it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from devops_agent import plans
from devops_agent.errors import BadInput, Refused, ServiceError
from devops_agent.events import CommentEvent, DispatchEvent
from devops_agent.report import Result, Table
from devops_agent.sanitize import strip_markers
from devops_agent.signing import SETUP, SigningKey

if TYPE_CHECKING:
    from pathlib import Path

    import boto3
    from github import Github
    from github.IssueComment import IssueComment

    from devops_agent.context import DevOpsContext
    from devops_agent.operation import Proposal


class _Writers:
    """The apply path's clients; the AWS session is assumed and checked before the claim."""

    def __init__(self, ctx: DevOpsContext, session: boto3.Session | None) -> None:
        self._ctx = ctx
        self._session = session

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


def _account(session: boto3.Session) -> str:
    from devops_agent.aws import aws_errors, client

    with aws_errors("sts:GetCallerIdentity"):
        return str(client(session, "sts").get_caller_identity()["Account"])


def _run_label(ctx: DevOpsContext) -> str:
    """This run in ledger records and signed states: ``RUN_ID.ATTEMPT`` (``local`` outside)."""
    return f"{ctx.env.run_id}.{ctx.env.run_attempt}" if ctx.env.run_id.isdigit() else "local"


def check_actor(ctx: DevOpsContext, doing: str) -> None:
    """Refuse a re-run started by someone other than the person whose event it replays.

    Re-running a job replays the original event: its comment author would be taken as
    the requester or approver although someone else pressed *Re-run*.

    Args:
        ctx: The run's context.
        doing: What the run was about to do, for the message (``applies plans``).

    Raises:
        Refused: the run is a re-run someone other than the requester started.
    """
    from devops_agent.authz import replayed_by

    if not isinstance(ctx.event, CommentEvent | DispatchEvent):
        return
    other = replayed_by(ctx.requester, ctx.env.run_attempt, ctx.env.triggering_actor)
    if other is not None:
        raise Refused(
            f"This is re-run {ctx.env.run_attempt} of @{ctx.requester}'s command, started by "
            f"{other}; a re-run {doing} only when the person who asked starts it.",
            remedy="Comment the command yourself; you then ask (or approve) it in your own name.",
        )


def propose_plan(ctx: DevOpsContext, proposal: Proposal) -> Result:
    """Post a preview's proposal as a plan (its note under the plan's table).

    Args:
        ctx: The run's context.
        proposal: A preview's entries, region, title and note.

    Returns:
        The ``planned`` result.
    """
    result = propose(ctx, proposal.entries, region=proposal.region, what=proposal.what)
    if proposal.note:
        result = result.model_copy(update={"text": f"{result.text}\n\n{proposal.note}"})
    return result


def propose(
    ctx: DevOpsContext, entries: list[plans.PlanEntry], *, region: str, what: str
) -> Result:
    """Post ``entries`` as a plan instead of carrying them out.

    Without a ``plan-signing-key`` the plan is still posted, marked unsigned: the
    preview is worth reading, and an unsigned plan can never be applied.

    Args:
        ctx: The run's context.
        entries: The plan's entries, from previews.
        region: The region the plan is for.
        what: One line that says what the plan does.

    Returns:
        A ``planned`` result: the plan's table and its signed block, with the plan id.

    Raises:
        Refused: a re-run by someone other than the requester.
    """
    from devops_agent.catalog import needs_aws as entry_needs_aws

    check_actor(ctx, "proposes changes")
    thread = ctx.event.number if isinstance(ctx.event, CommentEvent) else 0
    needs_aws = any(entry_needs_aws(e) for e in entries)
    key = ctx.settings.signing_key
    plan = plans.new_plan(
        entries,
        repository=ctx.repository,
        requester=ctx.requester,
        thread=thread,
        account=_account(ctx.session()) if needs_aws else "",
        region=region,
        head_sha=ctx.head_sha() or "",
        ledger_sha=ctx.env.sha,
        ttl=timedelta(hours=ctx.settings.plan_expiry_hours),
    )
    plan_id = plan.plan_id
    block = plans.render_block(plan, key)
    if ctx.redactor(block) != block:
        # Everything posted is redacted: a block holding credential-shaped text would be
        # cut, no longer hash to its id, and could never be applied.
        raise BadInput(
            "The plan would hold text shaped like a credential, which devops-agent redacts "
            "from everything it posts, so the plan could never be applied.",
            remedy="Remove secret-looking values from names, tags, descriptions and documents; "
            "never put a credential in a command.",
        )
    how = (
        f"An authorized person applies it with `{ctx.settings.trigger} apply {plan_id}` in this "
        f"thread before {plan.expires_at:%Y-%m-%d %H:%M} UTC."
        if thread
        else f"Apply it from a comment thread with `{ctx.settings.trigger} apply {plan_id}`."
    )
    if key is None:
        how = (
            "This plan is **unsigned**: no `plan-signing-key` is configured, so it can never "
            "be applied."
        )
    elif needs_aws and not ctx.settings.aws_write_role_to_assume:
        how += " No `aws-write-role-to-assume` is configured, so it cannot be applied yet."
    rows = [
        [n, e.description, plans.exact_line(e.operation, e.args), ", ".join(e.resources)]
        for n, e in enumerate(entries, 1)
    ]
    return Result(
        status="planned",
        title=f"Plan {plan_id}: {what}",
        text=f"Nothing has changed yet. {how}",
        tables=[Table(columns=["#", "Change", "Exactly", "Resources"], rows=rows)],
        data={"plan_id": plan_id, "signed": key is not None, "plan": plan.model_dump(mode="json")},
        plan_block=block,
    )


# --------------------------------------------------------------------------- finding the plan


def _thread_comments(ctx: DevOpsContext, event: CommentEvent) -> list[IssueComment]:
    from github import GithubException

    from devops_agent.gh import service_error

    assert ctx.github is not None
    try:
        issue = ctx.github.get_repo(event.repository).get_issue(event.number)
        return list(issue.get_comments())
    except GithubException as exc:
        raise service_error(exc, f"list the comments of #{event.number}") from None


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
    """Did the plan comment exist, as it is now, when the apply comment was written?"""
    return comment.id < event.comment_id and _utc(comment.updated_at) <= asked_at


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
        if plan_id is None:
            raise Refused("There is no plan in this thread to apply.")
        raise Refused(
            f"There is no plan {plan_id} in this thread.",
            remedy=f"Apply plans in the thread they were posted in: `{trigger} apply PLAN_ID`.",
        )
    asked_at = _asked_at(ctx, event)
    seen = [(c, f) for c, f in mine if _seen(c, event, asked_at)]
    signed = [(c, f) for c, f in seen if f.signed_by(key)]
    if plan_id is not None and not seen:
        state = mine[-1][1].state
        if state == "applied":
            raise Refused(f"Plan {plan_id} has been applied already; a plan runs once.")
        if state != "pending":
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
        return newest
    return (signed or seen)[-1]


# --------------------------------------------------------------------------- checks


def _check_unedited(ctx: DevOpsContext, comment: IssueComment, own: str) -> None:
    """Refuse a plan comment whose body someone other than the action last edited.

    People with write access may edit any comment and the author stays the action:
    only an edit history naming the action itself (or none) vouches for the block.
    (Other workflows edit as the same bot; the signature covers that case.)
    """
    from devops_agent.gh.issues import last_editor

    assert ctx.github is not None
    editor = last_editor(ctx.github, comment)
    if editor is not None and editor.removesuffix("[bot]") != own.removesuffix("[bot]"):
        raise Refused(
            f"The plan comment was edited by @{editor} after devops-agent posted it; "
            "an edited plan is never applied.",
            remedy="Ask for the change again to get a fresh plan.",
        )


def _check(
    ctx: DevOpsContext, event: CommentEvent, found: plans.FoundPlan, key: SigningKey
) -> plans.Plan:
    plan = found.plan
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
    if plan.version != plans.VERSION:
        raise Refused(f"Plan {found.plan_id} has format {plan.version}; ask for it again.")
    if found.state == "applied":
        raise Refused(f"Plan {found.plan_id} has been applied already; a plan runs once.")
    if found.state != "pending":
        raise Refused(f"Plan {found.plan_id} is {found.state}; only a pending plan can be applied.")
    if plan.repository != event.repository or plan.thread != event.number:
        raise Refused(f"Plan {found.plan_id} belongs to another thread; it is not applied here.")
    if datetime.now(UTC) > plan.expires_at:
        raise Refused(
            f"Plan {found.plan_id} expired at {plan.expires_at:%Y-%m-%d %H:%M} UTC.",
            remedy="Ask for the change again to get a fresh plan.",
        )
    if plan.head_sha and (ctx.head_sha() or "") != plan.head_sha:
        raise Refused(
            f"The pull request's head moved since plan {found.plan_id} was made "
            f"({plan.head_sha[:7]} → {(ctx.head_sha() or '?')[:7]}).",
            remedy="Ask for the change again so the plan matches the code under review.",
        )
    return plan


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
    """The applier's extra conditions: a higher role, or a second person."""
    from devops_agent.authz import role_reaches
    from devops_agent.gh.repos import collaborator_role

    settings = ctx.settings
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


def _write_session(ctx: DevOpsContext, plan: plans.Plan) -> boto3.Session:
    """The write role's session, in the account the plan was made in, or a refusal."""
    if not plan.account:
        raise Refused(
            f"Plan {plan.plan_id} changes AWS but names no account; it is not applied.",
            remedy="Ask for the change again to get a fresh plan.",
        )
    session = ctx.aws.write(plan, approver=ctx.requester)
    account = _account(session)
    if account != plan.account:
        raise Refused(
            f"Plan {plan.plan_id} was made in AWS account {plan.account}, but the write role "
            f"works in account {account}; it is not applied there.",
            remedy="Check `aws-write-role-to-assume`: it must be a role in the account the plan "
            "was made in (the read role's).",
        )
    return session


# --------------------------------------------------------------------------- apply


def apply(ctx: DevOpsContext, plan_id: str | None) -> Result:
    """Carry out one approved plan from this thread, once.

    Args:
        ctx: The run's context (the apply comment's event, settings, sessions).
        plan_id: The plan to apply; ``None`` means the newest plan in the thread.

    Returns:
        The apply's answer: what each entry did, or why nothing was done.

    Raises:
        Refused: no such plan, unsigned, changed, expired, already claimed, newer than the apply
            comment, not permitted for this person, or a re-run by someone else.
    """
    from devops_agent import ledger
    from devops_agent.catalog import carry_out
    from devops_agent.gh.identity import own_login
    from devops_agent.gh.issues import edit_comment

    event = ctx.event
    if not isinstance(event, CommentEvent) or ctx.github is None:
        raise BadInput("`apply` works in the comment thread that holds the plan.")
    if plan_id is not None:
        plan_id = plan_id.strip().lower()
        if not plans.PLAN_ID.fullmatch(plan_id):
            raise BadInput(f"'{plan_id}' is not a plan id (12 hex characters, as the plan shows).")
    if ctx.settings.dry_run:
        raise Refused("dry-run is on: devops-agent carries nothing out, not even an approved plan.")
    check_actor(ctx, "applies plans")
    key = ctx.settings.signing_key
    if key is None:
        raise Refused(
            "No plan-signing-key is configured, so devops-agent cannot tell its own plans from "
            "ones another workflow posted as the same bot; nothing is applied.",
            remedy=SETUP,
        )
    own = own_login(ctx.github)
    comment, found = _locate(ctx, event, plan_id, own, key)
    _check_unedited(ctx, comment, own)
    plan = _check(ctx, event, found, key)
    exact = [_exact(entry) for entry in plan.entries]
    _check_approver(ctx, event, plan)
    plan_id = found.plan_id
    from devops_agent.catalog import needs_aws as entry_needs_aws

    needs_aws = any(entry_needs_aws(entry) for entry in plan.entries)
    session = _write_session(ctx, plan) if needs_aws else None
    writers = _Writers(ctx, session)

    # Claim in the ledger (append-only: a reset comment cannot undo it), then mark the
    # comment; from here on the plan is used, whatever happens next.
    run = _run_label(ctx)
    ledger.claim(ctx.github, event.repository, plan, key, run, ctx.env.run_url)
    comment.update()
    edit_comment(comment, plans.set_state(comment.body or "", plan, key, "applying", run))

    rows: list[list[object]] = []
    failed = False
    for n, entry in enumerate(plan.entries, 1):
        if failed:
            rows.append([n, exact[n - 1], "skipped"])
            continue
        try:
            rows.append([n, exact[n - 1], "✅ " + carry_out(entry, writers)])
        except (ServiceError, Refused, BadInput) as exc:
            failed = True
            rows.append([n, exact[n - 1], f"❌ {exc.message}"])
    state: plans.PlanState = "failed" if failed else "applied"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    record = (
        f"\n\n---\n**{'Failed' if failed else 'Applied'}** by @{ctx.requester} at {when}"
        + (f" ([run]({ctx.env.run_url}))" if ctx.env.run_url else "")
        + "\n\n"
        + "\n".join(f"{r[0]}. {' '.join(str(r[1]).split())}: {r[2]}" for r in rows)
    )
    notes: list[str] = []
    try:
        ledger.finish(
            ctx.github, event.repository, plan, key, run, ok=not failed, url=ctx.env.run_url
        )
    except ServiceError as exc:  # the claim stands: the plan still cannot run again
        notes.append(f"The outcome could not be recorded in the ledger: {exc.message}")
    comment.update()
    body = plans.set_state(comment.body or "", plan, key, state, run)
    edit_comment(comment, ctx.redactor(body + strip_markers(record)))
    text = f"Requested by @{plan.requester}, applied by @{ctx.requester}."
    return Result(
        status="failure" if failed else "applied",
        title=f"Plan {plan_id} {'failed' if failed else 'applied'}",
        text="\n\n".join([text, *notes]),
        tables=[Table(columns=["#", "Change", "Result"], rows=rows)],
        data={"plan_id": plan_id, "results": [str(r[2]) for r in rows]},
        exit_code=1 if failed else 0,
    )
