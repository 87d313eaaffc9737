"""The benchmark controls the audit is measured against, as data: what each asks and why
one is not covered.

Which of our checks covers a control is **not** written here: it is derived from the
checks' own ``META.cis`` and ``META.fsbp`` (:func:`coverage`), so a check cannot claim a
control the table does not know, and a control cannot claim a check that does not name
it. Only a CIS v4.0.1 control with no v3.0.0 counterpart names its checks here.

Sources (kept in the repository, never fetched):

* **CIS AWS Foundations Benchmark v3.0.0 and v4.0.1**: the control ids, titles and
  assessment status as Prowler's compliance mappings list them
  (``prowler/compliance/aws/cis_3.0_aws.json`` and ``cis_4.0_aws.json``, prowler-cloud/prowler
  at commit 3e000faa3109230b748e4418a13c11c9e59f5cfb, 2026-08-21).
* **AWS Foundational Security Best Practices v1.0.0**: the controls for EC2 (with EBS and
  VPC), S3 and IAM that the AWS Security Hub User Guide lists for the standard
  (``doc_source/fsbp-standard.md`` of awsdocs/aws-security-hub-user-guide at commit
  47bfe2f, 2023-06-15, the last before the guide moved off GitHub), together with the ids
  Prowler's FSBP mapping adds (``aws_foundational_security_best_practices_aws.json`` at the
  same Prowler commit). ``source`` says which list a row comes from.

Scope: the controls of IAM, S3, EBS, EC2 and VPC. CIS sections on CloudTrail, Config, KMS,
CloudWatch metric filters, RDS and EFS, and FSBP controls of other services, belong to
services the audit does not read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CIS",
    "FSBP",
    "OTHER_SECURITY_HUB",
    "CisControl",
    "FsbpControl",
    "coverage",
]

Area = Literal["iam", "s3", "ebs", "ec2", "vpc"]


@dataclass(frozen=True)
class CisControl:
    """One CIS AWS Foundations control, by its ids in v3.0.0 and v4.0.1."""

    v3: str
    """The v3.0.0 id (empty when v4.0.1 added it): what checks name in ``META.cis``."""
    v4: str
    """The v4.0.1 id (empty when v4.0.1 dropped it)."""
    title: str
    area: Area
    manual: bool = False
    """CIS marks its assessment manual (in v4.0.1, or in v3.0.0 when v4 dropped it)."""
    why: str = ""
    """Why no check covers it (empty when one does)."""
    checks: tuple[str, ...] = ()
    """Only for a control without a v3.0.0 id: the checks that cover it."""
    stricter: str = ""
    """Where our check asks more than Prowler's for the same control."""


@dataclass(frozen=True)
class FsbpControl:
    """One AWS Foundational Security Best Practices control."""

    id: str
    title: str
    area: Area
    source: Literal["AWS", "Prowler", "both"] = "both"
    """Which list names it as FSBP: AWS's guide, Prowler's mapping, or both."""
    why: str = ""
    stricter: str = ""


_ACCOUNT_API = (
    "Read with the Account API (account:GetAlternateContact), a service the audit does not "
    "read; CIS assesses it by hand."
)
_PROWLER_UNUSED = (
    "Prowler reports only groups attached to a network interface in a VPC in use unless run "
    "with --scan-unused-services; ours judges every group, since any can be attached later."
)
_KEYS_NEVER_USED = (
    "Prowler's iam_user_accesskey_unused passes a key that was never used; ours counts a "
    "never-used key from its creation."
)

CIS: tuple[CisControl, ...] = (
    CisControl("1.1", "1.1", "Maintain current contact details", "iam", True, _ACCOUNT_API),
    CisControl(
        "1.2",
        "1.2",
        "Ensure security contact information is registered",
        "iam",
        True,
        _ACCOUNT_API,
    ),
    CisControl(
        "1.3",
        "1.3",
        "Ensure security questions are registered in the AWS account",
        "iam",
        True,
        "Only visible in the console signed in as root: no API reads it.",
    ),
    CisControl("1.4", "1.4", "Ensure no 'root' user account access key exists", "iam"),
    CisControl("1.5", "1.5", "Ensure MFA is enabled for the 'root' user account", "iam"),
    CisControl(
        "1.6", "1.6", "Ensure hardware MFA is enabled for the 'root' user account", "iam", True
    ),
    CisControl(
        "1.7",
        "1.7",
        "Eliminate use of the 'root' user for administrative and daily tasks",
        "iam",
        True,
    ),
    CisControl(
        "1.8", "1.8", "Ensure IAM password policy requires minimum length of 14 or greater", "iam"
    ),
    CisControl("1.9", "1.9", "Ensure IAM password policy prevents password reuse", "iam"),
    CisControl(
        "1.10",
        "1.10",
        "Ensure multi-factor authentication (MFA) is enabled for all IAM users that have a "
        "console password",
        "iam",
    ),
    CisControl(
        "1.11",
        "1.11",
        "Do not create access keys during initial setup for IAM users with a console password",
        "iam",
        True,
    ),
    CisControl(
        "1.12",
        "1.12",
        "Ensure credentials unused for 45 days or more are disabled",
        "iam",
        stricter=_KEYS_NEVER_USED,
    ),
    CisControl(
        "1.13", "1.13", "Ensure there is only one active access key for any single IAM user", "iam"
    ),
    CisControl("1.14", "1.14", "Ensure access keys are rotated every 90 days or less", "iam"),
    CisControl("1.15", "1.15", "Ensure IAM users receive permissions only through groups", "iam"),
    CisControl(
        "1.16",
        "1.16",
        "Ensure IAM policies that allow full *:* administrative privileges are not attached",
        "iam",
        stricter="Ours also reports an admin policy that is attached to nobody yet.",
    ),
    CisControl(
        "1.17",
        "1.17",
        "Ensure a support role has been created to manage incidents with AWS Support",
        "iam",
    ),
    CisControl(
        "1.18",
        "1.18",
        "Ensure IAM instance roles are used for AWS resource access from instances",
        "iam",
    ),
    CisControl(
        "1.19",
        "1.19",
        "Ensure that all expired SSL/TLS certificates stored in AWS IAM are removed",
        "iam",
    ),
    CisControl(
        "1.20",
        "1.20",
        "Ensure that IAM Access Analyzer is enabled for all regions",
        "iam",
        why="Needs IAM Access Analyzer's API (access-analyzer:ListAnalyzers), which the audit "
        "does not read yet, and which the local stand-in (moto) cannot answer to test a check.",
    ),
    CisControl(
        "1.21",
        "1.21",
        "Ensure IAM users are managed centrally via identity federation or AWS Organizations "
        "for multi-account environments",
        "iam",
        True,
        "An organisational decision: no read API says whether users should be federated.",
    ),
    CisControl(
        "1.22", "1.22", "Ensure access to AWSCloudShellFullAccess is restricted", "iam", True
    ),
    CisControl("2.1.1", "2.1.1", "Ensure S3 Bucket Policy is set to deny HTTP requests", "s3"),
    CisControl("2.1.2", "2.1.2", "Ensure MFA Delete is enabled on S3 buckets", "s3", True),
    CisControl(
        "2.1.3",
        "2.1.3",
        "Ensure all data in Amazon S3 has been discovered, classified, and secured when necessary",
        "s3",
        True,
        "Needs Amazon Macie (or another scanner of object contents), not S3's settings.",
    ),
    CisControl(
        "2.1.4", "2.1.4", "Ensure that S3 is configured with 'Block Public Access' enabled", "s3"
    ),
    CisControl("2.2.1", "5.1.1", "Ensure EBS volume encryption is enabled in all regions", "ebs"),
    CisControl(
        "",
        "5.1.2",
        "Ensure CIFS access is restricted to trusted networks to prevent unauthorized access",
        "ec2",
        True,
        checks=("ec2_securitygroup_legacy_ports_restricted",),
        stricter=_PROWLER_UNUSED,
    ),
    CisControl(
        "3.4",
        "3.4",
        "Ensure that server access logging is enabled on the CloudTrail S3 bucket",
        "s3",
        stricter="Ours asks it of every bucket, the CloudTrail bucket among them, without "
        "reading CloudTrail.",
    ),
    CisControl(
        "3.7",
        "3.7",
        "Ensure VPC flow logging is enabled in all VPCs",
        "vpc",
        stricter="Prowler skips VPCs with no interfaces unless run with "
        "--scan-unused-services; ours judges every VPC.",
    ),
    CisControl(
        "3.8",
        "3.8",
        "Ensure that object-level logging for write events is enabled for S3 buckets",
        "s3",
        why="Needs CloudTrail's event selectors (cloudtrail:GetEventSelectors), a service the "
        "audit does not read.",
    ),
    CisControl(
        "3.9",
        "3.9",
        "Ensure that object-level logging for read events is enabled for S3 buckets",
        "s3",
        why="Needs CloudTrail's event selectors (cloudtrail:GetEventSelectors), a service the "
        "audit does not read.",
    ),
    CisControl(
        "5.1",
        "5.2",
        "Ensure no Network ACLs allow ingress from 0.0.0.0/0 to remote server administration ports",
        "vpc",
    ),
    CisControl(
        "5.2",
        "5.3",
        "Ensure no security groups allow ingress from 0.0.0.0/0 to remote server "
        "administration ports",
        "ec2",
        stricter=_PROWLER_UNUSED,
    ),
    CisControl(
        "5.3",
        "5.4",
        "Ensure no security groups allow ingress from ::/0 to remote server administration ports",
        "ec2",
        stricter=_PROWLER_UNUSED,
    ),
    CisControl(
        "5.4",
        "5.5",
        "Ensure the default security group of every VPC restricts all traffic",
        "ec2",
        stricter="Prowler skips the default groups of VPCs not in use unless run with "
        "--scan-unused-services; ours judges every default group.",
    ),
    CisControl("5.5", "5.6", "Ensure routing tables for VPC peering are least access", "vpc", True),
    CisControl("5.6", "5.7", "Ensure that the EC2 Metadata Service only allows IMDSv2", "ec2"),
)

FSBP: tuple[FsbpControl, ...] = (
    FsbpControl("EC2.1", "Amazon EBS snapshots should not be publicly restorable", "ebs"),
    FsbpControl(
        "EC2.2",
        "VPC default security groups should not allow inbound or outbound traffic",
        "ec2",
        stricter="Prowler skips the default groups of VPCs not in use unless run with "
        "--scan-unused-services.",
    ),
    FsbpControl(
        "EC2.3",
        "Attached Amazon EBS volumes should be encrypted at rest",
        "ebs",
        stricter="Ours judges every volume, attached or not.",
    ),
    FsbpControl(
        "EC2.4",
        "Stopped Amazon EC2 instances should be removed after a specified time period",
        "ec2",
    ),
    FsbpControl("EC2.6", "VPC flow logging should be enabled in all VPCs", "vpc"),
    FsbpControl("EC2.7", "Amazon EBS default encryption should be enabled", "ebs"),
    FsbpControl("EC2.8", "Amazon EC2 instances should use IMDSv2", "ec2"),
    FsbpControl("EC2.9", "Amazon EC2 instances should not have a public IPv4 address", "ec2"),
    FsbpControl(
        "EC2.10",
        "Amazon EC2 should be configured to use VPC endpoints for the EC2 service",
        "vpc",
    ),
    FsbpControl("EC2.12", "Unused Amazon EC2 EIPs should be removed", "ec2", "Prowler"),
    FsbpControl(
        "EC2.13",
        "Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22",
        "ec2",
        "Prowler",
        stricter=_PROWLER_UNUSED,
    ),
    FsbpControl(
        "EC2.14",
        "Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 3389",
        "ec2",
        "Prowler",
        stricter=_PROWLER_UNUSED,
    ),
    FsbpControl(
        "EC2.15",
        "Amazon EC2 subnets should not automatically assign public IP addresses",
        "vpc",
    ),
    FsbpControl("EC2.16", "Unused Network Access Control Lists should be removed", "vpc"),
    FsbpControl("EC2.17", "Amazon EC2 instances should not use multiple ENIs", "ec2"),
    FsbpControl(
        "EC2.18",
        "Security groups should only allow unrestricted incoming traffic for authorized ports",
        "ec2",
        stricter=_PROWLER_UNUSED,
    ),
    FsbpControl(
        "EC2.19",
        "Security groups should not allow unrestricted access to ports with high risk",
        "ec2",
        stricter=_PROWLER_UNUSED,
    ),
    FsbpControl(
        "EC2.20",
        "Both VPN tunnels for an AWS Site-to-Site VPN connection should be up",
        "vpc",
        why="An availability control: Site-to-Site VPN connections (DescribeVpnConnections) "
        "are not read yet.",
    ),
    FsbpControl(
        "EC2.21",
        "Network ACLs should not allow ingress from 0.0.0.0/0 to port 22 or port 3389",
        "vpc",
    ),
    FsbpControl(
        "EC2.22", "Unused Amazon EC2 security groups should be removed (retired by AWS)", "ec2"
    ),
    FsbpControl(
        "EC2.23",
        "Amazon EC2 Transit Gateways should not automatically accept VPC attachment requests",
        "vpc",
    ),
    FsbpControl(
        "EC2.24",
        "Amazon EC2 paravirtual instance types should not be used",
        "ec2",
        why="Paravirtual types are long retired; the local stand-in reports every instance "
        "without a known AMI as paravirtual, so here the check could only report noise.",
    ),
    FsbpControl(
        "EC2.25",
        "Amazon EC2 launch templates should not assign public IPs to network interfaces",
        "ec2",
    ),
    FsbpControl(
        "EC2.28",
        "EBS volumes should be covered by a backup plan",
        "ebs",
        "Prowler",
        why="Needs AWS Backup's protected resources (backup:ListProtectedResources), a "
        "service the audit does not read.",
    ),
    FsbpControl(
        "EC2.51",
        "EC2 Client VPN endpoints should have client connection logging enabled",
        "vpc",
        "Prowler",
        why="Client VPN endpoints (DescribeClientVpnEndpoints) are not read yet.",
    ),
    FsbpControl("IAM.1", "IAM policies should not allow full '*' administrative privileges", "iam"),
    FsbpControl("IAM.2", "IAM users should not have IAM policies attached", "iam"),
    FsbpControl("IAM.3", "IAM users' access keys should be rotated every 90 days or less", "iam"),
    FsbpControl("IAM.4", "IAM root user access key should not exist", "iam"),
    FsbpControl(
        "IAM.5", "MFA should be enabled for all IAM users that have a console password", "iam"
    ),
    FsbpControl("IAM.6", "Hardware MFA should be enabled for the root user", "iam"),
    FsbpControl(
        "IAM.7", "Password policies for IAM users should have strong configurations", "iam"
    ),
    FsbpControl(
        "IAM.8",
        "Unused IAM user credentials should be removed",
        "iam",
        stricter="Ours defaults to CIS's 45 days, not FSBP's 90. " + _KEYS_NEVER_USED,
    ),
    FsbpControl("IAM.9", "MFA should be enabled for the root user", "iam", "Prowler"),
    FsbpControl(
        "IAM.10",
        "Password policies for IAM users should have strong configurations (PCI DSS)",
        "iam",
        "Prowler",
        why="Length, reuse and character classes are judged (stricter than PCI's 7 and 4); the "
        "90-day expiry is not, by design: CIS v3.0/v4.0 and NIST SP 800-63B advise against "
        "forced rotation.",
    ),
    FsbpControl(
        "IAM.19",
        "MFA should be enabled for all IAM users",
        "iam",
        "Prowler",
        why="Judged for users with a console password (iam_user_console_mfa_enabled), as "
        "Prowler does: an MFA device does not protect an access key unless a policy asks for "
        "it.",
    ),
    FsbpControl(
        "IAM.21",
        "IAM customer managed policies that you create should not allow wildcard actions for "
        "services",
        "iam",
    ),
    FsbpControl(
        "IAM.22",
        "IAM user credentials unused for 45 days should be removed",
        "iam",
        "Prowler",
        stricter=_KEYS_NEVER_USED,
    ),
    FsbpControl(
        "IAM.26", "Expired SSL/TLS certificates managed in IAM should be removed", "iam", "Prowler"
    ),
    FsbpControl("S3.1", "S3 Block Public Access setting should be enabled", "s3"),
    FsbpControl("S3.2", "S3 buckets should prohibit public read access", "s3"),
    FsbpControl("S3.3", "S3 buckets should prohibit public write access", "s3"),
    FsbpControl("S3.4", "S3 buckets should have server-side encryption enabled", "s3", "AWS"),
    FsbpControl("S3.5", "S3 buckets should require requests to use Secure Socket Layer", "s3"),
    FsbpControl(
        "S3.6",
        "S3 permissions granted to other AWS accounts in bucket policies should be restricted",
        "s3",
    ),
    FsbpControl(
        "S3.7",
        "S3 general purpose buckets should use cross-Region replication",
        "s3",
        "Prowler",
        why="A resilience control: needs GetBucketReplication, one more call per bucket the "
        "audit does not make.",
    ),
    FsbpControl(
        "S3.8", "S3 Block Public Access setting should be enabled at the bucket level", "s3"
    ),
    FsbpControl("S3.9", "S3 bucket server access logging should be enabled", "s3"),
    FsbpControl(
        "S3.10",
        "S3 buckets with versioning enabled should have lifecycle policies configured",
        "s3",
        "AWS",
        stricter="Ours asks a lifecycle rule of every bucket, versioned or not.",
    ),
    FsbpControl(
        "S3.11",
        "S3 buckets should have event notifications enabled",
        "s3",
        "AWS",
        why="An operational control: needs GetBucketNotificationConfiguration, one more call "
        "per bucket the audit does not make.",
    ),
    FsbpControl(
        "S3.12",
        "S3 access control lists (ACLs) should not be used to manage user access to buckets",
        "s3",
    ),
    FsbpControl("S3.13", "S3 buckets should have lifecycle policies configured", "s3"),
    FsbpControl(
        "S3.14", "S3 general purpose buckets should have versioning enabled", "s3", "Prowler"
    ),
    FsbpControl(
        "S3.15",
        "S3 general purpose buckets should have Object Lock enabled",
        "s3",
        "Prowler",
        why="Object Lock can only be turned on for a new bucket's data lifecycle decision; "
        "needs GetObjectLockConfiguration, one more call per bucket the audit does not make.",
    ),
    FsbpControl(
        "S3.17",
        "S3 general purpose buckets should be encrypted at rest with AWS KMS keys",
        "s3",
        "Prowler",
        why="By choice: SSE-S3 encrypts at rest as CIS accepts, and a KMS key is a cost and "
        "key-policy decision; s3_bucket_default_encryption_enabled judges encryption itself.",
    ),
    FsbpControl(
        "S3.19",
        "S3 access points should have block public access settings enabled",
        "s3",
        "Prowler",
        why="Access points are listed through S3 Control's account endpoint "
        "(s3:ListAccessPoints), which the audit does not read yet.",
    ),
    FsbpControl(
        "S3.20", "S3 general purpose buckets should have MFA delete enabled", "s3", "Prowler"
    ),
)

#: Security Hub control ids checks may name besides FSBP's: the controls Security Hub runs
#: for CIS v1.2/v3.0 and PCI DSS over the same settings.
OTHER_SECURITY_HUB = frozenset(
    {"EC2.53", "EC2.54", "IAM.11", "IAM.12", "IAM.13", "IAM.14", "IAM.15", "IAM.16", "IAM.27"}
)


def coverage(
    checks: Sequence[tuple[str, Sequence[str], Sequence[str]]],
) -> tuple[dict[CisControl, list[str]], dict[FsbpControl, list[str]]]:
    """The checks covering each control, from ``(check id, cis ids, fsbp ids)`` triples.

    Args:
        checks: For each check, its id, the CIS v3.0.0 ids and the Security Hub control
            ids its metadata names.

    Returns:
        Every CIS control (with the checks its table row already names, then those
        naming it) and every FSBP control, each with its covering check ids; a control no
        check covers has an empty list.

    Raises:
        ValueError: a check names a CIS id or Security Hub id no table knows.
    """
    cis = {c: list(c.checks) for c in CIS}
    by_v3 = {c.v3: c for c in CIS if c.v3}
    fsbp: dict[FsbpControl, list[str]] = {c: [] for c in FSBP}
    by_id = {c.id: c for c in FSBP}
    for check_id, cis_ids, fsbp_ids in checks:
        for control in cis_ids:
            if control not in by_v3:
                raise ValueError(f"{check_id} names CIS v3.0.0 {control}, which the table lacks")
            cis[by_v3[control]].append(check_id)
        for control in fsbp_ids:
            if control in by_id:
                fsbp[by_id[control]].append(check_id)
            elif control not in OTHER_SECURITY_HUB:
                raise ValueError(f"{check_id} names Security Hub {control}, which no table knows")
    return cis, fsbp
