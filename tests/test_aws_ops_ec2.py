"""EC2 operations: instances from an AMI, security groups and their rules, key pairs.

Every write is planned first (state unchanged), then carried out through its
registered executor (state changed exactly as the plan said).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import REPO
from test_aws_ops_support import Account, github_client, open_account

from devops_agent.aws import ec2
from devops_agent.aws.writes import ec2_call
from devops_agent.errors import BadInput, ServiceError


@pytest.fixture(scope="module")
def moto_account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Account]:
    yield from open_account(tmp_path_factory)


@pytest.fixture(scope="module")
def net(moto_account: Account) -> dict[str, str]:
    """A VPC with a subnet, two groups, an AMI and a key pair; another VPC with a group."""
    c = moto_account.client("ec2")
    vpc = c.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    other = c.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    subnet = c.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    web = c.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    c.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    elsewhere = c.create_security_group(GroupName="x", Description="x", VpcId=other)["GroupId"]
    image = c.register_image(
        Name="app-image",
        Architecture="x86_64",
        RootDeviceName="/dev/xvda",
        VirtualizationType="hvm",
    )["ImageId"]
    c.create_key_pair(KeyName="deploy", KeyType="ed25519")
    return {
        "vpc": vpc,
        "other": other,
        "subnet": subnet,
        "web": web,
        "elsewhere": elsewhere,
        "ami": image,
    }


def _instances(account: Account) -> list[ec2.Instance]:
    return ec2.list_instances(account.session, "us-east-1")


def test_create_is_planned_then_launched_with_imdsv2(
    moto_account: Account, net: dict[str, str]
) -> None:
    before = _instances(moto_account)
    entries = moto_account.plan(
        f"ec2 create {net['ami']} --type t3.micro --subnet {net['subnet']} --sg {net['web']} "
        "--key deploy --name web-9 --tag team=web env=prod"
    )
    assert _instances(moto_account) == before
    (entry,) = entries
    assert entry.operation == "ec2.run_instances"
    assert entry.args["allow_imdsv1"] is False  # IMDSv2 required
    assert entry.args["tags"] == {"Name": "web-9", "team": "web", "env": "prod"}
    (line,) = moto_account.apply(entries)
    assert line.startswith("launched i-")
    (new,) = [i for i in _instances(moto_account) if i not in before]
    assert new.name == "web-9" and new.type == "t3.micro" and new.key_name == "deploy"
    assert new.imds_v2_required is True
    assert new.security_group_ids == [net["web"]] and new.subnet_id == net["subnet"]
    assert new.tags["team"] == "web"


def test_create_allows_imdsv1_only_when_asked(moto_account: Account, net: dict[str, str]) -> None:
    entries = moto_account.plan(
        f"ec2 create {net['ami']} --type t3.nano --allow-imdsv1 --name legacy"
    )
    assert "IMDSv1 allowed" in entries[0].description
    moto_account.apply(entries)
    (legacy,) = [i for i in _instances(moto_account) if i.name == "legacy"]
    assert legacy.imds_v2_required is False


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("ec2 create ami-12 --type t3.micro", "Not a AMI id"),
        ("ec2 create ami-0123456789abcdef0 --type t3.micro", "ami-0123456789abcdef0"),
        ("ec2 create {ami} --type t3.bogus", "no instance type"),
        ("ec2 create {ami}", "needs --type"),
        ("ec2 create {ami} --type t3.micro --subnet {subnet} --sg {elsewhere}", "subnet's VPC"),
        ("ec2 create {ami} --type t3.micro --key nope", "no key pair 'nope'"),
        ("ec2 create {ami} --type t3.micro --region mars-1", "not an AWS region"),
        ("ec2 create {ami} --type t3.micro --count 11", "--count"),
        ("ec2 create {ami} --type t3.micro --tag aws:x=1", "reserved"),
    ],
)
def test_create_refuses_bad_arguments(
    moto_account: Account,
    net: dict[str, str],
    command: str,
    message: str,
) -> None:
    result = moto_account.refused(command.format(**net))
    assert message in result.title + result.text


def test_sg_describe_reads_rules_and_users(moto_account: Account, net: dict[str, str]) -> None:
    result = moto_account.run(f"ec2 sg describe {net['web']}")
    assert result.status == "success"
    assert ["tcp", "443", "0.0.0.0/0"] in result.tables[0].rows
    assert result.data["security_group"]["name"] == "web"
    moto_account.refused("ec2 sg describe sg-zz")
    moto_account.refused("ec2 sg describe sg-0123456789abcdef0")


def test_sg_create_then_delete(moto_account: Account, net: dict[str, str]) -> None:
    def names() -> set[str]:
        return {
            g.name for g in ec2.list_security_groups(moto_account.session, "us-east-1", net["vpc"])
        }

    entries = moto_account.plan(f"ec2 sg create api --vpc {net['vpc']} --description 'API servers'")
    assert "api" not in names()
    (line,) = moto_account.apply(entries)
    assert "api" in names() and line.startswith("created security group sg-")
    moto_account.refused(f"ec2 sg create api --vpc {net['vpc']}")
    moto_account.refused("ec2 sg create sg-weird --vpc " + net["vpc"])
    moto_account.refused("ec2 sg create api2")  # no --vpc
    group = next(
        g
        for g in ec2.list_security_groups(moto_account.session, "us-east-1", net["vpc"])
        if g.name == "api"
    )
    entries = moto_account.plan(f"ec2 sg delete {group.id}")
    assert "api" in names()
    moto_account.apply(entries)
    assert "api" not in names()


def test_sg_delete_refuses_default_and_used_groups(
    moto_account: Account, net: dict[str, str]
) -> None:
    default = next(
        g
        for g in ec2.list_security_groups(moto_account.session, "us-east-1", net["vpc"])
        if g.name == "default"
    )
    assert "default group" in moto_account.refused(f"ec2 sg delete {default.id}").title
    moto_account.client("ec2").run_instances(
        ImageId=net["ami"],
        MinCount=1,
        MaxCount=1,
        SubnetId=net["subnet"],
        SecurityGroupIds=[net["web"]],
    )
    assert "still in use" in moto_account.refused(f"ec2 sg delete {net['web']}").title


def test_sg_authorize_and_revoke(moto_account: Account, net: dict[str, str]) -> None:
    group = moto_account.client("ec2").create_security_group(
        GroupName="rules", Description="rules", VpcId=net["vpc"]
    )["GroupId"]

    def inbound() -> list[ec2.SecurityGroupRule]:
        return ec2.describe_security_group(moto_account.session, "us-east-1", group).ingress

    entries = moto_account.plan(f"ec2 sg authorize {group} --port 8000-8080 --cidr 10.0.0.0/8")
    assert inbound() == []
    moto_account.apply(entries)
    assert [(r.ports, r.sources) for r in inbound()] == [("8000-8080", ["10.0.0.0/8"])]
    assert (
        "already allows"
        in moto_account.refused(
            f"ec2 sg authorize {group} --port 8000-8080 --cidr 10.0.0.0/8"
        ).title
    )
    entries = moto_account.plan(f"ec2 sg revoke {group} --port 8000-8080 --cidr 10.0.0.0/8")
    moto_account.apply(entries)
    assert inbound() == []
    assert (
        "no inbound rule"
        in moto_account.refused(f"ec2 sg revoke {group} --port 22 --cidr 10.0.0.0/8").title
    )

    open_ssh = moto_account.plan(f"ec2 sg authorize {group} --port 22 --cidr 0.0.0.0/0")
    assert "open to the whole internet" in open_ssh[0].description
    peer = moto_account.plan(
        f"ec2 sg authorize {group} --protocol udp --port 53 --source-sg {net['web']} --egress"
    )
    moto_account.apply(peer)
    egress = ec2.describe_security_group(moto_account.session, "us-east-1", group).egress
    assert any(r.protocol == "udp" and net["web"] in r.sources for r in egress)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("--port 22 --cidr 10.0.0.1/8", "host bits set; did you mean 10.0.0.0/8"),
        ("--port 70000 --cidr 10.0.0.0/8", "out of range"),
        ("--port ssh --cidr 10.0.0.0/8", "not a port"),
        ("--cidr 10.0.0.0/8", "needs --port"),
        ("--port 22", "exactly one peer"),
        ("--port 22 --cidr 10.0.0.0/8 --source-sg sg-0123456789abcdef0", "exactly one peer"),
        ("--port 22 --cidr 10.0.0.0/8 --protocol gre", "not a protocol"),
    ],
)
def test_sg_rules_refuse_bad_arguments(
    moto_account: Account,
    net: dict[str, str],
    options: str,
    message: str,
) -> None:
    assert message in moto_account.refused(f"ec2 sg authorize {net['web']} {options}").title


def test_keypair_create_stores_the_private_key_only_in_a_secret(
    moto_account: Account,
    github: Any,
) -> None:
    entries = moto_account.plan("ec2 keypairs create ci-deploy --secret ci_ssh_key")
    assert entries[0].args["secret"] == "CI_SSH_KEY" and entries[0].args["repository"] == REPO
    assert ec2.find_key_pair(moto_account.session, "us-east-1", "ci-deploy") is None
    (line,) = moto_account.apply(entries, gh=github_client(github))
    assert "CI_SSH_KEY" in line and "PRIVATE KEY" not in line
    private = github.secret_value(REPO, "CI_SSH_KEY")
    assert private and "PRIVATE KEY" in private
    assert ec2.find_key_pair(moto_account.session, "us-east-1", "ci-deploy") is not None
    assert not any(private.splitlines()[1] in text for text in moto_account.posted)
    assert (
        "already has a key pair"
        in moto_account.refused("ec2 keypairs create ci-deploy --secret X").title
    )
    assert "--secret" in moto_account.refused("ec2 keypairs create other").title
    assert (
        "not an Actions secret name"
        in moto_account.refused("ec2 keypairs create other --secret 1bad").title
    )


def test_keypair_is_deleted_again_when_the_secret_cannot_be_stored(
    moto_account: Account,
    github: Any,
) -> None:
    entries = moto_account.plan("ec2 keypairs create doomed --secret DOOMED")
    github.fail_next("PUT", r"/actions/secrets/DOOMED", status=404)
    with pytest.raises(ServiceError, match="Actions secret DOOMED") as caught:
        moto_account.apply(entries, gh=github_client(github))
    assert "secrets write permission" in caught.value.remedy
    assert ec2.find_key_pair(moto_account.session, "us-east-1", "doomed") is None
    assert github.secret_value(REPO, "DOOMED") is None


PUBLIC = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKEr1SbDZ+U5pXkzKSzHjM3fXWg5F8qM8gY3T7dpWkTf dev@laptop"
)


def test_keypair_import_from_file_or_text_then_delete(moto_account: Account) -> None:
    (moto_account.workspace / "keys").mkdir(exist_ok=True)
    (moto_account.workspace / "keys" / "dev.pub").write_text(PUBLIC + "\n")
    entries = moto_account.plan("ec2 keypairs import dev keys/dev.pub")
    assert ec2.find_key_pair(moto_account.session, "us-east-1", "dev") is None
    (line,) = moto_account.apply(entries)
    assert line.startswith("imported key pair dev")
    assert ec2.find_key_pair(moto_account.session, "us-east-1", "dev") is not None
    inline = moto_account.plan(f"ec2 keypairs import dev2 '{PUBLIC}'")
    moto_account.apply(inline)
    entries = moto_account.plan("ec2 keypairs delete dev")
    moto_account.apply(entries)
    assert ec2.find_key_pair(moto_account.session, "us-east-1", "dev") is None
    assert "no key pair" in moto_account.refused("ec2 keypairs delete dev").title


def test_keypair_import_refuses_private_keys_without_echoing_them(moto_account: Account) -> None:
    secret = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----"
    (moto_account.workspace / "id_ed25519").write_text(secret)
    result = moto_account.refused("ec2 keypairs import leaked id_ed25519")
    assert (
        "private key" in result.title and "b3BlbnNzaC1rZXktdjEAAAAA" not in moto_account.posted[-1]
    )
    assert (
        "not valid base64" in moto_account.refused("ec2 keypairs import x 'ssh-ed25519 !!!'").title
    )
    assert (
        "Not an OpenSSH public key"
        in moto_account.refused("ec2 keypairs import x 'ssh-dss AAAA'").title
    )
    assert "uses '..'" in moto_account.refused("ec2 keypairs import x ../x.pub").title


class _Client:
    """A stand-in EC2 client: records calls, answers as told."""

    def __init__(self, dry_run_code: str | None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.dry_run_code = dry_run_code

    def create_thing(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        if params.get("DryRun") and self.dry_run_code:
            raise ClientError(
                {"Error": {"Code": self.dry_run_code, "Message": "preview"}}, "CreateThing"
            )
        return {"ThingId": "thing-1"}


def test_ec2_writes_are_previewed_with_dry_run() -> None:
    allowed = _Client("DryRunOperation")
    assert ec2_call(allowed, "create_thing", "ec2:CreateThing", Name="x") == {"ThingId": "thing-1"}
    assert allowed.calls == [{"DryRun": True, "Name": "x"}, {"Name": "x"}]

    denied = _Client("UnauthorizedOperation")
    with pytest.raises(ServiceError) as caught:
        ec2_call(denied, "create_thing", "ec2:CreateThing", region="us-east-1", Name="x")
    assert len(denied.calls) == 1  # the real call was never made
    assert (
        "ec2:CreateThing" in caught.value.remedy
        and "aws-write-role-to-assume" in caught.value.remedy
    )

    ignoring = _Client(None)  # a stand-in that ignores DryRun has already done it: once only
    assert ec2_call(ignoring, "create_thing", "ec2:CreateThing", Name="x") == {"ThingId": "thing-1"}
    assert len(ignoring.calls) == 1


def test_public_key_and_rule_checks() -> None:
    assert ec2.public_key(PUBLIC + "  ") == PUBLIC
    with pytest.raises(BadInput, match="does not hold a ssh-rsa"):
        ec2.public_key("ssh-rsa " + PUBLIC.split()[1])
    spec = ec2.rule_spec(protocol="all", cidr="::/0")
    assert spec.permission() == {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}
    assert ec2.rule_spec(port="443", prefix_list="pl-0123abcd").summary() == "tcp 443 pl-0123abcd"
