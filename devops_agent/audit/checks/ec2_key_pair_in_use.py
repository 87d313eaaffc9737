"""Every key pair is used by an instance."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.aws.ec2.key_pairs import DELETE as DELETE_KEY_PAIR
from devops_agent.aws.ec2.key_pairs import DeleteKeyPairArgs

META = CheckMeta(
    id="ec2_key_pair_in_use",
    service="ec2",
    title="EC2 key pairs are used by an instance",
    severity="low",
    risk=(
        "A key pair no instance uses is a login someone may still hold the private half of: "
        "it can be used on the next instance launched with it, by whoever kept a copy."
    ),
    remediation=Remediation(
        text="Delete key pairs no instance uses; reach instances through Session Manager.",
        cli="aws ec2 delete-key-pair --key-name <name>",
        terraform="# Remove the unused aws_key_pair resource; terraform apply deletes it.",
    ),
    requires=("ec2.key_pairs", "ec2.instances"),
    fix=Fix(
        DELETE_KEY_PAIR,
        lambda hit, inventory, limits: DeleteKeyPairArgs(name=hit.resource_id, region=hit.region),
        caveat="A deleted key pair cannot be recovered; launch templates that name it fail "
        "until they are updated.",
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per key pair no instance (but a terminated one) was launched with.

    Args:
        inventory: What the audit read; this check compares each region's ``ec2.key_pairs``
            with the key names of its ``ec2.instances``. A region where the instances could
            not be read yields nothing: its gap is reported instead.

    Yields:
        A hit per key pair no live instance of its region uses.
    """
    for ec2 in inventory.ec2_regions():
        if ec2.instances is None:
            continue
        used = {i.key_name for i in ec2.instances if i.key_name and i.state != "terminated"}
        for pair in ec2.key_pairs or []:
            if pair.name in used:
                continue
            yield Hit(
                region=ec2.region,
                resource_id=pair.name,
                resource_arn=inventory.arn("ec2", ec2.region, f"key-pair/{pair.name}"),
                detail=f"Key pair {pair.name} is used by no instance in {ec2.region}.",
            )
