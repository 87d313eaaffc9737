"""The root user signs in with a hardware MFA device."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.checks._iam import root_arn
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="iam_root_hardware_mfa_enabled",
    service="iam",
    title="The root user uses a hardware MFA device",
    severity="high",
    risk=(
        "A virtual MFA lives on a phone that is lost, backed up to the cloud or shared; for "
        "the one user that can do anything, a device kept in a safe is the bar."
    ),
    remediation=Remediation(
        text="Sign in as root, remove the virtual MFA device and register a hardware key.",
        cli=(
            "# which MFA the root user has (a virtual one is listed with its serial):\n"
            "aws iam list-virtual-mfa-devices --assignment-status Assigned\n"
            "# then, signed in as root: Security credentials → Assign MFA device"
        ),
        terraform="# Root credentials cannot be managed with Terraform.",
    ),
    cis=("1.6",),
    fsbp=("IAM.6",),
    requires=("iam.account_summary", "iam.virtual_mfa_devices"),
    no_fix="Only the root user can register an MFA device, with the device in hand.",
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit when root has no MFA, or its MFA is a virtual device.

    Args:
        inventory: What the audit read; this check uses the IAM account summary and the
            virtual MFA devices; both are needed. When that could not be read the check
            yields nothing: its gap is reported instead, never a pass.

    Yields:
        At most one hit, on the root user, naming its virtual device's serial or saying it
        has no MFA at all.
    """
    summary = inventory.iam.account_summary
    devices = inventory.iam.virtual_mfa_devices
    if summary is None or devices is None:
        return
    virtual = [d for d in devices if (d.user_arn or "").endswith(":root")]
    if summary.root_mfa_enabled and not virtual:
        return
    detail = (
        f"The root user's MFA is a virtual device ({virtual[0].serial})."
        if virtual
        else "The root user has no MFA device at all."
    )
    yield Hit(region="global", resource_id="root", resource_arn=root_arn(inventory), detail=detail)
