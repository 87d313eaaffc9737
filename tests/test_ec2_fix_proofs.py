"""The audit's EC2 fixes prove themselves (issue 15), in process against moto.

For each fix (``ec2 imdsv2``, ``ec2 sg close``, ``ec2 snapshot private``, ``ec2 ami
private``, ``ec2 eip release``): the executor sends exactly the calls the plan declared
(recorded by botocore's own event hooks on the write session, as the apply records
them), the read-back says ✅ after the change and ❌ before it, and the way back either
restores the state read before the change or the plan says, before approval, why there
is none. Every assertion is on AWS's state or on what was sent, never on a mock.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from test_aws_ops_support import Account, Writers, open_account

from devops_agent import catalog, preview, session_policy
from devops_agent.carry import Recorder
from devops_agent.errors import BadInput
from devops_agent.operation import NotAsPlanned, PlanEntry, Verified

ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Account]:
    yield from open_account(tmp_path_factory)


def ec2(account: Account) -> Any:
    return account.client("ec2")


def carry(account: Account, entries: list[PlanEntry]) -> list[dict[str, Any]]:
    """Carry ``entries`` out with a write session of their own; what it sent."""
    write = boto3.Session(region_name="us-east-1")
    recorder = Recorder(write)
    writers = Writers(write, None, account.workspace, account.context())
    for entry in entries:
        catalog.carry_out(entry, writers)
    return recorder.take()


def changes(recorded: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """The requests that changed something: every call sent without ``DryRun``, and a
    ``DryRun`` call the stand-in carried out instead of answering ``DryRunOperation``
    (moto does so for ModifyInstanceMetadataOptions; the executor then never repeats it)."""
    return [
        (c["operation"], {k: v for k, v in c["params"].items() if k != "DryRun"})
        for c in recorded
        if not c["dry_run"] or c.get("error") != "DryRunOperation"
    ]


def as_declared(entries: list[PlanEntry], recorded: list[dict[str, Any]]) -> None:
    """What was sent is exactly what the entries declared, in order; each declared
    ``dry_run`` call was first sent with ``DryRun=True``."""
    declared = [call for entry in entries for call in session_policy.calls_of(entry) or []]
    assert changes(recorded) == [(c.operation, c.params) for c in declared]
    previewed = [
        (c["operation"], {k: v for k, v in c["params"].items() if k != "DryRun"})
        for c in recorded
        if c["dry_run"]
    ]
    assert previewed == [(c.operation, c.params) for c in declared if c.dry_run]


def verify(account: Account, entry: PlanEntry) -> Any:
    op, args = catalog.validate(entry)
    assert op.verify is not None
    return op.verify(account.context(), args)


def way_back(account: Account, entry: PlanEntry, before: Any) -> list[PlanEntry]:
    op, args = catalog.validate(entry)
    assert op.undo is not None and not op.warning(args)
    return op.undo(account.context(), before, args)


def before(account: Account, entry: PlanEntry) -> Any:
    op, args = catalog.validate(entry)
    return op.before(account.context(), args) if op.before is not None else None


def image(account: Account, name: str) -> str:
    return str(
        ec2(account).register_image(
            Name=name, Architecture="x86_64", RootDeviceName="/dev/xvda", VirtualizationType="hvm"
        )["ImageId"]
    )


def tokens(account: Account, instance_id: str) -> str:
    found = ec2(account).describe_instances(InstanceIds=[instance_id])["Reservations"]
    return str(found[0]["Instances"][0]["MetadataOptions"]["HttpTokens"])


# --------------------------------------------------------------------------- a toggle


def test_requiring_imdsv2_is_sent_as_declared_read_back_and_rolled_back(account: Account):
    ami = image(account, "imds-image")
    launched = ec2(account).run_instances(
        ImageId=ami,
        MinCount=2,
        MaxCount=2,
        InstanceType="t3.micro",
        MetadataOptions={"HttpTokens": "optional", "HttpEndpoint": "enabled"},
    )
    ids = [i["InstanceId"] for i in launched["Instances"]]
    (entry,) = account.plan(f"ec2 imdsv2 {' '.join(ids)}")
    assert entry.args["http_tokens"] == "required"
    assert isinstance(verify(account, entry), NotAsPlanned)  # not so before the apply
    was = before(account, entry)
    assert was == {i: "optional" for i in ids}

    as_declared([entry], carry(account, [entry]))
    assert [tokens(account, i) for i in ids] == ["required", "required"]
    assert isinstance(verify(account, entry), Verified)

    (back,) = way_back(account, entry, was)
    assert back.args["http_tokens"] == "optional"
    assert back.args["instance_ids"] == entry.args["instance_ids"]
    assert "allow IMDSv1 again" in back.description
    as_declared([back], carry(account, [back]))
    assert [tokens(account, i) for i in ids] == ["optional", "optional"]
    # the rollback's own way back requires IMDSv2 again
    (again,) = way_back(account, back, {i: "required" for i in ids})
    assert again.args["http_tokens"] == "required"


def test_nobody_can_ask_for_imdsv1_through_the_command_or_the_tool(account: Account):
    """``http_tokens`` is filled in by the preview: the command cannot type it and the
    preview sets ``required`` whatever the arguments said."""
    from devops_agent.agent.tools import tool_schema
    from devops_agent.aws.ec2.instance_metadata import Imdsv2Args

    assert "http_tokens" not in tool_schema(Imdsv2Args)["properties"]
    launched = ec2(account).run_instances(
        ImageId=image(account, "imds-typed"),
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        MetadataOptions={"HttpTokens": "optional"},
    )
    iid = launched["Instances"][0]["InstanceId"]
    assert account.run(f"ec2 imdsv2 {iid} --http-tokens optional").exit_code == 2
    op = catalog.lookup("ec2.require_imdsv2")
    smuggled = op.args.model_validate(
        {"region": "us-east-1", "instance_ids": [iid], "http_tokens": "optional"}
    )
    (entry,) = op.plan(account.context(), smuggled).entries
    assert entry.args["http_tokens"] == "required"


# --------------------------------------------------------------------------- rule removal


def open_group(account: Account, name: str) -> str:
    c = ec2(account)
    group = str(c.create_security_group(GroupName=name, Description=name)["GroupId"])
    c.authorize_security_group_ingress(
        GroupId=group,
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
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
            },
        ],
    )
    return group


def inbound(account: Account, group: str) -> set[tuple[int, str]]:
    found = ec2(account).describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
    return {
        (p.get("FromPort", -1), r.get("CidrIp") or r.get("CidrIpv6"))
        for p in found["IpPermissions"]
        for r in [*p.get("IpRanges", []), *p.get("Ipv6Ranges", [])]
    }


def test_closing_a_group_revokes_exactly_the_planned_rules_and_the_way_back_adds_them(
    account: Account,
):
    group = open_group(account, "close-me")
    (entry,) = account.plan(f"ec2 sg close {group} --ports 22")
    assert isinstance(verify(account, entry), NotAsPlanned)
    as_declared([entry], carry(account, [entry]))
    assert inbound(account, group) == {(443, "10.0.0.0/8")}  # only what the plan named
    assert isinstance(verify(account, entry), Verified)

    backs = way_back(account, entry, None)
    assert [b.operation for b in backs] == ["ec2.security_group_rule"] * 2
    assert all("open to the whole internet" in b.description for b in backs)
    as_declared(backs, carry(account, backs))
    assert inbound(account, group) == {(22, "0.0.0.0/0"), (22, "::/0"), (443, "10.0.0.0/8")}


def test_closing_every_rule_sends_an_inbound_and_an_outbound_revoke(account: Account):
    group = open_group(account, "close-all")
    (entry,) = account.plan(f"ec2 sg close {group} --all-rules")
    sent = carry(account, [entry])
    as_declared([entry], sent)
    assert [op for op, _ in changes(sent)] == [
        "RevokeSecurityGroupIngress",
        "RevokeSecurityGroupEgress",
    ]
    found = ec2(account).describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
    assert found["IpPermissions"] == [] and found["IpPermissionsEgress"] == []
    backs = way_back(account, entry, None)
    assert {b.args["egress"] for b in backs} == {False, True}
    assert any(b.args["protocol"] == "all" for b in backs)


@pytest.mark.parametrize(
    ("rule", "why"),
    [
        ({"protocol": "icmp", "from_port": 8, "to_port": 0, "peer": "0.0.0.0/0"}, "ICMP type 8"),
        ({"protocol": "50", "peer": "0.0.0.0/0"}, "IP protocol 50"),
    ],
)
def test_a_rule_the_authorize_command_cannot_express_leaves_no_partial_rollback(
    rule: dict[str, Any], why: str
):
    """All the rules come back, or none: a rollback that re-adds only some would leave a
    group in a state nobody approved."""
    op = catalog.lookup("ec2.close_security_group")
    args = op.args.model_validate(
        {
            "region": "us-east-1",
            "group_id": "sg-0123456789abcdef0",
            "rules": [{"protocol": "tcp", "from_port": 22, "to_port": 22, "peer": "::/0"}, rule],
        }
    )
    assert op.undo is not None
    with pytest.raises(BadInput, match=why):
        op.undo(None, None, args)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- public disks


def test_making_a_snapshot_private_is_sent_as_declared_and_marked_before_approval(
    account: Account,
):
    c = ec2(account)
    volume = c.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
    snapshot = c.create_snapshot(VolumeId=volume)["SnapshotId"]
    c.modify_snapshot_attribute(
        SnapshotId=snapshot,
        Attribute="createVolumePermission",
        OperationType="add",
        GroupNames=["all"],
    )
    (entry,) = account.plan(f"ec2 snapshot private {snapshot}")
    (warning,) = preview.irreversible([entry])
    assert "IRREVERSIBLE" in warning and "never makes a snapshot public" in warning
    assert isinstance(verify(account, entry), NotAsPlanned)
    as_declared([entry], carry(account, [entry]))
    permissions = c.describe_snapshot_attribute(
        SnapshotId=snapshot, Attribute="createVolumePermission"
    )["CreateVolumePermissions"]
    assert {"Group": "all"} not in permissions
    assert isinstance(verify(account, entry), Verified)


def test_making_an_ami_private_is_sent_as_declared_and_marked_before_approval(
    account: Account,
):
    ami = image(account, "public-image")
    ec2(account).modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [{"Group": "all"}]})
    (entry,) = account.plan(f"ec2 ami private {ami}")
    assert "never makes a AMI public" not in preview.irreversible([entry])[0]
    assert "never makes an AMI public" in preview.irreversible([entry])[0]
    as_declared([entry], carry(account, [entry]))
    assert ec2(account).describe_images(ImageIds=[ami])["Images"][0]["Public"] is False
    assert isinstance(verify(account, entry), Verified)


def test_releasing_an_address_is_irreversible_sent_as_declared_and_read_back(account: Account):
    allocation = ec2(account).allocate_address(Domain="vpc")["AllocationId"]
    (entry,) = account.plan(f"ec2 eip release {allocation}")
    (warning,) = preview.irreversible([entry])
    assert "another customer" in warning
    assert isinstance(verify(account, entry), NotAsPlanned)
    as_declared([entry], carry(account, [entry]))
    assert allocation not in {
        a["AllocationId"] for a in ec2(account).describe_addresses()["Addresses"]
    }
    assert verify(account, entry) == Verified(f"{allocation} is released")


def test_each_fix_locks_exactly_what_it_changes():
    """What an apply locks comes from the declared calls: the instance, group, snapshot,
    image or address, with the plan's account (none in a snapshot's or AMI's ARN)."""
    wanted = {
        "ec2.require_imdsv2": f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0",
        "ec2.close_security_group": (
            f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/sg-0123456789abcdef0"
        ),
        "ec2.unshare_snapshot": "arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0",
        "ec2.unshare_image": "arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0",
        "ec2.release_address": (
            f"arn:aws:ec2:us-east-1:{ACCOUNT}:elastic-ip/eipalloc-0123456789abcdef0"
        ),
    }
    for name, arn in wanted.items():
        op = catalog.lookup(name)
        example = op.args.model_validate(op.examples[0])
        entry = op.entry(example, "x")
        assert arn in session_policy.lockable([entry], account=ACCOUNT, partition="aws"), name
