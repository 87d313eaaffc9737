"""AWS changes a plan may carry (see :mod:`devops_agent.operations`)."""

from __future__ import annotations

from typing import Any

from devops_agent.operations import Operation, Writers


def _instance_state(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.aws import ec2

    changes = ec2.change_instance_state(
        writers.aws(),
        str(args["region"]),
        [str(i) for i in args["instance_ids"]],
        str(args["action"]),
    )
    if args["action"] == "reboot":
        return f"rebooting {', '.join(c.id for c in changes)}"
    return "; ".join(f"{c.id}: {c.previous} → {c.current}" for c in changes)


AWS_OPERATIONS: dict[str, Operation] = {
    "ec2.instance_state": Operation(_instance_state),
}
