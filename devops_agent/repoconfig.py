"""The repository's own instructions: the ``agent:`` and ``commands:`` sections of the
config file (the ``config-file`` input, default ``.github/devops-agent.yml``)::

    agent:
      instructions: |                     # read by every agent, as data
        Production is eu-west-1; staging is us-east-1.
        Never touch instances tagged keep=true.
      pricing:                            # USD per million tokens, per model
        my-model: {input: 0.4, cached_input: 0.1, output: 1.6}
      mcp_servers:                        # extra read-only tools (docs/mcp.md)
        - name: docs
          specialist: knowledge
          command: [uvx, awslabs.aws-documentation-mcp-server]
          tools: [search_documentation, read_documentation]
    commands:
      restart-web: ["ec2 reboot {instance}"]      # steps; parameters from the braces
      morning-check:
        description: What runs, and the buckets.
        steps: ["ec2 list --state running", "s3 list"]

**Where it is read from.** In a workflow, from the repository's **default branch**
through the contents API (no ``ref``: GitHub answers with the default branch), never
from the workspace: on a comment on a pull request the checkout may be the PR's head,
and a PR that edits the file must not change how its own comments are handled. Local
runs (``devops-agent run``) read the file in the working directory, the caller's own.
The ``audit:`` section belongs to :mod:`devops_agent.audit.config`.

**What it may do.** Instructions are text for the model, shown as data inside the same
rules (cleaned of hidden markup, bounded, screened like tool output, redacted); the
tools, the plan gate and the roles do not change. A custom command is a named sequence
of catalog commands run through the command path: reads answer, writes are previewed
and proposed together as **one** plan (one approval for one named procedure; every
preview passes before anything is proposed, so nothing is half-planned; and a comment
holds one plan). Mistakes raise :class:`~devops_agent.errors.ConfigError` naming the
file and the entry.
"""

from __future__ import annotations

import base64
import re
import shlex
import string
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from devops_agent.errors import BadInput, ConfigError, ServiceError

if TYPE_CHECKING:
    from devops_agent.context import DevOpsContext

__all__ = [
    "MAX_CONFIG_BYTES",
    "MAX_INSTRUCTIONS",
    "SPECIALISTS",
    "CustomCommand",
    "McpServer",
    "Price",
    "RepoConfig",
    "load",
    "parse",
]

#: The largest config file read (bytes).
MAX_CONFIG_BYTES = 64 * 1024
#: The longest instructions a model is shown (characters).
MAX_INSTRUCTIONS = 4_000
#: Most steps of one custom command.
MAX_STEPS = 10

Specialist = Literal["ec2", "network", "s3", "iam", "github", "audit", "knowledge"]
#: The agent's specialists an MCP server's tools may be given to (the agent's own list).
SPECIALISTS: tuple[str, ...] = Specialist.__args__  # type: ignore[attr-defined]

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_SERVER_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_PARAM = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,63}$")
_EXAMPLE = (
    "agent:\n"
    "  instructions: |\n"
    "    Production is eu-west-1. Never touch instances tagged keep=true.\n"
    "commands:\n"
    '  restart-web: ["ec2 reboot {instance}"]'
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Price(_Strict):
    """What one model costs, in US dollars per million tokens."""

    input: float = Field(ge=0)
    """Input tokens."""
    output: float = Field(ge=0)
    """Output tokens (reasoning tokens are output tokens)."""
    cached_input: float | None = Field(None, ge=0)
    """Input tokens served from the provider's cache; the input price when unset."""


class McpServer(_Strict):
    """An MCP server whose read-only tools a specialist may use (see docs/mcp.md)."""

    name: str
    """Short name, ``[a-z][a-z0-9_-]*``; shown in traces and answers."""
    specialist: Specialist = "knowledge"
    """The specialist that gets its tools."""
    command: list[str] | None = None
    """A local server over stdio: the program and its arguments (no shell)."""
    url: str | None = None
    """A remote server over streamable HTTP: its endpoint."""
    tools: list[str] = Field(min_length=1, max_length=50)
    """The allow-list: only these tools, and only those the server marks
    ``readOnlyHint: true``; anything else is refused."""
    env: dict[str, str] = Field(default_factory=dict)
    """Plain environment variables for a stdio server (no secrets: this file is public
    to everyone who can read the repository)."""
    pass_env: list[str] = Field(default_factory=list)
    """Names of variables of the action's environment (set with the step's ``env:`` from
    secrets) passed to a stdio server; their values are redacted everywhere."""
    headers_from_env: dict[str, str] = Field(default_factory=dict)
    """HTTP headers of a remote server, each taken from the named environment variable
    (e.g. ``Authorization: DOCS_MCP_AUTH``); redacted everywhere."""
    timeout_seconds: float = Field(30.0, gt=0, le=300)
    """Longest wait for the server to start and for one call."""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _SERVER_NAME.match(value):
            raise ValueError("must be lower-case letters, digits, - or _ (at most 32)")
        return value

    @field_validator("pass_env")
    @classmethod
    def _env_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not _ENV_NAME.match(name):
                raise ValueError(f"{name!r} is not an environment variable name")
        return value

    @field_validator("headers_from_env")
    @classmethod
    def _header_sources(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value.values():
            if not _ENV_NAME.match(name):
                raise ValueError(f"{name!r} is not an environment variable name")
        return value

    @model_validator(mode="after")
    def _one_transport(self) -> McpServer:
        if (self.command is None) == (self.url is None):
            raise ValueError("give exactly one of command (stdio) or url (streamable HTTP)")
        if self.command is not None and not self.command:
            raise ValueError("command needs the program to run")
        if self.url is not None and not self.url.startswith(("https://", "http://")):
            raise ValueError("url must be an http(s) URL")
        if self.url is not None and (self.env or self.pass_env):
            raise ValueError("env and pass_env are for stdio servers (command)")
        if self.command is not None and self.headers_from_env:
            raise ValueError("headers_from_env is for HTTP servers (url)")
        return self


class CustomCommand(_Strict):
    """A named sequence of catalog commands."""

    name: str
    """What people type after the trigger, e.g. ``restart-web``."""
    description: str = ""
    """One line for ``help``."""
    params: dict[str, str | None] = Field(default_factory=dict)
    """Parameters in the order they are typed: name → default (``None``: required)."""
    steps: list[str] = Field(min_length=1, max_length=MAX_STEPS)
    """Catalog command lines; ``{param}`` is replaced by the value given, as one word."""

    @property
    def usage(self) -> str:
        """``restart-web INSTANCE [REGION]``."""
        words = [self.name]
        for param, default in self.params.items():
            words.append(param.upper() if default is None else f"[{param.upper()}]")
        return " ".join(words)

    def bind(self, words: list[str]) -> dict[str, str]:
        """The parameters' values from the words typed after the name.

        Words fill the parameters in order; ``name=value`` and ``--name value`` name one.

        Args:
            words: The words typed after the command's name.

        Returns:
            Every parameter's value: what was typed, else its default.

        Raises:
            BadInput: a missing or unknown parameter, too many words, or a value that is
                not one plain word (no spaces, no leading ``-``).
        """
        remedy = f"Usage: {self.usage}"
        values: dict[str, str] = {}
        positional: list[str] = []
        tokens = list(words)
        i = 0
        while i < len(tokens):
            token = tokens[i]
            name = ""
            if token.startswith("--") and len(token) > 2:
                name, eq, value = token[2:].partition("=")
                if not eq:
                    if i + 1 >= len(tokens):
                        raise BadInput(f"--{name} needs a value.", remedy=remedy)
                    value = tokens[i + 1]
                    i += 1
            elif "=" in token and _PARAM.match(token.split("=", 1)[0]):
                name, _, value = token.partition("=")
            else:
                positional.append(token)
            if name:
                key = name.replace("-", "_").lower()
                if key not in self.params:
                    raise BadInput(f"`{self.name}` has no parameter {name}.", remedy=remedy)
                values[key] = value
            i += 1
        free = [p for p in self.params if p not in values]
        if len(positional) > len(free):
            extra = " ".join(positional[len(free) :])
            raise BadInput(f"Too many words for `{self.name}`: {extra}.", remedy=remedy)
        values.update(zip(free, positional, strict=False))
        for param, default in self.params.items():
            if param not in values:
                if default is None:
                    raise BadInput(f"`{self.name}` needs {param.upper()}.", remedy=remedy)
                values[param] = default
            _check_value(param, values[param], remedy)
        return values

    def lines(self, values: dict[str, str]) -> list[str]:
        """The steps with the values in place, each value one word whatever it holds.

        Args:
            values: What :meth:`bind` returned.

        Returns:
            One command line per step, each ``{param}`` replaced and the words
            shell-quoted, so a value can never add a word to a step.
        """
        return [
            shlex.join([_fill(token, values) for token in shlex.split(step)]) for step in self.steps
        ]


def _check_value(param: str, value: str, remedy: str) -> None:
    if (
        not value
        or len(value) > 200
        or value.startswith("-")
        or any(c.isspace() or not c.isprintable() or c in "\"'`\\{}" for c in value)
    ):
        raise BadInput(
            f"{param.upper()} must be one plain word (no spaces, quotes or braces, not "
            f"starting with -), not {value[:40]!r}.",
            remedy=remedy,
        )


def _fill(token: str, values: dict[str, str]) -> str:
    return string.Formatter().vformat(token, (), values) if "{" in token else token


def _placeholders(step: str) -> list[str]:
    found: list[str] = []
    for _, field, spec, conversion in string.Formatter().parse(step):
        if field is None:
            continue
        if spec or conversion or not _PARAM.match(field):
            raise ValueError(f"{{{field}}} is not a parameter: use {{name}} with a-z, 0-9 and _")
        if field not in found:
            found.append(field)
    return found


class RepoConfig(_Strict):
    """The repository's instructions, custom commands, MCP servers and prices."""

    instructions: str = ""
    """Conventions, naming, the regions that matter, what never to touch."""
    commands: dict[str, CustomCommand] = Field(default_factory=dict)
    """Custom commands by name."""
    mcp_servers: list[McpServer] = Field(default_factory=list)
    """Extra read-only tools."""
    pricing: dict[str, Price] = Field(default_factory=dict)
    """Prices per model name, over the built-in table."""
    source: str = ""
    """Where it was read, for messages (``acme/platform:.github/devops-agent.yml@default``)."""


class _AgentSection(_Strict):
    """The ``agent:`` section."""

    instructions: str = ""
    """Conventions, naming, the regions that matter, what never to touch (at most
    4,000 characters are shown to the model)."""
    mcp_servers: list[McpServer] = Field(default_factory=list)
    """Read-only MCP servers whose tools a specialist may use."""
    pricing: dict[str, Price] = Field(default_factory=dict)
    """Model name → price, over the built-in table (``tokens`` and ``cost-usd``,
    ``max-cost-usd``)."""

    @field_validator("mcp_servers")
    @classmethod
    def _unique(cls, value: list[McpServer]) -> list[McpServer]:
        names = [s.name for s in value]
        if len(set(names)) != len(names):
            raise ValueError("two MCP servers have the same name")
        return value


class _CommandSpec(_Strict):
    """One entry of ``commands:`` (or just its list of steps)."""

    description: str = ""
    """One line for ``help``."""
    params: list[str] | dict[str, str | None] | None = None
    """Parameters in the order they are typed (a mapping gives defaults); by default the
    ``{names}`` in the steps, in order."""
    steps: list[str] = Field(min_length=1, max_length=MAX_STEPS)
    """Command lines (at most 10), run in order."""


# --------------------------------------------------------------------------- parsing


def parse(text: str, source: str) -> RepoConfig:
    """Validate the config file's ``agent:`` and ``commands:`` sections.

    Args:
        text: the file's YAML.
        source: where it came from, named in every message.

    Returns:
        The validated config; an empty one for an empty file.

    Raises:
        ConfigError: invalid YAML, an unknown key, or an invalid entry (named).
    """
    if len(text.encode("utf-8")) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{source} is larger than {MAX_CONFIG_BYTES // 1024} KiB.",
            remedy="Keep the config file short; long guides belong in the repository's docs.",
        )
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(
            f"{source} is not valid YAML{where}: {getattr(exc, 'problem', None) or exc}.",
            remedy="Fix the YAML syntax (indentation, a missing colon or quote).",
        ) from None
    if data is None:
        return RepoConfig(source=source)
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source}: the file must be a mapping of keys, not a {type(data).__name__}.",
            remedy=f"For example:\n{_EXAMPLE}",
        )
    agent = _section(data, "agent", source)
    try:
        section = _AgentSection.model_validate(agent)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_explain(exc, 'agent')}", remedy=_EXAMPLE) from None
    commands = _commands(_section(data, "commands", source), source)
    return RepoConfig(
        instructions=section.instructions.strip(),
        commands=commands,
        mcp_servers=section.mcp_servers,
        pricing=section.pricing,
        source=source,
    )


def _section(data: dict[str, Any], key: str, source: str) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(
            f"{source}: `{key}` must be a mapping, not a {type(value).__name__}.",
            remedy=f"For example:\n{_EXAMPLE}",
        )
    return value


def _explain(exc: ValidationError, prefix: str) -> str:
    first = exc.errors()[0]
    where = prefix + "".join(
        f"[{p}]" if isinstance(p, int) else f".{p}" for p in first.get("loc", ())
    )
    message = str(first.get("msg", "is invalid")).removeprefix("Value error, ")
    if first.get("type") == "extra_forbidden":
        message = "unknown key"
    return f"{where}: {message}."


def _commands(section: dict[str, Any], source: str) -> dict[str, CustomCommand]:
    from devops_agent.commands import reserved_words  # the catalog's words are reserved

    reserved = reserved_words()
    found: dict[str, CustomCommand] = {}
    for name, raw in section.items():
        where = f"{source}: commands.{name}"
        if not isinstance(name, str) or not _NAME.match(name):
            raise ConfigError(
                f"{where}: a command name is lower-case letters, digits and -, starting with "
                "a letter (at most 40).",
                remedy=_EXAMPLE,
            )
        if name in reserved:
            raise ConfigError(
                f"{where}: `{name}` is a word of the command language; a custom command "
                "cannot replace it.",
                remedy="Choose another name, such as restart-web.",
            )
        spec = raw if isinstance(raw, dict) else {"steps": raw}
        try:
            parsed = _CommandSpec.model_validate(spec)
            found[name] = _command(name, parsed)
        except ValidationError as exc:
            raise ConfigError(f"{source}: {_explain(exc, f'commands.{name}')}") from None
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}", remedy=_EXAMPLE) from None
    return found


def _command(name: str, spec: _CommandSpec) -> CustomCommand:
    from devops_agent.commands import step_problem

    used: list[str] = []
    for n, step in enumerate(spec.steps, 1):
        if "\n" in step:
            raise ValueError(f"step {n} must be one command line")
        for field in _placeholders(step):
            if field not in used:
                used.append(field)
        problem = step_problem(step)
        if problem:
            raise ValueError(f"step {n} (`{step}`): {problem}")
    if spec.params is None:
        params: dict[str, str | None] = dict.fromkeys(used)
    elif isinstance(spec.params, list):
        params = dict.fromkeys(spec.params)
    else:
        params = dict(spec.params)
    for param in params:
        if not _PARAM.match(param):
            raise ValueError(f"parameter {param!r}: use a-z, 0-9 and _")
    unknown = [f for f in used if f not in params]
    if unknown:
        raise ValueError(f"{{{unknown[0]}}} is not one of its params ({', '.join(params)})")
    return CustomCommand(name=name, description=spec.description, params=params, steps=spec.steps)


# --------------------------------------------------------------------------- reading


def load(ctx: DevOpsContext) -> RepoConfig:
    """The repository config of this run, read once (cached on the context).

    In a workflow: the file on the default branch, through the contents API. Locally
    (``devops-agent run``, the demo), or without a GitHub client: the file in the
    workspace. A file that does not exist is an empty config.

    Args:
        ctx: The run: its settings name the file (``config-file``), its GitHub client and
            event decide where it is read, and the parsed config is kept on it.

    Returns:
        The parsed config, or an empty one naming where it was looked for.

    Raises:
        ConfigError: the file is invalid, or GitHub refused to read it.
    """
    if ctx.repo_config is not None:
        return ctx.repo_config
    path = _relative(ctx.settings.config_file)
    from devops_agent.events import LocalEvent

    if ctx.github is not None and ctx.repository and not isinstance(ctx.event, LocalEvent):
        source = f"{ctx.repository}:{path} on the default branch"
        text = _default_branch_file(ctx, path)
    else:
        source = str(path)
        file = ctx.workspace / path
        try:
            text = file.read_text(encoding="utf-8") if file.is_file() else None
        except OSError as exc:
            raise ConfigError(f"Cannot read {file}: {exc.strerror or exc}.") from None
    config = parse(text, source) if text is not None else RepoConfig(source=source)
    ctx.repo_config = config
    return config


def _relative(name: str) -> PurePosixPath:
    path = PurePosixPath(name.strip().replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ConfigError(
            f"config-file is {name!r}: it must be a path inside the repository.",
            remedy="For example: config-file: .github/devops-agent.yml",
        )
    return path


def _default_branch_file(ctx: DevOpsContext, path: PurePosixPath) -> str | None:
    """The file's text on the default branch; ``None`` when it does not exist.

    No ``ref`` is sent: the contents API then answers with the default branch, whatever
    the run checked out, and costs one request.
    """
    from urllib.parse import quote

    from devops_agent.gh.common import api, github_errors

    assert ctx.github is not None
    try:
        with github_errors(f"read {path}", permission="contents: read"):
            data = api(ctx.github, "GET", f"/repos/{ctx.repository}/contents/{quote(str(path))}")
    except ServiceError as exc:
        if exc.code == "404":
            return None
        raise ConfigError(
            f"Cannot read the config file {path} from the default branch: {exc.message}",
            remedy="Give the job `contents: read` in its `permissions:` block.",
        ) from None
    if not isinstance(data, dict) or data.get("type") != "file":
        raise ConfigError(f"config-file {path} is not a file on the default branch.")
    if int(data.get("size") or 0) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path} is larger than {MAX_CONFIG_BYTES // 1024} KiB.")
    if data.get("encoding") != "base64" or data.get("content") is None:
        raise ConfigError(f"GitHub did not return the content of {path}.")
    return base64.b64decode(str(data["content"])).decode("utf-8", "replace")
