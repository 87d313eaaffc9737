"""Mutation testing of the trust-critical modules: would a deliberate bug go unnoticed?

    python scripts/mutate.py                      # every target, two workers
    python scripts/mutate.py --target signing --jobs 1 --json /tmp/signing.json

Each target names a module, the functions (or ``*``) whose code is mutated, and the
test files that guard it: a fast stage run for every mutant and a slower stage (the
end-to-end attacks) run only for the mutants the fast stage left alive. One mutant is
one small change of the module's syntax tree:

* a comparison flipped (``==``/``!=``, ``<``/``<=``, ``in``/``not in``, ``is``/``is not``),
* ``and``/``or`` swapped, a ``not`` dropped, an ``if`` on a bare value negated,
* a ``raise`` deleted, a returned value replaced by ``None``,
* ``True``/``False`` swapped, an integer ``n`` made ``n + 1``, ``+``/``-`` swapped,
* ``break``/``continue`` swapped,
* one element dropped from a module-level set, tuple or list of constants (the word
  lists and patterns of the redactor, the states of a plan).

The mutant is written into a copy of the repository (``--work``), and pytest runs there
with ``-x``: the first failing test kills it. A mutant that breaks the import (or makes
pytest error) counts as killed. What survives is printed with its line, to be judged:
an equivalent mutant, a message nobody tests, or a gap that a test must close.

Hand-written rather than mutmut: mutmut 3 selects tests by recording which ones call a
function in-process, and every end-to-end test calls the redactor and the plan parser,
so each of their mutants would run most of the suite. Here each target says which tests
guard it.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Target:
    """A module, the functions mutated in it, and the tests that guard it."""

    module: str
    functions: tuple[str, ...]
    fast: tuple[str, ...]
    slow: tuple[str, ...] = ()


_SECURITY = "tests/test_e2e_security.py::"
_REDTEAM = "tests/test_redteam.py::"

TARGETS: dict[str, Target] = {
    "authz": Target(
        "devops_agent/authz.py",
        ("*",),
        ("tests/test_authz.py",),
        (
            "tests/test_e2e_action.py::test_stranger_is_refused_before_any_aws_call",
            "tests/test_e2e_action.py::test_allowed_users_narrows_further",
            "tests/test_e2e_action.py::test_ignored_comments_post_nothing",
            _SECURITY + "test_a_rerun_by_someone_else_applies_nothing",
            _SECURITY + "test_a_rerun_by_someone_else_proposes_nothing",
            _REDTEAM + "test_the_requester_cannot_approve_their_own_plan_by_any_route",
        ),
    ),
    "signing": Target(
        "devops_agent/signing.py",
        ("*",),
        (
            "tests/test_plan_signing.py",
            _REDTEAM + "test_signatures_never_cross_purposes_states_or_runs",
        ),
        (_SECURITY + "test_a_plan_forged_by_another_workflow_is_refused",),
    ),
    "plans": Target(
        "devops_agent/plans.py",
        ("*",),
        ("tests/test_plan_signing.py",),
        (
            _SECURITY + "test_a_plan_forged_by_another_workflow_is_refused",
            _SECURITY + "test_an_applied_plan_reset_by_a_bot_edit_is_not_applied_again",
            _SECURITY + "test_hostile_comments_cannot_stall_an_apply",
            _SECURITY + "test_what_is_shown_comes_from_the_arguments",
            _SECURITY + "test_a_signed_plan_replayed_in_another_thread_or_repository_is_refused",
            _REDTEAM + "test_a_copy_of_a_signed_plan_is_not_applied_a_second_time",
            _REDTEAM + "test_a_hijacked_model_cannot_stand_in_for_the_first_pair_of_eyes",
            _REDTEAM
            + "test_a_signed_plan_that_is_not_pending_is_refused_even_without_a_ledger_record",
            _REDTEAM + "test_broken_blocks_in_the_bots_comments_never_crash_an_apply",
            _REDTEAM + "test_a_plan_comment_stripped_of_its_marker_mid_apply_is_still_recorded",
            "tests/test_e2e_plans.py::test_stop_is_planned_then_applied_once",
        ),
    ),
    "sanitize": Target(
        "devops_agent/sanitize.py",
        ("*",),
        (
            "tests/test_sanitize.py",
            _REDTEAM + "test_secret_names_of_common_tools_are_redacted_in_text",
            _REDTEAM + "test_names_that_only_mention_a_secret_keep_their_values",
        ),
        (
            _SECURITY + "test_secrets_in_structured_data_reach_no_exit",
            _SECURITY + "test_secrets_in_a_failed_jobs_log_reach_no_exit",
            _REDTEAM + "test_values_under_common_secret_names_reach_no_exit",
            _REDTEAM + "test_a_hijacked_model_s_answer_cannot_revive_a_plan_or_issue_commands",
        ),
    ),
    "apply": Target(
        "devops_agent/apply.py",
        (
            "_thread_comments",
            "_asked_at",
            "_seen",
            "_locate",
            "_check_unedited",
            "_check_read_in_time",
            "_check",
            "_exact",
            "_check_approver",
            "_write_session",
            "_session_policy",
            "apply",
            "_carry_out",
            "_mark",
            "_record_outcome",
        ),
        ("tests/test_e2e_security.py",),
        (
            "tests/test_redteam.py",
            "tests/test_e2e_plans.py",
            "tests/test_e2e_proofs.py",
        ),
    ),
    "proposals": Target(
        "devops_agent/proposals.py",
        ("check_actor", "make_plan", "block_of", "propose_plan", "propose"),
        (
            _REDTEAM + "test_a_plan_sts_would_refuse_is_refused_when_it_is_made",
            _REDTEAM + "test_a_plan_that_would_hold_a_credential_is_refused_when_it_is_made",
            _REDTEAM + "test_a_plan_made_outside_a_thread_belongs_to_none",
            _REDTEAM + "test_a_plan_says_who_may_apply_it_and_carries_its_note",
            _SECURITY + "test_a_rerun_by_someone_else_applies_nothing",
            _SECURITY + "test_a_rerun_by_someone_else_proposes_nothing",
            "tests/test_session_policy.py",
        ),
        (
            "tests/test_e2e_plans.py",
            "tests/test_e2e_github.py::test_workflow_run_is_planned_then_applied_from_the_thread",
            _REDTEAM + "test_the_requester_cannot_approve_their_own_plan_by_any_route",
            _REDTEAM + "test_a_hijacked_model_cannot_stand_in_for_the_first_pair_of_eyes",
        ),
    ),
    "carry": Target(
        "devops_agent/carry.py",
        ("Outcome", "carry", "_unexpected"),
        ("tests/test_e2e_proofs.py",),
        (
            "tests/test_gh_proofs.py",
            "tests/test_e2e_iam_proofs.py",
            _REDTEAM + "test_an_unexpected_error_in_one_entry_still_records_what_was_done",
        ),
    ),
    "session_policy": Target(
        "devops_agent/session_policy.py",
        ("*",),
        ("tests/test_session_policy.py",),
        (
            "tests/test_iam_proofs.py",
            "tests/test_s3_proofs.py",
            "tests/test_vpc_proofs.py",
            "tests/test_ec2_fix_proofs.py",
        ),
    ),
    "ledger": Target(
        "devops_agent/ledger.py",
        ("*",),
        ("tests/test_plan_signing.py",),
        (
            _SECURITY + "test_an_applied_plan_reset_by_a_bot_edit_is_not_applied_again",
            _SECURITY + "test_two_applies_of_one_plan_carry_it_out_once",
            _REDTEAM + "test_a_copy_of_a_signed_plan_is_not_applied_a_second_time",
            _REDTEAM + "test_deleting_the_plan_comment_mid_apply_neither_crashes_nor_repeats_it",
            _REDTEAM + "test_junk_in_the_ledger_neither_crashes_nor_blocks_an_apply",
            _REDTEAM + "test_other_statuses_on_the_ledger_commit_never_hide_a_plan_s_records",
        ),
    ),
}

_FLIP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}


@dataclass(frozen=True)
class Mutant:
    """One change: where it is and what it does."""

    target: str
    index: int
    line: int
    what: str


@dataclass
class Outcome:
    """What the tests made of one mutant."""

    mutant: Mutant
    status: str
    """``killed``, ``survived`` or ``timeout`` (counted as killed)."""
    by: str = ""
    seconds: float = 0.0


def _in_scope(tree: ast.Module, functions: tuple[str, ...]) -> Iterator[ast.AST]:
    """The nodes that may be mutated: inside the named functions, and module constants."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if "*" in functions or node.name in functions:
                yield from (
                    n for n in ast.walk(node) if not (n is node and isinstance(n, ast.ClassDef))
                )
        elif isinstance(node, ast.Assign | ast.AnnAssign) and "*" in functions:
            yield from _module_constants(node)


def _module_constants(node: ast.Assign | ast.AnnAssign) -> Iterator[ast.AST]:
    """Limits (``MAX_MARKERS = 4``) and collections of constants; never ``__all__``."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
        return
    if isinstance(node.value, ast.Constant) and type(node.value.value) is int:
        yield node.value
    for sub in ast.walk(node):
        if (
            isinstance(sub, ast.Set | ast.Tuple | ast.List)
            and len(sub.elts) >= 2
            and all(isinstance(e, ast.Constant) for e in sub.elts)
        ):
            yield sub


def _is_docstring(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    parent = parents.get(id(node))
    return isinstance(parent, ast.Expr)


def _mutations(node: ast.AST, parents: dict[int, ast.AST]) -> Iterator[tuple[str, object]]:
    """``(description, change)`` pairs for one node; ``change`` is applied by :func:`_apply`."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            flipped = _FLIP.get(type(op))
            if flipped is not None:
                yield f"{type(op).__name__} -> {flipped.__name__}", ("cmp", i, flipped)
    elif isinstance(node, ast.BoolOp):
        other = "Or" if isinstance(node.op, ast.And) else "And"
        yield f"{type(node.op).__name__} -> {other}", ("boolop",)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "drop not", ("drop_not",)
    elif isinstance(node, ast.If | ast.While) and isinstance(
        node.test, ast.Name | ast.Attribute | ast.Call | ast.Subscript
    ):
        yield "negate condition", ("negate",)
    elif isinstance(node, ast.Raise):
        yield "delete raise", ("delete",)
    elif isinstance(node, ast.Return) and node.value is not None:
        if not (isinstance(node.value, ast.Constant) and node.value.value is None):
            yield "return None", ("return_none",)
    elif isinstance(node, ast.Constant) and not _is_docstring(node, parents):
        if node.value is True or node.value is False:
            yield f"{node.value} -> {not node.value}", ("const", not node.value)
        elif isinstance(node.value, int) and not isinstance(node.value, bool):
            yield f"{node.value} -> {node.value + 1}", ("const", node.value + 1)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
        other = ast.Sub if isinstance(node.op, ast.Add) else ast.Add
        yield f"{type(node.op).__name__} -> {other.__name__}", ("binop", other)
    elif isinstance(node, ast.Break):
        yield "break -> continue", ("swap_loop", ast.Continue)
    elif isinstance(node, ast.Continue):
        yield "continue -> break", ("swap_loop", ast.Break)
    if isinstance(node, ast.Set | ast.Tuple | ast.List) and all(
        isinstance(e, ast.Constant) for e in getattr(node, "elts", [])
    ):
        elts = node.elts
        if len(elts) >= 2:
            for i, e in enumerate(elts):
                shown = repr(e.value)  # type: ignore[attr-defined]
                yield f"drop {shown[:40]}", ("drop_elt", i)


def _apply(node: ast.AST, change: tuple[object, ...], parents: dict[int, ast.AST]) -> None:
    kind = change[0]
    if kind == "cmp":
        _, i, op = change
        node.ops[i] = op()  # type: ignore[attr-defined, operator]
    elif kind == "boolop":
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()  # type: ignore[attr-defined]
    elif kind == "drop_not":
        _replace(node, node.operand, parents)  # type: ignore[attr-defined]
    elif kind == "negate":
        node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)  # type: ignore[attr-defined]
    elif kind == "delete":
        _replace(node, ast.Pass(), parents)
    elif kind == "return_none":
        node.value = ast.Constant(value=None)  # type: ignore[attr-defined]
    elif kind == "const":
        node.value = change[1]  # type: ignore[attr-defined]
    elif kind == "binop":
        node.op = change[1]()  # type: ignore[attr-defined, operator]
    elif kind == "swap_loop":
        _replace(node, change[1](), parents)  # type: ignore[operator]
    elif kind == "drop_elt":
        del node.elts[change[1]]  # type: ignore[attr-defined, arg-type]


def _replace(old: ast.AST, new: ast.AST, parents: dict[int, ast.AST]) -> None:
    parent = parents[id(old)]
    for field, value in ast.iter_fields(parent):
        if value is old:
            setattr(parent, field, new)
            return
        if isinstance(value, list):
            for i, item in enumerate(value):
                if item is old:
                    value[i] = new
                    return
    raise AssertionError("node not found in its parent")


def _parents(tree: ast.AST) -> dict[int, ast.AST]:
    found: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            found[id(child)] = node
    return found


def enumerate_mutants(name: str, target: Target) -> list[tuple[Mutant, str]]:
    """Every mutant of ``target`` with the module source it stands for."""
    source = (ROOT / target.module).read_text(encoding="utf-8")
    tree = ast.parse(source)
    parents = _parents(tree)
    nodes = list(_in_scope(tree, target.functions))
    seen: set[int] = set()
    out: list[tuple[Mutant, str]] = []
    for node in nodes:
        if id(node) in seen:
            continue
        seen.add(id(node))
        for what, change in _mutations(node, parents):
            mutated = copy.deepcopy(tree)
            twin = _find_twin(tree, mutated, node)
            _apply(twin, change, _parents(mutated))  # type: ignore[arg-type]
            text = ast.unparse(ast.fix_missing_locations(mutated))
            line = getattr(node, "lineno", 0)
            out.append((Mutant(name, len(out), line, what), text))
    return out


def _find_twin(original: ast.AST, copied: ast.AST, node: ast.AST) -> ast.AST:
    for a, b in zip(ast.walk(original), ast.walk(copied), strict=True):
        if a is node:
            return b
    raise AssertionError("twin not found")


def _pytest(work: Path, tests: tuple[str, ...], timeout: float) -> tuple[str, str]:
    """``(status, first failing test)`` of running ``tests`` in ``work``."""
    env = {**os.environ, "PYTHONPATH": str(work), "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
    ]
    try:
        proc = subprocess.run(  # noqa: S603 - our own interpreter and test paths
            [*cmd, *tests], cwd=work, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return "timeout", ""
    if proc.returncode == 0:
        return "survived", ""
    failed = next(
        (line.split(" ")[1] for line in proc.stdout.splitlines() if line.startswith("FAILED ")),
        "error" if proc.returncode != 1 else "",
    )
    return "killed", failed


def run_mutant(mutant: Mutant, text: str, target: Target, work: Path, timeout: float) -> Outcome:
    """Write the mutant into ``work``, run the fast then the slow tests, restore."""
    path = work / target.module
    original = path.read_text(encoding="utf-8")
    started = time.monotonic()
    try:
        path.write_text(text, encoding="utf-8")
        status, by = _pytest(work, target.fast, timeout)
        if status == "survived" and target.slow:
            status, by = _pytest(work, target.slow, timeout)
    finally:
        path.write_text(original, encoding="utf-8")
    outcome = Outcome(mutant, status, by, round(time.monotonic() - started, 1))
    print(f"  {mutant.target}#{mutant.index} {status} ({outcome.seconds} s)", flush=True)
    return outcome


def _copy_repo(into: Path) -> Path:
    work = into / "repo"
    ignore = shutil.ignore_patterns(".git", "__pycache__", ".venv", "mutants", "*.egg-info")
    shutil.copytree(ROOT, work, ignore=ignore, symlinks=True)
    return work


def _in_a_copy(
    free: queue.SimpleQueue[Path],
    item: tuple[Mutant, str],
    target: Target,
    args: argparse.Namespace,
) -> Outcome:
    """Test one mutant in whichever copy of the repository is free."""
    work = free.get()
    try:
        return run_mutant(item[0], item[1], target, work, args.timeout)
    finally:
        free.put(work)


def main(argv: list[str] | None = None) -> int:
    """Run the mutants of the chosen targets and print the survivors."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--target", action="append", choices=sorted(TARGETS), default=[])
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per test stage")
    parser.add_argument("--json", type=Path, help="write every outcome here")
    parser.add_argument("--list", action="store_true", help="only list the mutants")
    parser.add_argument(
        "--survivors",
        type=Path,
        help="a --json file of an earlier run: test again only what survived there "
        "(the modules' code must be unchanged since: a mutant is named by its index)",
    )
    args = parser.parse_args(argv)
    names = args.target or sorted(TARGETS)
    work_root = Path(tempfile.mkdtemp(prefix="devops-agent-mutants-"))
    workers = [_copy_repo(work_root / f"w{n}") for n in range(max(1, args.jobs))]
    free: queue.SimpleQueue[Path] = queue.SimpleQueue()
    for work in workers:
        free.put(work)
    outcomes: list[Outcome] = []
    try:
        for name in names:
            target = TARGETS[name]
            mutants = enumerate_mutants(name, target)
            if args.survivors:
                earlier = json.loads(args.survivors.read_text())
                alive = {
                    o["mutant"]["index"]: o["mutant"]
                    for o in earlier
                    if o["mutant"]["target"] == name and o["status"] == "survived"
                }
                mutants = [(m, t) for m, t in mutants if m.index in alive]
                # Lines may move (a docstring grew); the mutation at each index may not.
                assert all(m.what == alive[m.index]["what"] for m, _ in mutants), "code changed"
                if not mutants:
                    continue
            if args.list:
                for mutant, _ in mutants:
                    print(f"{name}#{mutant.index} line {mutant.line}: {mutant.what}")
                continue
            with ThreadPoolExecutor(max_workers=len(workers)) as pool:
                done = list(
                    pool.map(lambda item, t=target: _in_a_copy(free, item, t, args), mutants)
                )
            outcomes.extend(done)
            survivors = [o for o in done if o.status == "survived"]
            print(f"{name}: {len(done)} mutants, {len(survivors)} survived", flush=True)
            for o in survivors:
                print(f"  line {o.mutant.line}: {o.mutant.what}", flush=True)
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
