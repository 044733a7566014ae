"""Thin cached loaders for the pages. They call the store and the metrics layer; nothing else."""

from __future__ import annotations

import json

import polars as pl
import streamlit as st
from sqlalchemy import text

from store import open_store


@st.cache_resource
def store():  # type: ignore[no-untyped-def]
    return open_store()


@st.cache_data(ttl=60)
def row_counts() -> dict[str, int]:
    from wismo.loading import counts

    return counts(store())


@st.cache_data(ttl=60)
def latest_loads(limit: int = 10) -> pl.DataFrame:
    with store().engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT load_id, finished_at, status, user_name, as_of, row_counts, blocking_failures, warnings "
            "FROM load_runs ORDER BY finished_at DESC LIMIT :n"), {"n": limit}).mappings().all()
    df = pl.DataFrame([dict(r) for r in rows], infer_schema_length=None) if rows else pl.DataFrame()
    if df.height:
        df = df.with_columns(pl.col("row_counts").map_elements(lambda s: ", ".join(
            f"{k} {v:,}" for k, v in json.loads(s).items()), return_dtype=pl.String))
    return df
