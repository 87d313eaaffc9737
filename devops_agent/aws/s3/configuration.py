"""Reading a bucket's settings: one call and one parser per setting, for every reader.

``s3 describe``, the one-setting reads (``s3 versioning BUCKET`` …), the previews of
the setting changes and the audit all read a bucket's settings through
:func:`read_settings`, so they cannot disagree about a bucket: the same answer from
S3 becomes the same :class:`~devops_agent.aws.s3.buckets.Bucket` fields. Each
setting (:data:`SETTINGS`) names its API call, the IAM action it needs, the error
codes S3 answers when the bucket has no such setting, and its parser.

The account-level Block Public Access setting (S3 Control) is read here too
(:func:`account_public_access_block`): the same four switches, for every bucket.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from botocore.exceptions import ClientError

from devops_agent.aws import aws_errors, client
from devops_agent.aws.s3.buckets import (
    SETTING_FIELDS,
    Bucket,
    BucketAcl,
    BucketSetting,
    Grant,
    error_code,
)
from devops_agent.errors import ServiceError

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3control import S3ControlClient

__all__ = [
    "PUBLIC_ACCESS_BLOCK",
    "SETTINGS",
    "Setting",
    "account_public_access_block",
    "merge_settings",
    "public_access_block_of",
    "raw_setting",
    "read_settings",
]

#: The four public access block switches, all on for "block".
PUBLIC_ACCESS_BLOCK = (
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
)

Parse = Callable[[dict[str, Any] | None], dict[str, Any]]


@dataclass(frozen=True)
class Setting:
    """How one bucket setting is read."""

    method: str
    """The S3 client method, e.g. ``get_bucket_versioning``."""
    action: str
    """The IAM action it needs."""
    parse: Parse
    """The answer (``None`` when S3 says the bucket has none) → :class:`Bucket` fields."""
    missing: frozenset[str] = frozenset()
    """Error codes that mean "the bucket has no such setting"."""


def public_access_block_of(config: dict[str, Any] | None) -> dict[str, bool] | None:
    """The four switches of a ``PublicAccessBlockConfiguration``.

    Args:
        config: The configuration as S3 answers it; ``None`` when there is none.

    Returns:
        Each of the four switches (a missing one is off), or ``None`` for no configuration.
    """
    if config is None:
        return None
    return {k: bool(config.get(k)) for k in PUBLIC_ACCESS_BLOCK}


def _versioning(answer: dict[str, Any] | None) -> dict[str, Any]:
    answer = answer or {}
    return {
        "versioning": str(answer.get("Status") or "Disabled"),
        "mfa_delete": answer.get("MFADelete") == "Enabled",
    }


def _encryption(answer: dict[str, Any] | None) -> dict[str, Any]:
    rules = ((answer or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
    default = (rules[0].get("ApplyServerSideEncryptionByDefault") or {}) if rules else {}
    return {
        "encryption": default.get("SSEAlgorithm") or None,
        "kms_key": default.get("KMSMasterKeyID") or None,
    }


def _public_access_block(answer: dict[str, Any] | None) -> dict[str, Any]:
    config = None if answer is None else answer.get("PublicAccessBlockConfiguration") or {}
    return {"public_access_block": public_access_block_of(config)}


def _policy(answer: dict[str, Any] | None) -> dict[str, Any]:
    return {"policy": None if answer is None else answer.get("Policy")}


def _policy_status(answer: dict[str, Any] | None) -> dict[str, Any]:
    return {"policy_is_public": bool(((answer or {}).get("PolicyStatus") or {}).get("IsPublic"))}


def _acl(answer: dict[str, Any] | None) -> dict[str, Any]:
    answer = answer or {}
    grants = []
    for g in answer.get("Grants", []):
        grantee = g.get("Grantee") or {}
        grants.append(
            Grant(
                grantee_type=grantee.get("Type", ""),
                grantee=grantee.get("URI")
                or grantee.get("ID")
                or grantee.get("EmailAddress")
                or "",
                permission=g.get("Permission", ""),
            )
        )
    owner = (answer.get("Owner") or {}).get("ID", "")
    return {"acl": BucketAcl(owner_id=owner, grants=grants)}


def _ownership(answer: dict[str, Any] | None) -> dict[str, Any]:
    rules = ((answer or {}).get("OwnershipControls") or {}).get("Rules") or []
    return {"object_ownership": (rules[0].get("ObjectOwnership") or None) if rules else None}


def _tags(answer: dict[str, Any] | None) -> dict[str, Any]:
    return {"tags": {t["Key"]: t.get("Value", "") for t in (answer or {}).get("TagSet", [])}}


def _lifecycle(answer: dict[str, Any] | None) -> dict[str, Any]:
    return {"lifecycle_rules": list((answer or {}).get("Rules", []))}


def _logging(answer: dict[str, Any] | None) -> dict[str, Any]:
    enabled = (answer or {}).get("LoggingEnabled") or {}
    return {
        "logging_target": enabled.get("TargetBucket") or None,
        "logging_prefix": str(enabled.get("TargetPrefix", "")),
    }


#: Every bucket setting, in the order :func:`read_settings` reads them.
SETTINGS: dict[BucketSetting, Setting] = {
    "public_access_block": Setting(
        "get_public_access_block",
        "s3:GetBucketPublicAccessBlock",
        _public_access_block,
        frozenset({"NoSuchPublicAccessBlockConfiguration"}),
    ),
    "policy": Setting(
        "get_bucket_policy", "s3:GetBucketPolicy", _policy, frozenset({"NoSuchBucketPolicy"})
    ),
    "policy_status": Setting(
        "get_bucket_policy_status", "s3:GetBucketPolicyStatus", _policy_status
    ),
    "acl": Setting("get_bucket_acl", "s3:GetBucketAcl", _acl),
    "encryption": Setting(
        "get_bucket_encryption",
        "s3:GetEncryptionConfiguration",
        _encryption,
        frozenset({"ServerSideEncryptionConfigurationNotFoundError"}),
    ),
    "versioning": Setting("get_bucket_versioning", "s3:GetBucketVersioning", _versioning),
    "logging": Setting("get_bucket_logging", "s3:GetBucketLogging", _logging),
    "ownership": Setting(
        "get_bucket_ownership_controls",
        "s3:GetBucketOwnershipControls",
        _ownership,
        frozenset({"OwnershipControlsNotFoundError"}),
    ),
    "lifecycle": Setting(
        "get_bucket_lifecycle_configuration",
        "s3:GetLifecycleConfiguration",
        _lifecycle,
        frozenset({"NoSuchLifecycleConfiguration"}),
    ),
    "tags": Setting(
        "get_bucket_tagging", "s3:GetBucketTagging", _tags, frozenset({"NoSuchTagSet"})
    ),
}
assert set(SETTINGS) == set(SETTING_FIELDS), "every setting says which Bucket fields it fills"


def _answer(s3: Any, setting: Setting, name: str, region: str | None) -> dict[str, Any] | None:
    with aws_errors(setting.action, resource=name, region=region):
        try:
            return dict(getattr(s3, setting.method)(Bucket=name))
        except ClientError as exc:
            if error_code(exc) in setting.missing:
                return None
            raise


def raw_setting(
    session: boto3.Session, bucket: str, region: str | None, setting: BucketSetting
) -> dict[str, Any] | None:
    """One setting of a bucket exactly as S3 answers it, for a way back that puts it back.

    The parsed :class:`Bucket` fields keep what people and checks read; a rollback needs
    the whole answer (every rule, every grant), so that what it puts back is what was there.

    Args:
        session: Credentials to read with (the setting's ``action``; the read role's).
        bucket: The bucket's name.
        region: The bucket's region (its endpoint answers).
        setting: Which setting (see :data:`SETTINGS`).

    Returns:
        S3's answer without its ``ResponseMetadata``, or ``None`` when the bucket has no
        such setting.

    Raises:
        ServiceError: no such bucket, or AWS refused.
    """
    found = _answer(client(session, "s3", region), SETTINGS[setting], bucket, region)
    if found is not None:
        found.pop("ResponseMetadata", None)
    return found


def read_settings(
    session: boto3.Session,
    bucket: Bucket,
    settings: Iterable[BucketSetting],
    *,
    s3: S3Client | None = None,
    on_unreadable: Callable[[BucketSetting, ServiceError], None] | None = None,
) -> Bucket:
    """``bucket`` with ``settings`` read into it, one call each.

    ``policy_status`` (AWS's verdict on the policy) is asked only when ``policy`` is
    read too and the bucket has one; when it cannot be read, ``policy_is_public`` stays
    ``None`` and the policy document still speaks for itself.

    Args:
        session: credentials to read with (each setting's ``action``).
        bucket: the bucket (its ``region`` picks the endpoint).
        settings: which settings to read (see :data:`SETTINGS`).
        s3: a client to call with (the audit passes its shared, counted one for the
            bucket's region); one for the bucket's region is made when ``None``.
        on_unreadable: called with the setting and the error for each setting that
            could not be read, and reading goes on; when ``None`` the first such error
            is raised.

    Returns:
        A copy of ``bucket`` with the settings read and ``settings_read`` naming them.

    Raises:
        ServiceError: the bucket is gone (``NoSuchBucket``, always raised), or a
            setting could not be read and no ``on_unreadable`` was given.
    """
    wanted = set(settings)
    s3 = s3 or client(session, "s3", bucket.region)
    updates: dict[str, Any] = {}
    done = set(bucket.settings_read)
    for name, setting in SETTINGS.items():
        if name not in wanted or name == "policy_status":
            continue
        try:
            updates.update(setting.parse(_answer(s3, setting, bucket.name, bucket.region)))
        except ServiceError as exc:
            if exc.code == "NoSuchBucket" or on_unreadable is None:
                raise
            on_unreadable(name, exc)
            continue
        done.add(name)
    if "policy_status" in wanted and updates.get("policy") is not None:
        # Only a bucket with a policy needs AWS's verdict on it.
        status = SETTINGS["policy_status"]
        try:
            updates.update(status.parse(_answer(s3, status, bucket.name, bucket.region)))
            done.add("policy_status")
        except ServiceError as exc:
            if exc.code == "NoSuchBucket":
                raise
    order = list(SETTINGS)
    updates["settings_read"] = sorted(done, key=order.index)
    return bucket.model_copy(update=updates)


def merge_settings(bucket: Bucket, reads: Iterable[Bucket]) -> Bucket:
    """``bucket`` with the settings each of ``reads`` read (copies of it returned by
    :func:`read_settings` for some of its settings each).

    This lets a caller read one bucket's settings as separate calls at once (the audit
    reads every setting of every bucket on one pool) and still get the one model
    :func:`read_settings` would have made.

    Args:
        bucket: The bucket the reads were made for.
        reads: Copies of it, each with some settings read.

    Returns:
        ``bucket`` with every setting any of ``reads`` read.
    """
    updates: dict[str, Any] = {}
    done = set(bucket.settings_read)
    for read in reads:
        for setting in read.settings_read:
            updates.update({f: getattr(read, f) for f in SETTING_FIELDS[setting]})
            done.add(setting)
    order = list(SETTINGS)
    updates["settings_read"] = sorted(done, key=order.index)
    return bucket.model_copy(update=updates)


def _unreachable_account_endpoint(endpoint_url: str) -> bool:
    """S3 Control puts the account id before the host: an IP or ``localhost`` cannot take it."""
    host = urlparse(endpoint_url).hostname or ""
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def account_public_access_block(
    session: boto3.Session, account_id: str, *, control: S3ControlClient | None = None
) -> dict[str, bool] | None:
    """The account-level Block Public Access switches; ``None`` when none is set.

    Args:
        session: credentials to read with (``s3:GetAccountPublicAccessBlock``).
        account_id: the account (S3 Control calls go to ``<account>.<host>``).
        control: an S3 Control client to call with (the audit passes its counted one);
            one is made from ``session`` when ``None``.

    Returns:
        The four switches, or ``None`` when the account has no setting.

    Raises:
        ServiceError: AWS refused, or ``EndpointUnreachable`` when the configured endpoint
            is an IP address or ``localhost`` (as with local stand-ins), where the
            account's host name cannot resolve.
    """
    action = "s3:GetAccountPublicAccessBlock"
    control = control or client(session, "s3control")
    endpoint = control.meta.endpoint_url
    if _unreachable_account_endpoint(endpoint):
        raise ServiceError(
            f"S3 Control's account endpoint ({account_id}.{urlparse(endpoint).hostname}) "
            "cannot be reached through the configured endpoint (an IP address or localhost, as "
            "with local stand-ins), so the account-level Block Public Access setting was not read.",
            code="EndpointUnreachable",
            action=action,
        )
    with aws_errors(action):
        try:
            answer = control.get_public_access_block(AccountId=account_id)
        except ClientError as exc:
            if error_code(exc) == "NoSuchPublicAccessBlockConfiguration":
                return None
            raise
    return public_access_block_of(dict(answer.get("PublicAccessBlockConfiguration") or {}))
