"""Hostile and careless input folders, built in the test (no committed binaries): every one is either read as
meant or refused with the file, row, column and rule named, the store unchanged, nothing echoed unbounded."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import shutil
from pathlib import Path

import polars as pl
import pytest
import zstandard
from typer.testing import CliRunner

from core.contract import MAX_ECHO, MAX_TEXT
from core.dataset import FileProblem, Limits, SourceFile, read_raw
from services.loading import load
from store import open_store
from tests.conftest import edit_csv, fresh_settings, snapshot
from wismo.cli import app

AS_OF = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
runner = CliRunner()


@pytest.fixture
def db(tmp_path):  # type: ignore[no-untyped-def]
    s = open_store(f"sqlite:///{tmp_path}/hostile.db")
    yield s
    s.engine.dispose()


def attempt(folder: Path, store, tmp_path: Path, **kw):  # type: ignore[no-untyped-def]
    return load(folder, store, user="t", as_of=AS_OF, rejects_dir=tmp_path / "rejects", **kw)


def clean(out, code: int) -> None:  # type: ignore[no-untyped-def]
    """The command ended with ``code`` by itself: no traceback, no uncaught exception."""
    assert out.exit_code == code, out.output
    assert out.exception is None or isinstance(out.exception, SystemExit), out.exception
    assert "Traceback" not in out.output


def blocking(result) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [(Path(f.file).name, f.rule, f.column) for f in result.report.blocking]


def warnings(result) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [(Path(f.file).name, f.rule, f.column) for f in result.report.warnings]


# ---- files the folder holds --------------------------------------------------------------------------


def test_a_folder_named_like_a_table_is_refused(db, tiny, tmp_path):
    (tiny / "orders.csv").rename(tmp_path / "orders.csv")
    (tiny / "orders.csv").mkdir()
    result = attempt(tiny, db, tmp_path)
    assert not result.landed and blocking(result) == [("orders.csv", "not_a_file", "")]
    assert "is a folder, not a file" in result.report.blocking[0].message
    assert snapshot(db)["orders"] == []


def test_a_table_in_a_format_the_load_does_not_read_is_refused(db, tiny, tmp_path):
    (tiny / "nodes.csv").rename(tiny / "nodes.txt")
    result = attempt(tiny, db, tmp_path)
    assert not result.landed and blocking(result) == [("nodes.txt", "unsupported_format", "")]
    assert result.report.blocking[0].message == (
        "looks like table 'nodes' but is not a format the load reads (.csv, .csv.gz, .csv.zst or .parquet)")


def test_an_unknown_file_is_named_and_the_load_lands(db, tiny, tmp_path):
    (tiny / "notes.md").write_text("who exported this")
    (tiny / ".DS_Store").write_bytes(b"\0")  # hidden files are the file manager's, not the extract's
    result = attempt(tiny, db, tmp_path)
    assert result.landed
    assert ("notes.md", "not_a_contract_file", "") in warnings(result)
    assert not any(".DS_Store" in f for f, _, _ in warnings(result))


@pytest.mark.parametrize("ending", ["csv.gz", "csv.zst", "CSV"])
def test_compressed_and_upper_case_csv_are_read(db, tiny, tmp_path, ending):
    """orders.csv.gz, contacts.csv.zst, contacts.CSV: the same rows land as from the plain files."""
    for table in ("orders", "contacts"):
        plain = tiny / f"{table}.csv"
        data = plain.read_bytes()
        target = tiny / f"{table}.{ending}"
        if ending == "csv.gz":
            target.write_bytes(gzip.compress(data))
        elif ending == "csv.zst":
            target.write_bytes(zstandard.ZstdCompressor().compress(data))
        else:
            target.write_bytes(data)
        plain.unlink()
    result = attempt(tiny, db, tmp_path)
    assert result.landed, blocking(result)
    assert result.written["orders"] == 3 and result.written["contacts"] == 2


def test_a_compression_bomb_is_refused_before_it_fills_memory(tiny, tmp_path):
    big = gzip.compress(b"order_id,customer_id\n" + b"O1,K1\n" * 2_000_000)  # 12 MB from ~30 KB
    path = tmp_path / "orders.csv.gz"
    path.write_bytes(big)
    with pytest.raises(FileProblem, match="expands to more than 1,000,000 bytes"):
        read_raw(SourceFile("orders", path, "", 0), Limits(max_bytes=1_000_000))


def test_a_link_to_a_file_outside_the_folder_is_refused_and_never_read(db, tiny, tmp_path, monkeypatch):
    secret = tmp_path / "elsewhere" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text("node_id,name,node_type,region\nSECRET-CONTENT,x,dc,y\n")
    (tiny / "nodes.csv").unlink()
    (tiny / "nodes.csv").symlink_to(secret)
    monkeypatch.setenv("WISMO_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    fresh_settings()
    out = runner.invoke(app, ["load", str(tiny), "--as-of", "2026-03-10T00:00:00Z"])
    clean(out, 1)
    assert "[link_outside_folder]" in out.output and "SECRET-CONTENT" not in out.output
    rejects = list((tmp_path / "rejects").glob("*.rejects.csv"))
    assert rejects and "SECRET-CONTENT" not in rejects[0].read_text()
    (tiny / "nodes.csv").unlink()  # a link to a file inside the folder is fine
    shutil.copy(Path(__file__).parents[1] / "fixtures" / "tiny" / "nodes.csv", tiny / "source-of-nodes.csv.bak")
    (tiny / "nodes.csv").symlink_to(tiny / "source-of-nodes.csv.bak")
    assert attempt(tiny, db, tmp_path).landed


# ---- what a file holds -------------------------------------------------------------------------------


def test_an_unbalanced_quote_names_the_line_it_opened_on_and_echoes_little(tiny, tmp_path, monkeypatch):
    lines = (tiny / "orders.csv").read_text().splitlines()
    lines[2] = lines[2].replace("K2", 'K2"oops')  # data row 2, line 3: a quote never closed
    lines += [f"O{n},K{n},web,2026-03-02T09:00:00Z,2026-03-05,ship," for n in range(10, 5000)]
    (tiny / "orders.csv").write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("WISMO_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    fresh_settings()
    out = runner.invoke(app, ["load", str(tiny), "--as-of", "2026-03-10T00:00:00Z"])
    clean(out, 1)
    assert "[unbalanced_quote] a quote opened on line 3 is never closed" in out.output
    assert len(out.output) < 5000  # not the 300 KB of the file
    assert max(len(line) for line in out.output.splitlines()) < 600


def test_a_huge_text_field_is_refused_and_echoed_cut(db, tiny, tmp_path):
    edit_csv(tiny / "orders.csv", 1, "customer_id", "K" * (MAX_TEXT + 1) + "END")
    result = attempt(tiny, db, tmp_path)
    assert blocking(result) == [("orders.csv", "text_too_long", "customer_id")]
    shown = result.report.blocking[0].values[0]
    assert shown is not None and len(shown) < MAX_ECHO + 40 and shown.endswith(f"({MAX_TEXT + 4:,} characters)")
    assert "END" not in (tmp_path / "rejects" / f"{result.load_id}.rejects.csv").read_text()


def test_a_placeholder_year_is_refused_and_the_floor_is_a_setting(db, tiny, tmp_path):
    edit_csv(tiny / "orders.csv", 1, "placed_at", "1900-01-01T00:00:00Z")
    result = attempt(tiny, db, tmp_path)
    assert blocking(result) == [("orders.csv", "time_before_floor", "placed_at")]
    assert result.report.blocking[0].rows == [1] and result.report.blocking[0].values == ["1900-01-01T00:00:00Z"]
    assert attempt(tiny, db, tmp_path, earliest=dt.date(1890, 1, 1)).landed


def test_a_time_far_from_the_rest_of_its_column_is_a_warning():
    from core.contract import TABLES
    from data_checks.parse import parse_table, time_findings

    stamps = [f"2025-{m:02d}-10T10:00:00Z" for m in range(1, 13)] * 3 + ["1999-06-01T00:00:00Z"]
    raw = pl.DataFrame({"order_id": [f"O{i}" for i in range(len(stamps))], "customer_id": "K",
                        "channel": "web", "placed_at": stamps, "promised_delivery_date": "2025-12-31",
                        "delivery_method": "ship"}).with_row_index("__row", offset=1).with_columns(
        pl.col("__row").cast(pl.Int64))
    typed, _ = parse_table(TABLES["orders"], raw, "orders.csv")
    found = {f.rule: f for f in time_findings(TABLES["orders"], typed, raw, "orders.csv", dt.date(1990, 1, 1))
             if f.column == "placed_at"}
    assert found["time_before_floor"].rows == []
    assert found["time_outlier"].rows == [37] and found["time_outlier"].severity == "warning"
    assert "80 % of rows are from 2025-01-10 to 2025-11-10" in found["time_outlier"].message


def test_an_extra_column_is_named_in_a_warning(db, tiny, tmp_path):
    df = pl.read_csv(tiny / "orders.csv", infer_schema=False).with_columns(pl.lit("x").alias("loyalty_tier"))
    df.write_csv(tiny / "orders.csv")
    result = attempt(tiny, db, tmp_path)
    assert result.landed and ("orders.csv", "extra_column", "loyalty_tier") in warnings(result)


def test_the_rejects_file_cannot_run_a_formula_in_a_spreadsheet(db, tiny, tmp_path):
    edit_csv(tiny / "orders.csv", 1, "channel", '=HYPERLINK("https://evil.example/","click")')
    result = attempt(tiny, db, tmp_path)
    rejects = pl.read_csv(result.rejects_file, infer_schema=False)
    assert rejects.filter(pl.col("rule") == "enum")["value"].to_list() == [
        '\'=HYPERLINK("https://evil.example/","click")']


def test_a_landed_loads_warning_rows_are_written_and_named(tiny, tmp_path, monkeypatch):
    (tiny / "notes.md").write_text("x")
    monkeypatch.setenv("WISMO_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    fresh_settings()
    out = runner.invoke(app, ["load", str(tiny), "--as-of", "2026-03-10T00:00:00Z"])
    assert out.exit_code == 0, out.output
    named = [line.split(": ", 1)[1] for line in out.output.splitlines() if line.startswith("warning rows: ")]
    assert named and Path(named[0]).exists()
    assert "not_a_contract_file" in Path(named[0]).read_text()


# ---- uploads -------------------------------------------------------------------------------------------


def _parquet_bomb(path: Path, rows: int) -> None:
    """Few kilobytes on disk, a lot in memory: one long string repeated (zstd, dictionary encoded)."""
    pl.DataFrame({"order_id": pl.repeat("x" * 200, rows, eager=True)}).write_parquet(path, compression="zstd")


def test_a_parquet_bomb_is_refused_from_its_metadata_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "orders.parquet"
    _parquet_bomb(path, 200_000)  # 40 MB once read
    assert path.stat().st_size < 100_000

    def no_read(*a, **k):  # type: ignore[no-untyped-def]
        raise AssertionError("the file was read")

    monkeypatch.setattr(pl, "read_parquet", no_read)
    with pytest.raises(FileProblem, match="holds 200,000 rows, more than the 100,000"):
        read_raw(SourceFile("orders", path, "", 0), Limits(max_rows=100_000))
    with pytest.raises(FileProblem, match="expands to .* bytes, more than the 1,000,000"):
        read_raw(SourceFile("orders", path, "", 0), Limits(max_bytes=1_000_000))


def test_mapping_suggest_refuses_a_bomb_in_one_line(tmp_path, monkeypatch):
    path = tmp_path / "export.parquet"
    _parquet_bomb(path, 50_000)
    monkeypatch.setenv("WISMO_UPLOAD_MAX_ROWS", "10000")
    fresh_settings()
    out = runner.invoke(app, ["mapping", "suggest", str(path), "--table", "orders"])
    clean(out, 2)
    assert "holds 50,000 rows, more than the 10,000" in " ".join(out.output.split())


def test_a_stale_upload_folder_is_swept_and_a_live_one_kept(tmp_path):
    from connectors.onboarding import scratch, sweep

    old, live = tmp_path / "wismo-upload-old", tmp_path / "wismo-upload-live"
    for p in (old, live):
        p.mkdir()
        (p / "orders.csv").write_text("x")
    past = (dt.datetime.now() - dt.timedelta(hours=3)).timestamp()
    os.utime(old, (past, past))
    assert sweep(tmp_path) == [old] and live.exists()
    with scratch() as folder:
        assert folder.exists()
    assert not folder.exists()


# ---- JSON ---------------------------------------------------------------------------------------------


def test_deeply_nested_json_is_refused_in_one_line(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    out = runner.invoke(app, ["import", "tracking", "--format", "aftership", str(path)])
    clean(out, 1)
    assert "is nested more than 64 levels deep" in out.output
    nested: object = {"data": {"tracking": {}}}
    for _ in range(80):
        nested = {"x": nested}
    path.write_text(json.dumps(nested))
    out = runner.invoke(app, ["import", "contacts", "--format", "zendesk", str(path)])
    clean(out, 1)
    assert "is nested more than 64 levels deep" in out.output
