"""The GitHub operations of the catalog: one declaration behind the command, the agent's
tool and the plan's executor.

For each change: the command's plan entry is exactly what the agent's tool call plans
for the same request (the same preview runs for both), the entry's arguments validate
again from their JSON to the same arguments (as apply does), applying it changes the
fake GitHub, and every state the preview branches on is covered (a workflow active or
disabled, an issue open or closed, a collaborator already there or not, settings
already so or not). Reads are checked through the agent's tools.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from test_gh_commands import DEPLOY, FAILED_LOG, OWNER, PAT, Thread, entry, make_thread, person

from devops_agent import catalog
from devops_agent.operation import PlanEntry, Write
from devops_agent.report import render_body
from devops_agent_sandbox.github import FakeGitHub


@pytest.fixture
def thread(github: FakeGitHub, tmp_path: Path) -> Thread:
    return make_thread(github, tmp_path)


@pytest.fixture
def deploy(github: FakeGitHub) -> dict[str, Any]:
    return github.add_workflow(REPO, path=".github/workflows/deploy.yml", content=DEPLOY)


def tool_plan(
    thread: Thread, tool: str, **arguments: Any
) -> tuple[list[dict[str, Any]], list[str]]:
    """What the agent's tool call would put in a plan, and why it was dropped if it was."""
    from devops_agent.agent.tools import Pending, plan_entries

    pending = [Pending(tool=tool, arguments=json.dumps(arguments), call_id="x")]
    entries, problems = plan_entries(thread.ctx(), pending)
    return [e.model_dump(mode="json") for e in entries], problems


def same_plan(thread: Thread, command: str, tool: str, **arguments: Any) -> dict[str, Any]:
    """The command's one entry, checked equal to the tool's and to its own JSON round trip."""
    planned = thread.run(command)
    assert planned.status == "planned", render_body(planned)
    mine = entry(planned)
    entries, problems = tool_plan(thread, tool, **arguments)
    assert problems == []
    assert entries == [mine]
    op, args = catalog.validate(PlanEntry.model_validate(json.loads(json.dumps(mine))))
    assert args.model_dump(mode="json") == mine["args"]
    assert isinstance(op, Write) and op.tool_name == tool
    return mine


def read_tool(thread: Thread, tool: str, **arguments: Any) -> Any:
    """The agent's read tool answering ``arguments``: its data, or its error."""
    from agents.tool_context import ToolContext

    from devops_agent.agent import tools

    (found,) = [t for t in tools.for_specialist("github") if t.name == tool]
    raw = json.dumps(arguments)
    ctx = ToolContext(context=thread.ctx(), tool_name=tool, tool_call_id="x", tool_arguments=raw)
    answer = json.loads(asyncio.run(found.on_invoke_tool(ctx, raw)))
    return answer.get("data", answer)


# ------------------------------------------------------------------------ the catalog


def github_ops() -> list[Any]:
    return [op for op in catalog.declarations() if op.service == "github"]


def test_every_github_command_is_declared_once() -> None:
    from devops_agent.commands import COMMANDS

    usages = [c.usage for op in github_ops() for c in op.commands]
    assert len(usages) == 30 and len(set(usages)) == 30
    words = {"workflows", "repo", "issue", "pr"}
    legacy = [s.usage for s in COMMANDS if s.path[0] in words and s.op is None]
    assert legacy == []  # nothing of the family is left outside the catalog


def test_every_github_op_names_its_token_permissions() -> None:
    for op in github_ops():
        assert op.github, op.name
        for permission in op.github:
            level = permission.partition(": ")[2]
            assert level in ("read", "write"), permission
    admin = {op.name for op in github_ops() if catalog.needs_elevated_token(op)}
    assert admin == {
        "github.repo_settings",
        "github.repo_create",
        "github.repo_delete",
        "github.collaborator_add",
        "github.collaborator_remove",
    }


def test_the_agent_gets_no_deletion_no_clone_and_no_approval() -> None:
    from devops_agent.agent import tools

    names = {t.name for t in tools.for_specialist("github")}
    assert {"delete_repository", "clone_repository"}.isdisjoint(names)
    for kept in (
        "list_workflows",
        "list_workflow_runs",
        "get_workflow_run",
        "diagnose_workflow_run",
        "watch_workflow_run",
        "list_pull_requests",
        "list_issues",
        "run_workflow",
        "search_repository",
    ):
        assert kept in names
    refused = dict(tools.refusals("github"))
    assert "cannot be undone" in refused["repo delete OWNER/NAME"]
    assert "outside a plan" in refused["repo clone [REPO] [--depth N] [--ref REF]"]
    (review,) = [t for t in tools.for_specialist("github") if t.name == "review_pull_request"]
    fields = set(review.params_json_schema["properties"])
    assert fields == {"repository", "number", "comment", "request_changes", "approve"}
    assert "never approves" in review.params_json_schema["properties"]["approve"]["description"]
    (issue,) = [t for t in tools.for_specialist("github") if t.name == "create_issue"]
    assert set(issue.params_json_schema["required"]) == {"repository", "title", "body", "labels"}
    assert "title" not in issue.params_json_schema["properties"]["title"]  # only the field
    (watch,) = [t for t in tools.for_specialist("github") if t.name == "watch_workflow_run"]
    assert watch.timeout_seconds == 330


# ------------------------------------------------------------------------- workflows


def test_a_workflow_run_plans_the_same_from_the_command_and_the_tool(
    thread: Thread, github: FakeGitHub, deploy: dict
) -> None:
    mine = same_plan(
        thread,
        "workflows run deploy.yml environment=production dry_run=TRUE",
        "run_workflow",
        workflow="deploy.yml",
        ref=None,
        inputs=[
            {"name": "environment", "value": "production"},
            {"name": "DRY_RUN", "value": "TRUE"},
        ],
        repository=None,
    )
    assert mine["args"]["inputs"] == {"environment": "production", "dry_run": "true"}
    assert mine["args"]["workflow_id"] == deploy["id"] and mine["args"]["ref"] == "main"


@pytest.mark.parametrize(
    ("state", "verb", "planned"),
    [
        ("active", "disable", True),
        ("active", "enable", False),
        ("disabled_manually", "enable", True),
        ("disabled_manually", "disable", False),
        ("disabled_inactivity", "enable", True),
    ],
)
def test_enabling_and_disabling_follow_the_workflows_state(
    thread: Thread, github: FakeGitHub, state: str, verb: str, planned: bool
) -> None:
    wf = github.add_workflow(REPO, path=".github/workflows/nightly.yml", name="N", state=state)
    result = thread.run(f"workflows {verb} nightly.yml")
    entries, problems = tool_plan(
        thread, "set_workflow_state", workflow="N", enabled=verb == "enable", repository=None
    )
    if not planned:
        assert result.status == "success" and f"is already {state}" in result.title
        assert entries == [] and "nothing to change" in problems[0]
        return
    assert entries == [entry(result)]
    assert entry(result)["args"] == {
        "repository": REPO,
        "workflow": "N",
        "enabled": verb == "enable",
        "workflow_id": wf["id"],
    }
    thread.post(result)
    assert thread.apply(result).status == "applied"
    after = next(w for w in github.workflows(REPO) if w["id"] == wf["id"])
    assert (after["state"] == "active") == (verb == "enable")


def test_a_disabled_workflow_cannot_be_run_by_the_agent_either(
    thread: Thread, github: FakeGitHub
) -> None:
    github.add_workflow(REPO, content=DEPLOY, state="disabled_manually")
    entries, problems = tool_plan(
        thread, "run_workflow", workflow="Deploy", ref=None, inputs=None, repository=None
    )
    assert entries == [] and "a disabled workflow cannot run" in problems[0]


def test_the_agents_run_reads(thread: Thread, github: FakeGitHub, deploy: dict) -> None:
    ok = github.add_run(REPO, deploy["id"])
    bad = github.add_run(REPO, deploy["id"], conclusion="failure")
    github.add_job(
        REPO,
        bad["id"],
        name="test",
        conclusion="failure",
        steps=[("Run", "failure")],
        log=FAILED_LOG,
    )
    listed = read_tool(thread, "list_workflows", repository=None)
    assert [w["path"] for w in listed] == [".github/workflows/deploy.yml"]
    runs = read_tool(
        thread, "list_workflow_runs", workflow="deploy.yml", branch=None, limit=1, repository=None
    )
    assert [r["id"] for r in runs] == [bad["id"]]
    too_many = read_tool(
        thread, "list_workflow_runs", workflow=None, branch=None, limit=31, repository=None
    )
    assert too_many["error"]["code"] == "InvalidArguments"
    one = read_tool(thread, "get_workflow_run", run_id=bad["id"], repository=None)
    assert one["run"]["conclusion"] == "failure" and one["jobs"][0]["name"] == "test"
    newest = read_tool(
        thread, "diagnose_workflow_run", run_id=None, workflow="deploy.yml", repository=None
    )
    assert newest["run"]["id"] == bad["id"] and "assert 500 == 201" in newest["summary"]
    watched = read_tool(
        thread, "watch_workflow_run", run_id=ok["id"], timeout_seconds=5, repository=None
    )
    assert watched["finished"] and watched["polls"] == 1
    shown = read_tool(thread, "show_workflow", workflow="deploy", ref=None, repository=None)
    assert shown["dispatchable"] and shown["inputs"][0]["name"] == "environment"


def test_without_a_failed_run_the_diagnosis_says_so(
    thread: Thread, github: FakeGitHub, deploy: dict
) -> None:
    github.add_run(REPO, deploy["id"])
    found = read_tool(thread, "diagnose_workflow_run", run_id=None, workflow=None, repository=None)
    assert found == {"summary": "No failed run among the newest 30.", "runs": []}
    assert thread.run("workflows why").title == "No failed run among the newest 30."


# ------------------------------------------------------------------------ repositories


def test_a_repository_is_named_by_its_word_or_by_repo(thread: Thread, github: FakeGitHub) -> None:
    github.add_repo("acme/tools")
    for command in (
        "repo show acme/tools",
        "repo show --repo acme/tools",
        "repo settings acme/tools",
    ):
        assert thread.run(command).data["settings"]["full_name"] == "acme/tools", command
    bad = thread.run("repo settings --wiki maybe")
    assert bad.exit_code == 2 and "'maybe' is not valid for --wiki" in bad.title


def test_settings_plan_only_what_differs_and_nothing_when_all_is_so(
    thread: Thread, github: FakeGitHub
) -> None:
    thread.token = PAT
    mine = same_plan(
        thread,
        "repo settings --wiki off --issues on --topics Infra,ci --visibility PRIVATE",
        "change_repository_settings",
        repository=None,
        description=None,
        homepage=None,
        default_branch=None,
        visibility="private",
        merge_commit=None,
        squash_merge=None,
        rebase_merge=None,
        auto_merge=None,
        delete_branch_on_merge=None,
        issues="on",  # already on: left out of the plan
        wiki="disable",
        projects=None,
        topics=["infra", "ci"],
    )
    args = mine["args"]
    assert (args["wiki"], args["issues"], args["visibility"]) == ("off", None, "private")
    assert args["topics"] == ["infra", "ci"]
    assert "has_wiki: True → False" in mine["description"]
    planned = thread.run(
        "repo settings --wiki off --issues on --topics Infra,ci --visibility PRIVATE"
    )
    thread.post(planned)
    assert thread.apply(planned).status == "applied"
    data = github.repo(REPO)
    assert (data["has_wiki"], data["private"], data["topics"]) == (False, True, ["infra", "ci"])
    again = thread.run("repo settings --wiki off --topics infra,ci")
    assert again.status == "success" and "nothing to change" in again.title
    entries, problems = tool_plan(thread, "change_repository_settings", wiki="off")
    assert entries == [] and "nothing to change" in problems[0]


def test_create_and_delete_a_repository(thread: Thread, github: FakeGitHub) -> None:
    thread.token = PAT
    mine = same_plan(
        thread,
        'repo create tools --description "Shared tools <!-- hidden -->"',
        "create_repository",
        name="acme/tools",
        public=False,
        description="Shared tools <!-- hidden -->",
    )
    assert mine["args"] == {
        "name": "tools",
        "private": True,
        "description": "Shared tools",
        "owner": OWNER,
        "organization": False,
    }
    assert entry(thread.run("repo create acme/pub --public"))["args"]["private"] is False
    assert thread.run("repo create x --private").exit_code == 2  # private is the default
    planned = thread.run("repo create tools")
    thread.post(planned)
    assert thread.apply(planned).status == "applied" and github.has_repo("acme/tools")
    entries, problems = tool_plan(thread, "create_repository", name="tools", public=True)
    assert entries == [] and "acme/tools already exists" in problems[0]
    # the agent may never delete: there is no such tool, only the command
    entries, problems = tool_plan(thread, "delete_repository", repository="acme/tools")
    assert entries == [] and "not a change devops-agent can plan" in problems[0]
    planned = thread.run("repo delete acme/tools")
    assert entry(planned)["args"] == {"repository": "acme/tools"}
    thread.post(planned)
    assert thread.apply(planned).status == "applied" and not github.has_repo("acme/tools")


@pytest.mark.parametrize(
    ("role", "asked", "outcome"),
    [
        (None, "write", "Give @carol write access"),
        ("write", "write", "already has write"),
        ("read", "maintain", "from read to maintain"),
        ("triage", "pull", "from triage to read"),
    ],
)
def test_adding_a_collaborator_follows_their_role(
    thread: Thread, github: FakeGitHub, role: str | None, asked: str, outcome: str
) -> None:
    thread.token = PAT
    person(github, "carol")
    if role:
        github.set_permission(REPO, "carol", role)
    result = thread.run(f"repo collaborator add carol --permission {asked}")
    entries, problems = tool_plan(
        thread, "add_collaborator", login="@carol", permission=asked.upper(), repository=None
    )
    if "already" in outcome:
        assert result.status == "success" and outcome in result.title
        assert entries == [] and "nothing to change" in problems[0]
        return
    assert entries == [entry(result)] and outcome in entry(result)["description"]
    thread.post(result)
    applied = thread.apply(result)
    assert applied.status == "applied"
    wanted = {"pull": "read"}.get(asked, asked)
    if role:
        assert github.collaborators(REPO)["carol"] == wanted
    else:
        assert github.invitations(REPO) == {"carol": wanted}


def test_a_collaborator_must_be_a_person_other_than_the_owner(
    thread: Thread, github: FakeGitHub
) -> None:
    github.add_repo("octo-org/api", owner_type="Organization")
    for command, message in (
        ("repo collaborator add nobody-here", "no GitHub user or organization 'nobody-here'"),
        ("repo collaborator add octo-org", "is an organization, not a person"),
        (f"repo collaborator add {OWNER} --permission admin", "owns acme/platform"),
        (f"repo collaborator remove {OWNER}", "an owner cannot be removed"),
    ):
        result = thread.run(command)
        assert result.exit_code == 2 and message in result.title, command


def test_removing_a_collaborator(thread: Thread, github: FakeGitHub) -> None:
    thread.token = PAT
    github.set_permission(REPO, "carol", "write")
    mine = same_plan(
        thread,
        "repo collaborator remove @carol",
        "remove_collaborator",
        login="carol",
        repository=None,
    )
    assert mine["description"] == "Remove @carol's access to acme/platform (write)"
    assert (
        "cancels any invitation"
        in entry(thread.run("repo collaborator remove dave"))["description"]
    )
    planned = thread.run("repo collaborator remove carol")
    thread.post(planned)
    assert thread.apply(planned).status == "applied" and "carol" not in github.collaborators(REPO)


# ------------------------------------------------------------------ issues and PRs


def test_an_issue_plans_the_same_from_the_command_and_the_tool(
    thread: Thread, github: FakeGitHub
) -> None:
    mine = same_plan(
        thread,
        'issue create Disk full on web-1 --body "Seen <!-- x --> at 02:00" --label ops,infra',
        "create_issue",
        title="Disk full on web-1",
        body="Seen <!-- x --> at 02:00",
        labels=["ops", " infra "],
        repository=None,
    )
    assert mine["args"] == {
        "repository": REPO,
        "title": "Disk full on web-1",
        "body": "Seen  at 02:00",
        "labels": ["ops", "infra"],
    }
    assert thread.run("issue create").exit_code == 2


def test_no_issue_is_planned_where_issues_are_off(thread: Thread, github: FakeGitHub) -> None:
    from devops_agent.gh import connect
    from devops_agent.gh.common import api

    api(connect(PAT, github.url), "PATCH", f"/repos/{REPO}", body={"has_issues": False})
    result = thread.run("issue create Disk full")
    assert result.exit_code == 2 and "has issues turned off" in result.title


@pytest.mark.parametrize("state", ["open", "closed"])
def test_closing_follows_the_issues_state(thread: Thread, github: FakeGitHub, state: str) -> None:
    issue = github.add_issue(REPO, title="Old", state=state)
    number = issue["number"]
    result = thread.run(f"issue close {number} --reason not-planned")
    entries, problems = tool_plan(
        thread, "close_issue", number=number, reason="not_planned", repository=None
    )
    if state == "closed":
        assert result.status == "success" and "already closed" in result.title
        assert entries == [] and "nothing to change" in problems[0]
        return
    assert entries == [entry(result)]
    assert entry(result)["args"] == {"repository": REPO, "number": number, "reason": "not_planned"}
    thread.post(result)
    assert thread.apply(result).status == "applied"
    assert github.issues(REPO)[-1]["state"] == "closed"


def test_pr_close_and_comment_are_the_issue_operations(thread: Thread, github: FakeGitHub) -> None:
    pull = github.add_pull(REPO, title="Feature", user="carol", head_ref="feature-x")
    closed = entry(thread.run(f"pr close #{pull['number']}"))
    assert closed["operation"] == "github.issue_close"
    assert closed["description"].startswith(f"Close pull request #{pull['number']}")
    mine = same_plan(
        thread,
        f'pr comment {pull["number"]} "Superseded by #60."',
        "comment_on_issue",
        number=pull["number"],
        body="Superseded by #60.",
        repository=None,
    )
    assert mine["operation"] == "github.issue_comment" and len(mine["args"]["key"]) == 16
    planned = thread.run(f'pr comment {pull["number"]} "Superseded by #60."')
    thread.post(planned)
    assert thread.apply(planned).status == "applied"
    posted = github.comments(REPO, pull["number"])[-1]["body"]
    assert posted.startswith("Superseded by #60.") and mine["args"]["key"] in posted


def test_a_merge_plans_the_same_from_the_command_and_the_tool(
    thread: Thread, github: FakeGitHub
) -> None:
    pull = github.add_pull(REPO, title="Feature", user="carol", head_ref="feature-x")
    github.add_check_run(REPO, pull["head"]["sha"], "ci")
    mine = same_plan(
        thread,
        f"pr merge {pull['number']} --method REBASE",
        "merge_pull_request",
        number=pull["number"],
        method="rebase",
        repository=None,
    )
    assert mine["args"]["head_sha"] == pull["head"]["sha"]
    github.set_mergeable(REPO, pull["number"], False)
    entries, problems = tool_plan(thread, "merge_pull_request", number=pull["number"])
    assert entries == [] and "does not merge cleanly" in problems[0]


def test_a_review_never_approves_whoever_asks(thread: Thread, github: FakeGitHub) -> None:
    pull = github.add_pull(REPO, title="Feature", user="carol", head_ref="feature-x")
    number = pull["number"]
    mine = same_plan(
        thread,
        f'pr review {number} --comment "Looks risky."',
        "review_pull_request",
        number=number,
        comment="Looks risky.",
        request_changes=None,
        repository=None,
    )
    assert mine["args"] == {
        "repository": REPO,
        "number": number,
        "event": "COMMENT",
        "body": "Looks risky.",
    }
    for arguments in (
        {"number": number, "comment": "ok", "approve": True},
        {"number": number, "event": "APPROVE", "body": "LGTM"},
    ):
        entries, problems = tool_plan(thread, "review_pull_request", **arguments)
        assert entries == [] and "never approves" in problems[0]
    both = thread.run(f"pr review {number} --comment a --request-changes b")
    assert both.exit_code == 2 and "exactly one" in both.title
    github.add_pull(REPO, title="Old", state="closed")
    closed = thread.run(f"pr review {number + 1} --comment late")
    assert closed.exit_code == 2 and "cannot be reviewed" in closed.title
