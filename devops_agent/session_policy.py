"""The session policy of one plan: exactly its calls, on its resources, in its regions.

An apply assumes the write role with an inline session ``Policy`` built here from the
plan's entries (``AssumeRoleWithWebIdentity`` and ``AssumeRole`` both take one). AWS
grants the session only what *both* the role's policies and this policy allow, so the
write role is a ceiling and each apply gets the least of it: a bug in an executor, or an
executor reached with arguments nobody saw, can do nothing the plan did not show.

Everything is derived from the operations' declarations (:mod:`devops_agent.operation`):

* an operation that declares ``calls`` contributes the grants of exactly the calls its
  arguments make (``ec2 stop`` gets ``ec2:StopInstances`` only, never
  ``ec2:TerminateInstances``), on the ARNs they name, with ``aws:RequestedRegion`` set to
  the call's region;
* an operation not yet declared that way falls back to its declared ``actions`` on its
  ``arns`` patterns, argument fields filled in (``*`` where an argument is empty) and no
  region condition (its calls' regions are not declared).

The policy is compact JSON, ASCII only (STS accepts ``\\u0020``-``\\u00FF`` and tabs and
newlines), and at most :data:`LIMIT` characters: STS refuses longer plaintext, so a
plan that would need more is refused when it is made (:func:`check_size`), saying how to
split it. Its SHA-256 is part of the signed plan, so the policy an apply uses is the one
the plan showed.

Pure apart from :func:`partition_of` (botocore's bundled endpoint data, offline).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from devops_agent.errors import Refused
from devops_agent.operation import ApiCall, Grant, PlanEntry, Write

__all__ = [
    "LIMIT",
    "Scoped",
    "arn_of",
    "build",
    "calls_of",
    "check_size",
    "digest",
    "grants_of",
    "lockable",
    "partition_of",
    "render",
]

#: STS's limit on the plaintext of an inline session policy (characters).
LIMIT = 2048

_FIELD = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


@dataclass(frozen=True)
class Scoped:
    """A grant with the region its call goes to (empty: no region condition)."""

    grant: Grant
    region: str = ""


@cache
def partition_of(region: str) -> str:
    """The AWS partition of ``region`` (``aws``, ``aws-cn``, ``aws-us-gov`` …), offline.

    Cached: each answer costs a new botocore session (its endpoint data loaded again), and
    an apply asks for its plan and again for the rollback plan it leaves.
    """
    import boto3

    try:
        return str(boto3.session.Session().get_partition_for_region(region or "us-east-1"))
    except Exception:  # an unknown region: the commercial partition, as botocore assumes
        return "aws"


def calls_of(entry: PlanEntry) -> list[ApiCall] | None:
    """The calls ``entry`` will make, from its validated arguments; ``None`` when its
    operation does not declare them yet."""
    from devops_agent import catalog

    op, args = catalog.validate(entry)
    return None if op.calls is None else op.calls(args)


def _fill(pattern: str, values: dict[str, Any]) -> list[str]:
    """``pattern`` with its argument fields filled from ``values`` (a list field gives one
    ARN per item; an empty or missing field becomes ``*``)."""
    names = [n for n in _FIELD.findall(pattern) if n not in ("partition", "region", "account")]
    if not names:
        return [pattern]
    found = [pattern]
    for name in dict.fromkeys(names):
        value = values.get(name)
        items = value if isinstance(value, list) else [value]
        items = [str(v) for v in items if v not in (None, "")] or ["*"]
        found = [p.replace("{" + name + "}", item) for p in found for item in items]
    return found


def _declared_grants(op: Write[Any], entry: PlanEntry) -> list[Scoped]:
    """The fallback: the operation's declared actions on its declared ARN patterns."""
    resources: list[str] = []
    for pattern in op.arns or ("*",):
        resources.extend(_fill(pattern, entry.args))
    region = str(entry.args.get("region") or "")
    arns = tuple(dict.fromkeys(r.replace("{region}", region or "*") for r in resources))
    return [Scoped(Grant(action=a, resources=arns)) for a in op.actions]


def grants_of(entries: Iterable[PlanEntry]) -> list[Scoped]:
    """Every authorization the entries need, each with its call's region."""
    from devops_agent import catalog

    found: list[Scoped] = []
    for entry in entries:
        op, args = catalog.validate(entry)
        if op.service == "github":
            continue
        if op.calls is None:
            found.extend(_declared_grants(op, entry))
            continue
        for call in op.calls(args):
            if call.service == "github":
                continue
            found.extend(Scoped(g, call.region) for g in call.grants())
    return found


def arn_of(pattern: str, *, account: str, partition: str, region: str) -> str:
    return (
        pattern.replace("{partition}", partition)
        .replace("{account}", account)
        .replace("{region}", region or "*")
    )


def build(
    entries: Sequence[PlanEntry], *, account: str, partition: str = ""
) -> dict[str, Any] | None:
    """The session policy for ``entries`` in ``account``; ``None`` when they need no AWS.

    Statements are grouped so the policy stays small: actions that share their resources
    and conditions share one statement. Resources and actions are sorted, so the same
    plan always gives the same text (and hash).
    """
    scoped = grants_of(entries)
    if not scoped:
        return None
    groups: dict[str, dict[str, set[str]]] = {}
    for item in scoped:
        part = partition or partition_of(item.region)
        conditions: dict[str, dict[str, list[str]]] = {
            name: {k: sorted(v) for k, v in keys.items()}
            for name, keys in item.grant.conditions.items()
        }
        if item.region:
            equals = conditions.setdefault("StringEquals", {})
            equals["aws:RequestedRegion"] = [item.region]
        key = json.dumps(conditions, sort_keys=True)
        actions = groups.setdefault(key, {})
        arns = {
            arn_of(r, account=account, partition=part, region=item.region)
            for r in item.grant.resources
        }
        actions.setdefault(item.grant.action, set()).update(arns)
    statements: list[dict[str, Any]] = []
    for key in sorted(groups):
        conditions = json.loads(key)
        by_resources: dict[tuple[str, ...], list[str]] = {}
        for action, arns in groups[key].items():
            resources = ("*",) if "*" in arns else tuple(sorted(arns))
            by_resources.setdefault(resources, []).append(action)
        for resources, actions in sorted(by_resources.items(), key=lambda kv: sorted(kv[1])):
            statement: dict[str, Any] = {
                "Effect": "Allow",
                "Action": sorted(actions),
                "Resource": list(resources) if len(resources) > 1 else resources[0],
            }
            if conditions:
                statement["Condition"] = conditions
            statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def render(policy: dict[str, Any]) -> str:
    """The policy as STS gets it: compact, sorted, ASCII-only JSON."""
    return json.dumps(policy, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def digest(text: str) -> str:
    """SHA-256 of the rendered policy (hex): what the plan signs and the audit line shows."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_size(text: str, entries: Sequence[PlanEntry], trigger: str = "/devops") -> None:
    """Refuse a plan whose session policy STS would refuse, saying how to split it.

    Raises:
        Refused: the policy is longer than :data:`LIMIT` characters.
    """
    if len(text) <= LIMIT:
        return
    resources = sum(len(e.resources) or 1 for e in entries)
    per = max(1, int(resources * LIMIT / len(text) * 0.9))
    raise Refused(
        f"This plan would need a session policy of {len(text):,} characters, and AWS STS "
        f"accepts at most {LIMIT:,}: the apply could not be limited to exactly this plan's "
        "calls, so no plan is made.",
        remedy=f"Split the change into smaller plans of about {per} resources each (for "
        f"example `{trigger} ec2 stop` the first {per} instances, then the rest), and apply "
        "them one after the other.",
    )


def lockable(entries: Iterable[PlanEntry], *, account: str, partition: str = "") -> list[str]:
    """The concrete ARNs the entries act on (what an apply locks), sorted.

    Patterns with a wildcard (what a launch will create) and what calls only name
    (``uses``: the AMI of a launch) are not locked.
    """
    from devops_agent import catalog

    found: set[str] = set()
    for entry in entries:
        op, args = catalog.validate(entry)
        if op.calls is None:
            found.update(f"{op.service}:{r}" for r in entry.resources if r and "*" not in r)
            continue
        for call in op.calls(args):
            part = partition or partition_of(call.region)
            for pattern in call.resources:
                arn = arn_of(pattern, account=account, partition=part, region=call.region)
                if "*" not in arn:
                    found.add(arn)
    return sorted(found)
