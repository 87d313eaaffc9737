"""Declaring an operation: everything devops-agent can read or change, said once.

Each service module (``aws/ec2/…``, ``aws/s3/…``, ``gh/…``) declares its operations
beside the API calls they make, the way an audit check carries its ``META``::

    INSTANCE_STATE = Write(
        name="ec2.instance_state",
        args=InstanceStateArgs,            # pydantic: validated at plan and again at apply
        summary="Start, stop, reboot or terminate EC2 instances.",
        service="ec2",
        commands=(Command("ec2 stop ID...", "Plan to stop instances.", action="stop"), ...),
        reads=("ec2:DescribeInstances",),  # what the preview reads with (read role)
        actions=("ec2:StopInstances", ...),  # what the executor needs (write role)
        arns=("arn:{partition}:ec2:{region}:{account}:instance/{instance_ids}",),
        plan=plan_instance_state,          # preview: the plan entries, or "already so"
        run=run_instance_state,            # executor: typed args in, one line out
    )

:mod:`devops_agent.catalog` collects the declarations and everything else is derived
from them: the command grammar and ``help`` (:mod:`devops_agent.commands`), plan
entries and their executors (:mod:`devops_agent.apply`), the agent's function tools
(:mod:`devops_agent.agent.tools`), and the IAM tables, role policies and GitHub token
permissions in the docs (``scripts/gen_docs.py``).

The grammar comes from the argument model: a field is ``--field-name VALUE`` unless
its annotation says otherwise (:class:`Positional`, :class:`Option`, :class:`Pairs`,
:class:`Hidden`); a ``bool`` field is a flag; a list option takes a comma list.

This module is pure (pydantic only) so that services may import it; it never imports
plans, commands, the agent or the run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from devops_agent.sanitize import clean_untrusted

if TYPE_CHECKING:
    from pathlib import Path

    import boto3
    from github import Github

    from devops_agent.report import Result
    from devops_agent.settings import ActionsEnv, Settings

__all__ = [
    "GLOBAL",
    "ApiCall",
    "Applying",
    "Args",
    "Command",
    "Declaration",
    "Grant",
    "Hidden",
    "InProgress",
    "Lower",
    "NotAsPlanned",
    "Option",
    "Pairs",
    "PlanEntry",
    "Positional",
    "Proposal",
    "Read",
    "Reader",
    "Service",
    "Switch",
    "Unchanged",
    "Verification",
    "Verified",
    "Write",
    "Writers",
]

Service = Literal["ec2", "s3", "iam", "vpc", "github", "audit", "knowledge"]
"""Who answers: the AWS service (or GitHub, the audit, the repository's files)."""

A = TypeVar("A", bound="Args")
D = TypeVar("D")


class Args(BaseModel):
    """The arguments of one operation.

    Validated when a command is typed or a tool is called, and again from the plan's
    JSON when the plan is applied. Validators check shape only (ids, names, CIDRs);
    whether a resource exists is the preview's job. A validator may raise
    :class:`~devops_agent.errors.BadInput` to explain itself with a remedy.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


Lower = BeforeValidator(_lower)
"""Annotate a ``Literal`` field with it to accept any case: ``Annotated[Kind, Lower]``."""

_ON = frozenset({"on", "true", "yes", "enable", "enabled", "1"})
_OFF = frozenset({"off", "false", "no", "disable", "disabled", "suspend", "suspended", "0"})


def _switch(value: Any) -> Any:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _ON:
            return "on"
        if word in _OFF:
            return "off"
    return value


Switch = Annotated[Literal["on", "off"], BeforeValidator(_switch)]
"""The one on/off vocabulary of every command and tool: ``on`` also reads ``enable``,
``true``, ``yes``; ``off`` also reads ``disable``, ``suspend``, ``false``, ``no``."""


# --------------------------------------------------------------------------- grammar


@dataclass(frozen=True)
class Positional:
    """A positional word of the command, in field order.

    ``rest`` takes every remaining word: a list field gets them as items, a ``str``
    field gets them joined by spaces.
    """

    rest: bool = False


@dataclass(frozen=True)
class Option:
    """``--name VALUE`` under another name than ``--field-name`` (e.g. ``--sg``)."""

    name: str


@dataclass(frozen=True)
class Pairs:
    """``KEY=VALUE`` words fill this ``dict[str, str]`` field.

    ``option`` names an option that takes the same pairs as a comma list
    (``--tag env=prod,team=web``).
    """

    option: str = ""


@dataclass(frozen=True)
class Hidden:
    """Neither typed by people nor given by the model: the preview fills it in.

    For example an idempotency token, or an id the preview resolved.
    """


# --------------------------------------------------------------------------- plans


class PlanEntry(BaseModel):
    """One operation a plan will carry out, with its exact arguments."""

    operation: str
    """The declaration's name, e.g. ``ec2.instance_state``."""
    args: dict[str, Any]
    """The argument model as JSON; validated again by that model at apply."""
    description: str
    """One line for people: what will change. Hidden markup is removed and whitespace
    collapsed however the entry was built (legacy builders included), so nothing a person,
    a model or AWS wrote into it can start a new line in a log or a comment."""
    resources: list[str] = Field(default_factory=list)
    """Ids or ARNs the operation touches."""

    @field_validator("description")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return " ".join(clean_untrusted(value).split())


@dataclass(frozen=True)
class Proposal:
    """What a preview found: the plan entries that would make the change."""

    entries: list[PlanEntry]
    what: str
    """Short title of the change, e.g. ``stop 2 EC2 instances in us-east-1``."""
    region: str = ""
    """The region the plan works in (empty for global and GitHub changes)."""
    note: str = ""
    """Markdown shown under the plan (the policy it will set, a caveat)."""


@dataclass(frozen=True)
class Unchanged:
    """What a preview found when the change is already so: no plan."""

    title: str
    data: Mapping[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- what runs


GLOBAL = "global"
"""The region of a call to a global service's one endpoint (IAM). AWS signs such a request
for the partition's own region, and that is what ``aws:RequestedRegion`` holds for it:
``us-east-1`` in ``aws``, ``us-gov-west-1`` in ``aws-us-gov``, ``cn-north-1`` in ``aws-cn``.
The session policy resolves it from the plan's partition
(:func:`devops_agent.session_policy.requested_region`)."""


class Grant(BaseModel):
    """One IAM authorization a call needs: an action on resources, under conditions.

    ``resources`` are ARN patterns with ``{partition}`` and ``{account}`` left in braces
    (filled in from the plan's account when the session policy is built); ``("*",)``
    for an action that takes no resource-level permissions (the Service Authorization
    Reference lists no resource type for it), and a trailing ``*`` (``instance/*``) for
    a resource whose ARN AWS gives only when it is created.
    """

    model_config = ConfigDict(frozen=True)

    action: str
    """The IAM action, e.g. ``ec2:CreateTags``."""
    resources: tuple[str, ...] = ("*",)
    conditions: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    """More conditions for this grant alone, e.g. ``{"StringEquals": {"ec2:CreateAction":
    ["RunInstances"]}}``; ``aws:RequestedRegion`` is added from the call's region."""


class ApiCall(BaseModel):
    """One request an executor sends, exactly as it sends it (an operation's ``calls``).

    Declared per operation from its validated arguments, so that the plan shows what
    will run before anyone approves it, the session policy allows exactly these calls
    (:mod:`devops_agent.session_policy`), ``apply --dry-run`` can send them with
    ``DryRun=True``, and a test can compare them with what the executor really sent.
    """

    model_config = ConfigDict(frozen=True)

    service: str
    """``ec2``, ``s3``, ``iam`` … (a boto3 service name), or ``github``."""
    operation: str
    """The API operation as the service names it: ``StopInstances``; for GitHub the
    method and path, ``PUT /repos/{owner}/{repo}/actions/secrets/{name}``."""
    params: dict[str, Any] = Field(default_factory=dict)
    """The request's parameters as boto3 takes them. A value written ``<…>`` is a
    placeholder: a secret (``<the private key, sealed for the repository>``), or what is
    known only at apply (``<the new subnet's id>``, made by an earlier call)."""
    action: str = ""
    """The IAM action it needs (``ec2:StopInstances``); empty for GitHub."""
    region: str = ""
    """The AWS region it is sent to (``aws:RequestedRegion`` in the session policy);
    :data:`GLOBAL` for a global service (IAM), resolved from the plan's partition."""
    resources: tuple[str, ...] = ("*",)
    """ARN patterns it acts on (see :class:`Grant`): in the session policy, and what an
    apply locks while it runs (the concrete ones)."""
    uses: tuple[str, ...] = ()
    """ARN patterns it names without changing them (the AMI and subnet of a launch): in
    the session policy, never locked."""
    conditions: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    """More conditions for the call's own grant. They pin what the request names beyond its
    resources, e.g. ``{"ArnEquals": {"iam:PolicyARN": [arn]}}`` for an attach (the session may
    attach that policy and no other), or ``{"StringEquals":
    {"aws:ResourceTag/devops-agent/create-token": ["…"]}}`` so that a call on a resource the
    plan creates (whose id nobody knows yet) may act on that one resource alone."""
    extra: tuple[Grant, ...] = ()
    """Further authorizations the same request needs (``ec2:CreateTags`` for the tags
    of a launch)."""
    dry_run: bool = False
    """The API takes ``DryRun=True`` (EC2): ``apply --dry-run`` sends it that way."""
    when: str = ""
    """Empty when it is always sent; otherwise when (``only if storing the secret
    fails``)."""

    def grants(self) -> list[Grant]:
        """Every authorization the call needs: its own action, then the extra ones.

        Returns:
            A grant of :attr:`action` on :attr:`resources` and :attr:`uses` with
            :attr:`conditions` (none for a GitHub call, which has no IAM action), then
            :attr:`extra`.
        """
        own = [
            Grant(
                action=self.action,
                resources=(*self.resources, *self.uses),
                conditions=self.conditions,
            )
        ]
        return [*(own if self.action else []), *self.extra]

    def placeholders(self) -> list[str]:
        """The parameter values written ``<…>``: known only at apply, or secret.

        Returns:
            Those values, in the order they appear; empty when the call can be sent as
            the plan shows it (``apply --dry-run`` previews only such calls).
        """
        found: list[str] = []

        def walk(value: Any) -> None:
            if isinstance(value, str) and value.startswith("<") and value.endswith(">"):
                found.append(value)
            elif isinstance(value, dict):
                for item in value.values():
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        walk(self.params)
        return found

    def line(self) -> str:
        """The call in one line for people, as the plan and its apply show it.

        A text parameter longer than 300 characters (a comment's body) is cut there and says
        how long it is: the entry's arguments in the plan's block hold all of it, and a plan
        comment has room for it only once.

        Returns:
            The IAM action (or service and operation), the parameters as compact JSON with
            sorted keys, the region and the condition, e.g.
            ``ec2:StopInstances {"InstanceIds":["i-…"]} (us-east-1)``.
        """
        import json

        name = self.action or f"{self.service} {self.operation}"
        params = json.dumps(
            _bounded(self.params), sort_keys=True, separators=(",", ":"), default=str
        )
        where = f" ({self.region})" if self.region else ""
        when = f" — {self.when}" if self.when else ""
        return f"{name} {params}{where}{when}"


#: Characters of one text parameter an :class:`ApiCall`'s line shows.
_SHOWN = 300


def _bounded(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _SHOWN:
        return f"{value[: _SHOWN - 1]}… ({len(value):,} characters in all)"
    if isinstance(value, dict):
        return {k: _bounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_bounded(v) for v in value]
    return value


@dataclass(frozen=True)
class Verified:
    """The post-condition holds: the change is what the plan said."""

    what: str
    """What was read back, e.g. ``i-0abc… is stopped``."""


@dataclass(frozen=True)
class InProgress:
    """AWS accepted the change and is still carrying it out."""

    what: str
    """What was read back, e.g. ``i-0abc… is stopping``."""
    watch: str
    """What to watch until it is done, e.g. ``ec2 describe i-0abc…`` until ``stopped``."""


@dataclass(frozen=True)
class NotAsPlanned:
    """What was read back is not what the plan said: the plan stops here."""

    what: str
    """What was read, e.g. ``i-0abc… is running``."""


Verification = Verified | InProgress | NotAsPlanned
"""What an operation's ``verify`` read back after its entry ran."""


# --------------------------------------------------------------------------- the run's sides


class Reader(Protocol):
    """What reads and previews may use: the read side of a run (a ``DevOpsContext``)."""

    requester: str
    repository: str
    github: Github | None
    settings: Settings
    """The action's inputs (read-only): limits, the config file, ``fail-on``, the token …"""
    env: ActionsEnv
    """The Actions environment: run URL, workspace, ``GITHUB_SERVER_URL`` …"""

    def session(self) -> boto3.Session:
        """The read role's session.

        Returns:
            A boto3 session with the read role's credentials.
        """
        ...

    @property
    def region(self) -> str:
        """The default region."""
        ...

    @property
    def regions(self) -> tuple[str, ...]:
        """The configured regions (``--region all``)."""
        ...

    @property
    def workspace(self) -> Path:
        """The checkout, where workspace files are read and downloads go."""
        ...

    def head_sha(self) -> str | None:
        """The pull request's head when the run answers on one.

        Returns:
            The head commit's SHA, or ``None`` outside a pull request.
        """
        ...


@dataclass(frozen=True)
class Applying:
    """The plan an executor is carrying out, and who asked for it and approved it."""

    plan_id: str
    requester: str
    """Who asked for the plan."""
    approver: str
    """Who applied it (the author of the ``apply`` comment)."""
    run_url: str = ""
    """The apply run, when known."""


class Writers(Protocol):
    """What an executor may change things with: the apply side of a run."""

    @property
    def applying(self) -> Applying:
        """The plan being carried out: its id, requester and approver."""
        ...

    def reader(self) -> Reader:
        """The read side of the same run (the read role), for a step that reads back what
        the plan changed, such as the audit's re-check after a fix.

        Returns:
            The run's reader, with the read role's session.
        """
        ...

    def aws(self) -> boto3.Session:
        """The write role's session (assumed on first use).

        Returns:
            A boto3 session with the write role's credentials, for this plan's apply.
        """
        ...

    @property
    def github(self) -> Github:
        """The GitHub client of the run."""
        ...

    @property
    def workspace(self) -> Path:
        """The apply run's workspace (where planned uploads are read)."""
        ...


# --------------------------------------------------------------------------- declarations


class Command:
    """One way to type an operation: a usage line, its help line, and fixed arguments.

    The command's words are the leading lower-case words of ``usage``
    (``"ec2 sg authorize SG_ID --port P"`` → ``ec2 sg authorize``). Keyword
    arguments fix fields of the argument model for this form
    (``Command("ec2 stop ID...", "…", action="stop")``).
    """

    __slots__ = ("fixed", "path", "summary", "usage")

    def __init__(self, usage: str, summary: str, **fixed: Any) -> None:
        self.usage = usage
        self.summary = summary
        self.fixed: dict[str, Any] = fixed
        words: list[str] = []
        for token in usage.split():
            if not token.replace("-", "").isalnum() or token.lower() != token:
                break
            words.append(token)
        self.path: tuple[str, ...] = tuple(words)

    def __repr__(self) -> str:
        return f"Command({self.usage!r})"


@dataclass(frozen=True, kw_only=True)
class _Declared(Generic[A]):
    name: str
    """Unique, ``service.verb_noun``; a plan entry names its operation by it."""
    args: type[A]
    summary: str
    """One line: what it does (help, docs and the tool's description start here)."""
    service: Service
    commands: tuple[Command, ...] = ()
    """How people type it; empty for a step that only other plans carry."""
    tool: str = ""
    """The agent's tool name (default: the part of ``name`` after the dot)."""
    guide: str = ""
    """More for the model: when to use it, what it returns, its limits."""
    agent: bool | str = True
    """``True`` when the agent may use it; otherwise the reason it may not."""
    github: tuple[str, ...] = ()
    """GitHub token permissions it needs, e.g. ``("actions: write",)``."""
    specialists: tuple[str, ...] = ()
    """Agents that hold its tool (default: the service's specialist)."""
    timeout: float = 90.0
    """Seconds one tool call may take."""

    @property
    def tool_name(self) -> str:
        """The agent's tool name."""
        return self.tool or self.name.split(".", 1)[1]

    @property
    def for_agent(self) -> bool:
        """Whether the agent gets a tool for it."""
        return self.agent is True


@dataclass(frozen=True, kw_only=True)
class Read(_Declared[A], Generic[A, D]):
    """An operation that reads: it answers at once, with the read role."""

    read: Callable[[Reader, A], D]
    """Reads and returns data (pydantic models): the tool's result and the render's input."""
    render: Callable[[Reader, A, D], Result] | None = None
    """The command's answer; ``None`` when only the agent uses the read."""
    actions: tuple[str, ...] = ()
    """IAM actions the read role needs."""
    source: str = "AWS"
    """Who wrote the data the read returns (named to the model as untrusted)."""


@dataclass(frozen=True, kw_only=True)
class Write(_Declared[A]):
    """An operation that changes something: planned now, carried out on apply."""

    plan: Callable[[Reader, A], Proposal | Unchanged]
    """The preview: checks what the arguments name with the read role and returns the
    plan entries (normalised arguments, a description per entry), or what is already so."""
    run: Callable[[Writers, A], str] | None = None
    """The executor: carries out one entry with the write side; returns one line.
    ``None`` for a composite whose plan holds only other operations (``emits``)."""
    reads: tuple[str, ...] = ()
    """IAM actions the preview needs (read role), and those ``verify`` and ``before``
    read with."""
    actions: tuple[str, ...] = ()
    """IAM actions the executor needs (write role)."""
    arns: tuple[str, ...] = ()
    """ARN patterns of what it touches: ``{partition}``, ``{region}``, ``{account}`` and
    argument fields in braces (a list field stands for each of its items)."""
    emits: tuple[Write[Any], ...] = ()
    """Other operations its plans may carry (cleanup steps, composites), and the steps
    without a command of their own that its rollback plans carry (putting back a group
    membership a removal took away)."""

    # -- plans that prove themselves (issue 15): what runs, what it leaves, the way back --
    calls: Callable[[A], list[ApiCall]] | None = None
    """The exact requests the executor sends for these (validated) arguments, in order.
    The plan shows them; the session policy allows exactly their grants; ``apply
    --dry-run`` sends the ``dry_run`` ones with ``DryRun=True``. ``None`` for an
    operation not yet declared this way: its session policy falls back to ``actions``
    on ``arns`` (:func:`devops_agent.session_policy.grants_of`)."""
    verify: Callable[[Reader, A], Verification] | None = None
    """Reads the post-condition back with the read role after the entry ran:
    :class:`Verified`, :class:`InProgress` (with what to watch) or :class:`NotAsPlanned`
    (what was read; the plan stops there). On a resumed apply it is asked first, so an
    entry already carried out (a create) is never repeated."""
    before: Callable[[Reader, A], Any] | None = None
    """Reads, with the read role, the state the way back needs, right before the entry
    runs (JSON-able: it goes into the apply's report)."""
    undo: Callable[[Reader, Any, A], list[PlanEntry]] | None = None
    """The inverse entries (a rollback plan), from what ``before`` read and, for what the
    entry created, what the read role finds now. Empty when there is nothing to undo (a
    reboot, an instance that was already stopped)."""
    irreversible: Callable[[A], str] | str = ""
    """Why these arguments cannot be undone, in words a tired on-call engineer cannot
    miss (``"terminating deletes the instances and their instance-store data"``); empty
    when they can. A string for an operation that never can be, a function when it
    depends on the arguments (``terminate`` but not ``stop``)."""
    examples: tuple[dict[str, Any], ...] = field(default=(), hash=False, compare=False)
    """Argument sets, as a plan holds them, that together reach every action in
    ``actions``: the catalog-wide tests check the session policy and the declarations
    above against them."""

    def warning(self, args: A) -> str:
        """Why ``args`` cannot be undone, or empty when they can.

        Args:
            args: This operation's validated arguments.

        Returns:
            :attr:`irreversible` itself, or what it returns for ``args`` when it is a
            function; ``""`` when the change can be undone.
        """
        reason = self.irreversible
        return reason(args) if callable(reason) else reason

    def entry(self, args: A, description: str, resources: Sequence[str] = ()) -> PlanEntry:
        """The plan entry that carries out this operation with ``args``.

        The description is one line: hidden markup removed and whitespace collapsed, so
        nothing a person or AWS wrote can start a new line in a log or a comment.

        Args:
            args: This operation's validated arguments.
            description: What the entry does, for people; made one line.
            resources: The resources it touches (ids, names), for the plan's table.

        Returns:
            The entry, its arguments as JSON data.

        Raises:
            TypeError: ``args`` is another operation's model.
        """
        if not isinstance(args, self.args):
            raise TypeError(f"{self.name} takes {self.args.__name__}, not {type(args).__name__}")
        line = " ".join(clean_untrusted(description).split())
        return PlanEntry(
            operation=self.name,
            args=args.model_dump(mode="json"),
            description=line,
            resources=list(resources),
        )


Declaration = Read[Any, Any] | Write[Any]
"""Anything the catalog holds."""
