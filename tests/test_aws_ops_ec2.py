"""EC2 operations: instances from an AMI, security groups and their rules, key pairs,
EBS volumes and snapshots.

Every write is planned first (state unchanged), then carried out through its
declared executor (state changed exactly as the plan said). The agent's tool call
for the same request makes the same plan entry, and every entry's arguments
validate again from the plan's JSON, as at apply.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError
from conftest import REPO
from test_aws_ops_support import Account, github_client, open_account

from devops_agent import catalog
from devops_agent.agent import tools
from devops_agent.agent.tools import Pending, plan_entries
from devops_agent.audit import inventory
from devops_agent.aws import ec2
from devops_agent.aws.writes import ec2_call
from devops_agent.errors import BadInput, Refused, ServiceError
from devops_agent.operation import Read, Write
from devops_agent.plans import PlanEntry


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


def test_sg_delete_refuses_a_group_another_groups_rule_names(
    moto_account: Account, net: dict[str, str]
) -> None:
    c = moto_account.client("ec2")
    named = c.create_security_group(GroupName="named", Description="n", VpcId=net["vpc"])
    naming = c.create_security_group(GroupName="naming", Description="n", VpcId=net["vpc"])
    c.authorize_security_group_ingress(
        GroupId=naming["GroupId"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 80,
                "ToPort": 80,
                "UserIdGroupPairs": [{"GroupId": named["GroupId"]}],
            }
        ],
    )
    result = moto_account.refused(f"ec2 sg delete {named['GroupId']}")
    assert "still in use" in result.title and f"rules of {naming['GroupId']}" in result.title
    details = moto_account.run(f"ec2 sg describe {named['GroupId']}")
    assert details.data["use"]["referenced_by"] == [naming["GroupId"]]
    assert f"Named in the rules of {naming['GroupId']}" in details.text


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


# --------------------------------------------------------------------------- the catalog


def _ec2_operations() -> list[Any]:
    return [op for op in catalog.declarations() if op.service == "ec2"]


def test_every_ec2_operation_is_declared_completely() -> None:
    """What the regex over commands/aws.py used to check, now from the declarations."""
    api = set(botocore.session.get_session().get_service_model("ec2").operation_names)
    ops = _ec2_operations()
    assert {op.name for op in ops} >= {
        "ec2.list_instances",
        "ec2.describe_instances",
        "ec2.run_instances",
        "ec2.instance_state",
        "ec2.list_security_groups",
        "ec2.describe_security_group",
        "ec2.create_security_group",
        "ec2.delete_security_group",
        "ec2.security_group_rule",
        "ec2.list_key_pairs",
        "ec2.create_key_pair",
        "ec2.import_key_pair",
        "ec2.delete_key_pair",
        "ec2.list_volumes",
        "ec2.list_snapshots",
    }
    for op in ops:
        assert op.name.startswith("ec2.") and op.summary and op.commands, op.name
        assert all(c.path[0] == "ec2" for c in op.commands), op.name
        actions = [*catalog.iam_actions(op, "read"), *catalog.iam_actions(op, "write")]
        assert actions, op.name
        for action in actions:  # every IAM action names a real EC2 API operation
            service, _, name = action.partition(":")
            assert service == "ec2" and name in api, (op.name, action)
        if isinstance(op, Read):
            assert op.render is not None and not catalog.iam_actions(op, "write"), op.name
            continue
        assert isinstance(op, Write)
        assert op.run is not None and op.reads and op.actions and op.arns, op.name
        assert catalog.lookup(op.name) is op
        fields = set(op.args.model_fields) | {"partition", "region", "account"}
        for arn in op.arns:
            named = {f for _, f, _, _ in string.Formatter().parse(arn) if f}
            assert named <= fields, (op.name, arn)
            # "*": an account setting whose actions take no resource-level permissions
            assert arn == "*" or re.match(
                r"arn:\{partition\}:ec2:\{region\}:(\{account\})?:[a-z-]+/", arn
            )


def test_every_ec2_write_is_a_proposal_tool() -> None:
    writes = {op.tool_name: op.name for op in _ec2_operations() if isinstance(op, Write)}
    assert writes == {n: o for n, o in tools.proposals().items() if o.startswith("ec2.")}


def test_security_group_reads_are_tools_of_the_network_agent_too() -> None:
    network = [t.name for t in tools.for_specialist("network")]
    ec2_tools = [t.name for t in tools.for_specialist("ec2")]
    for name in ("list_security_groups", "describe_security_group"):
        assert network.count(name) == 1 and ec2_tools.count(name) == 1
    assert "change_security_group_rule" in ec2_tools and "change_security_group_rule" not in network


# --------------------------------------------------------------------------- command = tool


def _tool_entries(account: Account, tool: str, **arguments: Any) -> list[Any]:
    """The plan entries the agent's ``tool`` call makes (the preview the command runs)."""
    entries, problems = plan_entries(
        account.context(), [Pending(tool=tool, arguments=json.dumps(arguments), call_id="x")]
    )
    assert not problems, problems
    return entries


def _tool_problem(account: Account, tool: str, **arguments: Any) -> str:
    entries, problems = plan_entries(
        account.context(), [Pending(tool=tool, arguments=json.dumps(arguments), call_id="x")]
    )
    assert entries == [] and len(problems) == 1
    return problems[0]


def _survives_apply_validation(entry: Any) -> None:
    """The entry's args, read back from the plan's JSON, validate to the same args."""
    op, args = catalog.validate(PlanEntry.model_validate_json(entry.model_dump_json()))
    assert op.name == entry.operation
    assert args.model_dump(mode="json") == entry.args


def _same(command: list[Any], tool: list[Any], *, ignore: tuple[str, ...] = ()) -> None:
    def strip(entries: list[Any]) -> list[dict[str, Any]]:
        dumped = [e.model_dump(mode="json") for e in entries]
        for item in dumped:
            for name in ignore:
                item["args"].pop(name)
        return dumped

    assert strip(command) == strip(tool)
    for entry in [*command, *tool]:
        _survives_apply_validation(entry)


def test_launch_from_the_command_and_from_the_tool_is_one_plan(
    moto_account: Account, net: dict[str, str]
) -> None:
    command = moto_account.plan(
        f"ec2 create {net['ami']} --type t3.micro --subnet {net['subnet']} --sg {net['web']} "
        "--key deploy --name api-1 --count 2 team=api"
    )
    tool = _tool_entries(
        moto_account,
        "run_instances",
        region=None,
        image_id=net["ami"].upper(),
        instance_type="T3.MICRO",
        subnet_id=net["subnet"],
        security_group_ids=[net["web"]],
        key_name="deploy",
        name="api-1",
        tags=[{"key": "team", "value": "api"}],
        count=2,
        allow_imdsv1=False,
    )
    _same(command, tool, ignore=("client_token",))
    (entry,) = tool
    assert entry.args["tags"] == {"team": "api", "Name": "api-1"} and entry.args["name"] is None
    assert entry.args["image_id"] == net["ami"] and entry.args["instance_type"] == "t3.micro"
    # every plan carries its own idempotency token
    assert len(entry.args["client_token"]) == 32
    assert entry.args["client_token"] != command[0].args["client_token"]
    before = {i.id for i in _instances(moto_account)}
    lines = moto_account.apply(tool)
    launched = [i for i in _instances(moto_account) if i.id not in before]
    assert len(launched) == 2 and all(i.name == "api-1" for i in launched), lines
    # the launch carries the plan's token: AWS launches nothing twice for a retried apply
    # (moto does not keep that promise, so the token itself is checked)
    raw = moto_account.client("ec2").describe_instances(InstanceIds=[i.id for i in launched])
    tokens = {i["ClientToken"] for r in raw["Reservations"] for i in r["Instances"]}
    assert tokens == {entry.args["client_token"]}


def test_what_the_preview_fills_in_is_never_the_models(
    moto_account: Account, net: dict[str, str]
) -> None:
    """Hidden fields are not in the tool's schema; a model that sends them anyway is ignored."""
    (entry,) = _tool_entries(
        moto_account,
        "run_instances",
        region=None,
        image_id=net["ami"],
        instance_type="t3.micro",
        subnet_id=None,
        security_group_ids=[],
        key_name=None,
        name=None,
        tags=[],
        count=1,
        allow_imdsv1=False,
        client_token="mine",
    )
    assert entry.args["client_token"] not in ("mine", "")
    (entry,) = _tool_entries(
        moto_account,
        "create_key_pair",
        region=None,
        name="hidden-repo",
        secret="X",
        key_type="ed25519",
        repository="mallory/elsewhere",
    )
    assert entry.args["repository"] == REPO
    problem = _tool_problem(
        moto_account,
        "import_key_pair",
        region=None,
        name="hidden-key",
        public_key="",
        public_key_hex=PUBLIC.encode().hex(),
    )
    assert "Give the public key" in problem


def test_security_group_changes_from_the_command_and_the_tool_are_one_plan(
    moto_account: Account, net: dict[str, str]
) -> None:
    create = moto_account.plan(f"ec2 sg create db --vpc {net['vpc'].upper()} env=prod")
    tool = _tool_entries(
        moto_account,
        "create_security_group",
        region="us-east-1",
        name="db",
        vpc_id=net["vpc"],
        description="",
        tags=[{"key": "env", "value": "prod"}],
    )
    _same(create, tool)
    assert tool[0].args["description"] == "db (created by devops-agent)"
    moto_account.apply(tool)
    group = next(
        g
        for g in ec2.list_security_groups(moto_account.session, "us-east-1", net["vpc"])
        if g.name == "db"
    )
    assert group.tags == {"env": "prod"}

    rule = {
        "region": None,
        "group_id": group.id,
        "port": "5432",
        "cidr": None,
        "source_group": net["web"],
        "prefix_list": None,
        "protocol": "TCP",
        "egress": False,
        "description": "app to db",
    }
    authorize = moto_account.plan(
        f"ec2 sg authorize {group.id} --port 5432 --source-sg {net['web']} "
        "--description 'app to db'"
    )
    _same(
        authorize, _tool_entries(moto_account, "change_security_group_rule", revoke=False, **rule)
    )
    assert authorize[0].args["protocol"] == "tcp" and authorize[0].args["revoke"] is False
    moto_account.apply(authorize)
    (inbound,) = ec2.describe_security_group(moto_account.session, "us-east-1", group.id).ingress
    assert (inbound.ports, inbound.sources) == ("5432", [net["web"]])
    assert "already allows" in _tool_problem(
        moto_account, "change_security_group_rule", revoke=False, **rule
    )

    revoke = moto_account.plan(  # moto matches a group peer's description too; AWS does not
        f"ec2 sg revoke {group.id} --port 5432 --source-sg {net['web']} --description 'app to db'"
    )
    _same(revoke, _tool_entries(moto_account, "change_security_group_rule", revoke=True, **rule))
    moto_account.apply(revoke)
    assert ec2.describe_security_group(moto_account.session, "us-east-1", group.id).ingress == []
    assert "has no inbound rule" in _tool_problem(
        moto_account, "change_security_group_rule", revoke=True, **rule
    )

    delete = moto_account.plan(f"ec2 sg delete {group.id}")
    _same(
        delete, _tool_entries(moto_account, "delete_security_group", region=None, group_id=group.id)
    )
    moto_account.apply(delete)
    assert group.id not in {
        g.id for g in ec2.list_security_groups(moto_account.session, "us-east-1")
    }


@pytest.mark.parametrize(
    ("options", "rule"),
    [
        ("--protocol all --cidr ::/0", ("all", "all", "::/0")),
        ("--protocol icmp --cidr 10.0.0.0/8", ("icmp", "all", "10.0.0.0/8")),
        ("--protocol udp --port all --cidr 10.0.0.0/8", ("udp", "0-65535", "10.0.0.0/8")),
        ("--protocol -1 --cidr 192.168.0.0/16 --egress", ("all", "all", "192.168.0.0/16")),
    ],
)
def test_rules_of_every_protocol_are_planned_and_applied(
    moto_account: Account, net: dict[str, str], options: str, rule: tuple[str, str, str]
) -> None:
    group = moto_account.client("ec2").create_security_group(
        GroupName=f"proto-{abs(hash(options))}", Description="p", VpcId=net["vpc"]
    )["GroupId"]
    entries = moto_account.plan(f"ec2 sg authorize {group} {options}")
    _survives_apply_validation(entries[0])
    moto_account.apply(entries)
    found = ec2.describe_security_group(moto_account.session, "us-east-1", group)
    rules = found.egress if "--egress" in options else found.ingress
    assert [(r.protocol, r.ports) for r in rules if rule[2] in r.sources] == [rule[:2]]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("--protocol icmp --port 22 --cidr 10.0.0.0/8", "does not apply to icmp"),
        ("--port 22 --source-sg sg-0123456789abcdef0", "sg-0123456789abcdef0"),
        ("--port 22 --prefix-list pl-zz", "Not a prefix list id"),
        ("--port 22 --cidr 10.0.0.0/8 --description 'ünïcode'", "255 ASCII"),
    ],
)
def test_more_rule_refusals(
    moto_account: Account, net: dict[str, str], options: str, message: str
) -> None:
    result = moto_account.refused(f"ec2 sg authorize {net['web']} {options}")
    assert message in result.title


def test_key_pairs_from_the_command_and_the_tool_are_one_plan(
    moto_account: Account, github: Any
) -> None:
    create = moto_account.plan("ec2 keypairs create tool-key --secret tool_key --type RSA")
    tool = _tool_entries(
        moto_account,
        "create_key_pair",
        region=None,
        name="tool-key",
        secret="TOOL_KEY",
        key_type="rsa",
    )
    _same(create, tool)
    assert tool[0].args["repository"] == REPO  # filled in by the preview, never by the model
    (line,) = moto_account.apply(tool, gh=github_client(github))
    assert "TOOL_KEY" in line and "RSA PRIVATE KEY" in (github.secret_value(REPO, "TOOL_KEY") or "")
    assert (ec2.find_key_pair(moto_account.session, "us-east-1", "tool-key") or ec2).type == "rsa"

    (moto_account.workspace / "tool.pub").write_text(PUBLIC)
    from_file = moto_account.plan("ec2 keypairs import tool-imported tool.pub")
    tool = _tool_entries(
        moto_account, "import_key_pair", region=None, name="tool-imported", public_key="tool.pub"
    )
    _same(from_file, tool)
    inline = _tool_entries(
        moto_account, "import_key_pair", region=None, name="tool-imported", public_key=PUBLIC
    )
    assert inline[0].args == tool[0].args  # the plan carries the checked key, not its source
    assert tool[0].args["public_key"] == "" and PUBLIC not in json.dumps(tool[0].args)
    moto_account.apply(tool)
    assert ec2.find_key_pair(moto_account.session, "us-east-1", "tool-imported") is not None
    assert "already has a key pair" in _tool_problem(
        moto_account, "import_key_pair", region=None, name="tool-imported", public_key=PUBLIC
    )

    delete = moto_account.plan("ec2 keypairs delete tool-imported")
    _same(delete, _tool_entries(moto_account, "delete_key_pair", region=None, name="tool-imported"))
    moto_account.apply(delete)
    assert ec2.find_key_pair(moto_account.session, "us-east-1", "tool-imported") is None
    assert "no key pair" in _tool_problem(
        moto_account, "delete_key_pair", region=None, name="tool-imported"
    )


def test_a_planned_public_key_is_checked_again_at_apply(moto_account: Account) -> None:
    (entry,) = moto_account.plan(f"ec2 keypairs import hand-edited '{PUBLIC}'")
    private = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----"
    for swapped in (private.encode().hex(), "zz", ""):
        edited = PlanEntry.model_validate(
            {**entry.model_dump(), "args": {**entry.args, "public_key_hex": swapped}}
        )
        with pytest.raises(Refused, match="not valid"):
            catalog.validate(edited)
    from_path = PlanEntry.model_validate(
        {**entry.model_dump(), "args": {**entry.args, "public_key_hex": "", "public_key": "x"}}
    )
    with pytest.raises(Refused, match="no checked public key"):
        moto_account.apply([from_path])
    assert ec2.find_key_pair(moto_account.session, "us-east-1", "hand-edited") is None


def test_a_key_pair_needs_a_repository_for_its_private_key(moto_account: Account) -> None:
    op = next(o for o in _ec2_operations() if o.name == "ec2.create_key_pair")
    assert isinstance(op, Write) and op.github == ("secrets: write",)
    nowhere = replace(moto_account.context(), repository="")
    with pytest.raises(BadInput, match="needs a repository"):
        op.plan(nowhere, op.args(name="k", secret="K"))


# --------------------------------------------------------------------------- EBS

EBS_REGION = "eu-west-2"


@pytest.fixture(scope="module")
def disks(moto_account: Account) -> dict[str, str]:
    """In eu-west-2: an attached volume, an unattached encrypted one, snapshots (one public)."""
    c = moto_account.client("ec2", EBS_REGION)
    key = moto_account.client("kms", EBS_REGION).create_key()["KeyMetadata"]["Arn"]
    image = c.register_image(Name="ebs-image", Architecture="x86_64", RootDeviceName="/dev/xvda")[
        "ImageId"
    ]
    instance = c.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]
    zone = instance["Placement"]["AvailabilityZone"]
    attached = c.create_volume(AvailabilityZone=zone, Size=8, VolumeType="gp3")["VolumeId"]
    c.attach_volume(VolumeId=attached, InstanceId=instance["InstanceId"], Device="/dev/sdf")
    loose = c.create_volume(
        AvailabilityZone=zone,
        Size=20,
        VolumeType="gp2",
        Encrypted=True,
        KmsKeyId=key,
        TagSpecifications=[
            {"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": "scratch"}]}
        ],
    )["VolumeId"]
    old = c.create_snapshot(VolumeId=attached, Description="nightly 1")["SnapshotId"]
    new = c.create_snapshot(
        VolumeId=loose,
        Description="before upgrade",
        TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": "team", "Value": "db"}]}],
    )["SnapshotId"]
    c.modify_snapshot_attribute(
        SnapshotId=old,
        Attribute="createVolumePermission",
        OperationType="add",
        GroupNames=["all"],
    )
    return {
        "instance": instance["InstanceId"],
        "attached": attached,
        "loose": loose,
        "key": key,
        "old": old,
        "new": new,
        "zone": zone,
    }


def test_volumes_are_read_with_their_attachments_and_encryption(
    moto_account: Account, disks: dict[str, str]
) -> None:
    result = moto_account.run(f"ec2 volumes --region {EBS_REGION}")
    assert result.status == "success", result.title
    volumes = {v["id"]: v for v in result.data["volumes"]}
    assert {disks["attached"], disks["loose"]} <= set(volumes)
    loose, attached = volumes[disks["loose"]], volumes[disks["attached"]]
    assert loose["state"] == "available" and loose["attached_to"] == []
    assert loose["encrypted"] is True and loose["kms_key_id"] == disks["key"]
    assert loose["name"] == "scratch" and loose["size_gib"] == 20 and loose["type"] == "gp2"
    assert attached["state"] == "in-use" and attached["attached_to"] == [disks["instance"]]
    assert attached["encrypted"] is False and attached["kms_key_id"] is None
    assert attached["availability_zone"] == disks["zone"] and attached["created"]
    row = next(r for r in result.tables[0].rows if r[0] == disks["loose"])
    assert row[1:6] == ["scratch", 20, "gp2", "available", "yes"] and row[6] == disks["key"]

    unattached = moto_account.run(f"ec2 volumes --state AVAILABLE --region {EBS_REGION}")
    assert {v["id"] for v in unattached.data["volumes"]} == {disks["loose"]}
    assert unattached.title == f"1 available EBS volume in {EBS_REGION}"
    assert "not valid for --state" in moto_account.refused("ec2 volumes --state gone").title


def test_snapshots_are_read_newest_first_with_who_may_restore_them(
    moto_account: Account, disks: dict[str, str]
) -> None:
    result = moto_account.run(f"ec2 snapshots --region {EBS_REGION}")
    started = [s["started"] for s in result.data["snapshots"]]
    assert started == sorted(started, reverse=True)  # newest first
    by_id = {s["id"]: s for s in result.data["snapshots"]}
    new, old = by_id[disks["new"]], by_id[disks["old"]]
    assert new["volume_id"] == disks["loose"] and new["encrypted"] is True
    assert new["description"] == "before upgrade" and new["tags"] == {"team": "db"}
    assert new["public"] is False and old["public"] is True
    assert old["size_gib"] == 8 and old["state"] and old["started"]
    row = next(r for r in result.tables[0].rows if r[0] == disks["old"])
    assert row[5] == "**yes**"

    one = moto_account.run(f"ec2 snapshots --volume {disks['loose'].upper()} --region {EBS_REGION}")
    assert [s["id"] for s in one.data["snapshots"]] == [disks["new"]]
    assert one.title == f"1 EBS snapshot of {disks['loose']} in {EBS_REGION}"
    assert "Not a volume id" in moto_account.refused("ec2 snapshots --volume vol-1").title


def test_volumes_and_snapshots_are_read_over_several_pages(
    moto_account: Account, disks: dict[str, str]
) -> None:
    c = moto_account.client("ec2", "ap-south-1")
    made = [c.create_volume(AvailabilityZone="ap-south-1a", Size=1)["VolumeId"] for _ in range(7)]
    for volume in made[:6]:
        c.create_snapshot(VolumeId=volume)
    assert {v.id for v in ec2.list_volumes(moto_account.session, "ap-south-1", page_size=5)} == set(
        made
    )
    assert len(ec2.list_snapshots(moto_account.session, "ap-south-1", page_size=5)) == 6
    both = moto_account.run(f"ec2 volumes --region ap-south-1,{EBS_REGION}")
    assert {v["region"] for v in both.data["volumes"]} == {"ap-south-1", EBS_REGION}


def test_the_audit_inventory_holds_the_ec2_models_themselves() -> None:
    """One model per resource: the audit's inventory holds the classes the commands use."""
    from devops_agent.audit.inventory import Ec2Region

    assert inventory.Volume is ec2.Volume and inventory.Snapshot is ec2.Snapshot
    assert inventory.Instance is ec2.Instance and inventory.SecurityGroup is ec2.SecurityGroup
    fields = Ec2Region.model_fields
    for name, model in (("volumes", ec2.Volume), ("snapshots", ec2.Snapshot)):
        assert fields[name].annotation == list[model] | None, name  # None: not read


# --------------------------------------------------------------------------- encryption by default


@pytest.mark.parametrize("start", [False, True])
def test_ebs_encryption_by_default_from_each_state(moto_account: Account, start: bool) -> None:
    region = "ca-central-1"
    c = moto_account.client("ec2", region)
    (c.enable_ebs_encryption_by_default if start else c.disable_ebs_encryption_by_default)()
    shown = moto_account.run(f"ec2 ebs-encryption-default --region {region}")
    assert shown.data["regions"][0]["enabled"] is start
    assert ("off in" in shown.title) is not start

    wanted = "off" if start else "on"
    same = "on" if start else "off"
    already = moto_account.run(f"ec2 ebs-encryption-default {same} --region {region}")
    assert already.status == "success" and "already" in already.title
    assert not already.plan_block
    assert _tool_problem(
        moto_account, "set_ebs_encryption_default", region=region, state=same
    ).endswith(f"already {same} in {region}")

    (entry,) = moto_account.plan(f"ec2 ebs-encryption-default {wanted} --region {region}")
    assert entry.operation == "ec2.set_ebs_encryption_default"
    assert entry.args == {"region": region, "state": wanted}
    assert [
        e.model_dump()
        for e in _tool_entries(
            moto_account, "set_ebs_encryption_default", region=region, state=wanted
        )
    ] == [entry.model_dump()]
    _survives_apply_validation(entry)
    assert c.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is start  # planned only
    (done,) = moto_account.apply([entry])
    assert done == f"EBS encryption by default is {wanted} in {region}"
    assert c.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is (not start)


@pytest.mark.parametrize("word", ["maybe", ""])
def test_ebs_encryption_by_default_takes_on_or_off(moto_account: Account, word: str) -> None:
    result = moto_account.refused(f"ec2 ebs-encryption-default {word} extra --region us-east-1")
    assert result.exit_code == 2
