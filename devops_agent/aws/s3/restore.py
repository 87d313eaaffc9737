"""Putting a bucket setting back as it was: the way back of every S3 setting change.

Each change of a bucket setting (versioning, default encryption, the public access block,
the ACL, object ownership, tags, lifecycle rules, access logging, the policy) reads the
setting with the read role just before it runs, exactly as S3 answers (its ``before``).
Its rollback plan is one ``s3.restore_<setting>`` entry that puts that answer back whole,
every rule and grant of it, or removes the setting when the bucket had none. Nobody asks
for it by hand: only rollback plans carry it (it has no command and no agent tool), and
like any plan it runs only when someone applies it, under its own session policy.

:data:`RESTORABLE` says, per setting, the request that puts it (and the one that removes
it), the IAM action each needs, how S3's answer becomes the value put back, how two values
compare when the result is read back, and how a value reads for people. A setting S3
cannot return to exactly is said so: versioning never turned on can only be suspended.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import ParamValidationError

from devops_agent.aws.policy_document import decode_policy
from devops_agent.aws.s3.buckets import bucket_arn
from devops_agent.aws.s3.changes import BucketChangeArgs, bucket_call, check_params, send
from devops_agent.aws.s3.configuration import SETTINGS, public_access_block_of, raw_setting
from devops_agent.errors import BadInput
from devops_agent.operation import (
    ApiCall,
    NotAsPlanned,
    PlanEntry,
    Proposal,
    Reader,
    Verification,
    Verified,
    Write,
    Writers,
)
from devops_agent.report import plural

__all__ = [
    "RESTORABLE",
    "RESTORES",
    "Restorable",
    "RestorableSetting",
    "RestoreArgs",
    "restore_entry",
    "way_back",
]

RestorableSetting = Literal[
    "versioning",
    "encryption",
    "public_access_block",
    "acl",
    "ownership",
    "tags",
    "lifecycle",
    "logging",
    "policy",
]
"""A bucket setting a rollback plan can put back."""

Answer = dict[str, Any] | None
"""S3's answer to a setting's get call (``None``: the bucket has no such setting)."""


@dataclass(frozen=True)
class Restorable:
    """How one bucket setting is put back."""

    put: str
    """The S3 operation that sets it, e.g. ``PutBucketEncryption``."""
    param: str
    """Its parameter that holds the value, e.g. ``ServerSideEncryptionConfiguration``."""
    action: str
    """The IAM action ``put`` needs."""
    value: Callable[[Answer], Any]
    """S3's answer → the value to put back (``None``: remove the setting)."""
    same: Callable[[Any], Any]
    """A value → what the read-back compares (two values S3 treats alike compare equal)."""
    words: Callable[[Answer], str]
    """S3's answer, for people: ``default encryption aws:kms (key alias/data)``."""
    what: str
    """The setting for people: ``the default encryption``."""
    example: Any
    """A value as the put request takes it (the catalog-wide tests use it)."""
    delete: str = ""
    """The S3 operation that removes it; empty when it can only be set."""
    delete_action: str = ""
    """The IAM action ``delete`` needs (often the ``put``'s own)."""


def _versioning_words(answer: Answer) -> str:
    status = (answer or {}).get("Status")
    if not status:
        return "versioning never turned on (S3 can only suspend it; the versions kept stay)"
    return f"versioning {status}"


def _encryption_rule(value: Any) -> tuple[Any, ...] | None:
    rule = ((value or {}).get("Rules") or [{}])[0]
    default = rule.get("ApplyServerSideEncryptionByDefault") or {}
    found = (
        default.get("SSEAlgorithm"),
        default.get("KMSMasterKeyID"),
        bool(rule.get("BucketKeyEnabled")),
    )
    # No setting and S3's own default (SSE-S3, no bucket key) encrypt alike: AWS answers
    # the latter for a bucket whose setting was removed.
    return None if found in ((None, None, False), ("AES256", None, False)) else found


def _encryption_words(answer: Answer) -> str:
    rule = _encryption_rule(_encryption_value(answer))
    if rule is None:
        return "its default encryption as before (none of its own, or SSE-S3)"
    algorithm, key, bucket_key = rule
    return (
        f"default encryption {algorithm}"
        + (f" (key {key})" if key else "")
        + (", bucket key on" if bucket_key else "")
    )


def _encryption_value(answer: Answer) -> Any:
    return None if answer is None else answer.get("ServerSideEncryptionConfiguration")


def _block_words(answer: Answer) -> str:
    switches = public_access_block_of(_block_value(answer))
    if switches is None:
        return "no public access block of its own"
    on = [k for k, v in switches.items() if v]
    if len(on) == len(switches):
        return "all four public access block settings on"
    return f"a public access block with {', '.join(on) or 'every setting'} {'on' if on else 'off'}"


def _block_value(answer: Answer) -> Any:
    return None if answer is None else answer.get("PublicAccessBlockConfiguration")


def _acl_value(answer: Answer) -> Any:
    answer = answer or {}
    return {"Owner": answer.get("Owner") or {}, "Grants": answer.get("Grants") or []}


def _acl_same(value: Any) -> Any:
    grants = []
    for grant in (value or {}).get("Grants") or []:
        who = grant.get("Grantee") or {}
        grantee = who.get("ID") or who.get("URI") or who.get("EmailAddress") or ""
        grants.append((who.get("Type", ""), grantee, grant.get("Permission", "")))
    return ((value or {}).get("Owner") or {}).get("ID", ""), sorted(grants)


def _acl_words(answer: Answer) -> str:
    grants = _acl_value(answer)["Grants"]
    return f"its ACL as before ({plural(len(grants), 'grant')})"


def _ownership_value(answer: Answer) -> Any:
    return None if answer is None else answer.get("OwnershipControls")


def _ownership_same(value: Any) -> Any:
    rules = (value or {}).get("Rules") or [{}]
    return rules[0].get("ObjectOwnership")


def _ownership_words(answer: Answer) -> str:
    found = _ownership_same(_ownership_value(answer))
    return f"object ownership {found}" if found else "no object ownership setting"


def _tags_value(answer: Answer) -> Any:
    tags = (answer or {}).get("TagSet") or []
    return {"TagSet": tags} if tags else None


def _tags_same(value: Any) -> Any:
    return {t.get("Key"): t.get("Value", "") for t in (value or {}).get("TagSet") or []}


def _tags_words(answer: Answer) -> str:
    tags = _tags_same(_tags_value(answer))
    if not tags:
        return "no tags"
    shown = ", ".join(f"{k}={v}" for k, v in sorted(tags.items())[:6])
    return f"its tags as before ({shown}{' …' if len(tags) > 6 else ''})"


def _lifecycle_value(answer: Answer) -> Any:
    rules = (answer or {}).get("Rules") or []
    return {"Rules": rules} if rules else None


def _lifecycle_same(value: Any) -> Any:
    return sorted(
        (r.get("ID") or "", r.get("Status", "")) for r in (value or {}).get("Rules") or []
    )


def _lifecycle_words(answer: Answer) -> str:
    rules = (_lifecycle_value(answer) or {}).get("Rules") or []
    return (
        f"its {plural(len(rules), 'lifecycle rule')} as before" if rules else "no lifecycle rules"
    )


def _logging_value(answer: Answer) -> Any:
    enabled = (answer or {}).get("LoggingEnabled")
    return {"LoggingEnabled": enabled} if enabled else {}


def _logging_same(value: Any) -> Any:
    enabled = (value or {}).get("LoggingEnabled")
    return (enabled.get("TargetBucket"), enabled.get("TargetPrefix", "")) if enabled else None


def _logging_words(answer: Answer) -> str:
    found = _logging_same(_logging_value(answer))
    return f"access logging to s3://{found[0]}/{found[1]}" if found else "access logging off"


def _policy_words(answer: Answer) -> str:
    document = decode_policy((answer or {}).get("Policy"))
    if document is None:
        return "no bucket policy"
    statements = document.get("Statement", [])
    count = len(statements) if isinstance(statements, list) else 1
    return f"its bucket policy as before ({plural(count, 'statement')})"


_OWNER = {"ID": "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"}

#: Every bucket setting a rollback puts back, and how.
RESTORABLE: dict[RestorableSetting, Restorable] = {
    "versioning": Restorable(
        "PutBucketVersioning",
        "VersioningConfiguration",
        "s3:PutBucketVersioning",
        value=lambda a: {"Status": (a or {}).get("Status") or "Suspended"},
        same=lambda v: (v or {}).get("Status") or "Suspended",
        words=_versioning_words,
        what="the versioning",
        example={"Status": "Suspended"},
    ),
    "encryption": Restorable(
        "PutBucketEncryption",
        "ServerSideEncryptionConfiguration",
        "s3:PutEncryptionConfiguration",
        value=_encryption_value,
        same=_encryption_rule,
        words=_encryption_words,
        what="the default encryption",
        example={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
        delete="DeleteBucketEncryption",
        delete_action="s3:PutEncryptionConfiguration",
    ),
    "public_access_block": Restorable(
        "PutPublicAccessBlock",
        "PublicAccessBlockConfiguration",
        "s3:PutBucketPublicAccessBlock",
        value=_block_value,
        same=public_access_block_of,
        words=_block_words,
        what="the public access block",
        example={"BlockPublicAcls": True, "IgnorePublicAcls": False},
        delete="DeletePublicAccessBlock",
        delete_action="s3:PutBucketPublicAccessBlock",
    ),
    "acl": Restorable(
        "PutBucketAcl",
        "AccessControlPolicy",
        "s3:PutBucketAcl",
        value=_acl_value,
        same=_acl_same,
        words=_acl_words,
        what="the ACL",
        example={
            "Owner": _OWNER,
            "Grants": [
                {"Grantee": {**_OWNER, "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"},
                {
                    "Grantee": {
                        "Type": "Group",
                        "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery",
                    },
                    "Permission": "WRITE",
                },
            ],
        },
    ),
    "ownership": Restorable(
        "PutBucketOwnershipControls",
        "OwnershipControls",
        "s3:PutBucketOwnershipControls",
        value=_ownership_value,
        same=_ownership_same,
        words=_ownership_words,
        what="the object ownership",
        example={"Rules": [{"ObjectOwnership": "ObjectWriter"}]},
        delete="DeleteBucketOwnershipControls",
        delete_action="s3:PutBucketOwnershipControls",
    ),
    "tags": Restorable(
        "PutBucketTagging",
        "Tagging",
        "s3:PutBucketTagging",
        value=_tags_value,
        same=_tags_same,
        words=_tags_words,
        what="the tags",
        example={"TagSet": [{"Key": "team", "Value": "data"}]},
        delete="DeleteBucketTagging",
        delete_action="s3:PutBucketTagging",
    ),
    "lifecycle": Restorable(
        "PutBucketLifecycleConfiguration",
        "LifecycleConfiguration",
        "s3:PutLifecycleConfiguration",
        value=_lifecycle_value,
        same=_lifecycle_same,
        words=_lifecycle_words,
        what="the lifecycle rules",
        example={
            "Rules": [
                {
                    "ID": "expire-tmp",
                    "Status": "Enabled",
                    "Filter": {"Prefix": "tmp/"},
                    "Expiration": {"Days": 7},
                }
            ]
        },
        delete="DeleteBucketLifecycle",
        delete_action="s3:PutLifecycleConfiguration",
    ),
    "logging": Restorable(
        "PutBucketLogging",
        "BucketLoggingStatus",
        "s3:PutBucketLogging",
        value=_logging_value,
        same=_logging_same,
        words=_logging_words,
        what="the access logging",
        example={"LoggingEnabled": {"TargetBucket": "acme-logs", "TargetPrefix": "acme-data/"}},
    ),
    "policy": Restorable(
        "PutBucketPolicy",
        "Policy",
        "s3:PutBucketPolicy",
        value=lambda a: None if a is None else a.get("Policy"),
        same=decode_policy,
        words=_policy_words,
        what="the bucket policy",
        example='{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",'
        '"Action":"s3:*","Resource":"arn:aws:s3:::acme-data/*","Condition":'
        '{"Bool":{"aws:SecureTransport":"false"}}}]}',
        delete="DeleteBucketPolicy",
        delete_action="s3:DeleteBucketPolicy",
    ),
}


def _plain(value: Any) -> Any:
    """S3's answer as JSON data (timestamps as ISO 8601): it goes into the plan and report."""
    return json.loads(
        json.dumps(value, default=lambda o: o.isoformat() if hasattr(o, "isoformat") else str(o))
    )


def _read(reader: Reader, bucket: str, region: str | None, setting: RestorableSetting) -> Answer:
    answer = raw_setting(reader.session(), bucket, region, setting)
    return None if answer is None else _plain(answer)


class RestoreArgs(BucketChangeArgs):
    """Arguments of an ``s3.restore_<setting>`` step: one setting of one bucket, put back."""

    value: Any = None
    """What to put back, exactly as the setting's put request takes it (the parameter
    :data:`RESTORABLE` names); ``None`` removes the setting, as when the bucket had none."""


def _fitting(setting: RestorableSetting, value: Any) -> Any:
    """``value`` after checking it against S3's own schema of the setting's put request.

    Raises:
        BadInput: it does not fit (the rollback plan then says it has no entry for it), or
            it is ``None`` for a setting S3 cannot remove.
    """
    spec = RESTORABLE[setting]
    if value is None:
        if not spec.delete:
            raise BadInput(f"{spec.what.capitalize()} of a bucket cannot be removed, only set.")
        return value
    try:
        check_params(spec.put, {"Bucket": "checked-bucket", spec.param: value})
    except ParamValidationError as exc:
        raise BadInput(
            f"{spec.what.capitalize()} to put back does not fit S3's {spec.put}: {exc}"
        ) from None
    return value


def restore_entry(
    setting: RestorableSetting, bucket: str, region: str | None, answer: Answer
) -> PlanEntry:
    """The rollback entry that puts ``setting`` of ``bucket`` back as S3 answered before.

    Args:
        setting: Which setting.
        bucket: The bucket's name.
        region: The bucket's region.
        answer: S3's answer read before the change (``None``: the bucket had none).

    Returns:
        An ``s3.restore_<setting>`` entry.

    Raises:
        BadInput: what S3 answered cannot be put back as it is (the rollback plan then
            says there is no entry for it).
    """
    spec = RESTORABLE[setting]
    value = _fitting(setting, spec.value(answer))
    args = RestoreArgs(bucket=bucket, bucket_region=region, value=value)
    return RESTORES[setting].entry(
        args, f"Roll back: put back {spec.words(answer)} on s3://{bucket}", [bucket_arn(bucket)]
    )


def way_back(
    setting: RestorableSetting, target: Callable[[Any], Any] | None = None
) -> tuple[Callable[[Reader, Any], Answer], Callable[[Reader, Any, Any], list[PlanEntry]]]:
    """The ``before`` and ``undo`` of a change to one setting of a bucket.

    ``before`` reads the setting as S3 answers it, in the bucket's region, with the read
    role; ``undo`` makes the entry that puts that answer back. It makes none when the
    change changed nothing: when ``target`` (the value the change puts, as the setting's
    put request takes it, ``None`` for a removal) already compared equal to it.

    Args:
        setting: Which setting the change writes.
        target: The value a change's arguments put; ``None`` when it cannot be said
            without reading (then a rollback entry is always made).

    Returns:
        ``(before, undo)`` for the operation's declaration.
    """
    spec = RESTORABLE[setting]

    def before(reader: Reader, args: Any) -> Answer:
        return _read(reader, args.bucket, args.bucket_region, setting)

    def undo(reader: Reader, answer: Any, args: Any) -> list[PlanEntry]:
        if target is not None and spec.same(spec.value(answer)) == spec.same(target(args)):
            return []  # it was already so: nothing changed, nothing to undo
        return [restore_entry(setting, args.bucket, args.bucket_region, answer)]

    return before, undo


# --------------------------------------------------------------------------- the operations


def _only_in_rollbacks(reader: Reader, args: RestoreArgs) -> Proposal:
    raise BadInput(
        "Putting a bucket setting back is planned only as part of a rollback plan.",
        remedy="Apply the rollback plan the applied change carries, or ask for the setting "
        "you want (`s3 versioning`, `s3 encryption`, `s3 tags` …).",
    )


def _restore_operation(setting: RestorableSetting) -> Write[RestoreArgs]:
    """The rollback step that puts ``setting`` back: declared from :data:`RESTORABLE`."""
    spec = RESTORABLE[setting]

    def calls(args: RestoreArgs) -> list[ApiCall]:
        value = _fitting(setting, args.value)
        if value is None:
            return [bucket_call(spec.delete, spec.delete_action, args.bucket, args.bucket_region)]
        params = {spec.param: value}
        return [bucket_call(spec.put, spec.action, args.bucket, args.bucket_region, **params)]

    def run(writers: Writers, args: RestoreArgs) -> str:
        for call in calls(args):
            send(writers.aws(), call, resource=f"s3://{args.bucket}")
        return f"put back {spec.what} of s3://{args.bucket}"

    def verify(reader: Reader, args: RestoreArgs) -> Verification:
        found = _read(reader, args.bucket, args.bucket_region, setting)
        read = f"s3://{args.bucket} has {spec.words(found)}"
        if spec.same(spec.value(found)) == spec.same(args.value):
            return Verified(read)
        return NotAsPlanned(read)

    def before(reader: Reader, args: RestoreArgs) -> Answer:
        return _read(reader, args.bucket, args.bucket_region, setting)

    def undo(reader: Reader, answer: Any, args: RestoreArgs) -> list[PlanEntry]:
        if spec.same(spec.value(answer)) == spec.same(args.value):
            return []
        return [restore_entry(setting, args.bucket, args.bucket_region, answer)]

    example = {"bucket": "acme-data", "bucket_region": "us-east-1"}
    return Write(
        name=f"s3.restore_{setting}",
        args=RestoreArgs,
        summary=f"Put {spec.what} of a bucket back as it was before a plan changed it "
        "(rollback plans).",
        service="s3",
        agent=f"Only rollback plans put {spec.what} of a bucket back: they carry what was "
        "read just before the change.",
        reads=(SETTINGS[setting].action,),
        actions=tuple(dict.fromkeys(a for a in (spec.action, spec.delete_action) if a)),
        arns=("arn:{partition}:s3:::{bucket}",),
        plan=_only_in_rollbacks,
        run=run,
        calls=calls,
        verify=verify,
        before=before,
        undo=undo,
        examples=(
            {**example, "value": spec.example},
            *([{**example, "value": None}] if spec.delete else []),
        ),
    )


#: The rollback step of each setting: ``s3.restore_versioning``, ``s3.restore_tags`` ….
RESTORES: dict[RestorableSetting, Write[RestoreArgs]] = {
    setting: _restore_operation(setting) for setting in RESTORABLE
}

OPERATIONS = tuple(RESTORES.values())
