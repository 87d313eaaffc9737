"""Every page can be reached from the README, every link lands, and the pages agree.

- Every ``docs/**/*.md`` is linked from ``README.md`` or from ``docs/README.md``
  (which the README links), and so is every example workflow.
- Every relative link in the Markdown files resolves to a file, and a ``#fragment``
  to a heading (GitHub's anchor rules) or an explicit anchor in it.
- The README keeps exactly two set-up commands: the demo and the tests.
- The IAM policies of the quick start are those of ``docs/security.md``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(
    {
        *DOCS.rglob("*.md"),
        *(p for p in (ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "CHANGELOG.md")),
    }
)
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(([^)\s]+)\)")


def _prose(path: Path) -> str:
    """The page without its fenced code blocks."""
    return FENCE.sub("", path.read_text(encoding="utf-8"))


def _links(path: Path) -> list[str]:
    return [t for t in LINK.findall(_prose(path)) if not re.match(r"[a-z]+:", t)]


def _targets(path: Path) -> set[Path]:
    """The files ``path`` links to."""
    found = set()
    for target in _links(path):
        file_part = target.split("#", 1)[0]
        if file_part:
            found.add((path.parent / file_part).resolve())
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"<[^>]+>", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    counts: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", _prose(path), re.M):
        base = slug(heading)
        n = counts.get(base, 0)
        counts[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    found |= set(re.findall(r"<a (?:id|name)=\"([^\"]+)\"", path.read_text(encoding="utf-8")))
    return found


def test_slug_follows_github() -> None:
    assert slug("AWS refused to let this workflow assume the role") == (
        "aws-refused-to-let-this-workflow-assume-the-role"
    )
    assert slug('"`ec2 explode` is not a command"') == "ec2-explode-is-not-a-command"
    assert (
        slug("`GET /user` answers 403 in the debug log") == "get-user-answers-403-in-the-debug-log"
    )


def test_every_doc_page_is_reachable_from_the_readme() -> None:
    readme = (ROOT / "README.md").resolve()
    index = (DOCS / "README.md").resolve()
    assert index in _targets(readme), "README.md must link docs/README.md"
    linked = _targets(readme) | _targets(index)
    missing = [
        p.relative_to(ROOT).as_posix()
        for p in sorted(DOCS.rglob("*.md"))
        if p.resolve() not in linked and p.resolve() != index
    ]
    assert not missing, f"link these from docs/README.md: {missing}"


def test_every_example_workflow_is_linked_from_the_index() -> None:
    linked = _targets(DOCS / "README.md")
    for workflow in sorted((DOCS / "workflows").glob("*.yml")):
        assert workflow.resolve() in linked, f"docs/README.md does not link {workflow.name}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_links_resolve(page: Path) -> None:
    for target in _links(page):
        file_part, _, fragment = target.partition("#")
        path = (page.parent / file_part).resolve() if file_part else page
        assert path.exists(), f"{page.name}: broken link {target}"
        if fragment and path.suffix == ".md":
            assert fragment in anchors(path), f"{page.name}: no heading for #{fragment} in {target}"


def test_readme_keeps_exactly_two_set_up_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    installs = re.findall(r"^.*pip install.*$", text, re.M)
    assert installs == [
        "python3 -m venv .venv && .venv/bin/pip install '.[sandbox]' && .venv/bin/devops-agent demo",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && .venv/bin/pytest",
    ]


def _json_blocks(text: str) -> list[object]:
    return [json.loads(b) for b in re.findall(r"^```json\n(.*?)^```", text, re.M | re.S)]


def test_quickstart_policies_are_those_of_security_md() -> None:
    security = (DOCS / "security.md").read_text(encoding="utf-8")
    roles = security.split("## Roles and trust policies", 1)[1].split("\n## ", 1)[0]
    expected = _json_blocks(roles)
    assert len(expected) >= 4, "security.md lost its trust and permission policies"
    quickstart = _json_blocks((DOCS / "quickstart.md").read_text(encoding="utf-8"))
    for policy in expected:
        assert policy in quickstart, f"quickstart.md lacks this policy of security.md: {policy}"


def test_quickstart_stop_step_matches_its_write_policy() -> None:
    """Step 8 stops an instance with the write role of step 3, whose policy allows only
    instances tagged managed-by=devops-agent: the page tags that very instance with that
    very tag before the stop, and says what an untagged one gets."""
    text = (DOCS / "quickstart.md").read_text(encoding="utf-8")
    policies = _json_blocks(text)
    (write,) = [
        p
        for p in policies
        if isinstance(p, dict)
        and any("ec2:StopInstances" in s.get("Action", []) for s in p.get("Statement", []))
        and any("Condition" in s for s in p.get("Statement", []))  # not the generated ceiling
    ]
    condition = write["Statement"][0]["Condition"]["StringEquals"]
    ((key, value),) = condition.items()
    tag = key.removeprefix("aws:ResourceTag/")
    stopped = re.search(r"^/devops ec2 stop (i-[0-9a-f]+)$", text, re.M)
    assert stopped, "step 8 no longer stops an instance"
    instance = stopped.group(1)
    tagging = re.search(
        rf"aws ec2 create-tags --resources {instance} \\\n\s+--tags Key={tag},Value={value}", text
    )
    assert tagging, f"the quickstart must tag {instance} with {tag}={value} before stopping it"
    assert tagging.start() < stopped.start()
    assert "UnauthorizedOperation" in text and f"`{tag}={value}`" in text
