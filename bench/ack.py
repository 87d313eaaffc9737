"""How fast the 👀 reaction goes out, and what a `/devops ec2 list` on a PR costs.

Runs `devops-agent action` as a process, as GitHub would, against moto's server
and the fake GitHub on 127.0.0.1, and measures in the same run:

* process start → the reaction request arriving at the fake GitHub;
* `python -c "import agents"` alone (the Agents SDK import the reaction must beat);
* GitHub API requests for the whole `/devops ec2 list` exchange.

Usage: python bench/ack.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from devops_agent_sandbox.demo import REPO, TOKEN, sandbox, seed_github
from devops_agent_sandbox.estate import seed
from devops_agent_sandbox.payloads import comment_event


def _exe() -> list[str]:
    found = shutil.which("devops-agent", path=str(Path(sys.executable).parent))
    return [found, "action"] if found else [sys.executable, "-m", "devops_agent", "action"]


def time_import(module: str, runs: int, python: str = sys.executable) -> list[float]:
    """Wall time of a fresh interpreter (``python``) importing ``module``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([python, "-c", f"import {module}"], check=True)
        times.append(time.perf_counter() - start)
    return times


@dataclass
class Variant:
    """One way to run the action, measured ``runs`` times in the same sandbox.

    Attributes:
        exe: The command that runs the action (any installation's console script).
        runs: How many runs.
        env: Variables added to each run's environment.
        prepare: Called once before this variant's runs (e.g. to drop bytecode).
        plain: Not the action: time the whole process (``python -c "import agents"``),
            interleaved with the others so a busy machine weighs on both alike.
    """

    exe: list[str]
    runs: int
    env: dict[str, str] = field(default_factory=dict)
    prepare: Callable[[], None] | None = None
    plain: bool = False


def measure(
    exe: list[str], runs: int, extra_env: dict[str, str] | None = None
) -> tuple[list[float], list[float], list[int]]:
    """Run ``exe`` (``devops-agent action``) ``runs`` times on a `/devops ec2 list` comment.

    Args:
        exe: The command that runs the action (any installation's console script).
        runs: How many runs.
        extra_env: Variables added to each run's environment.

    Returns:
        Seconds from process start to the 👀 reaction, seconds for the whole run, and
        GitHub API requests per run, one entry per run.
    """
    return measure_variants([Variant(exe, runs, dict(extra_env or {}))])[0]


def measure_variants(
    variants: list[Variant],
) -> list[tuple[list[float], list[float], list[int]]]:
    """:func:`measure` for several variants in one sandbox (seeded once), interleaved.

    The runs alternate between the variants (A, B, A, B, ...), so that a machine that
    gets busier or quieter during the bench weighs on each variant alike.

    Args:
        variants: The ways to run the action.

    Returns:
        For each variant: seconds to 👀, seconds per run, GitHub requests per run.
    """
    with sandbox() as (github, _endpoint), tempfile.TemporaryDirectory() as tmp:
        import boto3

        seed(boto3.Session(region_name="us-east-1"))
        number = seed_github(github)
        reaction_at: dict[int, float] = {}
        arrived = threading.Event()

        def on_request(request: object) -> None:
            if request.method == "POST" and request.path.endswith("/reactions"):  # type: ignore[attr-defined]
                reaction_at[len(reaction_at)] = request.at  # type: ignore[attr-defined]
                arrived.set()

        for variant in variants:
            if variant.prepare is not None:
                variant.prepare()
        found: list[tuple[list[float], list[float], list[int]]] = [([], [], []) for _ in variants]
        schedule = [
            k
            for round_ in range(max(v.runs for v in variants))
            for k, v in enumerate(variants)
            if round_ < v.runs
        ]
        for i, k in enumerate(schedule):
            variant = variants[k]
            acks, totals, counts = found[k]
            if variant.plain:
                start = time.perf_counter()
                subprocess.run(variant.exe, check=True, env={**os.environ, **variant.env})
                acks.append(time.perf_counter() - start)
                continue
            github.on_request = on_request
            comment = github.add_comment(REPO, number, body="/devops ec2 list", user="alice")
            work = Path(tmp) / f"r{i}"
            work.mkdir()
            (work / "event.json").write_text(
                json.dumps(
                    comment_event(
                        REPO,
                        number,
                        comment["body"],
                        login="alice",
                        is_pr=True,
                        comment_id=comment["id"],
                    )
                )
            )
            for name in ("output", "summary.md"):
                (work / name).write_text("")
            env = {
                **os.environ,
                **variant.env,
                "GITHUB_EVENT_NAME": "issue_comment",
                "GITHUB_EVENT_PATH": str(work / "event.json"),
                "GITHUB_REPOSITORY": REPO,
                "GITHUB_API_URL": github.url,
                "GITHUB_SERVER_URL": github.server_url,
                "GITHUB_RUN_ID": str(9000 + i),
                "GITHUB_WORKSPACE": str(work),
                "GITHUB_OUTPUT": str(work / "output"),
                "GITHUB_STEP_SUMMARY": str(work / "summary.md"),
                "INPUT_GITHUB-TOKEN": TOKEN,
            }
            before = len(github.requests)
            arrived.clear()
            start = time.monotonic()
            proc = subprocess.run(variant.exe, env=env, capture_output=True, text=True, check=False)
            end = time.monotonic()
            if proc.returncode != 0 or not arrived.is_set():
                sys.exit(f"run {i} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
            acks.append(reaction_at[len(reaction_at) - 1] - start)
            totals.append(end - start)
            counts.append(len(github.requests) - before)
            github.on_request = None
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    acks, totals, counts = measure(_exe(), args.runs)

    agents = time_import("agents", args.runs)
    bare = time_import("sys", args.runs)
    ack, agents_m = statistics.median(acks), statistics.median(agents)
    print(f"runs: {args.runs} (medians; min..max)")
    print(
        f"process start → 👀 reaction at the fake GitHub: {ack * 1000:7.0f} ms "
        f"({min(acks) * 1000:.0f}..{max(acks) * 1000:.0f})"
    )
    print(
        f"whole `/devops ec2 list` run (process):          {statistics.median(totals) * 1000:7.0f} ms"
    )
    print(
        f"python -c 'import agents':                        {agents_m * 1000:7.0f} ms "
        f"({min(agents) * 1000:.0f}..{max(agents) * 1000:.0f})"
    )
    print(
        f"python -c 'import sys' (interpreter start):       {statistics.median(bare) * 1000:7.0f} ms"
    )
    print(f"ratio reaction / import agents:                   {ack / agents_m:7.2f}  (goal < 0.33)")
    print(f"GitHub API requests per `/devops ec2 list` on a PR: {max(counts)}  (goal <= 5)")


if __name__ == "__main__":
    main()
