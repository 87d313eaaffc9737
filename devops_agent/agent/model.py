"""The model behind the agents, and the limits on it: retries, time, the client.

:func:`build_model` makes the configured model over a client built here (never the SDK's
global default); :func:`model_settings` bounds each call's retries and time;
:func:`budget_seconds` is how long an agent run may take within ``timeout-seconds``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from agents import AgentsException, ModelRetrySettings, ModelSettings, retry_policies
from agents.retry import ModelRetryBackoffSettings

if TYPE_CHECKING:
    from agents.models.interface import Model
    from openai import AsyncOpenAI

    from devops_agent.settings import Settings

__all__ = [
    "MODEL_RETRIES",
    "MODEL_TIMEOUT",
    "RETRY_BACKOFF",
    "RETRY_STATUSES",
    "budget_seconds",
    "build_model",
    "is_model_error",
    "model_error_text",
    "model_settings",
]

#: Retries of a failed model call (timeouts, 429, 5xx, dropped connections) before giving up.
MODEL_RETRIES = 2
#: Backoff of those retries (seconds): first wait, cap, growth.
RETRY_BACKOFF = {"initial_delay": 1.0, "max_delay": 10.0, "multiplier": 2.0}
#: Longest single model call (seconds).
MODEL_TIMEOUT = 120.0
#: Status codes worth another try.
RETRY_STATUSES = (408, 409, 429, 500, 502, 503, 504)


def budget_seconds(settings: Settings, deadline: float | None = None) -> float:
    """How long the agent may run: the time left of ``timeout-seconds`` less a reserve.

    The app stops the whole run at ``timeout-seconds``; the agent stops itself earlier
    (a fifth of the limit, 3 to 60 seconds, kept back) so it can say what it did.
    ``deadline`` (monotonic) is when the whole run must end; time already spent on
    authorization and AWS reads before the agent started is taken off.

    Args:
        settings: The inputs (``timeout-seconds``).
        deadline: Monotonic time when the whole run must end; ``None`` counts from now.

    Returns:
        Seconds, at least 1.
    """
    total = float(settings.timeout_seconds)
    reserve = min(60.0, max(3.0, total * 0.2))
    left = total if deadline is None else max(0.0, deadline - time.monotonic())
    return max(1.0, min(total, left) - reserve)


def model_settings(*, timeout: float = MODEL_TIMEOUT) -> ModelSettings:
    """Bounded, runner-managed retries of failed model calls, and a per-call time limit.

    Args:
        timeout: Seconds one model call may take.

    Returns:
        Model settings with :data:`MODEL_RETRIES` retries, jittered backoff, and the time limit.
    """
    return ModelSettings(
        retry=ModelRetrySettings(
            max_retries=MODEL_RETRIES,
            backoff=ModelRetryBackoffSettings(jitter=True, **RETRY_BACKOFF),
            policy=retry_policies.any(
                retry_policies.provider_suggested(),
                retry_policies.network_error(),
                retry_policies.http_status(RETRY_STATUSES),
            ),
        ),
        timeout=timeout,
    )


def build_model(settings: Settings) -> tuple[Model, AsyncOpenAI]:
    """The configured model over a client built here, never the SDK's global default.

    ``openai-base-url`` wins; without it the client reads ``OPENAI_BASE_URL`` (any
    OpenAI-compatible server), else it talks to OpenAI. ``openai-api`` picks the
    Responses or the Chat Completions API. The client does no retries of its own:
    the runner does them (:func:`model_settings`), so they are counted and bounded once.

    Args:
        settings: The inputs (key, base URL, model name, API).

    Returns:
        The model and its client (closed by the caller).

    Raises:
        ValueError: no ``openai-api-key``.
    """
    from agents import OpenAIChatCompletionsModel, OpenAIResponsesModel
    from openai import AsyncOpenAI

    if settings.openai_api_key is None:
        raise ValueError("no openai-api-key")
    client = AsyncOpenAI(
        api_key=settings.openai_api_key.get_secret_value(),
        base_url=settings.openai_base_url or None,
        max_retries=0,
        timeout=MODEL_TIMEOUT,
    )
    model: Model
    if settings.openai_api == "chat_completions":
        model = OpenAIChatCompletionsModel(model=settings.model, openai_client=client)
    else:
        model = OpenAIResponsesModel(model=settings.model, openai_client=client)
    return model, client


def is_model_error(exc: BaseException) -> bool:
    """Whether ``exc`` is the model server's (the OpenAI client's errors).

    Args:
        exc: What the run stopped on.

    Returns:
        True for the OpenAI client's errors.
    """
    try:
        import openai
    except ImportError:  # pragma: no cover - openai ships with the SDK
        return False
    return isinstance(exc, openai.OpenAIError)


def model_error_text(exc: BaseException | None) -> tuple[str, str, int]:
    """Title, explanation and exit code for a model that did not answer.

    Args:
        exc: What the run stopped on (``None``: unknown).

    Returns:
        The answer's title, a sentence saying why and what to do, and the exit code.
    """
    import openai

    retries = f"{MODEL_RETRIES} retr{'y' if MODEL_RETRIES == 1 else 'ies'}"
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return (
            "The model server rejected the API key",
            f"It answered {exc.status_code}. Check the `openai-api-key` input (and "
            "`openai-base-url` if you use another server).",
            2,
        )
    if isinstance(exc, openai.NotFoundError):
        return (
            "The model server does not know this model or endpoint",
            "It answered 404. Check the `model` input, and `openai-api` "
            "(`responses` or `chat_completions`) for servers that offer only one API.",
            2,
        )
    if isinstance(exc, AgentsException):
        return (
            "The agent could not finish",
            f"The run stopped on {exc.__class__.__name__} (for example a malformed tool call "
            "from the model). Nothing was changed; ask again, perhaps more narrowly.",
            1,
        )
    if isinstance(exc, openai.APIStatusError):
        what = f"answered {exc.status_code}"
    elif isinstance(exc, openai.APITimeoutError):
        what = "did not answer in time"
    elif isinstance(exc, openai.APIConnectionError):
        what = "could not be reached"
    elif exc is not None:
        what = f"failed ({exc.__class__.__name__})"
    else:
        what = "failed"
    return (
        "The model did not answer",
        f"The model server {what}, also after {retries} with backoff. Nothing was changed; "
        "try again later.",
        1,
    )
