"""Every non-default security group is attached to something or referenced by a group that is."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit import remedies
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.aws.ec2.security_groups import DELETE, SecurityGroupArgs

META = CheckMeta(
    id="ec2_securitygroup_in_use",
    service="ec2",
    title="Security groups are in use",
    severity="low",
    risk=(
        "Unused groups pile up, hide which rules really matter, and get attached later by "
        "mistake with rules nobody reviewed."
    ),
    remediation=Remediation(
        text="Delete security groups that no network interface uses and no rule references.",
        cli="aws ec2 delete-security-group --group-id <group-id>",
        terraform=(
            "# Remove the unused aws_security_group resource (and its rules) from the\n"
            "# configuration; terraform apply deletes it."
        ),
    ),
    fsbp=("EC2.22",),
    requires=("ec2.security_groups", "ec2.network_interfaces"),
    fix=Fix(
        DELETE,
        remedies.on_resource(lambda sg, region: SecurityGroupArgs(group_id=sg, region=region)),
        caveat="A deleted group cannot be restored; launch templates or stacks that name it "
        "fail until they are updated.",
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per non-default group on no interface and named by no other group's rule.

    Args:
        inventory: What the audit read; this check compares each region's
            ``ec2.security_groups`` with the groups of its ``ec2.network_interfaces``. A
            region where the interfaces could not be read yields nothing: its gap is
            reported instead.

    Yields:
        A hit per unused group (default groups are never reported: they cannot be deleted).
    """
    for ec2 in inventory.ec2_regions():
        if ec2.network_interfaces is None:
            continue
        groups = ec2.security_groups or []
        used = {g for eni in ec2.network_interfaces for g in eni.group_ids}
        referenced = {
            ref
            for group in groups
            for rule in (*group.ingress, *group.egress)
            for ref in rule.groups
            if ref != group.id
        }
        for group in groups:
            if group.is_default or group.id in used or group.id in referenced:
                continue
            yield Hit(
                region=ec2.region,
                resource_id=group.id,
                resource_arn=inventory.arn("ec2", ec2.region, f"security-group/{group.id}"),
                detail=(
                    f"Security group {group.name} ({group.id}) is attached to no network "
                    "interface and referenced by no other group."
                ),
            )
