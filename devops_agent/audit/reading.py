"""Reading the inventory: every part the checks need, once, concurrently, with few calls.

:func:`collect` reads every inventory part (see
:data:`~devops_agent.audit.inventory.PARTS`) for every region, all parts and
regions at once on a thread pool, and returns one immutable
:class:`~devops_agent.audit.inventory.Inventory`. A refused or failed read
becomes a gap (:class:`~devops_agent.audit.models.NotAudited`, naming the IAM
action) instead of an exception, so one service or region never sinks the audit.

API calls are kept few: the largest page sizes, one ListBuckets, the IAM
credential report and GetAccountAuthorizationDetails instead of per-user calls,
snapshot attributes only for snapshots AWS lists as restorable by ``all``, the
bucket policy status only for buckets with a policy, and a bucket's own region
for its calls (no redirects). Every call made through the reader's clients is
counted (botocore's ``before-call`` event).

Threads: boto3 clients are thread-safe; :func:`devops_agent.aws.client` serialises
only their creation. One client per (service, region) is shared by all workers.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote, urlparse

from botocore.exceptions import BotoCoreError, ClientError

from devops_agent.audit.inventory import (
    PARTS,
    AccessKeyCredential,
    AccountSummary,
    Address,
    AttachedPolicy,
    Bucket,
    BucketAcl,
    BucketPolicy,
    CredentialReportRow,
    Ec2Region,
    FlowLog,
    Grant,
    IamGroup,
    IamInventory,
    IamRole,
    IamUser,
    Image,
    InlinePolicy,
    Instance,
    Inventory,
    ManagedPolicy,
    NaclEntry,
    NetworkAcl,
    NetworkInterface,
    PasswordPolicy,
    PeeringConnection,
    PublicAccessBlock,
    Route,
    RouteTable,
    S3Inventory,
    SecurityGroup,
    SecurityGroupRule,
    Snapshot,
    Subnet,
    Volume,
    Vpc,
    VpcRegion,
    expand_parts,
)
from devops_agent.audit.models import NotAudited
from devops_agent.aws import client, pages, tags_of, translate, utc
from devops_agent.errors import ServiceError

if TYPE_CHECKING:
    import boto3

__all__ = ["CREDENTIAL_REPORT_WAIT", "PAGE_SIZES", "collect"]

T = TypeVar("T")
R = TypeVar("R")

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
    "get_account_authorization_details": 1000,
}

#: How long to wait for IAM to generate the credential report before giving up on it.
CREDENTIAL_REPORT_WAIT = 30.0


# --------------------------------------------------------------------------- reading


class _Unreadable(Exception):
    """A part (or one resource of it) could not be read."""

    def __init__(self, action: str, code: str, reason: str) -> None:
        super().__init__(reason)
        self.action = action
        self.code = code
        self.reason = reason


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
        self.calls: Counter[str] = Counter()
        self.gaps: list[NotAudited] = []
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str, region: str | None = None) -> Any:
        """The one shared client for (service, region), counting its calls."""
        key = (service, region or self.home_region)
        with self._lock:
            found = self._clients.get(key)
            if found is not None:
                return found
        made = client(self.session, service, key[1])
        made.meta.events.register("before-call", self._count)
        with self._lock:
            return self._clients.setdefault(key, made)

    def _count(self, event_name: str, **_: Any) -> None:
        operation = event_name.removeprefix("before-call.")
        with self._lock:
            self.calls[operation] += 1

    @contextmanager
    def reading(self, action: str, region: str | None = None) -> Iterator[None]:
        """Turn botocore failures inside the block into :class:`_Unreadable`."""
        try:
            yield
        except (ClientError, BotoCoreError) as exc:
            error = translate(exc, action, region=region)
            code = getattr(error, "code", "") or type(exc).__name__
            raise _Unreadable(action, code, getattr(error, "message", str(error))) from exc

    def gap(self, part: str, region: str, error: _Unreadable, resource: str | None = None) -> None:
        """Record that ``part`` (or one resource of it) is not audited."""
        entry = NotAudited(
            service=PARTS[part].service,
            region=region,
            part=part,
            permission=error.action,
            code=error.code,
            reason=error.reason,
            resource=resource,
        )
        with self._lock:
            self.gaps.append(entry)

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``fn`` over ``items``, on a pool of its own unless sequential."""
        if self.sequential or len(items) <= 1:
            return [fn(item) for item in items]
        workers = min(self.max_workers, len(items))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="audit-item") as pool:
            return list(pool.map(fn, items))


def _code(exc: BaseException) -> str:
    cause = exc.__cause__ if isinstance(exc, _Unreadable) else exc
    if isinstance(cause, ClientError):
        return str(cause.response.get("Error", {}).get("Code", ""))
    return ""


def _get(
    reader: _Reader,
    action: str,
    call: Callable[[], dict[str, Any]],
    *,
    absent: frozenset[str] = frozenset(),
    region: str | None = None,
) -> dict[str, Any] | None:
    """One call; ``None`` when AWS answers with one of the ``absent`` codes ("none set")."""
    try:
        with reader.reading(action, region):
            return call()
    except _Unreadable as exc:
        if _code(exc) in absent:
            return None
        raise


def _date(value: Any) -> datetime | None:
    """A botocore datetime, an ISO string, or a credential-report placeholder, as UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return utc(value)
    text = str(value).strip()
    if not text or text in {"N/A", "not_supported", "no_information"}:
        return None
    try:
        return utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


def _document(value: Any) -> dict[str, Any] | None:
    """A policy document: botocore decodes IAM's into dicts; S3 returns JSON text."""
    if value is None or isinstance(value, dict):
        return value
    text = str(value)
    for candidate in (text, unquote(text)):
        try:
            decoded = json.loads(candidate)
        except ValueError:
            continue
        return decoded if isinstance(decoded, dict) else None
    return None


_PROTOCOLS = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}


def _protocol(value: Any) -> str:
    text = str(value if value is not None else "-1").lower()
    return _PROTOCOLS.get(text, text)


# --------------------------------------------------------------------------- EC2 readers

_STOPPED_AT = re.compile(r"\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (?:GMT|UTC)\)")


def _instance(raw: dict[str, Any]) -> Instance:
    tags = tags_of(raw)
    metadata = raw.get("MetadataOptions") or {}
    tokens = metadata.get("HttpTokens")
    stopped = _STOPPED_AT.search(raw.get("StateTransitionReason") or "")
    return Instance(
        id=raw["InstanceId"],
        name=tags.get("Name") or None,
        state=(raw.get("State") or {}).get("Name", "unknown"),
        type=raw.get("InstanceType", ""),
        vpc_id=raw.get("VpcId") or None,
        subnet_id=raw.get("SubnetId") or None,
        public_ip=raw.get("PublicIpAddress") or None,
        launch_time=_date(raw.get("LaunchTime")),
        state_changed=(
            datetime.strptime(stopped.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
            if stopped
            else None
        ),
        imds_v2_required=None if tokens is None else tokens == "required",
        metadata_endpoint_enabled=metadata.get("HttpEndpoint", "enabled") != "disabled",
        iam_instance_profile_arn=(raw.get("IamInstanceProfile") or {}).get("Arn"),
        security_group_ids=[g["GroupId"] for g in raw.get("SecurityGroups", []) if "GroupId" in g],
        tags=tags,
    )


def _sg_rule(permission: dict[str, Any]) -> SecurityGroupRule:
    protocol = _protocol(permission.get("IpProtocol"))
    from_port = permission.get("FromPort")
    to_port = permission.get("ToPort")
    if protocol == "all" or (from_port in (None, -1) and protocol in ("tcp", "udp")):
        from_port = to_port = None
    return SecurityGroupRule(
        protocol=protocol,
        from_port=from_port,
        to_port=to_port,
        ipv4=[r["CidrIp"] for r in permission.get("IpRanges", []) if "CidrIp" in r],
        ipv6=[r["CidrIpv6"] for r in permission.get("Ipv6Ranges", []) if "CidrIpv6" in r],
        groups=[p["GroupId"] for p in permission.get("UserIdGroupPairs", []) if "GroupId" in p],
        prefix_lists=[
            p["PrefixListId"] for p in permission.get("PrefixListIds", []) if "PrefixListId" in p
        ],
    )


def _listing(
    reader: _Reader, service: str, region: str, operation: str, key: str, action: str, **params: Any
) -> list[dict[str, Any]]:
    """Every item of a paginated listing, at the largest page size it allows."""
    aws = reader.client(service, region)
    with reader.reading(action, region):
        return [
            item
            for page in pages(aws, operation, page_size=PAGE_SIZES.get(operation), **params)
            for item in page.get(key, [])
        ]


def _ec2_instances(reader: _Reader, region: str) -> list[Instance]:
    aws = reader.client("ec2", region)
    with reader.reading("ec2:DescribeInstances", region):
        raw = [
            instance
            for page in pages(aws, "describe_instances", page_size=PAGE_SIZES["describe_instances"])
            for reservation in page.get("Reservations", [])
            for instance in reservation.get("Instances", [])
        ]
    return [_instance(i) for i in raw]


def _ec2_security_groups(reader: _Reader, region: str) -> list[SecurityGroup]:
    raw = _listing(
        reader,
        "ec2",
        region,
        "describe_security_groups",
        "SecurityGroups",
        "ec2:DescribeSecurityGroups",
    )
    return [
        SecurityGroup(
            id=g["GroupId"],
            name=g.get("GroupName", ""),
            vpc_id=g.get("VpcId") or None,
            description=g.get("Description", ""),
            ingress=[_sg_rule(p) for p in g.get("IpPermissions", [])],
            egress=[_sg_rule(p) for p in g.get("IpPermissionsEgress", [])],
            tags=tags_of(g),
        )
        for g in raw
    ]


def _ec2_volumes(reader: _Reader, region: str) -> list[Volume]:
    raw = _listing(reader, "ec2", region, "describe_volumes", "Volumes", "ec2:DescribeVolumes")
    return [
        Volume(
            id=v["VolumeId"],
            state=v.get("State", ""),
            encrypted=bool(v.get("Encrypted")),
            size_gib=int(v.get("Size") or 0),
            type=v.get("VolumeType", ""),
            availability_zone=v.get("AvailabilityZone", ""),
            attached_to=[a["InstanceId"] for a in v.get("Attachments", []) if a.get("InstanceId")],
            created=_date(v.get("CreateTime")),
            tags=tags_of(v),
        )
        for v in raw
    ]


def _ec2_snapshots(reader: _Reader, region: str) -> list[Snapshot]:
    raw = _listing(
        reader,
        "ec2",
        region,
        "describe_snapshots",
        "Snapshots",
        "ec2:DescribeSnapshots",
        OwnerIds=["self"],
    )
    # AWS lists only public snapshots here; each is confirmed from its attribute,
    # so a stand-in that ignores the filter still gets the right answer.
    candidates = _listing(
        reader,
        "ec2",
        region,
        "describe_snapshots",
        "Snapshots",
        "ec2:DescribeSnapshots",
        OwnerIds=["self"],
        RestorableByUserIds=["all"],
    )
    aws = reader.client("ec2", region)

    def is_public(snapshot_id: str) -> bool | None:
        try:
            with reader.reading("ec2:DescribeSnapshotAttribute", region):
                attribute = aws.describe_snapshot_attribute(
                    SnapshotId=snapshot_id, Attribute="createVolumePermission"
                )
        except _Unreadable as exc:
            if _code(exc).endswith(".NotFound"):
                return False  # deleted while we read
            reader.gap("ec2.snapshots", region, exc, resource=snapshot_id)
            return None
        return any(p.get("Group") == "all" for p in attribute.get("CreateVolumePermissions", []))

    ids = [s["SnapshotId"] for s in candidates]
    public = dict(zip(ids, reader.map(is_public, ids), strict=True))
    return [
        Snapshot(
            id=s["SnapshotId"],
            volume_id=s.get("VolumeId") or None,
            encrypted=bool(s.get("Encrypted")),
            public=public.get(s["SnapshotId"], False),
            started=_date(s.get("StartTime")),
            size_gib=int(s.get("VolumeSize") or 0),
            description=s.get("Description", ""),
            tags=tags_of(s),
        )
        for s in raw
    ]


def _ec2_images(reader: _Reader, region: str) -> list[Image]:
    raw = _listing(
        reader, "ec2", region, "describe_images", "Images", "ec2:DescribeImages", Owners=["self"]
    )
    return [
        Image(
            id=i["ImageId"],
            name=i.get("Name", ""),
            public=bool(i.get("Public")),
            state=i.get("State", ""),
            created=_date(i.get("CreationDate")),
        )
        for i in raw
    ]


def _ec2_ebs_encryption_by_default(reader: _Reader, region: str) -> bool:
    aws = reader.client("ec2", region)
    with reader.reading("ec2:GetEbsEncryptionByDefault", region):
        return bool(aws.get_ebs_encryption_by_default().get("EbsEncryptionByDefault"))


def _ec2_addresses(reader: _Reader, region: str) -> list[Address]:
    aws = reader.client("ec2", region)
    with reader.reading("ec2:DescribeAddresses", region):
        raw = aws.describe_addresses().get("Addresses", [])
    return [
        Address(
            public_ip=a.get("PublicIp", ""),
            allocation_id=a.get("AllocationId") or None,
            association_id=a.get("AssociationId") or None,
            instance_id=a.get("InstanceId") or None,
            network_interface_id=a.get("NetworkInterfaceId") or None,
        )
        for a in raw
    ]


def _ec2_network_interfaces(reader: _Reader, region: str) -> list[NetworkInterface]:
    raw = _listing(
        reader,
        "ec2",
        region,
        "describe_network_interfaces",
        "NetworkInterfaces",
        "ec2:DescribeNetworkInterfaces",
    )
    return [
        NetworkInterface(
            id=n["NetworkInterfaceId"],
            vpc_id=n.get("VpcId") or None,
            subnet_id=n.get("SubnetId") or None,
            status=n.get("Status", ""),
            interface_type=n.get("InterfaceType", ""),
            group_ids=[g["GroupId"] for g in n.get("Groups", []) if "GroupId" in g],
            instance_id=(n.get("Attachment") or {}).get("InstanceId") or None,
            description=n.get("Description", ""),
        )
        for n in raw
    ]


# --------------------------------------------------------------------------- VPC readers


def _cidrs(raw: dict[str, Any]) -> list[str]:
    v4 = [
        a["CidrBlock"]
        for a in raw.get("CidrBlockAssociationSet", [])
        if a.get("CidrBlock")
        and (a.get("CidrBlockState") or {}).get("State", "associated")
        in ("associated", "associating")
    ]
    if not v4 and raw.get("CidrBlock"):
        v4 = [raw["CidrBlock"]]
    v6 = [
        a["Ipv6CidrBlock"]
        for a in raw.get("Ipv6CidrBlockAssociationSet", [])
        if a.get("Ipv6CidrBlock")
    ]
    return v4 + v6


def _vpc_vpcs(reader: _Reader, region: str) -> list[Vpc]:
    raw = _listing(reader, "ec2", region, "describe_vpcs", "Vpcs", "ec2:DescribeVpcs")
    return [
        Vpc(
            id=v["VpcId"],
            name=tags_of(v).get("Name") or None,
            cidrs=_cidrs(v),
            is_default=bool(v.get("IsDefault")),
            state=v.get("State", ""),
            tags=tags_of(v),
        )
        for v in raw
    ]


def _vpc_subnets(reader: _Reader, region: str) -> list[Subnet]:
    raw = _listing(reader, "ec2", region, "describe_subnets", "Subnets", "ec2:DescribeSubnets")
    return [
        Subnet(
            id=s["SubnetId"],
            vpc_id=s.get("VpcId", ""),
            name=tags_of(s).get("Name") or None,
            cidr=s.get("CidrBlock", ""),
            availability_zone=s.get("AvailabilityZone", ""),
            map_public_ip_on_launch=bool(s.get("MapPublicIpOnLaunch")),
            default_for_az=bool(s.get("DefaultForAz")),
        )
        for s in raw
    ]


def _vpc_flow_logs(reader: _Reader, region: str) -> list[FlowLog]:
    raw = _listing(reader, "ec2", region, "describe_flow_logs", "FlowLogs", "ec2:DescribeFlowLogs")
    return [
        FlowLog(
            id=f.get("FlowLogId", ""),
            resource_id=f.get("ResourceId", ""),
            status=f.get("FlowLogStatus", ""),
            traffic_type=f.get("TrafficType", ""),
            destination_type=f.get("LogDestinationType", ""),
        )
        for f in raw
    ]


def _vpc_network_acls(reader: _Reader, region: str) -> list[NetworkAcl]:
    raw = _listing(
        reader, "ec2", region, "describe_network_acls", "NetworkAcls", "ec2:DescribeNetworkAcls"
    )
    return [
        NetworkAcl(
            id=a["NetworkAclId"],
            vpc_id=a.get("VpcId", ""),
            is_default=bool(a.get("IsDefault")),
            entries=[
                NaclEntry(
                    rule_number=int(e.get("RuleNumber", 0)),
                    egress=bool(e.get("Egress")),
                    protocol=_protocol(e.get("Protocol")),
                    action=str(e.get("RuleAction", "")).lower(),
                    cidr=e.get("CidrBlock") or e.get("Ipv6CidrBlock") or "",
                    from_port=(e.get("PortRange") or {}).get("From"),
                    to_port=(e.get("PortRange") or {}).get("To"),
                )
                for e in a.get("Entries", [])
            ],
            subnet_ids=[s["SubnetId"] for s in a.get("Associations", []) if s.get("SubnetId")],
        )
        for a in raw
    ]


_ROUTE_TARGETS = (
    "GatewayId",
    "NatGatewayId",
    "TransitGatewayId",
    "VpcPeeringConnectionId",
    "NetworkInterfaceId",
    "InstanceId",
    "EgressOnlyInternetGatewayId",
    "CarrierGatewayId",
    "LocalGatewayId",
    "VpcEndpointId",
    "CoreNetworkArn",
)


def _vpc_route_tables(reader: _Reader, region: str) -> list[RouteTable]:
    raw = _listing(
        reader, "ec2", region, "describe_route_tables", "RouteTables", "ec2:DescribeRouteTables"
    )
    return [
        RouteTable(
            id=t["RouteTableId"],
            vpc_id=t.get("VpcId", ""),
            main=any(a.get("Main") for a in t.get("Associations", [])),
            routes=[
                Route(
                    destination=r.get("DestinationCidrBlock")
                    or r.get("DestinationIpv6CidrBlock")
                    or r.get("DestinationPrefixListId")
                    or "",
                    target=next((str(r[k]) for k in _ROUTE_TARGETS if r.get(k)), ""),
                    state=r.get("State", "active"),
                )
                for r in t.get("Routes", [])
            ],
            subnet_ids=[a["SubnetId"] for a in t.get("Associations", []) if a.get("SubnetId")],
        )
        for t in raw
    ]


def _vpc_peering_connections(reader: _Reader, region: str) -> list[PeeringConnection]:
    raw = _listing(
        reader,
        "ec2",
        region,
        "describe_vpc_peering_connections",
        "VpcPeeringConnections",
        "ec2:DescribeVpcPeeringConnections",
    )
    return [
        PeeringConnection(
            id=p["VpcPeeringConnectionId"],
            status=(p.get("Status") or {}).get("Code", ""),
            requester_vpc_id=(p.get("RequesterVpcInfo") or {}).get("VpcId", ""),
            requester_cidrs=_cidrs(p.get("RequesterVpcInfo") or {}),
            accepter_vpc_id=(p.get("AccepterVpcInfo") or {}).get("VpcId", ""),
            accepter_cidrs=_cidrs(p.get("AccepterVpcInfo") or {}),
        )
        for p in raw
    ]


# --------------------------------------------------------------------------- S3 readers

_BUCKET_GONE = frozenset({"NoSuchBucket"})


def _pab(config: dict[str, Any] | None) -> PublicAccessBlock:
    if config is None:
        return PublicAccessBlock(configured=False)
    return PublicAccessBlock(
        configured=True,
        block_public_acls=bool(config.get("BlockPublicAcls")),
        ignore_public_acls=bool(config.get("IgnorePublicAcls")),
        block_public_policy=bool(config.get("BlockPublicPolicy")),
        restrict_public_buckets=bool(config.get("RestrictPublicBuckets")),
    )


class _BucketGone(Exception):
    """The bucket was deleted between the listing and reading its settings."""


def _bucket_setting(
    reader: _Reader, part: str, bucket: str, fn: Callable[[], Any], updates: dict[str, Any]
) -> None:
    """Read one setting into ``updates``; a refusal becomes a gap for this bucket only."""
    try:
        updates.update(fn())
    except _Unreadable as exc:
        if _code(exc) in _BUCKET_GONE:
            raise _BucketGone(bucket) from exc
        reader.gap(part, "global", exc, resource=bucket)


def _read_bucket(reader: _Reader, raw: dict[str, Any], wanted: set[str]) -> Bucket | None:
    name = raw["Name"]
    region = raw.get("BucketRegion") or None
    if region is None:
        home = reader.client("s3")
        try:
            located = _get(
                reader,
                "s3:GetBucketLocation",
                lambda: home.get_bucket_location(Bucket=name),
            )
        except _Unreadable as exc:
            if _code(exc) in _BUCKET_GONE:
                return None
            reader.gap("s3.buckets", "global", exc, resource=name)
            located = None
        else:
            constraint = (located or {}).get("LocationConstraint")
            region = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(
                constraint, constraint
            )
    s3 = reader.client("s3", region)
    updates: dict[str, Any] = {}

    def public_access_block() -> dict[str, Any]:
        answer = _get(
            reader,
            "s3:GetBucketPublicAccessBlock",
            lambda: s3.get_public_access_block(Bucket=name),
            absent=frozenset({"NoSuchPublicAccessBlockConfiguration"}),
        )
        config = None if answer is None else answer.get("PublicAccessBlockConfiguration", {})
        return {"public_access_block": _pab(config)}

    def policy() -> dict[str, Any]:
        answer = _get(
            reader,
            "s3:GetBucketPolicy",
            lambda: s3.get_bucket_policy(Bucket=name),
            absent=frozenset({"NoSuchBucketPolicy"}),
        )
        document = None if answer is None else _document(answer.get("Policy"))
        is_public: bool | None = None
        if document is not None:
            # Only buckets with a policy need AWS's verdict on it.
            try:
                status = _get(
                    reader,
                    "s3:GetBucketPolicyStatus",
                    lambda: s3.get_bucket_policy_status(Bucket=name),
                )
                is_public = bool(((status or {}).get("PolicyStatus") or {}).get("IsPublic"))
            except _Unreadable:
                is_public = None  # our own reading of the document still applies
        return {"policy": BucketPolicy(document=document, is_public=is_public)}

    def acl() -> dict[str, Any]:
        answer = _get(reader, "s3:GetBucketAcl", lambda: s3.get_bucket_acl(Bucket=name)) or {}
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

    def encryption() -> dict[str, Any]:
        answer = _get(
            reader,
            "s3:GetEncryptionConfiguration",
            lambda: s3.get_bucket_encryption(Bucket=name),
            absent=frozenset({"ServerSideEncryptionConfigurationNotFoundError"}),
        )
        rules = ((answer or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules", [])
        algorithms = [
            str((r.get("ApplyServerSideEncryptionByDefault") or {}).get("SSEAlgorithm"))
            for r in rules
            if (r.get("ApplyServerSideEncryptionByDefault") or {}).get("SSEAlgorithm")
        ]
        return {"encryption": algorithms}

    def versioning() -> dict[str, Any]:
        answer = (
            _get(reader, "s3:GetBucketVersioning", lambda: s3.get_bucket_versioning(Bucket=name))
            or {}
        )
        return {
            "versioning": answer.get("Status", ""),
            "mfa_delete": answer.get("MFADelete") == "Enabled",
        }

    def logging() -> dict[str, Any]:
        answer = (
            _get(reader, "s3:GetBucketLogging", lambda: s3.get_bucket_logging(Bucket=name)) or {}
        )
        return {"logging_target": (answer.get("LoggingEnabled") or {}).get("TargetBucket", "")}

    def ownership() -> dict[str, Any]:
        answer = _get(
            reader,
            "s3:GetBucketOwnershipControls",
            lambda: s3.get_bucket_ownership_controls(Bucket=name),
            absent=frozenset({"OwnershipControlsNotFoundError"}),
        )
        rules = ((answer or {}).get("OwnershipControls") or {}).get("Rules", [])
        return {"object_ownership": rules[0].get("ObjectOwnership", "") if rules else ""}

    def lifecycle() -> dict[str, Any]:
        answer = _get(
            reader,
            "s3:GetLifecycleConfiguration",
            lambda: s3.get_bucket_lifecycle_configuration(Bucket=name),
            absent=frozenset({"NoSuchLifecycleConfiguration"}),
        )
        return {"lifecycle_rules": len((answer or {}).get("Rules", []))}

    readers: dict[str, Callable[[], dict[str, Any]]] = {
        "s3.bucket_public_access_block": public_access_block,
        "s3.bucket_policy": policy,
        "s3.bucket_acl": acl,
        "s3.bucket_encryption": encryption,
        "s3.bucket_versioning": versioning,
        "s3.bucket_logging": logging,
        "s3.bucket_ownership": ownership,
        "s3.bucket_lifecycle": lifecycle,
    }
    try:
        for part, read in readers.items():
            if part in wanted:
                _bucket_setting(reader, part, name, read, updates)
    except _BucketGone:
        return None
    return Bucket(name=name, region=region, created=_date(raw.get("CreationDate")), **updates)


def _s3_buckets(reader: _Reader, wanted: set[str]) -> list[Bucket]:
    s3 = reader.client("s3")
    with reader.reading("s3:ListAllMyBuckets"):
        raw = [b for page in pages(s3, "list_buckets") for b in page.get("Buckets", [])]
    read = reader.map(lambda b: _read_bucket(reader, b, wanted), raw)
    return [b for b in read if b is not None]


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


def _s3_account_public_access_block(reader: _Reader) -> PublicAccessBlock:
    action = "s3:GetAccountPublicAccessBlock"
    control = reader.client("s3control")
    host = urlparse(control.meta.endpoint_url).hostname
    if _unreachable_account_endpoint(control.meta.endpoint_url):
        raise _Unreadable(
            action,
            "EndpointUnreachable",
            f"S3 Control's account endpoint ({reader.account}.{host}) "
            "cannot be reached through the configured endpoint (an IP address or localhost, as "
            "with local stand-ins), so the account-level Block Public Access setting was not read.",
        )
    answer = _get(
        reader,
        action,
        lambda: control.get_public_access_block(AccountId=reader.account),
        absent=frozenset({"NoSuchPublicAccessBlockConfiguration"}),
    )
    config = None if answer is None else answer.get("PublicAccessBlockConfiguration", {})
    return _pab(config)


# --------------------------------------------------------------------------- IAM readers

_REPORT_NOT_READY = frozenset({"ReportInProgress", "ReportNotPresent", "ReportExpired"})


def _iam_credential_report(reader: _Reader) -> list[CredentialReportRow]:
    iam = reader.client("iam")
    with reader.reading("iam:GenerateCredentialReport"):
        iam.generate_credential_report()
    deadline = time.monotonic() + CREDENTIAL_REPORT_WAIT
    delay = 0.5
    while True:
        try:
            with reader.reading("iam:GetCredentialReport"):
                content = iam.get_credential_report()["Content"]
            break
        except _Unreadable as exc:
            if _code(exc) not in _REPORT_NOT_READY or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 4.0)
            if _code(exc) != "ReportInProgress":
                with reader.reading("iam:GenerateCredentialReport"):
                    iam.generate_credential_report()
    text = content.decode("utf-8") if isinstance(content, bytes) else str(content)
    return [_report_row(row) for row in csv.DictReader(io.StringIO(text))]


def _report_row(row: dict[str, str]) -> CredentialReportRow:
    def flag(name: str) -> bool:
        return (row.get(name) or "").strip().lower() == "true"

    keys = [
        AccessKeyCredential(
            slot=slot,
            active=flag(f"access_key_{slot}_active"),
            last_rotated=_date(row.get(f"access_key_{slot}_last_rotated")),
            last_used=_date(row.get(f"access_key_{slot}_last_used_date")),
        )
        for slot in (1, 2)
        if flag(f"access_key_{slot}_active") or _date(row.get(f"access_key_{slot}_last_rotated"))
    ]
    return CredentialReportRow(
        user=row.get("user", ""),
        arn=row.get("arn", ""),
        created=_date(row.get("user_creation_time")),
        password_enabled=flag("password_enabled"),
        password_last_used=_date(row.get("password_last_used")),
        password_last_changed=_date(row.get("password_last_changed")),
        mfa_active=flag("mfa_active"),
        access_keys=keys,
    )


def _inline(items: Iterable[dict[str, Any]]) -> list[InlinePolicy]:
    return [
        InlinePolicy(name=p.get("PolicyName", ""), document=_document(p.get("PolicyDocument")))
        for p in items
    ]


def _attached(items: Iterable[dict[str, Any]]) -> list[AttachedPolicy]:
    return [AttachedPolicy(name=p.get("PolicyName", ""), arn=p.get("PolicyArn", "")) for p in items]


def _iam_authorization_details(reader: _Reader) -> dict[str, Any]:
    iam = reader.client("iam")
    users: list[IamUser] = []
    groups: list[IamGroup] = []
    roles: list[IamRole] = []
    policies: list[ManagedPolicy] = []
    with reader.reading("iam:GetAccountAuthorizationDetails"):
        for page in pages(
            iam,
            "get_account_authorization_details",
            page_size=PAGE_SIZES["get_account_authorization_details"],
            Filter=["User", "Role", "Group", "LocalManagedPolicy"],
        ):
            users += [
                IamUser(
                    name=u["UserName"],
                    arn=u.get("Arn", ""),
                    path=u.get("Path", "/"),
                    created=_date(u.get("CreateDate")),
                    inline_policies=_inline(u.get("UserPolicyList", [])),
                    attached_policies=_attached(u.get("AttachedManagedPolicies", [])),
                    groups=list(u.get("GroupList", [])),
                )
                for u in page.get("UserDetailList", [])
            ]
            groups += [
                IamGroup(
                    name=g["GroupName"],
                    arn=g.get("Arn", ""),
                    inline_policies=_inline(g.get("GroupPolicyList", [])),
                    attached_policies=_attached(g.get("AttachedManagedPolicies", [])),
                )
                for g in page.get("GroupDetailList", [])
            ]
            roles += [
                IamRole(
                    name=r["RoleName"],
                    arn=r.get("Arn", ""),
                    path=r.get("Path", "/"),
                    created=_date(r.get("CreateDate")),
                    trust_policy=_document(r.get("AssumeRolePolicyDocument")),
                    inline_policies=_inline(r.get("RolePolicyList", [])),
                    attached_policies=_attached(r.get("AttachedManagedPolicies", [])),
                )
                for r in page.get("RoleDetailList", [])
            ]
            for p in page.get("Policies", []):
                default: dict[str, Any] = next(
                    (v for v in p.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), {}
                )
                policies.append(
                    ManagedPolicy(
                        name=p.get("PolicyName", "") or p.get("Arn", "").rsplit("/", 1)[-1],
                        arn=p.get("Arn", ""),
                        attachment_count=int(p.get("AttachmentCount") or 0),
                        default_version=p.get("DefaultVersionId"),
                        document=_document(default.get("Document")),
                    )
                )
    return {"users": users, "groups": groups, "roles": roles, "policies": policies}


def _iam_account_summary(reader: _Reader) -> AccountSummary:
    iam = reader.client("iam")
    with reader.reading("iam:GetAccountSummary"):
        summary = iam.get_account_summary().get("SummaryMap", {})
    return AccountSummary(
        root_mfa_enabled=bool(summary.get("AccountMFAEnabled")),
        root_access_keys_present=bool(summary.get("AccountAccessKeysPresent")),
    )


def _iam_password_policy(reader: _Reader) -> PasswordPolicy:
    iam = reader.client("iam")
    answer = _get(
        reader,
        "iam:GetAccountPasswordPolicy",
        lambda: iam.get_account_password_policy(),
        absent=frozenset({"NoSuchEntity"}),
    )
    if answer is None:
        return PasswordPolicy(exists=False)
    policy = answer.get("PasswordPolicy", {})
    return PasswordPolicy(
        exists=True,
        minimum_length=policy.get("MinimumPasswordLength"),
        require_symbols=bool(policy.get("RequireSymbols")),
        require_numbers=bool(policy.get("RequireNumbers")),
        require_uppercase=bool(policy.get("RequireUppercaseCharacters")),
        require_lowercase=bool(policy.get("RequireLowercaseCharacters")),
        reuse_prevention=policy.get("PasswordReusePrevention"),
        max_age_days=policy.get("MaxPasswordAge"),
    )


_REGIONAL: dict[str, Callable[[_Reader, str], Any]] = {
    "ec2.instances": _ec2_instances,
    "ec2.security_groups": _ec2_security_groups,
    "ec2.volumes": _ec2_volumes,
    "ec2.snapshots": _ec2_snapshots,
    "ec2.images": _ec2_images,
    "ec2.ebs_encryption_by_default": _ec2_ebs_encryption_by_default,
    "ec2.addresses": _ec2_addresses,
    "ec2.network_interfaces": _ec2_network_interfaces,
    "vpc.vpcs": _vpc_vpcs,
    "vpc.subnets": _vpc_subnets,
    "vpc.flow_logs": _vpc_flow_logs,
    "vpc.network_acls": _vpc_network_acls,
    "vpc.route_tables": _vpc_route_tables,
    "vpc.peering_connections": _vpc_peering_connections,
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
) -> Inventory:
    """Read the given inventory parts in every region, once, and return them.

    Args:
        session: the read-only session.
        regions: regions to read regional parts in (already validated).
        parts: part names (see :data:`PARTS`); the parts they are read through are added.
        account_id: the account; asked from STS (one call) when ``None``.
        sequential: read one region and one part after another (the benchmark's baseline).
        max_workers: most reads in flight at once.

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
    try:
        partition = session.get_partition_for_region(home)
    except Exception:  # an unknown region keeps the commercial partition
        partition = "aws"

    wanted = expand_parts(parts)
    tasks: list[tuple[str, str, Callable[[], Any]]] = []
    for name in sorted(wanted):
        part = PARTS[name]
        if part.scope == "region":
            tasks += [
                (name, region, partial(_REGIONAL[name], reader, region)) for region in region_list
            ]
    global_readers: dict[str, Callable[[], Any]] = {
        "s3.buckets": lambda: _s3_buckets(reader, wanted),
        "s3.account_public_access_block": lambda: _s3_account_public_access_block(reader),
        "iam.credential_report": lambda: _iam_credential_report(reader),
        "iam.authorization_details": lambda: _iam_authorization_details(reader),
        "iam.account_summary": lambda: _iam_account_summary(reader),
        "iam.password_policy": lambda: _iam_password_policy(reader),
    }
    tasks += [(name, "global", fn) for name, fn in global_readers.items() if name in wanted]

    def run(task: tuple[str, str, Callable[[], Any]]) -> tuple[str, str, Any, bool]:
        name, region, fn = task
        try:
            return name, region, fn(), True
        except _Unreadable as exc:
            reader.gap(name, region, exc)
        except ServiceError as exc:
            reader.gap(name, region, _Unreadable(PARTS[name].actions[0], exc.code, exc.message))
        except Exception as exc:  # one broken reader must not sink the audit
            reader.gap(
                name,
                region,
                _Unreadable(
                    PARTS[name].actions[0],
                    type(exc).__name__,
                    f"Reading {name} failed unexpectedly: {type(exc).__name__}: {exc}",
                ),
            )
        return name, region, None, False

    if sequential:
        results = [run(t) for t in tasks]
    else:
        with ThreadPoolExecutor(
            max_workers=max(1, min(max_workers, len(tasks) or 1)), thread_name_prefix="audit"
        ) as pool:
            results = list(pool.map(run, tasks))

    services = {PARTS[n].service for n in wanted}
    ec2: dict[str, dict[str, Any]] = {r: {"region": r} for r in region_list if "ec2" in services}
    vpc: dict[str, dict[str, Any]] = {r: {"region": r} for r in region_list if "vpc" in services}
    s3: dict[str, Any] = {}
    iam: dict[str, Any] = {}
    for name, region, value, ok in results:
        if not ok:
            continue
        service, field = name.split(".", 1)
        if service == "ec2":
            ec2[region][field] = value
        elif service == "vpc":
            vpc[region][field] = value
        elif name == "iam.authorization_details":
            iam.update(value)
        elif service == "iam":
            iam[field] = value
        else:
            s3[field] = value
    calls = dict(sorted(reader.calls.items()))
    return Inventory(
        account=account_id,
        partition=partition,
        regions=region_list,
        collected_at=collected_at,
        ec2={r: Ec2Region(**v) for r, v in ec2.items()},
        vpc={r: VpcRegion(**v) for r, v in vpc.items()},
        s3=S3Inventory(**s3),
        iam=IamInventory(**iam),
        gaps=sorted(reader.gaps, key=lambda g: (g.service, g.region, g.part, g.resource or "")),
        api_calls=sum(calls.values()),
        api_calls_by_operation=calls,
        duration_seconds=round(time.monotonic() - started, 3),
    )
