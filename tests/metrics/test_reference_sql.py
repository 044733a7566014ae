"""The benchmark's reference — the KPIs and the cause cascade written by hand in DuckDB SQL
(benchmarks/reference_sql.py) — is a second implementation of the spec: on the same files it gives the engine's
figures, so a benchmark ratio compares the same work."""

from __future__ import annotations

import polars as pl
import pytest

from benchmarks import reference_sql
from benchmarks.steps import _duckdb_views
from metrics.engine import Request, causes, compute
from services.demo import DemoConfig, generate, write
from services.sources import read_folder

CFG = DemoConfig(orders=1500, weeks=6, seed=11)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("reference")
    write(generate(CFG), out, "parquet", 11)
    return out


@pytest.mark.parametrize("cut", ["node", "carrier"])
def test_the_hand_written_sql_gives_every_figure_wismo_kpis_prints(folder, cut):  # type: ignore[no-untyped-def]
    want = compute(read_folder(folder), Request(as_of=CFG.as_of, grain="week", cut=cut)).select(
        "kpi", "period_start", "dimension_value", "numerator", "denominator")
    assert set(want["kpi"]) == set(reference_sql.KPIS)  # the ten that `wismo kpis` prints
    got = reference_sql.run(_duckdb_views(str(folder)), cut, CFG.as_of)
    both = want.join(got, on=["kpi", "period_start", "dimension_value"], how="full", coalesce=True, suffix="_sql")
    differ = both.filter(~pl.all_horizontal(((pl.col(c) - pl.col(f"{c}_sql")).abs() < 1e-9).fill_null(False)
                                            for c in ("numerator", "denominator")))
    assert want.height > 250 and got.height == want.height
    assert differ.height == 0, differ


def test_the_hand_written_cause_cascade_gives_every_contact_the_engines_cause(folder):  # type: ignore[no-untyped-def]
    want = causes(read_folder(folder), CFG.as_of).select("contact_id", "cause")
    got = reference_sql.causes(_duckdb_views(str(folder)), CFG.as_of).sort("contact_id")
    assert want.height > 50 and want["cause"].n_unique() >= 5
    assert got.equals(want)
