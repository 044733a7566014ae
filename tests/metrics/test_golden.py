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
