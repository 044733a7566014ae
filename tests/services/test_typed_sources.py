"""``--source FOLDER`` reads Parquet with its own types when they are the contract's or cast to them without loss,
and falls back to the load's text parser (which names row and column) otherwise: the same frames either way."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from services.sources import SourceError, read_folder, typed_parquet

UTC = dt.UTC


def carriers(**cols: pl.Series) -> pl.DataFrame:
    base = {"carrier_id": pl.Series(["C1", "C2"]), "name": pl.Series(["One", " "]),
            "activation_sla_hours": pl.Series([24, None], dtype=pl.Int16)}
    return pl.DataFrame(base | cols)


def shipments(at: pl.Series) -> pl.DataFrame:
    return pl.DataFrame({"shipment_id": ["S1"], "order_id": ["O1"], "node_id": ["N1"], "carrier_id": ["C1"],
                         "service_level": pl.Series(["ground"], dtype=pl.Categorical), "tracking_number": ["T1"],
                         "label_created_at": at, "shipped_at": at, "delivered_at": pl.Series([None], dtype=at.dtype)})


def test_typed_columns_are_read_as_they_are_and_match_the_text_path(tmp_path):
    """An Int16 SLA becomes Float64 24.0; a blank name becomes null (as the text path reads a blank field); a
    nanosecond timestamp in Europe/Paris becomes UTC microseconds; a naive one is read as UTC."""
    typed = tmp_path / "typed"
    typed.mkdir()
    carriers().write_parquet(typed / "carriers.parquet")
    paris = pl.Series([dt.datetime(2026, 3, 2, 10, 0, 0, 123456)]).dt.replace_time_zone("Europe/Paris") \
        .dt.cast_time_unit("ns")
    shipments(paris).write_parquet(typed / "shipments.parquet")
    got = read_folder(typed)
    assert got["carriers"]["activation_sla_hours"].to_list() == [24.0, None]
    assert got["carriers"]["name"].to_list() == ["One", None]
    assert got["shipments"]["label_created_at"].to_list() == [dt.datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)]
    assert got["shipments"].schema["label_created_at"] == pl.Datetime("us", "UTC")
    assert typed_parquet(typed / "shipments.parquet", "shipments") is not None  # no text round trip
    text = tmp_path / "text"
    text.mkdir()
    carriers().with_columns(pl.col("activation_sla_hours").cast(pl.String)).write_csv(text / "carriers.csv")
    assert read_folder(text)["carriers"].equals(got["carriers"])
    naive = pl.Series([dt.datetime(2026, 3, 2, 9, 0)])
    shipments(naive).write_parquet(typed / "shipments.parquet")
    assert read_folder(typed)["shipments"]["shipped_at"].to_list() == [dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)]


def test_other_types_go_through_the_text_parser_which_names_the_column(tmp_path):
    """Timestamps kept as text: parsed by the load's parser; one that is not a time is refused with its column;
    an infinite SLA is refused as the text path refuses 'inf'."""
    shipments(pl.Series(["2026-03-02T10:00:00+01:00"])).write_parquet(tmp_path / "shipments.parquet")
    assert typed_parquet(tmp_path / "shipments.parquet", "shipments") is None
    assert read_folder(tmp_path)["shipments"]["shipped_at"].to_list() == [dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)]
    shipments(pl.Series(["next tuesday"])).write_parquet(tmp_path / "shipments.parquet")
    with pytest.raises(SourceError, match="column label_created_at"):
        read_folder(tmp_path)
    (tmp_path / "shipments.parquet").unlink()
    carriers(activation_sla_hours=pl.Series([float("inf"), 1.0])).write_parquet(tmp_path / "carriers.parquet")
    with pytest.raises(SourceError, match="column activation_sla_hours"):
        read_folder(tmp_path)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_read_for_the_figures_skips_what_no_figure_reads_and_gives_the_same_figures(tmp_path, fmt):
    """``wismo kpis`` and ``wismo causes`` read only the columns the engine reads (the scans' ids, locations
    and carrier wording are half of the scans' memory at 1M orders): every KPI by node and every contact's
    cause come out as from the whole tables; the engine's own tables hold none of the skipped columns, so a
    figure that starts to read one fails by name instead of reading nulls."""
    from metrics.catalogue import load_catalogue
    from metrics.engine import ENGINE_COLUMNS, Request, causes, compute, context
    from services.demo import DemoConfig, generate, write

    cfg = DemoConfig(orders=1500, weeks=6, seed=11)
    write(generate(cfg), tmp_path, fmt, 11)
    whole = read_folder(tmp_path)
    some = read_folder(tmp_path, ENGINE_COLUMNS)
    assert "location" in whole["tracking_events"].columns
    assert not {"event_id", "location", "raw_status"} & set(some["tracking_events"].columns)
    assert not {"sku", "quantity"} & set(some["order_lines"].columns)
    assert whole["tracking_events"]["location"].null_count() < whole["tracking_events"].height
    req = Request(as_of=cfg.as_of, grain="week", cut="node", kpis=tuple(k.id for k in load_catalogue().kpis))
    assert compute(some, req).equals(compute(whole, req))
    got = causes(some, cfg.as_of)
    assert got.height > 50
    assert got.equals(causes(whole, cfg.as_of))
    held = context(whole, cfg.as_of).raw["tracking_events"]
    assert "location" not in held.columns and "received_at" in held.columns


def test_blank_text_is_null_in_parquet_as_in_csv(tmp_path):
    """Empty, white space only (ASCII or not) is null in a Parquet file as in a CSV; text that merely starts
    with white space is kept as it is, both ways."""
    names = ["One", "", " ", "\t", "\u00a0", "\u3000 ", " two", "\u00a0three", "Zed"]
    df = pl.DataFrame({"carrier_id": [f"C{i}" for i in range(len(names))], "name": names,
                       "activation_sla_hours": [24.0] * len(names)})
    (tmp_path / "pq").mkdir()
    (tmp_path / "csv").mkdir()
    df.write_parquet(tmp_path / "pq" / "carriers.parquet")
    df.write_csv(tmp_path / "csv" / "carriers.csv")
    got = read_folder(tmp_path / "pq")["carriers"]
    assert got["name"].to_list() == ["One", None, None, None, None, None, " two", "\u00a0three", "Zed"]
    assert typed_parquet(tmp_path / "pq" / "carriers.parquet", "carriers") is not None
    assert read_folder(tmp_path / "csv")["carriers"].equals(got)
