"""A dataset on disk: a folder with one ``<table>.csv`` or ``<table>.parquet`` per contract table.

Reading yields every column as text plus ``__row`` (the 1-based data row, header
excluded), so that the checks can name the exact row and value that fails a rule.
Problems that stop a file from being read at all are raised as ``FileProblem``.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from core.contract import TABLES

ROW = "__row"
SUFFIXES = (".csv", ".parquet")


class FileProblem(Exception):
    """A file that cannot be taken at all (unknown table, encoding, empty, unreadable)."""

    def __init__(self, file: str, rule: str, message: str, row: int | None = None, column: str = "") -> None:
        super().__init__(f"{file}: {message}")
        self.file, self.rule, self.message, self.row, self.column = file, rule, message, row, column


@dataclass(frozen=True)
class SourceFile:
    table: str
    path: Path
    sha256: str
    size: int

    @property
    def format(self) -> str:
        return self.path.suffix.lstrip(".")


def discover(folder: Path) -> list[SourceFile]:
    """The contract files in ``folder``; a CSV/Parquet file named after no table is refused."""
    if not folder.is_dir():
        raise FileProblem(str(folder), "folder", "is not a folder")
    found: dict[str, SourceFile] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in SUFFIXES or not path.is_file():
            continue
        table = path.stem
        if table not in TABLES:
            raise FileProblem(
                str(path), "unknown_table",
                f"'{table}' is not a contract table (expected one of: {', '.join(sorted(TABLES))})",
            )
        if table in found:
            raise FileProblem(str(path), "duplicate_table", f"table '{table}' is given twice ({found[table].path.name})")
        data = path.read_bytes()
        found[table] = SourceFile(table, path, hashlib.sha256(data).hexdigest(), len(data))
    if not found:
        raise FileProblem(str(folder), "no_files", "holds no <table>.csv or <table>.parquet file")
    return list(found.values())


def _decode_csv(path: Path) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise FileProblem(str(path), "empty_file", "is empty: a CSV file needs at least a header row")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise FileProblem(
            str(path), "encoding",
            f"is not UTF-8: byte 0x{data[err.start]:02x} at offset {err.start} (line {line}); "
            "re-export the file as UTF-8",
            row=line - 1,
        ) from None
    return text.removeprefix("\ufeff")


def as_text(df: pl.DataFrame, utc_z: bool = False) -> pl.DataFrame:
    """Typed columns rendered as the text a CSV would hold (one parse path for both formats):
    timestamps ISO 8601 with their offset (``utc_z``: converted to UTC and written with Z), dates
    YYYY-MM-DD, booleans true/false."""
    out = []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            if utc_z and dtype.time_zone:
                out.append(col.dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%.fZ").alias(name))
                continue
            fmt = "%Y-%m-%dT%H:%M:%S%.f%:z" if dtype.time_zone else "%Y-%m-%dT%H:%M:%S%.f"
            out.append(col.dt.strftime(fmt).alias(name))
        elif dtype == pl.Date:
            out.append(col.dt.strftime("%Y-%m-%d").alias(name))
        elif dtype == pl.Boolean:
            out.append(pl.when(col).then(pl.lit("true")).when(~col).then(pl.lit("false")).alias(name))
        else:
            out.append(col.cast(pl.String).alias(name))
    return df.select(out)


def read_raw(src: SourceFile) -> pl.DataFrame:
    """All columns as text, plus ``__row``."""
    try:
        if src.format == "csv":
            text = _decode_csv(src.path)
            df = pl.read_csv(io.StringIO(text), infer_schema=False, raise_if_empty=False)
        else:
            df = as_text(pl.read_parquet(src.path))
    except FileProblem:
        raise
    except Exception as err:  # polars' own parse errors: keep its words, name the file
        raise FileProblem(str(src.path), "unreadable", f"cannot be read: {err}") from None
    df.columns = [c.strip() for c in df.columns]
    df = df.with_columns(pl.when(pl.all().str.strip_chars() != "").then(pl.all()))  # empty field = null
    return df.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))


def checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
