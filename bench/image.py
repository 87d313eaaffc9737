"""The image's runtime, measured without Docker: its installed size and its cold start.

No Docker engine runs on the development machines, so this builds what the Dockerfile
installs in a fresh venv, the same way (Python 3.12, ``requirements/runtime.txt`` with
``--require-hashes --no-deps --no-compile``, then the package staged as the Dockerfile
copies it: ``pyproject.toml``, ``README.md``, ``devops_agent/``; then ``compileall
--invalidation-mode unchecked-hash``) and measures, in one run:

* the runtime's installed size: the venv's site-packages, without pip (the base image
  has its own), with the largest packages;
* the cold start: process start → the 👀 reaction at the fake GitHub for a `/devops ec2
  list` comment (``bench/ack.py``'s measurement) with the venv's console script and
  ``PYTHONDONTWRITEBYTECODE=1``, as the container runs it; the same without any
  bytecode (every import compiled in memory, each start; runs interleaved), for the
  ratio; and
  ``import agents`` in the same venv (the reaction must beat it: goal < 0.33).

Budgets are printed beside the figures; the exit code is 1 when one is missed.

Usage: python bench/image.py [--runs N] [--ref GIT_REF] [--python python3.12]

``--ref`` measures the runtime of another commit (``git archive``), e.g. the one before
the sandbox left the package, for a before/after.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ack import Variant, measure_variants

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024

#: The runtime's site-packages (without pip), in MiB: today's about 200 plus headroom for
#: one more dependency's worth. numpy (bm25s's) and botocore are most of it.
SIZE_BUDGET_MIB = 230
#: Process start → 👀 in the fresh venv, in ms: seconds, not the tens of seconds a build
#: from the Dockerfile took before the first line ran. About 0.5-0.8 s on a quiet 2-core
#: machine; 1.5 s leaves room for one shared with other work (measured 1.0 s at a load
#: average of 16). The ratio below is the load-independent check: the reaction must not
#: wait for boto3, PyGithub's models or the Agents SDK.
COLD_START_BUDGET_MS = 1500
#: 👀 / ``import agents`` in the same venv (bench/ack.py's goal).
RATIO_GOAL = 0.33


def stage(ref: str | None, into: Path) -> Path:
    """What the Dockerfile copies, from the work tree or from commit ``ref``.

    Args:
        ref: A git commit to take the files from; ``None`` for the work tree.
        into: An empty directory.

    Returns:
        The staged source directory (``pyproject.toml``, ``README.md``, ``devops_agent/``,
        ``requirements/runtime.txt``).
    """
    src = into / "src"
    src.mkdir()
    paths = ["pyproject.toml", "README.md", "devops_agent", "requirements/runtime.txt"]
    if ref is None:
        for path in paths:
            source = ROOT / path
            target = src / path
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, target)
        return src
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, *paths],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    return src


def build(python: str, src: Path, venv: Path) -> Path:
    """The Dockerfile's install steps in a fresh venv; returns its site-packages."""
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "-q", "--disable-pip-version-check"]
    lock = src / "requirements" / "runtime.txt"
    install = ["install", "--no-cache-dir", "--no-compile", "--no-deps"]
    subprocess.run([*pip, *install, "--require-hashes", "-r", str(lock)], check=True)
    subprocess.run([*pip, *install, str(src)], check=True, cwd=src)
    purelib = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_path('purelib'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Path(purelib)


def compile_all(python: Path, site: Path) -> float:
    """``compileall --invalidation-mode unchecked-hash`` as the Dockerfile runs it; seconds."""
    import time

    start = time.perf_counter()
    subprocess.run(
        [
            str(python),
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            str(site),
        ],
        check=True,
    )
    return time.perf_counter() - start


def sizes(site: Path) -> tuple[int, list[tuple[str, int]]]:
    """Bytes under ``site`` without pip, and the bytes of each top-level entry, largest first."""
    per: dict[str, int] = {}
    for path in site.rglob("*"):
        if path.is_file() and not path.is_symlink():
            top = path.relative_to(site).parts[0]
            per[top] = per.get(top, 0) + path.stat().st_size
    kept = {
        k: v
        for k, v in per.items()
        if not k.startswith(("pip", "_distutils_hack", "distutils-precedence"))
    }
    return sum(kept.values()), sorted(kept.items(), key=lambda kv: -kv[1])


def image_python() -> str:
    """A Python 3.12 that runs (the image's), else this interpreter (the lock may not fit)."""
    found = shutil.which("python3.12")
    if found:
        ok = subprocess.run([found, "-c", "pass"], capture_output=True, check=False)
        if ok.returncode == 0:
            return found
    return sys.executable


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ref", help="measure this git commit instead of the work tree")
    parser.add_argument("--size-only", action="store_true", help="skip the timings")
    parser.add_argument("--python", default=None, help="the image's Python (default: python3.12)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="devops-agent-image-") as tmp:
        src = stage(args.ref, Path(tmp))
        venv = Path(tmp) / "venv"
        site = build(args.python or image_python(), src, venv)
        python = venv / "bin" / "python"
        compile_seconds = compile_all(python, site)
        total, per = sizes(site)
        if args.size_only:
            print(f"{args.ref or 'work tree'}: runtime site-packages {total / MIB:.1f} MiB")
            print("largest: " + ", ".join(f"{n} {b / MIB:.1f}" for n, b in per[:12]) + " (MiB)")
            return 0
        exe = [str(venv / "bin" / "devops-agent"), "action"]
        nobytes = {"PYTHONDONTWRITEBYTECODE": "1"}
        # No bytecode: an empty PYTHONPYCACHEPREFIX hides every __pycache__ (Python looks
        # for .pyc files only there), so both variants share one venv and interleave.
        empty = Path(tmp) / "no-pycache"
        empty.mkdir()
        (cold, _totals, counts), (uncompiled, _t, _c), (agents, _a, _b) = measure_variants(
            [
                Variant(exe, args.runs, nobytes),
                Variant(exe, args.runs, {**nobytes, "PYTHONPYCACHEPREFIX": str(empty)}),
                Variant([str(python), "-c", "import agents"], args.runs, nobytes, plain=True),
            ]
        )
        version = subprocess.run(
            [str(python), "-c", "import sys; print(sys.version.split()[0])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    ack_ms = statistics.median(cold) * 1000
    raw_ms = statistics.median(uncompiled) * 1000
    agents_ms = statistics.median(agents) * 1000
    mib = total / MIB
    checks = [
        (
            mib <= SIZE_BUDGET_MIB,
            f"runtime site-packages: {mib:7.1f} MiB   (budget <= {SIZE_BUDGET_MIB} MiB)",
        ),
        (
            ack_ms <= COLD_START_BUDGET_MS,
            f"cold start → 👀, precompiled: {ack_ms:6.0f} ms  (budget <= {COLD_START_BUDGET_MS} ms; "
            f"{min(cold) * 1000:.0f}..{max(cold) * 1000:.0f})",
        ),
        (
            ack_ms / agents_ms < RATIO_GOAL,
            f"ratio 👀 / import agents:     {ack_ms / agents_ms:6.2f}     (goal < {RATIO_GOAL}; "
            f"import agents {agents_ms:.0f} ms)",
        ),
    ]
    print(f"{args.ref or 'work tree'}: Python {version}, {args.runs} runs (medians)")
    print(
        "largest packages: "
        + ", ".join(f"{name} {size / MIB:.1f}" for name, size in per[:8])
        + " (MiB)"
    )
    print(f"compileall (unchecked-hash) at build: {compile_seconds:.1f} s")
    print(
        f"cold start → 👀, no bytecode:   {raw_ms:6.0f} ms  (precompiled / none: {ack_ms / raw_ms:.2f})"
    )
    print(
        f"GitHub API requests per `/devops ec2 list` on a PR: {min(counts)}..{max(counts)} "
        "(a slower run marks its check run in progress first)"
    )
    for ok, line in checks:
        print(f"{'ok  ' if ok else 'MISS'} {line}")
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
