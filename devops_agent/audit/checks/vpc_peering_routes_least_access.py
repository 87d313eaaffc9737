"""Routes to VPC peering connections cover only what must be reached, not whole networks."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="vpc_peering_routes_least_access",
    service="vpc",
    title="Routes to peered VPCs are least access",
    severity="medium",
    risk=(
        "A peering route for the whole peer VPC (or 0.0.0.0/0) makes every subnet on both "
        "sides reachable, so a compromise in one VPC spreads to the other."
    ),
    remediation=Remediation(
        text=(
            "Replace the broad route with routes to the specific subnets or hosts the "
            "peering exists for."
        ),
        cli=(
            "aws ec2 delete-route --route-table-id <route-table-id> "
            "--destination-cidr-block <broad-cidr>\n"
            "aws ec2 create-route --route-table-id <route-table-id> "
            "--destination-cidr-block <subnet-cidr> --vpc-peering-connection-id <pcx-id>"
        ),
        terraform=(
            'resource "aws_route" "to_peer_db_subnet" {\n'
            "  route_table_id            = aws_route_table.app.id\n"
            '  destination_cidr_block    = "10.1.5.0/24" # one subnet, not the whole VPC\n'
            "  vpc_peering_connection_id = aws_vpc_peering_connection.this.id\n"
            "}"
        ),
    ),
    cis=("5.5",),
    requires=("vpc.route_tables", "vpc.peering_connections"),
    no_fix=("Needs a human decision: which address ranges the peer really needs."),
)


def _covers(destination: str, cidrs: list[str]) -> bool:
    """True when the route reaches all of one of the peer's CIDR blocks."""
    try:
        route = ipaddress.ip_network(destination, strict=False)
    except ValueError:
        return False
    for cidr in cidrs:
        try:
            block = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            continue
        if block.version == route.version and block.subnet_of(route):  # type: ignore[arg-type]
            return True
    return False


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per route table with a peering route to a whole peer VPC block or wider.

    A route through a peering connection (``pcx-…``) is too broad when its destination is
    ``0.0.0.0/0`` or ``::/0``, or contains a whole CIDR block of the VPC on the other side.

    Args:
        inventory: What the audit read; this check uses each region's ``vpc.route_tables``
            and ``vpc.peering_connections``. A region whose route tables could not be read
            yields nothing; where the peering connections could not be read, only routes to
            the whole internet are judged. Their gaps are reported instead.

    Yields:
        A hit per such route table, listing each broad route and its peering connection.
    """
    for vpc in inventory.vpc_regions():
        peers = {p.id: p for p in vpc.peering_connections or []}
        for table in vpc.route_tables or []:
            broad = []
            for route in table.route_entries:
                if not route.target.startswith("pcx-"):
                    continue
                peering = peers.get(route.target)
                if route.destination in ("0.0.0.0/0", "::/0"):
                    broad.append(f"{route.destination} -> {route.target}")
                elif peering is not None:
                    far = (
                        peering.accepter_cidrs
                        if peering.requester_vpc_id == table.vpc_id
                        else peering.requester_cidrs
                    )
                    if _covers(route.destination, far):
                        broad.append(f"{route.destination} -> {route.target} (the whole peer VPC)")
            if broad:
                yield Hit(
                    region=vpc.region,
                    resource_id=table.id,
                    resource_arn=inventory.arn("ec2", vpc.region, f"route-table/{table.id}"),
                    detail=f"Route table {table.id} of {table.vpc_id} routes {'; '.join(broad)}.",
                )
