"""Docs that make promises point at the tests that keep them."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_every_test_named_in_security_md_exists():
    text = (ROOT / "docs" / "security.md").read_text()
    named = re.findall(r"`(test_[a-z0-9_]+\.py)::(test_[a-z0-9_]+)`", text)
    assert len(named) >= 20
    for file_name, test_name in named:
        path = ROOT / "tests" / file_name
        assert path.exists(), file_name
        functions = {
            node.name
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.FunctionDef)
        }
        assert test_name in functions, f"{file_name}::{test_name}"
    # rows that list several tests name the rest with a bare `test_...`
    for extra in re.findall(r", `(test_[a-z0-9_]+)`", text):
        assert any(extra in (ROOT / "tests" / f).read_text() for f, _ in named), extra


def test_readme_links_resolve():
    text = (ROOT / "README.md").read_text()
    for target in re.findall(r"\]\(([^)#:]+)\)", text):
        assert (ROOT / target).exists(), target


def _trust_policies(doc: str) -> list[dict]:
    import json

    text = (ROOT / "docs" / doc).read_text()
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)\n```", text, re.S)]
    return [
        b
        for b in blocks
        if any("sts:AssumeRole" in str(st.get("Action")) for st in b.get("Statement", []))
        and any("Principal" in st for st in b.get("Statement", []))
    ]


def test_documented_trust_policies_keep_branches_out():
    """Issue 14: no role trusts every branch, and the write role trusts only the
    protected environment's tokens, never the read role (which any branch could get)."""
    for doc in ("security.md", "quickstart.md"):
        policies = _trust_policies(doc)
        assert len(policies) >= 2, doc
        writes = []
        for policy in policies:
            for statement in policy["Statement"]:
                assert "AWS" not in statement["Principal"], f"{doc}: a role trusts a role"
                assert statement["Action"] == "sts:AssumeRoleWithWebIdentity", doc
                conditions = statement["Condition"]
                assert "StringLike" not in conditions, f"{doc}: a wildcard `sub`"
                subs = conditions["StringEquals"]["token.actions.githubusercontent.com:sub"]
                subs = subs if isinstance(subs, list) else [subs]
                assert all("*" not in sub for sub in subs), doc
                assert all(sub.startswith("repo:acme/platform:") for sub in subs), doc
                if subs == ["repo:acme/platform:environment:devops-agent"]:
                    writes.append(statement)
        assert writes, f"{doc}: no role trusts only the protected environment"


def test_hand_written_policy_examples_stay_within_what_the_catalog_needs():
    """The docs generate the read and write policies from the catalog; the narrower write
    examples written by hand may only name actions some operation really takes."""
    import json

    from devops_agent import catalog

    write = set(catalog.role_policy("write")["Statement"][0]["Action"])
    read = set(catalog.role_policy("read")["Statement"][0]["Action"])
    root = Path(__file__).resolve().parents[1] / "docs"
    found = 0
    for page in ("security.md", "quickstart.md"):
        text = (root / page).read_text(encoding="utf-8")
        for block in re.findall(r"```json\n(.*?)```", text, re.S):
            policy = json.loads(block)
            for statement in policy.get("Statement", []):
                actions = statement.get("Action", [])
                actions = [actions] if isinstance(actions, str) else actions
                if any(a.startswith("sts:AssumeRole") for a in actions):
                    continue  # a trust policy
                found += 1
                assert set(actions) <= write | read, (page, set(actions) - write - read)
    assert found >= 4  # the generated read and write policies and the hand examples
