"""Workflows as files: which a repository has, their ``workflow_dispatch`` inputs, and
whether each is enabled; the ``workflows show`` read and the enable/disable change.

Dispatch inputs are checked against the workflow file itself (read through the
contents API and parsed with PyYAML): every required input present, no input the file
does not declare, choices among their options, booleans ``true``/``false``. YAML 1.1
reads the key ``on`` as the boolean ``True``; both spellings are looked up.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

from pydantic import Field

from devops_agent.errors import BadInput, Refused, ServiceError
from devops_agent.gh.common import (
    GhArgs,
    GhModel,
    api,
    check_repository,
    code,
    fenced,
    gh_client,
    github_errors,
    locked,
    repository_of,
    rest_call,
)
from devops_agent.operation import (
    ApiCall,
    Command,
    Hidden,
    NotAsPlanned,
    PlanEntry,
    Positional,
    Proposal,
    Read,
    Reader,
    Unchanged,
    Verification,
    Verified,
    Write,
    Writers,
)
from devops_agent.report import Result, Table
from devops_agent.sanitize import clean_untrusted

if TYPE_CHECKING:
    from github import Github

__all__ = [
    "INPUT_TYPES",
    "SHOW_LIMIT",
    "InputSpec",
    "WorkflowFile",
    "WorkflowInfo",
    "declared_inputs",
    "find_workflow",
    "get_workflow",
    "list_workflows",
    "set_state",
    "state_call",
    "validate_inputs",
    "workflow_file",
]

#: Input types ``on.workflow_dispatch.inputs.<name>.type`` may declare.
INPUT_TYPES = ("string", "boolean", "choice", "number", "environment")
#: Characters of a workflow file ``workflows show`` prints at most.
SHOW_LIMIT = 20_000


class WorkflowInfo(GhModel):
    """One workflow of a repository."""

    id: int
    name: str
    """Its ``name:`` (or its path when it has none)."""
    path: str
    """File path, ``.github/workflows/deploy.yml``."""
    state: str
    """``active``, ``disabled_manually``, ``disabled_inactivity``…"""
    html_url: str = ""

    @property
    def file(self) -> str:
        """The file name GitHub also accepts as the workflow's id."""
        return self.path.rsplit("/", 1)[-1]


class InputSpec(GhModel):
    """One ``workflow_dispatch`` input the workflow file declares."""

    name: str
    type: str = "string"
    required: bool = False
    default: str | None = None
    """As a string (booleans as ``true``/``false``); ``None`` when there is none."""
    options: list[str] = Field(default_factory=list)
    """The choices of a ``choice`` input."""
    description: str = ""

    def describe(self) -> str:
        """``env (required, choice: dev|prod)``.

        Returns:
            The input's name, whether it is required, its type and choices.
        """
        bits = ["required" if self.required else "optional"]
        if self.type == "choice":
            bits.append("choice: " + "|".join(self.options))
        elif self.type != "string":
            bits.append(self.type)
        if self.default is not None:
            bits.append(f"default {self.default}")
        return f"{self.name} ({', '.join(bits)})"


def _workflow(data: dict[str, Any]) -> WorkflowInfo:
    return WorkflowInfo(
        id=int(data["id"]),
        name=str(data.get("name") or data.get("path") or data["id"]),
        path=str(data.get("path") or ""),
        state=str(data.get("state") or ""),
        html_url=str(data.get("html_url") or ""),
    )


def list_workflows(gh: Github, repository: str) -> list[WorkflowInfo]:
    """Every workflow of the repository, in GitHub's order.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.

    Returns:
        The workflows with their id, name, path and state.
    """
    found: list[WorkflowInfo] = []
    page = 1
    with github_errors(f"list the workflows of {repository}", permission="actions: read"):
        while True:
            data = api(
                gh,
                "GET",
                f"/repos/{check_repository(repository)}/actions/workflows",
                params={"per_page": 100, "page": page},
            )
            batch = data.get("workflows") or []
            found.extend(_workflow(w) for w in batch)
            if len(batch) < 100:
                break
            page += 1
    return found


def find_workflow(gh: Github, repository: str, ref: str) -> WorkflowInfo:
    """The workflow ``ref`` names: its id, file name (``deploy.yml``), path or name.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        ref: An id, a file name, a path or a name.

    Returns:
        The workflow.

    Raises:
        BadInput: no workflow matches (the message lists them).
    """
    workflows = list_workflows(gh, repository)
    wanted = ref.strip()
    for match in (
        lambda w: str(w.id) == wanted,
        lambda w: w.path == wanted or w.file == wanted,
        lambda w: w.file.lower() == wanted.lower() or w.path.lower() == wanted.lower(),
        lambda w: w.file.rsplit(".", 1)[0].lower() == wanted.lower(),
    ):
        hits = [w for w in workflows if match(w)]
        if len(hits) == 1:
            return hits[0]
    by_name = [w for w in workflows if w.name.lower() == wanted.lower()]
    if len(by_name) == 1:
        return by_name[0]
    known = ", ".join(f"`{w.file}` ({w.name})" for w in workflows) or "none"
    if len(by_name) > 1:
        raise BadInput(
            f"Several workflows are named '{wanted}'.",
            remedy=f"Name one by its file instead: {known}.",
        )
    raise BadInput(
        f"{repository} has no workflow '{wanted}'.",
        remedy=f"Its workflows are: {known}. Name one by file, name or id.",
    )


def workflow_file(gh: Github, repository: str, path: str, ref: str | None = None) -> str:
    """The text of ``path`` at ``ref`` (the default branch when ``None``).

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        path: The file's path (``.github/workflows/deploy.yml``).
        ref: The branch, tag or commit; ``None`` for the default branch.

    Returns:
        The file's text.
    """
    params = {"ref": ref} if ref else None
    try:
        with github_errors(f"read {path}", permission="contents: read"):
            data = api(
                gh,
                "GET",
                f"/repos/{check_repository(repository)}/contents/{quote(path)}",
                params=params,
            )
    except ServiceError as exc:
        if exc.code == "404":
            where = f" at {ref}" if ref else ""
            raise BadInput(
                f"{path} does not exist{where} in {repository}.",
                remedy="Check the ref: `--ref` names a branch, tag or commit.",
            ) from None
        raise
    if not isinstance(data, dict) or data.get("type") != "file":
        raise BadInput(f"{path} is not a file.")
    if data.get("encoding") != "base64" or data.get("content") is None:
        raise ServiceError(f"GitHub did not return the content of {path}.", code="no-content")
    return base64.b64decode(str(data["content"])).decode("utf-8", "replace")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def declared_inputs(text: str) -> dict[str, InputSpec] | None:
    """The ``workflow_dispatch`` inputs a workflow file declares.

    Args:
        text: The workflow file's YAML.

    Returns:
        Inputs by name (empty when it declares none), or ``None`` when the workflow has
        no ``workflow_dispatch`` trigger at all.
    """
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BadInput(f"The workflow file is not valid YAML: {exc}".splitlines()[0]) from None
    if not isinstance(data, dict):
        return None
    on = data.get("on", data.get(True))
    if isinstance(on, str):
        on = {on: None}
    elif isinstance(on, list):
        on = dict.fromkeys(str(o) for o in on)
    if not isinstance(on, dict) or "workflow_dispatch" not in on:
        return None
    trigger = on.get("workflow_dispatch")
    raw = (trigger or {}).get("inputs") if isinstance(trigger, dict) else None
    specs: dict[str, InputSpec] = {}
    for name, spec in (raw or {}).items():
        spec = spec if isinstance(spec, dict) else {}
        kind = str(spec.get("type") or "string")
        specs[str(name)] = InputSpec(
            name=str(name),
            type=kind if kind in INPUT_TYPES else "string",
            required=bool(spec.get("required")),
            default=_text(spec.get("default")),
            options=[str(o) for o in spec.get("options") or []],
            description=str(spec.get("description") or ""),
        )
    return specs


def validate_inputs(
    workflow: str, specs: dict[str, InputSpec] | None, given: dict[str, str]
) -> dict[str, str]:
    """Check ``given`` against the declared inputs; returns them normalised.

    Args:
        workflow: The workflow's name, for messages.
        specs: The declared inputs; ``None`` when it has no ``workflow_dispatch``.
        given: The inputs asked for.

    Returns:
        The inputs, booleans and choices normalised.

    Raises:
        BadInput: the workflow cannot be dispatched, an input is unknown or missing, a
            choice is not among its options, or a boolean or number does not parse.
    """
    if specs is None:
        raise BadInput(
            f"{workflow} has no `workflow_dispatch` trigger, so it cannot be run on demand.",
            remedy="Add `on: workflow_dispatch:` to the workflow file.",
        )
    listing = ", ".join(s.describe() for s in specs.values()) or "none"
    by_lower = {name.lower(): name for name in specs}
    values: dict[str, str] = {}
    unknown: list[str] = []
    for key, value in given.items():
        name = key if key in specs else by_lower.get(key.lower())
        if name is None:
            unknown.append(key)
        else:
            values[name] = value
    if unknown:
        raise BadInput(
            f"{workflow} has no input{'s' if len(unknown) > 1 else ''} "
            + ", ".join(f"'{u}'" for u in unknown)
            + ".",
            remedy=f"Its inputs are: {listing}.",
        )
    missing = [
        s.name for s in specs.values() if s.required and s.name not in values and s.default is None
    ]
    if missing:
        raise BadInput(
            f"{workflow} needs the input{'s' if len(missing) > 1 else ''} "
            + ", ".join(missing)
            + ".",
            remedy="Give "
            + " ".join(f"{m}=VALUE" for m in missing)
            + f". Its inputs are: {listing}.",
        )
    for name, value in values.items():
        spec = specs[name]
        if spec.type == "boolean":
            if value.lower() not in ("true", "false"):
                raise BadInput(f"Input {name} is a boolean: write {name}=true or {name}=false.")
            values[name] = value.lower()
        elif spec.type == "choice" and spec.options and value not in spec.options:
            raise BadInput(
                f"'{value}' is not a choice of input {name}.",
                remedy=f"Choose one of: {', '.join(spec.options)}.",
            )
        elif spec.type == "number":
            try:
                float(value)
            except ValueError:
                raise BadInput(f"Input {name} is a number, not '{value}'.") from None
    return values


def set_state(gh: Github, repository: str, workflow_id: int, enabled: bool) -> None:
    """Enable or disable a workflow (PUT: idempotent).

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        workflow_id: The workflow's id.
        enabled: Enable, or disable.

    Raises:
        ServiceError: GitHub refused (``actions: write``).
    """
    verb = "enable" if enabled else "disable"
    call = state_call(repository, workflow_id, enabled)
    with github_errors(f"{verb} workflow {workflow_id}", permission="actions: write"):
        api(gh, "PUT", call.operation.partition(" ")[2])


def state_call(repository: str, workflow_id: int, enabled: bool) -> ApiCall:
    """The request that enables or disables a workflow: what :func:`set_state` sends and a
    plan shows. It locks the workflow.

    Args:
        repository: The repository, ``owner/name``.
        workflow_id: The workflow's id.
        enabled: Enable, or disable.

    Returns:
        ``PUT …/actions/workflows/{id}/enable`` (or ``/disable``), without a body.
    """
    verb = "enable" if enabled else "disable"
    path = f"/repos/{check_repository(repository)}/actions/workflows/{workflow_id}"
    return rest_call(
        "PUT", f"{path}/{verb}", locks=(locked(repository, "actions/workflows", workflow_id),)
    )


def get_workflow(gh: Github, repository: str, workflow_id: int) -> WorkflowInfo:
    """One workflow by its id, with its state (``active``, ``disabled_manually`` …).

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        workflow_id: The workflow's id.

    Returns:
        The workflow.

    Raises:
        ServiceError: no such workflow, or GitHub refused (``actions: read``).
    """
    path = f"/repos/{check_repository(repository)}/actions/workflows/{workflow_id}"
    with github_errors(f"read workflow {workflow_id}", permission="actions: read"):
        return _workflow(api(gh, "GET", path))


# --------------------------------------------------------------------------- operations


class WorkflowFile(GhModel):
    """A workflow with its file and what ``workflow_dispatch`` accepts."""

    workflow: WorkflowInfo
    ref: str | None = None
    """The branch, tag or commit the file was read at; ``None`` for the default branch."""
    text: str
    """The file (cut at :data:`SHOW_LIMIT` characters): untrusted text."""
    inputs: list[InputSpec] = Field(default_factory=list)
    dispatchable: bool
    """Whether it has a ``workflow_dispatch`` trigger (``run_workflow`` can start it)."""


class ShowWorkflowArgs(GhArgs):
    """Arguments of ``workflows show``."""

    workflow: Annotated[str, Positional()]
    """The workflow: its file name (deploy.yml), path, name or id."""
    ref: str | None = None
    """Branch, tag or commit to read the file at; null for the default branch."""


def _show(reader: Reader, args: ShowWorkflowArgs) -> WorkflowFile:
    gh, repository = gh_client(reader), repository_of(reader, args.repository)
    wf = find_workflow(gh, repository, args.workflow)
    text = workflow_file(gh, repository, wf.path, args.ref)
    try:
        specs = declared_inputs(text)
    except BadInput:
        specs = None
    shown = text if len(text) <= SHOW_LIMIT else text[:SHOW_LIMIT] + "\n# …cut"
    return WorkflowFile(
        workflow=wf,
        ref=args.ref,
        text=shown,
        inputs=list((specs or {}).values()),
        dispatchable=specs is not None,
    )


def _show_result(reader: Reader, args: ShowWorkflowArgs, found: WorkflowFile) -> Result:
    wf = found.workflow
    dispatchable = (
        "It can be run with `workflows run`."
        if found.dispatchable
        else "It has no `workflow_dispatch` trigger."
    )
    tables = []
    if found.inputs:
        rows = [
            [s.name, s.type, "yes" if s.required else "", s.default or "", "|".join(s.options)]
            for s in found.inputs
        ]
        tables.append(
            Table(
                title="Dispatch inputs",
                columns=["Input", "Type", "Required", "Default", "Options"],
                rows=rows,
            )
        )
    return Result(
        title=f"Workflow {code(wf.name)} ({wf.file}): {wf.state}",
        text=f"{dispatchable}\n\n{fenced(found.text.splitlines(), 'yaml')}",
        tables=tables,
        data={
            "workflow": wf.model_dump(mode="json"),
            "ref": found.ref,
            "inputs": [s.model_dump(mode="json") for s in found.inputs],
            "dispatchable": found.dispatchable,
        },
    )


SHOWN = "A workflow's file, state and dispatch inputs."

SHOW = Read(
    name="github.show_workflow",
    args=ShowWorkflowArgs,
    summary=SHOWN,
    service="github",
    commands=(Command("workflows show WORKFLOW [--ref REF]", SHOWN),),
    guide="Returns the workflow file's text, whether it is active, and the workflow_dispatch "
    "inputs it declares (name, type, required, default, choices): read it before "
    "run_workflow to give the right inputs.",
    github=("actions: read", "contents: read"),
    read=_show,
    render=_show_result,
    source="GitHub",
)


class WorkflowStateArgs(GhArgs):
    """Arguments of ``workflows enable|disable``."""

    workflow: Annotated[str, Positional()]
    """The workflow: its file name (deploy.yml), path, name or id."""
    enabled: bool
    """true to enable the workflow, false to disable it."""
    workflow_id: Annotated[int | None, Hidden()] = None
    """The workflow's id, as the preview found it."""


def _plan_state(reader: Reader, args: WorkflowStateArgs) -> Proposal | Unchanged:
    gh, repository = gh_client(reader), repository_of(reader, args.repository)
    verb = "enable" if args.enabled else "disable"
    wf = find_workflow(gh, repository, args.workflow)
    if (wf.state == "active") == args.enabled:
        return Unchanged(
            f"{wf.file} is already {wf.state}; nothing to {verb}",
            {"workflow": wf.model_dump(mode="json")},
        )
    entry = WORKFLOW_STATE.entry(
        args.model_copy(
            update={"repository": repository, "workflow": wf.name, "workflow_id": wf.id}
        ),
        f"{verb.capitalize()} workflow {wf.name} ({wf.file})",
        [f"{repository}/{wf.path}"],
    )
    return Proposal([entry], what=f"{verb} {wf.file}")


def _named(args: WorkflowStateArgs) -> tuple[str, int]:
    if args.workflow_id is None or args.repository is None:
        raise Refused("The plan does not name the workflow's id; it is not applied.")
    return args.repository, args.workflow_id


def _run_state(writers: Writers, args: WorkflowStateArgs) -> str:
    set_state(writers.github, *_named(args), args.enabled)
    return f"{'enabled' if args.enabled else 'disabled'} {clean_untrusted(args.workflow)}"


def _state_calls(args: WorkflowStateArgs) -> list[ApiCall]:
    return [state_call(*_named(args), args.enabled)]


def _state_before(reader: Reader, args: WorkflowStateArgs) -> dict[str, str]:
    return {"state": get_workflow(gh_client(reader), *_named(args)).state}


def _verify_state(reader: Reader, args: WorkflowStateArgs) -> Verification:
    wf = get_workflow(gh_client(reader), *_named(args))
    read = f"{wf.file} is {wf.state}"
    return Verified(read) if (wf.state == "active") == args.enabled else NotAsPlanned(read)


def _undo_state(reader: Reader, before: Any, args: WorkflowStateArgs) -> list[PlanEntry]:
    """Disable what the plan enabled, enable what it disabled; nothing if it was so already."""
    if not isinstance(before, dict) or (before.get("state") == "active") == args.enabled:
        return []
    back = args.model_copy(update={"enabled": not args.enabled})
    verb = "disable" if args.enabled else "enable"
    return [
        WORKFLOW_STATE.entry(
            back,
            f"Roll back: {verb} workflow {args.workflow} again, as it was before",
            [f"{args.repository}/actions/workflows/{args.workflow_id}"],
        )
    ]


WORKFLOW_STATE = Write(
    name="github.workflow_state",
    args=WorkflowStateArgs,
    summary="Enable or disable a workflow.",
    service="github",
    tool="set_workflow_state",
    commands=(
        Command("workflows enable WORKFLOW", "Plan to enable a workflow.", enabled=True),
        Command("workflows disable WORKFLOW", "Plan to disable a workflow.", enabled=False),
    ),
    guide="A disabled workflow runs on no trigger and cannot be dispatched.",
    github=("actions: write",),
    plan=_plan_state,
    run=_run_state,
    calls=_state_calls,
    verify=_verify_state,
    before=_state_before,
    undo=_undo_state,
    examples=tuple(
        {
            "repository": "acme/platform",
            "workflow": "Deploy",
            "enabled": enabled,
            "workflow_id": 161335,
        }
        for enabled in (True, False)
    ),
)
