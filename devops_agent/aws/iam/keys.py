"""IAM access keys: the model, reads with their age, ``iam keys``, and the API calls that
create, switch and delete them (the operations that plan those are in
:mod:`.key_changes`).

**How keys are named.** Everything devops-agent posts (comments, summaries, logs, tool
results) is redacted, and a full access key id (``AKIA`` + 16 characters) has the shape
the redactor cuts out. So answers name a key by its last four characters
(:attr:`AccessKey.suffix`), and commands and tools accept those four characters (or
more, or the full id). A plan entry carries the full id **lower-cased**, which the
redactor leaves alone, so the plan block still hashes to its id after posting; the
executor upper-cases it again before calling IAM.

**Where a new key goes.** A new key's secret exists once, in the CreateAccessKey
answer. The executor (:mod:`.key_changes`) checks first that the repository's Actions secrets can be
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
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import SecretStr, computed_field

from devops_agent.aws import AwsModel, aws_errors, client, named, pages, utc
from devops_agent.aws.iam.calls import send_iam
from devops_agent.aws.iam.principals import UserName, list_users, principal_name
from devops_agent.aws.writes import Change
from devops_agent.errors import BadInput, ServiceError
from devops_agent.gh.secrets import secret_name
from devops_agent.operation import Args, Command, Positional, Read, Reader
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
    key = send_iam(session, "CreateAccessKey", resource=wanted, UserName=wanted)["AccessKey"]
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
    params = {"UserName": wanted, "AccessKeyId": key, "Status": status}
    send_iam(session, "UpdateAccessKey", resource=wanted, **params)
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
    send_iam(session, "DeleteAccessKey", resource=wanted, UserName=wanted, AccessKeyId=key)
    return Change(
        action="iam:DeleteAccessKey",
        resource=wanted,
        message=f"deleted access key …{key[-4:]} of {wanted}",
    )


# --------------------------------------------------------------------------- reads

_NAMING = (
    "Keys are named by their last four characters (full ids are redacted from answers); use "
    "those four characters in `iam keys deactivate|activate|delete`."
)


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
