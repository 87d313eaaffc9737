"""Checking a policy document's shape before it is planned.

IAM identity policies, role trust policies and S3 bucket policies share one
grammar. :func:`validate_policy` checks a document against it (valid JSON, a
``Version``, a list of statements, each with ``Effect`` Allow or Deny, exactly one
of ``Action``/``NotAction``, exactly one of ``Resource``/``NotResource`` where the
kind needs one, a ``Principal`` exactly where the kind needs one) so that a plan
never carries a document AWS would reject, and the error says which statement
and field is wrong. What a document *means* (is it public, does it grant
everything) is the audit's business (:mod:`devops_agent.audit.policy`).
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal
from urllib.parse import unquote

from devops_agent.errors import BadInput

__all__ = ["PolicyKind", "decode_policy", "validate_policy"]

PolicyKind = Literal["identity", "trust", "bucket"]

_VERSIONS = ("2012-10-17", "2008-10-17")
_TOP = frozenset({"Version", "Id", "Statement"})
_FIELDS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
_ACTION = re.compile(r"^(?:\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$")
_SID = re.compile(r"^[A-Za-z0-9]*$")
#: Most characters (whitespace excluded) AWS accepts, by kind.
_LIMITS: dict[PolicyKind, int] = {"identity": 6144, "trust": 4096, "bucket": 20480}
_NAMES: dict[PolicyKind, str] = {
    "identity": "IAM policy",
    "trust": "trust policy",
    "bucket": "bucket policy",
}


def decode_policy(value: Any) -> dict[str, Any] | None:
    """A policy document as a dict, however AWS handed it over.

    botocore decodes IAM's documents into dicts; S3 returns a bucket policy as JSON text;
    IAM's raw API (and some stand-ins) URL-encode the JSON. ``None`` for no document, or
    for text that is not a JSON object.

    Args:
        value: The document as the response carried it: a dict, JSON text or URL-encoded JSON.

    Returns:
        The document, or ``None``.
    """
    if value is None or isinstance(value, dict):
        return value
    text = str(value)
    for candidate in (text, unquote(text)):
        try:
            decoded = json.loads(candidate)
        except ValueError:
            continue
        return decoded if isinstance(decoded, dict) else None
    return None


def validate_policy(text: str, kind: PolicyKind, *, bucket: str | None = None) -> str:
    """Check a policy document and return it as compact JSON.

    Args:
        text: the document as JSON text.
        kind: ``identity`` (attached to a user, group or role: no ``Principal``),
            ``trust`` (a role's assume-role policy: ``Principal``, no ``Resource``)
            or ``bucket`` (an S3 bucket policy: ``Principal`` and ``Resource``).
        bucket: for ``bucket``, the bucket the policy is for; every resource must
            be that bucket or objects in it.

    Returns:
        The document re-serialised compactly (key order kept).

    Raises:
        BadInput: the document is not JSON or breaks the grammar; the message
            names the statement and the field.
    """
    name = _NAMES[kind]
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise BadInput(f"The {name} is not valid JSON: {exc}.") from None
    if not isinstance(doc, dict):
        raise BadInput(f"The {name} must be a JSON object with Version and Statement.")
    unknown = sorted(set(doc) - _TOP)
    if unknown:
        raise BadInput(f"The {name} has unknown top-level fields: {', '.join(unknown)}.")
    if doc.get("Version") not in _VERSIONS:
        raise BadInput(f'The {name} needs "Version": "2012-10-17" (found {doc.get("Version")!r}).')
    statements = doc.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise BadInput(f"The {name} needs a non-empty Statement list.")
    for number, statement in enumerate(statements, 1):
        _check_statement(statement, number, kind, name, bucket)
    compact = json.dumps(doc, separators=(",", ":"))
    size = len(re.sub(r"\s", "", compact))
    if size > _LIMITS[kind]:
        raise BadInput(f"The {name} is {size:,} characters; AWS allows at most {_LIMITS[kind]:,}.")
    return compact


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    return None


def _check_statement(
    statement: Any, number: int, kind: PolicyKind, name: str, bucket: str | None
) -> None:
    where = f"Statement {number} of the {name}"
    if not isinstance(statement, dict):
        raise BadInput(f"{where} is not a JSON object.")
    unknown = sorted(set(statement) - _FIELDS)
    if unknown:
        raise BadInput(f"{where} has unknown fields: {', '.join(unknown)}.")
    if statement.get("Effect") not in ("Allow", "Deny"):
        raise BadInput(f'{where} needs "Effect": "Allow" or "Deny".')
    sid = statement.get("Sid", "")
    if not isinstance(sid, str) or (kind != "bucket" and not _SID.match(sid)):
        raise BadInput(f"{where}: Sid must be letters and digits only.")
    _exactly_one(statement, "Action", "NotAction", where)
    for field in ("Action", "NotAction"):
        if field in statement:
            actions = _strings(statement[field])
            if actions is None:
                raise BadInput(f"{where}: {field} must be a string or a list of strings.")
            bad = [a for a in actions if not _ACTION.match(a)]
            if bad:
                raise BadInput(
                    f"{where}: {', '.join(bad)} is not an action; actions look like "
                    "s3:GetObject or ec2:Describe*."
                )
    if kind == "trust":
        for field in ("Resource", "NotResource"):
            if field in statement:
                raise BadInput(f"{where}: a trust policy has no {field}.")
    else:
        _exactly_one(statement, "Resource", "NotResource", where)
        for field in ("Resource", "NotResource"):
            if field in statement and _strings(statement[field]) is None:
                raise BadInput(f"{where}: {field} must be a string or a list of strings.")
    principals = [f for f in ("Principal", "NotPrincipal") if f in statement]
    if kind == "identity" and principals:
        raise BadInput(f"{where}: a policy attached to a user, group or role has no Principal.")
    if kind != "identity":
        _exactly_one(statement, "Principal", "NotPrincipal", where)
        principal = statement[principals[0]]
        if not (principal == "*" or (isinstance(principal, dict) and principal)):
            raise BadInput(f'{where}: Principal must be "*" or an object such as {{"AWS": ...}}.')
    if "Condition" in statement and not isinstance(statement["Condition"], dict):
        raise BadInput(f"{where}: Condition must be an object.")
    if kind == "bucket" and bucket:
        for resource in _strings(statement.get("Resource", statement.get("NotResource"))) or []:
            if not re.fullmatch(rf"arn:aws[a-z-]*:s3:::{re.escape(bucket)}(?:/.*)?", resource):
                raise BadInput(
                    f"{where}: resource {resource} is not s3://{bucket}; a bucket policy may "
                    f"only name arn:aws:s3:::{bucket} and arn:aws:s3:::{bucket}/*."
                )


def _exactly_one(statement: dict[str, Any], one: str, other: str, where: str) -> None:
    present = [f for f in (one, other) if f in statement]
    if len(present) != 1:
        raise BadInput(f"{where} needs exactly one of {one} or {other}.")
