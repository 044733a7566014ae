"""Golden KPI tables for a small demo dataset: regenerated with --regen-golden, never edited by hand."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from metrics.engine import Request, compute
from services.demo import DemoConfig, generate

GOLDEN = Path(__file__).parent / "golden"
CFG = DemoConfig(orders=1500, weeks=8, seed=42)


@pytest.mark.parametrize("cut", ["all", "node", "carrier"])
def test_demo_kpis_match_the_golden_table(request, cut):
    """The week KPI table of the small demo is exactly the reviewed golden one."""
    got = compute(generate(CFG), Request(as_of=CFG.as_of, grain="week", cut=cut))
    path = GOLDEN / f"demo_week_{cut}.csv"
    if request.config.getoption("--regen-golden"):
        GOLDEN.mkdir(exist_ok=True)
        got.write_csv(path)
    expected = pl.read_csv(path, schema=got.schema)
    assert got.equals(expected)


def test_a_scaled_figure_does_not_depend_on_the_rows_beside_it():
    """1,167,399,012,833 µs is 13.511562648530093 days, correctly rounded, whether it is divided alone or in
    a column of several periods (polars divides a column by a scalar through its reciprocal: 1 ulp off)."""
    from metrics.portable import exact_div

    x = 1_167_399_012_833
    for n in (1, 2, 64):
        got = pl.DataFrame({"a": [x] * n, "b": [None] * (n - 1) + [x]}).select(
            exact_div(pl.col("a"), 86_400_000_000), exact_div(pl.col("b"), 86_400_000_000))
        assert got["a"].to_list() == [x / 86_400_000_000] * n
        assert got["b"].to_list() == [None] * (n - 1) + [x / 86_400_000_000]
