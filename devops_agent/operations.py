"""The operations a plan may carry, and how the apply path carries them out.

This registry is the whole list of changes devops-agent can ever make: a plan
entry naming anything else is refused at apply time, whatever its block says.
Each executor gets the **write** session of an approved plan and the entry's
exact arguments, and returns one line saying what happened.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from devops_agent.errors import Refused

if TYPE_CHECKING:
    import boto3

    from devops_agent.plans import PlanEntry

Executor = Callable[["boto3.Session", dict[str, Any]], str]


def _ec2_instance_state(session: boto3.Session, args: dict[str, Any]) -> str:
    from devops_agent.aws import ec2

    changes = ec2.change_instance_state(
        session, str(args["region"]), [str(i) for i in args["instance_ids"]], str(args["action"])
    )
    if args["action"] == "reboot":
        return f"rebooting {', '.join(c.id for c in changes)}"
    return "; ".join(f"{c.id}: {c.previous} → {c.current}" for c in changes)


OPERATIONS: dict[str, Executor] = {
    "ec2.instance_state": _ec2_instance_state,
}


def carry_out(entry: PlanEntry, session: boto3.Session) -> str:
    """Run one plan entry with the write session; raises ServiceError when AWS refuses."""
    executor = OPERATIONS.get(entry.operation)
    if executor is None:
        raise Refused(f"The plan names an operation devops-agent does not have: {entry.operation}.")
    return executor(session, entry.args)
