"""Tokens and cost: the price table, the ``tokens`` and ``cost-usd`` outputs, and
``max-cost-usd`` stopping the agent before a model call would pass the budget.

The model is the real Agents SDK against ``ScriptedModel``, each step reporting the
usage a provider would (per request, with cached input tokens).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from agents.testing import ModelStep, ScriptedModel, assistant_message, function_call
from agents.usage import Usage
from openai.types.responses.response_usage import InputTokensDetails, OutputTokensDetails

from devops_agent import cost
from devops_agent.errors import ConfigError
from devops_agent.publish import spend
from devops_agent.report import render_body
from devops_agent.testing import make_context

KEY = "sk-test-" + "c" * 32


def step(output: list[Any], *, inp: int, out: int, cached: int = 0) -> ModelStep:
    return ModelStep(
        output=output,
        usage=Usage(
            requests=1,
            input_tokens=inp,
            output_tokens=out,
            total_tokens=inp + out,
            input_tokens_details=InputTokensDetails(cached_tokens=cached, cache_write_tokens=0),
            output_tokens_details=OutputTokensDetails(reasoning_tokens=0),
        ),
    )


def ctx_for(tmp_path: Path, config: str = "", **inputs: Any) -> Any:
    from devops_agent.testing import make_local

    if config:
        (tmp_path / ".github").mkdir(parents=True, exist_ok=True)
        (tmp_path / ".github" / "devops-agent.yml").write_text(config)
    return make_context(
        workspace=tmp_path, event=make_local(), mode="local", openai_api_key=KEY, **inputs
    )


# --------------------------------------------------------------------------- prices


def test_prices_come_from_the_table_the_config_wins_and_snapshots_cost_their_model():
    assert cost.price_for("gpt-5-mini") == cost.Price(0.25, 2.00, 0.025)
    assert cost.price_for("gpt-5-mini-2025-08-07") == cost.PRICES["gpt-5-mini"]
    assert cost.price_for("my-local-llama") is None

    class Override:
        input, output, cached_input = 1.0, 3.0, None

    assert cost.price_for("gpt-5-mini", {"gpt-5-mini": Override()}) == cost.Price(1.0, 3.0)


def test_the_cost_of_requests_prices_cached_input_apart():
    price = cost.Price(input=1.0, output=10.0, cached_input=0.1)
    spent = cost.cost_of(
        [cost.RequestTokens(1_000_000, 100_000, cached=500_000), cost.RequestTokens(0, 0)], price
    )
    assert spent == pytest.approx(0.5 + 0.05 + 1.0)
    assert cost.cost_of([cost.RequestTokens(1_000_000, 0, cached=1_000_000)], cost.Price(2, 8)) == 2


def test_a_budget_without_a_known_price_refuses_to_start():
    assert cost.Budget.for_model(None, "unknown-model") is None
    with pytest.raises(ConfigError, match="no price is known for the model 'unknown-model'"):
        cost.Budget.for_model(0.5, "unknown-model")


# --------------------------------------------------------------------------- outputs


def test_an_answer_reports_its_tokens_and_cost(tmp_path):
    from devops_agent.app import ask_agent

    model = ScriptedModel(
        [
            step([function_call("transfer_to_knowledge", {}, call_id="t")], inp=1000, out=50),
            step([assistant_message("Nothing to see.")], inp=2000, out=100, cached=1000),
        ]
    )
    result = ask_agent(ctx_for(tmp_path), "hello there", model=model)
    usage = result.data["usage"]
    assert usage["total_tokens"] == 3150 and usage["cached_input_tokens"] == 1000
    want = (2000 * 0.25 + 1000 * 0.025 + 150 * 2.0) / 1_000_000
    assert usage["cost_usd"] == pytest.approx(want)
    assert spend(result) == (3150, f"{want:.6f}")
    assert f"${want:.4f}" in render_body(result)


def test_a_model_without_a_price_has_an_empty_cost_and_says_how_to_add_one(tmp_path):
    from devops_agent.app import ask_agent

    model = ScriptedModel([step([assistant_message("Hi.")], inp=10, out=5)])
    result = ask_agent(ctx_for(tmp_path, model="my-local-llama"), "hello", model=model)
    assert result.data["usage"]["cost_usd"] is None
    assert spend(result) == (15, "")
    assert "add it under agent.pricing" in render_body(result)


def test_the_config_price_table_wins(tmp_path):
    from devops_agent.app import ask_agent

    config = "agent:\n  pricing:\n    my-local-llama: {input: 1000000, output: 0}\n"
    model = ScriptedModel([step([assistant_message("Hi.")], inp=3, out=5)])
    ctx = ctx_for(tmp_path, config, model="my-local-llama")
    result = ask_agent(ctx, "hello", model=model)
    assert result.data["usage"]["cost_usd"] == pytest.approx(3.0)


def test_a_command_without_a_model_reports_zero(tmp_path):
    from devops_agent.report import Result

    assert spend(Result(title="ec2 list")) == (0, "0")


# --------------------------------------------------------------------------- the budget


def test_the_agent_stops_before_the_call_that_would_pass_the_budget(tmp_path):
    """Each call reports 8,000 input tokens (about $0.002 at $0.25/M); after two, $0.0040
    is spent, and the third call's estimate (its prompt and 200 output tokens, about
    $0.0006) would pass a $0.0045 budget: it is never made, and the answer says why."""
    from devops_agent.app import ask_agent

    big = 8_000
    model = ScriptedModel(
        [
            step([function_call("transfer_to_ec2", {}, call_id="a")], inp=big, out=10),
            step([function_call("transfer_to_s3", {}, call_id="b")], inp=big, out=10),
            step([assistant_message("never said")], inp=big, out=10),
        ]
    )
    result = ask_agent(ctx_for(tmp_path, max_cost_usd="0.0045"), "what do we run?", model=model)

    assert len(model.calls) == 2  # the third call was never made
    assert result.status == "failure" and result.exit_code == 1
    assert result.title == "Stopped before passing the cost budget"
    assert "`max-cost-usd` ($0.0045)" in result.text and "Nothing was changed" in result.text
    assert result.data["stopped"] == "budget" and result.data["agent"] == "s3"
    assert 0.004 < result.data["usage"]["cost_usd"] <= 0.0045


def test_a_run_within_its_budget_is_not_stopped(tmp_path):
    from devops_agent.app import ask_agent

    model = ScriptedModel([step([assistant_message("Hi.")], inp=100, out=5)])
    result = ask_agent(ctx_for(tmp_path, max_cost_usd="0.01"), "hello", model=model)
    assert result.status == "success"
    assert "of $0.0100 budget" in render_body(result)


def test_a_budget_for_a_model_without_a_price_makes_no_model_call(tmp_path):
    from devops_agent.app import ask_agent

    model = ScriptedModel([step([assistant_message("Hi.")], inp=100, out=5)])
    ctx = ctx_for(tmp_path, max_cost_usd="0.01", model="my-local-llama")
    with pytest.raises(ConfigError, match="no price is known") as caught:
        ask_agent(ctx, "hello", model=model)
    assert caught.value.exit_code == 2  # the run answers with it (app.execute)
    assert model.calls == ()


def test_max_cost_usd_must_be_a_positive_number(tmp_path):
    with pytest.raises(ConfigError, match="max-cost-usd"):
        ctx_for(tmp_path, max_cost_usd="-1")
    with pytest.raises(ConfigError, match="max-cost-usd"):
        ctx_for(tmp_path, max_cost_usd="lots")
