"""The Great Expectations suites: what a validation costs beyond the expectations themselves."""

from __future__ import annotations

import polars as pl

from core.dataset import ROW
from data_checks import suites


def test_a_validation_does_not_fingerprint_its_frame_and_still_names_every_failing_row(monkeypatch):
    """GX hashes every pandas batch under 1 GB as a marker nothing reads: two thirds of a large load's validation
    time. The suite switches that off; the expectations still find every bad row."""
    from great_expectations.execution_engine import pandas_execution_engine

    hashed: list[int] = []
    monkeypatch.setattr(pandas_execution_engine, "hash_pandas_dataframe",
                        lambda df: hashed.append(len(df)) or "x")  # type: ignore[func-returns-value]
    n = 5000
    typed = pl.DataFrame({ROW: range(1, n + 1), "carrier_id": [f"C{i}" for i in range(n)],
                          "name": ["Carrier"] * n, "activation_sla_hours": [24.0] * (n - 1) + [-1.0]})
    typed = typed.with_columns(pl.when(pl.col(ROW) == 7).then(pl.lit("C8")).otherwise("carrier_id")
                               .alias("carrier_id"))
    raw = typed.with_columns(pl.col("activation_sla_hours").cast(pl.String))
    found = {f.rule: f.rows for f in suites.validate("carriers", typed, raw, "carriers.csv", set()) if f.rows}
    assert hashed == []
    assert found == {"range": [n], "primary_key": [7, 9]}
