"""Changes to IAM access keys: ``iam keys create|rotate|activate|deactivate|delete``.

Keys are named as :mod:`.keys` explains: answers show the last four characters, plan
entries carry the full id lower-cased (the redactor cuts the ``AKIA…`` shape), and
executors upper-case it again before calling IAM.

What makes each plan prove itself (:mod:`devops_agent.operation`):

* **create**: the plan records the ids of the keys the user has when it is made
  (``existing``), so the read-back tells the new key from them, and an apply resumed
  after the key was created never creates a second one. Its way back deletes the new
  key; the repository secrets then hold a key that no longer works, and what they held
  before cannot be put back (GitHub never returns a secret's value), which the rollback
  entry says;
* **activate / deactivate**: the status is read before and after; the way back sets the
  status it had;
* **delete**: cannot be undone (a key's secret exists once) and says so before approval.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from devops_agent.aws.iam.calls import iam_call, not_yet, principal_arns
from devops_agent.aws.iam.keys import (
    MAX_KEYS,
    AccessKey,
    access_key_secret_names,
    create_access_key,
    delete_access_key,
    list_access_keys,
    update_access_key,
)
from devops_agent.aws.iam.principals import UserName, get_user
from devops_agent.aws.writes import roll_back
from devops_agent.errors import BadInput, DevOpsError, Refused, ServiceError
from devops_agent.gh.common import check_repository
from devops_agent.gh.secrets import check_writable, secret_name, write_secret
from devops_agent.operation import (
    ApiCall,
    Args,
    Command,
    Hidden,
    NotAsPlanned,
    PlanEntry,
    Positional,
    Proposal,
    Reader,
    Unchanged,
    Verification,
    Verified,
    Write,
    Writers,
)

__all__ = [
    "CREATE_ACCESS_KEY",
    "DELETE_ACCESS_KEY",
    "KEYS_ROTATE",
    "UPDATE_ACCESS_KEY",
    "CreateAccessKeyArgs",
    "DeleteAccessKeyArgs",
    "KeyStatusArgs",
    "RotateArgs",
]

_KEY_REF = re.compile(r"^[a-z0-9]{4,20}$")


def _key_ref(value: str) -> str:
    cleaned = value.strip().lstrip("…").lstrip(".").lower()
    if not _KEY_REF.match(cleaned):
        raise BadInput("Name the key by its id or at least its last four characters.")
    return cleaned


KeyRef = Annotated[str, AfterValidator(_key_ref)]
"""An access key by its full id or its last four (or more) characters; lower-cased, so
that a full id survives redaction in a plan block."""
SecretPrefix = Annotated[str, AfterValidator(secret_name)]
"""The prefix of the two repository secrets a new key goes to."""


def _repository(value: str) -> str:
    return check_repository(value) if value else value


def _status(value: Any) -> Any:
    return value.strip().capitalize() if isinstance(value, str) else value


_FIND_READS = ("iam:GetUser", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed")
_USER_ARNS = (
    "arn:{partition}:iam::{account}:user/{user}",
    "arn:{partition}:iam::{account}:user/*/{user}",
)
#: The AWS documentation's example key id, lower-cased as plans carry it.
_EXAMPLE_KEY = "akiaiosfodnn7example"


def _user_keys(reader: Reader, user: str) -> list[AccessKey]:
    session = reader.session()
    if get_user(session, user) is None:
        raise BadInput(f"There is no IAM user called '{user}'.")
    return list_access_keys(session, user)


def _find_key(keys: list[AccessKey], user: str, given: str) -> AccessKey:
    wanted = given.upper()
    found = [k for k in keys if k.id == wanted or k.id.endswith(wanted)]
    if len(found) != 1:
        raise BadInput(
            f"{user} has no access key ending in {wanted}; `iam keys {user}` lists its keys."
        )
    return found[0]


def _keys_now(reader: Reader, user: str) -> list[AccessKey] | None:
    """The user's keys as the read role sees them; ``None`` when the user is gone."""
    try:
        return list_access_keys(reader.session(), user)
    except ServiceError as exc:
        if exc.code == "NoSuchEntity":
            return None
        raise


# --------------------------------------------------------------------------- create


class CreateAccessKeyArgs(Args):
    """Arguments of ``iam keys create``."""

    user: Annotated[UserName, Positional()]
    """The user who gets a new access key (a user has at most two)."""
    secret: SecretPrefix
    """Prefix of the repository Actions secrets the key goes to: NAME_ACCESS_KEY_ID and
    NAME_SECRET_ACCESS_KEY (letters, digits and _, not starting with GITHUB_)."""
    repository: Annotated[str, Hidden(), AfterValidator(_repository)] = ""
    """The repository whose secrets hold the key: always the run's own."""
    existing: Annotated[list[KeyRef], Hidden()] = Field(default_factory=list)
    """The ids of the user's keys when the plan was made, lower-cased: the read-back tells
    the new key from them, so a resumed apply never creates a second one."""


def _secret_target(reader: Reader, args: CreateAccessKeyArgs) -> CreateAccessKeyArgs:
    if not reader.repository:
        raise BadInput("A new access key needs a repository to keep its secret in.")
    return args.model_copy(update={"repository": check_repository(reader.repository)})


def _create_entry(args: CreateAccessKeyArgs, keys: list[AccessKey]) -> PlanEntry:
    id_secret, key_secret = access_key_secret_names(args.secret)
    return CREATE_ACCESS_KEY.entry(
        args.model_copy(update={"existing": sorted(k.id.lower() for k in keys)}),
        f"Create an access key for {args.user}; store it only in the Actions secrets "
        f"{id_secret} and {key_secret} of {args.repository}",
        [args.user],
    )


def _plan_create(reader: Reader, args: CreateAccessKeyArgs) -> Proposal:
    args = _secret_target(reader, args)
    keys = _user_keys(reader, args.user)
    if len(keys) >= MAX_KEYS:
        raise BadInput(
            f"{args.user} already has 2 access keys, the most IAM allows.",
            remedy="Delete one first (`iam keys delete USER KEY`), or rotate with "
            "`iam keys rotate`.",
        )
    return Proposal([_create_entry(args, keys)], what=f"create an access key for {args.user}")


def _run_create(writers: Writers, args: CreateAccessKeyArgs) -> str:
    if not args.repository:
        raise Refused("The plan names no repository to keep the key in; it is not applied.")
    id_secret, key_secret = access_key_secret_names(args.secret)
    check_writable(writers.github, args.repository)
    new = create_access_key(writers.aws(), args.user)
    try:
        write_secret(writers.github, args.repository, id_secret, new.access_key_id)
        write_secret(
            writers.github, args.repository, key_secret, new.secret_access_key.get_secret_value()
        )
    except DevOpsError as exc:
        roll_back(lambda: delete_access_key(writers.aws(), args.user, new.access_key_id), exc)
        raise
    return (
        f"{new.change.message}; stored only in the Actions secrets {id_secret} and "
        f"{key_secret} of {args.repository}"
    )


def _create_calls(args: CreateAccessKeyArgs) -> list[ApiCall]:
    user = principal_arns("user", args.user)
    secrets = f"PUT /repos/{args.repository}/actions/secrets/"
    return [
        iam_call("CreateAccessKey", {"UserName": args.user}, user),
        *(
            ApiCall(
                service="github",
                operation=secrets + name,
                params={"encrypted_value": f"<the new key's {part}, sealed for the repository>"},
            )
            for name, part in zip(
                access_key_secret_names(args.secret), ("id", "secret"), strict=True
            )
        ),
        iam_call(
            "DeleteAccessKey",
            {"UserName": args.user, "AccessKeyId": "<the new key's id>"},
            user,
            when="only if the key cannot be stored in both secrets",
        ),
    ]


def _new_keys(reader: Reader, args: CreateAccessKeyArgs) -> list[AccessKey]:
    return [k for k in _keys_now(reader, args.user) or [] if k.id.lower() not in args.existing]


def _verify_create(reader: Reader, args: CreateAccessKeyArgs) -> Verification:
    new = _new_keys(reader, args)
    if not new:
        return not_yet(f"{args.user} has no access key besides those it had when planned")
    if len(new) > 1:
        shown = ", ".join(f"…{k.suffix}" for k in new)
        return NotAsPlanned(f"{args.user} has {len(new)} new access keys ({shown}); one planned")
    id_secret, key_secret = access_key_secret_names(args.secret)
    return Verified(
        f"access key …{new[0].suffix} of {args.user} exists ({new[0].status}); its id and "
        f"secret went to the Actions secrets {id_secret} and {key_secret} (GitHub never "
        "returns a secret's value, so that part cannot be read back)"
    )


def _undo_create(reader: Reader, before: object, args: CreateAccessKeyArgs) -> list[PlanEntry]:
    """Delete the key the plan created; the entry says what that does to the secrets."""
    id_secret, key_secret = access_key_secret_names(args.secret)
    return [
        DELETE_ACCESS_KEY.entry(
            DeleteAccessKeyArgs(user=args.user, access_key=k.id.lower(), force=True),
            f"Roll back: delete the access key …{k.suffix} of {args.user} that the plan "
            f"created; the Actions secrets {id_secret} and {key_secret} still hold it and "
            "stop working, and what they held before cannot be put back",
            [args.user],
        )
        for k in _new_keys(reader, args)
    ]


CREATE_ACCESS_KEY = Write(
    name="iam.create_access_key",
    args=CreateAccessKeyArgs,
    summary="Plan a new access key, stored only in repository secrets NAME_*.",
    service="iam",
    commands=(
        Command(
            "iam keys create USER --secret NAME",
            "Plan a new access key, stored only in repository secrets NAME_*.",
        ),
    ),
    guide="The key's id and secret go only to this repository's Actions secrets "
    "NAME_ACCESS_KEY_ID and NAME_SECRET_ACCESS_KEY; nobody sees the secret. Refused when "
    "the user already has two keys (rotate_access_key replaces one).",
    github=("secrets: write",),
    reads=_FIND_READS,
    actions=("iam:CreateAccessKey", "iam:DeleteAccessKey"),
    arns=_USER_ARNS,
    plan=_plan_create,
    run=_run_create,
    calls=_create_calls,
    verify=_verify_create,
    undo=_undo_create,
    examples=({"user": "ci", "secret": "CI_AWS", "repository": "acme/platform", "existing": []},),
)


# --------------------------------------------------------------------------- status


class KeyStatusArgs(Args):
    """Arguments of ``iam keys deactivate|activate``.

    ``access_key`` is what was typed (the last four characters, or more) until the
    preview finds the key; the plan entry then carries its full id lower-cased, since
    the ``AKIA...`` shape is redacted from everything posted and would break the plan
    block's hash. The executor upper-cases it again.
    """

    user: Annotated[UserName, Positional()]
    """The user the key belongs to."""
    access_key: Annotated[KeyRef, Positional()]
    """The key: its last four characters (as answers show them) or its full id."""
    status: Annotated[Literal["Active", "Inactive"], BeforeValidator(_status)]
    """Inactive to switch the key off (it can be switched on again), Active to switch it on."""


def _plan_status(reader: Reader, args: KeyStatusArgs) -> Proposal | Unchanged:
    key = _find_key(_user_keys(reader, args.user), args.user, args.access_key)
    if key.status == args.status:
        return Unchanged(
            f"Access key …{key.suffix} of {args.user} is already {args.status}",
            {"user": args.user},
        )
    verb = "activate" if args.status == "Active" else "deactivate"
    entry = UPDATE_ACCESS_KEY.entry(
        args.model_copy(update={"access_key": key.id.lower()}),
        f"{verb.capitalize()} access key …{key.suffix} of {args.user}",
        [args.user],
    )
    return Proposal([entry], what=f"{verb} an access key of {args.user}")


def _status_calls(args: KeyStatusArgs) -> list[ApiCall]:
    params = {"UserName": args.user, "AccessKeyId": args.access_key.upper(), "Status": args.status}
    return [iam_call("UpdateAccessKey", params, principal_arns("user", args.user))]


def _the_key(reader: Reader, user: str, access_key: str) -> AccessKey | None:
    wanted = access_key.upper()
    return next((k for k in _keys_now(reader, user) or [] if k.id == wanted), None)


def _verify_status(reader: Reader, args: KeyStatusArgs) -> Verification:
    key = _the_key(reader, args.user, args.access_key)
    suffix = args.access_key[-4:].upper()
    if key is None:
        return NotAsPlanned(f"{args.user} has no access key …{suffix}")
    if key.status != args.status:
        return not_yet(f"access key …{suffix} of {args.user} is {key.status}")
    return Verified(f"access key …{suffix} of {args.user} is {key.status}")


def _status_before(reader: Reader, args: KeyStatusArgs) -> dict[str, str | None]:
    key = _the_key(reader, args.user, args.access_key)
    return {"status": None if key is None else key.status}


def _undo_status(reader: Reader, before: Any, args: KeyStatusArgs) -> list[PlanEntry]:
    """Set the status the key had before (nothing when it already had this one)."""
    was = before.get("status") if isinstance(before, dict) else None
    if was not in ("Active", "Inactive") or was == args.status:
        return []
    if _the_key(reader, args.user, args.access_key) is None:  # deleted since
        return []
    verb = "activate" if was == "Active" else "deactivate"
    suffix = args.access_key[-4:].upper()
    return [
        UPDATE_ACCESS_KEY.entry(
            args.model_copy(update={"status": was}),
            f"Roll back: {verb} access key …{suffix} of {args.user} again, as it was",
            [args.user],
        )
    ]


UPDATE_ACCESS_KEY = Write(
    name="iam.update_access_key",
    args=KeyStatusArgs,
    summary="Switch an access key off (Inactive) or on again (Active).",
    service="iam",
    tool="set_access_key_status",
    commands=(
        Command(
            "iam keys deactivate USER KEY",
            "Plan to deactivate an access key (KEY: id or last 4 characters).",
            status="Inactive",
        ),
        Command(
            "iam keys activate USER KEY", "Plan to activate an access key again.", status="Active"
        ),
    ),
    guide="Name the key by its suffix from list_access_keys. A key already in that status "
    "comes back as unchanged.",
    reads=_FIND_READS,
    actions=("iam:UpdateAccessKey",),
    arns=_USER_ARNS,
    plan=_plan_status,
    run=lambda writers, args: (
        update_access_key(writers.aws(), args.user, args.access_key, args.status).message
    ),
    calls=_status_calls,
    verify=_verify_status,
    before=_status_before,
    undo=_undo_status,
    examples=tuple(
        {"user": "ci", "access_key": _EXAMPLE_KEY, "status": status}
        for status in ("Inactive", "Active")
    ),
)


# --------------------------------------------------------------------------- delete


class DeleteAccessKeyArgs(Args):
    """Arguments of ``iam keys delete`` (and of the key step of ``iam user delete``).

    As in :class:`KeyStatusArgs`, the plan entry carries the key's full id lower-cased
    and the executor upper-cases it. ``force`` only matters to the preview: the key
    step of a forced user deletion carries ``force=True``.
    """

    user: Annotated[UserName, Positional()]
    """The user the key belongs to."""
    access_key: Annotated[KeyRef, Positional()]
    """The key: its last four characters (as answers show them) or its full id."""
    force: bool = False
    """Delete it even while it is active; without it an active key is refused (deactivate
    it first and check that nothing breaks)."""


def _plan_delete(reader: Reader, args: DeleteAccessKeyArgs) -> Proposal:
    key = _find_key(_user_keys(reader, args.user), args.user, args.access_key)
    if key.status == "Active" and not args.force:
        raise BadInput(
            f"Access key …{key.suffix} of {args.user} is active.",
            remedy=f"Deactivate it first and check nothing breaks (`iam keys deactivate "
            f"{args.user} {key.suffix}`), or add --force.",
        )
    entry = DELETE_ACCESS_KEY.entry(
        args.model_copy(update={"access_key": key.id.lower()}),
        f"Delete access key …{key.suffix} of {args.user} ({key.status.lower()}) for good",
        [args.user],
    )
    return Proposal([entry], what=f"delete an access key of {args.user}")


def _delete_calls(args: DeleteAccessKeyArgs) -> list[ApiCall]:
    params = {"UserName": args.user, "AccessKeyId": args.access_key.upper()}
    return [iam_call("DeleteAccessKey", params, principal_arns("user", args.user))]


def _verify_delete(reader: Reader, args: DeleteAccessKeyArgs) -> Verification:
    suffix = args.access_key[-4:].upper()
    if _the_key(reader, args.user, args.access_key) is not None:
        return not_yet(f"{args.user} still has the access key …{suffix}")
    return Verified(f"{args.user} has no access key …{suffix}")


DELETE_ACCESS_KEY = Write(
    name="iam.delete_access_key",
    args=DeleteAccessKeyArgs,
    summary="Plan to delete an access key (--force if it is still active).",
    service="iam",
    commands=(
        Command(
            "iam keys delete USER KEY [--force]",
            "Plan to delete an access key (--force if it is still active).",
        ),
    ),
    guide="Name the key by its suffix from list_access_keys. Prefer set_access_key_status "
    "Inactive first; an active key needs force.",
    reads=_FIND_READS,
    actions=("iam:DeleteAccessKey",),
    arns=_USER_ARNS,
    plan=_plan_delete,
    run=lambda writers, args: delete_access_key(writers.aws(), args.user, args.access_key).message,
    calls=_delete_calls,
    verify=_verify_delete,
    irreversible="a deleted access key is gone for good: its secret existed once, a new key "
    "gets a new id and secret, and everything that used the old one must be given the new one",
    examples=({"user": "ci", "access_key": _EXAMPLE_KEY, "force": True},),
)


# --------------------------------------------------------------------------- rotate


class RotateArgs(Args):
    """Arguments of ``iam keys rotate``."""

    user: Annotated[UserName, Positional()]
    """The user whose active key is replaced."""
    secret: SecretPrefix
    """Prefix of the repository Actions secrets the new key goes to: NAME_ACCESS_KEY_ID and
    NAME_SECRET_ACCESS_KEY (the ones the old key is in, usually)."""


def _plan_rotate(reader: Reader, args: RotateArgs) -> Proposal:
    create = _secret_target(reader, CreateAccessKeyArgs(user=args.user, secret=args.secret))
    keys = _user_keys(reader, args.user)
    active = [k for k in keys if k.status == "Active"]
    if len(keys) >= MAX_KEYS:
        raise BadInput(
            f"{args.user} already has 2 access keys, the most IAM allows, so a new one cannot "
            "be created.",
            remedy="Delete the one that is no longer used first: `iam keys delete USER KEY`.",
        )
    if not active:
        raise BadInput(
            f"{args.user} has no active access key to rotate.",
            remedy=f"Create one with `iam keys create {args.user} --secret NAME`.",
        )
    entries = [_create_entry(create, keys)]
    entries += [
        UPDATE_ACCESS_KEY.entry(
            KeyStatusArgs(user=args.user, access_key=k.id.lower(), status="Inactive"),
            f"Deactivate the old access key …{k.suffix} of {args.user}",
            [args.user],
        )
        for k in active
    ]
    return Proposal(
        entries,
        what=f"rotate the access key of {args.user}",
        note="After the new key works everywhere, delete the old one with "
        f"`iam keys delete {args.user} {active[0].suffix}`.",
    )


KEYS_ROTATE = Write(
    name="iam.keys_rotate",
    args=RotateArgs,
    summary="Plan a new access key (to secrets NAME_*) and deactivating the old one.",
    service="iam",
    tool="rotate_access_key",
    commands=(
        Command(
            "iam keys rotate USER --secret NAME",
            "Plan a new access key (to secrets NAME_*) and deactivating the old one.",
        ),
    ),
    guide="One plan: create a new key into the repository secrets, then deactivate every "
    "active old key (delete it later with delete_access_key, once nothing uses it). Refused "
    "when the user already has two keys or no active key.",
    reads=_FIND_READS,
    plan=_plan_rotate,
    emits=(CREATE_ACCESS_KEY, UPDATE_ACCESS_KEY),
)

OPERATIONS = (CREATE_ACCESS_KEY, KEYS_ROTATE, UPDATE_ACCESS_KEY, DELETE_ACCESS_KEY)
