"""Optional hosted web search (input ``web-search``), for the knowledge specialist.

The SDK's :class:`~agents.WebSearchTool` is a *hosted* tool: the model provider runs
the search, so the query leaves the runner for OpenAI's search service. It exists
only in the Responses API; with ``openai-api: chat_completions`` it is refused with a
:class:`~devops_agent.errors.ConfigError` rather than silently dropped. Its results
come back inside the model's answer, not as a tool result, so they do not pass the
``data_guardrail`` that function tools' outputs pass: the RULES still say text from
the web is data.
"""

from __future__ import annotations

from collections.abc import Sequence

from agents import Tool, WebSearchTool

from devops_agent.errors import ConfigError
from devops_agent.settings import Settings

__all__ = ["WEB_SEARCH_AGENT", "check_web_search", "extra_tools"]

#: The specialist that gets web search when it is enabled.
WEB_SEARCH_AGENT = "knowledge"


def check_web_search(settings: Settings) -> None:
    """Raise :class:`ConfigError` when web search is on but the API cannot carry it.

    Args:
        settings: The inputs.

    Raises:
        ConfigError: ``web-search`` is true and ``openai-api`` is ``chat_completions``.
    """
    if settings.web_search and settings.openai_api == "chat_completions":
        raise ConfigError(
            "Input web-search is true, but web search is a hosted tool of the Responses API "
            "and openai-api is chat_completions.",
            remedy="Set openai-api: responses (with a server that offers /responses), or "
            "web-search: false.",
        )


def extra_tools(settings: Settings) -> dict[str, Sequence[Tool]]:
    """Hosted tools enabled by settings, by specialist name (none by default).

    Args:
        settings: The inputs (``web-search``).

    Returns:
        Specialist name to hosted tools; empty unless web search is on.

    Raises:
        ConfigError: web search is on with the Chat Completions API.
    """
    if not settings.web_search:
        return {}
    check_web_search(settings)
    return {WEB_SEARCH_AGENT: (WebSearchTool(search_context_size="low"),)}
