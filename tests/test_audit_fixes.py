"""Fixes as plans, per fix family, against moto: finding → plan → apply → re-check resolved.

Each test builds the failing state in a fresh in-process moto account, checks the audit
flags it, asks ``audit fix CHECK_ID`` (the command, through the catalog and the check's
declared fix), carries the plan's entries out through the registered executors as
``apply`` does (with a read side for the re-check step), and then asserts both that the
re-check step said "resolved" and that a fresh audit no longer flags the resource: the
state AWS holds, not what any function returned. The full path through ``/devops
apply`` and the audit issue is in ``tests/test_e2e_audit.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from audit_fix_support import (
    ACCOUNT,
    REGION,
    WORLD,
    Account,
    default_vpc,
    fresh_account,
    iam_backend,
    instance,
    open_group,
    tcp,
)

from devops_agent.audit.registry import discover_checks
from devops_agent_sandbox.estate import public_read_policy


@pytest.fixture
def account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    yield from fresh_account(tmp_path, monkeypatch)


# --------------------------------------------------------------------------- coverage


def test_at_least_25_checks_have_a_fix_and_the_rest_say_why() -> None:
    checks = discover_checks()
    fixable = [c for c in checks if c.meta.fix is not None]
    assert len(fixable) >= 25
    for check in checks:
        meta = check.meta
        assert (meta.fix is None) != (not meta.no_fix), meta.id  # exactly one of the two
        if meta.no_fix:
            assert len(meta.no_fix) > 30 and meta.no_fix.endswith((".", ")")), meta.id


# --------------------------------------------------------------------------- EC2


def test_imdsv2_family(account: Account) -> None:
    target = instance(account, MetadataOptions={"HttpTokens": "optional"})
    lines = account.fix("ec2_instance_imdsv2_required", target)
    assert f"{target} requires IMDSv2" in lines[0]
    options = account.ec2.describe_instances(InstanceIds=[target])["Reservations"][0]["Instances"][
        0
    ]["MetadataOptions"]
    assert options["HttpTokens"] == "required" and options["HttpEndpoint"] == "enabled"


@pytest.mark.parametrize(
    ("check_id", "permission", "other"),
    [
        ("ec2_securitygroup_ssh_restricted", tcp(22), tcp(443)),
        ("ec2_securitygroup_rdp_restricted", tcp(3389), tcp(22, cidr="10.0.0.0/8")),
        ("ec2_securitygroup_database_ports_restricted", tcp(5432), tcp(80)),
        ("ec2_securitygroup_legacy_ports_restricted", tcp(23), tcp(443)),
        (
            "ec2_securitygroup_all_ports_restricted",
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": WORLD}]},
            tcp(443),
        ),
    ],
)
def test_security_group_family_revokes_exactly_what_the_check_flagged(
    account: Account, check_id: str, permission: dict[str, Any], other: dict[str, Any]
) -> None:
    group = open_group(account, permission, other)
    entries, result = account.plan(f"audit fix {check_id} {group}")
    close, recheck = entries
    assert recheck.operation == "audit.recheck"
    assert close.operation == "ec2.close_security_group"
    assert len(close.args["rules"]) == 1  # the other rule is not touched
    assert "⚠️" in result.text  # the fix's caveat is shown under the plan
    account.apply(entries)
    assert group not in account.flagged(check_id)
    rules = account.ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0][
        "IpPermissions"
    ]
    assert len(rules) == 1  # the rule the check did not flag stays
    assert rules[0]["FromPort"] == other["FromPort"]


def test_default_security_group_family(account: Account) -> None:
    group = account.ec2.describe_security_groups(
        Filters=[
            {"Name": "group-name", "Values": ["default"]},
            {"Name": "vpc-id", "Values": [default_vpc(account)]},
        ]
    )["SecurityGroups"][0]["GroupId"]
    account.fix("ec2_securitygroup_default_restricted", group, f"{group}")
    found = account.ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
    assert found["IpPermissions"] == [] and found["IpPermissionsEgress"] == []


def test_unused_security_group_family(account: Account) -> None:
    group = open_group(account, tcp(443, cidr="10.0.0.0/8"), name="unused")
    account.fix("ec2_securitygroup_in_use", group, group)
    groups = account.ec2.describe_security_groups()["SecurityGroups"]
    assert group not in {g["GroupId"] for g in groups}


def test_ebs_encryption_by_default_family(account: Account) -> None:
    account.fix("ec2_ebs_default_encryption_enabled", f"{ACCOUNT}/{REGION}")
    assert account.ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is True


def test_public_snapshot_family(account: Account) -> None:
    volume = account.ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=1)["VolumeId"]
    snapshot = account.ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    account.ec2.modify_snapshot_attribute(
        SnapshotId=snapshot,
        Attribute="createVolumePermission",
        OperationType="add",
        GroupNames=["all"],
    )
    account.fix("ec2_ebs_snapshot_private", snapshot, snapshot)


def test_public_ami_family(account: Account) -> None:
    image = account.ec2.create_image(InstanceId=instance(account), Name="golden")["ImageId"]
    account.ec2.modify_image_attribute(ImageId=image, LaunchPermission={"Add": [{"Group": "all"}]})
    account.fix("ec2_ami_private", image, image)


def test_unattached_elastic_ip_family(account: Account) -> None:
    allocation = account.ec2.allocate_address(Domain="vpc")["AllocationId"]
    entries, _ = account.plan(f"audit fix ec2_eip_associated {allocation}")
    assert "cannot be undone" in entries[0].description
    account.apply(entries)
    assert account.ec2.describe_addresses()["Addresses"] == []


# --------------------------------------------------------------------------- IAM


@pytest.mark.parametrize(
    ("check_id", "policy"),
    [
        ("iam_password_policy_exists", None),
        ("iam_password_policy_min_length_14", {"MinimumPasswordLength": 8}),
        ("iam_password_policy_reuse_prevention", {"MinimumPasswordLength": 14}),
        ("iam_password_policy_complexity_required", {"MinimumPasswordLength": 14}),
    ],
)
def test_password_policy_family(account: Account, check_id: str, policy: dict | None) -> None:
    if policy is not None:
        account.iam.update_account_password_policy(MaxPasswordAge=60, **policy)
    account.fix(check_id, ACCOUNT)
    after = account.iam.get_account_password_policy()["PasswordPolicy"]
    if policy is not None:
        assert after["MaxPasswordAge"] == 60  # what the fix did not ask about stays
        assert after["MinimumPasswordLength"] >= policy["MinimumPasswordLength"]


def test_unused_access_key_family(account: Account) -> None:
    account.iam.create_user(UserName="dormant")
    old = account.iam.create_access_key(UserName="dormant")["AccessKey"]["AccessKeyId"]
    fresh = account.iam.create_access_key(UserName="dormant")["AccessKey"]["AccessKeyId"]
    key = next(k for k in iam_backend().users["dormant"].access_keys if k.access_key_id == old)
    key.create_date = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=60)
    lines = account.fix("iam_user_access_key_used_recently", "dormant/access-key-1")
    assert len(lines) == 2  # one deactivation, then the re-check
    statuses = {
        k["AccessKeyId"]: k["Status"]
        for k in account.iam.list_access_keys(UserName="dormant")["AccessKeyMetadata"]
    }
    assert statuses == {old: "Inactive", fresh: "Active"}  # the key in its first days stays


def test_unused_console_password_family(account: Account) -> None:
    account.iam.create_user(UserName="gone")
    account.iam.create_login_profile(UserName="gone", Password="Correct-Horse-9!")
    iam_backend().users["gone"].password_last_used = datetime.now(UTC).replace(
        tzinfo=None
    ) - timedelta(days=50)
    account.fix("iam_user_console_access_used_recently", "gone")
    with pytest.raises(account.iam.exceptions.NoSuchEntityException):
        account.iam.get_login_profile(UserName="gone")


# --------------------------------------------------------------------------- S3


@pytest.mark.parametrize(
    "check_id",
    [
        "s3_bucket_versioning_enabled",
        "s3_bucket_default_encryption_enabled",
        "s3_bucket_public_access_block_enabled",
        "s3_bucket_secure_transport_required",
        "s3_bucket_acls_disabled",
    ],
)
def test_bucket_setting_family(account: Account, check_id: str) -> None:
    account.s3.create_bucket(Bucket="acme-data")
    account.s3.create_bucket(Bucket="acme-other")
    account.fix(check_id, "acme-data", "acme-data")
    assert "acme-other" in account.flagged(check_id)  # only what was named


def test_bucket_policy_tls_family_keeps_the_other_statements(account: Account) -> None:
    account.s3.create_bucket(Bucket="acme-site")
    kept = {
        "Sid": "ReadForCdn",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::acme-site/*",
    }
    account.s3.put_bucket_policy(
        Bucket="acme-site", Policy=json.dumps({"Version": "2012-10-17", "Statement": [kept]})
    )
    account.fix("s3_bucket_secure_transport_required", "acme-site", "acme-site")
    document = json.loads(account.s3.get_bucket_policy(Bucket="acme-site")["Policy"])
    assert document["Statement"][0] == kept
    assert document["Statement"][1]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_public_acl_family(account: Account) -> None:
    account.s3.create_bucket(Bucket="acme-open")
    account.s3.put_bucket_acl(Bucket="acme-open", ACL="public-read")
    account.fix("s3_bucket_acl_not_public", "acme-open", "acme-open")
    grants = account.s3.get_bucket_acl(Bucket="acme-open")["Grants"]
    assert all(g["Grantee"].get("Type") == "CanonicalUser" for g in grants)


def test_disabling_acls_first_makes_a_public_acl_private(account: Account) -> None:
    account.s3.create_bucket(Bucket="acme-legacy")
    account.s3.put_bucket_acl(Bucket="acme-legacy", ACL="public-read")
    entries, _ = account.plan("audit fix s3_bucket_acls_disabled acme-legacy")
    assert [e.operation for e in entries] == [
        "s3.make_acl_private",
        "s3.disable_acls",
        "audit.recheck",
    ]
    account.apply(entries)
    assert "acme-legacy" not in account.flagged("s3_bucket_acls_disabled")
    assert "acme-legacy" not in account.flagged("s3_bucket_acl_not_public")


def test_account_public_access_block_family(account: Account) -> None:
    account.s3.create_bucket(Bucket="acme-website")
    account.s3.put_bucket_policy(
        Bucket="acme-website",
        Policy=public_read_policy("acme-website"),
    )
    entries, _ = account.plan("audit fix s3_account_public_access_block_enabled")
    assert "acme-website" in entries[0].description  # what the block would close is named
    account.apply(entries)
    assert ACCOUNT not in account.flagged("s3_account_public_access_block_enabled")


# --------------------------------------------------------------------------- VPC


def test_subnet_public_ip_family(account: Account) -> None:
    vpc = account.ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = account.ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    account.ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    account.fix("vpc_subnet_no_public_ip_on_launch", subnet, subnet)


def test_unused_network_acl_family(account: Account) -> None:
    acl = account.ec2.create_network_acl(VpcId=default_vpc(account))["NetworkAcl"]["NetworkAclId"]
    account.fix("vpc_nacl_in_use", acl, acl)
