"""``/devops reject [PLAN_ID] [REASON]``: a plan nobody will carry out, said so once.

A plan that is not wanted otherwise waits until it expires, and the agent that proposed
it never hears why. A rejection ends it at once and for good:

1. the plan is found and checked exactly as an apply checks it
   (:func:`devops_agent.apply.checked_plan`: written and last edited by the action,
   intact, signed, in this thread, ``pending`` or ``failed``); it may have expired;
2. the person who asked for the plan may withdraw it; anyone else needs
   ``apply-min-permission``, as for an apply;
3. the rejection is recorded in the plan ledger (:func:`devops_agent.ledger.reject`),
   where no apply can pass it, whatever the comment says later; a rejection and an apply
   racing for one plan are decided by the earliest record;
4. the plan's marker says ``rejected`` (signed), with who, when and why under it;
5. when the agent proposed the plan, it resumes with the rejection and its reason
   (:mod:`devops_agent.continuation`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from devops_agent import plans
from devops_agent.apply import checked_plan, run_label
from devops_agent.continuation import MAX_REASON, Continuation, Decision
from devops_agent.errors import Refused
from devops_agent.report import Result
from devops_agent.sanitize import clean_untrusted, strip_markers

if TYPE_CHECKING:
    from devops_agent.context import DevOpsContext

__all__ = ["reject"]


def _may_reject(ctx: DevOpsContext, repository: str, plan: plans.Plan) -> None:
    """The requester withdraws their own plan; anyone else needs ``apply-min-permission``."""
    from devops_agent.authz import role_reaches
    from devops_agent.gh.repos import collaborator_role

    settings = ctx.settings
    needed = settings.apply_min_permission
    if ctx.requester.lower() == plan.requester.lower():
        return
    if needed and needed != settings.min_permission:
        assert ctx.github is not None
        role = collaborator_role(ctx.github, repository, ctx.requester)
        if not role_reaches(role, needed):
            raise Refused(
                f"@{ctx.requester} has the {role} role; rejecting another person's plan needs "
                f"at least {needed}, as applying it does."
            )


def reject(ctx: DevOpsContext, plan_id: str | None, reason: str = "") -> Result:
    """Reject one plan of this thread: it is never carried out afterwards.

    Args:
        ctx: The run (its comment event names the thread and who rejects).
        plan_id: The plan, or ``None`` for the newest one posted before this comment.
        reason: Why, in the rejecter's words (cleaned, bounded; the agent is told it).

    Returns:
        A ``success`` result saying so; it carries the paused agent (``resume``) when the
        agent proposed the plan.
    """
    from devops_agent import ledger
    from devops_agent.gh.issues import edit_comment

    found = checked_plan(ctx, plan_id, "rejects")
    plan, comment = found.plan, found.comment
    assert ctx.github is not None
    _may_reject(ctx, found.event.repository, plan)
    run = run_label(ctx)
    ledger.reject(ctx.github, found.event.repository, plan, found.key, run, ctx.env.run_url)
    why = " ".join(clean_untrusted(reason, limit=MAX_REASON).split())
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    record = (
        f"\n\n---\n**Rejected** by @{ctx.requester} at {when}"
        + (f" ([run]({ctx.env.run_url}))" if ctx.env.run_url else "")
        + (f": {why}" if why else "")
        + "\n\nNothing was changed; this plan can no longer be applied."
    )
    comment.update()
    body = plans.set_state(comment.body or "", plan, found.key, "rejected", run)
    edit_comment(comment, ctx.redactor(body + strip_markers(record)))
    text = (
        f"Requested by @{plan.requester}, rejected by @{ctx.requester}"
        + (f": {why}" if why else ".")
        + " Nothing was changed, and the plan can never be applied now."
    )
    resume = None
    if found.kept is not None:
        decision = Decision(plan_id=plan.plan_id, outcome="rejected", by=ctx.requester, reason=why)
        resume = Continuation(state=found.kept, decision=decision, requester=plan.requester)
    return Result(
        status="success",
        title=f"Plan {plan.plan_id} rejected",
        text=text,
        data={"plan_id": plan.plan_id, "rejected": True, "reason": why},
        resume=resume,
    )
