"""Every VPC records flow logs."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="vpc_flow_logs_enabled",
    service="vpc",
    title="VPC flow logs are enabled",
    severity="medium",
    risk=(
        "Without flow logs there is no record of who talked to what: incident response "
        "cannot tell whether data left, and anomalies go unseen."
    ),
    remediation=Remediation(
        text="Create a flow log for every VPC (at least REJECT traffic; ALL is better).",
        cli=(
            "aws ec2 create-flow-logs --resource-type VPC --resource-ids <vpc-id> "
            "--traffic-type ALL --log-destination-type s3 "
            "--log-destination arn:aws:s3:::<log-bucket>"
        ),
        terraform=(
            'resource "aws_flow_log" "vpc" {\n'
            "  vpc_id               = aws_vpc.this.id\n"
            '  traffic_type         = "ALL"\n'
            '  log_destination_type = "s3"\n'
            "  log_destination      = aws_s3_bucket.flow_logs.arn\n"
            "}"
        ),
    ),
    cis=("3.7",),
    fsbp=("EC2.6",),
    requires=("vpc.vpcs", "vpc.flow_logs"),
    no_fix=(
        "Needs a human decision: where the logs go (an S3 bucket, or a log group and a role "
        "allowed to write to it): `vpc flowlogs enable VPC_ID --s3 BUCKET_ARN`."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per VPC that no active flow log records.

    Args:
        inventory: What the audit read; this check compares each region's ``vpc.vpcs`` with
            its ``vpc.flow_logs``. A region where the flow logs could not be read yields
            nothing: its gap is reported instead.

    Yields:
        A hit per VPC without an active flow log, saying whether it is the default VPC.
    """
    for vpc in inventory.vpc_regions():
        if vpc.flow_logs is None:
            continue
        logged = {f.resource_id for f in vpc.flow_logs if f.status in ("", "ACTIVE")}
        for network in vpc.vpcs or []:
            if network.id in logged:
                continue
            label = f"{network.name} ({network.id})" if network.name else network.id
            kind = "Default VPC" if network.is_default else "VPC"
            yield Hit(
                region=vpc.region,
                resource_id=network.id,
                resource_arn=inventory.arn("ec2", vpc.region, f"vpc/{network.id}"),
                detail=f"{kind} {label} has no active flow log.",
            )
