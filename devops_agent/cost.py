"""What the model costs: a price table, the cost of a run's usage, and a budget.

The run's usage comes from the Agents SDK (``Usage.request_usage_entries``: input,
cached input and output tokens per model request); :func:`cost_of` prices it with
:data:`PRICES` or the repository config's ``agent.pricing`` (which wins, model by model),
and the step outputs ``tokens`` and ``cost-usd`` carry the totals.

:class:`Budget` is ``max-cost-usd``: before each model call the agent asks it whether
the money spent so far plus an estimate of that call would pass the limit, and stops
with an answer that says so if it would. The estimate prices the call's whole prompt
(its characters / :data:`CHARS_PER_TOKEN`, none of it assumed cached) and the largest
output seen so far (at least :data:`MIN_OUTPUT_TOKENS`): a slight overestimate, so the
run stops *before* the budget rather than after. A resumed run (after an approval)
starts its budget with what the first part spent (``spent``).

Pure: no SDK import (the agent passes plain numbers in).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from devops_agent.errors import ConfigError

__all__ = [
    "CHARS_PER_TOKEN",
    "PRICES",
    "PRICES_AS_OF",
    "Budget",
    "Price",
    "RequestTokens",
    "cost_of",
    "price_for",
]

#: Characters per token when estimating a prompt's size (OpenAI's rule of thumb).
CHARS_PER_TOKEN = 4
#: The least output a model call is assumed to produce.
MIN_OUTPUT_TOKENS = 200


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens."""

    input: float
    output: float
    cached_input: float | None = None
    """Cached input tokens; the input price when ``None``."""


#: When the built-in prices below were taken from OpenAI's pricing page.
PRICES_AS_OF = "2025-08"
#: OpenAI's list prices (standard tier, USD per million tokens). A model not here, or a
#: different price, goes under ``agent.pricing`` in the repository config.
PRICES: dict[str, Price] = {
    "gpt-5": Price(1.25, 10.00, 0.125),
    "gpt-5-mini": Price(0.25, 2.00, 0.025),
    "gpt-5-nano": Price(0.05, 0.40, 0.005),
    "gpt-4.1": Price(2.00, 8.00, 0.50),
    "gpt-4.1-mini": Price(0.40, 1.60, 0.10),
    "gpt-4.1-nano": Price(0.10, 0.40, 0.025),
    "gpt-4o": Price(2.50, 10.00, 1.25),
    "gpt-4o-mini": Price(0.15, 0.60, 0.075),
    "o3": Price(2.00, 8.00, 0.50),
    "o4-mini": Price(1.10, 4.40, 0.275),
}

_DATED = re.compile(r"^(?P<base>.+?)-\d{4}-\d{2}-\d{2}$")


def price_for(model: str, overrides: Mapping[str, Any] | None = None) -> Price | None:
    """The price of ``model``: the config's entry, else the built-in one; ``None`` when
    neither knows it. A dated snapshot (``gpt-5-mini-2025-08-07``) costs what its model
    costs unless it is listed itself.

    Args:
        model: The model name the agent runs with.
        overrides: The repository config's ``agent.pricing`` (objects with ``input``,
            ``output`` and ``cached_input``), by model name; ``None`` for none.

    Returns:
        The price, or ``None`` when neither the config nor :data:`PRICES` has the model.
    """
    names = [model]
    dated = _DATED.match(model)
    if dated:
        names.append(dated.group("base"))
    for name in names:
        if overrides and name in overrides:
            found = overrides[name]
            return Price(found.input, found.output, found.cached_input)
        if name in PRICES:
            return PRICES[name]
    return None


@dataclass(frozen=True)
class RequestTokens:
    """The tokens of one model request."""

    input: int
    output: int
    cached: int = 0
    """Of the input, how many the provider served from its cache."""


def cost_of(requests: Iterable[RequestTokens], price: Price) -> float:
    """What ``requests`` cost at ``price``, in US dollars.

    Args:
        requests: The model requests' token counts; cached tokens beyond the input are
            capped at the input, negative ones count as none.
        price: The model's price per million tokens.

    Returns:
        The total in US dollars.
    """
    cached_price = price.input if price.cached_input is None else price.cached_input
    total = 0.0
    for r in requests:
        cached = min(max(r.cached, 0), r.input)
        total += (r.input - cached) * price.input + cached * cached_price + r.output * price.output
    return total / 1_000_000


@dataclass
class Budget:
    """``max-cost-usd`` for one agent run (and its resumption)."""

    limit: float
    """US dollars the run may spend."""
    price: Price
    spent: float = 0.0
    """Already spent before this part of the run (a resumed run's first part)."""

    @classmethod
    def for_model(
        cls, limit: float | None, model: str, overrides: Mapping[str, Any] | None = None
    ) -> Budget | None:
        """The budget of a run, or ``None`` when no ``max-cost-usd`` is set.

        Args:
            limit: The ``max-cost-usd`` input, in US dollars; ``None`` when unset.
            model: The model the agent runs with.
            overrides: The repository config's ``agent.pricing`` (see :func:`price_for`).

        Returns:
            A budget with nothing spent yet, or ``None`` without a limit.

        Raises:
            ConfigError: a budget is set but no price is known for ``model``: the run could
                not keep it, so it does not start.
        """
        if limit is None:
            return None
        price = price_for(model, overrides)
        if price is None:
            raise ConfigError(
                f"max-cost-usd is set, but no price is known for the model {model!r}, so the "
                "budget could not be kept.",
                remedy="Add the model's prices (USD per million tokens) to the config file: "
                f"agent:\n  pricing:\n    {model}: {{input: 0.4, cached_input: 0.1, output: 1.6}}",
            )
        return cls(limit=limit, price=price)

    def next_call(self, prompt_chars: int, outputs: Iterable[int]) -> float:
        """The estimated cost of a model call whose prompt has ``prompt_chars`` characters.

        Args:
            prompt_chars: The characters of the call's whole prompt, priced as uncached
                input at :data:`CHARS_PER_TOKEN` characters a token.
            outputs: The output tokens of the calls so far; the largest (at least
                :data:`MIN_OUTPUT_TOKENS`) is assumed for this one.

        Returns:
            The estimate in US dollars, slightly high on purpose.
        """
        biggest = max([MIN_OUTPUT_TOKENS, *outputs])
        tokens = RequestTokens(input=prompt_chars // CHARS_PER_TOKEN + 1, output=biggest)
        return cost_of([tokens], self.price)

    def allows(
        self, requests: Iterable[RequestTokens], prompt_chars: int
    ) -> tuple[bool, float, float]:
        """Whether one more call fits in the budget.

        Args:
            requests: The token counts of this part's model requests so far.
            prompt_chars: The characters of the next call's prompt.

        Returns:
            ``(fits, spent so far, estimate of the call)``, in US dollars; ``spent``
            includes what a resumed run's first part spent.
        """
        done = list(requests)
        spent = self.spent + cost_of(done, self.price)
        estimate = self.next_call(prompt_chars, (r.output for r in done))
        return spent + estimate <= self.limit, spent, estimate
