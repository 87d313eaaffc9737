"""The account password policy: ``iam password-policy`` and ``iam password-policy set``.

IAM's ``UpdateAccountPasswordPolicy`` replaces the whole policy: a setting the call leaves
out goes back to IAM's default. So the preview reads the policy as it is, lays what was
asked over it, and the plan entry carries the **complete** policy the executor will send:
asking for a longer minimum never quietly drops reuse prevention or an expiry someone set.
The preview also never weakens a setting unless asked in so many words: ``--min-length``
lower than today's is refused (``iam password-policy set`` is how the audit's fixes raise a
policy to the benchmark's values, and that must only ever raise it).

The plan proves itself (:mod:`devops_agent.operation`): the exact policy sent is in the
plan, it is read back after the apply, and the way back is the policy read just before
the change (or, when the account had none, deleting the policy again:
``DeleteAccountPasswordPolicy``, which only a rollback plan ever carries). An account
setting takes no resource-level permissions: the session policy allows the call on
``*``, limited to IAM's region of the partition (``aws:RequestedRegion``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, cast

from botocore.exceptions import ClientError
from pydantic import Field

from devops_agent.aws import AwsModel, aws_errors, client
from devops_agent.aws.iam.calls import iam_call, not_yet, send_iam
from devops_agent.aws.writes import Change, recorded
from devops_agent.errors import BadInput
from devops_agent.operation import (
    ApiCall,
    Args,
    Command,
    Hidden,
    PlanEntry,
    Proposal,
    Read,
    Reader,
    Unchanged,
    Verification,
    Verified,
    Write,
    Writers,
)
from devops_agent.report import Result, Table

if TYPE_CHECKING:
    import boto3

__all__ = [
    "GET_PASSWORD_POLICY",
    "SET_PASSWORD_POLICY",
    "PasswordPolicy",
    "delete_password_policy",
    "password_policy_params",
    "read_password_policy",
    "set_password_policy",
]

#: IAM's own defaults when no policy is set (what a new policy starts from).
IAM_MIN_LENGTH = 8
#: Character classes a policy may require, and IAM's parameter for each.
CLASSES = {
    "symbols": "RequireSymbols",
    "numbers": "RequireNumbers",
    "uppercase": "RequireUppercaseCharacters",
    "lowercase": "RequireLowercaseCharacters",
}


class PasswordPolicy(AwsModel):
    """The account password policy; ``exists`` is False when none is set."""

    exists: bool
    """False when the account has no password policy (IAM then allows 8 characters)."""
    minimum_length: int | None = None
    """Shortest password allowed."""
    require_symbols: bool = False
    require_numbers: bool = False
    require_uppercase: bool = False
    require_lowercase: bool = False
    reuse_prevention: int | None = None
    """Previous passwords a new one must differ from; ``None`` when reuse is allowed."""
    max_age_days: int | None = None
    """Days a password is valid; ``None`` when passwords never expire."""
    allow_users_to_change: bool = False
    """Whether users may change their own password."""
    hard_expiry: bool = False
    """Whether an expired password needs an administrator to reset it."""


def password_policy_from(raw: dict[str, Any] | None) -> PasswordPolicy:
    """The model of a GetAccountPasswordPolicy answer's ``PasswordPolicy``.

    Args:
        raw: The answer's ``PasswordPolicy``; ``None`` when the account has none.

    Returns:
        The policy (``exists=False`` for ``None``).
    """
    if raw is None:
        return PasswordPolicy(exists=False)
    return PasswordPolicy(
        exists=True,
        minimum_length=raw.get("MinimumPasswordLength"),
        require_symbols=bool(raw.get("RequireSymbols")),
        require_numbers=bool(raw.get("RequireNumbers")),
        require_uppercase=bool(raw.get("RequireUppercaseCharacters")),
        require_lowercase=bool(raw.get("RequireLowercaseCharacters")),
        reuse_prevention=raw.get("PasswordReusePrevention"),
        max_age_days=raw.get("MaxPasswordAge"),
        allow_users_to_change=bool(raw.get("AllowUsersToChangePassword")),
        hard_expiry=bool(raw.get("HardExpiry")),
    )


def read_password_policy(
    session: boto3.Session | None = None, *, iam: Any = None
) -> PasswordPolicy:
    """The account password policy (``exists=False`` when none is set).

    Args:
        session: the read session (unused when ``iam`` is given).
        iam: an IAM client to read with (the audit's shared, counted one).

    Returns:
        The policy as IAM has it.

    Raises:
        ServiceError: IAM refused (``iam:GetAccountPasswordPolicy``).
    """
    iam = iam if iam is not None else client(cast("boto3.Session", session), "iam")
    with aws_errors("iam:GetAccountPasswordPolicy"):
        try:
            raw = dict(iam.get_account_password_policy().get("PasswordPolicy", {}))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchEntity":
                return password_policy_from(None)
            raise
    return password_policy_from(raw)


def password_policy_params(policy: PasswordPolicy) -> dict[str, Any]:
    """The UpdateAccountPasswordPolicy parameters for ``policy``: every setting, since IAM
    resets what the call leaves out (what the executor sends and the plan shows).

    Args:
        policy: The complete policy to set.

    Returns:
        The parameters; reuse prevention and expiry only when set (IAM has no "off" value).
    """
    params: dict[str, Any] = {
        "MinimumPasswordLength": policy.minimum_length or IAM_MIN_LENGTH,
        "RequireSymbols": policy.require_symbols,
        "RequireNumbers": policy.require_numbers,
        "RequireUppercaseCharacters": policy.require_uppercase,
        "RequireLowercaseCharacters": policy.require_lowercase,
        "AllowUsersToChangePassword": policy.allow_users_to_change,
        "HardExpiry": policy.hard_expiry,
    }
    if policy.reuse_prevention:
        params["PasswordReusePrevention"] = policy.reuse_prevention
    if policy.max_age_days:
        params["MaxPasswordAge"] = policy.max_age_days
    return params


def set_password_policy(session: boto3.Session, policy: PasswordPolicy) -> Change:
    """Replace the account password policy with ``policy`` (every setting is sent).

    Args:
        session: The **write** session of an approved plan.
        policy: The complete policy to set.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    params = password_policy_params(policy)
    send_iam(session, "UpdateAccountPasswordPolicy", **params)
    return Change(
        action="iam:UpdateAccountPasswordPolicy",
        resource="account password policy",
        message=f"the account password policy is now: {describe(policy)}",
    )


def delete_password_policy(session: boto3.Session) -> Change:
    """Delete the account password policy (IAM's defaults apply again): only a rollback of
    a plan that set the first policy of an account does this.

    Args:
        session: The **write** session of an approved plan.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    send_iam(session, "DeleteAccountPasswordPolicy")
    return Change(
        action="iam:DeleteAccountPasswordPolicy",
        resource="account password policy",
        message="the account has no password policy again",
    )


def describe(policy: PasswordPolicy) -> str:
    """One line: ``at least 14 characters, symbols, numbers, …, 24 remembered``."""
    if not policy.exists:
        return "none (IAM allows 8-character passwords and reuse)"
    required = [name for name in CLASSES if getattr(policy, f"require_{name}")]
    parts = [f"at least {policy.minimum_length or IAM_MIN_LENGTH} characters"]
    parts.append(f"requires {', '.join(required)}" if required else "no character classes")
    parts.append(
        f"{policy.reuse_prevention} remembered" if policy.reuse_prevention else "reuse allowed"
    )
    parts.append(
        f"expires after {policy.max_age_days} days" if policy.max_age_days else "never expires"
    )
    if policy.allow_users_to_change:
        parts.append("users may change their own")
    return ", ".join(parts)


# --------------------------------------------------------------------------- operations


class NoArgs(Args):
    """A read without arguments (``--region`` is accepted and unused: IAM is global)."""


def _show(reader: Reader, args: NoArgs, found: PasswordPolicy) -> Result:
    rows = [[k, v] for k, v in found.model_dump().items() if k != "exists"]
    return Result(
        title=f"Account password policy: {describe(found)}",
        tables=[Table(columns=["Setting", "Value"], rows=rows if found.exists else [])],
        data=found.model_dump(mode="json"),
    )


GET_PASSWORD_POLICY = Read(
    name="iam.get_password_policy",
    args=NoArgs,
    summary="The account's IAM password policy.",
    service="iam",
    commands=(Command("iam password-policy", "The account's IAM password policy."),),
    guide="Minimum length, required character classes, reuse prevention and expiry; "
    "exists is false when the account has none (IAM then accepts 8 characters).",
    actions=("iam:GetAccountPasswordPolicy",),
    read=lambda reader, args: read_password_policy(reader.session()),
    render=_show,
)


class PasswordPolicyArgs(Args):
    """Arguments of ``iam password-policy set``: only what should change; the rest stays."""

    min_length: Annotated[int | None, Field(ge=6, le=128)] = None
    """Shortest password allowed (6-128; CIS asks for 14); null keeps today's."""
    reuse_prevention: Annotated[int | None, Field(ge=1, le=24)] = None
    """Previous passwords a new one must differ from (1-24; CIS asks for 24); null keeps
    today's."""
    max_age: Annotated[int | None, Field(ge=1, le=1095)] = None
    """Days a password is valid (1-1095); null keeps today's."""
    require: list[str] = Field(default_factory=list)
    """Character classes to require on top of today's: symbols, numbers, uppercase,
    lowercase, or all."""
    policy: Annotated[PasswordPolicy | None, Hidden()] = None
    """The complete policy the apply sets (the preview fills it in); one that does not
    exist means deleting the policy (only a rollback plan carries that)."""

    def classes(self) -> list[str]:
        """The classes asked for, checked."""
        wanted = [c.strip().lower() for c in self.require if c.strip()]
        if "all" in wanted:
            return list(CLASSES)
        unknown = sorted(set(wanted) - set(CLASSES))
        if unknown:
            raise BadInput(
                f"Unknown character class: {', '.join(unknown)}; use symbols, numbers, "
                "uppercase, lowercase or all."
            )
        return wanted


def _merged(current: PasswordPolicy, args: PasswordPolicyArgs) -> PasswordPolicy:
    """Today's policy with what ``args`` asks for laid over it (never weaker unless asked)."""
    length = current.minimum_length if current.exists else IAM_MIN_LENGTH
    if args.min_length is not None and length and args.min_length < length:
        raise BadInput(
            f"The policy already asks for at least {length} characters; "
            f"--min-length {args.min_length} would weaken it.",
            remedy="devops-agent only plans stronger password policies; change it in IAM "
            "if it must really be weakened.",
        )
    update: dict[str, Any] = {"exists": True, "minimum_length": args.min_length or length}
    if args.reuse_prevention is not None:
        update["reuse_prevention"] = max(args.reuse_prevention, current.reuse_prevention or 0)
    if args.max_age is not None:
        update["max_age_days"] = args.max_age
    for name in args.classes():
        update[f"require_{name}"] = True
    if not current.exists:
        update["allow_users_to_change"] = True
    return current.model_copy(update=update)


def _plan_policy(reader: Reader, args: PasswordPolicyArgs) -> Proposal | Unchanged:
    asked = (args.min_length, args.reuse_prevention, args.max_age)
    if all(v is None for v in asked) and not args.require:
        raise BadInput(
            "Say what to set: --min-length N, --reuse-prevention N, --max-age DAYS or "
            "--require all (or symbols,numbers,uppercase,lowercase)."
        )
    current = read_password_policy(reader.session())
    wanted = _merged(current, args)
    if current.exists and wanted == current:
        return Unchanged(
            f"The account password policy already says: {describe(current)}",
            {"policy": current.model_dump(mode="json")},
        )
    entry = SET_PASSWORD_POLICY.entry(
        args.model_copy(update={"policy": wanted}),
        f"Set the account password policy to: {describe(wanted)} (today: {describe(current)})",
        ["account password policy"],
    )
    return Proposal([entry], what="change the account password policy")


def _run_policy(writers: Writers, args: PasswordPolicyArgs) -> str:
    policy = recorded(args.policy, "the policy to set")
    if not policy.exists:
        return delete_password_policy(writers.aws()).message
    return set_password_policy(writers.aws(), policy).message


def _policy_calls(args: PasswordPolicyArgs) -> list[ApiCall]:
    if args.policy is None:  # the executor refuses such an entry: nothing is sent
        return []
    if not args.policy.exists:
        return [iam_call("DeleteAccountPasswordPolicy", {})]
    return [iam_call("UpdateAccountPasswordPolicy", password_policy_params(args.policy))]


def _same(one: PasswordPolicy, other: PasswordPolicy) -> bool:
    """Whether two policies are the same setting (as IAM would store them)."""
    if one.exists != other.exists:
        return False
    return not one.exists or password_policy_params(one) == password_policy_params(other)


def _verify_policy(reader: Reader, args: PasswordPolicyArgs) -> Verification:
    wanted = args.policy or PasswordPolicy(exists=True)
    found = read_password_policy(reader.session())
    if _same(found, wanted):
        return Verified(f"the account password policy is: {describe(found)}")
    return not_yet(f"the account password policy is: {describe(found)}")


def _policy_before(reader: Reader, args: PasswordPolicyArgs) -> dict[str, Any]:
    return read_password_policy(reader.session()).model_dump(mode="json")


def _undo_policy(reader: Reader, before: Any, args: PasswordPolicyArgs) -> list[PlanEntry]:
    """Set the policy read just before the change (or delete it if there was none)."""
    if not isinstance(before, dict) or args.policy is None:
        return []
    was = PasswordPolicy.model_validate(before)
    if _same(was, args.policy):
        return []
    what = f"back to: {describe(was)}" if was.exists else "back to none (IAM's defaults)"
    return [
        SET_PASSWORD_POLICY.entry(
            PasswordPolicyArgs(policy=was),
            f"Roll back: set the account password policy {what}",
            ["account password policy"],
        )
    ]


_EXAMPLE_POLICY = {
    "exists": True,
    "minimum_length": 14,
    "require_symbols": True,
    "require_numbers": True,
    "require_uppercase": True,
    "require_lowercase": True,
    "reuse_prevention": 24,
    "max_age_days": 90,
    "allow_users_to_change": True,
    "hard_expiry": False,
}


SET_PASSWORD_POLICY = Write(
    name="iam.set_password_policy",
    args=PasswordPolicyArgs,
    summary="Plan to strengthen the account's IAM password policy.",
    service="iam",
    commands=(
        Command(
            "iam password-policy set [--min-length N] [--reuse-prevention N] [--max-age DAYS] "
            "[--require all|symbols,numbers,uppercase,lowercase]",
            "Plan to strengthen the account's IAM password policy (the rest stays).",
        ),
    ),
    guide="Only what is given changes; every other setting stays as it is (the plan shows "
    "the complete policy it will set). A shorter minimum than today's is refused. CIS asks "
    "for 14 characters and 24 remembered passwords.",
    reads=("iam:GetAccountPasswordPolicy",),
    actions=("iam:UpdateAccountPasswordPolicy", "iam:DeleteAccountPasswordPolicy"),
    arns=("*",),  # an account setting: the actions take no resource-level permissions
    plan=_plan_policy,
    run=_run_policy,
    calls=_policy_calls,
    verify=_verify_policy,
    before=_policy_before,
    undo=_undo_policy,
    examples=(
        {"min_length": 14, "reuse_prevention": 24, "policy": _EXAMPLE_POLICY},
        {"policy": {"exists": False}},
    ),
)

OPERATIONS = (GET_PASSWORD_POLICY, SET_PASSWORD_POLICY)
