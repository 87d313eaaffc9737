"""S3 buckets: the one model of a bucket, listing them, and what every bucket operation
shares (creating and deleting them is :mod:`~devops_agent.aws.s3.create_delete`).

S3 is global: one ListBuckets call sees every bucket of the account. A bucket's
region comes from the ``BucketRegion`` field ListBuckets returns when asked with a
page size; when a stand-in (or an older endpoint) leaves it out, a listing filtered
by region answers for the regions the caller names, and GetBucketLocation is asked
only for the buckets left, concurrently, over one shared client.

:class:`Bucket` is what ``s3 list``, ``s3 describe``, the agent and the audit all
read: its name, region and creation date, plus whichever of its settings were read
(:mod:`~devops_agent.aws.s3.configuration` reads them, one call and one parser per
setting). ``settings_read`` says which; the JSON of a bucket carries only those.

The other S3 modules build on this one: :data:`BucketName` checks the shape of a
bucket name in an argument model, :class:`BucketArgs` is the base of every
operation on one bucket, and :func:`existing_bucket` is the preview's check that
the bucket is there (a bucket that does not exist is a bad argument, exit 2).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from botocore.exceptions import ClientError
from pydantic import (
    AfterValidator,
    Field,
    SerializerFunctionWrapHandler,
    computed_field,
    model_serializer,
)

from devops_agent.aws import (
    AwsModel,
    aws_errors,
    client,
    pages,
    regions_for,
    utc,
)
from devops_agent.aws.policy_document import decode_policy
from devops_agent.errors import BadInput, ServiceError
from devops_agent.operation import (
    Args,
    Command,
    Option,
    Positional,
    Read,
    Reader,
)
from devops_agent.report import Result, Table, dump, plural, when

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_s3 import S3Client

__all__ = [
    "ONE_SETTING",
    "SETTING_FIELDS",
    "Bucket",
    "BucketAcl",
    "BucketArgs",
    "BucketName",
    "BucketSetting",
    "Emptiness",
    "Grant",
    "bucket_arn",
    "bucket_emptiness",
    "bucket_from",
    "bucket_name",
    "bucket_owner_region",
    "error_code",
    "existing_bucket",
    "list_buckets",
    "locate_bucket",
    "new_bucket_name",
]

# Today's rules are stricter (3-63 chars, lower case), but legacy us-east-1
# buckets may hold upper case and underscores; only reject what can never be a bucket.
_BUCKET = re.compile(r"^[A-Za-z0-9._-]{3,255}$")
_NEW_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IPV4_SHAPE = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
_UNREADABLE = frozenset({"AccessDenied", "NoSuchBucket", "403", "404"})
_LOCATION_WORKERS = 16
#: Buckets per ListBuckets page (the API's maximum); asking for a page size at all is
#: what makes AWS report each bucket's region.
_BUCKETS_PER_PAGE = 10_000

#: Why the agent has no tool for the one-setting reads: one call returns them all.
ONE_SETTING = (
    "One setting of one bucket; describe_bucket returns every setting at once, so prefer it "
    "when more than one matters."
)


BucketSetting = Literal[
    "versioning",
    "encryption",
    "public_access_block",
    "policy",
    "policy_status",
    "acl",
    "ownership",
    "tags",
    "lifecycle",
    "logging",
]
"""A bucket setting one call reads (``policy_status`` only for a bucket that has a policy)."""


class Grant(AwsModel):
    """One grant of a bucket ACL."""

    grantee_type: str
    """``CanonicalUser``, ``Group`` or ``AmazonCustomerByEmail``."""
    grantee: str
    """Canonical user id, group URI (``.../global/AllUsers`` is everyone) or e-mail."""
    permission: str
    """READ, WRITE, READ_ACP, WRITE_ACP or FULL_CONTROL."""


class BucketAcl(AwsModel):
    """A bucket's access control list (ignored when object ownership is BucketOwnerEnforced)."""

    owner_id: str = ""
    """Canonical id of the bucket owner."""
    grants: list[Grant] = Field(default_factory=list)
    """Who may do what."""


class Bucket(AwsModel):
    """One S3 bucket of the account, with whichever of its settings were read.

    ``s3 list`` reads none, ``s3 describe`` the ones it shows, the audit the ones its
    checks judge; ``settings_read`` names them. A setting that was not read keeps its
    default here and is left out of the bucket's JSON, so ``None`` below means "none
    set" only for a setting in ``settings_read``.
    """

    name: str
    """Bucket name (global across AWS)."""
    region: str | None = None
    """Region the bucket lives in; ``None`` when its location could not be read."""
    created: datetime | None = None
    """Creation date (UTC) as ListBuckets reports it; ``None`` when not listed."""
    versioning: str | None = None
    """``Enabled``, ``Suspended`` or ``Disabled`` (never turned on)."""
    mfa_delete: bool | None = None
    """True when deleting an object version needs the root user's MFA (read with
    versioning)."""
    encryption: str | None = None
    """Default encryption: ``AES256`` (SSE-S3), ``aws:kms`` (SSE-KMS) or ``aws:kms:dsse``;
    ``None`` when unset."""
    kms_key: str | None = None
    """KMS key of SSE-KMS default encryption; ``None`` for the AWS managed ``aws/s3`` key
    (or without SSE-KMS)."""
    public_access_block: dict[str, bool] | None = None
    """The bucket's four public access block switches; ``None`` when it has no block of
    its own."""
    policy: str | None = None
    """The bucket policy as the JSON text AWS stores; ``None`` when it has none."""
    policy_is_public: bool | None = None
    """AWS's own verdict on the policy (GetBucketPolicyStatus, conditions included);
    ``None`` when not asked (no policy) or not readable."""
    acl: BucketAcl | None = None
    """The bucket ACL."""
    object_ownership: str | None = None
    """``BucketOwnerEnforced`` (ACLs off), ``BucketOwnerPreferred`` or ``ObjectWriter``;
    ``None`` when unset."""
    tags: dict[str, str] | None = None
    """Bucket tags."""
    lifecycle_rules: list[dict[str, Any]] | None = None
    """Lifecycle rules as AWS returns them (empty when there are none)."""
    logging_target: str | None = None
    """Bucket receiving server access logs; ``None`` when logging is off."""
    logging_prefix: str = ""
    """Key prefix of the access logs."""
    settings_read: list[BucketSetting] = Field(default_factory=list)
    """The settings read into this model, in a fixed order."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def has_policy(self) -> bool:
        """Whether the bucket has a bucket policy."""
        return self.policy is not None

    @property
    def policy_document(self) -> dict[str, Any] | None:
        """The policy parsed from its JSON text; ``None`` without a policy (or when it is
        not a JSON object)."""
        return decode_policy(self.policy)

    def has(self, setting: BucketSetting) -> bool:
        """Whether ``setting`` was read (and so its fields say what AWS said).

        Args:
            setting: The setting asked about.

        Returns:
            True when it is in ``settings_read``.
        """
        return setting in self.settings_read

    @model_serializer(mode="wrap")
    def _only_settings_read(self, handler: SerializerFunctionWrapHandler) -> Any:
        """Leave out the fields of settings not read: ``s3 list`` (and its agent tool)
        stays as small as a list, and no reader of the JSON mistakes a default for
        "none set"."""
        data = handler(self)
        if not isinstance(data, dict):
            return data
        unread = {
            f for s, fields in SETTING_FIELDS.items() if s not in self.settings_read for f in fields
        }
        return {k: v for k, v in data.items() if k not in unread}


#: The fields each setting fills in a :class:`Bucket` (and its JSON shows once it is read).
SETTING_FIELDS: dict[str, tuple[str, ...]] = {
    "versioning": ("versioning", "mfa_delete"),
    "encryption": ("encryption", "kms_key"),
    "public_access_block": ("public_access_block",),
    "policy": ("policy", "has_policy"),
    "policy_status": ("policy_is_public",),
    "acl": ("acl",),
    "ownership": ("object_ownership",),
    "tags": ("tags",),
    "lifecycle": ("lifecycle_rules",),
    "logging": ("logging_target", "logging_prefix"),
}


class Emptiness(AwsModel):
    """How much a bucket holds, counting every version and delete marker."""

    versions: int
    """Object versions (current and noncurrent) counted, up to the limit."""
    delete_markers: int
    """Delete markers counted, up to the limit."""
    more: bool
    """True when there are more than were counted."""

    @property
    def empty(self) -> bool:
        """Whether the bucket holds nothing at all."""
        return not (self.versions or self.delete_markers or self.more)


# --------------------------------------------------------------------------- names


def bucket_name(bucket: str) -> str:
    """A bucket name as typed (``name``, ``s3://name`` or ``s3://name/``), checked for shape.

    Args:
        bucket: What was typed.

    Returns:
        The bare name.

    Raises:
        BadInput: it can never be a bucket name.
    """
    name = bucket.strip()
    if name.startswith("s3://"):
        name = name[len("s3://") :]
    name = name.rstrip("/")
    if not _BUCKET.match(name):
        raise BadInput(
            f"Not a bucket name: '{bucket}'. Bucket names are 3-63 characters of lower-case "
            "letters, digits, dots and hyphens."
        )
    return name


def new_bucket_name(name: str) -> str:
    """A name for a bucket to create, after today's naming rules.

    Args:
        name: What was typed.

    Returns:
        The name, checked.

    Raises:
        BadInput: 3-63 characters of lower-case letters, digits, dots and hyphens,
            starting and ending with a letter or digit, not IP-shaped, no ``..``,
            not ``xn--``, ``sthree-`` or ``amzn-s3-demo-`` first, nor ``-s3alias``,
            ``--ol-s3``, ``.mrap`` or ``--x-s3`` last.
    """
    text = name.strip()
    if text.startswith("s3://"):
        text = text[len("s3://") :].rstrip("/")
    bad = (
        not _NEW_BUCKET.match(text)
        or ".." in text
        or ".-" in text
        or "-." in text
        or _IPV4_SHAPE.match(text)
        or text.startswith(("xn--", "sthree-", "amzn-s3-demo-"))
        or text.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3"))
    )
    if bad:
        raise BadInput(
            f"'{name}' is not a valid new bucket name: 3-63 lower-case letters, digits, dots "
            "and hyphens, starting and ending with a letter or digit, not shaped like an IP "
            "address.",
            link="https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
        )
    return text


def bucket_arn(name: str, key: str | None = None) -> str:
    """The ARN a plan entry names as its resource: the bucket, or one object in it.

    Args:
        name: The bucket's name.
        key: An object's key, for an object's ARN.

    Returns:
        ``arn:aws:s3:::name`` or ``arn:aws:s3:::name/key``.
    """
    return f"arn:aws:s3:::{name}" if key is None else f"arn:aws:s3:::{name}/{key}"


def error_code(exc: ClientError) -> str:
    """The S3 error code of a botocore error (``NoSuchBucket``, ``404`` …).

    Args:
        exc: What botocore raised.

    Returns:
        The code, or ``""``.
    """
    return str(exc.response.get("Error", {}).get("Code", ""))


BucketName = Annotated[str, AfterValidator(bucket_name)]
"""A bucket name in an argument model: ``s3://name/`` is accepted and becomes ``name``."""


class BucketArgs(Args):
    """Arguments of an operation on one bucket."""

    bucket: Annotated[BucketName, Positional()]
    """The bucket name (s3://name is accepted too)."""


# --------------------------------------------------------------------------- reads


def bucket_from(raw: Any, region: str | None = None) -> Bucket:
    """The model of one raw ListBuckets item.

    Args:
        raw: One item of ListBuckets' ``Buckets``.
        region: The bucket's region, when ListBuckets did not say (``BucketRegion``).

    Returns:
        The bucket, no setting read.
    """
    return Bucket(
        name=raw["Name"],
        region=raw.get("BucketRegion") or region,
        created=utc(raw.get("CreationDate")),
    )


def list_buckets(
    session: boto3.Session,
    *,
    s3: S3Client | None = None,
    locate: bool = True,
    regions: Sequence[str] = (),
    regional: Callable[[str], S3Client] | None = None,
) -> list[Bucket]:
    """Every S3 bucket of the account, with its region.

    ListBuckets is asked with ``MaxBuckets`` (pages of :data:`_BUCKETS_PER_PAGE`): AWS
    adds ``BucketRegion`` to a request with at least one parameter, so no bucket needs a
    call of its own. Where the answer still has no regions (a stand-in, an older
    endpoint), ListBuckets filtered by ``BucketRegion`` is asked once per region in
    ``regions`` (two or more) when that is fewer calls than one GetBucketLocation per
    bucket; only the buckets found in none of them are located one by one (when
    ``locate``).

    Args:
        session: credentials to read with (``s3:ListAllMyBuckets``, and
            ``s3:GetBucketLocation`` when no listing reports a bucket's region).
        s3: a client to call with (the audit passes its shared, counted one); one is
            made from ``session`` when ``None``.
        locate: False leaves ``region`` ``None`` where no listing reported it, for a
            caller that locates each bucket itself (the audit, which records every
            refusal with :func:`locate_bucket`).
        regions: regions to ask a filtered listing in when ListBuckets gives no regions
            (the audit passes the regions it audits); none when empty.
        regional: the client for a region (the audit passes its counted ones); made
            from ``session`` when ``None``. A filtered listing must go to its region.

    Returns:
        The buckets sorted by region then name (no setting read); ``region`` is
        ``None`` for a bucket whose location could not be read (denied, or deleted
        meanwhile).

    Raises:
        ServiceError: AWS refused to list buckets.
    """
    s3 = s3 or client(session, "s3")
    with aws_errors("s3:ListAllMyBuckets"):
        raw = [
            b
            for page in pages(s3, "list_buckets", page_size=_BUCKETS_PER_PAGE)
            for b in page.get("Buckets", [])
        ]
    located: dict[str, str | None] = {}
    missing = [b["Name"] for b in raw if not b.get("BucketRegion")]
    wanted = list(dict.fromkeys(regions))
    if len(wanted) > 1 and len(missing) > len(wanted):
        located = _located_by_listing(session, wanted, regional)
        missing = [name for name in missing if name not in located]
    if missing and locate:
        with ThreadPoolExecutor(
            max_workers=min(_LOCATION_WORKERS, len(missing)), thread_name_prefix="s3-location"
        ) as pool:
            located.update(
                zip(missing, pool.map(lambda n: _bucket_region(s3, n), missing), strict=True)
            )
    buckets = [bucket_from(b, located.get(b["Name"])) for b in raw]
    return sorted(buckets, key=lambda b: (b.region or "~", b.name))


def _located_by_listing(
    session: boto3.Session,
    regions: list[str],
    regional: Callable[[str], S3Client] | None,
) -> dict[str, str | None]:
    """Bucket name → region from one ListBuckets per region filtered by ``BucketRegion``.

    A region whose filtered listing fails adds nothing: its buckets are then located one
    by one, where a refusal is reported per bucket. A bucket listed in two regions means
    the endpoint ignored the filter: then nothing is taken from these listings.
    """

    def listed(region: str) -> list[str]:
        regional_s3 = regional(region) if regional else client(session, "s3", region)
        try:
            with aws_errors("s3:ListAllMyBuckets", region=region):
                return [
                    b["Name"]
                    for page in pages(
                        regional_s3,
                        "list_buckets",
                        page_size=_BUCKETS_PER_PAGE,
                        BucketRegion=region,
                    )
                    for b in page.get("Buckets", [])
                ]
        except ServiceError:
            return []

    with ThreadPoolExecutor(
        max_workers=min(_LOCATION_WORKERS, len(regions)), thread_name_prefix="s3-location"
    ) as pool:
        found = list(pool.map(listed, regions))
    located = {name: region for region, names in zip(regions, found, strict=True) for name in names}
    if len(located) < sum(len(names) for names in found):  # a name in two regions
        return {}
    return dict(located)


def locate_bucket(s3: S3Client, name: str) -> str:
    """The region a bucket lives in, from GetBucketLocation.

    Args:
        s3: An S3 client (any region answers).
        name: The bucket's name.

    Returns:
        The region (``us-east-1`` for no constraint, ``eu-west-1`` for the legacy ``EU``).

    Raises:
        ServiceError: no such bucket (``NoSuchBucket``) or AWS refused.
    """
    with aws_errors("s3:GetBucketLocation", resource=name):
        constraint: Any = s3.get_bucket_location(Bucket=name).get("LocationConstraint")
    # Buckets in us-east-1 report no constraint; the oldest eu-west-1 ones report "EU".
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else str(constraint)


def _bucket_region(s3: S3Client, name: str) -> str | None:
    try:
        return locate_bucket(s3, name)
    except ServiceError as exc:
        if exc.code in _UNREADABLE:
            return None
        raise


def bucket_owner_region(session: boto3.Session, bucket: str) -> str | None:
    """The region of a bucket this account can reach, or ``None`` when no bucket has the name.

    Args:
        session: Credentials to read with (the read role's).
        bucket: The bucket's name.

    Returns:
        The bucket's region, or ``None``.

    Raises:
        ServiceError: the name belongs to another account (``403``) or AWS refused.
    """
    name = bucket_name(bucket)
    s3 = client(session, "s3")
    with aws_errors("s3:ListBucket", resource=name):
        try:
            answer = s3.head_bucket(Bucket=name)
        except ClientError as exc:
            code = error_code(exc)
            if code in ("404", "NoSuchBucket", "NotFound"):
                return None
            if code in ("403", "AccessDenied"):
                raise ServiceError(
                    f"The bucket name {name} is taken by another AWS account (or this identity "
                    "may not see it).",
                    code=code,
                    remedy="Bucket names are global across AWS; choose another name.",
                ) from None
            raise
    headers = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    return str(answer.get("BucketRegion") or headers.get("x-amz-bucket-region") or "us-east-1")


def existing_bucket(reader: Reader, bucket: str) -> str:
    """The region of a bucket the arguments name; one that does not exist is a bad argument.

    Args:
        reader: The read side of the run.
        bucket: The bucket's name.

    Returns:
        The bucket's region.

    Raises:
        BadInput: there is no bucket of that name.
        ServiceError: another account holds the name, or AWS refused.
    """
    name = bucket_name(bucket)
    region = bucket_owner_region(reader.session(), name)
    if region is None:
        raise BadInput(
            f"There is no bucket s3://{name}.", remedy="`s3 list` shows the account's buckets."
        )
    return region


def bucket_emptiness(session: boto3.Session, bucket: str, *, limit: int = 1000) -> Emptiness:
    """Count what a bucket holds (every version and delete marker), up to ``limit``.

    Args:
        session: Credentials to read with (the read role's).
        bucket: The bucket's name.
        limit: Stop counting past this many items.

    Returns:
        Versions and delete markers counted, and whether the count stopped at ``limit``.

    Raises:
        ServiceError: no such bucket, or AWS refused (``s3:ListBucketVersions``).
    """
    name = bucket_name(bucket)
    s3 = client(session, "s3")
    versions = markers = 0
    with aws_errors("s3:ListBucketVersions", resource=name):
        for page in pages(s3, "list_object_versions", Bucket=name):
            versions += len(page.get("Versions", []))
            markers += len(page.get("DeleteMarkers", []))
            if versions + markers >= limit:
                return Emptiness(versions=versions, delete_markers=markers, more=True)
    return Emptiness(versions=versions, delete_markers=markers, more=False)


# --------------------------------------------------------------------------- operations


class ListBucketsArgs(Args):
    """Arguments of ``s3 list``."""

    region: Annotated[str | None, Option("--region")] = None
    """Only buckets in this region (a comma list, or "all" for the configured regions);
    null for every bucket of the account."""


def _list(reader: Reader, args: ListBucketsArgs) -> list[Bucket]:
    buckets = list_buckets(reader.session())
    if args.region:
        keep = set(regions_for(reader, args.region))
        buckets = [b for b in buckets if b.region in keep]
    return buckets


def _list_table(reader: Reader, args: ListBucketsArgs, buckets: list[Bucket]) -> Result:
    rows = [[b.name, b.region, when(b.created)] for b in buckets]
    return Result(
        title=plural(len(buckets), "S3 bucket") + (f" in {args.region}" if args.region else ""),
        tables=[Table(columns=["Bucket", "Region", "Created"], rows=rows, empty="No buckets.")],
        data={"buckets": dump(buckets)},
    )


LIST = Read(
    name="s3.list_buckets",
    args=ListBucketsArgs,
    summary="S3 buckets with their regions.",
    service="s3",
    commands=(Command("s3 list", "S3 buckets with their regions."),),
    guide="Every bucket of the account with its region and creation date (S3 is global: "
    "one call sees them all).",
    actions=("s3:ListAllMyBuckets", "s3:GetBucketLocation"),
    read=_list,
    render=_list_table,
)

OPERATIONS = (LIST,)
