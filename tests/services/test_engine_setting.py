"""The configured engine (WISMO_ENGINE) is the one that recomputes the figures on every path that does so:
a load, a governed threshold change, the brief at an as-of, alerts at an as-of, an onboarding load."""

from __future__ import annotations

import shutil

import polars as pl
import pytest
from typer.testing import CliRunner

from store import bulk, open_store
from tests.conftest import fresh_settings
from wismo.cli import app

runner = CliRunner()


def engines_of_runs(url: str) -> list[str]:
    store = open_store(url)
    got = bulk.read_sql(store, "SELECT engine FROM metric_runs ORDER BY started_at")["engine"].to_list()
    store.engine.dispose()
    return [str(e) for e in got]


def recompute_paths(url: str, tiny, tmp_path, monkeypatch, engine: str) -> list[tuple[str, list[str]]]:  # type: ignore[no-untyped-def]
    """Run each path that recomputes figures with WISMO_ENGINE=``engine``; return, per path, the engines of
    the refreshes it recorded."""
    monkeypatch.setenv("WISMO_DATABASE_URL", url)
    monkeypatch.setenv("WISMO_ENGINE", engine)
    fresh_settings()
    seen: list[tuple[str, list[str]]] = []

    def step(name: str, args: list[str]) -> None:
        before = len(engines_of_runs(url))
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (name, result.output)
        seen.append((name, engines_of_runs(url)[before:]))

    step("load", ["load", str(tiny), "--as-of", "2026-03-10T00:00:00Z"])
    step("threshold", ["governance", "set-threshold", "stale_scan_hours", "60", "--reason", "peak"])
    step("brief", ["brief", "--out", str(tmp_path / "b.html"), "--as-of", "2026-03-09T00:00:00Z"])
    step("alerts", ["alerts", "--as-of", "2026-03-08T00:00:00Z"])

    from ui import data  # the dashboard's onboarding load, with the dashboard's settings

    data.settings.clear()
    data.store.clear()
    staged = tmp_path / "staged"
    shutil.copytree(tiny, staged)
    before = len(engines_of_runs(url))
    got = data.load_staged(staged, "ana")
    assert got.load.landed and got.refresh_error is None
    seen.append(("onboarding", engines_of_runs(url)[before:]))
    data.settings.clear()
    data.store.clear()
    return seen


def test_every_recompute_path_uses_the_configured_engine(tiny, tmp_path, monkeypatch):
    """With WISMO_ENGINE=duckdb every path records a DuckDB refresh (none falls back to polars)."""
    seen = recompute_paths(f"sqlite:///{tmp_path}/s.db", tiny, tmp_path, monkeypatch, "duckdb")
    assert seen == [(name, ["duckdb"]) for name in ("load", "threshold", "brief", "alerts", "onboarding")]


@pytest.mark.xdist_group("pushdown")
def test_every_recompute_path_computes_inside_postgresql_when_told(pg_admin, tiny, tmp_path, monkeypatch):
    """WISMO_ENGINE=pushdown on a PostgreSQL store: every path computes inside the database."""
    from tests import pg

    with pg.database(pg_admin) as url:
        seen = recompute_paths(url, tiny, tmp_path, monkeypatch, "pushdown")
    assert seen == [(name, ["pushdown"]) for name in ("load", "threshold", "brief", "alerts", "onboarding")]


def test_a_load_whose_refresh_fails_lands_marks_the_figures_stale_and_the_next_command_retries(
        tiny, tmp_path, monkeypatch):
    """A refresh that dies after the load committed: exit 3 and a clear line, the load stays, the previous
    figures stay and are reported stale; the next command that needs figures (the brief) refreshes them."""
    url = f"sqlite:///{tmp_path}/s.db"
    monkeypatch.setenv("WISMO_DATABASE_URL", url)
    fresh_settings()
    assert runner.invoke(app, ["load", str(tiny), "--as-of", "2026-03-10T00:00:00Z"]).exit_code == 0
    first = engines_of_runs(url)

    import services.loading

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("the engine died")

    monkeypatch.setattr(services.loading, "refresh", broken)
    again = runner.invoke(app, ["load", str(tiny), "--as-of", "2026-03-11T00:00:00Z"])
    assert again.exit_code == 3
    assert "figures NOT refreshed: RuntimeError: the engine died" in again.output
    assert engines_of_runs(url) == first  # the previous figures stay
    from services.refresh import coverage

    store = open_store(url)
    assert coverage(store).missing_load and "Figures are stale" in coverage(store).words()
    monkeypatch.undo()
    monkeypatch.setenv("WISMO_DATABASE_URL", url)
    fresh_settings()
    refused = runner.invoke(app, ["alerts", "--dry-run"])  # a dry run does not refresh: it refuses
    assert refused.exit_code == 3 and "alerts REFUSED: Figures are stale" in refused.output
    brief = runner.invoke(app, ["brief", "--out", str(tmp_path / "b.html")])
    assert brief.exit_code == 0, brief.output
    assert len(engines_of_runs(url)) == len(first) + 1 and not coverage(store).stale
    assert bulk.read_sql(store, "SELECT max(as_of) AS a FROM metric_runs", {"a": pl.Datetime("us", "UTC")}
                         )["a"][0].isoformat().startswith("2026-03-11")
