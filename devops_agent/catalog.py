"""The catalog: every operation devops-agent has, collected from the service modules.

Each module in :data:`MODULES` declares its operations (see
:mod:`devops_agent.operation`) in a tuple named ``OPERATIONS``. This module joins
them, checks that names, commands and tool names are unique, and answers the
questions the rest of the program asks of the whole: which operation a plan entry
names and how to carry it out, and which IAM actions and GitHub permissions the
roles and tokens need.

The list of writes here is the whole list of changes devops-agent can ever make: a
plan entry naming anything else is refused at apply, whatever its block says, and
an entry's arguments must validate against the operation's model again.

Importing the catalog loads the service modules (boto3's botocore, PyGithub's
types): it happens after the 👀 reaction, never on the path to it.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable
from functools import cache
from typing import Any, Literal

from pydantic import ValidationError

from devops_agent import tracing
from devops_agent.errors import DevOpsError, Refused
from devops_agent.operation import Declaration, PlanEntry, Read, Write, Writers

__all__ = [
    "MODULES",
    "carry_out",
    "declarations",
    "github_permissions",
    "iam_actions",
    "lookup",
    "reads",
    "role_policy",
    "validate",
    "writes",
]

#: The modules that declare operations, in the order help lists them.
MODULES: tuple[str, ...] = (
    "devops_agent.aws.ec2",
    "devops_agent.aws.s3",
    "devops_agent.aws.iam",
    "devops_agent.aws.vpc",
    "devops_agent.gh.workflows",
    "devops_agent.gh.repos",
    "devops_agent.gh.issues",
    "devops_agent.gh.pulls",
    "devops_agent.audit.operations",
    "devops_agent.knowledge",
)

#: GitHub permissions the workflow token (``GITHUB_TOKEN``) can be granted; anything
#: else (administration, secrets) needs a personal access token or a GitHub App token.
WORKFLOW_TOKEN_SCOPES = frozenset(
    {
        "actions",
        "checks",
        "contents",
        "deployments",
        "id-token",
        "issues",
        "metadata",
        "packages",
        "pages",
        "pull-requests",
        "security-events",
        "statuses",
    }
)


@cache
def declarations() -> tuple[Declaration, ...]:
    """Every declared operation, in :data:`MODULES` order; checked for clashes.

    Returns:
        The declarations of every module in :data:`MODULES`.

    Raises:
        RuntimeError: two declarations share a name, a tool name or a usage line.
    """
    found: list[Declaration] = []
    for module in MODULES:
        found.extend(importlib.import_module(module).OPERATIONS)
    _check_unique(found)
    return tuple(found)


def _check_unique(found: Iterable[Declaration]) -> None:
    names: set[str] = set()
    tools: set[str] = set()
    usages: set[str] = set()
    for op in found:
        if op.name in names:
            raise RuntimeError(f"two operations are named {op.name}")
        names.add(op.name)
        if op.for_agent:
            if op.tool_name in tools:
                raise RuntimeError(f"two tools are named {op.tool_name}")
            tools.add(op.tool_name)
        for command in op.commands:
            if command.usage in usages:
                raise RuntimeError(f"two commands read {command.usage!r}")
            usages.add(command.usage)


@cache
def _by_name() -> dict[str, Declaration]:
    return {op.name: op for op in declarations()}


def reads() -> list[Read[Any, Any]]:
    """Every read operation.

    Returns:
        The read declarations, in catalog order.
    """
    return [op for op in declarations() if isinstance(op, Read)]


def writes() -> list[Write[Any]]:
    """Every write operation (composites included).

    Returns:
        The write declarations, in catalog order.
    """
    return [op for op in declarations() if isinstance(op, Write)]


def lookup(name: str) -> Write[Any]:
    """The write a plan entry names, if it can be carried out; otherwise a refusal.

    Args:
        name: The operation's name (``ec2.instance_state``).

    Returns:
        The write declaration.

    Raises:
        Refused: no such operation, or it is a read, or it has no executor.
    """
    op = _by_name().get(name)
    if not isinstance(op, Write) or op.run is None:
        raise Refused(f"The plan names an operation devops-agent does not have: {name}.")
    return op


def validate(entry: PlanEntry) -> tuple[Write[Any], Any]:
    """The entry's operation and its arguments, validated again by the operation's model.

    Raises:
        Refused: unknown operation, or arguments the model does not accept (a plan
            block written by hand, or by an older version with other rules).

    Args:
        entry: A plan entry read back from a plan block.

    Returns:
        The write declaration and its validated argument model.
    """
    op = lookup(entry.operation)
    try:
        return op, op.args.model_validate(entry.args)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "arguments"
        raise Refused(
            f"The plan's arguments for {entry.operation} are not valid ({where}: "
            f"{first.get('msg', 'invalid')}); it is not applied.",
            remedy="Ask for the change again to get a fresh plan.",
        ) from None
    except DevOpsError as exc:
        raise Refused(
            f"The plan's arguments for {entry.operation} are not valid: {exc.message}; "
            "it is not applied.",
            remedy="Ask for the change again to get a fresh plan.",
        ) from None


def needs_aws(entry: PlanEntry) -> bool:
    """Whether carrying out ``entry`` needs the AWS write role.

    Args:
        entry: A plan entry.

    Returns:
        ``False`` only for a GitHub operation.

    Raises:
        Refused: The entry names an operation devops-agent cannot carry out.
    """
    return lookup(entry.operation).service not in ("github",)


def carry_out(entry: PlanEntry, writers: Writers) -> str:
    """Run one plan entry with its validated arguments; returns one line.

    Raises:
        Refused: the entry names no executor or its arguments do not validate.
        ServiceError: AWS or GitHub refused.

    Args:
        entry: A plan entry read back from a signed plan.
        writers: The apply side of the run (the write role's session, the GitHub client).

    Returns:
        What the executor did, in one line for the apply's answer.
    """
    op, args = validate(entry)
    assert op.run is not None  # lookup() refuses operations without an executor
    with tracing.span("carry out", operation=op.name, service=op.service):
        return op.run(writers, args)


# --------------------------------------------------------------------------- derived


def _all_emitted(op: Write[Any]) -> list[Write[Any]]:
    seen: dict[str, Write[Any]] = {}
    todo = [op]
    while todo:
        current = todo.pop()
        if current.name in seen:
            continue
        seen[current.name] = current
        todo.extend(current.emits)
    return list(seen.values())


def iam_actions(op: Declaration, role: Literal["read", "write"]) -> list[str]:
    """The IAM actions ``op`` needs from the read or the write role, sorted.

    A write's own actions and those of every operation its plans may carry.

    Args:
        op: A read or a write.
        role: ``read`` (reads and previews) or ``write`` (executors).

    Returns:
        The IAM actions, sorted and without repeats; a read needs nothing from the write role.
    """
    if isinstance(op, Read):
        return sorted(set(op.actions)) if role == "read" else []
    found: set[str] = set()
    for part in _all_emitted(op):
        found.update(part.reads if role == "read" else part.actions)
    return sorted(found)


def role_policy(role: Literal["read", "write"]) -> dict[str, Any]:
    """The identity policy a role needs for every operation in the catalog.

    The read role gets every read and preview action; the write role every action an
    executor takes. Both are what the docs show; the write role is still narrowed per
    plan at apply.

    Args:
        role: ``read`` or ``write``.

    Returns:
        An IAM policy document (``Version``, one ``Allow`` statement over every action,
        ``Resource: *``).
    """
    actions: set[str] = set()
    for op in declarations():
        actions.update(iam_actions(op, role))
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DevopsAgentRead" if role == "read" else "DevopsAgentWrite",
                "Effect": "Allow",
                "Action": sorted(actions),
                "Resource": "*",
            }
        ],
    }


def github_permissions(ops: Iterable[Declaration] | None = None) -> dict[str, str]:
    """``scope: read|write`` over ``ops`` (default: every operation), write winning.

    Args:
        ops: The operations to cover; ``None`` means the whole catalog. A write counts with
            every operation its plans may carry.

    Returns:
        GitHub token scope to ``read`` or ``write``, sorted by scope.
    """
    scopes: dict[str, str] = {}
    for op in declarations() if ops is None else ops:
        parts = _all_emitted(op) if isinstance(op, Write) else [op]
        for part in parts:
            for permission in part.github:
                scope, _, level = (p.strip() for p in permission.partition(":"))
                if scopes.get(scope) != "write":
                    scopes[scope] = level
    return dict(sorted(scopes.items()))


def needs_elevated_token(op: Declaration) -> bool:
    """Whether ``op`` needs more than the workflow token can be granted."""
    return any(scope not in WORKFLOW_TOKEN_SCOPES for scope in github_permissions([op]))


def describe(op: Declaration) -> dict[str, Any]:
    """One operation as plain data (for the docs generator and the reach report)."""
    return {
        "name": op.name,
        "kind": "write" if isinstance(op, Write) else "read",
        "service": op.service,
        "summary": op.summary,
        "usages": [c.usage for c in op.commands],
        "tool": op.tool_name if op.for_agent else None,
        "agent": op.agent,
        "read_actions": iam_actions(op, "read"),
        "write_actions": iam_actions(op, "write"),
        "arns": list(op.arns) if isinstance(op, Write) else [],
        "github": github_permissions([op]),
    }


def dump() -> str:
    """The whole catalog as JSON (``python -m devops_agent.catalog``)."""
    return json.dumps([describe(op) for op in declarations()], indent=2)


if __name__ == "__main__":  # pragma: no cover
    print(dump())
