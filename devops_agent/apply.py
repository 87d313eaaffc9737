"""A plan's life: proposed by the run that asked, carried out by ``/devops apply``.

:func:`propose` turns plan entries into a ``planned`` result whose comment holds
the plan block. :func:`apply` carries out exactly one such plan, once, when every
condition holds, and otherwise refuses saying which one failed:

1. ``dry-run`` is off and a write role is configured;
2. the plan is in a comment on this thread written by the action's own identity;
3. its block still hashes to its id (unchanged) and it is still ``pending``;
4. it has not expired, and the PR head has not moved since it was planned.

Just before acting the comment is re-read and claimed (``state=applying`` with
this run's id), so two applies racing for one plan carry it out at most once in
all but a same-second race, which the workflow's ``concurrency:`` group closes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from devops_agent import plans
from devops_agent.errors import BadInput, Refused, ServiceError
from devops_agent.events import CommentEvent
from devops_agent.report import Result, Table
from devops_agent.sanitize import strip_markers

if TYPE_CHECKING:
    from pathlib import Path

    import boto3
    from github import Github
    from github.IssueComment import IssueComment

    from devops_agent.context import DevOpsContext
    from devops_agent.operation import Proposal


class _Writers:
    """The apply path's clients: the AWS write role is assumed only if an entry needs it."""

    def __init__(self, ctx: DevOpsContext, plan: plans.Plan) -> None:
        self._ctx = ctx
        self._plan = plan
        self._session: boto3.Session | None = None

    def aws(self) -> boto3.Session:
        if self._session is None:
            self._session = self._ctx.aws.write(self._plan, approver=self._ctx.requester)
        return self._session

    @property
    def github(self) -> Github:
        assert self._ctx.github is not None
        return self._ctx.github

    @property
    def workspace(self) -> Path:
        return self._ctx.env.workspace


def _account(ctx: DevOpsContext) -> str:
    from devops_agent.aws import aws_errors, client

    with aws_errors("sts:GetCallerIdentity"):
        return str(client(ctx.session(), "sts").get_caller_identity()["Account"])


def propose_plan(ctx: DevOpsContext, proposal: Proposal) -> Result:
    """Post a preview's proposal as a plan (its note under the plan's table)."""
    result = propose(ctx, proposal.entries, region=proposal.region, what=proposal.what)
    if proposal.note:
        result = result.model_copy(update={"text": f"{result.text}\n\n{proposal.note}"})
    return result


def propose(
    ctx: DevOpsContext, entries: list[plans.PlanEntry], *, region: str, what: str
) -> Result:
    """Post ``entries`` as a plan instead of carrying them out."""
    from devops_agent.catalog import needs_aws as entry_needs_aws

    thread = ctx.event.number if isinstance(ctx.event, CommentEvent) else 0
    needs_aws = any(entry_needs_aws(e) for e in entries)
    plan = plans.new_plan(
        entries,
        repository=ctx.repository,
        requester=ctx.requester,
        thread=thread,
        account=_account(ctx) if needs_aws else "",
        region=region,
        head_sha=ctx.head_sha() or "",
        ttl=timedelta(hours=ctx.settings.plan_expiry_hours),
    )
    plan_id = plan.plan_id
    block = plans.render_block(plan)
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
    if needs_aws and not ctx.settings.aws_write_role_to_assume:
        how += " No `aws-write-role-to-assume` is configured, so it cannot be applied yet."
    rows = [[n, e.description, ", ".join(e.resources)] for n, e in enumerate(entries, 1)]
    return Result(
        status="planned",
        title=f"Plan {plan_id}: {what}",
        text=f"Nothing has changed yet. {how}",
        tables=[Table(columns=["#", "Change", "Resources"], rows=rows)],
        data={"plan_id": plan_id, "plan": plan.model_dump(mode="json")},
        plan_block=block,
    )


def _thread_comments(ctx: DevOpsContext, event: CommentEvent) -> list[IssueComment]:
    from github import GithubException

    from devops_agent.gh import service_error

    assert ctx.github is not None
    try:
        issue = ctx.github.get_repo(event.repository).get_issue(event.number)
        return list(issue.get_comments())
    except GithubException as exc:
        raise service_error(exc, f"list the comments of #{event.number}") from None


def _locate(
    ctx: DevOpsContext, event: CommentEvent, plan_id: str | None, own: str
) -> tuple[IssueComment, plans.FoundPlan]:
    """The plan comment to apply, or a refusal that says what is wrong."""
    candidates: list[tuple[IssueComment, plans.FoundPlan]] = []
    for comment in _thread_comments(ctx, event):
        for found in plans.find_blocks(comment.body or ""):
            if plan_id is None or found.plan_id == plan_id:
                candidates.append((comment, found))
    trigger = ctx.settings.trigger
    if not candidates:
        if plan_id is None:
            raise Refused("There is no plan in this thread to apply.")
        raise Refused(
            f"There is no plan {plan_id} in this thread.",
            remedy=f"Apply plans in the thread they were posted in: `{trigger} apply PLAN_ID`.",
        )
    own_plans = [(c, f) for c, f in candidates if c.user.login == own]
    if not own_plans:
        authors = ", ".join(sorted({"@" + c.user.login for c, _ in candidates}))
        raise Refused(
            f"The plan {plan_id or ''} was found only in a comment written by {authors}, not by "
            "devops-agent; it is not applied.",
            remedy="Only plans that devops-agent itself posted can be applied.",
        )
    if plan_id is None:
        # A bare `apply` means the newest plan, never an older one nobody pointed at.
        newest = own_plans[-1]
        if newest[1].state != "pending":
            raise Refused(
                f"The newest plan in this thread, {newest[1].plan_id}, is {newest[1].state}.",
                remedy=f"Name the plan to apply: `{trigger} apply PLAN_ID`.",
            )
        return newest
    return own_plans[-1]


def _check(ctx: DevOpsContext, event: CommentEvent, found: plans.FoundPlan) -> plans.Plan:
    plan = found.plan
    if plan is None or not found.intact:
        raise Refused(
            f"Plan {found.plan_id} was changed after it was posted (its content no longer "
            "matches its id); it is not applied.",
            remedy="Ask for the change again to get a fresh plan.",
        )
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


def _check_unedited(ctx: DevOpsContext, comment: IssueComment, own: str) -> None:
    """Refuse a plan comment whose body someone other than the action last edited.

    People with write access may edit any comment and the author stays the action:
    only an edit history naming the action itself (or none) vouches for the block
    and its ``state``.
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


def apply(ctx: DevOpsContext, plan_id: str | None) -> Result:
    """Carry out one approved plan from this thread, once."""
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
    own = own_login(ctx.github)
    comment, found = _locate(ctx, event, plan_id, own)
    _check_unedited(ctx, comment, own)
    plan = _check(ctx, event, found)
    _check_approver(ctx, event, plan)
    plan_id = found.plan_id
    from devops_agent.catalog import carry_out
    from devops_agent.catalog import needs_aws as entry_needs_aws

    needs_aws = any(entry_needs_aws(entry) for entry in plan.entries)
    if needs_aws and not ctx.settings.aws_write_role_to_assume:
        ctx.aws.write(plan, approver=ctx.requester)  # raises the refusal that explains it
    writers = _Writers(ctx, plan)

    # Re-read and claim just before acting: a plan is carried out at most once.
    comment.update()
    current = {f.plan_id: f for f in plans.find_blocks(comment.body or "")}.get(plan_id)
    if current is None or current.state != "pending":
        raise Refused(f"Plan {plan_id} was taken by another run just now; it is not applied twice.")
    claim = f"<!-- devops-agent:claim {ctx.env.run_id or 'local'} -->"
    edit_comment(comment, plans.set_state(comment.body, plan_id, "applying") + "\n" + claim)

    rows: list[list[object]] = []
    failed = False
    for n, entry in enumerate(plan.entries, 1):
        if failed:
            rows.append([n, entry.description, "skipped"])
            continue
        try:
            rows.append([n, entry.description, "✅ " + carry_out(entry, writers)])
        except (ServiceError, Refused, BadInput) as exc:
            failed = True
            rows.append([n, entry.description, f"❌ {exc.message}"])
    state: plans.PlanState = "failed" if failed else "applied"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    record = (
        f"\n\n---\n**{'Failed' if failed else 'Applied'}** by @{ctx.requester} at {when}"
        + (f" ([run]({ctx.env.run_url}))" if ctx.env.run_url else "")
        + "\n\n"
        + "\n".join(f"{r[0]}. {r[1]}: {r[2]}" for r in rows)
    )
    body = plans.set_state(comment.body, plan_id, state).replace("\n" + claim, "")
    edit_comment(comment, ctx.redactor(body + strip_markers(record)))
    return Result(
        status="failure" if failed else "applied",
        title=f"Plan {plan_id} {'failed' if failed else 'applied'}",
        text=f"Requested by @{plan.requester}, applied by @{ctx.requester}.",
        tables=[Table(columns=["#", "Change", "Result"], rows=rows)],
        data={"plan_id": plan_id, "results": [str(r[2]) for r in rows]},
        exit_code=1 if failed else 0,
    )
