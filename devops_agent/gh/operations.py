"""GitHub changes a plan may carry (see :mod:`devops_agent.operations`).

Each executor gets the approved plan's exact arguments and the run's GitHub client,
re-checks what can have changed since the plan was made (the workflow file's inputs,
a pull request's mergeability and head), and acts. It returns one line for the plan
comment; any text in it that people wrote is cleaned first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from devops_agent.errors import BadInput, Refused
from devops_agent.gh.common import check_login, check_repository
from devops_agent.operations import Operation, Writers
from devops_agent.sanitize import clean_untrusted

if TYPE_CHECKING:
    from github import Github

    from devops_agent.plans import PlanEntry


def _repository(args: dict[str, Any]) -> str:
    return check_repository(str(args["repository"]))


def _workflow_dispatch(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.gh import workflows

    gh = writers.github
    repository = _repository(args)
    name = clean_untrusted(str(args["workflow"]))
    ref = str(args["ref"])
    inputs = {str(k): str(v) for k, v in dict(args["inputs"]).items()}
    # The file at the ref may have changed since the plan: its inputs must still fit.
    text = workflows.workflow_file(gh, repository, str(args["path"]), ref)
    try:
        workflows.validate_inputs(name, workflows.declared_inputs(text), inputs)
    except BadInput as exc:
        raise Refused(
            f"The workflow changed since the plan was made: {exc.message}",
            remedy="Ask for the run again to get a fresh plan.",
        ) from None
    run = workflows.dispatch(gh, repository, int(args["workflow_id"]), ref, inputs)
    if run is None:
        return f"dispatched {name} on {ref} (the run has not appeared yet)"
    return f"dispatched {name} on {ref}: run {run.id} {run.html_url}"


def _workflow_state(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.gh import workflows

    enabled = bool(args["enabled"])
    workflows.set_state(writers.github, _repository(args), int(args["workflow_id"]), enabled)
    name = clean_untrusted(str(args["workflow"]))
    return f"{'enabled' if enabled else 'disabled'} {name}"


def _repo_create(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.gh import repos

    created = repos.create_repo(
        writers.github,
        check_login(str(args["owner"])),
        str(args["name"]),
        organization=bool(args["organization"]),
        private=bool(args["private"]),
        description=clean_untrusted(str(args.get("description") or "")),
    )
    return f"created {created.full_name} ({created.visibility}) {created.html_url}"


def _repo_delete(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.gh import repos

    repository = _repository(args)
    repos.delete_repo(writers.github, repository)
    return f"deleted {repository}"


def _repo_settings(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.gh import repos

    changes = {k: v for k, v in dict(args.get("changes") or {}).items() if k in repos.SETTINGS}
    topics = args.get("topics")
    after = repos.edit_repo(
        writers.github,
        _repository(args),
        changes,
        [str(t) for t in topics] if topics is not None else None,
    )
    done = [f"{k}={getattr(after, k)}" for k in changes]
    if topics is not None:
        done.append("topics=" + ",".join(after.topics))
    return clean_untrusted("updated " + "; ".join(done))


def _collaborator_add(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.gh import repos

    return repos.add_collaborator(
        writers.github, _repository(args), str(args["login"]), str(args["permission"])
    )


def _collaborator_remove(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.gh import repos

    return repos.remove_collaborator(writers.github, _repository(args), str(args["login"]))


def _issue_create(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.gh import issues

    issue = issues.create_issue(
        writers.github,
        _repository(args),
        clean_untrusted(str(args["title"])),
        body=clean_untrusted(str(args.get("body") or "")),
        labels=[str(label) for label in args.get("labels") or []],
    )
    return f"opened #{issue.number} {issue.html_url}"


def _issue_close(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.gh import issues

    number = int(args["number"])
    issue = issues.close_issue(
        writers.github, _repository(args), number, reason=str(args.get("reason") or "completed")
    )
    return f"closed #{issue.number}"


def _issue_comment(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.gh import issues

    marker = f"<!-- devops-agent:comment {str(args['key'])[:32]} -->"
    url = issues.comment_on(
        writers.github,
        _repository(args),
        int(args["number"]),
        clean_untrusted(str(args["body"])),
        marker,
    )
    return f"commented {url}"


def _pr_merge(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.gh import pulls

    gh = writers.github
    repository = _repository(args)
    number = int(args["number"])
    planned = str(args["head_sha"])
    readiness = pulls.merge_readiness(gh, repository, number)
    if readiness.head_sha != planned:
        raise Refused(
            f"The head of #{number} moved since the plan was made "
            f"({planned[:7]} → {readiness.head_sha[:7]}); nothing was merged.",
            remedy="Ask for the merge again so the plan matches the code under review.",
        )
    if not readiness.ready:
        raise Refused(f"#{number} cannot be merged now: " + " ".join(readiness.reasons))
    sha = pulls.merge(gh, repository, number, method=str(args["method"]), sha=planned)
    return f"merged #{number} ({args['method']}) as {sha[:7]}"


def _pr_review(writers: Writers, args: dict[str, Any]) -> str:
    from devops_agent.gh import pulls

    event = str(args["event"])
    if event not in pulls.REVIEW_EVENTS:  # a plan can never make the agent approve
        raise Refused("devops-agent never approves pull requests.")
    url = pulls.review(
        writers.github,
        _repository(args),
        int(args["number"]),
        event,
        clean_untrusted(str(args["body"])),
    )
    verb = "requested changes" if event == "REQUEST_CHANGES" else "commented"
    return f"{verb} on #{int(args['number'])} {url}"


GITHUB_OPERATIONS: dict[str, Operation] = {
    "github.workflow_dispatch": Operation(_workflow_dispatch, aws=False),
    "github.workflow_state": Operation(_workflow_state, aws=False),
    "github.repo_create": Operation(_repo_create, aws=False),
    "github.repo_delete": Operation(_repo_delete, aws=False),
    "github.repo_settings": Operation(_repo_settings, aws=False),
    "github.collaborator_add": Operation(_collaborator_add, aws=False),
    "github.collaborator_remove": Operation(_collaborator_remove, aws=False),
    "github.issue_create": Operation(_issue_create, aws=False),
    "github.issue_close": Operation(_issue_close, aws=False),
    "github.issue_comment": Operation(_issue_comment, aws=False),
    "github.pr_merge": Operation(_pr_merge, aws=False),
    "github.pr_review": Operation(_pr_review, aws=False),
}


def workflow_dispatch_entry(
    gh: Github, repository: str, workflow: str, ref: str | None, given: dict[str, str]
) -> PlanEntry:
    """Plan ``workflows run``: the workflow is active, the ref known, inputs valid.

    Inputs are checked against the ``workflow_dispatch`` inputs the workflow file
    declares at that ref. The one definition behind the command and the agent's
    ``run_workflow`` tool.
    """
    from devops_agent.gh import workflows
    from devops_agent.gh.common import api, github_errors
    from devops_agent.plans import PlanEntry

    wf = workflows.find_workflow(gh, repository, workflow)
    if wf.state != "active":
        raise BadInput(
            f"{wf.name} is {wf.state}; a disabled workflow cannot run.",
            remedy=f"Enable it first: `workflows enable {wf.file}`.",
        )
    if not ref:
        with github_errors(f"read {repository}"):
            ref = str(api(gh, "GET", f"/repos/{repository}")["default_branch"])
    specs = workflows.declared_inputs(workflows.workflow_file(gh, repository, wf.path, ref))
    inputs = workflows.validate_inputs(wf.name, specs, given)
    shown = ", ".join(f"{k}={v}" for k, v in inputs.items())
    return PlanEntry(
        operation="github.workflow_dispatch",
        args={
            "repository": repository,
            "workflow_id": wf.id,
            "workflow": wf.name,
            "path": wf.path,
            "ref": ref,
            "inputs": inputs,
        },
        description=clean_untrusted(
            f"Run workflow {wf.name} ({wf.file}) on {ref}" + (f" with {shown}" if shown else "")
        ),
        resources=[f"{repository}/{wf.path}"],
    )
