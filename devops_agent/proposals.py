"""Making a plan: what a run that would change something posts instead.

:func:`propose` turns plan entries into a ``planned`` result whose comment holds the plan
block, signed with the installation's ``plan-signing-key``, and shows, before anyone
approves it (:mod:`devops_agent.preview`): the exact API calls, the entries that can
never be undone, the session policy the apply will be limited to, and whether the write
role may make the calls. :func:`make_plan` is the part an apply reuses for the rollback
plan it leaves behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from devops_agent import plans
from devops_agent.errors import BadInput, Refused
from devops_agent.events import CommentEvent, DispatchEvent
from devops_agent.report import Table

if TYPE_CHECKING:
    import boto3

    from devops_agent.context import DevOpsContext
    from devops_agent.operation import Proposal
    from devops_agent.preview import RoleCheck
    from devops_agent.report import Result

__all__ = ["Made", "account_of", "check_actor", "make_plan", "propose", "propose_plan"]


def account_of(session: boto3.Session) -> str:
    """The AWS account a session works in (``sts:GetCallerIdentity``).

    Args:
        session: A boto3 session (the read role's, when a plan is made).

    Returns:
        The 12-digit account id.

    Raises:
        ServiceError: STS refused or could not be reached.
    """
    from devops_agent.aws import aws_errors, client

    with aws_errors("sts:GetCallerIdentity"):
        return str(client(session, "sts").get_caller_identity()["Account"])


def check_actor(ctx: DevOpsContext, doing: str) -> None:
    """Refuse a re-run started by someone other than the person whose event it replays.

    Re-running a job replays the original event: its comment author would be taken as
    the requester or approver although someone else pressed *Re-run*.

    Args:
        ctx: The run; only comment and dispatch events are checked (a schedule has no
            person behind it).
        doing: What the re-run would do, for the message (``proposes changes``,
            ``applies plans``).

    Raises:
        Refused: This is a re-run started by someone other than the requester.
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


@dataclass
class Made:
    """A plan with its session policy, ready to render."""

    plan: plans.Plan
    policy: str
    """The rendered session policy ("" when the plan needs no AWS)."""
    partition: str = "aws"

    @property
    def needs_aws(self) -> bool:
        """Whether an apply needs the AWS write role."""
        return bool(self.policy)


def make_plan(
    ctx: DevOpsContext,
    entries: list[plans.PlanEntry],
    *,
    region: str,
    rollback_of: str = "",
    account: str = "",
    agent_state_sha256: str = "",
    requester: str = "",
    proposer: plans.Proposer = "person",
) -> Made:
    """Build a plan and its session policy; refuse one whose policy STS would refuse.

    Args:
        ctx: The run: its event gives the thread, its settings the expiry and trigger,
            its read session the account when none is given.
        entries: What the plan carries out.
        region: The plan's region (its partition is derived from it).
        rollback_of: The id of the plan this one undoes, for a rollback plan.
        account: The AWS account; empty asks STS when an entry needs AWS.
        agent_state_sha256: The hash of the agent state kept under the plan, or ``""``.
        requester: Who asked for the change, when that is not this run's requester: a
            rollback plan and a change the resumed agent proposes are the original plan's
            requester's, never its approver's (else, under ``require-second-approver``, the
            requester could apply them alone).
        proposer: ``agent`` when the agent chose the change in answer to the requester.

    Returns:
        The plan with its rendered session policy (empty when nothing needs AWS) and
        partition.

    Raises:
        Refused: The session policy would exceed STS's limit, or an entry names an
            unknown operation or invalid arguments.
        ServiceError: STS could not tell the account.
    """
    from devops_agent import session_policy
    from devops_agent.catalog import needs_aws as entry_needs_aws

    thread = ctx.event.number if isinstance(ctx.event, CommentEvent) else 0
    needs_aws = any(entry_needs_aws(e) for e in entries)
    if needs_aws and not account:
        account = account_of(ctx.session())
    partition = session_policy.partition_of(region or ctx.region)
    policy = session_policy.build(entries, account=account, partition=partition)
    text = session_policy.render(policy) if policy is not None else ""
    if text:
        session_policy.check_size(text, entries, ctx.settings.trigger)
    plan = plans.new_plan(
        entries,
        repository=ctx.repository,
        requester=requester or ctx.requester,
        thread=thread,
        account=account if needs_aws else "",
        region=region,
        head_sha=ctx.head_sha() or "",
        ledger_sha=ctx.env.sha,
        ttl=timedelta(hours=ctx.settings.plan_expiry_hours),
        policy_sha256=session_policy.digest(text) if text else "",
        rollback_of=rollback_of,
        agent_state_sha256=agent_state_sha256,
        proposer=proposer,
    )
    return Made(plan, text, partition)


def role_check(ctx: DevOpsContext, made: Made) -> RoleCheck | None:
    """IAM's policy simulator on the write role and the plan's calls (``None``: no AWS)."""
    from devops_agent import preview, session_policy

    if not made.needs_aws:
        return None
    scoped = session_policy.grants_of(made.plan.entries, made.partition)
    return preview.check_role(
        ctx, made.policy, scoped, account=made.plan.account, partition=made.partition
    )


def sections(
    ctx: DevOpsContext, made: Made, check: RoleCheck | None
) -> tuple[list[str], str, list[Table]]:
    """The plan's irreversible warnings (shown first), its text under them (role check,
    policy) and its tables."""
    from devops_agent import preview

    entries = made.plan.entries
    warnings = preview.irreversible(entries)
    parts: list[str] = []
    if check is not None:
        parts.append(check.line)
    if made.policy:
        parts.append(preview.policy_section(made.policy, made.plan.policy_sha256))
    rows = [
        [n, e.description, plans.exact_line(e.operation, e.args), ", ".join(e.resources)]
        for n, e in enumerate(entries, 1)
    ]
    tables = [
        Table(columns=["#", "Change", "Exactly", "Resources"], rows=rows),
        preview.calls_table(entries),
    ]
    return warnings, "\n\n".join(parts), tables


def block_of(ctx: DevOpsContext, plan: plans.Plan) -> str:
    """The plan's signed block, or a refusal when redaction would break it.

    Args:
        ctx: The run: its signing key signs the block, its redactor is tried on it.
        plan: The plan.

    Returns:
        The machine-readable block for the plan comment.

    Raises:
        BadInput: The block holds credential-shaped text that redaction would cut, so
            the plan could never be applied.
    """
    block = plans.render_block(plan, ctx.settings.signing_key)
    if ctx.redactor(block) != block:
        # Everything posted is redacted: a block holding credential-shaped text would be
        # cut, no longer hash to its id, and could never be applied.
        raise BadInput(
            "The plan would hold text shaped like a credential, which devops-agent redacts "
            "from everything it posts, so the plan could never be applied.",
            remedy="Remove secret-looking values from names, tags, descriptions and documents; "
            "never put a credential in a command.",
        )
    return block


def propose_plan(
    ctx: DevOpsContext,
    proposal: Proposal,
    *,
    state: str = "",
    requester: str = "",
    proposer: plans.Proposer = "person",
) -> Result:
    """Post a preview's proposal as a plan (its note under the plan's table).

    Args:
        ctx: The run.
        proposal: What an operation's preview (or the agent) proposed: entries, region,
            a title and an optional note.
        state: The paused agent's kept state (:func:`devops_agent.continuation.encode`),
            when the agent proposed it: kept under the plan and bound to it.
        requester: Who asked, when not this run's requester (:func:`make_plan`).
        proposer: ``agent`` when the agent chose the change (a person's command is
            ``person``); the plan records it.

    Returns:
        The ``planned`` result, as :func:`propose` makes it, the note appended.

    Raises:
        Refused: As :func:`propose`.
        BadInput: As :func:`propose`.
    """
    result = propose(
        ctx,
        proposal.entries,
        region=proposal.region,
        what=proposal.what,
        state=state,
        requester=requester,
        proposer=proposer,
    )
    if proposal.note:
        result = result.model_copy(update={"text": f"{result.text}\n\n{proposal.note}"})
    return result


def _keepable(ctx: DevOpsContext, state: str) -> tuple[str, str]:
    """The agent state to keep under the plan, or ``""`` and why it is not kept."""
    from devops_agent import continuation

    if not state:
        return "", ""
    if len(state) > continuation.MAX_STATE_CHARS:
        return "", "The agent's state is too large to keep"
    sample = continuation.render_block("0" * 12, state)
    if ctx.redactor(sample) != sample:
        # Never the case for the encoding's alphabet, but a block the redaction would cut
        # could never be read back: the plan is then made without it.
        return "", "The agent's state could not be kept"
    return state, ""


def propose(
    ctx: DevOpsContext,
    entries: list[plans.PlanEntry],
    *,
    region: str,
    what: str,
    state: str = "",
    requester: str = "",
    proposer: plans.Proposer = "person",
) -> Result:
    """Post ``entries`` as a plan instead of carrying them out.

    Without a ``plan-signing-key`` the plan is still posted, marked unsigned: the
    preview is worth reading, and an unsigned plan can never be applied. ``state`` (the
    paused agent's, :mod:`devops_agent.continuation`) is kept in a second block under the
    plan's, its hash inside the plan. A plan the agent proposed says so (``proposer``):
    under ``require-second-approver`` it is only a suggestion, since no person asked for
    that change (the model may have followed text someone else wrote).

    Args:
        ctx: The run.
        entries: The changes, as plan entries.
        region: The plan's region.
        what: A short title for the change (``stop 2 instances``).
        state: The paused agent's kept state, or ``""``.
        requester: Who asked, when not this run's requester (:func:`make_plan`).
        proposer: ``agent`` when the agent chose the change in answer to the requester.

    Returns:
        A ``planned`` result: the irreversible warnings first, how to apply it, the
        write-role check and the session policy, the entries' and the exact calls'
        tables, the plan as JSON data, its signed block and the kept state's block.

    Raises:
        Refused: A re-run started by someone else, a session policy too large for STS,
            or an entry with an unknown operation or invalid arguments.
        BadInput: The plan would hold credential-shaped text that redaction would cut,
            or the kept state would be.
        ServiceError: STS could not tell the account.
    """
    from devops_agent import continuation
    from devops_agent.report import Result

    check_actor(ctx, "proposes changes")
    state, unkept = _keepable(ctx, state)
    made = make_plan(
        ctx,
        entries,
        region=region,
        agent_state_sha256=continuation.digest(state) if state else "",
        requester=requester,
        proposer=proposer,
    )
    plan, key = made.plan, ctx.settings.signing_key
    plan_id = plan.plan_id
    block = block_of(ctx, plan)
    if state:
        block += "\n\n" + continuation.render_block(plan_id, state)
    thread = plan.thread
    how = (
        f"An authorized person applies it with `{ctx.settings.trigger} apply {plan_id}` in this "
        f"thread before {plan.expires_at:%Y-%m-%d %H:%M} UTC (add `--dry-run` to walk the "
        "apply without changing anything)."
        if thread
        else f"Apply it from a comment thread with `{ctx.settings.trigger} apply {plan_id}`."
    )
    if key is None:
        how = (
            "This plan is **unsigned**: no `plan-signing-key` is configured, so it can never "
            "be applied."
        )
    elif proposer == "agent" and ctx.settings.require_second_approver:
        how = (
            "The agent proposed it, and require-second-approver needs a person to ask for a "
            f"change and another to apply it: @{ctx.requester}, if you want it, ask for it "
            f"yourself with the command for the exact change below (`{ctx.settings.trigger} "
            "…`); then someone else applies that plan."
        )
    elif made.needs_aws and not ctx.settings.aws_write_role_to_assume:
        how += " No `aws-write-role-to-assume` is configured, so it cannot be applied yet."
    if state and key is not None and thread:
        how += (
            " When it is applied, or rejected with "
            f"`{ctx.settings.trigger} reject {plan_id} REASON`, the agent continues here."
        )
    elif unkept:
        how += f" {unkept}, so the agent will not continue after the apply."
    check = role_check(ctx, made)
    warnings, extra, tables = sections(ctx, made, check)
    data: dict[str, Any] = {
        "plan_id": plan_id,
        "signed": key is not None,
        "plan": plan.model_dump(mode="json"),
        "session_policy": made.policy,
        "write_role_check": check.data() if check is not None else None,
    }
    if state:
        data["agent_state_chars"] = len(state)
    text = "\n\n".join([*warnings, f"Nothing has changed yet. {how}", *([extra] if extra else [])])
    return Result(
        status="planned",
        title=f"Plan {plan_id}: {what}" + (" — IRREVERSIBLE" if warnings else ""),
        text=text,
        tables=tables,
        data=data,
        plan_block=block,
    )
