"""VPC plans that prove themselves (issue 15), operation by operation, against moto.

For every VPC write: the plan's declared calls are exactly what the executor sends
(recorded from botocore's own events on the write session, as an apply records them), the
read-back says the change holds, and either the rollback plan puts the estate back as it
was or the entry was marked irreversible. A write added to the family without a case here
fails :func:`test_every_vpc_write_has_a_case`.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.validate import ParamValidator
from test_aws_ops_support import REPO, Account, Writers, open_account
from test_session_policy import simulate  # noqa: F401 (the offline IAM simulator, a fixture)
from vpc_lab import every_write, lab_for_every_write

from devops_agent import catalog, plans, session_policy
from devops_agent.aws import vpc
from devops_agent.aws.vpc.proofs import CREATE_TOKEN_TAG
from devops_agent.carry import Recorder, carry
from devops_agent.errors import BadInput
from devops_agent.operation import ApiCall, InProgress, PlanEntry, Verified, Write

REGION = "us-east-1"


@cache
def ec2_model() -> Any:
    return botocore.session.get_session().get_service_model("ec2")


def write_session(account: Account) -> boto3.Session:
    """A session of its own (so a recorder sees only its calls), reusing the account
    session's loaded service models (EC2's takes seconds to load)."""
    core = botocore.session.Session()
    core.register_component("data_loader", account.session._session.get_component("data_loader"))
    return boto3.Session(botocore_session=core, region_name=REGION)


def vpc_writes() -> list[Write[Any]]:
    return [op for op in catalog.writes() if op.service == "vpc" and op.run is not None]


@pytest.fixture(scope="module")
def moto_account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Account]:
    yield from open_account(tmp_path_factory)


def snapshot(session: boto3.Session) -> dict[str, Any]:
    """What the VPC writes change, without the ids AWS draws anew (associations, flow logs)."""
    ec2 = session.client("ec2", region_name=REGION)
    tables = ec2.describe_route_tables()["RouteTables"]
    return {
        "vpcs": sorted((v["VpcId"], v["CidrBlock"]) for v in ec2.describe_vpcs()["Vpcs"]),
        "subnets": sorted(
            (s["SubnetId"], s["VpcId"], s["CidrBlock"], bool(s.get("MapPublicIpOnLaunch")))
            for s in ec2.describe_subnets()["Subnets"]
        ),
        "route_tables": sorted(
            (
                t["RouteTableId"],
                tuple(sorted(str(vpc.route_from(r)) for r in t.get("Routes", []))),
                tuple(sorted(a["SubnetId"] for a in t.get("Associations", []) if "SubnetId" in a)),
            )
            for t in tables
        ),
        "internet_gateways": sorted(
            (g["InternetGatewayId"], tuple(a["VpcId"] for a in g.get("Attachments", [])))
            for g in ec2.describe_internet_gateways()["InternetGateways"]
        ),
        "nat_gateways": sorted(
            n["NatGatewayId"]
            for n in ec2.describe_nat_gateways()["NatGateways"]
            if n["State"] not in ("deleting", "deleted")
        ),
        "flow_logs": sorted(
            (f["ResourceId"], f.get("LogDestination") or f.get("LogGroupName"), f["TrafficType"])
            for f in ec2.describe_flow_logs()["FlowLogs"]
        ),
        # moto keeps a deleted VPC's default ACL; AWS deletes it with the VPC
        "network_acls": sorted(
            a["NetworkAclId"]
            for a in ec2.describe_network_acls()["NetworkAcls"]
            if a["VpcId"] in {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
        ),
    }


def sent(recorded: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """The requests that made a change: every one but the dry runs AWS answered
    ``DryRunOperation`` (a stand-in that ignores ``DryRun`` changes things on the first)."""
    return [
        (c["operation"], {k: v for k, v in c["params"].items() if k != "DryRun"})
        for c in recorded
        if not (c["dry_run"] and c.get("error") == "DryRunOperation")
    ]


def matches(declared: Any, real: Any) -> bool:
    """``real`` is what ``declared`` says; ``<the new …'s id>`` stands for any id."""
    if isinstance(declared, str) and declared.startswith("<") and declared.endswith(">"):
        return isinstance(real, str) and bool(real)
    if isinstance(declared, dict):
        return (
            isinstance(real, dict)
            and declared.keys() == real.keys()
            and all(matches(declared[k], real[k]) for k in declared)
        )
    if isinstance(declared, list):
        return (
            isinstance(real, list)
            and len(declared) == len(real)
            and all(matches(d, r) for d, r in zip(declared, real, strict=True))
        )
    return bool(declared == real)


def assert_sent_as_declared(declared: list[ApiCall], recorded: list[dict[str, Any]]) -> None:
    """The executor sent the declared calls, in order; a ``when`` call only if its case held;
    nothing else. Each declared dry run was previewed with ``DryRun=True`` first."""
    real = sent(recorded)
    i = 0
    for call in declared:
        if i < len(real) and real[i][0] == call.operation and matches(call.params, real[i][1]):
            i += 1
        else:
            assert call.when, f"{call.line()} was declared but not sent; sent {real}"
    assert i == len(real), f"sent but not declared: {real[i:]}"
    previewed = {c["operation"] for c in recorded if c["dry_run"]}
    assert previewed <= {c.operation for c in declared if c.dry_run}, previewed


@pytest.mark.parametrize("op", vpc_writes(), ids=lambda op: op.name)
def test_calls_sent_read_back_and_way_back(moto_account: Account, op: Write[Any]) -> None:
    """Plan it with its command; carry it out with a recorded write session; compare what
    was sent with what the plan showed; read it back; roll it back (or it is irreversible)
    and find the estate as it was."""
    made = lab_for_every_write(moto_account)
    (command,) = [c for c, tool, _ in every_write(made) if tool == op.tool_name]
    (entry,) = moto_account.plan(command)
    _, args = catalog.validate(entry)
    reader = moto_account.context()
    was = snapshot(moto_account.session)

    write = write_session(moto_account)
    recorder = Recorder(write)  # before any client of the session exists, as at apply
    before = op.before(reader, args) if op.before else None
    catalog.carry_out(entry, Writers(write, None, moto_account.workspace, reader))
    assert op.calls is not None and op.verify is not None
    assert_sent_as_declared(op.calls(args), recorder.take())

    found = op.verify(reader, args)
    assert isinstance(found, Verified | InProgress), found
    assert snapshot(moto_account.session) != was, "the entry changed nothing"

    if op.warning(args):
        assert op.undo is None, f"{op.name} is irreversible and still offers a rollback"
        return
    assert op.undo is not None
    back = op.undo(reader, before, args)
    assert back, f"{op.name} ran and left no rollback entry"
    for step in back:
        back_op, back_args = catalog.validate(PlanEntry.model_validate(step.model_dump()))
        catalog.carry_out(step, Writers(moto_account.session, None, moto_account.workspace, reader))
        assert back_op.verify is not None
        assert isinstance(back_op.verify(reader, back_args), Verified | InProgress)
    assert snapshot(moto_account.session) == was


def test_every_vpc_write_has_a_case(moto_account: Account) -> None:
    """A VPC write without a command in the lab would escape the test above."""
    tools = {tool for _, tool, _ in every_write(lab_for_every_write(moto_account))}
    assert {op.tool_name for op in vpc_writes()} <= tools


@pytest.mark.parametrize("op", vpc_writes(), ids=lambda op: op.name)
def test_declared_calls_are_valid_requests(op: Write[Any]) -> None:
    """Every declared call of every example is a request botocore accepts as it stands, and
    is marked ``dry_run`` exactly when the API takes ``DryRun`` (so ``apply --dry-run``
    neither skips a call it could preview nor sends one the API would reject)."""
    model = ec2_model()
    validator = ParamValidator()
    assert op.calls is not None
    for example in op.examples:
        for call in op.calls(op.args.model_validate(example)):
            shape = model.operation_model(call.operation).input_shape
            report = validator.validate(call.params, shape)
            assert not report.has_errors(), (call.line(), report.generate_report())
            assert call.dry_run == ("DryRun" in shape.members), call.line()
            assert call.region == REGION and call.action == f"ec2:{call.operation}"


# --------------------------------------------------------------------------- resumed creates


def _plan(moto_account: Account, command: str) -> tuple[PlanEntry, Any, str]:
    (entry,) = moto_account.plan(command)
    _, args = catalog.validate(entry)
    assert args.client_token
    return entry, args, args.client_token


def _carry(moto_account: Account, entry: PlanEntry) -> list[tuple[str, dict[str, Any]]]:
    write = write_session(moto_account)
    recorder = Recorder(write)
    catalog.carry_out(entry, Writers(write, None, moto_account.workspace, moto_account.context()))
    return sent(recorder.take())


def _tag(token: str) -> list[dict[str, str]]:
    return [{"Key": CREATE_TOKEN_TAG, "Value": token}]


def test_a_gateway_made_before_the_apply_stopped_is_attached_not_made_again(
    moto_account: Account,
) -> None:
    """An earlier apply made the gateway and died before attaching it: applied again, the
    entry attaches that one, and exactly one gateway carries the plan's token."""
    c = moto_account.client("ec2")
    network = c.create_vpc(CidrBlock="10.70.0.0/16")["Vpc"]["VpcId"]
    entry, args, token = _plan(moto_account, f"vpc igw create {network}")
    orphan = c.create_internet_gateway(
        TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": _tag(token)}]
    )["InternetGateway"]["InternetGatewayId"]
    op = catalog.lookup("vpc.create_internet_gateway")
    assert not isinstance(op.verify(moto_account.context(), args), Verified)  # not done yet
    assert _carry(moto_account, entry) == [
        ("AttachInternetGateway", {"InternetGatewayId": orphan, "VpcId": network})
    ]
    assert isinstance(op.verify(moto_account.context(), args), Verified)
    assert [g.id for g in vpc.internet_gateways_by_token(moto_account.session, REGION, token)] == [
        orphan
    ]


def test_an_elastic_ip_allocated_before_the_apply_stopped_is_used_not_allocated_again(
    moto_account: Account,
) -> None:
    c = moto_account.client("ec2")
    network = c.create_vpc(CidrBlock="10.71.0.0/16")["Vpc"]["VpcId"]
    subnet = c.create_subnet(VpcId=network, CidrBlock="10.71.1.0/24")["Subnet"]["SubnetId"]
    entry, args, token = _plan(moto_account, f"vpc nat create {subnet}")
    kept = c.allocate_address(
        Domain="vpc", TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": _tag(token)}]
    )["AllocationId"]
    calls = _carry(moto_account, entry)
    assert [name for name, _ in calls] == ["CreateNatGateway"]
    assert calls[0][1]["AllocationId"] == kept
    (nat,) = vpc.nat_gateways_by_token(moto_account.session, REGION, token)
    assert nat.allocation_id == kept
    assert isinstance(
        catalog.lookup("vpc.create_nat_gateway").verify(moto_account.context(), args), Verified
    )


def test_a_resumed_apply_finds_a_create_the_ledger_missed_and_does_not_repeat_it(
    moto_account: Account,
) -> None:
    """The runner died after AWS made the route table, before the ledger recorded it: the
    plan is applied again (resumed), the read-back finds the table by its token, the entry
    is recorded done and no CreateRouteTable is sent; the next entry runs."""
    c = moto_account.client("ec2")
    network = c.create_vpc(CidrBlock="10.73.0.0/16")["Vpc"]["VpcId"]
    create, _, token = _plan(moto_account, f"vpc route-table create {network} --name again")
    (subnet_entry,) = moto_account.plan(f"vpc subnet create {network} 10.73.1.0/24")
    made = c.create_route_table(
        VpcId=network, TagSpecifications=[{"ResourceType": "route-table", "Tags": _tag(token)}]
    )["RouteTable"]["RouteTableId"]
    plan = plans.new_plan([create, subnet_entry], repository=REPO, requester="alice")
    write = write_session(moto_account)
    recorder = Recorder(write)
    recorded: list[int] = []
    ctx = moto_account.context()
    outcomes = carry(
        ctx,
        plan,
        ["1", "2"],
        Writers(write, None, moto_account.workspace, ctx),
        recorder,
        done=set(),
        resumed=True,
        record_done=recorded.append,
    )
    assert [o.status for o in outcomes] == ["already", "verified"]
    assert made in outcomes[0].read and recorded == [1, 2]
    assert [name for name, _ in sent(outcomes[1].calls)] == ["CreateSubnet"]
    assert [t.id for t in vpc.route_tables_by_token(moto_account.session, REGION, token)] == [made]


def test_a_create_read_back_names_what_it_finds_when_the_token_is_on_two(
    moto_account: Account,
) -> None:
    """Two VPCs with the plan's token (someone copied the tag): not as planned, naming both,
    rather than a guess."""
    c = moto_account.client("ec2")
    _, args, token = _plan(moto_account, "vpc create 10.72.0.0/16")
    for _ in range(2):
        c.create_vpc(
            CidrBlock="10.72.0.0/16",
            TagSpecifications=[{"ResourceType": "vpc", "Tags": _tag(token)}],
        )
    op = catalog.lookup("vpc.create_vpc")
    found = op.verify(moto_account.context(), args)
    assert not isinstance(found, Verified | InProgress)
    assert found.what.startswith("2 VPCs carry this plan's create token")
    # …and the rollback deletes neither: one of them is not the plan's
    with pytest.raises(BadInput, match="cannot be told from copies"):
        op.undo(moto_account.context(), None, args)


# --------------------------------------------------------------------------- the session, attacked

ACCOUNT = "123456789012"
HERE = {"aws:RequestedRegion": REGION}
TAG_KEY = f"aws:ResourceTag/{CREATE_TOKEN_TAG}"
OURS = "0123456789abcdef0123456789abcdef"


def policy_of(name: str, **args: Any) -> dict[str, Any]:
    op = catalog.lookup(name)
    parsed = op.args.model_validate({"region": REGION, "client_token": OURS, **args})
    built = session_policy.build([op.entry(parsed, "x", [])], account=ACCOUNT, partition="aws")
    assert built is not None
    return built


def arn(kind: str, ident: str) -> str:
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:{kind}/{ident}"


def ask(action: str, resource: str, **context: str) -> dict[str, Any]:
    return {"action": action, "resource": resource, "context": {**HERE, **context}}


def test_a_call_on_what_the_plan_creates_reaches_only_what_carries_its_token(simulate):  # noqa: F811
    """The session of `vpc subnet create --public`, `vpc igw create` and `vpc nat create`
    may act on a new resource only when it carries the plan's token: not on any other
    subnet, gateway or Elastic IP of the account, not in another VPC, not in another
    region, not by deleting."""
    subnet, vpc_id = "subnet-0aaaaaaaaaaaaaaa1", "vpc-0123456789abcdef0"
    other = {TAG_KEY: "f" * 32}
    ours = {TAG_KEY: OURS}
    subnet_policy = policy_of("vpc.create_subnet", vpc_id=vpc_id, cidr="10.50.1.0/24", public=True)
    cases = [
        (ask("ec2:ModifySubnetAttribute", arn("subnet", subnet), **ours), "Allowed"),
        (ask("ec2:ModifySubnetAttribute", arn("subnet", subnet), **other), "ImplicitlyDenied"),
        (ask("ec2:ModifySubnetAttribute", arn("subnet", subnet)), "ImplicitlyDenied"),
        (
            {
                "action": "ec2:ModifySubnetAttribute",
                "resource": arn("subnet", subnet),
                "context": {"aws:RequestedRegion": "eu-west-1", **ours},
            },
            "ImplicitlyDenied",
        ),
        (ask("ec2:CreateSubnet", arn("vpc", "vpc-0fedcba9876543210")), "ImplicitlyDenied"),
        (ask("ec2:DeleteSubnet", arn("subnet", subnet), **ours), "ImplicitlyDenied"),
    ]
    assert simulate(subnet_policy, [c for c, _ in cases]) == [want for _, want in cases]
    # the role alone would have allowed the untagged one: the policy is what narrows
    assert simulate(None, [cases[2][0]]) == ["Allowed"]

    gateway = "igw-0aaaaaaaaaaaaaaa1"
    igw_policy = policy_of("vpc.create_internet_gateway", vpc_id=vpc_id)
    cases = [
        (ask("ec2:AttachInternetGateway", arn("internet-gateway", gateway), **ours), "Allowed"),
        (ask("ec2:AttachInternetGateway", arn("vpc", vpc_id)), "Allowed"),
        (ask("ec2:AttachInternetGateway", arn("internet-gateway", gateway)), "ImplicitlyDenied"),
        (
            ask("ec2:AttachInternetGateway", arn("vpc", "vpc-0fedcba9876543210")),
            "ImplicitlyDenied",
        ),
        (ask("ec2:DetachInternetGateway", arn("vpc", vpc_id)), "ImplicitlyDenied"),
    ]
    assert simulate(igw_policy, [c for c, _ in cases]) == [want for _, want in cases]

    address = "eipalloc-0aaaaaaaaaaaaaaa1"
    nat_policy = policy_of("vpc.create_nat_gateway", subnet_id=subnet)
    cases = [
        (ask("ec2:CreateNatGateway", arn("elastic-ip", address), **ours), "Allowed"),
        (ask("ec2:CreateNatGateway", arn("elastic-ip", address)), "ImplicitlyDenied"),
        (
            ask("ec2:CreateNatGateway", arn("subnet", "subnet-0bbbbbbbbbbbbbbb2")),
            "ImplicitlyDenied",
        ),
        (ask("ec2:ReleaseAddress", arn("elastic-ip", address), **ours), "ImplicitlyDenied"),
    ]
    assert simulate(nat_policy, [c for c, _ in cases]) == [want for _, want in cases]


def test_a_flow_logs_session_passes_its_role_to_flow_logs_only(simulate):  # noqa: F811
    """The delivery role may be passed to vpc-flow-logs.amazonaws.com and nothing else, no
    other role may be passed, and a CloudWatch Logs flow log gets no log-delivery rights."""
    role = f"arn:aws:iam::{ACCOUNT}:role/flow-logs"
    policy = policy_of(
        "vpc.create_flow_logs", vpc_id="vpc-0123456789abcdef0", log_group="/vpc/x", role_arn=role
    )
    flow_logs = {"iam:PassedToService": "vpc-flow-logs.amazonaws.com"}
    cases = [
        ({"action": "iam:PassRole", "resource": role, "context": {**HERE, **flow_logs}}, "Allowed"),
        (
            {
                "action": "iam:PassRole",
                "resource": role,
                "context": {**HERE, "iam:PassedToService": "ec2.amazonaws.com"},
            },
            "ImplicitlyDenied",
        ),
        (
            {
                "action": "iam:PassRole",
                "resource": f"arn:aws:iam::{ACCOUNT}:role/admin",
                "context": {**HERE, **flow_logs},
            },
            "ImplicitlyDenied",
        ),
        (ask("logs:CreateLogDelivery", "*"), "ImplicitlyDenied"),
        (
            ask("ec2:DeleteFlowLogs", arn("vpc-flow-log", "fl-0123456789abcdef0")),
            "ImplicitlyDenied",
        ),
    ]
    assert simulate(policy, [c for c, _ in cases]) == [want for _, want in cases]
