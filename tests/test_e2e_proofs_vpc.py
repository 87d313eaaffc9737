"""VPC plans that prove themselves (issue 15), end to end against moto's server and the fake
GitHub: one test per kind of operation (a toggle and its rollback, a create and its undo, an
irreversible delete marked before approval, a partial apply resumed).

Each test asserts the resulting state (AWS, the thread, the report), never that a function
was called. :mod:`test_e2e_proofs` holds the EC2 tests and the plan helpers shared here;
:mod:`e2e_proofs_support` how every end-to-end proof test reads the thread and the report.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import REPO
from e2e_proofs_support import ACCOUNT, WRITE_ROLE, blocks, report
from test_e2e_proofs import entry, signed_plan

from devops_agent.aws.vpc.proofs import CREATE_TOKEN_TAG

pytestmark = [pytest.mark.e2e, pytest.mark.in_process]

REGION = "us-east-1"
TOKEN = "0123456789abcdef0123456789abcdef"


def ec2(session: Any) -> Any:
    return session.client("ec2", region_name=REGION)


def public_ip_on_launch(session: Any, subnet_id: str) -> bool:
    (subnet,) = ec2(session).describe_subnets(SubnetIds=[subnet_id])["Subnets"]
    return bool(subnet["MapPublicIpOnLaunch"])


def tables_with_token(session: Any, token: str) -> list[str]:
    found = ec2(session).describe_route_tables()["RouteTables"]
    return sorted(
        t["RouteTableId"]
        for t in found
        if {"Key": CREATE_TOKEN_TAG, "Value": token} in (t.get("Tags") or [])
    )


def sent(record: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The requests of one applied entry that changed something (not the dry-run previews)."""
    return [
        (c["operation"], {k: v for k, v in c["params"].items() if k != "DryRun"})
        for c in record["requests"]
        if not (c["dry_run"] and c.get("error") == "DryRunOperation")
    ]


def test_a_toggle_is_limited_to_its_subnet_verified_and_rolled_back(
    action, github, server_session, estate
):
    from moto.sts.models import sts_backends

    subnet = estate["subnets"]["prod-public"]["id"]
    assert public_ip_on_launch(server_session, subnet)
    planned = action.comment(
        f"/devops vpc subnet public-ip {subnet} off", aws_write_role_to_assume=WRITE_ROLE
    )
    assert planned.code == 0, planned.summary
    body = blocks(github, 1)[0][0]["body"]
    call = json.dumps(
        {"MapPublicIpOnLaunch": {"Value": False}, "SubnetId": subnet},
        sort_keys=True,
        separators=(",", ":"),
    )
    assert f"ec2:ModifySubnetAttribute {call} ({REGION})" in body
    assert "IRREVERSIBLE" not in body

    applied = action.comment(
        f"/devops apply {planned.outputs['plan-id']}", pr=1, aws_write_role_to_assume=WRITE_ROLE
    )
    assert applied.code == 0, applied.summary
    audit = report(applied)["data"]["audit"]
    (assumed,) = [
        r
        for r in sts_backends[ACCOUNT]["global"].assumed_roles
        if r.session_name == audit["role_session_name"]
    ]
    assert json.loads(assumed.policy)["Statement"] == [
        {
            "Effect": "Allow",
            "Action": ["ec2:ModifySubnetAttribute"],
            "Resource": f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{subnet}",
            "Condition": {"StringEquals": {"aws:RequestedRegion": [REGION]}},
        }
    ]
    (first,) = audit["entries"]
    assert sent(first) == [
        ("ModifySubnetAttribute", {"SubnetId": subnet, "MapPublicIpOnLaunch": {"Value": False}})
    ]
    assert first["status"] == "verified" and first["before"] == {"map_public_ip_on_launch": True}
    assert f"✅ verified: {subnet} gives no public IPv4 addresses at launch" in applied.summary
    assert not public_ip_on_launch(server_session, subnet)

    (rollback,) = [b for _, b in blocks(github, 1) if b.plan and b.plan.rollback_of]
    assert rollback.state == "pending" and rollback.plan.entries[0].args["state"] == "on"
    undone = action.comment(
        f"/devops apply {rollback.plan.plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE
    )
    assert undone.code == 0, undone.summary
    assert public_ip_on_launch(server_session, subnet)


def test_a_create_is_tagged_with_its_token_and_its_rollback_deletes_it(
    action, github, server_session, estate
):
    from moto.sts.models import sts_backends

    network = estate["vpcs"]["prod"]["id"]
    planned = action.comment(
        f"/devops vpc route-table create {network} --name scratch",
        aws_write_role_to_assume=WRITE_ROLE,
    )
    assert planned.code == 0, planned.summary
    (plan_block,) = [b for _, b in blocks(github, 1) if b.plan]
    token = plan_block.plan.entries[0].args["client_token"]
    body = blocks(github, 1)[0][0]["body"]
    assert f'{{"Key":"{CREATE_TOKEN_TAG}","Value":"{token}"}}' in body  # shown before approval

    applied = action.comment(
        f"/devops apply {planned.outputs['plan-id']}", pr=1, aws_write_role_to_assume=WRITE_ROLE
    )
    assert applied.code == 0, applied.summary
    audit = report(applied)["data"]["audit"]
    (assumed,) = [
        r
        for r in sts_backends[ACCOUNT]["global"].assumed_roles
        if r.session_name == audit["role_session_name"]
    ]
    statements = json.loads(assumed.policy)["Statement"]
    tags = next(s for s in statements if s["Action"] == ["ec2:CreateTags"])
    assert tags["Resource"] == f"arn:aws:ec2:{REGION}:{ACCOUNT}:route-table/*"
    assert tags["Condition"]["StringEquals"]["ec2:CreateAction"] == ["CreateRouteTable"]
    create = next(s for s in statements if s["Action"] == ["ec2:CreateRouteTable"])
    assert sorted(create["Resource"]) == [
        f"arn:aws:ec2:{REGION}:{ACCOUNT}:route-table/*",
        f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/{network}",
    ]
    (made,) = tables_with_token(server_session, token)
    (first,) = audit["entries"]
    assert [name for name, _ in sent(first)] == ["CreateRouteTable"]
    assert sent(first)[0][1]["ClientToken"] == token
    assert first["status"] == "verified" and made in first["read_back"]

    (rollback,) = [b for _, b in blocks(github, 1) if b.plan and b.plan.rollback_of]
    assert rollback.plan.entries[0].args["route_table_id"] == made
    undone = action.comment(
        f"/devops apply {rollback.plan.plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE
    )
    assert undone.code == 0, undone.summary
    assert tables_with_token(server_session, token) == []


def test_an_irreversible_delete_says_so_before_approval_and_leaves_no_rollback(
    action, github, server_session, estate
):
    network = estate["vpcs"]["prod"]["id"]
    acl = ec2(server_session).create_network_acl(VpcId=network)["NetworkAcl"]["NetworkAclId"]
    planned = action.comment(f"/devops vpc nacl delete {acl}", aws_write_role_to_assume=WRITE_ROLE)
    assert planned.code == 0, planned.summary
    body = blocks(github, 1)[0][0]["body"]
    assert "IRREVERSIBLE" in planned.summary and "⚠️ IRREVERSIBLE — entry 1 cannot be undone" in body
    assert "a deleted network ACL is gone for good" in body
    assert body.index("IRREVERSIBLE") < body.index("Nothing has changed yet")

    applied = action.comment(
        f"/devops apply {planned.outputs['plan-id']}", pr=1, aws_write_role_to_assume=WRITE_ROLE
    )
    assert applied.code == 0, applied.summary
    assert f"✅ verified: {acl} is gone" in applied.summary
    assert "No rollback plan" in applied.summary
    assert not [b for _, b in blocks(github, 1) if b.plan and b.plan.rollback_of]
    acls = ec2(server_session).describe_network_acls()["NetworkAcls"]
    assert acl not in {a["NetworkAclId"] for a in acls}


def test_a_partial_apply_stops_and_resumes_without_creating_twice(
    action, github, server_session, estate
):
    """Entry 2 fails: the route table entry 1 made stays, entry 3 never runs; applied again,
    entry 1 is not repeated (one table carries the token) and 2 and 3 run."""
    network = estate["vpcs"]["prod"]["id"]
    table = estate["route_tables"]["prod-public"]["id"]
    igw = estate["route_tables"]["prod-public"]["igw_id"]
    private = estate["subnets"]["prod-private"]["id"]
    assert not public_ip_on_launch(server_session, private)
    pull = github.add_pull(REPO, title="x", user="alice")
    plan = signed_plan(
        github,
        [
            entry("vpc.create_route_table", vpc_id=network, client_token=TOKEN),
            entry("vpc.delete_route", route_table_id=table, destination="10.99.0.0/16"),
            entry("vpc.set_subnet_public_ip", subnet_id=private, state="on"),
        ],
        pull,
    )
    first = action.comment(
        f"/devops apply {plan.plan_id}", pr=pull["number"], aws_write_role_to_assume=WRITE_ROLE
    )
    assert first.code == 1, first.summary
    assert "entries 1 ran, entries 2, 3 did not finish" in first.summary
    assert len(tables_with_token(server_session, TOKEN)) == 1
    assert not public_ip_on_launch(server_session, private)  # entry 3 never ran
    found = next(b for _, b in blocks(github, pull["number"]) if b.plan_id == plan.plan_id)
    assert found.state == "failed"

    # the route entry 2 was to remove appears; the plan is applied again
    ec2(server_session).create_route(
        RouteTableId=table, DestinationCidrBlock="10.99.0.0/16", GatewayId=igw
    )
    again = action.comment(
        f"/devops apply {plan.plan_id}", pr=pull["number"], aws_write_role_to_assume=WRITE_ROLE
    )
    assert again.code == 0, again.summary
    assert "carried out by an earlier apply" in again.summary
    assert len(tables_with_token(server_session, TOKEN)) == 1  # never made twice
    routes = ec2(server_session).describe_route_tables(RouteTableIds=[table])["RouteTables"][0]
    assert "10.99.0.0/16" not in {r.get("DestinationCidrBlock") for r in routes["Routes"]}
    assert public_ip_on_launch(server_session, private)


def test_a_dry_run_previews_the_create_and_says_why_not_the_call_on_what_it_makes(
    action, github, server_session, estate
):
    """`apply --dry-run` of an internet gateway: the create is sent with DryRun=True; the
    attach names a gateway that does not exist yet, so it is not sent, and it says why."""
    bare = ec2(server_session).create_vpc(CidrBlock="10.80.0.0/16")["Vpc"]["VpcId"]
    planned = action.comment(f"/devops vpc igw create {bare}", aws_write_role_to_assume=WRITE_ROLE)
    assert planned.code == 0, planned.summary
    run = action.comment(
        f"/devops apply {planned.outputs['plan-id']} --dry-run",
        pr=1,
        aws_write_role_to_assume=WRITE_ROLE,
    )
    assert run.code == 0, run.summary
    lines = run.summary.splitlines()
    create = next(ln for ln in lines if "ec2:CreateInternetGateway" in ln)
    attach = next(ln for ln in lines if "ec2:AttachInternetGateway" in ln)
    assert "would succeed (DryRunOperation)" in create
    assert "not previewed: it names what an earlier call makes" in attach
    attached = ec2(server_session).describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [bare]}]
    )["InternetGateways"]
    assert attached == []
