"""`wismo brief`: the PDF's figures are the metrics layer's for the same as-of; the HTML renders."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from metrics.catalogue import load_catalogue, load_rules
from metrics.engine import Request, compute, context
from metrics.portable import PolarsBackend
from services.demo import DemoConfig, generate, write
from services.loading import load
from store import open_store
from tests.pages.test_pages import fixture_frames, make_store
from wismo.cli import app

runner = CliRunner()
CFG = DemoConfig(orders=1500, weeks=6, seed=11)
EIGHT = [k for k in load_catalogue().kpis if k.number]
WORD = {"green": "on target", "amber": "watch", "red": "off target", "none": "no data"}


def _use(monkeypatch, url: str) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import fresh_settings

    monkeypatch.setenv("WISMO_DATABASE_URL", url)
    fresh_settings()


def pdf_text(path) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    reader = PdfReader(path)
    return len(reader.pages), re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))


@pytest.fixture
def tiny_store(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path}/brief.db"
    make_store(url, fixture_frames())
    _use(monkeypatch, url)
    return url


def test_tiny_brief_hand_worked(tiny_store, tmp_path):
    """As of 2026-01-10 the newest complete week is 29 Dec (ISO 2026-W01): K1–K4 on O1, O2 shipped →
    200.00 per 100, target ≤ 6.00, off target; the week before (22 Dec) was 0.00 → change +200.00, worse.
    Causes, week of 29 Dec vs 22 Dec: none before. Two pages; the footer names as-of and rules."""
    out = tmp_path / "brief.pdf"
    result = runner.invoke(app, ["brief", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "brief 2026-W01 written" in result.output
    pages, text = pdf_text(out)
    assert pages == 2
    assert "WISMO weekly brief · 2026-W01" in text
    assert ("WISMO contacts per 100 shipped orders 200.00 per 100 ≤ 6.00 per 100 off target +200.00 per 100 worse"
            in text)
    assert "Figures as of 2026-01-10 00:00 UTC · rules 2025.1" in text
    assert re.search(r"audit head #3 [0-9a-f]{16}", text)  # the three seeding rows; a reader can verify it later
    assert "Checklist: 0 yes · 0 partly · 0 no · 10 not assessed." in text


def test_pdf_figures_match_the_metrics_layer(tmp_path, monkeypatch):
    """A demo store: every one of the eight KPIs in the PDF equals what metrics.engine computes from the
    same tables at the same as-of (the newest week up to the reporting one that has a value), with its
    target and status."""
    frames = generate(CFG)
    folder = tmp_path / "demo"
    write(frames, folder, "csv", CFG.seed)
    url = f"sqlite:///{tmp_path}/demo.db"
    store = open_store(url)
    assert load(folder, store, user="t", as_of=CFG.as_of, rejects_dir=tmp_path).landed
    from core.settings import EngineConfig
    from services.refresh import refresh

    refresh(store, EngineConfig(), as_of=CFG.as_of)
    _use(monkeypatch, url)
    out = tmp_path / "brief.pdf"
    result = runner.invoke(app, ["brief", "--out", str(out)])
    assert result.exit_code == 0, result.output
    pages, text = pdf_text(out)
    assert pages == 2

    from core.contract import TABLES
    from store import bulk

    tables = {t: bulk.read_table(store, t) for t in TABLES}  # the loaded rows, typed
    ctx = context(tables, CFG.as_of, "week", load_rules(), PolarsBackend())
    figures = compute(ctx, Request(as_of=CFG.as_of, grain="week", cut="all", kpis=tuple(k.id for k in EIGHT)))
    complete = [d for d in figures["period_start"].unique().sort().to_list()
                if d + dt.timedelta(days=7) <= CFG.as_of.date()]
    week = complete[-1]
    iso = week.isocalendar()
    assert f"WISMO weekly brief · {iso[0]}-W{iso[1]:02d}" in text
    for k in EIGHT:
        rows = figures.filter((pl.col("kpi") == k.id) & (pl.col("period_start") <= week)
                              & pl.col("value").is_not_null()).sort("period_start")
        value = rows["value"][-1] if rows.height else None
        shown = f"{k.display(value)} {'≤' if k.good == 'down' else '≥'} {k.display(k.target.green)} " \
                f"{WORD[k.status(value)]}"
        assert shown in text, (k.id, shown)
    assert f"as of {CFG.as_of:%Y-%m-%d %H:%M} UTC · rules 2025.1" in text


def test_html_variant_renders(tiny_store, tmp_path):
    out = tmp_path / "brief.html"
    result = runner.invoke(app, ["brief", "--out", str(out), "--week", "2026-W01"])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "<title>WISMO weekly brief · 2026-W01</title>" in html
    assert re.search(r"<td class=\"n\">200.00 per 100</td><td class=\"n\">≤ 6.00 per 100</td>\s*"
                     r"<td class=\"red\">off target", html)
    assert html.count("data:image/png;base64,") == 8 + 2  # eight sparklines, causes, backlog
    assert "Figures as of 2026-01-10 00:00 UTC" in html


def test_week_and_as_of_options(tiny_store, tmp_path):
    """--week picks an earlier week; a week without figures or a malformed one exits 1 and writes nothing;
    --as-of recomputes the figures at that as-of first."""
    out = tmp_path / "b.pdf"
    assert runner.invoke(app, ["brief", "--out", str(out), "--week", "2025-W52"]).exit_code == 0
    assert "0.00 per 100 ≤ 6.00 per 100 on target" in pdf_text(out)[1]  # week of 22 Dec: O3 shipped, no contact
    for bad in ("2024-W01", "2025-52"):
        missing = tmp_path / f"{bad}.pdf"
        result = runner.invoke(app, ["brief", "--out", str(missing), "--week", bad])
        assert result.exit_code == 1 and "no brief:" in result.output and not missing.exists()
    result = runner.invoke(app, ["brief", "--out", str(out), "--as-of", "2026-01-06T00:00:00Z"])
    assert result.exit_code == 0, result.output
    assert "figures refreshed" in result.output and "brief 2026-W01" in result.output
    assert "Figures as of 2026-01-06 00:00 UTC" in pdf_text(out)[1]
