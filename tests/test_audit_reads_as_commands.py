"""One AWS read stack: the commands and the audit read a resource into the same model.

The same moto instance, security group and bucket, read by the command's reader and
by the audit's inventory, come back as one class with equal values; and ``s3
describe`` and the audit agree on every state of a bucket's versioning (Enabled,
Suspended, never), default encryption (none, SSE-S3, SSE-KMS) and public access
block (absent, partial, full), down to the checks' verdicts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count
from test_aws_ops_support import Account, open_account

from devops_agent.audit import discover_checks, evaluate, inventory, reading, run_audit
from devops_agent.aws import ec2, s3
from devops_agent.aws.s3.buckets import SETTING_FIELDS

REGION = "us-east-1"
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def moto_account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Account]:
    yield from open_account(tmp_path_factory)


def collect(account: Account, *parts: str) -> inventory.Inventory:
    return reading.collect(account.session, [REGION], parts, account_id=ACCOUNT)


def test_an_instance_and_its_security_group_read_the_same_everywhere(
    moto_account: Account,
) -> None:
    c = moto_account.client("ec2")
    vpc_id = c.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0][
        "VpcId"
    ]
    peer = c.create_security_group(GroupName="same-peer", Description="peer", VpcId=vpc_id)
    group = c.create_security_group(GroupName="same-web", Description="web", VpcId=vpc_id)
    c.authorize_security_group_ingress(
        GroupId=group["GroupId"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            },
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5433,
                "UserIdGroupPairs": [{"GroupId": peer["GroupId"]}],
            },
        ],
    )
    (made,) = c.run_instances(
        ImageId="ami-12345678",
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        SecurityGroupIds=[group["GroupId"]],
        MetadataOptions={"HttpTokens": "required"},
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "same"}]}
        ],
    )["Instances"]
    c.stop_instances(InstanceIds=[made["InstanceId"]])

    found = collect(moto_account, "ec2.instances", "ec2.security_groups").ec2[REGION]
    (audited,) = [i for i in found.instances or [] if i.id == made["InstanceId"]]
    (listed,) = [i for i in ec2.list_instances(moto_account.session, REGION) if i.id == audited.id]
    assert type(audited) is type(listed) is ec2.Instance is inventory.Instance
    assert audited == listed
    assert audited.state == "stopped" and audited.state_changed is not None
    assert audited.imds_v2_required is True and audited.name == "same"
    described = moto_account.run(f"ec2 describe {audited.id}").data["instances"]
    assert described == [audited.model_dump(mode="json")]

    (audited_group,) = [g for g in found.security_groups or [] if g.id == group["GroupId"]]
    read = ec2.describe_security_group(moto_account.session, REGION, group["GroupId"])
    assert type(audited_group) is type(read) is ec2.SecurityGroup is inventory.SecurityGroup
    assert audited_group == read
    ssh, db = sorted(audited_group.ingress, key=lambda r: r.from_port or 0)
    assert (ssh.ipv4, ssh.ipv6, ssh.ports) == (["0.0.0.0/0"], ["::/0"], "22")
    assert (db.groups, db.ports, db.sources) == ([peer["GroupId"]], "5432-5433", [peer["GroupId"]])
    shown = moto_account.run(f"ec2 sg describe {group['GroupId']}").data["security_group"]
    assert shown == audited_group.model_dump(mode="json")


#: Bucket → (versioning, encryption, public access block) set up for it, and what
#: ``s3 describe`` must then say; each state of each setting appears once.
STATES: dict[str, tuple[str | None, str | None, dict[str, bool] | None]] = {
    "same-never-none-absent": (None, None, None),
    "same-suspended-s3-partial": (
        "Suspended",
        "AES256",
        {
            "BlockPublicAcls": True,
            "IgnorePublicAcls": False,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": False,
        },
    ),
    "same-enabled-kms-full": ("Enabled", "aws:kms", dict.fromkeys(s3.PUBLIC_ACCESS_BLOCK, True)),
}
KMS_KEY = "alias/same-data"
SHOWN_VERSIONING = {None: "Disabled", "Suspended": "Suspended", "Enabled": "Enabled"}


@pytest.fixture(scope="module")
def states(moto_account: Account) -> dict[str, tuple[Any, ...]]:
    c = moto_account.client("s3")
    for name, (versioning, encryption, block) in STATES.items():
        c.create_bucket(Bucket=name)
        if versioning == "Suspended":  # a bucket is suspended only after being enabled
            c.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        if versioning:
            c.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning})
        if encryption:
            default: dict[str, str] = {"SSEAlgorithm": encryption}
            if encryption == "aws:kms":
                default["KMSMasterKeyID"] = KMS_KEY
            c.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": default}]
                },
            )
        if block is not None:
            c.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
    return STATES


def settings_of(bucket: s3.Bucket, settings: set[str]) -> dict[str, Any]:
    fields = {f for s in settings for f in SETTING_FIELDS[s]}
    return bucket.model_dump(mode="json", include={"name", "region", *fields})


def test_a_listed_bucket_is_the_audits_bucket(
    moto_account: Account, states: dict[str, Any]
) -> None:
    audited = {b.name: b for b in collect(moto_account, "s3.buckets").s3.buckets or []}
    listed = {b.name: b for b in s3.list_buckets(moto_account.session)}
    for name in states:
        assert type(audited[name]) is type(listed[name]) is s3.Bucket is inventory.Bucket
        assert audited[name] == listed[name]
        assert audited[name].settings_read == []
    shown = {b["name"]: b for b in moto_account.run("s3 list").data["buckets"]}
    for name in states:
        assert shown[name] == audited[name].model_dump(mode="json")
        # what s3 list showed before the models were one: no unread setting leaks in
        assert set(shown[name]) == {"name", "region", "created", "settings_read"}


def test_s3_describe_and_the_audit_agree_on_every_state(
    moto_account: Account, states: dict[str, Any]
) -> None:
    parts = (
        "s3.bucket_versioning",
        "s3.bucket_encryption",
        "s3.bucket_public_access_block",
        "s3.bucket_logging",
        "s3.bucket_lifecycle",
        "s3.bucket_policy",
    )
    found = collect(moto_account, *parts)
    audited = {b.name: b for b in found.s3.buckets or []}
    for name, (versioning, encryption, block) in states.items():
        described = s3.describe_bucket(moto_account.session, name)
        ours = audited[name]
        assert type(described) is type(ours) is s3.Bucket
        both = set(described.settings_read) & set(ours.settings_read)
        assert {"versioning", "encryption", "public_access_block"} <= both
        assert settings_of(ours, both) == settings_of(described, both), name
        assert (ours.versioning, ours.encryption, ours.public_access_block) == (
            SHOWN_VERSIONING[versioning],
            encryption,
            block,
        )
        assert ours.kms_key == (KMS_KEY if encryption == "aws:kms" else None)
        shown = moto_account.run(f"s3 describe {name}").data
        assert {k: shown[k] for k in ("versioning", "encryption", "public_access_block")} == {
            "versioning": ours.versioning,
            "encryption": ours.encryption,
            "public_access_block": ours.public_access_block,
        }

    report = evaluate(found, [c for c in discover_checks() if c.meta.service == "s3"])

    def flagged(check: str) -> set[str]:
        return {
            f.resource_id
            for f in report.findings
            if f.check_id == check and f.resource_id in states
        }

    assert flagged("s3_bucket_versioning_enabled") == {
        "same-never-none-absent",
        "same-suspended-s3-partial",
    }
    assert flagged("s3_bucket_default_encryption_enabled") == {"same-never-none-absent"}
    assert flagged("s3_bucket_public_access_block_enabled") == {
        "same-never-none-absent",
        "same-suspended-s3-partial",
    }


@set_initial_no_auth_action_count(4)
@mock_aws
def test_a_setting_the_audit_could_not_read_is_not_judged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A refused bucket setting leaves that bucket out of the setting's checks (never
    judged on a default) and names the missing permission for that bucket alone."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    boto3.client("s3", region_name=REGION).create_bucket(Bucket="unread-versioning")
    admin = boto3.client("iam", region_name=REGION)
    admin.create_user(UserName="auditor")
    admin.put_user_policy(
        UserName="auditor",
        PolicyName="read",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": ["s3:List*", "s3:Get*"], "Resource": "*"},
                    {"Effect": "Deny", "Action": "s3:GetBucketVersioning", "Resource": "*"},
                ],
            }
        ),
    )
    key = admin.create_access_key(UserName="auditor")["AccessKey"]
    # the four calls above were free; from here on moto enforces IAM policies
    auditor = boto3.Session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name=REGION,
    )
    report = run_audit(
        auditor,
        [REGION],
        checks=["s3_bucket_versioning_enabled", "s3_bucket_default_encryption_enabled"],
        account_id=ACCOUNT,
    )
    # (buckets other tests of this module made are refused alike)
    gaps = {g.resource: g for g in report.not_audited}
    assert "unread-versioning" in gaps
    assert {(g.part, g.permission, g.code) for g in gaps.values()} == {
        ("s3.bucket_versioning", "s3:GetBucketVersioning", "AccessDenied")
    }
    status = {c.id: c.status for c in report.checks}
    assert status == {
        "s3_bucket_versioning_enabled": "partial",  # not "failed" on a default, not "passed"
        "s3_bucket_default_encryption_enabled": "failed",  # read, and judged
    }
    flagged = {(f.check_id, f.resource_id) for f in report.findings}
    assert ("s3_bucket_default_encryption_enabled", "unread-versioning") in flagged
    assert not any(check == "s3_bucket_versioning_enabled" for check, _ in flagged)
