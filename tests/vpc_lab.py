"""A VPC lab with something for every VPC write to act on, and the command (and tool call)
that asks for each change: shared by the VPC operation tests and the VPC proof tests."""

from __future__ import annotations

from typing import Any

from test_aws_ops_support import Account


def lab_for_every_write(moto_account: Account) -> dict[str, str]:
    """A VPC with what each write of the VPC family can act on."""
    c = moto_account.client("ec2")
    s3 = moto_account.client("s3")
    if "lab-flow-logs" not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket="lab-flow-logs")
    made: dict[str, str] = {}
    made["vpc"] = c.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    made["empty_vpc"] = c.create_vpc(CidrBlock="10.61.0.0/16")["Vpc"]["VpcId"]
    made["bare_vpc"] = c.create_vpc(CidrBlock="10.62.0.0/16")["Vpc"]["VpcId"]

    def subnet(cidr: str) -> str:
        return c.create_subnet(VpcId=made["vpc"], CidrBlock=cidr)["Subnet"]["SubnetId"]

    made["subnet"], made["unused_subnet"], made["routed_subnet"] = (
        subnet("10.60.1.0/24"),
        subnet("10.60.2.0/24"),
        subnet("10.60.3.0/24"),
    )
    made["igw"] = c.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    c.attach_internet_gateway(InternetGatewayId=made["igw"], VpcId=made["vpc"])
    made["table"] = c.create_route_table(VpcId=made["vpc"])["RouteTable"]["RouteTableId"]
    made["routed"] = c.create_route_table(VpcId=made["vpc"])["RouteTable"]["RouteTableId"]
    c.create_route(
        RouteTableId=made["routed"], DestinationCidrBlock="0.0.0.0/0", GatewayId=made["igw"]
    )
    c.associate_route_table(RouteTableId=made["routed"], SubnetId=made["routed_subnet"])
    allocation = c.allocate_address(Domain="vpc")["AllocationId"]
    made["nat"] = c.create_nat_gateway(SubnetId=made["subnet"], AllocationId=allocation)[
        "NatGateway"
    ]["NatGatewayId"]
    made["flow_log"] = c.create_flow_logs(
        ResourceIds=[made["vpc"]],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination="arn:aws:s3:::lab-flow-logs",
    )["FlowLogIds"][0]
    made["nacl"] = c.create_network_acl(VpcId=made["bare_vpc"])["NetworkAcl"]["NetworkAclId"]
    return made


def every_write(m: dict[str, str]) -> list[tuple[str, str, dict[str, Any]]]:
    """(command, tool, tool arguments) asking for the same change."""
    role = "arn:aws:iam::123456789012:role/flow-logs"
    return [
        (
            "vpc create 10.63.0.0/16 --name twin",
            "create_vpc",
            {"cidr": "10.63.0.0/16", "name": "twin"},
        ),
        (f"vpc delete {m['empty_vpc']}", "delete_vpc", {"vpc_id": m["empty_vpc"]}),
        (
            f"vpc subnet create {m['vpc']} 10.60.9.0/24 --az us-east-1b --name nine --public",
            "create_subnet",
            {
                "vpc_id": m["vpc"],
                "cidr": "10.60.9.0/24",
                "availability_zone": "us-east-1b",
                "name": "nine",
                "public": True,
            },
        ),
        (
            f"vpc subnet delete {m['unused_subnet']}",
            "delete_subnet",
            {"subnet_id": m["unused_subnet"]},
        ),
        (
            f"vpc route-table create {m['vpc']} --name extra",
            "create_route_table",
            {"vpc_id": m["vpc"], "name": "extra"},
        ),
        (
            f"vpc route-table delete {m['table']}",
            "delete_route_table",
            {"route_table_id": m["table"]},
        ),
        (
            f"vpc route add {m['table']} 0.0.0.0/0 {m['igw']}",
            "create_route",
            {"route_table_id": m["table"], "destination": "0.0.0.0/0", "target": m["igw"]},
        ),
        (
            f"vpc route delete {m['routed']} 0.0.0.0/0",
            "delete_route",
            {"route_table_id": m["routed"], "destination": "0.0.0.0/0"},
        ),
        (
            f"vpc route-table associate {m['table']} {m['routed_subnet']}",
            "associate_route_table",
            {"route_table_id": m["table"], "subnet_id": m["routed_subnet"]},
        ),
        (
            f"vpc route-table disassociate {m['routed_subnet']}",
            "disassociate_route_table",
            {"subnet_id": m["routed_subnet"]},
        ),
        (
            f"vpc igw create {m['bare_vpc']} --name door",
            "create_internet_gateway",
            {"vpc_id": m["bare_vpc"], "name": "door"},
        ),
        (f"vpc igw delete {m['igw']}", "delete_internet_gateway", {"gateway_id": m["igw"]}),
        (
            f"vpc nat create {m['subnet']} --name out",
            "create_nat_gateway",
            {"subnet_id": m["subnet"], "name": "out"},
        ),
        (f"vpc nat delete {m['nat']}", "delete_nat_gateway", {"nat_gateway_id": m["nat"]}),
        (
            f"vpc flowlogs enable {m['vpc']} --log-group /vpc/twin --role {role} --traffic reject",
            "create_flow_logs",
            {
                "vpc_id": m["vpc"],
                "log_group": "/vpc/twin",
                "role_arn": role,
                "traffic_type": "reject",
            },
        ),
        (
            f"vpc flowlogs delete {m['flow_log']}",
            "delete_flow_logs",
            {"flow_log_id": m["flow_log"]},
        ),
        (
            f"vpc subnet public-ip {m['subnet']} on",
            "set_subnet_public_ip",
            {"subnet_id": m["subnet"], "state": "on"},
        ),
        (f"vpc nacl delete {m['nacl']}", "delete_network_acl", {"acl_id": m["nacl"]}),
    ]
