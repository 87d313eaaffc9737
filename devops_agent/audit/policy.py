"""Reading IAM-style policy documents: the one home of the audit's policy logic.

Bucket policies, identity policies and role trust policies share a grammar;
these pure helpers answer the questions checks ask of it (is this statement
open to anyone? does it grant everything? does it refuse plain HTTP?), so no
two checks can disagree about what "public" means.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

__all__ = [
    "RESTRICTING_CONDITION_KEYS",
    "action_covers",
    "denies_insecure_transport",
    "grants_full_admin",
    "has_restricting_condition",
    "is_public_principal",
    "public_statements",
    "statements",
    "values",
]

#: Condition keys that pin a statement to known callers or networks: with one of
#: these, ``Principal: "*"`` is no longer "anyone on the internet".
RESTRICTING_CONDITION_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:SourceIp",
        "aws:VpcSourceIp",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:SourceOwner",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:PrincipalServiceName",
        "aws:userid",
        "aws:username",
        "s3:DataAccessPointAccount",
        "s3:DataAccessPointArn",
    )
)


def values(value: Any) -> list[str]:
    """A policy field that may be one string or a list, as a list of strings.

    Args:
        value: The field's value (``Action``, ``Resource``, a principal or condition value).

    Returns:
        Its items as strings; empty for ``None``.
    """
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def statements(document: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The statements of a document (a single statement object counts as a list of one).

    Args:
        document: A parsed policy document; ``None`` or empty for none.

    Returns:
        The statement objects; anything that is not an object is skipped.
    """
    if not document:
        return []
    found = document.get("Statement", [])
    if isinstance(found, dict):
        return [found]
    return [s for s in found if isinstance(s, dict)] if isinstance(found, list) else []


def is_public_principal(principal: Any) -> bool:
    """True for ``"*"``, ``{"AWS": "*"}`` or ``{"CanonicalUser": "*"}``: anyone at all.

    Args:
        principal: A statement's ``Principal``.

    Returns:
        Whether it names everyone (a ``*`` among its ``AWS`` or ``CanonicalUser`` values).
    """
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any("*" in values(principal.get(kind)) for kind in ("AWS", "CanonicalUser"))
    return False


def has_restricting_condition(statement: dict[str, Any]) -> bool:
    """True when a condition pins the statement to known accounts, organisations or networks.

    Args:
        statement: A policy statement.

    Returns:
        Whether any condition operator tests a key of :data:`RESTRICTING_CONDITION_KEYS`
        (any case) with a value other than ``*`` or empty.
    """
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return False
    for pairs in condition.values():
        if not isinstance(pairs, dict):
            continue
        for key, value in pairs.items():
            if key.lower() in RESTRICTING_CONDITION_KEYS and any(
                v not in ("*", "") for v in values(value)
            ):
                return True
    return False


def public_statements(document: dict[str, Any] | None) -> list[dict[str, Any]]:
    """``Allow`` statements open to anyone, without a condition that narrows who.

    Args:
        document: A parsed policy document; ``None`` or empty for none.

    Returns:
        Those statements, in document order.
    """
    return [
        s
        for s in statements(document)
        if s.get("Effect") == "Allow"
        and is_public_principal(s.get("Principal"))
        and not has_restricting_condition(s)
    ]


def action_covers(actions: Any, action: str) -> bool:
    """True when one of ``actions`` (wildcards allowed, case-insensitive) matches ``action``.

    Args:
        actions: A statement's ``Action`` (one pattern or a list).
        action: The IAM action asked about, e.g. ``s3:GetObject``.

    Returns:
        Whether any pattern matches it.
    """
    wanted = action.lower()
    return any(fnmatchcase(wanted, pattern.lower()) for pattern in values(actions))


def grants_full_admin(document: dict[str, Any] | None) -> bool:
    """True when a statement allows every action on every resource (``"*"`` on ``"*"``).

    Args:
        document: A parsed policy document; ``None`` or empty for none.

    Returns:
        Whether an ``Allow`` statement has ``*`` (or ``*:*``) among its actions and
        ``*`` among its resources; ``NotAction`` and ``NotResource`` statements do not
        count.
    """
    for s in statements(document):
        if s.get("Effect") != "Allow" or "NotAction" in s or "NotResource" in s:
            continue
        if any(a in ("*", "*:*") for a in values(s.get("Action"))) and "*" in values(
            s.get("Resource")
        ):
            return True
    return False


def denies_insecure_transport(document: dict[str, Any] | None) -> bool:
    """True when the bucket policy denies every request made without TLS.

    That is a ``Deny`` for any principal, covering S3 object reads, with the
    condition ``aws:SecureTransport`` = ``false`` (``Bool`` or ``BoolIfExists``).

    Args:
        document: The bucket policy; ``None`` when the bucket has none.

    Returns:
        Whether such a statement is there.
    """
    for s in statements(document):
        if s.get("Effect") != "Deny" or not is_public_principal(s.get("Principal")):
            continue
        if not action_covers(s.get("Action"), "s3:GetObject"):
            continue
        condition = s.get("Condition")
        if not isinstance(condition, dict):
            continue
        for operator, pairs in condition.items():
            if operator.lower() not in ("bool", "boolifexists") or not isinstance(pairs, dict):
                continue
            for key, value in pairs.items():
                if key.lower() == "aws:securetransport" and "false" in [
                    v.lower() for v in values(value)
                ]:
                    return True
    return False
