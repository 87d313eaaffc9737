"""The session policy of one plan: exactly its calls, on its resources, in its regions.

An apply assumes the write role with an inline session ``Policy`` built here from the
plan's entries (``AssumeRoleWithWebIdentity`` and ``AssumeRole`` both take one). AWS
grants the session only what *both* the role's policies and this policy allow, so the
write role is a ceiling and each apply gets the least of it: a bug in an executor, or an
executor reached with arguments nobody saw, can do nothing the plan did not show.

Everything is derived from the operations' declarations (:mod:`devops_agent.operation`):

* an operation that declares ``calls`` contributes the grants of exactly the calls its
  arguments make (``ec2 stop`` gets ``ec2:StopInstances`` only, never
  ``ec2:TerminateInstances``), on the ARNs they name, under the conditions they declare
  (``iam:PolicyARN`` for an attach), with ``aws:RequestedRegion`` set to the call's region
  (for a global service such as IAM, the region its partition signs it for:
  :func:`requested_region`);
* an operation not yet declared that way falls back to its declared ``actions`` on its
  ``arns`` patterns, argument fields filled in (``*`` where an argument is empty) and no
  region condition (its calls' regions are not declared).

Statements for the same actions on the same resources whose conditions differ in one
key's values are merged into one listing those values (IAM allows any of them), so twelve
detaches from one user fit where twelve statements would not.

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
from devops_agent.operation import GLOBAL, ApiCall, Grant, PlanEntry, Write

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
    "requested_region",
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

    Args:
        region: A region name; empty means ``us-east-1``.

    Returns:
        The partition from botocore's bundled endpoint data; ``aws`` for a region it
        does not know, as botocore assumes.
    """
    import boto3

    try:
        return str(boto3.session.Session().get_partition_for_region(region or "us-east-1"))
    except Exception:  # an unknown region: the commercial partition, as botocore assumes
        return "aws"


@cache
def _endpoints() -> Any:
    """botocore's resolver over its bundled endpoint data (loaded once, offline)."""
    import botocore.loaders
    import botocore.regions

    return botocore.regions.EndpointResolver(
        botocore.loaders.create_loader().load_data("endpoints")
    )


def requested_region(service: str, region: str, partition: str) -> str:
    """What ``aws:RequestedRegion`` holds for a call: its region, or for a call to a global
    service (:data:`~devops_agent.operation.GLOBAL`) the region ``partition`` signs it for,
    from botocore's bundled endpoint data (offline).

    Args:
        service: The boto3 service name (``iam``).
        region: The call's declared region.
        partition: The plan's partition (``aws``, ``aws-cn``, ``aws-us-gov`` …); the
            commercial one when empty, as :func:`partition_of` assumes.

    Returns:
        The region, e.g. ``us-east-1`` for IAM in ``aws``.

    Raises:
        ValueError: the service has no global endpoint in that partition.
    """
    if region != GLOBAL:
        return region
    from botocore.exceptions import BotoCoreError

    try:
        found = _endpoints().construct_endpoint(service, partition_name=partition or "aws")
    except BotoCoreError:  # a regional service: it has no one endpoint to resolve
        found = None
    scoped = ((found or {}).get("credentialScope") or {}).get("region")
    if not scoped:
        raise ValueError(f"{service} has no global endpoint in the {partition} partition")
    return str(scoped)


def calls_of(entry: PlanEntry) -> list[ApiCall] | None:
    """The calls ``entry`` will make, from its validated arguments; ``None`` when its
    operation does not declare them yet.

    Args:
        entry: A plan entry.

    Returns:
        The operation's :class:`~devops_agent.operation.ApiCall` list for the entry's
        arguments, in the order the executor sends them, or ``None``.

    Raises:
        Refused: An entry names an unknown operation or arguments its model rejects.
    """
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
        raw = value if isinstance(value, list) else [value]
        items = [str(v) for v in raw if v not in (None, "")] or ["*"]
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


def grants_of(entries: Iterable[PlanEntry], partition: str = "") -> list[Scoped]:
    """Every authorization the entries need, each with its call's region.

    Args:
        entries: The plan's entries. GitHub operations and calls need no IAM grant and
            are skipped; an operation without declared ``calls`` gives its declared
            ``actions`` on its ``arns`` patterns, with no region.
        partition: The plan's partition, which decides the region of a global service's
            calls (:func:`requested_region`).

    Returns:
        The grants in entry and call order (duplicates kept; :func:`build` merges them).

    Raises:
        Refused: An entry names an unknown operation or arguments its model rejects.
    """
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
            region = requested_region(call.service, call.region, partition)
            found.extend(Scoped(g, region) for g in call.grants())
    return found


def arn_of(pattern: str, *, account: str, partition: str, region: str) -> str:
    """An ARN pattern with its ``{partition}``, ``{account}`` and ``{region}`` filled in.

    Args:
        pattern: A declared ARN pattern (:class:`~devops_agent.operation.Grant`); argument
            fields are already filled.
        account: The plan's AWS account id.
        partition: The account's partition.
        region: The call's region; empty gives ``*`` (any region).

    Returns:
        The ARN, or a pattern that still holds ``*`` where AWS names the resource only
        when it creates it.
    """
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

    Args:
        entries: The plan's entries.
        account: The AWS account the plan was made in, filled into every ARN.
        partition: The account's partition; empty looks it up per call region.

    Returns:
        An IAM policy document (``Version`` and ``Allow`` statements, each call's region
        as an ``aws:RequestedRegion`` condition), or ``None`` when no entry needs AWS.

    Raises:
        Refused: An entry names an unknown operation or arguments its model rejects.
    """
    scoped = grants_of(entries, partition)
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
        for resources, names in sorted(by_resources.items(), key=lambda kv: sorted(kv[1])):
            statement: dict[str, Any] = {
                "Effect": "Allow",
                "Action": sorted(names),
                "Resource": list(resources) if len(resources) > 1 else resources[0],
            }
            if conditions:
                statement["Condition"] = conditions
            statements.append(statement)
    return {"Version": "2012-10-17", "Statement": _merged(statements)}


def _one_key_apart(one: dict[str, Any], other: dict[str, Any]) -> tuple[str, str] | None:
    """The one ``(operator, key)`` whose values alone tell two conditions apart, if any."""
    if one.keys() != other.keys() or any(one[op].keys() != other[op].keys() for op in one):
        return None
    apart = [(op, key) for op in one for key in one[op] if one[op][key] != other[op][key]]
    return apart[0] if len(apart) == 1 else None


def _merged(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Statements for the same actions on the same resources whose conditions differ only
    in one key's values, as one statement listing those values: IAM allows a request when
    the key matches any of them, which is exactly the union of the statements (detaching
    three planned policies from one user is one statement, not three). Two keys apart
    would allow their cross combinations too, so those stay apart."""
    kept: list[dict[str, Any]] = []
    for statement in statements:
        for earlier in kept:
            if (earlier["Action"], earlier["Resource"]) != (
                statement["Action"],
                statement["Resource"],
            ):
                continue
            apart = _one_key_apart(earlier.get("Condition", {}), statement.get("Condition", {}))
            if apart is None:
                continue
            op, key = apart
            values = earlier["Condition"][op][key] + statement["Condition"][op][key]
            earlier["Condition"] = {
                **earlier["Condition"],
                op: {**earlier["Condition"][op], key: sorted(set(values))},
            }
            break
        else:
            kept.append(statement)
    return kept


def render(policy: dict[str, Any]) -> str:
    """The policy as STS gets it: compact, sorted, ASCII-only JSON.

    Args:
        policy: What :func:`build` returned.

    Returns:
        The JSON text, the same for the same policy, so its :func:`digest` is stable.
    """
    return json.dumps(policy, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def digest(text: str) -> str:
    """SHA-256 of the rendered policy (hex): what the plan signs and the audit line shows.

    Args:
        text: What :func:`render` returned.

    Returns:
        64 hex characters.
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_size(text: str, entries: Sequence[PlanEntry], trigger: str = "/devops") -> None:
    """Refuse a plan whose session policy STS would refuse, saying how to split it.

    Args:
        text: The rendered session policy.
        entries: The plan's entries, to estimate how many resources fit in one plan.
        trigger: The comment trigger, for the example command in the remedy.

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

    Args:
        entries: The plan's entries.
        account: The plan's AWS account id.
        partition: The account's partition; empty looks it up per call region.

    Returns:
        The ARNs, sorted and once each (IAM's lower-cased: its names ignore case). An
        operation without declared ``calls``
        contributes ``service:resource`` for each resource its entry lists instead.

    Raises:
        Refused: An entry names an unknown operation or arguments its model rejects.
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
                    found.add(_lock_key(arn))
    return sorted(found)


def _lock_key(arn: str) -> str:
    """One key per resource: IAM names are unique whatever their case (``Deploy`` is
    ``deploy``), so two plans that spell one user differently lock the same key."""
    return arn.lower() if arn.split(":")[2:3] == ["iam"] else arn
