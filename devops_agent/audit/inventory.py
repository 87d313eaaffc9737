"""The audit inventory: what one account holds, as immutable pydantic models.

*Collect, then judge*: :func:`devops_agent.audit.reading.collect` fills an
:class:`Inventory` once per audit, concurrently across regions and services;
checks are pure functions over it and never call AWS.

The inventory is made of **parts** (:data:`PARTS`: ``ec2.instances``,
``s3.bucket_policy``, ``iam.credential_report``...). A check declares the parts
it reads (``CheckMeta.requires``), so an audit of one service, or a test of one
check, reads only what it needs. A part that could not be read stays ``None``
and its gap is recorded as :class:`~devops_agent.audit.models.NotAudited` with
the failing IAM action, so the checks that needed it report *not audited*
instead of a clean result. Per (service, region) the models are
:class:`Ec2Region` and :class:`VpcRegion`; S3 and IAM are global
(:class:`S3Inventory`, :class:`IamInventory`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from devops_agent.audit.models import AuditModel, NotAudited, Service

__all__ = [
    "PARTS",
    "AccessKeyCredential",
    "AccountSummary",
    "Address",
    "AttachedPolicy",
    "Bucket",
    "BucketAcl",
    "BucketPolicy",
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
    "Snapshot",
    "Subnet",
    "Volume",
    "Vpc",
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
    Part("vpc.vpcs", "vpc", "region", ("ec2:DescribeVpcs",)),
    Part("vpc.subnets", "vpc", "region", ("ec2:DescribeSubnets",)),
    Part("vpc.flow_logs", "vpc", "region", ("ec2:DescribeFlowLogs",)),
    Part("vpc.network_acls", "vpc", "region", ("ec2:DescribeNetworkAcls",)),
    Part("vpc.route_tables", "vpc", "region", ("ec2:DescribeRouteTables",)),
    Part("vpc.peering_connections", "vpc", "region", ("ec2:DescribeVpcPeeringConnections",)),
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
)
#: Every inventory part by name.
PARTS: dict[str, Part] = {p.name: p for p in _PART_LIST}


def expand_parts(names: Iterable[str]) -> set[str]:
    """The parts plus the parts they are read through (a bucket setting needs the bucket list)."""
    out: set[str] = set()
    for name in names:
        while name:
            out.add(name)
            name = PARTS[name].parent or ""
    return out


# --------------------------------------------------------------------------- EC2 models


class Instance(AuditModel):
    """One EC2 instance."""

    id: str
    name: str | None = None
    """``Name`` tag."""
    state: str
    """pending, running, shutting-down, terminated, stopping or stopped."""
    type: str = ""
    vpc_id: str | None = None
    subnet_id: str | None = None
    public_ip: str | None = None
    """Public IPv4 address, if any."""
    launch_time: datetime | None = None
    state_changed: datetime | None = None
    """When it was last stopped by a user (from StateTransitionReason), if known."""
    imds_v2_required: bool | None = None
    """True when the metadata service only answers session-token (IMDSv2) requests."""
    metadata_endpoint_enabled: bool = True
    """False when the instance metadata endpoint is turned off altogether."""
    iam_instance_profile_arn: str | None = None
    security_group_ids: list[str] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)


class SecurityGroupRule(AuditModel):
    """One permission of a security group, with its peers split by kind."""

    protocol: str
    """``all``, ``tcp``, ``udp``, ``icmp``, ``icmpv6`` or an IP protocol number."""
    from_port: int | None = None
    """First port; ``None`` for all protocols."""
    to_port: int | None = None
    """Last port; ``None`` for all protocols."""
    ipv4: list[str] = Field(default_factory=list)
    """IPv4 CIDRs."""
    ipv6: list[str] = Field(default_factory=list)
    """IPv6 CIDRs."""
    groups: list[str] = Field(default_factory=list)
    """Security group ids."""
    prefix_lists: list[str] = Field(default_factory=list)
    """Managed prefix list ids."""


class SecurityGroup(AuditModel):
    """One security group."""

    id: str
    name: str
    vpc_id: str | None = None
    description: str = ""
    ingress: list[SecurityGroupRule] = Field(default_factory=list)
    egress: list[SecurityGroupRule] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)

    @property
    def is_default(self) -> bool:
        """The VPC's default group (it cannot be deleted)."""
        return self.name == "default"


class Volume(AuditModel):
    """One EBS volume."""

    id: str
    state: str
    """creating, available (unattached), in-use, deleting, deleted or error."""
    encrypted: bool = False
    size_gib: int = 0
    type: str = ""
    availability_zone: str = ""
    attached_to: list[str] = Field(default_factory=list)
    """Instance ids it is attached to."""
    created: datetime | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class Snapshot(AuditModel):
    """One EBS snapshot owned by the account."""

    id: str
    volume_id: str | None = None
    encrypted: bool = False
    public: bool | None = False
    """True when anyone may create a volume from it; ``None`` when that could not be read."""
    started: datetime | None = None
    size_gib: int = 0
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)


class Image(AuditModel):
    """One AMI owned by the account."""

    id: str
    name: str = ""
    public: bool = False
    state: str = ""
    created: datetime | None = None


class Address(AuditModel):
    """One Elastic IP address."""

    public_ip: str
    allocation_id: str | None = None
    association_id: str | None = None
    instance_id: str | None = None
    network_interface_id: str | None = None

    @property
    def associated(self) -> bool:
        """Attached to an instance or a network interface."""
        return bool(self.association_id or self.instance_id or self.network_interface_id)


class NetworkInterface(AuditModel):
    """One elastic network interface (instances, load balancers, Lambda, endpoints...)."""

    id: str
    vpc_id: str | None = None
    subnet_id: str | None = None
    status: str = ""
    interface_type: str = ""
    group_ids: list[str] = Field(default_factory=list)
    instance_id: str | None = None
    description: str = ""


class Ec2Region(AuditModel):
    """EC2 data of one region; a part is ``None`` when it was not read (see the gaps)."""

    region: str
    instances: list[Instance] | None = None
    security_groups: list[SecurityGroup] | None = None
    volumes: list[Volume] | None = None
    snapshots: list[Snapshot] | None = None
    images: list[Image] | None = None
    ebs_encryption_by_default: bool | None = None
    addresses: list[Address] | None = None
    network_interfaces: list[NetworkInterface] | None = None


# --------------------------------------------------------------------------- VPC models


class Vpc(AuditModel):
    """One VPC."""

    id: str
    name: str | None = None
    cidrs: list[str] = Field(default_factory=list)
    """IPv4 and IPv6 CIDR blocks associated with it."""
    is_default: bool = False
    state: str = ""
    tags: dict[str, str] = Field(default_factory=dict)


class Subnet(AuditModel):
    """One subnet."""

    id: str
    vpc_id: str
    name: str | None = None
    cidr: str = ""
    availability_zone: str = ""
    map_public_ip_on_launch: bool = False
    default_for_az: bool = False


class FlowLog(AuditModel):
    """One flow log."""

    id: str
    resource_id: str
    """VPC, subnet or interface it records."""
    status: str = ""
    traffic_type: str = ""
    destination_type: str = ""


class NaclEntry(AuditModel):
    """One network ACL rule."""

    rule_number: int
    egress: bool
    protocol: str
    """``all``, ``tcp``, ``udp``, ``icmp``, ``icmpv6`` or a protocol number."""
    action: str
    """``allow`` or ``deny``."""
    cidr: str
    """IPv4 or IPv6 CIDR."""
    from_port: int | None = None
    to_port: int | None = None


class NetworkAcl(AuditModel):
    """One network ACL."""

    id: str
    vpc_id: str
    is_default: bool = False
    entries: list[NaclEntry] = Field(default_factory=list)
    subnet_ids: list[str] = Field(default_factory=list)
    """Subnets associated with it."""


class Route(AuditModel):
    """One route."""

    destination: str
    """CIDR or prefix list id."""
    target: str
    """Gateway, peering connection, NAT gateway... id (``local`` for the VPC itself)."""
    state: str = "active"


class RouteTable(AuditModel):
    """One route table."""

    id: str
    vpc_id: str
    main: bool = False
    routes: list[Route] = Field(default_factory=list)
    subnet_ids: list[str] = Field(default_factory=list)


class PeeringConnection(AuditModel):
    """One VPC peering connection, with both sides' CIDRs."""

    id: str
    status: str = ""
    requester_vpc_id: str = ""
    requester_cidrs: list[str] = Field(default_factory=list)
    accepter_vpc_id: str = ""
    accepter_cidrs: list[str] = Field(default_factory=list)


class VpcRegion(AuditModel):
    """VPC data of one region; a part is ``None`` when it was not read (see the gaps)."""

    region: str
    vpcs: list[Vpc] | None = None
    subnets: list[Subnet] | None = None
    flow_logs: list[FlowLog] | None = None
    network_acls: list[NetworkAcl] | None = None
    route_tables: list[RouteTable] | None = None
    peering_connections: list[PeeringConnection] | None = None


# --------------------------------------------------------------------------- S3 models


class PublicAccessBlock(AuditModel):
    """An S3 Block Public Access configuration (bucket or account)."""

    configured: bool = False
    """False when none is set at all (every flag then counts as off)."""
    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False

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
        names = {
            "BlockPublicAcls": self.block_public_acls,
            "IgnorePublicAcls": self.ignore_public_acls,
            "BlockPublicPolicy": self.block_public_policy,
            "RestrictPublicBuckets": self.restrict_public_buckets,
        }
        return [name for name, on in names.items() if not on]


class BucketPolicy(AuditModel):
    """A bucket's policy."""

    document: dict[str, Any] | None = None
    """The policy document; ``None`` when the bucket has no policy."""
    is_public: bool | None = None
    """AWS's own verdict (GetBucketPolicyStatus); ``None`` when not asked or not readable."""


class Grant(AuditModel):
    """One ACL grant."""

    grantee_type: str
    """``CanonicalUser``, ``Group`` or ``AmazonCustomerByEmail``."""
    grantee: str
    """Canonical id, group URI or e-mail."""
    permission: str
    """READ, WRITE, READ_ACP, WRITE_ACP or FULL_CONTROL."""


class BucketAcl(AuditModel):
    """A bucket's ACL."""

    owner_id: str = ""
    grants: list[Grant] = Field(default_factory=list)


class Bucket(AuditModel):
    """One bucket and the settings read for it; a setting is ``None`` when not read."""

    name: str
    region: str | None = None
    """Region it lives in; ``None`` when its location could not be read."""
    created: datetime | None = None
    public_access_block: PublicAccessBlock | None = None
    policy: BucketPolicy | None = None
    acl: BucketAcl | None = None
    encryption: list[str] | None = None
    """Default encryption algorithms (``AES256``, ``aws:kms``...); empty when none is set."""
    versioning: str | None = None
    """``Enabled``, ``Suspended``, or ``""`` when never enabled."""
    mfa_delete: bool | None = None
    """True when MFA delete is enabled (read with versioning)."""
    logging_target: str | None = None
    """Bucket receiving access logs; ``""`` when logging is off."""
    object_ownership: str | None = None
    """``BucketOwnerEnforced``, ``BucketOwnerPreferred``, ``ObjectWriter``; ``""`` when unset."""
    lifecycle_rules: int | None = None
    """Number of lifecycle rules (0 when there is no lifecycle configuration)."""


class S3Inventory(AuditModel):
    """S3 data (global): the buckets and the account's Block Public Access settings."""

    buckets: list[Bucket] | None = None
    account_public_access_block: PublicAccessBlock | None = None


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


class PasswordPolicy(AuditModel):
    """The account password policy; ``exists`` is False when none is set."""

    exists: bool
    minimum_length: int | None = None
    require_symbols: bool = False
    require_numbers: bool = False
    require_uppercase: bool = False
    require_lowercase: bool = False
    reuse_prevention: int | None = None
    max_age_days: int | None = None


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
        """EC2 data of each region read, in region order."""
        return (self.ec2[r] for r in sorted(self.ec2))

    def vpc_regions(self) -> Iterator[VpcRegion]:
        """VPC data of each region read, in region order."""
        return (self.vpc[r] for r in sorted(self.vpc))

    def arn(self, service: str, region: str, resource: str) -> str:
        """An ARN in this account, e.g. ``arn("ec2", "eu-west-1", "security-group/sg-1")``."""
        return f"arn:{self.partition}:{service}:{region}:{self.account}:{resource}"

    def bucket_arn(self, name: str) -> str:
        """A bucket's ARN (bucket ARNs name neither region nor account)."""
        return f"arn:{self.partition}:s3:::{name}"
