"""S3 Block Public Access is fully on for the whole account."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.aws.s3.account_block import BLOCK_ACCOUNT_PUBLIC_ACCESS, AccountBlockArgs

META = CheckMeta(
    id="s3_account_public_access_block_enabled",
    service="s3",
    title="S3 Block Public Access is enabled for the account",
    severity="high",
    risk=(
        "The account-level setting is the one switch that keeps every bucket, present and "
        "future, from being made public by a policy or ACL mistake."
    ),
    remediation=Remediation(
        text="Turn on all four Block Public Access settings at the account level.",
        cli=(
            "aws s3control put-public-access-block --account-id <account-id> "
            "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
            "BlockPublicPolicy=true,RestrictPublicBuckets=true"
        ),
        terraform=(
            'resource "aws_s3_account_public_access_block" "this" {\n'
            "  block_public_acls       = true\n"
            "  ignore_public_acls      = true\n"
            "  block_public_policy     = true\n"
            "  restrict_public_buckets = true\n"
            "}"
        ),
    ),
    cis=("2.1.4",),
    fsbp=("S3.1",),
    requires=("s3.account_public_access_block",),
    fix=Fix(
        BLOCK_ACCOUNT_PUBLIC_ACCESS,
        lambda hit, inventory, limits: AccountBlockArgs(),
        caveat="Buckets deliberately public (websites, downloads) stop answering anonymous "
        "requests; the plan names those whose policy is public today.",
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit for the account when a setting is off (or none is configured).

    Args:
        inventory: What the audit read; this check uses the account-level S3 Block Public
            Access configuration. When it could not be read the check yields nothing: its
            gap is reported instead, never a pass.

    Yields:
        At most one hit, on the account, naming the settings that are off, or saying no
        configuration is set.
    """
    block = inventory.s3.account_public_access_block
    if block is None or block.fully_on:
        return
    detail = (
        "No account-level S3 Block Public Access configuration is set."
        if not block.configured
        else f"Account-level S3 Block Public Access has {', '.join(block.off)} off."
    )
    yield Hit(region="global", resource_id=inventory.account, detail=detail)
