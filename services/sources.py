"""Where the engine's input comes from: a folder in the contract format, or a store.

Both give the nine contract tables as typed polars frames; the engine never sees a
database session.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from core.contract import MAX_TEXT, TABLES, Columns, contract_schema
from core.dataset import ROW, FileProblem, discover, read_raw
from data_checks.parse import parse_table
from metrics.engine import ENGINE_COLUMNS
from metrics.engines import holds_tables
from metrics.portable import Backend


class SourceError(Exception):
    pass


def read_folder(folder: Path, columns: Columns | None = None) -> dict[str, pl.DataFrame]:
    """Parse a folder's files into contract types (no load checks: use ``wismo check`` for those), keeping only
    ``columns`` where given. A Parquet file whose columns already carry the contract's types (or cast to them
    without loss) is read as it is; any other file goes through the load's text parser, which names the row and
    column it cannot parse."""
    out = {}
    try:
        files = discover(folder, digest=False)
        for src in files:
            wanted = (columns or {}).get(src.table)
            direct = typed_parquet(src.path, src.table, wanted) if src.format == "parquet" else None
            if direct is not None:
                out[src.table] = direct
                continue
            raw = read_raw(src)
            if wanted is not None:
                raw = raw.drop([c.name for c in TABLES[src.table].columns if c.name not in wanted], strict=False)
            typed, findings = parse_table(TABLES[src.table], raw, str(src.path))
            bad = [f for f in findings if f.severity == "blocking" and not f.passed]
            if bad:
                f = bad[0]
                raise SourceError(f"{f.file}: row {f.rows[0]} column {f.column}: {f.message} ({f.values[0]!r}); "
                                  "run `wismo check` for the full report")
            typed = typed.drop(ROW)
            out[src.table] = typed if wanted is None else typed.select(c for c in typed.columns if c in wanted)
    except FileProblem as p:
        raise SourceError(str(p)) from None
    return out


def typed_parquet(path: Path, table: str, wanted: Sequence[str] | None = None) -> pl.DataFrame | None:
    """The table's contract columns (those ``wanted``, where given) straight from a Parquet file, each of the
    contract's type or cast to it without loss (narrower integers, floats, categoricals, timestamps of any unit
    and zone → UTC µs; a timestamp without a zone is read as UTC, as the text path reads one without an
    offset). None — read it as text — when a required column is missing or a column's type is not one of
    those."""
    try:
        have = pl.scan_parquet(path).collect_schema()
    except Exception:  # noqa: BLE001 - unreadable here: the text path says why, naming the file
        return None
    cols = []
    for column in TABLES[table].columns:
        if wanted is not None and column.name not in wanted:
            continue
        if column.name not in have:
            if column.optional:
                continue
            return None
        want = contract_schema(table)[column.name]
        expr = _lossless(pl.col(column.name), have[column.name], want)
        if expr is None:
            return None
        cols.append(expr.alias(column.name))
    try:
        df = pl.scan_parquet(path).select(cols).collect()
    except pl.exceptions.PolarsError:  # a value out of range for a strict cast: the text path names it
        return None
    # what the text path refuses, naming row and column: inf/NaN, overlong text (bytes first: cheaper, and a
    # text within MAX_TEXT bytes is within MAX_TEXT characters)
    floats = [n for n, t in df.schema.items() if t == pl.Float64]
    texts = [n for n, t in df.schema.items() if t == pl.String]
    checks = [(~pl.col(n).is_finite()).any() for n in floats] + [(pl.col(n).str.len_bytes() > MAX_TEXT).any()
                                                                 for n in texts]
    if checks and any(df.select(checks).row(0)):
        return None
    return _blank_is_null(df, texts)


def _blank_is_null(df: pl.DataFrame, texts: list[str]) -> pl.DataFrame:
    """Blank text (empty or white space only, as ``str.strip_chars`` strips) as null, as the text path reads an
    empty field: only in the columns that have any (a rewritten column is chunked apart from the others, and the
    next select of the frame copies every column to align them: at 1M orders 0.4 GB for the notifications
    alone), and then in one piece. A blank value starts with white space — an ASCII byte up to the space, or a
    byte of a non-ASCII character — or is empty, so a column whose least value starts at "!" or above and whose
    greatest starts below U+0080 has none (two comparisons of sorted bytes, where a pattern over every value
    cost as much as reading the file)."""
    if not texts:
        return df
    bounds = df.select(*(pl.col(n).min().alias(f"lo{i}") for i, n in enumerate(texts)),
                       *(pl.col(n).max().alias(f"hi{i}") for i, n in enumerate(texts))).row(0)
    lows, highs = bounds[:len(texts)], bounds[len(texts):]
    maybe = [n for n, lo, hi in zip(texts, lows, highs, strict=True) if lo is not None and (lo < "!" or hi >= "\x80")]
    if not maybe:
        return df
    blank = df.select(pl.col(n).str.contains(r"^\s*$").any() for n in maybe).row(0)
    todo = [n for n, b in zip(maybe, blank, strict=True) if b]
    if not todo:
        return df
    return df.with_columns(pl.when(pl.col(n).str.strip_chars() != "").then(pl.col(n)) for n in todo).rechunk()


def _lossless(col: pl.Expr, got: pl.DataType, want: pl.DataType) -> pl.Expr | None:
    if got == want:
        return col
    if want == pl.String and isinstance(got, (pl.String, pl.Categorical, pl.Enum)):
        return col.cast(pl.String)
    if want == pl.Int64 and got.is_integer():
        return col.cast(pl.Int64, strict=True)
    if want == pl.Float64 and got.is_numeric():
        return col.cast(pl.Float64)
    if isinstance(want, pl.Datetime) and isinstance(got, pl.Datetime):
        zoned = col.dt.convert_time_zone("UTC") if got.time_zone else col.dt.replace_time_zone("UTC")
        return zoned.dt.cast_time_unit("us")
    return None


def read_store(url: str, columns: Columns | None = None) -> dict[str, pl.DataFrame]:
    from store import bulk, open_store  # only when the input is a database: a folder needs no SQLAlchemy

    store = open_store(url)
    return {t: bulk.read_table(store, t, (columns or {}).get(t)) for t in TABLES}


def read(source: str | None, store_url: str, columns: Columns | None = None) -> dict[str, pl.DataFrame]:
    """A folder path, a database URL, or (None) the store at ``store_url``; only ``columns`` where given."""
    if source and "://" not in source:
        path = Path(source)
        if not path.is_dir():
            raise SourceError(f"{source}: no such folder (give a folder of contract files or a database URL)")
        return read_folder(path, columns)
    return read_store(source or store_url, columns)


def inputs(be: Backend, source: str | None, store_url: str) -> dict[str, pl.DataFrame] | None:
    """What to hand the engine: nothing when it holds every table itself, else the columns it reads
    (``ENGINE_COLUMNS``) of the tables in ``source`` (a folder, a database URL or the store)."""
    if holds_tables(be, tuple(TABLES)):
        return None
    return read(source, store_url, ENGINE_COLUMNS)
