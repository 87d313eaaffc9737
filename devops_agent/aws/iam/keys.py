"""IAM access keys: reads with their age; create, rotate, switch off and on, delete.

**How keys are named.** Everything devops-agent posts (comments, summaries, logs, tool
results) is redacted, and a full access key id (``AKIA`` + 16 characters) has the shape
the redactor cuts out. So answers name a key by its last four characters
(:attr:`AccessKey.suffix`), and commands and tools accept those four characters (or
more, or the full id). A plan entry carries the full id **lower-cased**, which the
redactor leaves alone, so the plan block still hashes to its id after posting; the
executor upper-cases it again before calling IAM.

**Where a new key goes.** A new key's secret exists once, in the CreateAccessKey
answer. The executor checks first that the repository's Actions secrets can be
written, creates the key, and stores the id and secret only as the repository secrets
``NAME_ACCESS_KEY_ID`` and ``NAME_SECRET_ACCESS_KEY``; if storing fails, the key is
deleted again so that no key exists that nobody holds. Nothing it returns holds a
value. The workflow token cannot write secrets (``secrets: write`` needs an App or
fine-grained token).
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, SecretStr, computed_field

from devops_agent.aws import AwsModel, aws_errors, client, named, pages, utc
from devops_agent.aws.iam.principals import UserName, get_user, list_users, principal_name
from devops_agent.aws.writes import Change, write_errors
from devops_agent.errors import BadInput, DevOpsError, Refused, ServiceError
from devops_agent.gh.common import check_repository
from devops_agent.gh.secrets import check_writable, secret_name, write_secret
from devops_agent.operation import (
    Args,
    Command,
    Hidden,
    Positional,
    Proposal,
    Read,
    Reader,
    Unchanged,
    Write,
    Writers,
)
from devops_agent.report import Result, Table, dump, plural, when

if TYPE_CHECKING:
    import boto3

__all__ = [
    "AccessKey",
    "NewAccessKey",
    "access_key_id",
    "access_key_secret_names",
    "create_access_key",
    "delete_access_key",
    "list_access_keys",
    "list_all_access_keys",
    "update_access_key",
]

_ACCESS_KEY_ID = re.compile(r"^(?:AKIA|ASIA)[A-Z0-9]{16}$")
_KEY_REF = re.compile(r"^[a-z0-9]{4,20}$")
#: IAM's limit of access keys per user.
MAX_KEYS = 2


class AccessKey(AwsModel):
    """One access key of a user: its id and dates only (the secret exists once, at creation).

    The full ``id`` is redacted from everything devops-agent posts and from tool results;
    name a key by its ``suffix`` (the last four characters). Plans carry the id
    lower-cased (not redacted) and the executor upper-cases it again.
    """

    id: str
    """Access key id, ``AKIA...`` (shown redacted: use ``suffix`` to name the key)."""
    user: str
    """The user it belongs to."""
    status: str
    """``Active`` or ``Inactive``."""
    created: datetime | None = None
    """When it was created (UTC)."""
    age_days: int | None = None
    """Whole days since it was created (when it was read); keys older than 90 days are
    usually due for rotation."""
    last_used: datetime | None = None
    """When it was last used (UTC); ``None`` when never."""
    last_service: str | None = None
    """The service it last called, e.g. ``s3``."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def suffix(self) -> str:
        """The last four characters: how answers, commands and tools name the key."""
        return self.id[-4:]


class NewAccessKey(AwsModel):
    """An access key just created: its secret exists only here, once."""

    change: Change
    """What was done."""
    access_key_id: str
    """The new key's id."""
    secret_access_key: SecretStr
    """The secret; hidden from ``repr`` and dumps."""


def access_key_id(value: str) -> str:
    """A full access key id, upper-cased (plans carry it lower-cased).

    Args:
        value: What was typed.

    Returns:
        The key id, upper-cased.

    Raises:
        BadInput: not ``AKIA`` (or ``ASIA``) followed by 16 letters and digits.
    """
    cleaned = value.strip().upper()
    if not _ACCESS_KEY_ID.match(cleaned):
        raise BadInput(f"'{value}' is not an access key id (AKIA followed by 16 characters).")
    return cleaned


def access_key_secret_names(prefix: str) -> tuple[str, str]:
    """The two Actions secrets an access key goes to: ``PREFIX_ACCESS_KEY_ID`` and
    ``PREFIX_SECRET_ACCESS_KEY``.

    Args:
        prefix: The secret name prefix as typed (made a valid Actions secret name).

    Returns:
        The two secret names.
    """
    base = secret_name(prefix)
    return secret_name(f"{base}_ACCESS_KEY_ID"), secret_name(f"{base}_SECRET_ACCESS_KEY")


def list_access_keys(
    session: boto3.Session, user: str, *, now: datetime | None = None
) -> list[AccessKey]:
    """A user's access keys (at most two), with their age and when each was last used.

    Args:
        session: credentials to read with.
        user: the user name.
        now: the moment ages are counted to (default: now).

    Returns:
        The keys, oldest first.

    Raises:
        ServiceError: no such user (``NoSuchEntity``), or AWS refused
            (``iam:ListAccessKeys``, ``iam:GetAccessKeyLastUsed``).
    """
    iam = client(session, "iam")
    wanted = principal_name(user, "user")
    moment = now or datetime.now(UTC)
    with aws_errors("iam:ListAccessKeys", resource=wanted):
        raw = [
            k
            for page in pages(iam, "list_access_keys", UserName=wanted)
            for k in page.get("AccessKeyMetadata", [])
        ]
    keys = []
    for k in raw:
        with aws_errors("iam:GetAccessKeyLastUsed", resource=wanted):
            used = iam.get_access_key_last_used(AccessKeyId=k["AccessKeyId"]).get(
                "AccessKeyLastUsed", {}
            )
        service = used.get("ServiceName")
        created = utc(k.get("CreateDate"))
        keys.append(
            AccessKey(
                id=k["AccessKeyId"],
                user=wanted,
                status=k.get("Status", ""),
                created=created,
                age_days=None if created is None else max(0, (moment - created).days),
                last_used=utc(used.get("LastUsedDate")),
                last_service=None if service in (None, "N/A") else service,
            )
        )
    return sorted(keys, key=lambda k: (k.created is None, k.created or moment, k.id))


def list_all_access_keys(
    session: boto3.Session, *, now: datetime | None = None, max_workers: int = 8
) -> list[AccessKey]:
    """Every user's access keys, read a few users at a time.

    A user deleted while the list is read is skipped.

    Args:
        session: Credentials to read with (the read role's).
        now: The time ages are counted to; ``None`` means now.
        max_workers: Users read at once.

    Returns:
        The keys sorted by user, then oldest first.

    Raises:
        ServiceError: AWS refused (``iam:ListUsers``, ``iam:ListAccessKeys``,
            ``iam:GetAccessKeyLastUsed``).
    """
    moment = now or datetime.now(UTC)
    names = [u.name for u in list_users(session)]

    def one(name: str) -> list[AccessKey]:
        try:
            return list_access_keys(session, name, now=moment)
        except ServiceError as exc:
            if exc.code in ("NoSuchEntity", "NoSuchEntityException"):
                return []
            raise

    if len(names) <= 1:
        return [k for name in names for k in one(name)]
    with ThreadPoolExecutor(max_workers=min(max_workers, len(names))) as pool:
        found = list(pool.map(one, names))
    return [k for keys in found for k in keys]


# --------------------------------------------------------------------------- writes
# Only the apply path calls these, with the write role's session.


def create_access_key(session: boto3.Session, user: str) -> NewAccessKey:
    """Create an access key; its secret is returned once, as a :class:`SecretStr`.

    The caller must put it where it belongs (a repository secret) and nowhere else.

    Args:
        session: The **write** session of an approved plan.
        user: The user's name.

    Returns:
        The key id and its secret (a ``SecretStr``, shown nowhere).
    """
    wanted = principal_name(user, "user")
    with write_errors("iam:CreateAccessKey", resource=wanted):
        key = client(session, "iam").create_access_key(UserName=wanted)["AccessKey"]
    return NewAccessKey(
        change=Change(
            action="iam:CreateAccessKey",
            resource=wanted,
            message=f"created access key …{key['AccessKeyId'][-4:]} for {wanted}",
        ),
        access_key_id=key["AccessKeyId"],
        secret_access_key=SecretStr(key["SecretAccessKey"]),
    )


def update_access_key(session: boto3.Session, user: str, key_id: str, status: str) -> Change:
    """Set an access key ``Active`` or ``Inactive``.

    Args:
        session: The **write** session of an approved plan.
        user: The user's name.
        key_id: The key's id.
        status: ``Active`` or ``Inactive``.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    wanted = principal_name(user, "user")
    key = access_key_id(key_id)
    if status not in ("Active", "Inactive"):
        raise BadInput(f"'{status}' is not a key status (Active or Inactive).")
    with write_errors("iam:UpdateAccessKey", resource=wanted):
        client(session, "iam").update_access_key(UserName=wanted, AccessKeyId=key, Status=status)  # type: ignore[arg-type]
    return Change(
        action="iam:UpdateAccessKey",
        resource=wanted,
        message=f"access key …{key[-4:]} of {wanted} is {status}",
    )


def delete_access_key(session: boto3.Session, user: str, key_id: str) -> Change:
    """Delete an access key for good.

    Args:
        session: The **write** session of an approved plan.
        user: The user's name.
        key_id: The key's id.

    Returns:
        What was done: the IAM action, the resource, one line for people.
    """
    wanted = principal_name(user, "user")
    key = access_key_id(key_id)
    with write_errors("iam:DeleteAccessKey", resource=wanted):
        client(session, "iam").delete_access_key(UserName=wanted, AccessKeyId=key)
    return Change(
        action="iam:DeleteAccessKey",
        resource=wanted,
        message=f"deleted access key …{key[-4:]} of {wanted}",
    )


# --------------------------------------------------------------------------- operations


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
_NAMING = (
    "Keys are named by their last four characters (full ids are redacted from answers); use "
    "those four characters in `iam keys deactivate|activate|delete`."
)


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


class KeysArgs(Args):
    """Arguments of ``iam keys``."""

    user: Annotated[UserName | None, Positional()] = None
    """The user whose keys to list; null for the keys of every user."""


def _keys(reader: Reader, args: KeysArgs) -> list[AccessKey]:
    session = reader.session()
    if args.user is None:
        return list_all_access_keys(session)
    with named():
        return list_access_keys(session, args.user)


def _keys_table(reader: Reader, args: KeysArgs, keys: list[AccessKey]) -> Result:
    def cells(k: AccessKey) -> list[Any]:
        age = "" if k.age_days is None else k.age_days
        return [f"…{k.suffix}", k.status, when(k.created), age]

    def used(k: AccessKey) -> list[Any]:
        return [when(k.last_used) or "never", k.last_service or ""]

    tail = ["Status", "Created", "Age (days)", "Last used", "Service"]
    if args.user is not None:
        return Result(
            title=f"{plural(len(keys), 'access key')} of {args.user}",
            text=_NAMING,
            tables=[
                Table(
                    columns=["Key", *tail],
                    rows=[[*cells(k), *used(k)] for k in keys],
                    empty=f"{args.user} has no access keys.",
                )
            ],
            data={"user": args.user, "access_keys": dump(keys)},
        )
    users = len({k.user for k in keys})
    return Result(
        title=f"{plural(len(keys), 'access key')} of {plural(users, 'IAM user')}",
        text=_NAMING,
        tables=[
            Table(
                columns=["User", "Key", *tail],
                rows=[[k.user, *cells(k), *used(k)] for k in keys],
                empty="No IAM user has an access key.",
            )
        ],
        data={"access_keys": dump(keys)},
    )


LIST_ACCESS_KEYS = Read(
    name="iam.list_access_keys",
    args=KeysArgs,
    summary="Access keys of one user, or of every user, with their age and last use.",
    service="iam",
    commands=(
        Command(
            "iam keys [USER]",
            "Access keys of one user, or of every user, with their age and last use.",
        ),
    ),
    guide="Each key with its user, status (Active/Inactive), created, age_days, last_used and "
    "last_service. Use it for questions about old, unused or unrotated keys. Full key ids "
    "are redacted: name a key by its suffix (last four characters) in other tools.",
    actions=("iam:ListUsers", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"),
    read=_keys,
    render=_keys_table,
)


class CreateAccessKeyArgs(Args):
    """Arguments of ``iam keys create``."""

    user: Annotated[UserName, Positional()]
    """The user who gets a new access key (a user has at most two)."""
    secret: SecretPrefix
    """Prefix of the repository Actions secrets the key goes to: NAME_ACCESS_KEY_ID and
    NAME_SECRET_ACCESS_KEY (letters, digits and _, not starting with GITHUB_)."""
    repository: Annotated[str, Hidden(), AfterValidator(_repository)] = ""
    """The repository whose secrets hold the key: always the run's own."""


def _secret_target(reader: Reader, args: CreateAccessKeyArgs) -> CreateAccessKeyArgs:
    if not reader.repository:
        raise BadInput("A new access key needs a repository to keep its secret in.")
    return args.model_copy(update={"repository": check_repository(reader.repository)})


def _create_entry(args: CreateAccessKeyArgs) -> Any:
    id_secret, key_secret = access_key_secret_names(args.secret)
    return CREATE_ACCESS_KEY.entry(
        args,
        f"Create an access key for {args.user}; store it only in the Actions secrets "
        f"{id_secret} and {key_secret} of {args.repository}",
        [args.user],
    )


def _plan_create(reader: Reader, args: CreateAccessKeyArgs) -> Proposal:
    args = _secret_target(reader, args)
    if len(_user_keys(reader, args.user)) >= MAX_KEYS:
        raise BadInput(
            f"{args.user} already has 2 access keys, the most IAM allows.",
            remedy="Delete one first (`iam keys delete USER KEY`), or rotate with "
            "`iam keys rotate`.",
        )
    return Proposal([_create_entry(args)], what=f"create an access key for {args.user}")


def _roll_back(writers: Writers, user: str, key_id: str, cause: DevOpsError) -> None:
    """Delete a key that could not be stored; say so if even that fails."""
    try:
        delete_access_key(writers.aws(), user, key_id)
    except DevOpsError as again:
        raise ServiceError(
            f"{cause.message} The new access key could not be deleted again either "
            f"({again.message}); delete it by hand.",
            code=getattr(cause, "code", ""),
        ) from cause


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
        _roll_back(writers, args.user, new.access_key_id, exc)
        raise
    return (
        f"{new.change.message}; stored only in the Actions secrets {id_secret} and "
        f"{key_secret} of {args.repository}"
    )


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
)


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
)


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
)


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
    entries = [_create_entry(create)]
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
