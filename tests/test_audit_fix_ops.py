"""The writes audit fixes are made of, state by state, and ``audit fix`` itself: what it
refuses, what it leaves out, and the attacks on it (a re-check planned alone, a fix
plan naming the composite, a rule added after the plan was read)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
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
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count

from devops_agent.audit import fixes
from devops_agent.catalog import carry_out
from devops_agent.errors import BadInput, Refused
from devops_agent.operation import PlanEntry


@pytest.fixture
def account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    yield from fresh_account(tmp_path, monkeypatch)


def refused(a: Account, command: str, *words: str, code: int = 2) -> str:
    result = a.run(command)
    assert result.exit_code == code, f"{result.status} {result.title}\n{result.text}"
    assert not result.plan_block
    text = f"{result.title} {result.text}"
    for word in words:
        assert word in text, text
    return text


def unchanged(a: Account, command: str, *words: str) -> None:
    result = a.run(command)
    assert result.status == "success" and result.exit_code == 0, result.text
    assert not result.plan_block and "Nothing to change" in result.text
    for word in words:
        assert word in result.title, result.title


# --------------------------------------------------------------------------- audit fix


def test_an_unknown_check_names_the_closest_ids(account: Account) -> None:
    refused(account, "audit fix s3_bucket_versioning", "Did you mean s3_bucket_versioning_enabled")


def test_a_check_without_a_safe_fix_says_why(account: Account) -> None:
    refused(account, "audit fix ec2_ebs_volume_encrypted", "no automatic fix", "Breaking")


def test_nothing_failing_is_no_plan(account: Account) -> None:
    unchanged(account, "audit fix ec2_eip_associated", "Nothing to fix", "no failing resource")


def test_a_named_resource_that_passes_is_said_to_pass(account: Account) -> None:
    account.s3.create_bucket(Bucket="acme-ok")
    account.s3.create_bucket(Bucket="acme-bad")
    account.s3.put_bucket_versioning(
        Bucket="acme-ok", VersioningConfiguration={"Status": "Enabled"}
    )
    entries, result = account.plan("audit fix s3_bucket_versioning_enabled acme-ok acme-bad")
    assert [e.resources for e in entries] == [
        ["arn:aws:s3:::acme-bad"],
        ["acme-bad"],
    ]
    assert "Not failing s3_bucket_versioning_enabled: `acme-ok`" in result.text


def test_suppressed_findings_are_left_out_unless_named(account: Account) -> None:
    for name in ("acme-keep", "acme-fix"):
        account.s3.create_bucket(Bucket=name)
    config = account.workspace / ".github" / "devops-agent.yml"
    config.parent.mkdir(parents=True)
    config.write_text(
        "audit:\n  suppressions:\n    - check: s3_bucket_versioning_enabled\n"
        "      resource: acme-keep\n      reason: scratch data\n"
    )
    entries, _ = account.plan("audit fix s3_bucket_versioning_enabled")
    assert entries[-1].resources == ["acme-fix"]
    entries, _ = account.plan("audit fix s3_bucket_versioning_enabled acme-keep")
    assert entries[-1].resources == ["acme-keep"]  # named: the person asked for it


def test_a_plan_takes_at_most_the_cap_and_says_how_many_wait(
    account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fixes, "MAX_FIX_ENTRIES", 2)
    for _ in range(3):
        account.ec2.allocate_address(Domain="vpc")
    entries, result = account.plan("audit fix ec2_eip_associated")
    assert len(entries) == 3  # two releases and the re-check
    assert "1 more failing resources wait for the next plan" in result.text


def test_thresholds_from_the_config_decide_what_is_fixed(account: Account) -> None:
    account.iam.create_user(UserName="quiet")
    account.iam.create_login_profile(UserName="quiet", Password="Correct-Horse-9!")
    iam_backend().users["quiet"].password_last_used = datetime.now(UTC).replace(
        tzinfo=None
    ) - timedelta(days=60)
    entries, _ = account.plan("audit fix iam_user_console_access_used_recently")
    assert entries[0].operation == "iam.delete_login_profile"  # 60 > CIS's 45
    config = account.workspace / ".github" / "devops-agent.yml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("audit:\n  thresholds:\n    console_password_max_unused_days: 90\n")
    unchanged(account, "audit fix iam_user_console_access_used_recently", "Nothing to fix")


def test_the_recheck_is_never_planned_alone(account: Account) -> None:
    args = fixes.RecheckArgs(
        check="ec2_eip_associated",
        region=REGION,
        targets=[fixes.FixTarget(region=REGION, resource="eipalloc-0123456789abcdef0")],
    )
    with pytest.raises(BadInput, match="only as the last step"):
        fixes.RECHECK.plan(account.context(), args)


def test_a_plan_entry_naming_the_composite_is_refused_at_apply(account: Account) -> None:
    entry = PlanEntry(
        operation="audit.fix", args={"check": "ec2_eip_associated"}, description="fix"
    )
    with pytest.raises(Refused, match="does not have"):
        carry_out(entry, object())  # type: ignore[arg-type]


def test_a_recheck_reports_what_it_reads_not_what_it_was_told(account: Account) -> None:
    """A re-check entry on a resource that still fails says so, with what was read."""
    allocation = account.ec2.allocate_address(Domain="vpc")["AllocationId"]
    entry = fixes.RECHECK.entry(
        fixes.RecheckArgs(
            check="ec2_eip_associated",
            region=REGION,
            targets=[fixes.FixTarget(region=REGION, resource=allocation)],
        ),
        "re-check",
        [allocation],
    )
    (line,) = account.apply([entry])
    assert "❌ still failing" in line and allocation in line and "associated with nothing" in line
    assert "resolved" not in line


def test_a_rule_added_after_the_plan_was_read_is_not_revoked(account: Account) -> None:
    group = open_group(account, tcp(22))
    entries, _ = account.plan(f"audit fix ec2_securitygroup_ssh_restricted {group}")
    account.ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[tcp(22, cidr="0.0.0.0/1")]
    )
    account.apply(entries)
    rules = account.ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0][
        "IpPermissions"
    ]
    assert [r["IpRanges"] for r in rules] == [[{"CidrIp": "0.0.0.0/1"}]]


# --------------------------------------------------------------------------- the writes


def test_password_policy_states(account: Account) -> None:
    refused(account, "iam password-policy set", "Say what to set")
    refused(account, "iam password-policy set --require emoji", "Unknown character class")
    account.iam.update_account_password_policy(MinimumPasswordLength=16, MaxPasswordAge=30)
    refused(account, "iam password-policy set --min-length 14", "would weaken it")
    unchanged(account, "iam password-policy set --min-length 16", "already says")
    entries, _ = account.plan("iam password-policy set --reuse-prevention 24 --require all")
    assert entries[0].args["policy"]["max_age_days"] == 30  # today's settings are kept
    assert entries[0].args["policy"]["minimum_length"] == 16
    result = account.run("iam password-policy")
    assert "at least 16 characters" in result.title


def test_unused_keys_and_console_states(account: Account) -> None:
    refused(account, "iam keys deactivate-unused nobody", "no IAM user")
    account.iam.create_user(UserName="busy")
    account.iam.create_access_key(UserName="busy")
    unchanged(account, "iam keys deactivate-unused busy", "no active access key unused")
    unchanged(account, "iam user disable-console busy", "has no console password")


def test_imdsv2_states(account: Account) -> None:
    already = instance(account, MetadataOptions={"HttpTokens": "required"})
    unchanged(account, f"ec2 imdsv2 {already}", "already require IMDSv2")
    refused(account, "ec2 imdsv2 i-nothere", "Not an instance id")


def test_elastic_ip_states(account: Account) -> None:
    refused(account, "ec2 eip release eipalloc-0123456789abcdef0", "Not found")
    allocation = account.ec2.allocate_address(Domain="vpc")["AllocationId"]
    account.ec2.associate_address(AllocationId=allocation, InstanceId=instance(account))
    refused(account, f"ec2 eip release {allocation}", "only an address nothing uses")


def test_sharing_states(account: Account) -> None:
    volume = account.ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=1)["VolumeId"]
    snapshot = account.ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    unchanged(account, f"ec2 snapshot private {snapshot}", "is not public")
    image = account.ec2.create_image(InstanceId=instance(account), Name="golden")["ImageId"]
    unchanged(account, f"ec2 ami private {image}", "is not public")


def test_close_security_group_states(account: Account) -> None:
    group = open_group(account, tcp(22), tcp(443), tcp(8080, cidr="10.0.0.0/8"))
    refused(account, f"ec2 sg close {group} --ports 22 --all-rules", "leave --ports out")
    unchanged(account, f"ec2 sg close {group} --ports 3389", "reaching port 3389")
    entries, _ = account.plan(f"ec2 sg close {group} --ports 22")
    assert [r["from_port"] for r in entries[0].args["rules"]] == [22]
    entries, _ = account.plan(f"ec2 sg close {group}")
    assert sorted(r["from_port"] for r in entries[0].args["rules"]) == [22, 443]
    account.apply(entries)
    left = account.ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
    assert [r["FromPort"] for r in left["IpPermissions"]] == [8080]
    assert left["IpPermissionsEgress"]  # outbound rules are only touched with --all-rules


def test_bucket_acl_and_ownership_states(account: Account) -> None:
    account.s3.create_bucket(Bucket="acme-quiet")
    unchanged(account, "s3 acl acme-quiet private", "grants nobody else")
    account.s3.put_bucket_ownership_controls(
        Bucket="acme-quiet",
        OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
    )
    unchanged(account, "s3 acls acme-quiet disable", "already disabled")
    refused(account, "s3 acls acme-missing disable", "no bucket")


def test_require_tls_states(account: Account) -> None:
    account.s3.create_bucket(Bucket="acme-tls")
    entries, result = account.plan("s3 policy require-tls acme-tls")
    assert "0 existing statements kept" in entries[0].description
    assert "aws:SecureTransport" in result.text  # the whole new policy is shown
    account.apply(entries)
    unchanged(account, "s3 policy require-tls acme-tls", "already refuses plain HTTP")
    policy = json.loads(account.s3.get_bucket_policy(Bucket="acme-tls")["Policy"])
    assert policy["Statement"][0]["Sid"] == "DenyInsecureTransport"


def test_account_block_states(account: Account) -> None:
    entries, _ = account.plan("s3 account public-access block")
    assert "no bucket is public through its policy today" in entries[0].description
    account.apply(entries)
    unchanged(account, "s3 account public-access block", "already blocks")


def test_subnet_public_ip_states(account: Account) -> None:
    vpc = account.ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnet = account.ec2.create_subnet(VpcId=vpc, CidrBlock="10.8.1.0/24")["Subnet"]["SubnetId"]
    unchanged(account, f"vpc subnet public-ip {subnet} off", "does not map")
    entries, _ = account.plan(f"vpc subnet public-ip {subnet} on")
    account.apply(entries)
    found = account.ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]
    assert found["MapPublicIpOnLaunch"] is True


def test_network_acl_states(account: Account) -> None:
    default = account.ec2.describe_network_acls(Filters=[{"Name": "default", "Values": ["true"]}])[
        "NetworkAcls"
    ][0]["NetworkAclId"]
    refused(account, f"vpc nacl delete {default}", "default network ACL")
    acl = account.ec2.create_network_acl(VpcId=default_vpc(account))["NetworkAcl"]["NetworkAclId"]
    subnet = account.ec2.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [default_vpc(account)]}]
    )["Subnets"][0]["SubnetId"]
    association = next(
        a["NetworkAclAssociationId"]
        for n in account.ec2.describe_network_acls()["NetworkAcls"]
        for a in n.get("Associations", [])
        if a["SubnetId"] == subnet
    )
    account.ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)
    refused(account, f"vpc nacl delete {acl}", "still used by")
    refused(account, "vpc nacl delete acl-0123456789abcdef0", "Not found")


def test_every_fix_is_a_write_the_catalog_carries_out() -> None:
    from devops_agent import catalog
    from devops_agent.audit.registry import discover_checks
    from devops_agent.operation import Write

    declared = {op.name: op for op in catalog.declarations()}
    for check in discover_checks():
        if check.meta.fix is not None:
            write = check.meta.fix.write
            assert isinstance(write, Write) and declared[write.name] is write, check.meta.id
            assert write.commands, f"{write.name}: people can ask for the same fix by hand"


def test_every_fix_write_is_in_the_write_role_policy() -> None:
    from devops_agent import catalog
    from devops_agent.audit.registry import discover_checks

    policy = catalog.role_policy("write")["Statement"][0]["Action"]
    for check in discover_checks():
        if check.meta.fix is not None:
            assert set(catalog.iam_actions(check.meta.fix.write, "write")) <= set(policy)


def test_world_open_means_the_same_to_the_checks_and_to_sg_close() -> None:
    from devops_agent.audit import network
    from devops_agent.aws.ec2 import security_group_cleanup

    assert network.WORLD is security_group_cleanup.WORLD
    assert network.covers_port is security_group_cleanup.covers_port
    assert WORLD in network.WORLD and ACCOUNT


@set_initial_no_auth_action_count(3)
def test_a_recheck_that_cannot_read_says_so_and_never_resolved(tmp_path: Path) -> None:
    """A read role refused the part the check needs: the step reports it could not
    re-check; nothing is called resolved on what was not read."""
    with mock_aws():
        admin = boto3.Session(region_name=REGION).client("iam")
        admin.create_user(UserName="blind")
        key = admin.create_access_key(UserName="blind")["AccessKey"]  # 3rd free call
        blind = boto3.Session(
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
            region_name=REGION,
        )
        entry = fixes.RECHECK.entry(
            fixes.RecheckArgs(
                check="ec2_eip_associated",
                region=REGION,
                targets=[fixes.FixTarget(region=REGION, resource="eipalloc-0123456789abcdef0")],
            ),
            "re-check",
            ["eipalloc-0123456789abcdef0"],
        )
        (line,) = Account(blind, tmp_path).apply([entry])
    assert line.startswith("could not re-check ec2_eip_associated")
    assert "resolved" not in line
