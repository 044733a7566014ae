"""`wismo kpis`, `wismo causes` and `wismo refresh` as a user runs them."""

from __future__ import annotations

import csv
import io
import json

import polars as pl
from typer.testing import CliRunner

from core.settings import EngineConfig
from metrics.catalogue import load_catalogue
from metrics.engine import Request, compute
from services.demo import DemoConfig, generate, write
from services.loading import load
from services.refresh import refresh
from store import bulk
from store.queries import latest_run
from tests.metrics.test_kpis import WISMO
from wismo.cli import app

runner = CliRunner()
CFG = DemoConfig(orders=900, weeks=5, seed=8)


def _folder(tmp_path, frames=None):  # type: ignore[no-untyped-def]
    out = tmp_path / "data"
    write(frames or generate(CFG), out, "csv", CFG.seed)
    return out


def test_kpis_csv_format(tmp_path):
    """Exact columns; integer counts; dates as YYYY-MM-DD; empty value for a zero denominator; only the
    ten CLI KPIs."""
    folder = _folder(tmp_path, WISMO)
    result = runner.invoke(app, ["kpis", "--source", str(folder), "--as-of", "2026-01-10T00:00:00Z"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["kpi", "period_start", "dimension", "dimension_value", "numerator", "denominator", "value"]
    wismo = [r for r in rows[1:] if r[0] == "wismo_contact_rate"]
    assert wismo == [["wismo_contact_rate", "2025-12-22", "all", "all", "0", "1", "0.0"],
                     ["wismo_contact_rate", "2025-12-29", "all", "all", "4", "2", "2.0"],
                     ["wismo_contact_rate", "2026-01-05", "all", "all", "2", "0", ""]]
    assert {r[0] for r in rows[1:]} <= set(load_catalogue().cli_kpis)


def test_kpis_by_carrier_month_and_json(tmp_path):
    """--by and --grain shape the rows; --format json gives the same figures as numbers."""
    folder = _folder(tmp_path, WISMO)
    out = runner.invoke(app, ["kpis", "--source", str(folder), "--as-of", "2026-01-10T00:00:00Z",
                              "--grain", "month", "--by", "carrier", "--format", "json"])
    recs = [r for r in json.loads(out.output) if r["kpi"] == "wismo_contact_rate"]
    assert [(r["period_start"], r["dimension"], r["dimension_value"], r["numerator"], r["denominator"])
            for r in recs][:2] == [("2025-12-01", "carrier", "C1", 2, 2), ("2025-12-01", "carrier", "C2", 0, 1)]


def test_causes_csv_format(tmp_path):
    """contact_id,cause,avoidable with true/false, empty for unlinked."""
    folder = _folder(tmp_path, WISMO)
    result = runner.invoke(app, ["causes", "--source", str(folder), "--as-of", "2026-01-10T00:00:00Z"])
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["contact_id", "cause", "avoidable"]
    got = {r[0]: (r[1], r[2]) for r in rows[1:]}
    assert got["K4"] == ("unlinked", "") and got["K8"] == ("unlinked", "")
    assert set(got) == {"K1", "K2", "K3", "K4", "K5", "K8"}
    assert all(a in ("true", "false") for c, a in got.values() if c != "unlinked")


def test_folder_and_store_give_the_same_figures(store, store_url, tmp_path):
    """`wismo kpis` on the files and on the store they were loaded into agree row for row."""
    folder = _folder(tmp_path)
    assert load(folder, store, user="t", as_of=CFG.as_of, rejects_dir=tmp_path).landed
    args = ["kpis", "--as-of", CFG.as_of.isoformat(), "--by", "node"]
    from_files = runner.invoke(app, [*args, "--source", str(folder)])
    from_store = runner.invoke(app, [*args, "--source", store_url])
    assert from_files.exit_code == 0 and from_store.exit_code == 0, from_store.output
    assert from_files.output == from_store.output and from_files.output.count("\n") > 50


def test_refresh_materialises_every_grain_and_cut(store, tmp_path):
    """The cube holds exactly what the engine computes, per grain and cut; the run says its as-of and rules."""
    frames = generate(CFG)
    folder = _folder(tmp_path, frames)
    assert load(folder, store, user="t", as_of=CFG.as_of, rejects_dir=tmp_path).landed
    result = refresh(store, EngineConfig())
    assert result.as_of == CFG.as_of
    cube = bulk.read_sql(store, "SELECT kpi, grain, dimension, dimension_value, period_start, numerator, denominator "
                                "FROM kpi_cube", {"period_start": pl.Date})
    for grain, cut in (("week", "node"), ("month", "carrier"), ("day", "all")):
        want = compute({t: bulk.read_table(store, t) for t in frames}, Request(
            as_of=CFG.as_of, grain=grain, cut=cut, kpis=tuple(cube["kpi"].unique().sort())))
        got = cube.filter((pl.col("grain") == grain) & (pl.col("dimension") == cut)).drop("grain")
        key = ["kpi", "period_start", "dimension_value"]
        assert got.sort(key).select(*key, "numerator", "denominator").equals(
            want.sort(key).select(*key, "numerator", "denominator"))
    run = latest_run(store)
    assert run and run.rule_version == "2025.1" and run.figures == cube.height
    refresh(store, EngineConfig())  # a second refresh replaces, never duplicates
    assert bulk.read_sql(store, "SELECT count(*) AS n FROM kpi_cube")["n"][0] == cube.height


def test_load_command_refreshes_figures(tiny, tmp_path, monkeypatch):
    """After `wismo load` lands, the figures are there without a separate refresh."""
    monkeypatch.setenv("WISMO_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    result = runner.invoke(app, ["load", str(tiny), "--as-of", "2026-03-10T00:00:00Z"])
    assert result.exit_code == 0 and "figures refreshed" in result.output
