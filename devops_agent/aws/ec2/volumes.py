"""EBS volumes, the snapshots the account owns, and a region's encryption-by-default
setting: reads as typed models.

Questions such as "which volumes are unattached?" or "are our snapshots encrypted?"
are answered here for the command language, the agent and the audit alike: the audit's
inventory holds these models, read by these functions (:func:`volume_from` and
:func:`snapshot_from` parse the raw items).

Every function takes a boto3 session and one region, walks every page, and returns
models sorted for reading: volumes by region, name, id; snapshots by region, newest
first. Failures raise :class:`~devops_agent.errors.ServiceError` (AWS said no) or
:class:`~devops_agent.errors.BadInput` (the arguments were wrong).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, Field

from devops_agent.aws import (
    AwsModel,
    InRegion,
    Regions,
    across_regions,
    aws_errors,
    check_region,
    client,
    one_region,
    pages,
    regions_for,
    tags_of,
    utc,
)
from devops_agent.aws.describe import Describe, by_name, state_filter
from devops_agent.aws.listing import listing
from devops_agent.aws.writes import ec2_request, resource_id
from devops_agent.errors import ServiceError
from devops_agent.operation import (
    ApiCall,
    Command,
    Lower,
    NotAsPlanned,
    Option,
    PlanEntry,
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
from devops_agent.report import Result, Table, dump, plural, when, where

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_ec2 import EC2Client

__all__ = [
    "VOLUME_STATES",
    "EncryptionByDefault",
    "Snapshot",
    "Volume",
    "ebs_encryption_by_default",
    "list_snapshots",
    "list_volumes",
    "set_encryption_by_default",
    "snapshot_from",
    "volume_from",
]

#: The states EBS reports for a volume (``available`` means attached to nothing).
VOLUME_STATES = ("creating", "available", "in-use", "deleting", "deleted", "error")

#: Items per DescribeVolumes / DescribeSnapshots request (the API's maximum is 1000).
_PAGE_SIZE = 500
#: Most snapshot permission reads in flight at once.
_ATTRIBUTE_WORKERS = 8


class Volume(AwsModel):
    """One EBS volume, as DescribeVolumes reports it."""

    id: str
    """Volume id, ``vol-...``."""
    region: str
    """Region the volume lives in."""
    name: str | None = None
    """Value of the ``Name`` tag; ``None`` when untagged."""
    state: str
    """creating, available (attached to nothing), in-use, deleting, deleted or error."""
    size_gib: int = 0
    """Size in GiB."""
    type: str = ""
    """Volume type: gp3, gp2, io2, io1, st1, sc1 or standard."""
    iops: int | None = None
    """Provisioned IOPS (gp3, io1, io2) or the baseline (gp2)."""
    encrypted: bool = False
    """Whether the volume is encrypted at rest."""
    kms_key_id: str | None = None
    """ARN of the KMS key that encrypts it; ``None`` when unencrypted."""
    attached_to: list[str] = Field(default_factory=list)
    """Instance ids it is attached to (several only for io1/io2 Multi-Attach)."""
    availability_zone: str = ""
    """Availability zone, e.g. ``us-east-1a``."""
    snapshot_id: str | None = None
    """The snapshot it was created from, if any."""
    created: datetime | None = None
    """When it was created (UTC)."""
    tags: dict[str, str] = Field(default_factory=dict)
    """All tags, key to value."""


class Snapshot(AwsModel):
    """One EBS snapshot owned by the account, as DescribeSnapshots reports it."""

    id: str
    """Snapshot id, ``snap-...``."""
    region: str
    """Region the snapshot lives in."""
    volume_id: str | None = None
    """The volume it was taken from (it may no longer exist)."""
    size_gib: int = 0
    """Size of the source volume in GiB."""
    state: str = ""
    """pending, completed, error, recoverable or recovering."""
    encrypted: bool = False
    """Whether the snapshot is encrypted."""
    kms_key_id: str | None = None
    """ARN of the KMS key that encrypts it; ``None`` when unencrypted."""
    public: bool | None = False
    """True when anyone may create a volume from it; ``None`` when that could not be read."""
    started: datetime | None = None
    """When the snapshot was started (UTC)."""
    description: str = ""
    """Description given when it was taken (written by people or AWS Backup)."""
    tags: dict[str, str] = Field(default_factory=dict)
    """All tags, key to value."""


def list_volumes(
    session: boto3.Session,
    region: str,
    *,
    state: str | None = None,
    page_size: int | None = _PAGE_SIZE,
    ec2: EC2Client | None = None,
) -> list[Volume]:
    """EBS volumes in one region, optionally only those in one state.

    Args:
        session: credentials to read with.
        region: the region to read, e.g. ``"us-east-1"``.
        state: one of :data:`VOLUME_STATES`; ``None`` lists every state.
        page_size: volumes per request (5-1000); the service default when ``None``.
        ec2: a client to call with (the audit passes its shared, counted one); one is
            made from ``session`` when ``None``.

    Returns:
        The volumes, sorted by name then id. Empty when the region has none.

    Raises:
        BadInput: unknown state word. UnknownRegion: unknown region.
        ServiceError: AWS refused (e.g. ``ec2:DescribeVolumes`` not allowed).
    """
    region = check_region(session, region)
    filters = state_filter(state, VOLUME_STATES, "a volume", "status")
    return _VOLUMES.read(session, region, ec2=ec2, page_size=page_size, Filters=filters)


def volume_from(raw: Any, region: str) -> Volume:
    """The model of one raw DescribeVolumes item, read in ``region``.

    Args:
        raw: One DescribeVolumes item as boto3 returns it.
        region: The region it was read in.

    Returns:
        The volume's model.
    """
    tags = tags_of(raw)
    return Volume(
        id=raw["VolumeId"],
        region=region,
        name=tags.get("Name") or None,
        state=raw.get("State", ""),
        size_gib=int(raw.get("Size") or 0),
        type=raw.get("VolumeType", ""),
        iops=raw.get("Iops"),
        encrypted=bool(raw.get("Encrypted")),
        kms_key_id=raw.get("KmsKeyId") or None,
        attached_to=[a["InstanceId"] for a in raw.get("Attachments", []) if a.get("InstanceId")],
        availability_zone=raw.get("AvailabilityZone", ""),
        snapshot_id=raw.get("SnapshotId") or None,
        created=utc(raw.get("CreateTime")),
        tags=tags,
    )


_VOLUMES = Describe("ec2:DescribeVolumes", volume_from, order=by_name)
"""How a region's EBS volumes are read: the call, the parser, the order."""


def list_snapshots(
    session: boto3.Session,
    region: str,
    *,
    volume_id: str | None = None,
    page_size: int | None = _PAGE_SIZE,
    ec2: EC2Client | None = None,
    workers: int = _ATTRIBUTE_WORKERS,
    pool: Executor | None = None,
    on_unreadable: Callable[[str, ServiceError], None] | None = None,
) -> list[Snapshot]:
    """EBS snapshots the account owns in one region, with whether each is public.

    AWS lists the publicly restorable ones with ``RestorableByUserIds=["all"]``; only
    those get their ``createVolumePermission`` attribute read (one call each), which
    confirms it, so a stand-in that ignores the filter still gets the right answer.
    That listing comes first and each page's attribute reads start as soon as it
    arrives, while the full listing is still being read. When the attribute cannot be
    read, ``public`` is ``None`` (unknown) rather than a guess.

    Args:
        session: credentials to read with.
        region: the region to read.
        volume_id: only snapshots of this volume (``vol-...``); every one when ``None``.
        page_size: snapshots per request (5-1000); the service default when ``None``.
        ec2: a client to call with (the audit passes its shared, counted one); one is
            made from ``session`` when ``None``.
        workers: most attribute reads in flight at once on a pool of this call's own
            (1: one after another); unused when ``pool`` is given.
        pool: an executor to run the attribute reads on (the audit shares one between
            every per-item read); a pool of ``workers`` threads is made when ``None``.
        on_unreadable: called with the snapshot id and the error for each snapshot whose
            permissions could not be read (the audit records it as not audited).

    Returns:
        The snapshots, newest first. Empty when the region has none.

    Raises:
        BadInput: malformed volume id. UnknownRegion: unknown region.
        ServiceError: AWS refused (``ec2:DescribeSnapshots``).
    """
    region = check_region(session, region)
    filters = [{"Name": "volume-id", "Values": [_volume_id(volume_id)]}] if volume_id else []
    ec2 = ec2 or client(session, "ec2", region)

    def is_public(snapshot_id: str) -> bool | None:
        try:
            return _is_public(ec2, region, snapshot_id)
        except ServiceError as exc:
            if on_unreadable is not None:
                on_unreadable(snapshot_id, exc)
            return None

    own: ThreadPoolExecutor | None = None
    runner: Executor | None = pool
    pending: dict[str, Future[bool | None]] = {}
    later: list[str] = []  # read one after another, once both listings are in
    try:
        with aws_errors("ec2:DescribeSnapshots", region=region):
            for page in pages(
                ec2,
                "describe_snapshots",
                page_size=page_size,
                OwnerIds=["self"],
                RestorableByUserIds=["all"],
                Filters=filters,
            ):
                for item in page.get("Snapshots", []):
                    if runner is None and workers > 1:  # made only when a snapshot needs it
                        runner = own = ThreadPoolExecutor(
                            max_workers=workers, thread_name_prefix="ebs-snapshot"
                        )
                    if runner is None:
                        later.append(item["SnapshotId"])
                    else:
                        pending[item["SnapshotId"]] = runner.submit(is_public, item["SnapshotId"])
            raw = [
                s
                for page in pages(
                    ec2,
                    "describe_snapshots",
                    page_size=page_size,
                    OwnerIds=["self"],
                    Filters=filters,
                )
                for s in page.get("Snapshots", [])
            ]
        public = {sid: verdict.result() for sid, verdict in pending.items()}
        public.update((sid, is_public(sid)) for sid in later)
    finally:
        for verdict in pending.values():  # the listing failed: reads not started are dropped
            verdict.cancel()
        if own is not None:
            own.shutdown(wait=True)
    found = [snapshot_from(s, region, public=public.get(s["SnapshotId"], False)) for s in raw]
    return sorted(found, key=_newest_first)


def snapshot_from(raw: Any, region: str, *, public: bool | None = False) -> Snapshot:
    """The model of one raw DescribeSnapshots item, read in ``region``; ``public`` comes
    from its ``createVolumePermission`` attribute (not part of the item).

    Args:
        raw: One DescribeSnapshots item as boto3 returns it.
        region: The region it was read in.
        public: Whether any account may restore it; ``None`` when it could not be read.

    Returns:
        The snapshot's model.
    """
    return Snapshot(
        id=raw["SnapshotId"],
        region=region,
        volume_id=raw.get("VolumeId") or None,
        size_gib=int(raw.get("VolumeSize") or 0),
        state=raw.get("State", ""),
        encrypted=bool(raw.get("Encrypted")),
        kms_key_id=raw.get("KmsKeyId") or None,
        public=public,
        started=utc(raw.get("StartTime")),
        description=raw.get("Description", ""),
        tags=tags_of(raw),
    )


def _newest_first(snapshot: Snapshot) -> tuple[str, float, str]:
    started = snapshot.started.timestamp() if snapshot.started else 0.0
    return (snapshot.region, -started, snapshot.id)


def _is_public(ec2: Any, region: str, snapshot_id: str) -> bool:
    """Whether anyone may create a volume from the snapshot (one that vanished meanwhile
    is not).

    Raises:
        ServiceError: the attribute could not be read (``ec2:DescribeSnapshotAttribute``).
    """
    try:
        with aws_errors("ec2:DescribeSnapshotAttribute", resource=snapshot_id, region=region):
            attribute = ec2.describe_snapshot_attribute(
                SnapshotId=snapshot_id, Attribute="createVolumePermission"
            )
    except ServiceError as exc:
        if (exc.code or "").endswith(".NotFound"):
            return False  # deleted while we read
        raise
    return any(p.get("Group") == "all" for p in attribute.get("CreateVolumePermissions", []))


def ebs_encryption_by_default(
    session: boto3.Session, region: str, *, ec2: EC2Client | None = None
) -> bool:
    """Whether new EBS volumes in the region are encrypted even when nobody asks.

    Args:
        session: credentials to read with (``ec2:GetEbsEncryptionByDefault``).
        region: the region to read (the setting is per region).
        ec2: a client to call with (the audit passes its shared, counted one); one is
            made from ``session`` when ``None``.

    Returns:
        True when it is on.

    Raises:
        UnknownRegion: unknown region. ServiceError: AWS refused.
    """
    region = check_region(session, region)
    ec2 = ec2 or client(session, "ec2", region)
    with aws_errors("ec2:GetEbsEncryptionByDefault", region=region):
        return bool(ec2.get_ebs_encryption_by_default().get("EbsEncryptionByDefault"))


def _volume_id(value: str) -> str:
    return resource_id(value, "vol", "volume")


# --------------------------------------------------------------------------- operations

VolumeState = Literal["creating", "available", "in-use", "deleting", "deleted", "error"]


class ListVolumesArgs(Regions):
    """Arguments of ``ec2 volumes``."""

    state: Annotated[VolumeState | None, Lower] = None
    """Only volumes in this state (available means attached to nothing); null for every
    state."""


def _volumes(reader: Reader, args: ListVolumesArgs) -> list[Volume]:
    session = reader.session()
    return across_regions(
        regions_for(reader, args.region), lambda r: list_volumes(session, r, state=args.state)
    )


def _tag_text(tags: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(tags.items()))


def _volumes_table(reader: Reader, args: ListVolumesArgs, volumes: list[Volume]) -> Result:
    regions = regions_for(reader, args.region)
    which = f"{args.state} " if args.state else ""
    rows = [
        [
            v.id,
            v.name or "",
            v.size_gib,
            v.type,
            v.state,
            "yes" if v.encrypted else "no",
            v.kms_key_id or "",
            ", ".join(v.attached_to),
            v.availability_zone or v.region,
            when(v.created),
            _tag_text(v.tags),
        ]
        for v in volumes
    ]
    columns = ["Volume", "Name", "GiB", "Type", "State", "Encrypted", "KMS key", "Attached to"]
    columns += ["Zone", "Created", "Tags"]
    return listing(
        regions,
        volumes,
        what=which + "EBS volume",
        key="volumes",
        columns=columns,
        rows=rows,
        empty=f"No {which}volumes in {', '.join(regions)}.",
    )


VOLUMES = Read(
    name="ec2.list_volumes",
    args=ListVolumesArgs,
    summary="EBS volumes (every state unless --state).",
    service="ec2",
    commands=(Command("ec2 volumes [--state S]", "EBS volumes (every state unless --state)."),),
    guide="List EBS volumes with id, Name tag, size, type, IOPS, state, encryption and KMS "
    "key, the instances they are attached to, zone, source snapshot, creation time and tags. "
    'Use it for "which volumes are unattached" (state available), "are our disks '
    'encrypted" or "what is attached to this instance". At most 200 volumes are returned.',
    actions=("ec2:DescribeVolumes",),
    read=_volumes,
    render=_volumes_table,
)


class ListSnapshotsArgs(Regions):
    """Arguments of ``ec2 snapshots``."""

    volume_id: Annotated[
        str | None,
        Option("--volume"),
        AfterValidator(lambda v: None if v is None else _volume_id(v)),
    ] = None
    """Only snapshots of this volume (vol-...); null for every snapshot the account owns."""


def _snapshots(reader: Reader, args: ListSnapshotsArgs) -> list[Snapshot]:
    session = reader.session()
    return across_regions(
        regions_for(reader, args.region),
        lambda r: list_snapshots(session, r, volume_id=args.volume_id),
    )


def _public_text(public: bool | None) -> str:
    return "unknown" if public is None else ("**yes**" if public else "no")


def _snapshots_table(reader: Reader, args: ListSnapshotsArgs, snapshots: list[Snapshot]) -> Result:
    regions = regions_for(reader, args.region)
    of = f" of {args.volume_id}" if args.volume_id else ""
    rows = [
        [
            s.id,
            s.volume_id or "",
            s.size_gib,
            s.state,
            "yes" if s.encrypted else "no",
            _public_text(s.public),
            when(s.started),
            s.description,
            _tag_text(s.tags),
        ]
        for s in snapshots
    ]
    columns = ["Snapshot", "Volume", "GiB", "State", "Encrypted", "Public", "Started"]
    columns += ["Description", "Tags"]
    return Result(
        title=f"{plural(len(snapshots), 'EBS snapshot')}{of} in {where(regions)}",
        tables=[
            Table(
                columns=columns,
                rows=rows,
                empty=f"No snapshots{of} owned by this account in {', '.join(regions)}.",
            )
        ],
        data={"regions": regions, "snapshots": dump(snapshots)},
    )


SNAPSHOTS = Read(
    name="ec2.list_snapshots",
    args=ListSnapshotsArgs,
    summary="EBS snapshots this account owns, newest first.",
    service="ec2",
    commands=(
        Command(
            "ec2 snapshots [--volume VOL_ID]", "EBS snapshots this account owns, newest first."
        ),
    ),
    guide="List the EBS snapshots the account owns, newest first: id, source volume, size, "
    "state, encryption and KMS key, whether anyone may restore it (public), start time, "
    "description and tags. Use it for backups, unencrypted or public snapshots. At most "
    "200 snapshots are returned; name a volume_id to see one volume's snapshots.",
    actions=("ec2:DescribeSnapshots", "ec2:DescribeSnapshotAttribute"),
    read=_snapshots,
    render=_snapshots_table,
)


# --------------------------------------------------------------------------- encryption by default


class EncryptionByDefault(AwsModel):
    """Whether new EBS volumes of a region are encrypted whatever their creator asks."""

    region: str
    enabled: bool
    """True when every new volume and snapshot copy in the region is encrypted."""


def set_encryption_by_default(session: boto3.Session, region: str, enabled: bool) -> str:
    """Turn EBS encryption by default on or off in one region (the apply path's write).

    Args:
        session: The write role's session.
        region: The region.
        enabled: On, or off.

    Returns:
        One line that says which it is now.
    """
    from devops_agent.aws.writes import write_errors

    region = check_region(session, region)
    ec2 = client(session, "ec2", region)
    if enabled:
        with write_errors("ec2:EnableEbsEncryptionByDefault", region=region):
            ec2.enable_ebs_encryption_by_default()
    else:
        with write_errors("ec2:DisableEbsEncryptionByDefault", region=region):
            ec2.disable_ebs_encryption_by_default()
    return f"EBS encryption by default is {'on' if enabled else 'off'} in {region}"


class EncryptionDefaultArgs(Regions):
    """Arguments of ``ec2 ebs-encryption-default``."""


def _read_default(reader: Reader, args: EncryptionDefaultArgs) -> list[EncryptionByDefault]:
    session = reader.session()
    regions = regions_for(reader, args.region)
    return across_regions(
        regions,
        lambda r: [EncryptionByDefault(region=r, enabled=ebs_encryption_by_default(session, r))],
    )


def _default_table(
    reader: Reader, args: EncryptionDefaultArgs, found: list[EncryptionByDefault]
) -> Result:
    rows = [[d.region, "on" if d.enabled else "off"] for d in found]
    off = [d.region for d in found if not d.enabled]
    return Result(
        title=f"EBS encryption by default: off in {', '.join(off)}"
        if off
        else f"EBS encryption by default: on in {where([d.region for d in found])}",
        tables=[Table(columns=["Region", "Encryption by default"], rows=rows)],
        data={"regions": dump(found)},
    )


ENCRYPTION_DEFAULT = Read(
    name="ec2.get_ebs_encryption_default",
    args=EncryptionDefaultArgs,
    summary="Whether new EBS volumes are encrypted by default, per region.",
    service="ec2",
    commands=(
        Command(
            "ec2 ebs-encryption-default",
            "Whether new EBS volumes are encrypted by default, per region.",
        ),
    ),
    guide="Per region: whether every new EBS volume is encrypted whatever its creator asks "
    "(CIS 2.2.1 / EC2.7).",
    actions=("ec2:GetEbsEncryptionByDefault",),
    read=_read_default,
    render=_default_table,
)


class SetEncryptionDefaultArgs(InRegion):
    """Arguments of ``ec2 ebs-encryption-default on|off``."""

    state: Annotated[Switch, Positional()]
    """on: encrypt every new EBS volume of the region; off: leave it to each creator."""


def _plan_default(reader: Reader, args: SetEncryptionDefaultArgs) -> Proposal | Unchanged:
    region = one_region(reader, args.region, "`ec2 ebs-encryption-default`")
    enabled = ebs_encryption_by_default(reader.session(), region)
    wanted = args.state == "on"
    if enabled == wanted:
        return Unchanged(
            f"EBS encryption by default is already {args.state} in {region}",
            {"region": region, "enabled": wanted},
        )
    what = (
        "Encrypt every new EBS volume by default"
        if wanted
        else "Stop encrypting new EBS volumes by default (each creator decides again)"
    )
    entry = SET_ENCRYPTION_DEFAULT.entry(
        args.model_copy(update={"region": region}), f"{what} in {region}", [region]
    )
    return Proposal([entry], what=f"turn EBS encryption by default {args.state}", region=region)


def _run_default(writers: Writers, args: SetEncryptionDefaultArgs) -> str:
    assert args.region is not None  # the preview fixed it
    return set_encryption_by_default(writers.aws(), args.region, args.state == "on")


def _default_action(args: SetEncryptionDefaultArgs) -> str:
    verb = "Enable" if args.state == "on" else "Disable"
    return f"ec2:{verb}EbsEncryptionByDefault"


def _default_calls(args: SetEncryptionDefaultArgs) -> list[ApiCall]:
    action = _default_action(args)
    # an account setting: no resource-level permissions
    return [ec2_request(action.split(":", 1)[1], region=args.region, resources=("*",))]


def _verify_default(reader: Reader, args: SetEncryptionDefaultArgs) -> Verification:
    assert args.region is not None  # the preview fixed it
    enabled = ebs_encryption_by_default(reader.session(), args.region)
    read = f"EBS encryption by default is {'on' if enabled else 'off'} in {args.region}"
    return Verified(read) if enabled == (args.state == "on") else NotAsPlanned(read)


def _default_before(reader: Reader, args: SetEncryptionDefaultArgs) -> dict[str, bool]:
    assert args.region is not None  # the preview fixed it
    return {"enabled": ebs_encryption_by_default(reader.session(), args.region)}


def _undo_default(
    reader: Reader, before: object, args: SetEncryptionDefaultArgs
) -> list[PlanEntry]:
    if not isinstance(before, dict) or before.get("enabled") == (args.state == "on"):
        return []  # it was already so: nothing changed, nothing to undo
    state = "on" if before.get("enabled") else "off"
    back = args.model_copy(update={"state": state})
    return [
        SET_ENCRYPTION_DEFAULT.entry(
            back, f"Roll back: turn EBS encryption by default {state} in {args.region}", []
        )
    ]


SET_ENCRYPTION_DEFAULT = Write(
    name="ec2.set_ebs_encryption_default",
    args=SetEncryptionDefaultArgs,
    summary="Plan to turn EBS encryption by default on or off in a region.",
    service="ec2",
    commands=(
        Command(
            "ec2 ebs-encryption-default on|off",
            "Plan to turn EBS encryption by default on or off in a region.",
        ),
    ),
    guide="An account-wide setting per region; existing volumes stay as they are.",
    reads=("ec2:GetEbsEncryptionByDefault",),
    actions=("ec2:EnableEbsEncryptionByDefault", "ec2:DisableEbsEncryptionByDefault"),
    arns=("*",),  # an account setting: these actions take no resource-level permissions
    plan=_plan_default,
    run=_run_default,
    calls=_default_calls,
    verify=_verify_default,
    before=_default_before,
    undo=_undo_default,
    examples=tuple({"region": "us-east-1", "state": state} for state in ("on", "off")),
)

OPERATIONS = (VOLUMES, SNAPSHOTS, ENCRYPTION_DEFAULT, SET_ENCRYPTION_DEFAULT)
