"""No bucket policy grants access to anyone (``Principal: "*"`` without a narrowing condition)."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation
from devops_agent.audit.policy import public_statements, values

META = CheckMeta(
    id="s3_bucket_policy_not_public",
    service="s3",
    title="S3 bucket policies do not grant access to everyone",
    severity="critical",
    risk=(
        'A bucket policy that allows Principal "*" without a condition on source account, '
        "organisation, VPC or IP hands its objects (or worse, write access) to the internet."
    ),
    remediation=Remediation(
        text=(
            "Remove the public statement, or narrow it with a condition such as "
            "aws:PrincipalOrgID or aws:SourceVpce; serve public content through CloudFront "
            "with origin access control instead."
        ),
        cli=(
            "aws s3api get-bucket-policy --bucket <bucket> --query Policy --output text "
            "> policy.json\n"
            '# edit policy.json: drop or narrow the Principal "*" statements\n'
            "aws s3api put-bucket-policy --bucket <bucket> --policy file://policy.json"
        ),
        terraform=(
            'data "aws_iam_policy_document" "bucket" {\n'
            "  statement {\n"
            '    actions   = ["s3:GetObject"]\n'
            '    resources = ["${aws_s3_bucket.this.arn}/*"]\n'
            "    principals {\n"
            '      type        = "Service"\n'
            '      identifiers = ["cloudfront.amazonaws.com"]\n'
            "    }\n"
            "    condition {\n"
            '      test     = "StringEquals"\n'
            '      variable = "AWS:SourceArn"\n'
            "      values   = [aws_cloudfront_distribution.this.arn]\n"
            "    }\n"
            "  }\n"
            "}"
        ),
    ),
    fsbp=("S3.2", "S3.3"),
    requires=("s3.bucket_policy",),
    no_fix=(
        "Needs a human decision: a public policy may be deliberate (a website), and which "
        "statements to narrow is for a person to decide."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per bucket whose policy AWS reports as public or that has a public statement.

    AWS's own verdict (``GetBucketPolicyStatus``, which evaluates conditions) wins when it
    was read: a policy AWS says is not public is not reported, whatever its statements look
    like. Without it, a statement allowing ``Principal: "*"`` without a narrowing condition
    (:func:`devops_agent.audit.policy.public_statements`) makes the bucket public.

    Args:
        inventory: What the audit read; this check judges each bucket whose policy was read.
            A bucket where it could not be read is left out (its gap is reported instead,
            never a pass), and nothing is judged when the bucket list was not read.

    Yields:
        A hit per such bucket, on the bucket's region (``global`` when unknown), its name
        and its ARN, naming the actions its public statements allow and whether AWS reports
        it as public.
    """
    for bucket in inventory.s3.buckets_with("policy"):
        document = bucket.policy_document
        if document is None:
            continue
        found = public_statements(document)
        is_public = bucket.policy_is_public
        if is_public is False or (is_public is None and not found):
            # AWS's own evaluation (conditions included) says it is not public.
            continue
        actions = sorted({a for s in found for a in values(s.get("Action"))})
        what = f" ({', '.join(actions)})" if actions else ""
        yield Hit(
            region=bucket.region or "global",
            resource_id=bucket.name,
            resource_arn=inventory.bucket_arn(bucket.name),
            detail=(
                f"The policy of bucket {bucket.name} allows anyone{what}"
                + (" and AWS reports it as public." if is_public else ".")
            ),
        )
