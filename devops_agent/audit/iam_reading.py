"""The IAM parts of the inventory: the credential report, authorization details, the account
summary and the password policy.

No service read covers these yet (the IAM package reads users, roles and keys one call
at a time, which an audit of a large account cannot afford), so the audit reads them
here, with the fewest calls IAM allows: the credential report instead of a call per
user and key, and GetAccountAuthorizationDetails instead of a call per entity and
policy. Each function takes an IAM client (the audit's shared, counted one) and raises
:class:`~devops_agent.errors.ServiceError` naming the IAM action when IAM refuses; they
move beside the IAM package's reads once it has a home for them.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from devops_agent.audit.inventory import (
    AccessKeyCredential,
    AccountSummary,
    AttachedPolicy,
    CredentialReportRow,
    IamGroup,
    IamRole,
    IamUser,
    InlinePolicy,
    ManagedPolicy,
    PasswordPolicy,
)
from devops_agent.aws import aws_errors, pages, utc
from devops_agent.aws.iam.account import read_password_policy
from devops_agent.aws.policy_document import decode_policy
from devops_agent.errors import ServiceError

if TYPE_CHECKING:
    from mypy_boto3_iam import IAMClient

__all__ = [
    "CREDENTIAL_REPORT_WAIT",
    "account_summary",
    "authorization_details",
    "credential_report",
    "password_policy",
]

#: How long to wait for IAM to generate the credential report before giving up on it.
CREDENTIAL_REPORT_WAIT = 30.0
#: The credential report is not there yet (being generated, never made, or too old).
_REPORT_NOT_READY = frozenset({"ReportInProgress", "ReportNotPresent", "ReportExpired"})


def _date(value: Any) -> datetime | None:
    """A botocore datetime, an ISO string, or a credential-report placeholder, as UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return utc(value)
    text = str(value).strip()
    if not text or text in {"N/A", "not_supported", "no_information"}:
        return None
    try:
        return utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


# --------------------------------------------------------------------------- credential report


def credential_report(iam: IAMClient) -> list[CredentialReportRow]:
    """Every user's password, MFA and access key facts, from one generated report.

    Generates the report, then polls for it (backing off up to 4 s between tries, for
    at most :data:`CREDENTIAL_REPORT_WAIT` seconds), asking IAM to generate it again
    when it says the report is missing or expired.

    Args:
        iam: The audit's IAM client (shared, its calls counted).

    Returns:
        One row per user of the report (the root account's row included), dates as UTC.

    Raises:
        ServiceError: IAM refused (``iam:GenerateCredentialReport`` or
            ``iam:GetCredentialReport``), or the report was not ready in time.
    """
    with aws_errors("iam:GenerateCredentialReport"):
        iam.generate_credential_report()
    deadline = time.monotonic() + CREDENTIAL_REPORT_WAIT
    delay = 0.5
    while True:
        try:
            with aws_errors("iam:GetCredentialReport"):
                content = iam.get_credential_report()["Content"]
            break
        except ServiceError as exc:
            if exc.code not in _REPORT_NOT_READY or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 4.0)
            if exc.code != "ReportInProgress":
                with aws_errors("iam:GenerateCredentialReport"):
                    iam.generate_credential_report()
    text = content.decode("utf-8") if isinstance(content, bytes) else str(content)
    return [_report_row(row) for row in csv.DictReader(io.StringIO(text))]


def _report_row(row: dict[str, str]) -> CredentialReportRow:
    def flag(name: str) -> bool:
        return (row.get(name) or "").strip().lower() == "true"

    keys = [
        AccessKeyCredential(
            slot=slot,
            active=flag(f"access_key_{slot}_active"),
            last_rotated=_date(row.get(f"access_key_{slot}_last_rotated")),
            last_used=_date(row.get(f"access_key_{slot}_last_used_date")),
        )
        for slot in (1, 2)
        if flag(f"access_key_{slot}_active") or _date(row.get(f"access_key_{slot}_last_rotated"))
    ]
    return CredentialReportRow(
        user=row.get("user", ""),
        arn=row.get("arn", ""),
        created=_date(row.get("user_creation_time")),
        password_enabled=flag("password_enabled"),
        password_last_used=_date(row.get("password_last_used")),
        password_last_changed=_date(row.get("password_last_changed")),
        mfa_active=flag("mfa_active"),
        access_keys=keys,
    )


# --------------------------------------------------------------------------- authorization details


def _inline(items: Iterable[dict[str, Any]]) -> list[InlinePolicy]:
    return [
        InlinePolicy(name=p.get("PolicyName", ""), document=decode_policy(p.get("PolicyDocument")))
        for p in items
    ]


def _attached(items: Iterable[dict[str, Any]]) -> list[AttachedPolicy]:
    return [AttachedPolicy(name=p.get("PolicyName", ""), arn=p.get("PolicyArn", "")) for p in items]


def authorization_details(iam: IAMClient, *, page_size: int | None = None) -> dict[str, Any]:
    """Users, groups, roles and customer managed policies with every policy document, from
    GetAccountAuthorizationDetails (pages of up to 1000 entities).

    Args:
        iam: The audit's IAM client (shared, its calls counted).
        page_size: Entities per page; IAM's default (100) when ``None``.

    Returns:
        ``{"users", "groups", "roles", "policies"}``: the :class:`IamInventory` fields.

    Raises:
        ServiceError: IAM refused (``iam:GetAccountAuthorizationDetails``).
    """
    users: list[IamUser] = []
    groups: list[IamGroup] = []
    roles: list[IamRole] = []
    policies: list[ManagedPolicy] = []
    with aws_errors("iam:GetAccountAuthorizationDetails"):
        for page in pages(
            iam,
            "get_account_authorization_details",
            page_size=page_size,
            Filter=["User", "Role", "Group", "LocalManagedPolicy"],
        ):
            users += [
                IamUser(
                    name=u["UserName"],
                    arn=u.get("Arn", ""),
                    path=u.get("Path", "/"),
                    created=_date(u.get("CreateDate")),
                    inline_policies=_inline(u.get("UserPolicyList", [])),
                    attached_policies=_attached(u.get("AttachedManagedPolicies", [])),
                    groups=list(u.get("GroupList", [])),
                )
                for u in page.get("UserDetailList", [])
            ]
            groups += [
                IamGroup(
                    name=g["GroupName"],
                    arn=g.get("Arn", ""),
                    inline_policies=_inline(g.get("GroupPolicyList", [])),
                    attached_policies=_attached(g.get("AttachedManagedPolicies", [])),
                )
                for g in page.get("GroupDetailList", [])
            ]
            roles += [
                IamRole(
                    name=r["RoleName"],
                    arn=r.get("Arn", ""),
                    path=r.get("Path", "/"),
                    created=_date(r.get("CreateDate")),
                    trust_policy=decode_policy(r.get("AssumeRolePolicyDocument")),
                    inline_policies=_inline(r.get("RolePolicyList", [])),
                    attached_policies=_attached(r.get("AttachedManagedPolicies", [])),
                )
                for r in page.get("RoleDetailList", [])
            ]
            policies += [_managed_policy(p) for p in page.get("Policies", [])]
    return {"users": users, "groups": groups, "roles": roles, "policies": policies}


def _managed_policy(raw: dict[str, Any]) -> ManagedPolicy:
    default: dict[str, Any] = next(
        (v for v in raw.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), {}
    )
    return ManagedPolicy(
        name=raw.get("PolicyName", "") or raw.get("Arn", "").rsplit("/", 1)[-1],
        arn=raw.get("Arn", ""),
        attachment_count=int(raw.get("AttachmentCount") or 0),
        default_version=raw.get("DefaultVersionId"),
        document=decode_policy(default.get("Document")),
    )


# --------------------------------------------------------------------------- account settings


def account_summary(iam: IAMClient) -> AccountSummary:
    """Whether the root user has MFA and access keys, from GetAccountSummary.

    Args:
        iam: The audit's IAM client (shared, its calls counted).

    Returns:
        The root user's MFA and access-key flags.

    Raises:
        ServiceError: IAM refused (``iam:GetAccountSummary``).
    """
    with aws_errors("iam:GetAccountSummary"):
        summary: Any = iam.get_account_summary().get("SummaryMap", {})
    return AccountSummary(
        root_mfa_enabled=bool(summary.get("AccountMFAEnabled")),
        root_access_keys_present=bool(summary.get("AccountAccessKeysPresent")),
    )


def password_policy(iam: IAMClient) -> PasswordPolicy:
    """The account password policy (``exists=False`` when none is set), read by the IAM
    package's one reader over the audit's shared client.

    Args:
        iam: The audit's IAM client (shared, its calls counted).

    Returns:
        The policy's settings, or ``exists=False`` when the account has none.

    Raises:
        ServiceError: IAM refused (``iam:GetAccountPasswordPolicy``).
    """
    return read_password_policy(iam=iam)
