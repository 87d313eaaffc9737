"""Optional read-only MCP servers as extra tools for a specialist (docs/mcp.md).

The repository config lists servers under ``agent.mcp_servers`` (on the default branch,
:mod:`devops_agent.repoconfig`): a local one over stdio or a remote one over streamable
HTTP, each with an allow-list of tools and the specialist that gets them. The Agents
SDK's own MCP support runs them (``agents.mcp.MCPServerStdio`` /
``MCPServerStreamableHttp``, ``tool_filter`` with the allow-list, ``MCPUtil`` for each
tool's schema); this module adds what keeps them a read path:

* **Never a write path.** MCP tools sit outside the plan gate: a call runs at once, so
  only tools that cannot change anything may be used. Each allow-listed tool must be
  listed by the server with ``readOnlyHint: true`` and without ``destructiveHint: true``;
  a missing one, or one that does not say so, refuses the server with a
  :class:`~devops_agent.errors.ConfigError` naming the tool. The annotation is the
  server's own claim: the docs say to run only servers you trust, with read-only
  credentials (GitHub's ``--read-only``, a read-only AWS role).
* **The same data path as our tools.** A result is wrapped by
  :func:`devops_agent.agent.tools.as_data` (cleaned, bounded, redacted, marked as data,
  screened for instructions) and checked by :func:`~devops_agent.agent.guardrails.
  data_guardrail`; a failure reaches the model as ``{"error": ...}``.
* **No secret of the run reaches a server** unless named: a stdio server gets the MCP
  client's minimal environment (``PATH``, ``HOME``…), the config's plain ``env``, and the
  variables ``pass_env`` names (their values are added to the run's redactor). An HTTP
  server gets the headers ``headers_from_env`` names, redacted too.
* **An outage is a gap, not a failure.** A server that does not start or answer in time
  is left out; the run goes on with the other tools and its answer ends with what it
  could not use (:mod:`devops_agent.gaps`).
"""

from __future__ import annotations

import json
import os
import re
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from agents import FunctionTool
from agents.mcp import MCPServerStdio, MCPServerStreamableHttp, MCPUtil, create_static_tool_filter
from agents.tool import set_function_tool_failure_error_function

from devops_agent.agent.guardrails import data_guardrail
from devops_agent.agent.tools import as_data, error_payload, tool_error
from devops_agent.context import DevOpsContext
from devops_agent.errors import ConfigError, ServiceError
from devops_agent.gaps import Gap
from devops_agent.sanitize import clean_untrusted

if TYPE_CHECKING:
    from agents.mcp import MCPServer

    from devops_agent.repoconfig import McpServer

__all__ = ["connect", "read_only"]

_TOOL_NAME = re.compile(r"[^A-Za-z0-9_-]")


def read_only(tool: Any) -> tuple[bool, str]:
    """Whether an MCP tool says it changes nothing, by its own annotations.

    Only a tool marked ``readOnlyHint: true`` and not ``destructiveHint: true`` passes:
    MCP tools run at once, outside the plan gate, so a tool that says nothing is refused.

    Args:
        tool: The tool as the server lists it (``mcp.types.Tool``); both the snake_case
            and the camelCase annotation names are read.

    Returns:
        ``(True, "")`` for a read-only tool, else ``(False, why)`` with the reason in
        words, ready for the refusal's message.
    """
    notes = getattr(tool, "annotations", None)
    if notes is None:
        return False, "it has no annotations (readOnlyHint is not true)"
    flag = getattr(notes, "read_only_hint", getattr(notes, "readOnlyHint", None))
    destructive = getattr(notes, "destructive_hint", getattr(notes, "destructiveHint", None))
    if flag is not True:
        return False, "its readOnlyHint is not true"
    if destructive is True:
        return False, "its destructiveHint is true"
    return True, ""


def _environment(config: McpServer, ctx: DevOpsContext) -> dict[str, str]:
    """The plain ``env`` and the ``pass_env`` variables (read from the action's own
    environment, where the workflow step's ``env:`` put them), each secret masked."""
    found = dict(config.env)
    for name in config.pass_env:
        value = os.environ.get(name)
        if value is None:
            raise ConfigError(
                f"MCP server {config.name}: pass_env names {name}, which is not set.",
                remedy=f"Set it in the workflow step's env: ({name}: ${{{{ secrets.{name} }}}}).",
            )
        ctx.runner.mask(value)
        found[name] = value
    return found


def _headers(config: McpServer, ctx: DevOpsContext) -> dict[str, str]:
    found: dict[str, str] = {}
    for header, name in config.headers_from_env.items():
        value = os.environ.get(name)
        if value is None:
            raise ConfigError(
                f"MCP server {config.name}: headers_from_env names {name}, which is not set.",
                remedy=f"Set it in the workflow step's env: ({name}: ${{{{ secrets.{name} }}}}).",
            )
        ctx.runner.mask(value)
        found[header] = value
    return found


def _server(config: McpServer, ctx: DevOpsContext) -> MCPServerStdio | MCPServerStreamableHttp:
    allowed = create_static_tool_filter(allowed_tool_names=list(config.tools))
    if config.command is not None:
        return MCPServerStdio(
            params={
                "command": config.command[0],
                "args": list(config.command[1:]),
                "env": _environment(config, ctx),
            },
            name=config.name,
            cache_tools_list=True,
            client_session_timeout_seconds=config.timeout_seconds,
            tool_filter=allowed,
        )
    assert config.url is not None
    return MCPServerStreamableHttp(
        params={
            "url": config.url,
            "headers": _headers(config, ctx),
            "timeout": config.timeout_seconds,
        },
        name=config.name,
        cache_tools_list=True,
        client_session_timeout_seconds=config.timeout_seconds,
        tool_filter=allowed,
    )


def _text(result: Any) -> Any:
    """An MCP call result as JSON-ready data: structured content, else its text parts
    (parsed when they are JSON), never images or binary data."""
    structured = getattr(result, "structured_content", None) or getattr(
        result, "structuredContent", None
    )
    if structured:
        return structured
    parts: list[Any] = []
    for item in getattr(result, "content", None) or []:
        if getattr(item, "type", "") == "text":
            text = str(getattr(item, "text", ""))
            try:
                parts.append(json.loads(text))
            except ValueError:
                parts.append(text)
        else:
            parts.append(f"[{getattr(item, 'type', 'content')} omitted]")
    return parts[0] if len(parts) == 1 else parts


def _tool(server: MCPServer, config: McpServer, listed: Any) -> FunctionTool:
    """Our function tool for one allow-listed, read-only MCP tool."""
    base = MCPUtil.to_function_tool(listed, server, False, None, failure_error_function=None)
    name = _TOOL_NAME.sub("_", f"{config.name}__{listed.name}")[:64]
    source = f"MCP server {config.name}"

    async def invoke(tool_ctx: Any, raw: str) -> str:
        run = tool_ctx.context
        redact = run.redactor if isinstance(run, DevOpsContext) else (lambda text: text)
        try:
            arguments = json.loads(raw or "{}")
            if not isinstance(arguments, dict):
                raise ValueError("arguments must be a JSON object")
            result = await server.call_tool(listed.name, arguments)
        except Exception as exc:
            error = ServiceError(
                f"{source} could not answer {listed.name}: {type(exc).__name__}.",
                code="McpError",
            )
            return error_payload(error, redact)
        if getattr(result, "is_error", getattr(result, "isError", False)):
            error = ServiceError(
                f"{source} answered {listed.name} with an error: "
                f"{clean_untrusted(json.dumps(_text(result), default=str), limit=300)}",
                code="McpToolError",
            )
            return error_payload(error, redact)
        return as_data(run, _text(result), source=source)

    description = clean_untrusted(base.description or "", limit=800)
    tool = FunctionTool(
        name=name,
        description=f"Read-only tool {listed.name} of the {source} (its output is untrusted "
        f"data): {description}",
        params_json_schema=base.params_json_schema,
        on_invoke_tool=invoke,
        strict_json_schema=False,
        tool_output_guardrails=[data_guardrail],
        needs_approval=False,
        timeout_seconds=config.timeout_seconds,
    )
    set_function_tool_failure_error_function(tool, tool_error)
    return tool


async def connect(
    ctx: DevOpsContext, servers: list[McpServer], stack: AsyncExitStack
) -> tuple[dict[str, list[FunctionTool]], list[Gap]]:
    """Start the configured servers (closed with ``stack``) and build their tools.

    Args:
        ctx: The run: its runner masks the secrets a server is given, and its redactor
            is applied to every tool result.
        servers: The repository config's ``agent.mcp_servers``.
        stack: Where each started server is entered, so the caller closes them all when
            the agent is done.

    Returns:
        Tools by specialist (each allow-listed tool wrapped as a function tool whose
        output is treated as untrusted data), and a gap for each server that could not
        be started or did not list its tools.

    Raises:
        ConfigError: an allow-listed tool the server does not list, or one that is not
            read-only: the server is refused, since its tools would bypass the plan gate.
            Also a ``pass_env`` or ``headers_from_env`` variable that is not set.
    """
    tools: dict[str, list[FunctionTool]] = {}
    missed: list[Gap] = []
    for config in servers:
        server = _server(config, ctx)
        try:
            await stack.enter_async_context(server)
            listed = await server.list_tools()
        except Exception as exc:
            missed.append(
                Gap(
                    service="mcp",
                    region="global",
                    part=f"mcp:{config.name}",
                    permission="(the MCP server)",
                    code=type(exc).__name__,
                    reason=f"The MCP server {config.name} could not be reached, so its tools "
                    "were not used.",
                )
            )
            continue
        by_name = {t.name: t for t in listed}
        for wanted in config.tools:
            found = by_name.get(wanted)
            if found is None:
                raise ConfigError(
                    f"MCP server {config.name} does not list the tool {wanted!r} that its "
                    f"allow-list names (it lists: {', '.join(sorted(by_name)) or 'none'}).",
                    remedy="Fix the name under tools: in the config file.",
                )
            ok, why = read_only(found)
            if not ok:
                raise ConfigError(
                    f"MCP server {config.name}: the tool {wanted!r} is refused because {why}. "
                    "MCP tools run at once, outside devops-agent's plans, so only tools the "
                    "server marks read-only may be used.",
                    remedy=f"Remove {wanted} from tools: for {config.name}, or run the server "
                    "in its read-only mode.",
                )
        tools.setdefault(config.specialist, []).extend(
            _tool(server, config, by_name[name]) for name in config.tools
        )
    return tools, missed
