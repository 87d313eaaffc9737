"""Repository retrieval at scale: index and query time against plain ``grep -r -l``.

Builds a synthetic repository of about 10,000 files in a temporary directory
(Markdown runbooks, Terraform, workflow YAML, Python; a few over 1 MiB, a few
binaries, a vendored ``node_modules``), then, in the same run:

* builds the :mod:`devops_agent.knowledge` index once (cold) and measures a cache
  hit (what every later ``search_repository`` call of a run pays: listing and
  ``stat`` of the files to check nothing changed);
* times a few queries on the built index (ranking only) and through
  ``knowledge.search`` (cache check + ranking);
* times ``grep -r -l WORD`` for each word of the same queries (grep gives file
  names only, unranked, with no line numbers or passages).

Usage::

    python bench/retrieval.py               # 10,000 files
    python bench/retrieval.py --files 2000
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devops_agent import knowledge

_VOCAB = (
    "service deploy rollback terraform module bucket policy role cluster node pod ingress "
    "egress subnet gateway route table alarm metric dashboard pipeline artifact release "
    "canary blue green database replica backup snapshot restore queue topic lambda "
    "function container image registry secret rotation certificate domain record cache "
    "latency throughput error budget incident oncall escalation pager runbook migration"
)
WORDS = _VOCAB.split()
QUERIES = (
    "how do we deploy the payments service",
    "restore database from snapshot",
    "security group open to the internet",
    "rotate the api certificate",
)


def _text(rng: random.Random, lines: int, kind: str, n: int) -> str:
    out = []
    for i in range(lines):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 14)))
        if kind == "tf":
            out.append(f'  {rng.choice(WORDS)}_{i} = "{words}"')
        elif kind == "yml":
            out.append(f"  step_{i}: {words}")
        else:
            out.append(words)
    if n % 997 == 0:
        out.insert(len(out) // 2, "To deploy the payments service run the deploy-payments job.")
    if n % 1_499 == 0:
        out.insert(1, 'resource "aws_security_group" "open" { cidr_blocks = ["0.0.0.0/0"] }')
    return "\n".join(out) + "\n"


def build(root: Path, files: int, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    kinds = ("md", "tf", "yml", "py")
    counts = {"text": 0, "large": 0, "binary": 0, "vendored": 0}
    for n in range(files):
        folder = root / f"area{n % 40}" / f"part{n % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        if n % 50 == 0:
            (folder / f"blob{n}.png").write_bytes(rng.randbytes(20_000))
            (folder / f"data{n}.md").write_bytes(b"\0" + rng.randbytes(4_000))
            counts["binary"] += 2
            continue
        if n % 500 == 1:
            (folder / f"dump{n}.md").write_text(_text(rng, 20_000, "md", n))  # > 1 MiB
            counts["large"] += 1
            continue
        if n % 100 == 2:
            vendored = root / "node_modules" / f"pkg{n}"
            vendored.mkdir(parents=True, exist_ok=True)
            (vendored / "README.md").write_text(_text(rng, 40, "md", n))
            counts["vendored"] += 1
            continue
        kind = kinds[n % len(kinds)]
        (folder / f"file{n}.{kind}").write_text(_text(rng, rng.randint(10, 120), kind, n))
        counts["text"] += 1
    return counts


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    times = []
    value: object = None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def grep(root: Path, word: str) -> int:
    done = subprocess.run(
        ["grep", "-r", "-l", "-i", word, str(root)], capture_output=True, text=True, check=False
    )
    return len(done.stdout.splitlines())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    if shutil.which("grep") is None:
        print("grep is not installed", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        counts = build(root, args.files)
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        print(
            f"repository: {sum(counts.values()):,} files ({counts}), {size / 2**20:.0f} MiB, "
            f"built in {time.perf_counter() - started:.1f} s"
        )
        cold, index = timed(lambda: knowledge.index_for(root))
        assert isinstance(index, knowledge.Index)
        hit, _ = timed(lambda: knowledge.index_for(root), repeat=3)
        print(
            f"index: {index.files:,} files, {len(index.passages):,} passages; "
            f"cold build {cold:.2f} s; cache hit {hit * 1000:.0f} ms"
        )
        print()
        print(
            f"{'query':40} {'rank ms':>8} {'search ms':>10} {'grep ms':>8} "
            f"{'grep/rank':>9} {'grep/search':>11} {'top hit'}"
        )
        for query in QUERIES:
            rank, found = timed(lambda q=query: knowledge.search(root, q, index=index), 5)
            full, _ = timed(lambda q=query: knowledge.search(root, q), 3)
            words = knowledge.tokens(query)
            grep_total = 0.0
            for word in words:
                seconds, _ = timed(lambda w=word: grep(root, w))
                grep_total += seconds
            top = found[0].location if isinstance(found, list) and found else "-"
            print(
                f"{query:40} {rank * 1000:8.1f} {full * 1000:10.1f} {grep_total * 1000:8.0f} "
                f"{grep_total / rank:9.0f}x {grep_total / full:10.1f}x {top}"
            )
        print()
        print(
            "rank: ranking on the built index; search: knowledge.search (cache check by "
            "listing + stat, then rank); grep: `grep -r -l -i WORD` summed over the query's "
            "words (file names only, unranked; it also reads binaries, large and vendored files)."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
