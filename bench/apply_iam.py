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

Prints both, their ratio (goal: below 2) and the GitHub requests of each. Usage:
python bench/apply_iam.py [--runs N]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from apply import open_repository, plan_then_apply, print_medians  # bench/apply.py's harness

from devops_agent_sandbox.demo import sandbox

OPERATION = "iam.update_access_key"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with sandbox() as (github, _endpoint), tempfile.TemporaryDirectory() as tmp:
        import boto3

        open_repository(github)
        iam = boto3.client("iam", region_name="us-east-1")
        results: dict[str, list[tuple[float, int]]] = {"with": [], "without": []}
        n = 0
        for _ in range(args.runs):
            for mode in ("with", "without"):
                n += 1
                user = f"bench-{n}"
                iam.create_user(UserName=user)
                key = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
                command = f"/devops iam keys deactivate {user} {key[-4:]}"
                results[mode].append(
                    plan_then_apply(
                        github, Path(tmp), n, command, OPERATION, without_reads=mode == "without"
                    )
                )
    print_medians("iam keys deactivate", results)


if __name__ == "__main__":
    main()
