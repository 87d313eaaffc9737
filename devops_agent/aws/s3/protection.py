"""What protects a bucket's data: versioning, default encryption, the public access block.

Each setting has a read (``s3 versioning BUCKET``) and a write sharing its words
(``s3 versioning BUCKET on``). The write's preview reads the setting first and
answers "already so" instead of planning a change that changes nothing; every
state S3 can report is one the preview knows: versioning ``Enabled``,
``Suspended`` or never set; encryption unset, SSE-S3 or SSE-KMS (with or without
a key); a public access block absent, partly on or all on.

Each write declares the one request it sends (built by the same function the executor
uses), reads its setting back after the apply, and leaves a way back: the setting as S3
answered just before the change, put back by ``s3.restore_<setting>``
(:mod:`~devops_agent.aws.s3.restore`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BeforeValidator, model_validator

from devops_agent.aws import AwsModel
from devops_agent.aws.s3.buckets import (
    ONE_SETTING,
    Bucket,
    BucketArgs,
    bucket_arn,
    bucket_name,
    existing_bucket,
)
from devops_agent.aws.s3.changes import BucketChangeArgs, bucket_call, bucket_change
from devops_agent.aws.s3.configuration import PUBLIC_ACCESS_BLOCK, read_settings
from devops_agent.aws.s3.restore import RESTORES, way_back
from devops_agent.aws.writes import Change
from devops_agent.errors import BadInput
from devops_agent.operation import (
    ApiCall,
    Command,
    Lower,
    NotAsPlanned,
    Positional,
    Proposal,
    Read,
    Reader,
    Switch,
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
    "PUBLIC_ACCESS_BLOCK",
    "Encryption",
    "PublicAccess",
    "Versioning",
    "delete_encryption",
    "delete_public_access_block",
    "encryption_call",
    "get_encryption",
    "get_public_access_block",
    "get_versioning",
    "public_access_call",
    "put_encryption",
    "put_public_access_block",
    "put_versioning",
    "versioning_call",
]

#: Encryption algorithms as people read them.
_SHOWN = {"AES256": "SSE-S3", "aws:kms": "SSE-KMS"}


class Versioning(AwsModel):
    """A bucket's versioning status."""

    bucket: str
    versioning: str
    """``Enabled``, ``Suspended`` or ``Disabled`` (never turned on)."""


class Encryption(AwsModel):
    """A bucket's default encryption."""

    bucket: str
    algorithm: str | None
    """``AES256`` (SSE-S3), ``aws:kms`` or ``aws:kms:dsse``; ``None`` when unset."""
    kms_key: str | None
    """The KMS key of SSE-KMS; ``None`` for the AWS managed ``aws/s3`` key."""


class PublicAccess(AwsModel):
    """A bucket's public access block."""

    bucket: str
    public_access_block: dict[str, bool] | None
    """The four switches; ``None`` when the bucket has no block of its own."""


# --------------------------------------------------------------------------- reads


def get_versioning(session: boto3.Session, bucket: str, region: str | None = None) -> str:
    """A bucket's versioning status.

    Args:
        session: Credentials to read with (the read role's).
        bucket: The bucket's name.
        region: The bucket's region (its endpoint answers); the session's when ``None``.

    Returns:
        ``Enabled``, ``Suspended`` or ``Disabled`` (never turned on).

    Raises:
        ServiceError: no such bucket, or AWS refused (``s3:GetBucketVersioning``).
    """
    found = read_settings(session, Bucket(name=bucket_name(bucket), region=region), ["versioning"])
    return found.versioning or "Disabled"


def get_encryption(
    session: boto3.Session, bucket: str, region: str | None = None
) -> tuple[str | None, str | None]:
    """A bucket's default encryption.

    Args:
        session: Credentials to read with (the read role's).
        bucket: The bucket's name.
        region: The bucket's region (its endpoint answers); the session's when ``None``.

    Returns:
        The algorithm (``AES256``, ``aws:kms`` …) and the KMS key, ``(None, None)`` when
        the bucket has no setting of its own.

    Raises:
        ServiceError: no such bucket, or AWS refused (``s3:GetEncryptionConfiguration``).
    """
    found = read_settings(session, Bucket(name=bucket_name(bucket), region=region), ["encryption"])
    return found.encryption, found.kms_key


def get_public_access_block(
    session: boto3.Session, bucket: str, region: str | None = None
) -> dict[str, bool] | None:
    """A bucket's own public access block.

    Args:
        session: Credentials to read with (the read role's).
        bucket: The bucket's name.
        region: The bucket's region (its endpoint answers); the session's when ``None``.

    Returns:
        The four switches, or ``None`` when the bucket has no block of its own.

    Raises:
        ServiceError: no such bucket, or AWS refused (``s3:GetBucketPublicAccessBlock``).
    """
    found = read_settings(
        session, Bucket(name=bucket_name(bucket), region=region), ["public_access_block"]
    )
    return found.public_access_block


# --------------------------------------------------------------------------- writes
# Only the apply path calls these, with the write role's session.


def versioning_call(bucket: str, enabled: bool, region: str | None = None) -> ApiCall:
    """The request that turns versioning on (``Enabled``) or off (``Suspended``).

    Args:
        bucket: The bucket's name.
        enabled: True for ``Enabled``, False for ``Suspended``.
        region: The bucket's region.

    Returns:
        The ``PutBucketVersioning`` request, as the executor sends it.
    """
    status = "Enabled" if enabled else "Suspended"
    return bucket_call(
        "PutBucketVersioning",
        "s3:PutBucketVersioning",
        bucket_name(bucket),
        region,
        VersioningConfiguration={"Status": status},
    )


def put_versioning(
    session: boto3.Session, bucket: str, enabled: bool, region: str | None = None
) -> Change:
    """Turn versioning on (``Enabled``) or off (``Suspended``: old versions stay).

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        enabled: True for ``Enabled``, False for ``Suspended``.
        region: The bucket's region (its endpoint gets the request).

    Returns:
        What was done: the IAM action, the bucket, one line for people.
    """
    call = versioning_call(bucket, enabled, region)
    status = call.params["VersioningConfiguration"]["Status"]
    return bucket_change(session, call, lambda name: f"versioning of s3://{name} is {status}")


def encryption_call(
    bucket: str, algorithm: str | None, kms_key: str | None = None, region: str | None = None
) -> ApiCall:
    """The request that sets (or, for ``None``, removes) a bucket's default encryption.

    Args:
        bucket: The bucket's name.
        algorithm: ``AES256`` (SSE-S3), ``aws:kms`` (SSE-KMS, bucket key on) or ``None``
            to remove the setting (S3 then applies SSE-S3).
        kms_key: The KMS key for ``aws:kms``; ``None`` means S3's AWS-managed key.
        region: The bucket's region.

    Returns:
        The ``PutBucketEncryption`` or ``DeleteBucketEncryption`` request.

    Raises:
        BadInput: an algorithm other than these.
    """
    name = bucket_name(bucket)
    action = "s3:PutEncryptionConfiguration"
    if algorithm is None:
        return bucket_call("DeleteBucketEncryption", action, name, region)
    if algorithm not in ("AES256", "aws:kms"):
        raise BadInput(f"'{algorithm}' is not an encryption setting; use sse-s3 or sse-kms.")
    default: dict[str, Any] = {"SSEAlgorithm": algorithm}
    if kms_key:
        default["KMSMasterKeyID"] = kms_key
    rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": default}
    if algorithm == "aws:kms":
        rule["BucketKeyEnabled"] = True
    return bucket_call(
        "PutBucketEncryption",
        action,
        name,
        region,
        ServerSideEncryptionConfiguration={"Rules": [rule]},
    )


def put_encryption(
    session: boto3.Session,
    bucket: str,
    algorithm: str,
    kms_key: str | None = None,
    region: str | None = None,
) -> Change:
    """Set default encryption: ``AES256`` (SSE-S3) or ``aws:kms`` (SSE-KMS, bucket key on).

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        algorithm: ``AES256`` or ``aws:kms``.
        kms_key: The KMS key for ``aws:kms``; ``None`` means S3's AWS-managed key.
        region: The bucket's region (its endpoint gets the request).

    Returns:
        What was done: the IAM action, the bucket, one line for people.

    Raises:
        BadInput: an algorithm other than these.
    """
    call = encryption_call(bucket, algorithm, kms_key, region)
    what = "SSE-S3" if algorithm == "AES256" else f"SSE-KMS ({kms_key or 'aws/s3 key'})"
    return bucket_change(
        session, call, lambda name: f"s3://{name} encrypts new objects with {what}"
    )


def delete_encryption(session: boto3.Session, bucket: str, region: str | None = None) -> Change:
    """Remove the bucket's default encryption setting (S3 then applies SSE-S3).

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        region: The bucket's region (its endpoint gets the request).

    Returns:
        What was done: the IAM action, the bucket, one line for people.
    """
    call = encryption_call(bucket, None, region=region)
    return bucket_change(
        session, call, lambda name: f"removed the default encryption setting of s3://{name}"
    )


def public_access_call(bucket: str, block: bool, region: str | None = None) -> ApiCall:
    """The request that turns on all four switches of a bucket's public access block, or
    removes the block.

    Args:
        bucket: The bucket's name.
        block: True to block (all four on), False to remove the bucket's own block.
        region: The bucket's region.

    Returns:
        The ``PutPublicAccessBlock`` or ``DeletePublicAccessBlock`` request.
    """
    name = bucket_name(bucket)
    action = "s3:PutBucketPublicAccessBlock"
    if not block:
        return bucket_call("DeletePublicAccessBlock", action, name, region)
    return bucket_call(
        "PutPublicAccessBlock",
        action,
        name,
        region,
        PublicAccessBlockConfiguration=dict.fromkeys(PUBLIC_ACCESS_BLOCK, True),
    )


def put_public_access_block(
    session: boto3.Session, bucket: str, region: str | None = None
) -> Change:
    """Turn on all four public access block switches of a bucket.

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        region: The bucket's region (its endpoint gets the request).

    Returns:
        What was done: the IAM action, the bucket, one line for people.
    """
    call = public_access_call(bucket, True, region)
    return bucket_change(session, call, lambda name: f"s3://{name} blocks all public access")


def delete_public_access_block(
    session: boto3.Session, bucket: str, region: str | None = None
) -> Change:
    """Remove a bucket's public access block (account-level settings still apply).

    Args:
        session: The **write** session of an approved plan.
        bucket: The bucket's name.
        region: The bucket's region (its endpoint gets the request).

    Returns:
        What was done: the IAM action, the bucket, one line for people.
    """
    call = public_access_call(bucket, False, region)
    return bucket_change(
        session, call, lambda name: f"removed the public access block of s3://{name}"
    )


# --------------------------------------------------------------------------- versioning


def _read_versioning(reader: Reader, args: BucketArgs) -> Versioning:
    existing_bucket(reader, args.bucket)
    return Versioning(bucket=args.bucket, versioning=get_versioning(reader.session(), args.bucket))


def _show_versioning(reader: Reader, args: BucketArgs, found: Versioning) -> Result:
    return Result(
        title=f"Versioning of s3://{found.bucket}: {found.versioning}",
        data=found.model_dump(mode="json"),
    )


GET_VERSIONING = Read(
    name="s3.get_versioning",
    args=BucketArgs,
    summary="A bucket's versioning.",
    service="s3",
    commands=(Command("s3 versioning BUCKET", "A bucket's versioning."),),
    tool="get_bucket_versioning",
    guide=ONE_SETTING,
    actions=("s3:ListBucket", "s3:GetBucketVersioning"),
    read=_read_versioning,
    render=_show_versioning,
)


class VersioningArgs(BucketChangeArgs):
    """Arguments of ``s3 versioning BUCKET on|off``."""

    versioning: Annotated[Switch, Positional()]
    """on enables versioning; off suspends it (the versions already kept stay)."""


def _plan_versioning(reader: Reader, args: VersioningArgs) -> Proposal | Unchanged:
    name = args.bucket
    region = existing_bucket(reader, name)
    current = get_versioning(reader.session(), name, region)
    on = args.versioning == "on"
    wanted = "Enabled" if on else "Suspended"
    if current == wanted or (not on and current == "Disabled"):
        return Unchanged(f"Versioning of s3://{name} is already {current}", {"bucket": name})
    entry = SET_VERSIONING.entry(
        args.model_copy(update={"bucket_region": region}),
        f"Turn versioning of s3://{name} "
        + ("on" if on else "off (Suspended: existing versions stay)"),
        [bucket_arn(name)],
    )
    return Proposal([entry], what=f"change versioning of s3://{name}", region=region)


def _run_versioning(writers: Writers, args: VersioningArgs) -> str:
    return put_versioning(
        writers.aws(), args.bucket, args.versioning == "on", args.bucket_region
    ).message


def _versioning_calls(args: VersioningArgs) -> list[ApiCall]:
    return [versioning_call(args.bucket, args.versioning == "on", args.bucket_region)]


def _verify_versioning(reader: Reader, args: VersioningArgs) -> Verification:
    found = get_versioning(reader.session(), args.bucket, args.bucket_region)
    read = f"versioning of s3://{args.bucket} is {found}"
    wanted = "Enabled" if args.versioning == "on" else "Suspended"
    return Verified(read) if found == wanted else NotAsPlanned(read)


_versioning_before, _versioning_undo = way_back(
    "versioning", lambda args: _versioning_calls(args)[0].params["VersioningConfiguration"]
)


SET_VERSIONING = Write(
    name="s3.put_versioning",
    args=VersioningArgs,
    summary="Plan to turn a bucket's versioning on or off (off suspends it).",
    service="s3",
    tool="set_bucket_versioning",
    commands=(
        Command(
            "s3 versioning BUCKET on|off",
            "Plan to turn a bucket's versioning on or off (off suspends it).",
        ),
    ),
    guide="Turning it off suspends versioning: the versions already kept stay. A bucket "
    "already in that state comes back as unchanged.",
    reads=("s3:ListBucket", "s3:GetBucketVersioning"),
    actions=("s3:PutBucketVersioning",),
    arns=("arn:{partition}:s3:::{bucket}",),
    emits=(RESTORES["versioning"],),
    plan=_plan_versioning,
    run=_run_versioning,
    calls=_versioning_calls,
    verify=_verify_versioning,
    before=_versioning_before,
    undo=_versioning_undo,
    examples=tuple(
        {"bucket": "acme-data", "bucket_region": "us-east-1", "versioning": word}
        for word in ("on", "off")
    ),
)


# --------------------------------------------------------------------------- encryption


def _read_encryption(reader: Reader, args: BucketArgs) -> Encryption:
    existing_bucket(reader, args.bucket)
    algorithm, key = get_encryption(reader.session(), args.bucket)
    return Encryption(bucket=args.bucket, algorithm=algorithm, kms_key=key)


def _show_encryption(reader: Reader, args: BucketArgs, found: Encryption) -> Result:
    shown = _SHOWN.get(found.algorithm or "", found.algorithm)
    return Result(
        title=f"Default encryption of s3://{found.bucket}: {shown or 'not set'}"
        + (f" ({found.kms_key})" if found.kms_key else ""),
        data=found.model_dump(mode="json"),
    )


GET_ENCRYPTION = Read(
    name="s3.get_encryption",
    args=BucketArgs,
    summary="A bucket's default encryption.",
    service="s3",
    commands=(Command("s3 encryption BUCKET", "A bucket's default encryption."),),
    tool="get_bucket_encryption",
    guide=ONE_SETTING,
    actions=("s3:ListBucket", "s3:GetEncryptionConfiguration"),
    read=_read_encryption,
    render=_show_encryption,
)

EncryptionSetting = Literal["sse-s3", "sse-kms", "off"]
_ALIASES = {"aes256": "sse-s3", "kms": "sse-kms"}


def _encryption_word(value: Any) -> Any:
    if isinstance(value, str):
        word = value.strip().lower()
        return _ALIASES.get(word, word)
    return value


class EncryptionArgs(BucketChangeArgs):
    """Arguments of ``s3 encryption BUCKET sse-s3|sse-kms|off``."""

    encryption: Annotated[EncryptionSetting, Positional(), BeforeValidator(_encryption_word)]
    """sse-s3 (AES256), sse-kms (KMS, bucket key on) or off (remove the setting; S3 then
    applies SSE-S3)."""
    kms_key: str | None = None
    """With sse-kms: the KMS key id, ARN or alias/name; null for the AWS managed aws/s3 key."""

    @model_validator(mode="after")
    def _key_with_kms(self) -> EncryptionArgs:
        if self.kms_key is not None and not self.kms_key.strip():
            raise BadInput("--kms-key needs a key id, ARN or alias.")
        if self.kms_key and self.encryption != "sse-kms":
            raise BadInput("--kms-key goes with sse-kms.")
        return self


def _plan_encryption(reader: Reader, args: EncryptionArgs) -> Proposal | Unchanged:
    name = args.bucket
    region = existing_bucket(reader, name)
    algorithm, key = get_encryption(reader.session(), name, region)
    if args.encryption == "off":
        if algorithm is None:
            return Unchanged(f"s3://{name} has no default encryption setting", {"bucket": name})
        description = f"Remove the default encryption setting of s3://{name} (S3 then uses SSE-S3)"
    else:
        wanted = "AES256" if args.encryption == "sse-s3" else "aws:kms"
        if (algorithm, key) == (wanted, args.kms_key):
            return Unchanged(f"s3://{name} already uses {args.encryption}", {"bucket": name})
        description = f"Encrypt new objects in s3://{name} with {args.encryption.upper()}" + (
            f" (key {args.kms_key})" if args.kms_key else ""
        )
    entry = SET_ENCRYPTION.entry(
        args.model_copy(update={"bucket_region": region}), description, [bucket_arn(name)]
    )
    return Proposal([entry], what=f"change default encryption of s3://{name}", region=region)


def _algorithm(args: EncryptionArgs) -> str | None:
    return {"sse-s3": "AES256", "sse-kms": "aws:kms"}.get(args.encryption)


def _run_encryption(writers: Writers, args: EncryptionArgs) -> str:
    algorithm = _algorithm(args)
    if algorithm is None:
        return delete_encryption(writers.aws(), args.bucket, args.bucket_region).message
    return put_encryption(
        writers.aws(), args.bucket, algorithm, args.kms_key, args.bucket_region
    ).message


def _encryption_calls(args: EncryptionArgs) -> list[ApiCall]:
    return [encryption_call(args.bucket, _algorithm(args), args.kms_key, args.bucket_region)]


def _verify_encryption(reader: Reader, args: EncryptionArgs) -> Verification:
    algorithm, key = get_encryption(reader.session(), args.bucket, args.bucket_region)
    shown = _SHOWN.get(algorithm or "", algorithm) or "no setting of its own"
    read = f"default encryption of s3://{args.bucket} is {shown}" + (f" (key {key})" if key else "")
    wanted = _algorithm(args)
    if wanted is None:
        # AWS answers SSE-S3 for a bucket whose setting was removed: it encrypts that way.
        ok = algorithm in (None, "AES256") and key is None
    else:
        ok = algorithm == wanted and (
            key == args.kms_key or bool(key and args.kms_key and key.endswith(args.kms_key))
        )
    return Verified(read) if ok else NotAsPlanned(read)


def _encryption_target(args: EncryptionArgs) -> Any:
    call = _encryption_calls(args)[0]
    return call.params.get("ServerSideEncryptionConfiguration")


_encryption_before, _encryption_undo = way_back("encryption", _encryption_target)


SET_ENCRYPTION = Write(
    name="s3.set_encryption",
    args=EncryptionArgs,
    summary="Plan to change a bucket's default encryption.",
    service="s3",
    tool="set_bucket_encryption",
    commands=(
        Command(
            "s3 encryption BUCKET sse-s3|sse-kms [--kms-key KEY]|off",
            "Plan to change a bucket's default encryption.",
        ),
    ),
    guide="It applies to objects written from then on; existing objects keep their "
    "encryption. A bucket already set that way comes back as unchanged.",
    reads=("s3:ListBucket", "s3:GetEncryptionConfiguration"),
    actions=("s3:PutEncryptionConfiguration",),
    arns=("arn:{partition}:s3:::{bucket}",),
    emits=(RESTORES["encryption"],),
    plan=_plan_encryption,
    run=_run_encryption,
    calls=_encryption_calls,
    verify=_verify_encryption,
    before=_encryption_before,
    undo=_encryption_undo,
    examples=(
        {"bucket": "acme-data", "bucket_region": "us-east-1", "encryption": "sse-s3"},
        {
            "bucket": "acme-data",
            "bucket_region": "us-east-1",
            "encryption": "sse-kms",
            "kms_key": "alias/data",
        },
        {"bucket": "acme-data", "bucket_region": "us-east-1", "encryption": "off"},
    ),
)


# --------------------------------------------------------------------------- public access


def _read_public_access(reader: Reader, args: BucketArgs) -> PublicAccess:
    existing_bucket(reader, args.bucket)
    block = get_public_access_block(reader.session(), args.bucket)
    return PublicAccess(bucket=args.bucket, public_access_block=block)


def _show_public_access(reader: Reader, args: BucketArgs, found: PublicAccess) -> Result:
    current = found.public_access_block
    rows = [[k, "on" if v else "off"] for k, v in (current or {}).items()]
    state = "not set" if current is None else "all on" if all(current.values()) else "partly on"
    return Result(
        title=f"Public access block of s3://{found.bucket}: {state}",
        tables=[Table(columns=["Setting", "Value"], rows=rows, empty="No bucket-level block.")],
        data=found.model_dump(mode="json"),
    )


GET_PUBLIC_ACCESS = Read(
    name="s3.get_public_access_block",
    args=BucketArgs,
    summary="A bucket's public access block.",
    service="s3",
    commands=(Command("s3 public-access BUCKET", "A bucket's public access block."),),
    tool="get_bucket_public_access",
    guide=ONE_SETTING,
    actions=("s3:ListBucket", "s3:GetBucketPublicAccessBlock"),
    read=_read_public_access,
    render=_show_public_access,
)


class PublicAccessArgs(BucketChangeArgs):
    """Arguments of ``s3 public-access BUCKET block|unblock``."""

    access: Annotated[Literal["block", "unblock"], Positional(), Lower]
    """block turns on all four switches; unblock removes the bucket's own block (the
    account-level settings still apply)."""


def _plan_public_access(reader: Reader, args: PublicAccessArgs) -> Proposal | Unchanged:
    name = args.bucket
    region = existing_bucket(reader, name)
    current = get_public_access_block(reader.session(), name, region)
    if args.access == "block":
        if current is not None and all(current.values()):
            return Unchanged(f"s3://{name} already blocks all public access", {"bucket": name})
        description = f"Block all public access to s3://{name} (all four settings on)"
    else:
        if current is None:
            return Unchanged(f"s3://{name} has no bucket-level block", {"bucket": name})
        description = (
            f"Remove the public access block of s3://{name} (account-level settings still apply)"
        )
    entry = SET_PUBLIC_ACCESS.entry(
        args.model_copy(update={"bucket_region": region}), description, [bucket_arn(name)]
    )
    return Proposal([entry], what=f"change public access of s3://{name}", region=region)


def _run_public_access(writers: Writers, args: PublicAccessArgs) -> str:
    if args.access == "block":
        return put_public_access_block(writers.aws(), args.bucket, args.bucket_region).message
    return delete_public_access_block(writers.aws(), args.bucket, args.bucket_region).message


def _public_access_calls(args: PublicAccessArgs) -> list[ApiCall]:
    return [public_access_call(args.bucket, args.access == "block", args.bucket_region)]


def _verify_public_access(reader: Reader, args: PublicAccessArgs) -> Verification:
    found = get_public_access_block(reader.session(), args.bucket, args.bucket_region)
    if args.access == "block":
        read = f"s3://{args.bucket} has " + (
            "no public access block of its own"
            if found is None
            else "all four public access block settings on"
            if all(found.values())
            else f"{', '.join(k for k, v in found.items() if not v)} off"
        )
        return Verified(read) if found is not None and all(found.values()) else NotAsPlanned(read)
    if found is None:
        return Verified(f"s3://{args.bucket} has no public access block of its own")
    return NotAsPlanned(f"s3://{args.bucket} still has a public access block of its own")


_public_access_before, _public_access_undo = way_back(
    "public_access_block",
    lambda args: _public_access_calls(args)[0].params.get("PublicAccessBlockConfiguration"),
)


SET_PUBLIC_ACCESS = Write(
    name="s3.set_public_access",
    args=PublicAccessArgs,
    summary="Plan to block or unblock public access to a bucket.",
    service="s3",
    tool="set_bucket_public_access",
    commands=(
        Command(
            "s3 public-access BUCKET block|unblock",
            "Plan to block or unblock public access to a bucket.",
        ),
    ),
    guide="block turns on all four switches (a partial block becomes a full one); unblock "
    "removes the bucket's own block. A bucket already in that state comes back as unchanged.",
    reads=("s3:ListBucket", "s3:GetBucketPublicAccessBlock"),
    actions=("s3:PutBucketPublicAccessBlock",),
    arns=("arn:{partition}:s3:::{bucket}",),
    emits=(RESTORES["public_access_block"],),
    plan=_plan_public_access,
    run=_run_public_access,
    calls=_public_access_calls,
    verify=_verify_public_access,
    before=_public_access_before,
    undo=_public_access_undo,
    examples=tuple(
        {"bucket": "acme-data", "bucket_region": "us-east-1", "access": word}
        for word in ("block", "unblock")
    ),
)

OPERATIONS = (
    GET_VERSIONING,
    SET_VERSIONING,
    GET_ENCRYPTION,
    SET_ENCRYPTION,
    GET_PUBLIC_ACCESS,
    SET_PUBLIC_ACCESS,
)
