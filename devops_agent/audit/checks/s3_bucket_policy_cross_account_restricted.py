"""No bucket policy lets another account change the bucket's access or encryption."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation
from devops_agent.audit.policy import action_covers, is_public_principal, statements, values

#: What FSBP S3.6 forbids other accounts: the actions that change who may read or decrypt.
GUARDED_ACTIONS = (
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:PutBucketPolicy",
    "s3:PutEncryptionConfiguration",
    "s3:PutObjectAcl",
)
_ACCOUNT = re.compile(r"^(?:arn:aws[a-z-]*:iam::)?(\d{12})(?::|$)")

META = CheckMeta(
    id="s3_bucket_policy_cross_account_restricted",
    service="s3",
    title="Bucket policies do not let other accounts change access or encryption",
    severity="high",
    risk=(
        "An account that may put the bucket policy or ACLs can make the data public or "
        "grant itself everything; one that may change encryption can lock the owner out."
    ),
    remediation=Remediation(
        text=(
            "Remove these actions from statements naming other accounts; grant them only "
            "read or write on objects."
        ),
        cli="aws s3api put-bucket-policy --bucket <bucket> --policy file://narrowed.json",
        terraform=(
            "# In the aws_s3_bucket_policy, keep s3:PutBucketPolicy, s3:PutBucketAcl,\n"
            "# s3:DeleteBucketPolicy, s3:PutEncryptionConfiguration and s3:PutObjectAcl\n"
            "# out of statements whose principals are other accounts."
        ),
    ),
    fsbp=("S3.6",),
    requires=("s3.bucket_policy",),
    no_fix=(
        "Needs a human decision: the other account may rely on the grant, and which actions "
        "it keeps is for the two owners to agree."
    ),
)


def _other_accounts(principal: Any, own: str) -> list[str]:
    found = []
    if isinstance(principal, dict):
        for value in values(principal.get("AWS")):
            match = _ACCOUNT.match(value)
            if match and match.group(1) != own:
                found.append(match.group(1))
    return sorted(set(found))


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per bucket whose policy allows another account a guarded action.

    The guarded actions (:data:`GUARDED_ACTIONS`) change who can reach the data or how it is
    encrypted: putting or deleting the bucket policy, putting bucket or object ACLs, putting
    the encryption configuration. Another account is a 12-digit account id (or its
    ``arn:…:iam::ID:…``) in an ``Allow`` statement's ``AWS`` principal that is not this
    account; statements open to everyone are the public-policy check's.

    Args:
        inventory: What the audit read; this check judges each bucket whose policy was read.
            A bucket where it could not be read is left out (its gap is reported instead,
            never a pass), and nothing is judged when the bucket list was not read.

    Yields:
        A hit per such bucket, on the bucket's region (``global`` when unknown), its name
        and its ARN, listing per foreign account the guarded actions it is allowed.
    """
    for bucket in inventory.s3.buckets_with("policy"):
        granted: dict[str, set[str]] = {}
        for s in statements(bucket.policy_document):
            if s.get("Effect") != "Allow" or is_public_principal(s.get("Principal")):
                continue
            accounts = _other_accounts(s.get("Principal"), inventory.account)
            actions = [a for a in GUARDED_ACTIONS if action_covers(s.get("Action"), a)]
            for account in accounts if actions else []:
                granted.setdefault(account, set()).update(actions)
        if not granted:
            continue
        what = "; ".join(f"{a}: {', '.join(sorted(v))}" for a, v in sorted(granted.items()))
        yield Hit(
            region=bucket.region or "global",
            resource_id=bucket.name,
            resource_arn=inventory.bucket_arn(bucket.name),
            detail=f"The policy of bucket {bucket.name} lets other accounts {what}.",
        )
