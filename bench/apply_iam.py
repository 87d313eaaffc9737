"""What reading results back costs an IAM apply: `/devops apply` with and without the reads.

The IAM counterpart of ``bench/apply.py`` (which measures an ``ec2 stop``), with the same
harness: the action in this process against moto's server and the fake GitHub on
127.0.0.1. In one run it measures the median wall time of applying a one-entry
``iam keys deactivate`` plan:

* **with** everything issue 15 adds: the key's status read before the change, the
  read-back of the post-condition, the rollback plan built from them, the locks and the
  per-entry ledger records;
* **without the extra reads**: the same apply with ``iam.update_access_key``'s ``before``,
  ``verify`` and ``undo`` switched off for the measurement (locks and ledger stay).

Prints both and their ratio (goal: below 2). Usage: python bench/apply_iam.py [--runs N]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
from pathlib import Path
from typing import Any

from apply import _run  # the same harness as bench/apply.py

from devops_agent_sandbox.demo import REPO, TOKEN, sandbox

OPERATION = "iam.update_access_key"


def _without_reads() -> dict[str, Any]:
    """Switch off the state/read-back/undo declarations; returns the entry to put back."""
    from devops_agent import catalog

    table = catalog._by_name()
    saved = table[OPERATION]
    table[OPERATION] = dataclasses.replace(saved, before=None, verify=None, undo=None)
    return {OPERATION: saved}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with sandbox() as (github, _endpoint), tempfile.TemporaryDirectory() as tmp:
        import boto3

        from devops_agent import catalog

        github.add_token(TOKEN, "github-actions[bot]", kind="workflow")
        github.add_repo(REPO)
        github.set_permission(REPO, "alice", "maintain")
        iam = boto3.client("iam", region_name="us-east-1")
        results: dict[str, list[float]] = {"with": [], "without": []}
        n = 0
        for i in range(args.runs):
            for mode in ("with", "without"):
                n += 1
                user = f"bench-{n}"
                iam.create_user(UserName=user)
                key = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
                number = int(github.add_pull(REPO, title=f"bench {n}", user="alice")["number"])
                command = f"/devops iam keys deactivate {user} {key[-4:]}"
                code, _ = _run(github, number, command, Path(tmp) / f"p{n}", 100 + n)
                if code != 0:
                    raise SystemExit(f"planning failed in run {i} ({mode})")
                plan_id = (Path(tmp) / f"p{n}" / "output").read_text().split("plan-id<<")[1]
                plan_id = plan_id.split("\n")[1]
                saved = _without_reads() if mode == "without" else {}
                try:
                    code, seconds = _run(
                        github, number, f"/devops apply {plan_id}", Path(tmp) / f"a{n}", 500 + n
                    )
                finally:
                    catalog._by_name().update(saved)
                if code != 0:
                    raise SystemExit(f"apply failed in run {i} ({mode})")
                results[mode].append(seconds)
    with_s = statistics.median(results["with"])
    without_s = statistics.median(results["without"])
    print(f"runs: {args.runs} per mode (medians)")
    print(f"apply `iam keys deactivate` with read-back, rollback, state: {with_s * 1000:7.0f} ms")
    print(f"apply `iam keys deactivate` without the extra reads:        {without_s * 1000:7.0f} ms")
    print(f"ratio with / without:                                       {with_s / without_s:7.2f}")
    print("(goal < 2: the extra reads must not double an apply)")


if __name__ == "__main__":
    main()
