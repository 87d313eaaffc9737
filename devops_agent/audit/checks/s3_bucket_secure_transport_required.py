"""Every bucket policy refuses requests made without TLS."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit import remedies
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Fix, Hit, Remediation
from devops_agent.audit.policy import denies_insecure_transport
from devops_agent.aws.s3.tls_policy import REQUIRE_TLS, RequireTlsArgs

META = CheckMeta(
    id="s3_bucket_secure_transport_required",
    service="s3",
    title="S3 buckets require TLS (aws:SecureTransport)",
    severity="medium",
    risk=(
        "Without a deny on aws:SecureTransport = false, clients may send credentials-signed "
        "requests and data over plain HTTP, open to interception on the way."
    ),
    remediation=Remediation(
        text="Add a statement denying s3:* to everyone when aws:SecureTransport is false.",
        cli=(
            "# add this statement to the bucket policy, then put-bucket-policy:\n"
            '# {"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*",'
            '"Action":"s3:*","Resource":["arn:aws:s3:::<bucket>","arn:aws:s3:::<bucket>/*"],'
            '"Condition":{"Bool":{"aws:SecureTransport":"false"}}}\n'
            "aws s3api put-bucket-policy --bucket <bucket> --policy file://policy.json"
        ),
        terraform=(
            'data "aws_iam_policy_document" "tls_only" {\n'
            "  statement {\n"
            '    sid       = "DenyInsecureTransport"\n'
            '    effect    = "Deny"\n'
            '    actions   = ["s3:*"]\n'
            '    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]\n'
            "    principals {\n"
            '      type        = "*"\n'
            '      identifiers = ["*"]\n'
            "    }\n"
            "    condition {\n"
            '      test     = "Bool"\n'
            '      variable = "aws:SecureTransport"\n'
            '      values   = ["false"]\n'
            "    }\n"
            "  }\n"
            "}"
        ),
    ),
    cis=("2.1.1",),
    fsbp=("S3.5",),
    requires=("s3.bucket_policy",),
    fix=Fix(
        REQUIRE_TLS,
        remedies.on_resource(lambda bucket, region: RequireTlsArgs(bucket=bucket)),
        caveat="Clients still using plain HTTP are refused.",
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per bucket whose policy (or lack of one) allows plain HTTP.

    A bucket passes only when its policy denies every principal ``s3:GetObject`` (or a
    wildcard covering it) under ``aws:SecureTransport`` = ``false``
    (:func:`devops_agent.audit.policy.denies_insecure_transport`).

    Args:
        inventory: What the audit read; this check judges each bucket whose policy was read.
            A bucket where it could not be read is left out (its gap is reported instead,
            never a pass), and nothing is judged when the bucket list was not read.

    Yields:
        A hit per such bucket, on the bucket's region (``global`` when unknown), its name
        and its ARN, saying whether it has no policy or one without the deny.
    """
    for bucket in inventory.s3.buckets_with("policy"):
        if denies_insecure_transport(bucket.policy_document):
            continue
        detail = (
            f"Bucket {bucket.name} has no bucket policy, so nothing denies plain HTTP requests."
            if bucket.policy is None
            else f"The policy of bucket {bucket.name} does not deny aws:SecureTransport = false."
        )
        yield Hit(
            region=bucket.region or "global",
            resource_id=bucket.name,
            resource_arn=inventory.bucket_arn(bucket.name),
            detail=detail,
        )
