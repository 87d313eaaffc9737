"""Every VPC's default security group allows no traffic at all."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.aws.ec2.security_group_cleanup import CLOSE_SECURITY_GROUP, CloseArgs

META = CheckMeta(
    id="ec2_securitygroup_default_restricted",
    service="ec2",
    title="Default security groups restrict all traffic",
    severity="medium",
    risk=(
        "Resources launched without a security group land in the default one; if it allows "
        "traffic they are reachable (or can reach out) without anyone having decided so."
    ),
    remediation=Remediation(
        text=(
            "Remove every inbound and outbound rule from each default group and give "
            "resources purpose-made groups."
        ),
        cli=(
            "aws ec2 revoke-security-group-ingress --group-id <default-group-id> "
            '--ip-permissions "$(aws ec2 describe-security-groups --group-ids <default-group-id> '
            "--query 'SecurityGroups[0].IpPermissions')\"\n"
            "aws ec2 revoke-security-group-egress --group-id <default-group-id> "
            '--ip-permissions "$(aws ec2 describe-security-groups --group-ids <default-group-id> '
            "--query 'SecurityGroups[0].IpPermissionsEgress')\""
        ),
        terraform=(
            'resource "aws_default_security_group" "default" {\n'
            "  vpc_id = aws_vpc.this.id\n"
            "  # no ingress or egress blocks: Terraform removes every rule\n"
            "}"
        ),
    ),
    cis=("5.4",),
    fsbp=("EC2.2",),
    requires=("ec2.security_groups",),
    fix=Fix(
        CLOSE_SECURITY_GROUP,
        lambda hit, inventory, limits: CloseArgs(
            group_id=hit.resource_id, region=hit.region, all_rules=True
        ),
        caveat="Anything still using a default group loses the traffic its rules allowed: "
        "move it to a purpose-made group first.",
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per default group that still has inbound or outbound rules.

    Args:
        inventory: What the audit read; this check uses each region's
            ``ec2.security_groups``. A region where they could not be read yields nothing:
            its gap is reported instead, never a pass.

    Yields:
        A hit per VPC's default group with any rule, with how many each way.
    """
    for ec2 in inventory.ec2_regions():
        for group in ec2.security_groups or []:
            if not group.is_default or not (group.ingress or group.egress):
                continue
            yield Hit(
                region=ec2.region,
                resource_id=group.id,
                resource_arn=inventory.arn("ec2", ec2.region, f"security-group/{group.id}"),
                detail=(
                    f"The default security group of {group.vpc_id or 'its VPC'} has "
                    f"{len(group.ingress)} inbound and {len(group.egress)} outbound rules."
                ),
            )
