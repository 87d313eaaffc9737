"""No bucket ACL grants anything to everyone or to every AWS user."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit import remedies
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.aws.s3.access_control import MAKE_ACL_PRIVATE, PrivateAclArgs

#: ACL groups that mean "the internet" and "any AWS account".
PUBLIC_GROUPS = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "everyone",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "any AWS user",
}

META = CheckMeta(
    id="s3_bucket_acl_not_public",
    service="s3",
    title="S3 bucket ACLs do not grant public access",
    severity="critical",
    risk=(
        "An ACL grant to AllUsers or AuthenticatedUsers lets anyone list, read or even "
        "overwrite the bucket's objects."
    ),
    remediation=Remediation(
        text=(
            "Set the ACL back to private and disable ACLs altogether with the "
            "BucketOwnerEnforced object ownership setting."
        ),
        cli=(
            "aws s3api put-bucket-acl --bucket <bucket> --acl private\n"
            "aws s3api put-bucket-ownership-controls --bucket <bucket> "
            "--ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'"
        ),
        terraform=(
            'resource "aws_s3_bucket_ownership_controls" "this" {\n'
            "  bucket = aws_s3_bucket.this.id\n"
            "  rule {\n"
            '    object_ownership = "BucketOwnerEnforced"\n'
            "  }\n"
            "}"
        ),
    ),
    fsbp=("S3.2", "S3.3"),
    requires=("s3.bucket_acl",),
    fix=Fix(
        MAKE_ACL_PRIVATE,
        remedies.on_resource(lambda bucket, region: PrivateAclArgs(bucket=bucket)),
        caveat="Anonymous readers through the ACL are cut off; bucket policies are not touched.",
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per bucket with a grant to AllUsers or AuthenticatedUsers.

    Args:
        inventory: What the audit read; this check judges each bucket whose ACL was read. A
            bucket where it could not be read is left out (its gap is reported instead,
            never a pass), and nothing is judged when the bucket list was not read.

    Yields:
        A hit per such bucket, on the bucket's region (``global`` when unknown), its name
        and its ARN, naming each permission granted to everyone or to any AWS user.
    """
    for bucket in inventory.s3.buckets_with("acl"):
        if bucket.acl is None:
            continue
        grants = sorted(
            {
                f"{g.permission} to {PUBLIC_GROUPS[g.grantee]}"
                for g in bucket.acl.grants
                if g.grantee in PUBLIC_GROUPS
            }
        )
        if grants:
            yield Hit(
                region=bucket.region or "global",
                resource_id=bucket.name,
                resource_arn=inventory.bucket_arn(bucket.name),
                detail=f"The ACL of bucket {bucket.name} grants {', '.join(grants)}.",
            )
