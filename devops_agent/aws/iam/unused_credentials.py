"""Credentials nobody uses: ``iam keys deactivate-unused`` and ``iam user disable-console``.

CIS 1.12 asks that credentials unused for 45 days be disabled. Both commands are
composites whose plans carry the ordinary steps (``iam.update_access_key`` to
``Inactive``, ``iam.delete_login_profile``), so what runs at apply is exactly what
``iam keys deactivate`` and ``iam user delete --force`` already run:

* ``deactivate-unused`` reads the user's keys with when each was last used, and plans
  to switch off every active key unused (or, never used, created) longer ago than
  ``--days``: a key in use stays on, and a key switched off can be switched on again
  (``iam keys activate``);
* ``disable-console`` removes the user's console password (the login profile): the
  user keeps their access keys and permissions; a new password can be set later, but the
  old one cannot be put back, which the plan says in capitals before approval.

The steps declare their calls, read-backs and ways back (:mod:`.key_changes`,
:mod:`.users`); these composites have no executor of their own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import Field

from devops_agent.aws.iam.key_changes import UPDATE_ACCESS_KEY, KeyStatusArgs
from devops_agent.aws.iam.keys import list_access_keys
from devops_agent.aws.iam.principals import UserName, get_user, has_login_profile
from devops_agent.aws.iam.users import DELETE_LOGIN_PROFILE, UserArgs
from devops_agent.errors import BadInput
from devops_agent.operation import Args, Command, Positional, Proposal, Reader, Unchanged, Write

__all__ = ["DEACTIVATE_UNUSED_KEYS", "DISABLE_CONSOLE"]

_USER_ARNS = (
    "arn:{partition}:iam::{account}:user/{user}",
    "arn:{partition}:iam::{account}:user/*/{user}",
)


# --------------------------------------------------------------------------- keys


class UnusedKeysArgs(Args):
    """Arguments of ``iam keys deactivate-unused``."""

    user: Annotated[UserName, Positional()]
    """The user whose unused keys to switch off."""
    days: Annotated[int, Field(ge=1, le=3650)] = 45
    """Days without use after which an active key is switched off (CIS 1.12: 45)."""


def _plan_unused_keys(reader: Reader, args: UnusedKeysArgs) -> Proposal | Unchanged:
    session = reader.session()
    if get_user(session, args.user) is None:
        raise BadInput(f"There is no IAM user called '{args.user}'.")
    now = datetime.now(UTC)
    cutoff = now - timedelta(days=args.days)
    entries = []
    for key in list_access_keys(session, args.user, now=now):
        since = key.last_used or key.created
        if key.status != "Active" or since is None or since > cutoff:
            continue
        used = (
            f"last used {key.last_used:%Y-%m-%d}"
            if key.last_used
            else f"never used since {key.created:%Y-%m-%d}"
        )
        entries.append(
            UPDATE_ACCESS_KEY.entry(
                KeyStatusArgs(user=args.user, access_key=key.id.lower(), status="Inactive"),
                f"Deactivate access key …{key.suffix} of {args.user} ({used}; "
                f"`iam keys activate {args.user} {key.suffix}` switches it on again)",
                [args.user],
            )
        )
    if not entries:
        return Unchanged(
            f"{args.user} has no active access key unused for {args.days} days",
            {"user": args.user},
        )
    return Proposal(entries, what=f"deactivate unused access keys of {args.user}")


DEACTIVATE_UNUSED_KEYS = Write(
    name="iam.deactivate_unused_keys",
    args=UnusedKeysArgs,
    summary="Plan to switch off a user's access keys unused for N days (45 by default).",
    service="iam",
    commands=(
        Command(
            "iam keys deactivate-unused USER [--days N]",
            "Plan to switch off a user's access keys unused for N days (default 45, CIS 1.12).",
        ),
    ),
    guide="Keys used within the days stay on; a key never used counts from its creation. "
    "A switched-off key can be switched on again with set_access_key_status.",
    reads=("iam:GetUser", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"),
    arns=_USER_ARNS,
    emits=(UPDATE_ACCESS_KEY,),
    plan=_plan_unused_keys,
)


# --------------------------------------------------------------------------- console


class ConsoleArgs(Args):
    """Arguments of ``iam user disable-console``."""

    user: Annotated[UserName, Positional()]
    """The user whose console password to remove."""


def _plan_console(reader: Reader, args: ConsoleArgs) -> Proposal | Unchanged:
    session = reader.session()
    found = get_user(session, args.user)
    if found is None:
        raise BadInput(f"There is no IAM user called '{args.user}'.")
    if not has_login_profile(session, found.name):
        return Unchanged(f"{found.name} has no console password", {"user": found.name})
    used = (
        f"last signed in {found.password_last_used:%Y-%m-%d}"
        if found.password_last_used
        else "never signed in"
    )
    entry = DELETE_LOGIN_PROFILE.entry(
        UserArgs(user=found.name),
        f"Remove the console password of {found.name} ({used}; keys and permissions stay)",
        [found.name],
    )
    return Proposal([entry], what=f"disable console sign-in of {found.name}")


DISABLE_CONSOLE = Write(
    name="iam.disable_console",
    args=ConsoleArgs,
    summary="Plan to remove a user's console password (access keys and permissions stay).",
    service="iam",
    commands=(
        Command(
            "iam user disable-console USER",
            "Plan to remove a user's console password (keys and permissions stay).",
        ),
    ),
    guide="For users who do not sign in to the console (CIS 1.12). A user without a "
    "password comes back as unchanged.",
    reads=("iam:GetUser", "iam:GetLoginProfile"),
    arns=_USER_ARNS,
    emits=(DELETE_LOGIN_PROFILE,),
    plan=_plan_console,
)

OPERATIONS = (DEACTIVATE_UNUSED_KEYS, DISABLE_CONSOLE)
