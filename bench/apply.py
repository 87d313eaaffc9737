"""What reading results back costs an apply: `/devops apply` with and without the extra reads.

Runs the action in this process (the same ``run_action`` GitHub's container runs) against
moto's server and the fake GitHub on 127.0.0.1, and in the same run measures the median
wall time of applying a one-entry `ec2 stop` plan:

* **with** everything issue 15 adds: the state read before the change, the read-back of
  the post-condition, the rollback plan built from them, the locks and per-entry ledger
  records;
* **without the extra reads**: the same apply with the operation's ``before``, ``verify``
  and ``undo`` switched off for the measurement (locks and ledger records stay), i.e. what
  the apply costs without reading anything back.

Prints both, their ratio (goal: below 2, the extra reads must not double an apply) and the
GitHub and AWS requests of each. ``--family s3`` measures a one-entry `s3 versioning BUCKET
on` plan instead (its state read, read-back and rollback read S3's answer whole). Usage:
python bench/apply.py [--runs N] [--family ec2|s3]
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from devops_agent_sandbox.demo import REPO, TOKEN, sandbox
from devops_agent_sandbox.payloads import comment_event

KEY = "bench-plan-signing-key-0123456789abcdef0123456789"
WRITE_ROLE = "arn:aws:iam::123456789012:role/devops-agent-write"


def _run(github: Any, number: int, body: str, work: Path, run_id: int) -> tuple[int, float]:
    from devops_agent.app import run_action

    comment = github.add_comment(REPO, number, body=body, user="alice")
    work.mkdir()
    (work / "event.json").write_text(
        json.dumps(
            comment_event(REPO, number, body, login="alice", is_pr=True, comment_id=comment["id"])
        )
    )
    for name in ("output", "summary.md"):
        (work / name).write_text("")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))},
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "issue_comment",
        "GITHUB_EVENT_PATH": str(work / "event.json"),
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": github.url,
        "GITHUB_SERVER_URL": github.server_url,
        "GITHUB_RUN_ID": str(run_id),
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_SHA": "a" * 40,
        "GITHUB_WORKSPACE": str(work),
        "GITHUB_OUTPUT": str(work / "output"),
        "GITHUB_STEP_SUMMARY": str(work / "summary.md"),
        "INPUT_GITHUB-TOKEN": TOKEN,
        "INPUT_PLAN-SIGNING-KEY": KEY,
        "INPUT_AWS-WRITE-ROLE-TO-ASSUME": WRITE_ROLE,
        "DEVOPS_AGENT_PROGRESS_AFTER": "60",
    }
    start = time.perf_counter()
    code = run_action(env, stream=io.StringIO())
    return code, time.perf_counter() - start


def _without_reads(operation: str) -> dict[str, Any]:
    """Switch off the state/read-back/undo declarations of ``operation``; returns the
    catalog entry to put back."""
    from devops_agent import catalog

    table = catalog._by_name()
    saved = table[operation]
    table[operation] = dataclasses.replace(saved, before=None, verify=None, undo=None)
    return {operation: saved}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--family", choices=("ec2", "s3"), default="ec2")
    args = parser.parse_args()
    operation, shown = {
        "ec2": ("ec2.instance_state", "ec2 stop"),
        "s3": ("s3.put_versioning", "s3 versioning on"),
    }[args.family]
    with sandbox() as (github, _endpoint), tempfile.TemporaryDirectory() as tmp:
        import boto3

        from devops_agent import catalog

        github.add_token(TOKEN, "github-actions[bot]", kind="workflow")
        github.add_repo(REPO)
        github.set_permission(REPO, "alice", "maintain")
        ec2 = boto3.client("ec2", region_name="us-east-1")
        s3 = boto3.client("s3", region_name="us-east-1")
        image = ec2.register_image(Name="bench", RootDeviceName="/dev/xvda")["ImageId"]
        results: dict[str, list[tuple[float, int]]] = {"with": [], "without": []}
        n = 0
        for i in range(args.runs):
            for mode in ("with", "without"):
                n += 1
                if args.family == "s3":
                    s3.create_bucket(Bucket=f"bench-{n}")
                    command = f"/devops s3 versioning bench-{n} on"
                else:
                    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)[
                        "Instances"
                    ][0]["InstanceId"]
                    command = f"/devops ec2 stop {instance}"
                number = int(github.add_pull(REPO, title=f"bench {n}", user="alice")["number"])
                code, _ = _run(github, number, command, Path(tmp) / f"p{n}", 100 + n)
                if code != 0:
                    raise SystemExit(f"planning failed in run {i} ({mode})")
                plan_id = (Path(tmp) / f"p{n}" / "output").read_text().split("plan-id<<")[1]
                plan_id = plan_id.split("\n")[1]
                saved = _without_reads(operation) if mode == "without" else {}
                before = len(github.requests)
                try:
                    code, seconds = _run(
                        github, number, f"/devops apply {plan_id}", Path(tmp) / f"a{n}", 500 + n
                    )
                finally:
                    catalog._by_name().update(saved)
                if code != 0:
                    raise SystemExit(f"apply failed in run {i} ({mode})")
                results[mode].append((seconds, len(github.requests) - before))
    with_s = statistics.median(s for s, _ in results["with"])
    without_s = statistics.median(s for s, _ in results["without"])
    print(f"runs: {args.runs} per mode (medians)")
    print(f"apply `{shown}` with read-back, rollback and state reads: {with_s * 1000:7.0f} ms")
    print(f"apply `{shown}` without the extra reads:                  {without_s * 1000:7.0f} ms")
    print(
        f"ratio with / without:                                      {with_s / without_s:7.2f}  (goal < 2)"
    )
    print(
        "GitHub requests per apply: "
        f"{max(c for _, c in results['with'])} with, {max(c for _, c in results['without'])} without"
    )


if __name__ == "__main__":
    main()
