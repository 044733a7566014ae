"""Text to contract types. A value that cannot be parsed is a blocking finding; a timestamp
without an offset is a warning and is read as UTC; a text longer than ``MAX_TEXT`` is blocking; a
time before the floor (default 2000-01-01) is blocking, and one far outside the rest of its column is a
warning. Every echoed value is cut to ``MAX_ECHO`` characters. Pure: frame in, frame and findings out."""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.contract import MAX_TEXT, Column, Table, dtype_of, shorten
from core.dataset import ROW
from data_checks.findings import Finding

_TS = (
    r"^\s*(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?(\.\d{1,9})?\s*"
    r"(Z|z|[+-]\d{2}:\d{2}|[+-]\d{4}|[+-]\d{2})?\s*$"
)
TS_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%:z"


_DECIMAL = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_FAST = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$"


def fast_timestamps(raw: pl.Expr) -> pl.Expr:
    """The common form only (``2026-03-02T14:05:00Z``, ``…+02:00``); null for anything else."""
    return raw.str.replace(r"Z$", "+00:00").str.to_datetime(TS_FORMAT, time_zone="UTC", strict=False,
                                                            time_unit="us")


def parse_timestamps(raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(UTC timestamp expr, naive flag expr) for ISO 8601 text with or without an offset."""
    g = raw.str.extract_groups(_TS)
    off = g.struct.field("5")
    offset = (
        pl.when(off.is_null() | off.str.to_uppercase().eq("Z")).then(pl.lit("+00:00"))
        .when(off.str.len_chars() == 5).then(off.str.slice(0, 3) + pl.lit(":") + off.str.slice(3, 2))
        .when(off.str.len_chars() == 3).then(off + pl.lit(":00"))
        .otherwise(off)
    )
    text = pl.concat_str(
        [g.struct.field("1"), pl.lit("T"), g.struct.field("2"),
         g.struct.field("3").fill_null(":00"), g.struct.field("4").fill_null(""), offset]
    )
    ts = text.str.to_datetime(TS_FORMAT, time_zone="UTC", strict=False, time_unit="us")
    naive = raw.is_not_null() & g.struct.field("1").is_not_null() & off.is_null()
    return ts, naive


def _typed(col: Column, raw: pl.Expr) -> pl.Expr:
    stripped = raw.str.strip_chars()
    match col.kind:
        case "int":
            return pl.when(stripped.str.contains(r"^[+-]?\d+$")).then(stripped.cast(pl.Int64, strict=False))
        case "float":  # finite decimals only: "inf", "NaN" and overflowing values are unparseable
            number = pl.when(stripped.str.contains(_DECIMAL)).then(stripped.cast(pl.Float64, strict=False))
            return pl.when(number.is_finite()).then(number)
        case "bool":
            low = stripped.str.to_lowercase()
            return pl.when(low == "true").then(True).when(low == "false").then(False).otherwise(None)
        case "date":
            return stripped.str.to_date("%Y-%m-%d", strict=False)
        case _:
            return raw


_HINT = {"timestamp": " (ISO 8601 with an offset, e.g. 2026-03-02T14:05:00Z)",
         "float": " (a finite decimal number, e.g. 24 or 36.5; not inf or NaN)", "int": " (a whole number)",
         "bool": " (true or false)", "date": " (YYYY-MM-DD)"}


def parse_table(table: Table, raw: pl.DataFrame, file: str) -> tuple[pl.DataFrame, list[Finding]]:
    """Typed frame with every contract column (absent ones null) and ``__row``; type findings."""
    findings: list[Finding] = []
    present = [c for c in table.columns if c.name in raw.columns]
    stamps = [c for c in present if c.kind == "timestamp"]
    others = [c for c in present if c.kind != "timestamp"]
    typed = raw.select(pl.col(ROW), *[_typed(c, pl.col(c.name)).cast(dtype_of(c)).alias(c.name) for c in others],
                       *[fast_timestamps(pl.col(c.name)).alias(c.name) for c in stamps])
    naive_rows: dict[str, list[int]] = {}
    for c in stamps:  # the general pattern, only where the fast form did not parse
        todo = raw.select(ROW, c.name).filter(pl.col(c.name).is_not_null() & typed[c.name].is_null())
        if todo.height == 0:
            naive_rows[c.name] = []
            continue
        ts, naive = parse_timestamps(pl.col(c.name))
        slow = todo.select(ROW, ts.alias("_ts"), naive.alias("_naive"))
        naive_rows[c.name] = slow.filter("_naive")[ROW].to_list()
        typed = typed.join(slow.select(ROW, "_ts"), on=ROW, how="left").with_columns(
            pl.coalesce(c.name, "_ts").alias(c.name)).drop("_ts")
    n = raw.height
    for c in present:
        if c.kind in ("str", "enum"):
            long = raw.filter(pl.col(c.name).str.len_chars() > MAX_TEXT)[ROW].to_list()
            findings.append(Finding(
                table.name, file, "text_too_long", "blocking", c.name, n,
                f"text is longer than {MAX_TEXT:,} characters (a quote never closed, or a document pasted in)",
                rows=long, values=_values(raw, c.name, long)))
            continue
        bad = typed.filter(pl.col(c.name).is_null() & raw[c.name].is_not_null())[ROW].to_list()
        findings.append(Finding(
            table.name, file, f"type_{c.kind}", "blocking", c.name, n,
            f"value cannot be parsed as {c.kind}" + _HINT.get(c.kind, ""),
            rows=bad, values=_values(raw, c.name, bad),
        ))
        if c.kind == "timestamp":
            findings.append(Finding(
                table.name, file, "timestamp_without_offset", "warning", c.name, n,
                "timestamp has no offset; read as UTC", rows=naive_rows[c.name],
                values=_values(raw, c.name, naive_rows[c.name]),
            ))
    missing = [pl.lit(None, dtype_of(c)).alias(c.name) for c in table.columns if c.name not in raw.columns]
    if missing:
        typed = typed.with_columns(missing)
    return typed.sort(ROW).select(ROW, *table.names), findings


def _values(raw: pl.DataFrame, column: str, rows: list[int]) -> list[str | None]:
    if not rows:
        return []
    return [shorten(v) for v in raw.filter(pl.col(ROW).is_in(rows)).sort(ROW)[column].to_list()]


#: Times before this are refused by default (WISMO_EARLIEST_DATE changes it): a year 1900 or 1970 is a
#: placeholder, not an order, and would open periods decades before the data.
EARLIEST = dt.date(2000, 1, 1)
OUTLIER_YEARS = 2  # a time this far outside the middle 80 % of its column is named


def time_findings(table: Table, typed: pl.DataFrame, raw: pl.DataFrame, file: str,
                  earliest: dt.date = EARLIEST) -> list[Finding]:
    """Per timestamp and date column: blocking before ``earliest``; a warning for times more than
    ``OUTLIER_YEARS`` years outside the column's 10th–90th percentile (a 1900 among 2025 orders)."""
    out: list[Finding] = []
    n = typed.height
    floor = dt.datetime.combine(earliest, dt.time(), dt.UTC)
    for c in table.columns:
        if c.kind not in ("timestamp", "date") or c.name not in raw.columns:
            continue
        col = pl.col(c.name)
        low_bound = floor if c.kind == "timestamp" else earliest
        early = typed.filter(col < low_bound)[ROW].to_list()
        out.append(Finding(table.name, file, "time_before_floor", "blocking", c.name, n,
                           f"is before {earliest:%Y-%m-%d}, the earliest time the load takes (a placeholder date? "
                           "WISMO_EARLIEST_DATE changes the floor)", rows=early, values=_values(raw, c.name, early)))
        kept = typed.filter(col >= low_bound).select(ROW, c.name, _p=col.to_physical())
        odd: list[int] = []
        words = "the column has too few values to judge"
        if kept.height >= 20:  # the middle of a column of fewer rows says little
            lo, hi = kept.select(pl.col("_p").quantile(0.1, "lower").alias("lo"),
                                 pl.col("_p").quantile(0.9, "higher").alias("hi")).row(0)
            span = 365 * OUTLIER_YEARS * (86_400_000_000 if c.kind == "timestamp" else 1)  # µs or days
            odd = kept.filter((pl.col("_p") < lo - span) | (pl.col("_p") > hi + span))[ROW].to_list()
            first, last = (kept.filter(pl.col("_p") == v)[c.name][0] for v in (lo, hi))
            words = f"80 % of rows are from {first:%Y-%m-%d} to {last:%Y-%m-%d}"
        out.append(Finding(table.name, file, "time_outlier", "warning", c.name, n,
                           f"is more than {OUTLIER_YEARS} years outside the rest of the column ({words}): check it",
                           rows=odd, values=_values(raw, c.name, odd)))
    return out
