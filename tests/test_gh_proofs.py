"""GitHub's changes prove themselves (issue 15), against the fake GitHub over HTTP.

GitHub has no IAM side: a GitHub entry adds nothing to a plan's session policy, but it
declares the REST requests its executor sends, is locked while an apply runs, is read
back after it ran, and is undone by a rollback plan, or marked irreversible before
anyone approves it. Here, for every GitHub write:

* what the executor sends (every request but reads, as the fake recorded it) is exactly
  what its ``calls`` declared, method, path and body;
* its read-back answers each state GitHub can be in (before the change, after it, still
  under way);
* its way back, carried out, leaves GitHub as it was read just before the change;
* the real apply path (in process: locks, ledger, read-back, rollback plan) covers a
  toggle with its rollback, a create with its undo, an irreversible delete marked before
  approval, a partial failure resumed without repeating a create, and a held lock.

The audit's re-check step (``audit.recheck``) is here too: its one change is a GitHub
comment, and its read-back is that comment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import PLAN_KEY, REPO
from proof_support import read_back, state_before, way_back
from test_gh_commands import DEPLOY, PAT, Thread, entry, make_thread, person

from devops_agent import catalog, locks, plans, preview, session_policy
from devops_agent.operation import (
    Applying,
    InProgress,
    NotAsPlanned,
    PlanEntry,
    Verified,
    Write,
)
from devops_agent.report import Result, render_body
from devops_agent.signing import SigningKey
from devops_agent_sandbox.github import FakeGitHub

KEY = SigningKey(PLAN_KEY)


@pytest.fixture
def thread(github: FakeGitHub, tmp_path: Path) -> Thread:
    return make_thread(github, tmp_path)


@pytest.fixture
def deploy(github: FakeGitHub) -> dict[str, Any]:
    return github.add_workflow(REPO, path=".github/workflows/deploy.yml", content=DEPLOY)


@dataclass
class GhWriters:
    """The apply side an executor gets, for a GitHub entry: no AWS at all."""

    ctx: Any
    applying: Applying = field(default_factory=lambda: Applying("0" * 12, "alice", "alice"))

    def reader(self) -> Any:
        return self.ctx

    def aws(self) -> Any:
        raise AssertionError("a GitHub entry never asks for the AWS write role")

    @property
    def github(self) -> Any:
        return self.ctx.github

    @property
    def workspace(self) -> Path:
        return Path(self.ctx.env.workspace)


def planned(thread: Thread, command: str) -> PlanEntry:
    result = thread.run(command)
    assert result.status == "planned", render_body(result)
    return PlanEntry.model_validate(entry(result))


def carry(thread: Thread, entries: list[PlanEntry]) -> list[tuple[str, str, dict[str, Any]]]:
    """Carry ``entries`` out as an apply does; the requests that changed something."""
    writers = GhWriters(thread.ctx())
    start = len(thread.github.requests)
    for one in entries:
        catalog.carry_out(one, writers)
    return [
        (r.method, r.path, r.json or {})
        for r in thread.github.requests[start:]
        if r.method not in ("GET", "HEAD")
    ]


def declared(entries: list[PlanEntry]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for one in entries:
        for call in session_policy.calls_of(one) or []:
            method, _, path = call.operation.partition(" ")
            found.append((method, path, call.params))
    return found


# --------------------------------------------------------------------------- what is sent


def _ready_pull(github: FakeGitHub) -> dict[str, Any]:
    pull = github.add_pull(REPO, title="Feature", user="carol", head_ref="feature-x")
    github.add_check_run(REPO, pull["head"]["sha"], "ci")
    return pull


#: For every GitHub write: how to arrange GitHub, and the command whose plan it carries.
SCENARIOS: dict[str, Callable[[Thread, FakeGitHub], str]] = {
    "github.workflow_dispatch": lambda t, g: (
        g.add_workflow(REPO, path=".github/workflows/deploy.yml", content=DEPLOY),
        "workflows run deploy.yml environment=staging",
    )[1],
    "github.workflow_state": lambda t, g: (
        g.add_workflow(REPO, path=".github/workflows/ci.yml", name="CI"),
        "workflows disable ci.yml",
    )[1],
    "github.repo_settings": lambda t, g: (
        setattr(t, "token", PAT),
        "repo settings --wiki off --description Platform --topics infra,ci",
    )[1],
    "github.repo_create": lambda t, g: (
        setattr(t, "token", PAT),
        'repo create tools --description "Shared tools"',
    )[1],
    "github.repo_delete": lambda t, g: (
        setattr(t, "token", PAT),
        g.add_repo("acme/old"),
        "repo delete acme/old",
    )[2],
    "github.collaborator_add": lambda t, g: (
        setattr(t, "token", PAT),
        person(g, "carol"),
        "repo collaborator add carol --permission write",
    )[2],
    "github.collaborator_remove": lambda t, g: (
        setattr(t, "token", PAT),
        g.set_permission(REPO, "carol", "write"),
        "repo collaborator remove carol",
    )[2],
    "github.issue_create": lambda t, g: (
        'issue create Disk full on web-1 --body "Seen at 02:00" --label ops'
    ),
    "github.issue_close": lambda t, g: (
        f"issue close {g.add_issue(REPO, title='Old')['number']} --reason not_planned"
    ),
    "github.issue_reopen": lambda t, g: (
        f"issue reopen {g.add_issue(REPO, title='Closed', state='closed')['number']}"
    ),
    "github.issue_comment": lambda t, g: (
        f"issue comment {g.add_issue(REPO, title='Deploy')['number']} Deployed to staging."
    ),
    "github.pr_merge": lambda t, g: (
        setattr(t, "token", PAT),
        f"pr merge {_ready_pull(g)['number']} --method squash",
    )[1],
    "github.pr_review": lambda t, g: (
        f"pr review {_ready_pull(g)['number']} --request-changes 'Please add a test.'"
    ),
}


def github_writes() -> set[str]:
    return {op.name for op in catalog.writes() if op.service == "github" and op.run is not None}


def test_every_github_write_has_a_scenario_and_declares_no_iam() -> None:
    """The scenarios below reach every GitHub write (the comment delete through the undo
    of a comment); none of them grants anything in a session policy."""
    assert github_writes() == {*SCENARIOS, "github.comment_delete"}
    for name in github_writes():
        op = catalog.lookup(name)
        assert op.actions == () and op.arns == ()
        for example in op.examples:
            one = op.entry(op.args.model_validate(example), "x")
            assert session_policy.build([one], account="123456789012", partition="aws") is None
            assert not catalog.needs_aws(one)
            calls = session_policy.calls_of(one) or []
            assert calls and all(c.service == "github" and not c.grants() for c in calls)
            assert all(r.startswith("github:") for c in calls for r in c.resources)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_executor_sends_exactly_the_declared_requests(
    name: str, thread: Thread, github: FakeGitHub
) -> None:
    one = planned(thread, SCENARIOS[name](thread, github))
    assert one.operation == name
    assert carry(thread, [one]) == declared([one])
    # and what it changed reads back as planned (a queued run and an invitation are ⏳)
    assert isinstance(read_back(thread.ctx(), one), Verified | InProgress)


def test_deleting_the_comment_a_plan_posted_sends_exactly_the_declared_request(
    thread: Thread, github: FakeGitHub
) -> None:
    number = github.add_issue(REPO, title="Deploy")["number"]
    posted = planned(thread, f"issue comment {number} Deployed.")
    carry(thread, [posted])
    (delete,) = way_back(thread.ctx(), posted, None)
    assert delete.operation == "github.comment_delete"
    assert isinstance(read_back(thread.ctx(), delete), NotAsPlanned)
    assert carry(thread, [delete]) == declared([delete])
    assert github.comments(REPO, number) == []
    assert isinstance(read_back(thread.ctx(), delete), Verified)
    assert isinstance(read_back(thread.ctx(), posted), NotAsPlanned)


def test_a_planted_look_alike_of_the_planned_comment_never_reads_back_as_posted(
    thread: Thread, github: FakeGitHub
) -> None:
    """Another workflow posts as the same bot, and the marker is in the plan: a comment it
    plants with the marker but other words is not what the entry posts. The read-back says
    ❌ (so a resumed apply posts the real one), and then reads the real one."""
    number = github.add_issue(REPO, title="Deploy")["number"]
    posted = planned(thread, f"issue comment {number} Deployed to staging.")
    marker = comment_marker(posted)
    for body in (
        f"Rolled back production.\n\n{marker}",
        f"{marker}",
        f"Deployed to staging.{marker}",
    ):
        github.add_comment(REPO, number, body=body, user="github-actions[bot]", user_type="Bot")
        assert isinstance(read_back(thread.ctx(), posted), NotAsPlanned), body
    carry(thread, [posted])
    assert isinstance(read_back(thread.ctx(), posted), Verified)
    assert github.comments(REPO, number)[-1]["body"] == f"Deployed to staging.\n\n{marker}"


def comment_marker(entry: PlanEntry) -> str:
    """The hidden marker a planned comment entry posts."""
    op = catalog.lookup(entry.operation)
    return op.args.model_validate(entry.args).marker()  # type: ignore[attr-defined,no-any-return]


def test_a_comment_delete_never_deletes_someone_elses_comment(
    thread: Thread, github: FakeGitHub
) -> None:
    """The step checks, at apply, that the comment is still devops-agent's and still holds
    the plan's marker: an id that now names another comment is refused."""
    from devops_agent.errors import Refused

    number = github.add_issue(REPO, title="Deploy")["number"]
    theirs = github.add_comment(REPO, number, body="mine, not the bot's", user="carol")
    op = catalog.lookup("github.comment_delete")
    forged = op.entry(
        op.args.model_validate(
            {
                "repository": REPO,
                "number": number,
                "comment_id": theirs["id"],
                "marker": "<!-- devops-agent:comment 0123456789abcdef -->",
            }
        ),
        "x",
    )
    with pytest.raises(Refused, match="not the one the plan posted"):
        carry(thread, [forged])
    assert [c["id"] for c in github.comments(REPO, number)] == [theirs["id"]]
    with pytest.raises(Exception, match="Only the rollback"):
        op.plan(thread.ctx(), op.args.model_validate(forged.args))


# --------------------------------------------------------------------------- read back


def test_a_dispatch_reads_back_only_a_run_it_could_have_started(
    thread: Thread, github: FakeGitHub, deploy: dict[str, Any]
) -> None:
    """❌ before the dispatch, even with older dispatched runs or a run on another branch;
    ⏳ while its run is queued; ✅ once it completed."""
    github.add_run(REPO, deploy["id"], event="workflow_dispatch", head_branch="main")
    one = planned(thread, "workflows run deploy.yml environment=staging")
    github.add_branch(REPO, "other")
    github.add_run(REPO, deploy["id"], event="workflow_dispatch", head_branch="other")
    github.add_run(REPO, deploy["id"], event="push", head_branch="main")
    assert isinstance(read_back(thread.ctx(), one), NotAsPlanned)
    carry(thread, [one])
    found = read_back(thread.ctx(), one)
    run = github.runs(REPO)[-1]
    assert isinstance(found, InProgress) and f"workflows watch {run['id']}" in found.watch
    github.update_run(REPO, run["id"], status="completed", conclusion="success")
    assert read_back(thread.ctx(), one) == Verified(f"run {run['id']} of Deploy on main is success")


def test_adding_a_collaborator_reads_back_an_invitation_as_in_progress(
    thread: Thread, github: FakeGitHub
) -> None:
    thread.token = PAT
    person(github, "dave")
    one = planned(thread, "repo collaborator add dave --permission triage")
    assert isinstance(read_back(thread.ctx(), one), NotAsPlanned)
    carry(thread, [one])
    found = read_back(thread.ctx(), one)
    assert isinstance(found, InProgress) and "accepts" in found.watch
    # accepted: a direct collaborator with that role (the invitation is gone)
    github.set_permission(REPO, "dave", "triage")
    assert isinstance(read_back(thread.ctx(), one), Verified)
    # someone changed it since: not as planned
    github.set_permission(REPO, "dave", "admin")
    assert isinstance(read_back(thread.ctx(), one), NotAsPlanned)


def test_removing_a_collaborator_reads_back_no_access_and_no_invitation(
    thread: Thread, github: FakeGitHub
) -> None:
    thread.token = PAT
    person(github, "erin")
    invite = planned(thread, "repo collaborator add erin --permission read")
    carry(thread, [invite])
    remove = planned(thread, "repo collaborator remove erin")
    assert isinstance(read_back(thread.ctx(), remove), NotAsPlanned)  # the invitation is pending
    carry(thread, [remove])
    assert github.invitations(REPO) == {}
    assert isinstance(read_back(thread.ctx(), remove), Verified)


@pytest.mark.parametrize(
    ("name", "arrange"),
    [
        ("github.issue_create", lambda t, g: "issue create Nobody opened this"),
        ("github.repo_create", lambda t, g: (setattr(t, "token", PAT), "repo create fresh")[1]),
        ("github.repo_settings", lambda t, g: (setattr(t, "token", PAT), "repo settings --wiki off")[1]),
        ("github.pr_review", lambda t, g: f"pr review {_ready_pull(g)['number']} --comment Nice"),
        ("github.pr_merge", lambda t, g: (setattr(t, "token", PAT), f"pr merge {_ready_pull(g)['number']}")[1]),
        ("github.workflow_state", lambda t, g: (g.add_workflow(REPO, name="CI"), "workflows disable deploy.yml")[1]),
        ("github.issue_reopen", lambda t, g: f"issue reopen {g.add_issue(REPO, title='x', state='closed')['number']}"),
        ("github.issue_close", lambda t, g: f"issue close {g.add_issue(REPO, title='x')['number']}"),
        ("github.issue_comment", lambda t, g: f"issue comment {g.add_issue(REPO, title='x')['number']} Hello"),
        ("github.repo_delete", lambda t, g: (setattr(t, "token", PAT), g.add_repo("acme/old"), "repo delete acme/old")[2]),
        ("github.collaborator_remove", lambda t, g: (setattr(t, "token", PAT), g.set_permission(REPO, "carol", "write"), "repo collaborator remove carol")[2]),
    ],
)  # fmt: skip
def test_before_the_change_the_read_back_says_not_as_planned(
    name: str, arrange: Callable[[Thread, FakeGitHub], str], thread: Thread, github: FakeGitHub
) -> None:
    """What a resumed apply asks first: nothing done yet reads ❌, so the entry runs."""
    one = planned(thread, arrange(thread, github))
    assert one.operation == name
    assert isinstance(read_back(thread.ctx(), one), NotAsPlanned)


# --------------------------------------------------------------------------- the way back


def _state(github: FakeGitHub) -> dict[str, Any]:
    """What the reversible changes touch: workflows, settings, people, issues, comments.

    An empty description reads as ``null`` or ``""`` (GitHub shows neither), and an issue's
    ``state_reason`` is GitHub's to set on a reopen: the way back restores the state."""
    repo = github.repo(REPO)
    return {
        "workflows": {w["id"]: w["state"] for w in github.workflows(REPO)},
        "settings": {
            "has_wiki": repo.get("has_wiki"),
            "description": repo.get("description") or "",
            "topics": repo.get("topics"),
        },
        "collaborators": github.collaborators(REPO),
        "invitations": github.invitations(REPO),
        "issues": {i["number"]: i["state"] for i in github.issues(REPO)},
        "comments": sorted(c["id"] for i in github.issues(REPO) for c in github.comments(REPO, i["number"])),
    }  # fmt: skip


REVERSIBLE: dict[str, Callable[[Thread, FakeGitHub], str]] = {
    "workflow disabled": SCENARIOS["github.workflow_state"],
    "workflow enabled": lambda t, g: (
        g.add_workflow(REPO, path=".github/workflows/nightly.yml", name="Nightly", state="disabled_manually"),
        "workflows enable nightly.yml",
    )[1],
    "settings": SCENARIOS["github.repo_settings"],
    "new collaborator": SCENARIOS["github.collaborator_add"],
    "role changed": lambda t, g: (
        setattr(t, "token", PAT),
        person(g, "carol"),
        g.set_permission(REPO, "carol", "read"),
        "repo collaborator add carol --permission maintain",
    )[3],
    "issue closed": SCENARIOS["github.issue_close"],
    "issue reopened": lambda t, g: (
        f"issue reopen {g.add_issue(REPO, title='Wont fix', state='closed')['number']}"
    ),
    "issue opened": SCENARIOS["github.issue_create"],
    "comment": SCENARIOS["github.issue_comment"],
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(REVERSIBLE))
def test_the_way_back_leaves_github_as_it_was_read_before(
    case: str, thread: Thread, github: FakeGitHub
) -> None:
    one = planned(thread, REVERSIBLE[case](thread, github))
    op, args = catalog.validate(one)
    assert not op.warning(args)
    was = _state(github)
    read = state_before(thread.ctx(), one)
    json.dumps(read)  # it goes into the apply's JSON report
    carry(thread, [one])
    assert _state(github) != was
    backs = way_back(thread.ctx(), one, read)
    assert backs and all(b.description.startswith("Roll back") for b in backs)
    sent = carry(thread, backs)
    assert sent == declared(backs)
    now = _state(github)
    if case == "issue opened":  # the REST API deletes no issue: it is closed as not planned
        (number,) = set(now["issues"]) - set(was["issues"])
        assert now["issues"].pop(number) == "closed"
        assert github.issues(REPO)[-1]["state_reason"] == "not_planned"
    assert now == was


def test_a_custom_role_is_not_set_back_by_a_plan(thread: Thread, github: FakeGitHub) -> None:
    from devops_agent.errors import BadInput

    thread.token = PAT
    person(github, "carol")
    github.set_permission(REPO, "carol", "deployer", base_role="write")
    one = planned(thread, "repo collaborator add carol --permission admin")
    read = state_before(thread.ctx(), one)
    assert read == {"role": "deployer", "invited": None}
    with pytest.raises(BadInput, match="custom role 'deployer'"):
        way_back(thread.ctx(), one, read)


def test_creating_a_repository_is_undone_by_an_irreversible_delete(
    thread: Thread, github: FakeGitHub
) -> None:
    """A create's undo deletes what it created, and that delete is itself marked."""
    thread.token = PAT
    one = planned(thread, "repo create scratch")
    carry(thread, [one])
    (back,) = way_back(thread.ctx(), one, None)
    assert back.operation == "github.repo_delete" and back.args == {"repository": "acme/scratch"}
    (warning,) = preview.irreversible([back])
    assert "IRREVERSIBLE" in warning and "cannot bring any of it back" in warning
    carry(thread, [back])
    assert not github.has_repo("acme/scratch")


@pytest.mark.parametrize(
    ("name", "example", "words"),
    [
        ("github.repo_delete", {"repository": "acme/x"}, "deletes its code"),
        ("github.collaborator_remove", {"repository": REPO, "login": "carol"}, "deletes their forks"),
        ("github.pr_merge", {"repository": REPO, "number": 7, "method": "merge", "head_sha": "a" * 40}, "a revert is a new commit"),
        ("github.pr_review", {"repository": REPO, "number": 7, "event": "COMMENT", "body": "x"}, "cannot be deleted"),
        ("github.comment_delete", {"repository": REPO, "number": 7, "comment_id": 1, "marker": "m"}, "cannot be brought back"),
        ("github.workflow_dispatch", {"repository": REPO, "workflow": "Deploy", "ref": "main", "workflow_id": 1, "path": "d.yml"}, "cancelling it later"),
        ("github.repo_settings", {"repository": REPO, "visibility": "public"}, "anyone fork it"),
        ("github.repo_settings", {"repository": REPO, "visibility": "private"}, "stars and watchers"),
    ],
)  # fmt: skip
def test_what_cannot_be_undone_says_why_before_approval(
    name: str, example: dict[str, Any], words: str
) -> None:
    op = catalog.lookup(name)
    one = op.entry(op.args.model_validate(example), "x")
    (line,) = preview.irreversible([one])
    assert line.startswith("**⚠️ IRREVERSIBLE — entry 1 cannot be undone") and words in line


def test_the_rest_is_reversible() -> None:
    irreversible = {
        "github.repo_delete",
        "github.collaborator_remove",
        "github.pr_merge",
        "github.pr_review",
        "github.comment_delete",
        "github.workflow_dispatch",
    }
    for name in github_writes():
        op = catalog.lookup(name)
        warned = {bool(op.warning(op.args.model_validate(e))) for e in op.examples}
        if name in irreversible:
            assert warned == {True}, name
        elif name == "github.repo_settings":  # only a visibility change
            assert warned == {False, True}
        else:
            assert warned == {False} and op.undo is not None, name


# --------------------------------------------------------------------------- the apply path


def post_plan(thread: Thread, entries: list[PlanEntry]) -> plans.Plan:
    """A plan as devops-agent makes it for this thread, posted as the action."""
    from devops_agent.proposals import make_plan

    made = make_plan(thread.ctx(), entries, region="")
    login, kind = thread.own
    thread.github.add_comment(
        REPO, thread.number, body=plans.render_block(made.plan, KEY), user=login, user_type=kind
    )
    return made.plan


def rollback_of(applied: Result, plan_id: str) -> plans.Plan:
    (found,) = plans.find_blocks(applied.plan_block)
    assert found.plan is not None and found.plan.rollback_of == plan_id
    return found.plan


def test_a_toggle_is_verified_and_its_rollback_plan_puts_it_back(
    thread: Thread, github: FakeGitHub, deploy: dict[str, Any]
) -> None:
    result = thread.plan("workflows disable deploy.yml")
    body = render_body(result)
    assert f"github PUT /repos/{REPO}/actions/workflows/{deploy['id']}/disable {{}}" in body
    assert "IRREVERSIBLE" not in body and "Session policy" not in body
    applied = thread.apply(result)
    assert applied.status == "applied", render_body(applied)
    assert "✅ verified: deploy.yml is disabled_manually" in applied.data["results"][0]
    audit = applied.data["audit"]
    assert audit["session_policy"] == "" and audit["entries"][0]["status"] == "verified"
    back = rollback_of(applied, result.data["plan_id"])
    assert back.entries[0].args["enabled"] is True
    thread.post(applied)
    undone = thread.run(f"apply {back.plan_id}")
    assert undone.status == "applied", render_body(undone)
    assert github.workflows(REPO)[0]["state"] == "active"


def test_an_opened_issue_is_verified_and_its_rollback_closes_it(
    thread: Thread, github: FakeGitHub
) -> None:
    result = thread.plan("issue create Rotate the deploy key --label security")
    applied = thread.apply(result)
    assert applied.status == "applied", render_body(applied)
    (opened,) = [i for i in github.issues(REPO) if i["title"] == "Rotate the deploy key"]
    assert "✅ verified" in applied.data["results"][0]
    back = rollback_of(applied, result.data["plan_id"])
    assert back.entries[0].args == {
        "repository": REPO,
        "number": opened["number"],
        "reason": "not_planned",
    }
    thread.post(applied)
    assert thread.run(f"apply {back.plan_id}").status == "applied"
    (closed,) = [i for i in github.issues(REPO) if i["number"] == opened["number"]]
    assert (closed["state"], closed["state_reason"]) == ("closed", "not_planned")


def test_a_repository_delete_is_marked_before_approval_and_leaves_no_rollback(
    thread: Thread, github: FakeGitHub
) -> None:
    thread.token = PAT
    github.add_repo("acme/legacy")
    result = thread.plan("repo delete acme/legacy")
    body = render_body(result)
    assert "IRREVERSIBLE" in result.title
    assert body.index("⚠️ IRREVERSIBLE — entry 1 cannot be undone") < body.index(
        "Nothing has changed yet"
    )
    assert "github DELETE /repos/acme/legacy {}" in body
    applied = thread.apply(result)
    assert applied.status == "applied", render_body(applied)
    assert not github.has_repo("acme/legacy")
    assert "verified: there is no repository acme/legacy any more" in applied.data["results"][0]
    assert "No rollback plan" in applied.text and not applied.plan_block


def test_a_partial_apply_resumes_only_what_is_left_and_never_posts_twice(
    thread: Thread, github: FakeGitHub
) -> None:
    """Entry 2's comment is created but GitHub answers 403: the apply stops there, entry 3
    never runs. Applied again, entry 1 is not repeated, entry 2 is read back (the comment
    is there) and not posted again, and entry 3 runs."""
    first = github.add_issue(REPO, title="First")["number"]
    second = github.add_issue(REPO, title="Second")["number"]
    third = github.add_issue(REPO, title="Third")["number"]
    ops = {name: catalog.lookup(name) for name in ("github.issue_close", "github.issue_comment")}
    close: Write[Any] = ops["github.issue_close"]
    comment: Write[Any] = ops["github.issue_comment"]
    plan = post_plan(
        thread,
        [
            close.entry(close.args(repository=REPO, number=first), "close the first"),
            comment.entry(
                comment.args(repository=REPO, number=second, body="Done.", key="feedc0de"),
                "comment on the second",
            ),
            close.entry(close.args(repository=REPO, number=third), "close the third"),
        ],
    )
    github.fail_next("POST", rf"/issues/{second}/comments$", status=403, apply=True)
    failed = thread.run(f"apply {plan.plan_id}")
    assert failed.status == "failure", render_body(failed)
    assert "entries 1 ran, entries 2, 3 did not finish" in failed.text
    states = {i["number"]: i["state"] for i in github.issues(REPO)}
    assert (states[first], states[third]) == ("closed", "open")
    assert len(github.comments(REPO, second)) == 1  # GitHub made it, and answered 403

    again = thread.run(f"apply {plan.plan_id}")
    assert again.status == "applied", render_body(again)
    results = again.data["results"]
    assert "carried out by an earlier apply" in results[0]
    assert "already so, not repeated" in results[1]
    assert "✅ verified" in results[2]
    assert len(github.comments(REPO, second)) == 1
    assert {i["number"]: i["state"] for i in github.issues(REPO)}[third] == "closed"


def test_a_held_lock_on_the_same_issue_refuses_a_second_apply(
    thread: Thread, github: FakeGitHub
) -> None:
    number = github.add_issue(REPO, title="Contested")["number"]
    result = thread.plan(f"issue close {number}")
    resource = f"github:{REPO}/issues/{number}"
    one = PlanEntry.model_validate(entry(result))
    assert session_policy.lockable([one], account="", partition="aws") == [resource]
    other = plans.new_plan([], repository=REPO, requester="carol")
    held = locks.acquire(
        thread.ctx().github, REPO, other, KEY, [resource], run="9.1", approver="carol"
    )
    refused = thread.apply(result)
    assert refused.status == "refused" and f"plan {other.plan_id}" in refused.title
    assert {i["number"]: i["state"] for i in github.issues(REPO)}[number] == "open"
    locks.release(thread.ctx().github, REPO, held, KEY)
    assert thread.apply(result).status == "applied"


# --------------------------------------------------------------------------- the re-check


def _audit_issue(github: FakeGitHub) -> dict[str, Any]:
    from devops_agent.audit.rechecks import AUDIT_ISSUE_MARKER, AUDIT_LABEL

    return github.add_issue(
        REPO,
        title="devops-agent audit",
        body=f"findings\n\n{AUDIT_ISSUE_MARKER}",
        user="github-actions[bot]",
        user_type="Bot",
        labels=[AUDIT_LABEL],
    )


def _record(github: FakeGitHub, issue: int, resource: str, **changes: Any) -> None:
    from datetime import UTC, datetime

    from devops_agent.audit.models import Recheck
    from devops_agent.audit.rechecks import comment_body

    item = Recheck(
        check_id="ec2_instance_imdsv2_required",
        region="us-east-1",
        resource_id=resource,
        fingerprint="f" * 16,
        resolved=True,
        detail="passes",
        plan_id="0" * 12,
        requester="alice",
        approver="bob",
        applied_at=datetime.now(UTC).replace(microsecond=0),
    ).model_copy(update=changes)
    body = comment_body([item], KEY)
    github.add_comment(REPO, issue, body=body, user="github-actions[bot]", user_type="Bot")


def test_the_recheck_declares_its_comment_and_reads_it_back(
    thread: Thread, github: FakeGitHub
) -> None:
    """Its one change is a GitHub comment (no IAM, no lock); it reads back ✅ without an
    audit issue (nothing to record in), ❌ when the issue lacks its record (or holds only
    an old or unsigned one), ✅ with the record; and it has nothing to undo."""
    from datetime import UTC, datetime, timedelta

    op = catalog.lookup("audit.recheck")
    args = op.args.model_validate(op.examples[0])
    (call,) = op.calls(args)  # type: ignore[misc]
    assert call.service == "github" and not call.grants() and call.resources == ()
    assert re.fullmatch(
        r"POST /repos/\{owner\}/\{repo\}/issues/\{number\}/comments", call.operation
    )
    one = op.entry(args, "x")
    assert session_policy.build([one], account="123456789012", partition="aws") is None
    assert session_policy.lockable([one], account="123456789012", partition="aws") == []
    assert op.undo is not None and op.undo(thread.ctx(), None, args) == []

    resource = args.targets[0].resource
    assert read_back(thread.ctx(), one) == Verified(
        "re-checked; no open audit issue to record it in"
    )
    issue = _audit_issue(github)["number"]
    assert isinstance(read_back(thread.ctx(), one), NotAsPlanned)
    _record(github, issue, resource, applied_at=datetime.now(UTC) - timedelta(days=2))
    assert isinstance(read_back(thread.ctx(), one), NotAsPlanned)  # another apply's, days ago
    github.add_comment(  # a look-alike written by someone else is never read
        REPO, issue, body=github.comments(REPO, issue)[-1]["body"], user="mallory"
    )
    assert isinstance(read_back(thread.ctx(), one), NotAsPlanned)
    _record(github, issue, resource)
    assert read_back(thread.ctx(), one) == Verified(
        f"recorded in #{issue}: 1 of 1 resource resolved"
    )


def test_a_long_comment_is_shown_once_in_full_and_cut_in_the_calls(
    thread: Thread, github: FakeGitHub
) -> None:
    """The calls table cuts a long body (the entry's arguments hold all of it): a plan
    comment has room for a long text only once."""
    number = github.add_issue(REPO, title="Long")["number"]
    text = "word " * 2_000
    result = thread.run(f"issue comment {number} {text}")
    (row,) = result.tables[1].rows
    assert "characters in all" in str(row[1]) and len(str(row[1])) < 600
    assert entry(result)["args"]["body"] == text.strip()
