"""What reading results back costs a GitHub apply: `/devops apply` of `issue close` with and
without the extra reads.

The GitHub counterpart of ``bench/apply.py`` (which measures an EC2 stop): the action runs
in this process against the fake GitHub on 127.0.0.1 (moto's server idles beside it; a
GitHub plan assumes no AWS role), and in the same run measures the median wall time of
applying a one-entry `issue close` plan:

* **with** everything issue 15 adds for GitHub: the issue's state read before the change,
  the read-back of the post-condition, the rollback plan (a reopen) built from them, the
  lock on the issue and the per-entry ledger records;
* **without the extra reads**: the same apply with the operation's ``before``, ``verify``
  and ``undo`` switched off for the measurement (the lock and the ledger stay).

Prints both, their ratio (goal: below 2, the extra reads must not double an apply) and the
GitHub requests of each. Usage: python bench/apply_github.py [--runs N]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from apply import open_repository, plan_then_apply, print_medians  # bench/apply.py's harness

from devops_agent_sandbox.demo import REPO, sandbox

OPERATION = "github.issue_close"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with sandbox() as (github, _endpoint), tempfile.TemporaryDirectory() as tmp:
        open_repository(github)
        results: dict[str, list[tuple[float, int]]] = {"with": [], "without": []}
        n = 0
        for i in range(args.runs):
            for mode in ("with", "without"):
                n += 1
                issue = github.add_issue(REPO, title=f"bench {n}")["number"]
                results[mode].append(
                    plan_then_apply(
                        github,
                        Path(tmp),
                        n,
                        f"/devops issue close {issue}",
                        OPERATION,
                        without_reads=mode == "without",
                    )
                )
                if github.issues(REPO)[issue - 1]["state"] != "closed":
                    raise SystemExit(f"the issue was not closed in run {i} ({mode})")
    print_medians("issue close", results)


if __name__ == "__main__":
    main()
