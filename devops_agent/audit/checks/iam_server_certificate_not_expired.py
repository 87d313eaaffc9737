"""No expired server certificate is kept in IAM."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="iam_server_certificate_not_expired",
    service="iam",
    title="No expired SSL/TLS certificate is stored in IAM",
    severity="medium",
    risk=(
        "An expired certificate can be attached to a load balancer by mistake, breaking "
        "HTTPS for every client and looking untrustworthy."
    ),
    remediation=Remediation(
        text="Delete expired certificates (move live ones to ACM, which renews them).",
        cli="aws iam delete-server-certificate --server-certificate-name <name>",
        terraform="# Remove the expired aws_iam_server_certificate; use aws_acm_certificate.",
    ),
    cis=("1.19",),
    fsbp=("IAM.26",),
    requires=("iam.server_certificates",),
    no_fix=(
        "Needs a human decision: a load balancer or distribution may still serve the "
        "certificate; deleting it there breaks HTTPS until a new one is attached."
    ),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per server certificate past its expiration.

    Expiry is judged at the time the inventory was collected; a certificate without an
    expiration date is not judged.

    Args:
        inventory: What the audit read; this check uses the server certificates stored in
            IAM. When that could not be read the check yields nothing: its gap is reported
            instead, never a pass.

    Yields:
        A hit per expired certificate, with the day it expired.
    """
    for cert in inventory.iam.server_certificates or []:
        if cert.expiration is None or cert.expiration > inventory.collected_at:
            continue
        yield Hit(
            region="global",
            resource_id=cert.name,
            resource_arn=cert.arn or None,
            detail=f"Server certificate {cert.name} expired on {cert.expiration:%Y-%m-%d}.",
        )
