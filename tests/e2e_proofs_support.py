"""What the end-to-end proof tests (``test_e2e_*proofs*.py``) read back: the plan blocks the
action posted on a thread, a run's JSON report, and the rollback plan an apply left.

Shared so that the EC2, VPC, S3 and IAM end-to-end tests read the thread and the report
the same way.
"""

from __future__ import annotations

import json
from typing import Any

from conftest import REPO

from devops_agent import plans

ACCOUNT = "123456789012"
WRITE_ROLE = "arn:aws:iam::123456789012:role/devops-agent-write"
BOT = "github-actions[bot]"


def blocks(github: Any, number: int) -> list[tuple[dict[str, Any], plans.FoundPlan]]:
    """Every plan block the action posted on thread ``number``, with its comment."""
    return [
        (c, b)
        for c in github.comments(REPO, number)
        if c["user"]["login"] == BOT
        for b in plans.find_blocks(c["body"])
    ]


def report(run: Any) -> dict[str, Any]:
    """The JSON report a run of the action wrote."""
    return json.loads((run.workspace / ".devops-agent" / "report.json").read_text())


def rollback_of(github: Any, number: int, plan_id: str) -> plans.Plan:
    """The pending rollback plan the apply of ``plan_id`` left on thread ``number``."""
    (back,) = [b for _, b in blocks(github, number) if b.plan and b.plan.rollback_of == plan_id]
    assert back.state == "pending" and back.plan is not None
    return back.plan
