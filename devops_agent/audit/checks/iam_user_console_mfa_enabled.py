"""Every IAM user with a console password has MFA."""

from __future__ import annotations

from collections.abc import Iterator

from devops_agent.audit.checks._iam import report_users
from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import CheckMeta, Hit, Remediation

META = CheckMeta(
    id="iam_user_console_mfa_enabled",
    service="iam",
    title="IAM users with a console password have MFA",
    severity="high",
    risk=(
        "A console password without MFA falls to phishing, password reuse or guessing, and "
        "then acts with all of the user's permissions."
    ),
    remediation=Remediation(
        text=(
            "Have the user enrol an MFA device (or remove the console password); enforce it "
            "with a policy denying everything without aws:MultiFactorAuthPresent."
        ),
        cli=(
            "aws iam create-virtual-mfa-device --virtual-mfa-device-name <user> "
            "--outfile qr.png --bootstrap-method QRCodePNG\n"
            "aws iam enable-mfa-device --user-name <user> --serial-number <mfa-arn> "
            "--authentication-code1 <code1> --authentication-code2 <code2>\n"
            "# or, when the user does not need the console:\n"
            "aws iam delete-login-profile --user-name <user>"
        ),
        terraform=(
            'resource "aws_iam_virtual_mfa_device" "user" {\n'
            '  virtual_mfa_device_name = "<user>"\n'
            "}\n"
            "# Better: move people to IAM Identity Center, which enforces MFA centrally."
        ),
    ),
    cis=("1.10",),
    fsbp=("IAM.5",),
    requires=("iam.credential_report",),
    no_fix=("Only the user can enroll an MFA device, with the device in hand."),
)


def check(inventory: Inventory) -> Iterator[Hit]:
    """One hit per user with a password and no active MFA device.

    Args:
        inventory: What the audit read; this check uses the credential report (the root
            user's line left out). When that could not be read the check yields nothing: its
            gap is reported instead, never a pass.

    Yields:
        A hit per user who can sign in to the console without MFA.
    """
    for row in report_users(inventory):
        if row.password_enabled and not row.mfa_active:
            yield Hit(
                region="global",
                resource_id=row.user,
                resource_arn=row.arn or None,
                detail=f"User {row.user} can sign in to the console without MFA.",
            )
