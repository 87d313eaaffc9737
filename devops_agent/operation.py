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
    "Args",
    "Command",
    "Declaration",
    "Hidden",
    "Lower",
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


class Writers(Protocol):
    """What an executor may change things with: the apply side of a run."""

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
    """IAM actions the preview needs (read role)."""
    actions: tuple[str, ...] = ()
    """IAM actions the executor needs (write role)."""
    arns: tuple[str, ...] = ()
    """ARN patterns of what it touches: ``{partition}``, ``{region}``, ``{account}`` and
    argument fields in braces (a list field stands for each of its items)."""
    emits: tuple[Write[Any], ...] = ()
    """Other operations its plans may carry (cleanup steps, composites)."""

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
