"""What a plan shows before anyone approves it, beyond its entries.

* **The exact calls**: per entry, every request its executor will send with its
  parameters, canonical and (like everything posted) redacted, from the operations'
  declared ``calls`` (:class:`devops_agent.operation.ApiCall`).
* **Irreversible entries**, said in capitals at the top, before anything else.
* **The session policy** the apply will assume the write role with, folded, with its
  size and hash (:mod:`devops_agent.session_policy`).
* **Whether the write role may make the calls**: IAM's policy simulator
  (``iam:SimulatePrincipalPolicy`` on the write role, the session policy passed as
  ``PermissionsBoundaryPolicyInputList``, which the simulator intersects with the role's
  policies as STS intersects a session policy), asked with the read role. When the
  simulator cannot be asked (no write role, the read role may not call it, or a stand-in
  that does not answer it) the plan says "not checked" and why, never "allowed".

The simulator replaces a permissions boundary the role already has with the one passed
in, so a role with its own boundary may be shown as allowed where the boundary would
deny; SCPs and resource policies are evaluated as the simulator evaluates them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devops_agent.errors import DevOpsError, ServiceError
from devops_agent.operation import PlanEntry
from devops_agent.report import Table

if TYPE_CHECKING:
    from mypy_boto3_iam.type_defs import ContextEntryTypeDef

    from devops_agent.context import DevOpsContext
    from devops_agent.session_policy import Scoped

__all__ = ["RoleCheck", "calls_table", "check_role", "irreversible", "policy_section"]


def calls_table(entries: list[PlanEntry], title: str = "API calls, exactly") -> Table:
    """One row per request the entries will send, in order.

    Args:
        entries: The plan's entries, each validated again by its operation's model.
        title: The table's title.

    Returns:
        A table of entry number and :meth:`~devops_agent.operation.ApiCall.line`; an
        operation without declared ``calls`` gets one row naming the IAM actions it
        may use instead.

    Raises:
        Refused: An entry names an unknown operation or arguments its model rejects.
    """
    from devops_agent import catalog

    rows: list[list[object]] = []
    for n, entry in enumerate(entries, 1):
        op, args = catalog.validate(entry)
        if op.calls is None:
            actions = ", ".join(op.actions) or "GitHub"
            rows.append([n, f"not declared for {op.name} yet: one or more of {actions}"])
            continue
        rows.extend([n, call.line()] for call in op.calls(args))
    return Table(title=title, columns=["#", "Request"], rows=rows)


def irreversible(entries: list[PlanEntry]) -> list[str]:
    """One line per entry that cannot be undone, in words nobody can miss.

    Args:
        entries: The plan's entries.

    Returns:
        A bold ``IRREVERSIBLE`` line per such entry, with its number and the operation's
        reason; empty when every entry can be undone.

    Raises:
        Refused: An entry names an unknown operation or arguments its model rejects.
    """
    from devops_agent import catalog

    lines: list[str] = []
    for n, entry in enumerate(entries, 1):
        op, args = catalog.validate(entry)
        reason = op.warning(args)
        if reason:
            lines.append(
                f"**⚠️ IRREVERSIBLE — entry {n} cannot be undone: {reason}. No rollback plan "
                "will be offered for it.**"
            )
    return lines


def policy_section(text: str, digest: str) -> str:
    """The session policy, folded, with its size and hash.

    Args:
        text: The rendered session policy JSON.
        digest: Its SHA-256 in hex (the first 16 characters are shown).

    Returns:
        A ``<details>`` block for the plan comment: the size against STS's limit, the
        hash, and the policy as a JSON code block.
    """
    from devops_agent.session_policy import LIMIT

    return (
        f"<details><summary>Session policy for the apply ({len(text):,} of {LIMIT:,} "
        f"characters, sha256 {digest[:16]}…): the write role may do only this</summary>\n\n"
        f"```json\n{text}\n```\n\n</details>"
    )


@dataclass
class RoleCheck:
    """What IAM's policy simulator said about the write role and the plan's calls."""

    checked: bool
    denied: list[str] = field(default_factory=list)
    """``action on resource (decision)`` for every call it would refuse."""
    reason: str = ""
    """Why it was not checked."""

    @property
    def line(self) -> str:
        """One line for the plan."""
        if not self.checked:
            return f"Write role: **not checked**: {self.reason}."
        if not self.denied:
            return (
                "Write role: IAM's policy simulator says the write role, limited by this "
                "session policy, may make every call."
            )
        return (
            "**❌ The write role could NOT carry out this plan** (IAM's policy simulator): "
            + "; ".join(self.denied)
            + ". Fix the write role's policy before applying, or the apply will fail."
        )

    def data(self) -> dict[str, Any]:
        """As JSON for the report.

        Returns:
            ``checked``, ``denied`` and ``reason``.
        """
        return {"checked": self.checked, "denied": self.denied, "reason": self.reason}


def _context_entries(scoped: Scoped) -> list[ContextEntryTypeDef]:
    entries: list[ContextEntryTypeDef] = []
    if scoped.region:
        entries.append(
            {
                "ContextKeyName": "aws:RequestedRegion",
                "ContextKeyValues": [scoped.region],
                "ContextKeyType": "string",
            }
        )
    for keys in scoped.grant.conditions.values():
        for name, values in keys.items():
            entries.append(
                {"ContextKeyName": name, "ContextKeyValues": values, "ContextKeyType": "string"}
            )
    return entries


def check_role(
    ctx: DevOpsContext, policy: str, scoped: list[Scoped], *, account: str, partition: str
) -> RoleCheck:
    """Ask IAM's policy simulator whether the write role, under ``policy``, may make the calls.

    One ``iam:SimulatePrincipalPolicy`` request per grant, with the read role, one
    attempt each; the session policy goes in as a permissions boundary.

    Args:
        ctx: The run: its settings name the write role, its session is the read role's.
        policy: The session policy JSON the apply will assume the write role with.
        scoped: The plan's grants with their regions
            (:func:`devops_agent.session_policy.grants_of`).
        account: The plan's account, filled into the ARN patterns.
        partition: The account's partition, filled in likewise.

    Returns:
        ``checked`` with every call the simulator would not allow; or not checked, with
        the reason (no write role, not a role ARN, the simulator refused to the read
        role or did not answer). It never raises: a failed check is "not checked".
    """
    from botocore.config import Config

    from devops_agent.aws import BOTO_CONFIG, aws_errors
    from devops_agent.session_policy import arn_of

    role = ctx.settings.aws_write_role_to_assume
    if not role:
        return RoleCheck(False, reason="no `aws-write-role-to-assume` is configured")
    if ":role/" not in role:
        return RoleCheck(False, reason=f"{role} is not an IAM role ARN")
    denied: list[str] = []
    # One attempt: a simulator that does not answer is "not checked", not worth retries.
    once = BOTO_CONFIG.merge(Config(retries={"total_max_attempts": 1, "mode": "standard"}))
    try:
        iam = ctx.session().client("iam", region_name="us-east-1", config=once)
        for item in scoped:
            arns = [
                arn_of(r, account=account, partition=partition, region=item.region)
                for r in item.grant.resources
            ]
            with aws_errors("iam:SimulatePrincipalPolicy", resource=role):
                answer = iam.simulate_principal_policy(
                    PolicySourceArn=role,
                    ActionNames=[item.grant.action],
                    ResourceArns=arns,
                    PermissionsBoundaryPolicyInputList=[policy],
                    ContextEntries=_context_entries(item),
                )
            for result in answer.get("EvaluationResults", []):
                specific = result.get("ResourceSpecificResults") or [
                    {
                        "EvalResourceName": result.get("EvalResourceName", "*"),
                        "EvalResourceDecision": result.get("EvalDecision", ""),
                    }
                ]
                for one in specific:
                    decision = str(one.get("EvalResourceDecision") or "")
                    if decision != "allowed":
                        denied.append(
                            f"{result.get('EvalActionName', item.grant.action)} on "
                            f"{one.get('EvalResourceName', '*')} ({decision or 'no answer'})"
                        )
    except ServiceError as exc:
        if exc.code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            why = "the read role may not call iam:SimulatePrincipalPolicy (grant it to check "
            return RoleCheck(False, reason=why + "plans before they are approved)")
        return RoleCheck(
            False, reason=f"IAM's policy simulator did not answer ({exc.code or exc.message})"
        )
    except DevOpsError as exc:
        return RoleCheck(False, reason=f"IAM's policy simulator could not be asked ({exc.message})")
    except Exception as exc:  # botocore's parser errors are not BotoCoreErrors
        return RoleCheck(
            False, reason=f"IAM's policy simulator did not answer ({type(exc).__name__})"
        )
    return RoleCheck(True, denied=denied)
