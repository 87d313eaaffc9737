"""Rendering stays under GitHub's limits and folds what is long."""

from devops_agent.report import (
    COMMENT_BUDGET,
    FOLD_ROWS,
    Result,
    Table,
    fit,
    render_body,
    render_json,
)


def big_result(rows: int) -> Result:
    return Result(
        title=f"{rows} things",
        tables=[
            Table(
                columns=["Key", "Size"], rows=[[f"key-{i:06d}-{'x' * 60}", i] for i in range(rows)]
            )
        ],
    )


def test_short_tables_are_not_folded():
    body = render_body(big_result(FOLD_ROWS))
    assert "<details>" not in body
    assert body.count("\n| key-") == FOLD_ROWS


def test_long_tables_are_folded():
    body = render_body(big_result(FOLD_ROWS + 1))
    assert body.startswith("### ✅")
    assert "<details><summary><b>Results</b> (16 rows)</summary>" in body


def test_fit_cuts_at_a_line_and_points_to_the_summary():
    body = render_body(big_result(5000))
    assert len(body) > 65_536
    cut = fit(body, limit=COMMENT_BUDGET, more_url="https://github.com/a/b/actions/runs/1")
    assert len(cut) <= COMMENT_BUDGET
    assert cut.count("<details>") == cut.count("</details>")
    assert cut.endswith(
        "the full answer is in the [job summary](https://github.com/a/b/actions/runs/1)."
    )
    assert any("| key-" in line for line in cut.splitlines()[-6:])


def test_fit_leaves_short_text_alone():
    assert fit("short") == "short"


def test_empty_table_says_so():
    body = render_body(
        Result(title="t", tables=[Table(columns=["a"], empty="No instances in us-east-1.")])
    )
    assert "_No instances in us-east-1._" in body


def test_json_rendering():
    data = render_json(big_result(2))
    assert data["status"] == "success"
    assert data["tables"][0]["rows"][1][1] == "1"
