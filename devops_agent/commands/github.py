"""GitHub commands: repositories, issues and pull requests, workflows.

Reads answer at once. Changes (trigger a workflow, enable or disable one, create,
delete or change a repository, add or remove a collaborator, open, close or comment
on an issue, merge or review a pull request) are validated here and become plans
(CONTRACT.md §6), carried out by ``apply`` through :mod:`devops_agent.gh.operations`.
Every command takes ``--repo OWNER/NAME``; the run's own repository is the default.

Text that GitHub users wrote (titles, job names, log lines) is untrusted: it goes into
tables (escaped by the renderer) or fenced blocks with backticks neutralised, never
into Markdown as is.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from devops_agent.commands.language import Handler, Invocation, Spec, dump, plural, when
from devops_agent.errors import BadInput, Refused, ServiceError
from devops_agent.report import Result, Table
from devops_agent.sanitize import clean_untrusted

if TYPE_CHECKING:
    from github import Github

    from devops_agent.context import DevOpsContext
    from devops_agent.gh.workflows import Diagnosis
    from devops_agent.plans import PlanEntry

REPO = frozenset({"--repo"})
#: Characters of a workflow file ``workflows show`` prints at most.
SHOW_LIMIT = 20_000
_ON = {"on": True, "true": True, "yes": True, "off": False, "false": False, "no": False}


# ----------------------------------------------------------------------- helpers


def _gh(ctx: DevOpsContext) -> Github:
    from devops_agent.gh.common import require_github

    return require_github(ctx.github)


def _repository(ctx: DevOpsContext, inv: Invocation, given: str | None = None) -> str:
    from devops_agent.gh.common import check_repository

    name = given or inv.option("--repo") or ctx.repository
    if not name:
        raise BadInput(
            "No repository to work on.",
            remedy="Name one with `--repo OWNER/NAME` (or set GITHUB_REPOSITORY).",
        )
    return check_repository(name)


def _number(text: str) -> int:
    value = text.removeprefix("#")
    if not value.isdigit() or int(value) < 1:
        raise BadInput(f"'{text}' is not an issue or pull request number.")
    return int(value)


def _run_id(text: str) -> int:
    if not text.isdigit():
        raise BadInput(
            f"'{text}' is not a run id.", remedy="`workflows status` lists runs with their ids."
        )
    return int(text)


def _fenced(lines: list[str], lang: str = "text") -> str:
    """Untrusted lines in a code block that nothing inside can close."""
    body = "\n".join(clean_untrusted(line).replace("`", "'") for line in lines)
    return f"```{lang}\n{body}\n```"


def _code(text: str, limit: int = 100) -> str:
    """Untrusted text (a name, a title) as inline code: shown, never rendered."""
    cleaned = " ".join(clean_untrusted(text).split())[:limit].replace("`", "'")
    return f"`{cleaned}`" if cleaned else "``"


def _failed(conclusion: str | None) -> str:
    return "failed" if conclusion == "failure" else (conclusion or "").replace("_", " ")


def _user_text(text: str, what: str, limit: int = 60_000) -> str:
    """Text a person asked us to post: hidden parts removed, bounded, not empty."""
    cleaned = clean_untrusted(text).strip()
    if not cleaned:
        raise BadInput(f"The {what} is empty.")
    if len(cleaned) > limit:
        raise BadInput(f"The {what} is longer than {limit:,} characters.")
    return cleaned


def _propose(ctx: DevOpsContext, entries: list[PlanEntry], what: str) -> Result:
    from devops_agent.apply import propose

    return propose(ctx, entries, region="", what=what)


def _entry(
    operation: str, args: dict[str, Any], description: str, resources: list[str]
) -> PlanEntry:
    from devops_agent.plans import PlanEntry

    return PlanEntry(
        operation=operation,
        args=args,
        description=clean_untrusted(description),
        resources=resources,
    )


def _switch(inv: Invocation, name: str) -> bool | None:
    raw = inv.option(name)
    if not raw:
        return None
    value = _ON.get(raw.lower())
    if value is None:
        raise BadInput(f"{name} takes on or off, not '{raw}'.")
    return value


# --------------------------------------------------------------------- workflows


def _workflows_list(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh import workflows

    gh, repository = _gh(ctx), _repository(ctx, inv)
    found = workflows.list_workflows(gh, repository)
    latest: dict[int, workflows.RunInfo] = {}
    if found:
        for run in workflows.list_runs(gh, repository, limit=50):
            latest.setdefault(run.workflow_id, run)
    rows = []
    for wf in found:
        last_run = latest.get(wf.id)
        last = (
            f"#{last_run.run_number} {last_run.conclusion or last_run.status} "
            f"({when(last_run.created_at)})"
            if last_run
            else ""
        )
        rows.append([wf.name, wf.file, wf.state, last, wf.id])
    return Result(
        title=f"{plural(len(found), 'workflow')} in {repository}",
        tables=[
            Table(
                columns=["Workflow", "File", "State", "Last run", "Id"],
                rows=rows,
                empty="This repository has no workflows.",
            )
        ],
        data={"repository": repository, "workflows": dump(found)},
    )


def _workflows_show(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh import workflows

    gh, repository = _gh(ctx), _repository(ctx, inv)
    wf = workflows.find_workflow(gh, repository, inv.args[0])
    ref = inv.option("--ref") or None
    text = workflows.workflow_file(gh, repository, wf.path, ref)
    try:
        specs = workflows.declared_inputs(text)
    except BadInput:
        specs = None
    shown = text if len(text) <= SHOW_LIMIT else text[:SHOW_LIMIT] + "\n# …cut"
    dispatchable = (
        "It can be run with `workflows run`."
        if specs is not None
        else "It has no `workflow_dispatch` trigger."
    )
    rows = [
        [s.name, s.type, "yes" if s.required else "", s.default or "", "|".join(s.options)]
        for s in (specs or {}).values()
    ]
    tables = []
    if specs:
        tables.append(
            Table(
                title="Dispatch inputs",
                columns=["Input", "Type", "Required", "Default", "Options"],
                rows=rows,
            )
        )
    return Result(
        title=f"Workflow {_code(wf.name)} ({wf.file}): {wf.state}",
        text=f"{dispatchable}\n\n{_fenced(shown.splitlines(), 'yaml')}",
        tables=tables,
        data={
            "workflow": wf.model_dump(mode="json"),
            "ref": ref,
            "inputs": [s.model_dump(mode="json") for s in (specs or {}).values()],
            "dispatchable": specs is not None,
        },
    )


def _workflows_run(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh.operations import workflow_dispatch_entry

    gh, repository = _gh(ctx), _repository(ctx, inv)
    entry = workflow_dispatch_entry(
        gh, repository, inv.args[0], inv.option("--ref") or None, dict(inv.pairs)
    )
    ref, path = entry.args["ref"], entry.args["path"]
    return _propose(ctx, [entry], f"run {path.rsplit('/', 1)[-1]} on {ref}")


def _workflow_state(enabled: bool) -> Handler:
    verb = "enable" if enabled else "disable"

    def plan(ctx: DevOpsContext, inv: Invocation) -> Result:
        from devops_agent.gh import workflows

        gh, repository = _gh(ctx), _repository(ctx, inv)
        wf = workflows.find_workflow(gh, repository, inv.args[0])
        if (wf.state == "active") == enabled:
            return Result(
                title=f"{wf.file} is already {wf.state}; nothing to {verb}",
                data={"workflow": wf.model_dump(mode="json")},
            )
        entry = _entry(
            "github.workflow_state",
            {
                "repository": repository,
                "workflow_id": wf.id,
                "workflow": wf.name,
                "enabled": enabled,
            },
            f"{verb.capitalize()} workflow {wf.name} ({wf.file})",
            [f"{repository}/{wf.path}"],
        )
        return _propose(ctx, [entry], f"{verb} {wf.file}")

    return plan


def _run_rows(runs: list[Any]) -> list[list[Any]]:
    return [
        [
            r.id,
            r.name,
            r.run_number,
            r.event,
            r.head_branch or "",
            r.status,
            r.conclusion or "",
            r.actor,
            when(r.created_at),
        ]
        for r in runs
    ]


_RUN_COLUMNS = [
    "Run",
    "Workflow",
    "#",
    "Event",
    "Branch",
    "Status",
    "Conclusion",
    "Actor",
    "Created",
]


def _diagnosis_parts(diagnosis: Diagnosis) -> tuple[str, list[Table]]:
    """Markdown for a diagnosis: the jobs in a table, each job's log lines fenced."""
    rows = []
    blocks = []
    for item in diagnosis.jobs:
        job = item.job
        steps = "; ".join(f"{s.number}. {s.name}" for s in item.failed_steps) or "-"
        link = job.step_url(item.failed_steps[0]) if item.failed_steps else job.html_url
        rows.append([job.name, job.conclusion or job.status, steps, link])
        header = [f"# job: {job.name}" + (f" / step: {steps}" if item.failed_steps else "")]
        if item.lines:
            blocks.append(_fenced(header + item.lines))
        elif item.note:
            blocks.append(_fenced([*header, f"# {item.note}"]))
    if diagnosis.jobs:
        first = diagnosis.jobs[0]
        step = first.failed_steps[0] if first.failed_steps else None
        text = f"**Diagnosis:** job {_code(first.job.name)} {_failed(first.job.conclusion)}"
        if step is not None:
            text += f" at step {step.number} {_code(step.name)}"
        text += "." if len(diagnosis.jobs) == 1 else f"; {len(diagnosis.jobs)} jobs failed."
        if not any(item.lines for item in diagnosis.jobs):
            text += " No log line says why; open the job to read its log."
    else:
        run = diagnosis.run
        text = f"**Diagnosis:** run {run.id} is {run.conclusion or run.status}; no job failed."
    if blocks:
        text += "\n\n" + "\n\n".join(blocks)
    if diagnosis.more_jobs:
        text += f"\n\n{plural(diagnosis.more_jobs, 'more failed job')} not analysed."
    tables = []
    if rows:
        tables.append(
            Table(
                title="Failed jobs", columns=["Job", "Conclusion", "Failed step", "Link"], rows=rows
            )
        )
    return text, tables


def _workflows_status(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh import workflows

    gh, repository = _gh(ctx), _repository(ctx, inv)
    if not inv.args:
        workflow = inv.option("--workflow")
        wf = workflows.find_workflow(gh, repository, workflow) if workflow else None
        runs = workflows.list_runs(gh, repository, workflow_id=wf.id if wf else None, limit=10)
        scope = f"{wf.file}" if wf else repository
        return Result(
            title=f"Latest {plural(len(runs), 'workflow run')} of {scope}",
            tables=[Table(columns=_RUN_COLUMNS, rows=_run_rows(runs), empty="No runs yet.")],
            data={"repository": repository, "runs": dump(runs)},
        )
    run_id = _run_id(inv.args[0])
    run = workflows.get_run(gh, repository, run_id)
    jobs = workflows.run_jobs(gh, repository, run_id)
    rows = [
        [
            j.name,
            j.status,
            j.conclusion or "",
            "; ".join(f"{s.number}. {s.name}" for s in j.failed_steps),
            j.html_url,
        ]
        for j in jobs
    ]
    tables = [
        Table(
            title="Jobs",
            columns=["Job", "Status", "Conclusion", "Failed steps", "Link"],
            rows=rows,
            empty="No jobs yet.",
        )
    ]
    where = _code(run.head_branch or run.head_sha[:7])
    text = f"Run {run.id} of {_code(run.name)} on {where}: {run.html_url}"
    data: dict[str, Any] = {"run": run.model_dump(mode="json"), "jobs": dump(jobs)}
    if run.conclusion in workflows.FAILED:
        diagnosis = workflows.diagnose(gh, repository, run_id, run=run)
        more, _ = _diagnosis_parts(diagnosis)
        text += "\n\n" + more
        data["diagnosis"] = diagnosis.model_dump(mode="json")
    state = run.conclusion or run.status.replace("_", " ")
    return Result(
        title=f"Run {run.id} (#{run.run_number}): {state}", text=text, tables=tables, data=data
    )


def _workflows_why(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh import workflows

    gh, repository = _gh(ctx), _repository(ctx, inv)
    diagnosis = workflows.diagnose(gh, repository, _run_id(inv.args[0]))
    text, tables = _diagnosis_parts(diagnosis)
    run = diagnosis.run
    return Result(
        title=f"Why run {run.id} (#{run.run_number}) {_failed(run.conclusion) or run.status}",
        text=f"{text}\n\nRun: {run.html_url}",
        tables=tables,
        data={"diagnosis": diagnosis.model_dump(mode="json")},
    )


def _workflows_watch(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh import workflows

    gh, repository = _gh(ctx), _repository(ctx, inv)
    run_id = _run_id(inv.args[0])
    most = max(ctx.settings.timeout_seconds - 30, 1)
    raw = inv.option("--timeout", str(min(300, most)))
    try:
        timeout = float(raw)
    except ValueError:
        raise BadInput(f"--timeout takes seconds, not '{raw}'.") from None
    if timeout <= 0:
        raise BadInput("--timeout must be more than 0 seconds.")
    timeout = min(timeout, most)
    watched = workflows.watch_run(gh, repository, run_id, timeout=timeout)
    run = watched.run
    data: dict[str, Any] = {"watch": watched.model_dump(mode="json")}
    text = f"Watched for {watched.waited:.0f} s ({plural(watched.polls, 'poll')}): {run.html_url}"
    if not watched.finished:
        return Result(
            status="failure",
            exit_code=1,
            title=f"Run {run.id} is still {run.status.replace('_', ' ')} after {timeout:.0f} s",
            text=text + "\n\nWatch it again, or raise `--timeout`.",
            data=data,
        )
    if run.conclusion in workflows.FAILED:
        diagnosis = workflows.diagnose(gh, repository, run_id, run=run)
        more, tables = _diagnosis_parts(diagnosis)
        data["diagnosis"] = diagnosis.model_dump(mode="json")
        return Result(
            status="failure",
            exit_code=1,
            title=f"Run {run.id} (#{run.run_number}) finished: {run.conclusion}",
            text=f"{text}\n\n{more}",
            tables=tables,
            data=data,
        )
    ok = run.conclusion in ("success", "skipped", "neutral")
    return Result(
        status="success" if ok else "failure",
        exit_code=0 if ok else 1,
        title=f"Run {run.id} (#{run.run_number}) finished: {run.conclusion}",
        text=text,
        data=data,
    )


# ------------------------------------------------------------------ repositories


def _repo_list(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh import repos

    gh = _gh(ctx)
    owner = inv.args[0] if inv.args else (ctx.repository.split("/")[0] if ctx.repository else None)
    found = repos.list_repos(gh, owner)
    rows = [
        [
            r.full_name,
            r.visibility,
            r.default_branch,
            "yes" if r.archived else "",
            when(r.pushed_at),
        ]
        for r in found
    ]
    return Result(
        title=f"{plural(len(found), 'repository')}".replace("repositorys", "repositories")
        + (f" of {owner}" if owner else ""),
        tables=[
            Table(
                columns=["Repository", "Visibility", "Default branch", "Archived", "Pushed"],
                rows=rows,
                empty="No repositories.",
            )
        ],
        data={"owner": owner, "repositories": dump(found)},
    )


def _settings_tables(settings: Any) -> list[Table]:
    rows = [
        ["Description", settings.description or ""],
        ["Homepage", settings.homepage or ""],
        ["Visibility", settings.visibility],
        ["Default branch", settings.default_branch],
        ["Topics", ", ".join(settings.topics)],
        ["Merge commits", "on" if settings.allow_merge_commit else "off"],
        ["Squash merging", "on" if settings.allow_squash_merge else "off"],
        ["Rebase merging", "on" if settings.allow_rebase_merge else "off"],
        ["Auto-merge", "on" if settings.allow_auto_merge else "off"],
        ["Delete branch on merge", "on" if settings.delete_branch_on_merge else "off"],
        ["Issues", "on" if settings.has_issues else "off"],
        ["Wiki", "on" if settings.has_wiki else "off"],
        ["Projects", "on" if settings.has_projects else "off"],
        ["Archived", "yes" if settings.archived else "no"],
    ]
    tables = [Table(title="Settings", columns=["Setting", "Value"], rows=rows)]
    p = settings.protection
    if p is not None:
        if not p.readable:
            prow = [["Protection", "not readable with this token (needs Administration: read)"]]
        elif not p.protected:
            prow = [["Protection", "none"]]
        else:
            prow = [
                ["Required approvals", p.required_approvals],
                ["Dismiss stale reviews", "yes" if p.dismiss_stale_reviews else "no"],
                ["Code owner reviews", "yes" if p.require_code_owner_reviews else "no"],
                ["Required checks", ", ".join(p.required_checks) or "none"],
                ["Enforced for admins", "yes" if p.enforce_admins else "no"],
                ["Linear history", "yes" if p.linear_history else "no"],
                ["Force pushes", "allowed" if p.allow_force_pushes else "blocked"],
            ]
        tables.append(
            Table(title=f"Protection of {p.branch}", columns=["Rule", "Value"], rows=prow)
        )
    return tables


def _repo_show(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh import repos

    repository = _repository(ctx, inv, inv.args[0] if inv.args else None)
    settings = repos.repo_settings(_gh(ctx), repository)
    return Result(
        title=f"{repository} ({settings.visibility})",
        text=settings.html_url,
        tables=_settings_tables(settings),
        data={"settings": settings.model_dump(mode="json")},
    )


_SETTING_OPTIONS = {
    "--description": "description",
    "--homepage": "homepage",
    "--default-branch": "default_branch",
    "--visibility": "visibility",
}
_SWITCH_OPTIONS = {
    "--merge-commit": "allow_merge_commit",
    "--squash-merge": "allow_squash_merge",
    "--rebase-merge": "allow_rebase_merge",
    "--auto-merge": "allow_auto_merge",
    "--delete-branch-on-merge": "delete_branch_on_merge",
    "--issues": "has_issues",
    "--wiki": "has_wiki",
    "--projects": "has_projects",
}


def _repo_settings(ctx: DevOpsContext, inv: Invocation) -> Result:
    import re

    from devops_agent.gh import repos

    asked: dict[str, Any] = {}
    for option, key in _SETTING_OPTIONS.items():
        if option in inv.options:
            asked[key] = clean_untrusted(inv.option(option)).strip()
    for option, key in _SWITCH_OPTIONS.items():
        value = _switch(inv, option)
        if value is not None:
            asked[key] = value
    topics: list[str] | None = None
    if "--topics" in inv.options:
        topics = [t.strip().lower() for t in inv.option("--topics").split(",") if t.strip()]
        bad = [t for t in topics if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,49}", t)]
        if bad or len(topics) > 20:
            raise BadInput(
                "Topics are lowercase letters, digits and hyphens, at most 50 characters "
                "each and 20 in all" + (f"; not: {', '.join(bad)}" if bad else "") + "."
            )
    if not asked and topics is None:
        return _repo_show(ctx, inv)
    if "visibility" in asked and asked["visibility"] not in ("public", "private", "internal"):
        raise BadInput("--visibility is public, private or internal.")
    repository = _repository(ctx, inv, inv.args[0] if inv.args else None)
    current = repos.repo_settings(_gh(ctx), repository, protection=False)
    changes = {k: v for k, v in asked.items() if getattr(current, k) != v}
    if topics is not None and topics == current.topics:
        topics = None
    merging = {
        k: changes.get(k, getattr(current, k))
        for k in ("allow_merge_commit", "allow_squash_merge", "allow_rebase_merge")
    }
    if not any(merging.values()):
        raise BadInput("At least one merge method (merge commit, squash, rebase) must stay on.")
    if not changes and topics is None:
        return Result(
            title=f"{repository} already has these settings; nothing to change",
            data={"settings": current.model_dump(mode="json")},
        )
    described = [f"{k}: {getattr(current, k)!r} → {v!r}" for k, v in changes.items()]
    if topics is not None:
        described.append(f"topics: {', '.join(current.topics) or '-'} → {', '.join(topics) or '-'}")
    entry = _entry(
        "github.repo_settings",
        {"repository": repository, "changes": changes, "topics": topics},
        f"Change the settings of {repository}: " + "; ".join(described),
        [repository],
    )
    return _propose(ctx, [entry], f"change settings of {repository}")


def _repo_create(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh import repos
    from devops_agent.gh.common import REPO_NAME, api, check_login, github_errors
    from devops_agent.gh.identity import WORKFLOW_BOT, own_login

    gh = _gh(ctx)
    raw = inv.args[0]
    owner, _, name = raw.rpartition("/")
    owner = check_login(owner or (ctx.repository.split("/")[0] if ctx.repository else ""))
    if not REPO_NAME.fullmatch(name) or name in (".", ".."):
        raise BadInput(f"'{name}' is not a repository name (letters, digits, . _ -).")
    if inv.flag("--public") and inv.flag("--private"):
        raise BadInput("Choose --public or --private, not both.")
    private = not inv.flag("--public")
    kind = repos.owner_type(gh, owner)
    if kind != "Organization":
        me = own_login(gh)
        if me == WORKFLOW_BOT:
            raise BadInput(
                "The workflow token cannot create repositories.",
                remedy="Use a personal access token or GitHub App token with Administration: "
                "write as the `github-token` input, or create it in an organization.",
            )
        if me.lower() != owner.lower():
            raise BadInput(
                f"A token can create repositories only for its own user (@{me}) or in an "
                f"organization; {owner} is another user."
            )
    try:
        with github_errors(f"look up {owner}/{name}"):
            api(gh, "GET", f"/repos/{owner}/{name}")
    except ServiceError as exc:
        if exc.code != "404":
            raise
    else:
        raise BadInput(f"{owner}/{name} already exists.")
    description = clean_untrusted(inv.option("--description")).strip()
    entry = _entry(
        "github.repo_create",
        {
            "owner": owner,
            "name": name,
            "organization": kind == "Organization",
            "private": private,
            "description": description,
        },
        f"Create the {'private' if private else 'public'} repository {owner}/{name}"
        + (f": {description[:100]}" if description else ""),
        [f"{owner}/{name}"],
    )
    return _propose(ctx, [entry], f"create {owner}/{name}")


def _repo_delete(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh import repos

    repository = _repository(ctx, inv, inv.args[0])
    settings = repos.repo_settings(_gh(ctx), repository, protection=False)
    entry = _entry(
        "github.repo_delete",
        {"repository": repository},
        f"Delete the repository {repository} ({settings.visibility}) and everything in it",
        [repository],
    )
    return _propose(ctx, [entry], f"delete {repository}")


def _repo_collaborators(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh import repos

    repository = _repository(ctx, inv, inv.args[0] if inv.args else None)
    people = repos.list_collaborators(_gh(ctx), repository)
    return Result(
        title=f"{plural(len(people), 'collaborator')} of {repository}",
        tables=[
            Table(
                columns=["Login", "Role"],
                rows=[[p.login, p.role] for p in people],
                empty="No collaborators.",
            )
        ],
        data={"repository": repository, "collaborators": dump(people)},
    )


def _collaborator_add(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh import repos
    from devops_agent.gh.common import check_login

    repository = _repository(ctx, inv)
    login = check_login(inv.args[0])
    permission = inv.option("--permission", "read").lower()
    if permission not in repos.PERMISSIONS:
        raise BadInput(
            f"'{permission}' is not a permission.",
            remedy="Use read, triage, write, maintain or admin.",
        )
    entry = _entry(
        "github.collaborator_add",
        {"repository": repository, "login": login, "permission": permission},
        f"Give @{login} {permission} access to {repository}",
        [repository, f"@{login}"],
    )
    return _propose(ctx, [entry], f"add @{login} to {repository} ({permission})")


def _collaborator_remove(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh.common import check_login

    repository = _repository(ctx, inv)
    login = check_login(inv.args[0])
    if login.lower() == repository.split("/")[0].lower():
        raise BadInput(f"@{login} owns {repository}; an owner cannot be removed.")
    entry = _entry(
        "github.collaborator_remove",
        {"repository": repository, "login": login},
        f"Remove @{login}'s access to {repository}",
        [repository, f"@{login}"],
    )
    return _propose(ctx, [entry], f"remove @{login} from {repository}")


def _repo_clone(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh import clone

    repository = _repository(ctx, inv, inv.args[0] if inv.args else None)
    raw_depth = inv.option("--depth", "1")
    if not raw_depth.isdigit():
        raise BadInput(f"--depth takes a number of commits (0 for all), not '{raw_depth}'.")
    depth = int(raw_depth) or None
    from devops_agent.aws.workspace_files import protected

    workspace = ctx.env.workspace.resolve()
    dest = workspace / repository.split("/")[1]
    if protected(dest.name):  # an org's `.github` repository would plant workflows
        raise BadInput(
            f"Cloning {repository} would write into '{dest.name}', where files are run or "
            "trusted later (.git, .github, .devops-agent); nothing was cloned."
        )
    token = ctx.settings.github_token.get_secret_value() if ctx.settings.github_token else None
    result = clone.clone(
        clone.clone_url(ctx.env.server_url, repository),
        dest,
        repository=repository,
        token=token,
        server_url=ctx.env.server_url,
        depth=depth,
        ref=inv.option("--ref") or None,
    )
    history = f"last {plural(depth, 'commit')}" if result.shallow and depth else "full history"
    return Result(
        title=f"Cloned {repository} into {dest.relative_to(workspace)}",
        text=f"`{result.branch or 'detached'}` at `{result.head[:12]}` ({history}).",
        data={"clone": result.model_dump(mode="json")},
    )


# ------------------------------------------------------------- issues and PRs


def _issue_rows(items: list[Any]) -> list[list[Any]]:
    return [
        [f"#{i.number}", i.title, i.state, i.author, ", ".join(i.labels), when(i.updated_at)]
        for i in items
    ]


def _labels(inv: Invocation) -> list[str]:
    return [label.strip() for label in inv.option("--label").split(",") if label.strip()]


def _issue_list(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh import issues

    repository = _repository(ctx, inv)
    state = inv.option("--state", "open").lower()
    found = issues.list_issues(
        _gh(ctx),
        repository,
        state=state,
        labels=_labels(inv),
        author=inv.option("--author") or None,
    )
    return Result(
        title=f"{plural(len(found), state + ' issue' if state != 'all' else 'issue')} "
        f"in {repository}",
        tables=[
            Table(
                columns=["Issue", "Title", "State", "Author", "Labels", "Updated"],
                rows=_issue_rows(found),
                empty="No issues match.",
            )
        ],
        data={"repository": repository, "issues": dump(found)},
    )


def _issue_create(ctx: DevOpsContext, inv: Invocation) -> Result:
    repository = _repository(ctx, inv)
    title = _user_text(" ".join(inv.args), "title", limit=256)
    body = clean_untrusted(inv.option("--body")).strip()
    labels = _labels(inv)
    entry = _entry(
        "github.issue_create",
        {"repository": repository, "title": title, "body": body, "labels": labels},
        f"Open an issue in {repository}: {title[:120]}"
        + (f" (labels: {', '.join(labels)})" if labels else ""),
        [repository],
    )
    return _propose(ctx, [entry], f"open an issue in {repository}")


def _issue_close(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh import issues

    repository = _repository(ctx, inv)
    number = _number(inv.args[0])
    reason = inv.option("--reason", "completed").lower().replace("-", "_")
    if reason not in issues.CLOSE_REASONS:
        raise BadInput("--reason is completed or not_planned.")
    issue = issues.get_issue(_gh(ctx), repository, number)
    kind = "pull request" if issue.is_pull_request else "issue"
    if issue.state == "closed":
        return Result(
            title=f"#{number} is already closed; nothing to do",
            data={"issue": issue.model_dump(mode="json")},
        )
    entry = _entry(
        "github.issue_close",
        {"repository": repository, "number": number, "reason": reason},
        f"Close {kind} #{number} ({issue.title[:100]}) as {reason}",
        [f"{repository}#{number}"],
    )
    return _propose(ctx, [entry], f"close #{number}")


def _issue_comment(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh import issues

    repository = _repository(ctx, inv)
    number = _number(inv.args[0])
    body = _user_text(" ".join(inv.args[1:]), "comment")
    issue = issues.get_issue(_gh(ctx), repository, number)
    key = hashlib.sha256(f"{repository}#{number}:{body}:{ctx.requester}".encode()).hexdigest()
    entry = _entry(
        "github.issue_comment",
        {"repository": repository, "number": number, "body": body, "key": key[:16]},
        f"Comment on #{number} ({issue.title[:80]}): {body[:120]}",
        [f"{repository}#{number}"],
    )
    return _propose(ctx, [entry], f"comment on #{number}")


def _pr_list(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh import pulls

    repository = _repository(ctx, inv)
    state = inv.option("--state", "open").lower()
    found = pulls.list_pulls(
        _gh(ctx),
        repository,
        state=state,
        label=inv.option("--label") or None,
        author=inv.option("--author") or None,
    )
    rows = [
        [
            f"#{p.number}",
            p.title,
            "merged" if p.merged else ("draft" if p.draft and p.state == "open" else p.state),
            p.author,
            f"{p.head_ref} → {p.base_ref}",
            ", ".join(p.labels),
        ]
        for p in found
    ]
    return Result(
        title=f"{plural(len(found), 'pull request')} ({state}) in {repository}",
        tables=[
            Table(
                columns=["PR", "Title", "State", "Author", "Branches", "Labels"],
                rows=rows,
                empty="No pull requests match.",
            )
        ],
        data={"repository": repository, "pulls": dump(found)},
    )


def _readiness_table(readiness: Any) -> Table:
    rows = [[c.name, c.kind, c.state, c.detail] for c in readiness.checks]
    return Table(
        title="Checks on the head commit",
        columns=["Check", "Kind", "State", "Detail"],
        rows=rows,
        empty="No checks reported on the head commit.",
    )


def _pr_show(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh import pulls

    repository = _repository(ctx, inv)
    number = _number(inv.args[0])
    gh = _gh(ctx)
    pull = pulls.get_pull(gh, repository, number)
    readiness = pulls.merge_readiness(gh, repository, number)
    verdict = (
        "It can be merged: `pr merge " + str(number) + "`."
        if readiness.ready
        else "It cannot be merged now:\n\n"
        + "\n".join("- " + clean_untrusted(r).replace("`", "'") for r in readiness.reasons)
    )
    approvals = f"{readiness.approvals} approval(s)" + (
        f" of {readiness.required_approvals} required" if readiness.required_approvals else ""
    )
    rows = [
        ["State", "merged" if pull.merged else pull.state],
        ["Author", pull.author],
        ["Branches", f"{pull.head_ref} → {pull.base_ref}"],
        ["Head", pull.head_sha[:12]],
        ["Draft", "yes" if pull.draft else "no"],
        ["Mergeable", {True: "yes", False: "no (conflicts)", None: "unknown"}[pull.mergeable]],
        ["Reviews", approvals],
    ]
    return Result(
        title=f"#{number}: {_code(pull.title, 120)}",
        text=f"{pull.html_url}\n\n{verdict}",
        tables=[Table(columns=["Field", "Value"], rows=rows), _readiness_table(readiness)],
        data={"pull": pull.model_dump(mode="json"), "readiness": readiness.model_dump(mode="json")},
    )


def _pr_merge(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh import pulls

    repository = _repository(ctx, inv)
    number = _number(inv.args[0])
    method = inv.option("--method", "merge").lower()
    if method not in pulls.MERGE_METHODS:
        raise BadInput(f"--method is {', '.join(pulls.MERGE_METHODS)}, not '{method}'.")
    gh = _gh(ctx)
    readiness = pulls.merge_readiness(gh, repository, number)
    if not readiness.ready:
        raise Refused(
            f"#{number} cannot be merged: " + " ".join(readiness.reasons),
            remedy=f"Fix that, then ask again; `pr show {number}` shows the details.",
        )
    pull = pulls.get_pull(gh, repository, number)
    entry = _entry(
        "github.pr_merge",
        {
            "repository": repository,
            "number": number,
            "method": method,
            "head_sha": readiness.head_sha,
        },
        f"Merge #{number} ({pull.title[:100]}) into {pull.base_ref} by {method} "
        f"at {readiness.head_sha[:7]}",
        [f"{repository}#{number}"],
    )
    return _propose(ctx, [entry], f"merge #{number} ({method})")


def _pr_review(ctx: DevOpsContext, inv: Invocation) -> Result:
    from devops_agent.gh import pulls

    if inv.flag("--approve"):
        raise Refused(
            "devops-agent never approves pull requests: approval is a person's decision.",
            remedy="Review it yourself, or use `--comment TEXT` or `--request-changes TEXT`.",
        )
    comment, changes = inv.option("--comment"), inv.option("--request-changes")
    if bool(comment) == bool(changes):
        raise BadInput(
            "Give exactly one of --comment TEXT or --request-changes TEXT.",
            remedy='Example: `pr review 12 --request-changes "Please add a test."`',
        )
    event = "COMMENT" if comment else "REQUEST_CHANGES"
    body = _user_text(comment or changes, "review")
    repository = _repository(ctx, inv)
    number = _number(inv.args[0])
    pull = pulls.get_pull(_gh(ctx), repository, number)
    if pull.state != "open":
        raise BadInput(
            f"#{number} is {'merged' if pull.merged else pull.state}; it cannot be reviewed."
        )
    verb = "Comment on" if event == "COMMENT" else "Request changes on"
    entry = _entry(
        "github.pr_review",
        {"repository": repository, "number": number, "event": event, "body": body},
        f"{verb} #{number} ({pull.title[:80]}) in a review: {body[:120]}",
        [f"{repository}#{number}"],
    )
    return _propose(ctx, [entry], f"review #{number}")


# ----------------------------------------------------------------------- specs

_LIST = REPO | {"--state", "--label", "--author"}

GITHUB_COMMANDS: tuple[Spec, ...] = (
    Spec(
        ("workflows", "list"),
        "workflows list",
        "Workflows of this repository, with their last run.",
        _workflows_list,
        REPO,
    ),
    Spec(
        ("workflows", "run"),
        "workflows run WORKFLOW [--ref REF] [KEY=VALUE...]",
        "Plan a workflow_dispatch run (inputs checked against the workflow file).",
        _workflows_run,
        REPO | {"--ref"},
        1,
        1,
        pairs=True,
    ),
    Spec(
        ("workflows", "status"),
        "workflows status [RUN_ID]",
        "Recent runs, or one run with its jobs (and why it failed).",
        _workflows_status,
        REPO | {"--workflow"},
        0,
        1,
    ),
    Spec(
        ("workflows", "watch"),
        "workflows watch RUN_ID [--timeout S]",
        "Wait for a run to finish (backing off) and report how it ended.",
        _workflows_watch,
        REPO | {"--timeout"},
        1,
        1,
    ),
    Spec(
        ("workflows", "why"),
        "workflows why RUN_ID",
        "Why a run failed: failed jobs and steps, and the log lines that say why.",
        _workflows_why,
        REPO,
        1,
        1,
    ),
    Spec(
        ("workflows", "show"),
        "workflows show WORKFLOW [--ref REF]",
        "A workflow's file, state and dispatch inputs.",
        _workflows_show,
        REPO | {"--ref"},
        1,
        1,
    ),
    Spec(
        ("workflows", "enable"),
        "workflows enable WORKFLOW",
        "Plan to enable a workflow.",
        _workflow_state(True),
        REPO,
        1,
        1,
    ),
    Spec(
        ("workflows", "disable"),
        "workflows disable WORKFLOW",
        "Plan to disable a workflow.",
        _workflow_state(False),
        REPO,
        1,
        1,
    ),
    Spec(
        ("repo", "list"),
        "repo list [OWNER]",
        "Repositories of a user or organization (this repository's owner by default).",
        _repo_list,
        frozenset(),
        0,
        1,
    ),
    Spec(
        ("repo", "show"),
        "repo show [REPO]",
        "Settings, topics and default-branch protection of a repository.",
        _repo_show,
        REPO,
        0,
        1,
    ),
    Spec(
        ("repo", "settings"),
        "repo settings [REPO] [--description D] [--topics a,b] [--default-branch B] "
        "[--visibility V] [--squash-merge on|off] …",
        "Show settings, or plan to change them (merge options, features, topics).",
        _repo_settings,
        REPO | set(_SETTING_OPTIONS) | set(_SWITCH_OPTIONS) | {"--topics"},
        0,
        1,
    ),
    Spec(
        ("repo", "create"),
        "repo create [OWNER/]NAME [--public] [--description D]",
        "Plan to create a repository (private unless --public).",
        _repo_create,
        frozenset({"--description"}),
        1,
        1,
        flags=frozenset({"--public", "--private"}),
    ),
    Spec(
        ("repo", "delete"),
        "repo delete OWNER/NAME",
        "Plan to delete a repository.",
        _repo_delete,
        frozenset(),
        1,
        1,
    ),
    Spec(
        ("repo", "collaborators"),
        "repo collaborators [REPO]",
        "People with access and their roles.",
        _repo_collaborators,
        REPO,
        0,
        1,
    ),
    Spec(
        ("repo", "collaborator", "add"),
        "repo collaborator add LOGIN --permission read|triage|write|maintain|admin",
        "Plan to give someone access (an invitation).",
        _collaborator_add,
        REPO | {"--permission"},
        1,
        1,
    ),
    Spec(
        ("repo", "collaborator", "remove"),
        "repo collaborator remove LOGIN",
        "Plan to remove someone's access.",
        _collaborator_remove,
        REPO,
        1,
        1,
    ),
    Spec(
        ("repo", "clone"),
        "repo clone [REPO] [--depth N] [--ref REF]",
        "Clone into the workspace (shallow by default; the token is never written down).",
        _repo_clone,
        REPO | {"--depth", "--ref"},
        0,
        1,
    ),
    Spec(
        ("issue", "list"),
        "issue list [--state S] [--label L] [--author A]",
        "Issues (not pull requests), newest first.",
        _issue_list,
        _LIST,
    ),
    Spec(
        ("issue", "create"),
        "issue create TITLE [--body B] [--label L]",
        "Plan to open an issue.",
        _issue_create,
        REPO | {"--body", "--label"},
        1,
        None,
    ),
    Spec(
        ("issue", "close"),
        "issue close N [--reason completed|not_planned]",
        "Plan to close an issue or pull request.",
        _issue_close,
        REPO | {"--reason"},
        1,
        1,
    ),
    Spec(
        ("issue", "comment"),
        "issue comment N TEXT",
        "Plan a comment on an issue or pull request.",
        _issue_comment,
        REPO,
        2,
        None,
    ),
    Spec(
        ("pr", "list"),
        "pr list [--state S] [--label L] [--author A]",
        "Pull requests, newest first.",
        _pr_list,
        _LIST,
    ),
    Spec(
        ("pr", "show"),
        "pr show N",
        "A pull request and whether it can be merged (checks, reviews, conflicts).",
        _pr_show,
        REPO,
        1,
        1,
    ),
    Spec(
        ("pr", "merge"),
        "pr merge N [--method merge|squash|rebase]",
        "Plan a merge; refused while checks fail, reviews are missing or it conflicts.",
        _pr_merge,
        REPO | {"--method"},
        1,
        1,
    ),
    Spec(
        ("pr", "review"),
        "pr review N --comment TEXT | --request-changes TEXT",
        "Plan a review that comments or requests changes (never an approval).",
        _pr_review,
        REPO | {"--comment", "--request-changes"},
        1,
        1,
        flags=frozenset({"--approve"}),
    ),
    Spec(
        ("pr", "close"),
        "pr close N",
        "Plan to close a pull request without merging.",
        _issue_close,
        REPO | {"--reason"},
        1,
        1,
    ),
    Spec(
        ("pr", "comment"),
        "pr comment N TEXT",
        "Plan a comment on a pull request.",
        _issue_comment,
        REPO,
        2,
        None,
    ),
)
