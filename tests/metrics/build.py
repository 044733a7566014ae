"""Compact inline fixtures for metric tests: rows as dicts, times as 'YYYY-MM-DD HH:MM' (UTC)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.contract import contract_schema


def t(text: str) -> dt.datetime:
    """'2026-01-05 12:00' (or with seconds and a fraction, '2026-01-05 12:00:07.250001', or a date) as a UTC
    datetime."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def frames(**tables: list[dict]) -> dict[str, pl.DataFrame]:
    """Contract frames from row dicts; timestamps and dates given as text, absent columns null."""
    out = {}
    for name, rows in tables.items():
        schema = contract_schema(name)
        conv = []
        for r in rows:
            row = {}
            for col, dtype in schema.items():
                v = r.get(col)
                if isinstance(v, str) and isinstance(dtype, pl.Datetime):
                    v = t(v)
                elif isinstance(v, str) and dtype == pl.Date:
                    v = dt.date.fromisoformat(v)
                row[col] = v
            conv.append(row)
        out[name] = pl.DataFrame(conv, schema=schema, orient="row") if conv else pl.DataFrame(schema=schema)
    return out


def rows(df: pl.DataFrame, kpi: str) -> list[tuple]:
    """(period_start ISO, dimension_value, numerator, denominator, value) rows of one KPI."""
    sub = df.filter(pl.col("kpi") == kpi).sort("period_start", "dimension_value")
    return [(str(p), d, n, den, None if v is None else round(v, 6))
            for p, d, n, den, v in sub.select("period_start", "dimension_value", "numerator", "denominator",
                                              "value").iter_rows()]
