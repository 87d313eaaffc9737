"""The audit inventory: what one account holds, as immutable pydantic models.

*Collect, then judge*: :func:`devops_agent.audit.reading.collect` fills an
:class:`Inventory` once per audit, concurrently across regions and services;
checks are pure functions over it and never call AWS.

The inventory holds the **service models**: an instance, a security group or a
bucket here is the same :class:`~devops_agent.aws.ec2.Instance`,
:class:`~devops_agent.aws.ec2.SecurityGroup` or :class:`~devops_agent.aws.s3.Bucket`
that ``ec2 list``, ``ec2 sg list`` or ``s3 describe`` return, read by the same
functions, so a command and the audit cannot disagree about a resource. Only what no
service reads yet is modelled here: the IAM credential report, authorization details,
account summary and password policy (they move with the IAM package), and
:class:`PublicAccessBlock`, the audit's verdict on a set of Block Public Access
switches (account or bucket).

The inventory is made of **parts** (:data:`PARTS`: ``ec2.instances``,
``s3.bucket_policy``, ``iam.credential_report``...). A check declares the parts
it reads (``CheckMeta.requires``), so an audit of one service, or a test of one
check, reads only what it needs. A part that could not be read stays ``None``
and its gap is recorded as :class:`~devops_agent.audit.models.NotAudited` with
the failing IAM action, so the checks that needed it report *not audited*
instead of a clean result; a bucket setting that could not be read is left out
of that bucket's ``settings_read`` (see :meth:`S3Inventory.buckets_with`). Per
(service, region) the models are :class:`Ec2Region` and :class:`VpcRegion`; S3 and
IAM are global (:class:`S3Inventory`, :class:`IamInventory`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from devops_agent.audit.models import AuditModel, NotAudited, Service
from devops_agent.aws.ec2 import (
    Address,
    Image,
    Instance,
    KeyPair,
    LaunchTemplate,
    NetworkInterface,
    SecurityGroup,
    SecurityGroupRule,
    Snapshot,
    Volume,
)
from devops_agent.aws.iam.account import PasswordPolicy
from devops_agent.aws.iam.credentials import ServerCertificate, VirtualMfaDevice
from devops_agent.aws.s3 import Bucket, BucketAcl, BucketSetting, Grant
from devops_agent.aws.vpc import (
    FlowLog,
    NaclEntry,
    NetworkAcl,
    PeeringConnection,
    Route,
    RouteTable,
    Subnet,
    TransitGateway,
    Vpc,
    VpcEndpoint,
)

__all__ = [
    "PARTS",
    "AccessKeyCredential",
    "AccountSummary",
    "Address",
    "AttachedPolicy",
    "Bucket",
    "BucketAcl",
    "CredentialReportRow",
    "Ec2Region",
    "FlowLog",
    "Grant",
    "IamGroup",
    "IamInventory",
    "IamRole",
    "IamUser",
    "Image",
    "InlinePolicy",
    "Instance",
    "Inventory",
    "KeyPair",
    "LaunchTemplate",
    "ManagedPolicy",
    "NaclEntry",
    "NetworkAcl",
    "NetworkInterface",
    "Part",
    "PasswordPolicy",
    "PeeringConnection",
    "PublicAccessBlock",
    "Route",
    "RouteTable",
    "S3Inventory",
    "SecurityGroup",
    "SecurityGroupRule",
    "ServerCertificate",
    "Snapshot",
    "Subnet",
    "TransitGateway",
    "VirtualMfaDevice",
    "Volume",
    "Vpc",
    "VpcEndpoint",
    "VpcRegion",
    "expand_parts",
]


# --------------------------------------------------------------------------- parts


@dataclass(frozen=True)
class Part:
    """One unit of the inventory: what it is, where it lives, which IAM actions read it."""

    name: str
    """``<service>.<field>``, e.g. ``ec2.snapshots``."""
    service: Service
    """Service it is reported under when it cannot be read."""
    scope: Literal["region", "global"]
    """Read per region, or once per account."""
    actions: tuple[str, ...]
    """IAM actions the read role needs for it."""
    parent: str | None = None
    """A part it is read through (bucket settings come with the bucket list)."""


_PART_LIST = (
    Part("ec2.instances", "ec2", "region", ("ec2:DescribeInstances",)),
    Part("ec2.security_groups", "ec2", "region", ("ec2:DescribeSecurityGroups",)),
    Part("ec2.volumes", "ec2", "region", ("ec2:DescribeVolumes",)),
    Part(
        "ec2.snapshots",
        "ec2",
        "region",
        ("ec2:DescribeSnapshots", "ec2:DescribeSnapshotAttribute"),
    ),
    Part("ec2.images", "ec2", "region", ("ec2:DescribeImages",)),
    Part("ec2.ebs_encryption_by_default", "ec2", "region", ("ec2:GetEbsEncryptionByDefault",)),
    Part("ec2.addresses", "ec2", "region", ("ec2:DescribeAddresses",)),
    Part("ec2.network_interfaces", "ec2", "region", ("ec2:DescribeNetworkInterfaces",)),
    Part("ec2.key_pairs", "ec2", "region", ("ec2:DescribeKeyPairs",)),
    Part("ec2.launch_templates", "ec2", "region", ("ec2:DescribeLaunchTemplateVersions",)),
    Part("vpc.vpcs", "vpc", "region", ("ec2:DescribeVpcs",)),
    Part("vpc.subnets", "vpc", "region", ("ec2:DescribeSubnets",)),
    Part("vpc.flow_logs", "vpc", "region", ("ec2:DescribeFlowLogs",)),
    Part("vpc.network_acls", "vpc", "region", ("ec2:DescribeNetworkAcls",)),
    Part("vpc.route_tables", "vpc", "region", ("ec2:DescribeRouteTables",)),
    Part("vpc.peering_connections", "vpc", "region", ("ec2:DescribeVpcPeeringConnections",)),
    Part("vpc.endpoints", "vpc", "region", ("ec2:DescribeVpcEndpoints",)),
    Part("vpc.transit_gateways", "vpc", "region", ("ec2:DescribeTransitGateways",)),
    Part("s3.buckets", "s3", "global", ("s3:ListAllMyBuckets", "s3:GetBucketLocation")),
    Part(
        "s3.bucket_public_access_block",
        "s3",
        "global",
        ("s3:GetBucketPublicAccessBlock",),
        "s3.buckets",
    ),
    Part(
        "s3.bucket_policy",
        "s3",
        "global",
        ("s3:GetBucketPolicy", "s3:GetBucketPolicyStatus"),
        "s3.buckets",
    ),
    Part("s3.bucket_acl", "s3", "global", ("s3:GetBucketAcl",), "s3.buckets"),
    Part("s3.bucket_encryption", "s3", "global", ("s3:GetEncryptionConfiguration",), "s3.buckets"),
    Part("s3.bucket_versioning", "s3", "global", ("s3:GetBucketVersioning",), "s3.buckets"),
    Part("s3.bucket_logging", "s3", "global", ("s3:GetBucketLogging",), "s3.buckets"),
    Part("s3.bucket_ownership", "s3", "global", ("s3:GetBucketOwnershipControls",), "s3.buckets"),
    Part("s3.bucket_lifecycle", "s3", "global", ("s3:GetLifecycleConfiguration",), "s3.buckets"),
    Part("s3.account_public_access_block", "s3", "global", ("s3:GetAccountPublicAccessBlock",)),
    Part(
        "iam.credential_report",
        "iam",
        "global",
        ("iam:GenerateCredentialReport", "iam:GetCredentialReport"),
    ),
    Part("iam.authorization_details", "iam", "global", ("iam:GetAccountAuthorizationDetails",)),
    Part("iam.account_summary", "iam", "global", ("iam:GetAccountSummary",)),
    Part("iam.password_policy", "iam", "global", ("iam:GetAccountPasswordPolicy",)),
    Part("iam.virtual_mfa_devices", "iam", "global", ("iam:ListVirtualMFADevices",)),
    Part("iam.server_certificates", "iam", "global", ("iam:ListServerCertificates",)),
)
#: Every inventory part by name.
PARTS: dict[str, Part] = {p.name: p for p in _PART_LIST}


def expand_parts(names: Iterable[str]) -> set[str]:
    """The parts plus the parts they are read through (a bucket setting needs the bucket list).

    Args:
        names: Inventory part names (keys of :data:`PARTS`).

    Returns:
        The names and every ancestor part of each.

    Raises:
        KeyError: A name is not a part of :data:`PARTS`.
    """
    out: set[str] = set()
    for name in names:
        while name:
            out.add(name)
            name = PARTS[name].parent or ""
    return out


# --------------------------------------------------------------------------- per region


class Ec2Region(AuditModel):
    """EC2 data of one region; a part is ``None`` when it was not read (see the gaps)."""

    region: str
    instances: list[Instance] | None = None
    security_groups: list[SecurityGroup] | None = None
    volumes: list[Volume] | None = None
    snapshots: list[Snapshot] | None = None
    images: list[Image] | None = None
    """AMIs the account owns."""
    ebs_encryption_by_default: bool | None = None
    addresses: list[Address] | None = None
    network_interfaces: list[NetworkInterface] | None = None
    key_pairs: list[KeyPair] | None = None
    launch_templates: list[LaunchTemplate] | None = None
    """Each launch template by its default version."""


class VpcRegion(AuditModel):
    """VPC data of one region; a part is ``None`` when it was not read (see the gaps)."""

    region: str
    vpcs: list[Vpc] | None = None
    subnets: list[Subnet] | None = None
    flow_logs: list[FlowLog] | None = None
    network_acls: list[NetworkAcl] | None = None
    route_tables: list[RouteTable] | None = None
    peering_connections: list[PeeringConnection] | None = None
    endpoints: list[VpcEndpoint] | None = None
    transit_gateways: list[TransitGateway] | None = None


# --------------------------------------------------------------------------- S3


#: Block Public Access switch → the attribute of :class:`PublicAccessBlock` that holds it.
_SWITCHES = {
    "BlockPublicAcls": "block_public_acls",
    "IgnorePublicAcls": "ignore_public_acls",
    "BlockPublicPolicy": "block_public_policy",
    "RestrictPublicBuckets": "restrict_public_buckets",
}


class PublicAccessBlock(AuditModel):
    """A Block Public Access configuration (account or bucket), as the checks judge it."""

    configured: bool = False
    """False when none is set at all (every switch then counts as off)."""
    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False

    @classmethod
    def of(cls, switches: dict[str, bool] | None) -> PublicAccessBlock:
        """The configuration S3 reports as four switches (``None``: none is set).

        Args:
            switches: S3's ``PublicAccessBlockConfiguration`` (``BlockPublicAcls``…), or
                ``None`` when there is none.

        Returns:
            The configuration; a switch S3 did not report counts as off.
        """
        if switches is None:
            return cls(configured=False)
        return cls(
            configured=True,
            **{field: bool(switches.get(name)) for name, field in _SWITCHES.items()},
        )

    @property
    def fully_on(self) -> bool:
        """All four settings on."""
        return (
            self.block_public_acls
            and self.ignore_public_acls
            and self.block_public_policy
            and self.restrict_public_buckets
        )

    @property
    def off(self) -> list[str]:
        """Names of the settings that are off."""
        return [name for name, field in _SWITCHES.items() if not getattr(self, field)]


class S3Inventory(AuditModel):
    """S3 data (global): the buckets and the account's Block Public Access settings."""

    buckets: list[Bucket] | None = None
    """Every bucket, with the settings the audit's parts read (see ``settings_read``)."""
    account_public_access_block: PublicAccessBlock | None = None

    def buckets_with(self, setting: BucketSetting) -> Iterator[Bucket]:
        """The buckets whose ``setting`` was read: a bucket where it could not be read
        is left out (its gap says why), never judged on a default.

        Args:
            setting: The bucket setting the check judges (``encryption``, ``policy``…).

        Returns:
            Those buckets, in listing order; none when the bucket list was not read.
        """
        return (b for b in self.buckets or [] if b.has(setting))


# --------------------------------------------------------------------------- IAM models


class AccessKeyCredential(AuditModel):
    """One access key slot of the credential report."""

    slot: int
    """1 or 2."""
    active: bool
    last_rotated: datetime | None = None
    """When the key was created or last rotated."""
    last_used: datetime | None = None
    """When it was last used; ``None`` when never."""


class CredentialReportRow(AuditModel):
    """One line of the IAM credential report."""

    user: str
    """User name (``<root_account>`` for the root user)."""
    arn: str
    created: datetime | None = None
    password_enabled: bool = False
    password_last_used: datetime | None = None
    password_last_changed: datetime | None = None
    mfa_active: bool = False
    access_keys: list[AccessKeyCredential] = Field(default_factory=list)

    @property
    def is_root(self) -> bool:
        """The root user's line."""
        return self.user == "<root_account>"


class InlinePolicy(AuditModel):
    """An inline policy embedded in a user, group or role."""

    name: str
    document: dict[str, Any] | None = None


class AttachedPolicy(AuditModel):
    """A managed policy attached to a user, group or role."""

    name: str
    arn: str


class IamUser(AuditModel):
    """One IAM user and its permissions."""

    name: str
    arn: str
    path: str = "/"
    created: datetime | None = None
    inline_policies: list[InlinePolicy] = Field(default_factory=list)
    attached_policies: list[AttachedPolicy] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)


class IamGroup(AuditModel):
    """One IAM group and its permissions."""

    name: str
    arn: str
    inline_policies: list[InlinePolicy] = Field(default_factory=list)
    attached_policies: list[AttachedPolicy] = Field(default_factory=list)


class IamRole(AuditModel):
    """One IAM role, its trust policy and permissions."""

    name: str
    arn: str
    path: str = "/"
    created: datetime | None = None
    trust_policy: dict[str, Any] | None = None
    inline_policies: list[InlinePolicy] = Field(default_factory=list)
    attached_policies: list[AttachedPolicy] = Field(default_factory=list)


class ManagedPolicy(AuditModel):
    """One customer managed policy and its default version."""

    name: str
    arn: str
    attachment_count: int = 0
    default_version: str | None = None
    document: dict[str, Any] | None = None
    """The default version's document."""


class AccountSummary(AuditModel):
    """The account-wide facts of GetAccountSummary the checks use."""

    root_mfa_enabled: bool
    root_access_keys_present: bool


class IamInventory(AuditModel):
    """IAM data (global); a part is ``None`` when it was not read (see the gaps)."""

    credential_report: list[CredentialReportRow] | None = None
    users: list[IamUser] | None = None
    """From GetAccountAuthorizationDetails, like groups, roles and policies."""
    groups: list[IamGroup] | None = None
    roles: list[IamRole] | None = None
    policies: list[ManagedPolicy] | None = None
    """Customer managed policies."""
    account_summary: AccountSummary | None = None
    password_policy: PasswordPolicy | None = None
    virtual_mfa_devices: list[VirtualMfaDevice] | None = None
    server_certificates: list[ServerCertificate] | None = None


# --------------------------------------------------------------------------- the inventory


class Inventory(AuditModel):
    """Everything one audit read from one account; checks judge only this."""

    account: str
    partition: str = "aws"
    regions: list[str]
    collected_at: datetime
    """When reading started (UTC): the 'now' that ages are measured against."""
    ec2: dict[str, Ec2Region] = Field(default_factory=dict)
    """EC2 data by region (only regions read)."""
    vpc: dict[str, VpcRegion] = Field(default_factory=dict)
    """VPC data by region (only regions read)."""
    s3: S3Inventory = Field(default_factory=S3Inventory)
    iam: IamInventory = Field(default_factory=IamInventory)
    gaps: list[NotAudited] = Field(default_factory=list)
    """What could not be read, part by part."""
    api_calls: int = 0
    """AWS API calls made to read it."""
    api_calls_by_operation: dict[str, int] = Field(default_factory=dict)
    """The same, by ``service.Operation``."""
    duration_seconds: float = 0.0
    """Wall time of the reading."""

    def ec2_regions(self) -> Iterator[Ec2Region]:
        """EC2 data of each region read, in region order.

        Returns:
            The regions' EC2 data; a part that could not be read in a region is ``None``
            there (its gap says why).
        """
        return (self.ec2[r] for r in sorted(self.ec2))

    def vpc_regions(self) -> Iterator[VpcRegion]:
        """VPC data of each region read, in region order.

        Returns:
            The regions' VPC data; a part that could not be read in a region is ``None``
            there (its gap says why).
        """
        return (self.vpc[r] for r in sorted(self.vpc))

    def arn(self, service: str, region: str, resource: str) -> str:
        """An ARN in this account, e.g. ``arn("ec2", "eu-west-1", "security-group/sg-1")``.

        Args:
            service: The ARN's service (``ec2``, ``iam``…).
            region: The region; empty for a global resource.
            resource: The resource part, type and id (``security-group/sg-1``).

        Returns:
            ``arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`` in this inventory's
            partition and account.
        """
        return f"arn:{self.partition}:{service}:{region}:{self.account}:{resource}"

    def bucket_arn(self, name: str) -> str:
        """A bucket's ARN (bucket ARNs name neither region nor account).

        Args:
            name: The bucket's name.

        Returns:
            ``arn:PARTITION:s3:::NAME``.
        """
        return f"arn:{self.partition}:s3:::{name}"
