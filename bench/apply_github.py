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
import dataclasses
import statistics
import tempfile
from pathlib import Path
from typing import Any

from apply import _run  # bench/apply.py: runs the action in this process

from devops_agent_sandbox.demo import REPO, TOKEN, sandbox

OPERATION = "github.issue_close"


def _without_reads() -> dict[str, Any]:
    """Switch off the state/read-back/undo declarations of the close; returns the catalog
    entry to put back."""
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
        from devops_agent import catalog

        github.add_token(TOKEN, "github-actions[bot]", kind="workflow")
        github.add_repo(REPO)
        github.set_permission(REPO, "alice", "maintain")
        results: dict[str, list[tuple[float, int]]] = {"with": [], "without": []}
        n = 0
        for i in range(args.runs):
            for mode in ("with", "without"):
                n += 1
                issue = github.add_issue(REPO, title=f"bench {n}")["number"]
                number = int(github.add_pull(REPO, title=f"bench {n}", user="alice")["number"])
                code, _ = _run(
                    github, number, f"/devops issue close {issue}", Path(tmp) / f"p{n}", 100 + n
                )
                if code != 0:
                    raise SystemExit(f"planning failed in run {i} ({mode})")
                plan_id = (Path(tmp) / f"p{n}" / "output").read_text().split("plan-id<<")[1]
                plan_id = plan_id.split("\n")[1]
                saved = _without_reads() if mode == "without" else {}
                before = len(github.requests)
                try:
                    code, seconds = _run(
                        github, number, f"/devops apply {plan_id}", Path(tmp) / f"a{n}", 500 + n
                    )
                finally:
                    catalog._by_name().update(saved)
                if code != 0:
                    raise SystemExit(f"apply failed in run {i} ({mode})")
                if github.issues(REPO)[issue - 1]["state"] != "closed":
                    raise SystemExit(f"the issue was not closed in run {i} ({mode})")
                results[mode].append((seconds, len(github.requests) - before))
    with_s = statistics.median(s for s, _ in results["with"])
    without_s = statistics.median(s for s, _ in results["without"])
    print(f"runs: {args.runs} per mode (medians)")
    print(f"apply `issue close` with read-back, rollback and state reads: {with_s * 1000:7.0f} ms")
    print(
        f"apply `issue close` without the extra reads:                  {without_s * 1000:7.0f} ms"
    )
    print(
        "ratio with / without:                                         "
        f"{with_s / without_s:7.2f}  (goal < 2)"
    )
    print(
        "GitHub requests per apply: "
        f"{max(c for _, c in results['with'])} with, {max(c for _, c in results['without'])} without"
    )


if __name__ == "__main__":
    main()
