"""Reading the inventory: every part the checks need, once, concurrently, with few calls.

Every part is read by the service packages' own readers (:mod:`devops_agent.aws.ec2`,
:mod:`~devops_agent.aws.vpc`, :mod:`~devops_agent.aws.s3`): the functions, parsers and
models ``ec2 list``, ``s3 describe`` and the agent use, so a command and the audit
cannot disagree about a resource. The IAM parts no service reads yet come from
:mod:`devops_agent.audit.iam_reading`. What is the audit's own lives here:

* the part → reader table (:data:`_REGIONAL`, :data:`_GLOBAL`), asking each listing
  for the largest page it allows (:data:`PAGE_SIZES`);
* running every part in every region at once (:func:`collect`): the listings on one
  pool, slowest first (:data:`_SLOWEST`), and every per-item read (a bucket's
  setting, a snapshot's permissions) on a second pool they all share
  (:data:`ITEM_WORKERS`), each read started as soon as its listing has answered, so a
  far region's reads overlap with everything else instead of queueing per part;
* recording what could not be read as :class:`~devops_agent.audit.models.NotAudited`
  with the IAM action that failed and AWS's own code and message, for a whole part
  in a region or for one resource of it (a bucket setting, a snapshot's
  permissions), so one service or region never sinks the audit and nothing unread
  passes as clean;
* counting calls: one shared client per (service, region), whose botocore
  ``before-call`` event counts every call made through it.

The readers keep calls few: one ListBuckets that reports every bucket's region (and,
where a stand-in leaves regions out, one filtered ListBuckets per audited region
rather than a GetBucketLocation per bucket), the IAM credential report and
GetAccountAuthorizationDetails instead of per-user calls, snapshot attributes only for
snapshots AWS lists as restorable by ``all``, the bucket policy status only for
buckets with a policy, and a bucket's own region for its calls (no redirects).
``bench/audit.py`` measures all of this against a plain 16-thread boto3 scanner.

Threads: boto3 clients are thread-safe; :func:`devops_agent.aws.client` serialises
only their creation. Only listing threads wait on item reads, and item reads wait on
nothing, so the shared item pool cannot deadlock.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence, Set
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from devops_agent.audit import iam_reading
from devops_agent.audit.inventory import (
    PARTS,
    AccountSummary,
    CredentialReportRow,
    Ec2Region,
    IamInventory,
    Inventory,
    PasswordPolicy,
    PublicAccessBlock,
    S3Inventory,
    VpcRegion,
    expand_parts,
)
from devops_agent.audit.models import NotAudited
from devops_agent.aws import client, ec2, iam, known_regions, s3, translate, vpc
from devops_agent.errors import ServiceError

if TYPE_CHECKING:
    import boto3

__all__ = ["ITEM_WORKERS", "PAGE_SIZES", "collect"]

T = TypeVar("T")
R = TypeVar("R")

#: Most per-item reads (a bucket setting, a snapshot's permissions) in flight at once.
ITEM_WORKERS = 64

#: The largest page each listing allows: fewer pages, fewer calls.
PAGE_SIZES: dict[str, int] = {
    "describe_instances": 1000,
    "describe_security_groups": 1000,
    "describe_volumes": 500,
    "describe_snapshots": 1000,
    "describe_images": 1000,
    "describe_network_interfaces": 1000,
    "describe_vpcs": 1000,
    "describe_subnets": 1000,
    "describe_flow_logs": 1000,
    "describe_network_acls": 1000,
    "describe_route_tables": 100,
    "describe_vpc_peering_connections": 1000,
    "describe_launch_template_versions": 200,
    "describe_vpc_endpoints": 1000,
    "describe_transit_gateways": 1000,
    "get_account_authorization_details": 1000,
}

#: The bucket settings each S3 part reads (the policy part also asks AWS's verdict on it).
_BUCKET_SETTINGS: dict[str, tuple[s3.BucketSetting, ...]] = {
    "s3.bucket_public_access_block": ("public_access_block",),
    "s3.bucket_policy": ("policy", "policy_status"),
    "s3.bucket_acl": ("acl",),
    "s3.bucket_encryption": ("encryption",),
    "s3.bucket_versioning": ("versioning",),
    "s3.bucket_logging": ("logging",),
    "s3.bucket_ownership": ("ownership",),
    "s3.bucket_lifecycle": ("lifecycle",),
}
_PART_OF_SETTING = {setting: part for part, ss in _BUCKET_SETTINGS.items() for setting in ss}


class _Reader:
    """Counted clients, a pool, and the gaps found while reading one account."""

    def __init__(
        self,
        session: boto3.Session,
        *,
        home_region: str,
        sequential: bool,
        max_workers: int,
    ) -> None:
        self.session = session
        self.home_region = home_region
        self.sequential = sequential
        self.max_workers = max_workers
        self.account = ""
        self.regions: list[str] = []
        self.buckets: Set[str] | None = None
        """Only these buckets' settings are read (``None``: every bucket's)."""
        self.calls: Counter[str] = Counter()
        self.gaps: list[NotAudited] = []
        self.items: ThreadPoolExecutor | None = None
        """The one pool every per-item read runs on (a bucket, a snapshot's permissions),
        beside the pool the listings run on; ``None`` when reading sequentially."""
        self.connections = max_workers
        """Connections each shared client keeps: as many as threads may call through it."""
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str, region: str | None = None) -> Any:
        """The one shared client for (service, region), counting its calls."""
        key = (service, region or self.home_region)
        with self._lock:
            found = self._clients.get(key)
            if found is not None:
                return found
        made = client(self.session, service, key[1], connections=self.connections)
        made.meta.events.register("before-call", self._count)
        with self._lock:
            return self._clients.setdefault(key, made)

    def _count(self, event_name: str, **_: Any) -> None:
        operation = event_name.removeprefix("before-call.")
        with self._lock:
            self.calls[operation] += 1

    @property
    def workers(self) -> int:
        """How many reads of one part may run at once (1 when reading sequentially)."""
        return 1 if self.sequential else self.max_workers

    def gap(self, part: str, region: str, error: Exception, resource: str | None = None) -> None:
        """Record that ``part`` (or one ``resource`` of it) is not audited, and why.

        A :class:`ServiceError` names the IAM action that failed and AWS's code and
        message; anything else is a bug in a reader, reported under the part's first
        action with the exception as the cause.
        """
        if isinstance(error, ServiceError):
            permission = error.action or PARTS[part].actions[0]
            code, reason = error.code or type(error).__name__, error.message
        else:
            permission, code = PARTS[part].actions[0], type(error).__name__
            reason = f"Reading {part} failed unexpectedly: {type(error).__name__}: {error}"
        entry = NotAudited(
            service=PARTS[part].service,
            region=region,
            part=part,
            permission=permission,
            code=code,
            reason=reason,
            resource=resource,
        )
        with self._lock:
            self.gaps.append(entry)

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``fn`` over ``items`` on the shared item pool (in this thread when sequential).

        ``fn`` must not wait on the item pool itself: item reads are leaves, so the pool
        never deadlocks.
        """
        if self.items is None or len(items) <= 1:
            return [fn(item) for item in items]
        return list(self.items.map(fn, items))


# --------------------------------------------------------------------------- regional parts


def _on_ec2(read: Callable[..., R], listing: str | None = None) -> Callable[[_Reader, str], R]:
    """A regional part read by a service reader, over the region's shared EC2 client and
    at the largest page ``listing`` allows."""

    def part(reader: _Reader, region: str) -> R:
        sized = {"page_size": PAGE_SIZES[listing]} if listing else {}
        return read(reader.session, region, ec2=reader.client("ec2", region), **sized)

    return part


def _ec2_snapshots(reader: _Reader, region: str) -> list[ec2.Snapshot]:
    """Snapshots, recording each one whose permissions could not be read."""

    def unreadable(snapshot_id: str, error: ServiceError) -> None:
        reader.gap("ec2.snapshots", region, error, resource=snapshot_id)

    return ec2.list_snapshots(
        reader.session,
        region,
        page_size=PAGE_SIZES["describe_snapshots"],
        ec2=reader.client("ec2", region),
        workers=reader.workers,
        pool=reader.items,
        on_unreadable=unreadable,
    )


#: The parts whose reads take longest, started first so none of them is left to run alone at
#: the end: the bucket settings (calls per bucket), then the largest EC2 listings.
_SLOWEST = (
    "s3.buckets",
    "ec2.instances",
    "ec2.network_interfaces",
    "ec2.volumes",
    "ec2.snapshots",
    "ec2.security_groups",
    "iam.authorization_details",
    "iam.credential_report",
)


def _longest_first(part: str) -> tuple[int, str]:
    return (_SLOWEST.index(part) if part in _SLOWEST else len(_SLOWEST), part)


_REGIONAL: dict[str, Callable[[_Reader, str], Any]] = {
    "ec2.instances": _on_ec2(ec2.list_instances, "describe_instances"),
    "ec2.security_groups": _on_ec2(ec2.list_security_groups, "describe_security_groups"),
    "ec2.volumes": _on_ec2(ec2.list_volumes, "describe_volumes"),
    "ec2.snapshots": _ec2_snapshots,
    "ec2.images": _on_ec2(ec2.list_images, "describe_images"),
    "ec2.ebs_encryption_by_default": _on_ec2(ec2.ebs_encryption_by_default),
    "ec2.addresses": _on_ec2(ec2.list_addresses),
    "ec2.network_interfaces": _on_ec2(ec2.list_network_interfaces, "describe_network_interfaces"),
    "vpc.vpcs": _on_ec2(vpc.list_vpcs, "describe_vpcs"),
    "vpc.subnets": _on_ec2(vpc.list_subnets, "describe_subnets"),
    "vpc.flow_logs": _on_ec2(vpc.list_flow_logs, "describe_flow_logs"),
    "vpc.network_acls": _on_ec2(vpc.list_network_acls, "describe_network_acls"),
    "vpc.route_tables": _on_ec2(vpc.list_route_tables, "describe_route_tables"),
    "vpc.peering_connections": _on_ec2(
        vpc.list_peering_connections, "describe_vpc_peering_connections"
    ),
    "ec2.key_pairs": _on_ec2(ec2.list_key_pairs),
    "ec2.launch_templates": _on_ec2(ec2.list_launch_templates, "describe_launch_template_versions"),
    "vpc.endpoints": _on_ec2(vpc.list_vpc_endpoints, "describe_vpc_endpoints"),
    "vpc.transit_gateways": _on_ec2(vpc.list_transit_gateways, "describe_transit_gateways"),
}
"""Regional parts: read in every region, each by its service's reader."""


# --------------------------------------------------------------------------- global parts

_NONE: Set[str] = frozenset()


def _s3_buckets(reader: _Reader, wanted: Set[str] = _NONE) -> list[s3.Bucket]:
    """Every bucket (one ListBuckets), then every wanted setting of every bucket.

    Each setting is a read of its own on the shared item pool (a bucket's policy status
    right after its policy), so a far region's buckets never wait on each other's calls.
    Only the buckets the reader is limited to are read when it is (a fix's re-check).
    """
    groups = [ss for part, ss in _BUCKET_SETTINGS.items() if part in wanted]
    listed = s3.list_buckets(
        reader.session,
        s3=reader.client("s3"),
        locate=False,
        regions=reader.regions,
        regional=lambda region: reader.client("s3", region),
    )
    if reader.buckets is not None:
        listed = [b for b in listed if b.name in reader.buckets]
    unlocated = [b for b in listed if b.region is None]
    located = reader.map(partial(_locate, reader), unlocated)
    where = {b.name: found for b, found in zip(unlocated, located, strict=True)}
    buckets = [where[b.name] if b.region is None else b for b in listed]
    jobs = [(b, group) for b in buckets if b is not None for group in groups]
    reads = reader.map(lambda job: _read_settings(reader, *job), jobs)
    found: dict[str, list[s3.Bucket | None]] = {}
    for (bucket, _), read in zip(jobs, reads, strict=True):
        found.setdefault(bucket.name, []).append(read)
    return [
        s3.merge_settings(b, [r for r in found.get(b.name, []) if r is not None])
        for b in buckets
        if b is not None and None not in found.get(b.name, [])
    ]


def _locate(reader: _Reader, bucket: s3.Bucket) -> s3.Bucket | None:
    """``bucket`` with its region asked of S3; ``None`` when it was deleted meanwhile, and
    as it was (region unknown, the refusal recorded) when S3 would not say."""
    try:
        return bucket.model_copy(
            update={"region": s3.locate_bucket(reader.client("s3"), bucket.name)}
        )
    except ServiceError as exc:
        if exc.code == "NoSuchBucket":
            return None
        reader.gap("s3.buckets", "global", exc, resource=bucket.name)
        return bucket


def _read_settings(
    reader: _Reader, bucket: s3.Bucket, settings: Sequence[s3.BucketSetting]
) -> s3.Bucket | None:
    """Some of one bucket's settings, in its own region; ``None`` when it was deleted
    meanwhile."""

    def unreadable(setting: s3.BucketSetting, error: ServiceError) -> None:
        reader.gap(_PART_OF_SETTING[setting], "global", error, resource=bucket.name)

    try:
        return s3.read_settings(
            reader.session,
            bucket,
            settings,
            s3=reader.client("s3", bucket.region),
            on_unreadable=unreadable,
        )
    except ServiceError as exc:
        if exc.code == "NoSuchBucket":
            return None
        raise


def _s3_account_public_access_block(reader: _Reader, wanted: Set[str] = _NONE) -> PublicAccessBlock:
    switches = s3.account_public_access_block(
        reader.session, reader.account, control=reader.client("s3control")
    )
    return PublicAccessBlock.of(switches)


def _iam_credential_report(reader: _Reader, wanted: Set[str] = _NONE) -> list[CredentialReportRow]:
    return iam_reading.credential_report(reader.client("iam"))


def _iam_authorization_details(reader: _Reader, wanted: Set[str] = _NONE) -> dict[str, Any]:
    return iam_reading.authorization_details(
        reader.client("iam"), page_size=PAGE_SIZES["get_account_authorization_details"]
    )


def _iam_account_summary(reader: _Reader, wanted: Set[str] = _NONE) -> AccountSummary:
    return iam_reading.account_summary(reader.client("iam"))


def _iam_password_policy(reader: _Reader, wanted: Set[str] = _NONE) -> PasswordPolicy:
    return iam_reading.password_policy(reader.client("iam"))


def _iam_virtual_mfa_devices(reader: _Reader, wanted: Set[str] = _NONE) -> list[Any]:
    return iam.list_virtual_mfa_devices(reader.client("iam"))


def _iam_server_certificates(reader: _Reader, wanted: Set[str] = _NONE) -> list[Any]:
    return iam.list_server_certificates(reader.client("iam"))


#: Global parts: read once per account; each gets the wanted part names.
_GLOBAL: dict[str, Callable[[_Reader, Set[str]], Any]] = {
    "s3.buckets": _s3_buckets,
    "s3.account_public_access_block": _s3_account_public_access_block,
    "iam.credential_report": _iam_credential_report,
    "iam.authorization_details": _iam_authorization_details,
    "iam.account_summary": _iam_account_summary,
    "iam.password_policy": _iam_password_policy,
    "iam.virtual_mfa_devices": _iam_virtual_mfa_devices,
    "iam.server_certificates": _iam_server_certificates,
}


# --------------------------------------------------------------------------- collect


def collect(
    session: boto3.Session,
    regions: Sequence[str],
    parts: Iterable[str],
    *,
    account_id: str | None = None,
    sequential: bool = False,
    max_workers: int = 16,
    item_workers: int = ITEM_WORKERS,
    buckets: Set[str] | None = None,
) -> Inventory:
    """Read the given inventory parts in every region, once, and return them.

    Args:
        session: the read-only session.
        regions: regions to read regional parts in (already validated).
        parts: part names (see :data:`PARTS`); the parts they are read through are added.
        account_id: the account; asked from STS (one call) when ``None``.
        sequential: read one region and one part after another (the benchmark's baseline).
        max_workers: most listings in flight at once.
        item_workers: most per-item reads (bucket settings, snapshot permissions) in
            flight at once, on a pool every part shares; on real AWS these wait mostly
            on the round trip to a far region, so they get more threads than listings.
        buckets: read only these buckets' settings (a fix's re-check); every bucket's
            when ``None``.

    Returns:
        The inventory. What could not be read is in ``gaps``, never silently empty.

    Raises:
        ServiceError: the account id was needed and STS refused (the credentials do not work).
    """
    started = time.monotonic()
    collected_at = datetime.now(UTC)
    region_list = list(dict.fromkeys(regions))
    home = region_list[0] if region_list else (session.region_name or "us-east-1")
    reader = _Reader(
        session, home_region=home, sequential=sequential, max_workers=max(1, max_workers)
    )
    if account_id is None:
        try:
            account_id = str(reader.client("sts").get_caller_identity()["Account"])
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "sts:GetCallerIdentity", region=home) from exc
    reader.account = account_id
    reader.buckets = buckets
    known_regions(session)  # the readers check region names: load botocore's list before threads
    try:
        partition = session.get_partition_for_region(home)
    except Exception:  # an unknown region keeps the commercial partition
        partition = "aws"

    reader.regions = region_list
    wanted = expand_parts(parts)
    tasks: list[tuple[str, str, Callable[[], Any]]] = []
    for name in sorted(wanted, key=_longest_first):
        if PARTS[name].scope == "region":
            tasks += [
                (name, region, partial(_REGIONAL[name], reader, region)) for region in region_list
            ]
        elif name in _GLOBAL:
            tasks.append((name, "global", partial(_GLOBAL[name], reader, wanted)))

    def run(task: tuple[str, str, Callable[[], Any]]) -> tuple[str, str, Any, bool]:
        name, region, fn = task
        try:
            return name, region, fn(), True
        except Exception as exc:  # one refused part or broken reader must not sink the audit
            reader.gap(name, region, exc)
        return name, region, None, False

    if sequential:
        results = [run(t) for t in tasks]
    else:
        workers = max(1, max_workers)
        with (
            ThreadPoolExecutor(
                max_workers=max(1, item_workers), thread_name_prefix="audit-item"
            ) as items,
            ThreadPoolExecutor(
                max_workers=min(workers, len(tasks) or 1), thread_name_prefix="audit"
            ) as pool,
        ):
            reader.items = items
            reader.connections = workers + max(1, item_workers)
            results = list(pool.map(run, tasks))

    services = {PARTS[n].service for n in wanted}
    ec2_parts: dict[str, dict[str, Any]] = {
        r: {"region": r} for r in region_list if "ec2" in services
    }
    vpc_parts: dict[str, dict[str, Any]] = {
        r: {"region": r} for r in region_list if "vpc" in services
    }
    s3_parts: dict[str, Any] = {}
    iam_parts: dict[str, Any] = {}
    for name, region, value, ok in results:
        if not ok:
            continue
        service, field = name.split(".", 1)
        if service == "ec2":
            ec2_parts[region][field] = value
        elif service == "vpc":
            vpc_parts[region][field] = value
        elif name == "iam.authorization_details":
            iam_parts.update(value)
        elif service == "iam":
            iam_parts[field] = value
        else:
            s3_parts[field] = value
    calls = dict(sorted(reader.calls.items()))
    return Inventory(
        account=account_id,
        partition=partition,
        regions=region_list,
        collected_at=collected_at,
        ec2={r: Ec2Region(**v) for r, v in ec2_parts.items()},
        vpc={r: VpcRegion(**v) for r, v in vpc_parts.items()},
        s3=S3Inventory(**s3_parts),
        iam=IamInventory(**iam_parts),
        gaps=sorted(reader.gaps, key=lambda g: (g.service, g.region, g.part, g.resource or "")),
        api_calls=sum(calls.values()),
        api_calls_by_operation=calls,
        duration_seconds=round(time.monotonic() - started, 3),
    )
