"""Great Expectations suites, one per contract table, built from ``core.contract``.

Each suite holds the blocking column rules of the contract: required columns
exist, required values are present, enum members, ranges and primary-key
uniqueness. ``validate`` runs a table's suite on the typed frame and turns the
results into ``Finding`` records that name every failing row.
"""

from __future__ import annotations

import logging
import os
import warnings
from functools import lru_cache
from typing import Any

import polars as pl

from core.contract import TABLES, Table
from core.dataset import ROW
from data_checks.findings import Finding

# With the spark extra installed, great-expectations imports pyspark, which warns about pandas 3 on
# every load; the checks never use Spark.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
logging.getLogger("great_expectations").setLevel(logging.ERROR)

# The rule name each expectation reports under, and the words a user reads.
RULES: dict[str, tuple[str, str]] = {
    "expect_column_to_exist": ("required_column", "required column is missing"),
    "expect_column_values_to_not_be_null": ("not_null", "required value is empty"),
    "expect_column_values_to_be_in_set": ("enum", "value is not one of the allowed values"),
    "expect_column_values_to_be_between": ("range", "value is outside the allowed range"),
    "expect_column_values_to_be_unique": ("primary_key", "duplicate primary key"),
    "expect_compound_columns_to_be_unique": ("primary_key", "duplicate primary key"),
}


def build_suite(table: Table, present: set[str]) -> Any:
    """The table's suite; value rules only for the columns the file has."""
    import great_expectations as gx  # heavy (~3.5 s): imported on the load/check path only
    import great_expectations.expectations as gxe  # (idem)

    _context()  # GX needs an active context before a suite takes expectations
    suite = gx.ExpectationSuite(name=f"contract.{table.name}")
    for c in table.columns:
        if not c.optional:
            suite.add_expectation(gxe.ExpectColumnToExist(column=c.name))
        if c.name not in present:
            continue
        if not c.nullable:
            suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=c.name))
        if c.values:
            suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column=c.name, value_set=list(c.values)))
        if c.min is not None or c.max is not None:
            suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column=c.name, min_value=c.min, max_value=c.max))
    if all(k in present for k in table.key):
        if len(table.key) == 1:
            suite.add_expectation(gxe.ExpectColumnValuesToBeUnique(column=table.key[0]))
        else:
            suite.add_expectation(gxe.ExpectCompoundColumnsToBeUnique(column_list=list(table.key)))
    return suite


@lru_cache(maxsize=1)
def _context() -> Any:
    import great_expectations as gx  # heavy: the load/check path only

    ctx = gx.get_context(mode="ephemeral")
    _no_fingerprint()
    try:
        from great_expectations.data_context.types.base import ProgressBarsConfig  # (idem)

        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    except Exception:  # older/newer GX without the knob: bars only cost terminal noise
        pass
    return ctx


def _no_fingerprint() -> None:
    """GX fingerprints every pandas batch under 1 GB (an MD5 over ``pandas.util.hash_pandas_object``) as a batch
    marker, twice per validation; nothing here reads it, and at 200k orders it was two thirds of the validation
    time (2.7 of 3.4 s for the tracking events). Its threshold is a module constant: set to 0, no frame is
    fingerprinted. tests/data_checks checks that no validation hashes its frame."""
    try:
        from great_expectations.execution_engine import pandas_execution_engine  # (idem)
    except ImportError:  # moved in another GX version: the fingerprint only costs time
        return
    if hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
        pandas_execution_engine.HASH_THRESHOLD = 0


def validate(table_name: str, typed: pl.DataFrame, raw: pl.DataFrame, file: str,
             skip_cells: set[tuple[str, int]]) -> list[Finding]:
    """Run the table's suite on the typed frame. ``raw``: the file's text, whose values a finding echoes (as
    the user wrote them). ``skip_cells`` are (column, row) already reported as unparseable."""
    table = TABLES[table_name]
    raw_columns = set(raw.columns) - {ROW}
    suite = build_suite(table, raw_columns)
    frame = typed.select([ROW, *[c for c in table.names if c in raw_columns]]).to_pandas()
    ctx = _context()
    name = f"{table_name}_{id(frame)}"
    source = ctx.data_sources.add_or_update_pandas(name)
    batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name).get_batch(
        batch_parameters={"dataframe": frame}
    )
    result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    ctx.data_sources.delete(name)
    rows_of = frame[ROW].to_numpy()
    findings = []
    for r in result.results:
        cfg = r.expectation_config
        rule, words = RULES[cfg.type]
        kw = cfg.kwargs
        column = kw.get("column") or "+".join(kw.get("column_list", []))
        if cfg.type == "expect_column_to_exist":
            findings.append(Finding(table_name, file, rule, "blocking", column, typed.height,
                                    f"required column '{column}' is missing", whole_table=not r.success))
            continue
        if r.exception_info and r.exception_info.get("raised_exception"):
            raise RuntimeError(f"check {cfg.type} on {table_name}.{column} failed to run: "
                               f"{r.exception_info.get('exception_message')}")
        idx = (r.result or {}).get("unexpected_index_list") or []
        rows = [int(rows_of[i]) for i in idx]
        if cfg.type == "expect_column_values_to_not_be_null":
            rows = [x for x in rows if (column, x) not in skip_cells]
        detail = words
        if cfg.type == "expect_column_values_to_be_in_set":
            detail += f" ({', '.join(kw['value_set'])})"
        if cfg.type == "expect_column_values_to_be_between":
            detail += f" ({kw.get('min_value')} to {kw.get('max_value')})"
        values = _values(raw, column, rows)
        findings.append(Finding(table_name, file, rule, "blocking", column, typed.height, detail,
                                rows=rows, values=values))
    return findings


def _values(typed: pl.DataFrame, column: str, rows: list[int]) -> list[str | None]:
    if not rows:
        return []
    cols = column.split("+")
    sub = typed.filter(pl.col(ROW).is_in(rows)).sort(ROW)
    if len(cols) == 1:
        return [None if v is None else str(v) for v in sub[cols[0]].to_list()]
    return ["|".join(str(x) for x in t) for t in sub.select(cols).iter_rows()]
