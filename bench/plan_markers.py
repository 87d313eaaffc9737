"""How long finding plan markers takes in a hostile comment of GitHub's largest size.

A plan marker used to be found with a backtracking regular expression: a stranger's
21 KB comment made an apply run for 39 s, with the GIL held so that neither the
deadline nor SIGTERM could act (issue 14). Markers are now found with ``str.find`` in
one pass, at most :data:`devops_agent.plans.MAX_MARKERS` per comment. This measures
:func:`devops_agent.plans.find_blocks` on several 65,536-character comments built to
be as slow as possible, and fails when the slowest takes 50 ms or more.

Usage: python bench/plan_markers.py [--runs N]
"""

from __future__ import annotations

import argparse
import sys
import time

from devops_agent import plans

#: GitHub's largest comment body.
SIZE = 65_536
#: The budget for the slowest comment.
LIMIT_MS = 50.0


def hostile_comments() -> dict[str, str]:
    """Comment bodies that made the old regular expression backtrack, each SIZE long."""
    mark = "<!-- devops-agent:plan 0123456789ab state=pending -->"
    fence = "```json\n"

    def fill(unit: str) -> str:
        return (unit * (SIZE // len(unit) + 1))[:SIZE]

    return {
        "markers, no fence": fill(mark + "x"),
        "one marker, fences never closed": (mark + fill(fence))[:SIZE],
        "markers and open fences": fill(mark + fence + "{"),
        "marker heads, never closed": fill("<!-- devops-agent:plan "),
        "nested comment openers": fill("<!--<!-- devops-agent:plan 0123456789ab "),
        "plain text": "a" * SIZE,
    }


def measure(body: str, runs: int) -> float:
    """Best wall time of ``runs`` parses, in milliseconds."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        plans.find_blocks(body)
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    worst = 0.0
    for name, body in hostile_comments().items():
        took = measure(body, args.runs)
        worst = max(worst, took)
        print(f"{name:<34} {len(body):>6,} chars  {took:7.2f} ms")
    verdict = "ok" if worst < LIMIT_MS else "TOO SLOW"
    print(f"slowest: {worst:.2f} ms (limit {LIMIT_MS:.0f} ms): {verdict}")
    return 0 if worst < LIMIT_MS else 1


if __name__ == "__main__":
    sys.exit(main())
