"""The account's other credentials: virtual MFA devices and server certificates.

No command lists these yet; the audit reads them to tell a root user's virtual MFA from a
hardware one (CIS 1.6, FSBP IAM.6) and to find expired certificates still stored (CIS
1.19, Security Hub IAM.26): one paginated call each for the whole account.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from devops_agent.aws import AwsModel, aws_errors, pages, utc

__all__ = [
    "ServerCertificate",
    "VirtualMfaDevice",
    "list_server_certificates",
    "list_virtual_mfa_devices",
]


class VirtualMfaDevice(AwsModel):
    """One virtual MFA device (a phone app; a hardware key is never listed here)."""

    serial: str
    """Its ARN, e.g. ``arn:aws:iam::123456789012:mfa/root-account-mfa-device``."""
    user_arn: str | None = None
    """The user it is assigned to (the root user's ARN ends in ``:root``); ``None`` when
    unassigned."""


def list_virtual_mfa_devices(iam: Any) -> list[VirtualMfaDevice]:
    """Every virtual MFA device of the account, assigned or not.

    Args:
        iam: An IAM client to read with (the audit's shared, counted one).

    Returns:
        The devices, sorted by serial number.

    Raises:
        ServiceError: AWS refused (``iam:ListVirtualMFADevices``).
    """
    with aws_errors("iam:ListVirtualMFADevices"):
        raw = [
            d
            for page in pages(iam, "list_virtual_mfa_devices")
            for d in page.get("VirtualMFADevices", [])
        ]
    return sorted(
        (
            VirtualMfaDevice(
                serial=d.get("SerialNumber", ""),
                user_arn=(d.get("User") or {}).get("Arn") or None,
            )
            for d in raw
        ),
        key=lambda d: d.serial,
    )


class ServerCertificate(AwsModel):
    """One server certificate stored in IAM (for load balancers and CloudFront)."""

    name: str
    arn: str
    expiration: datetime | None = None
    """When it expires (UTC)."""


def list_server_certificates(iam: Any) -> list[ServerCertificate]:
    """Every server certificate stored in IAM.

    Args:
        iam: An IAM client to read with (the audit's shared, counted one).

    Returns:
        The certificates, sorted by name.

    Raises:
        ServiceError: AWS refused (``iam:ListServerCertificates``).
    """
    with aws_errors("iam:ListServerCertificates"):
        raw = [
            c
            for page in pages(iam, "list_server_certificates")
            for c in page.get("ServerCertificateMetadataList", [])
        ]
    return sorted(
        (
            ServerCertificate(
                name=c.get("ServerCertificateName", ""),
                arn=c.get("Arn", ""),
                expiration=utc(c.get("Expiration")),
            )
            for c in raw
        ),
        key=lambda c: c.name,
    )
