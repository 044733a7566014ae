"""A dataset on disk: a folder with one file per contract table — ``<table>.csv`` (also gzip- or
zstd-compressed: ``.csv.gz``, ``.csv.zst``) or ``<table>.parquet``, names matched without regard to case.

Reading yields every column as text plus ``__row`` (the 1-based data row, header
excluded), so that the checks can name the exact row and value that fails a rule.
Problems that stop a file from being read at all are raised as ``FileProblem``; files that are not
the contract's are named (``ignored``), never skipped in silence; a link to a file outside the folder is
refused before anything is read from it. ``Limits`` bound what a file may expand to (uploads on a shared
server): checked from Parquet metadata before reading, and while decompressing a CSV.
"""

from __future__ import annotations

import gzip
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import polars as pl

from core.contract import TABLES, shorten

ROW = "__row"
# file name endings read, longest first: (ending, format, compression)
FORMATS = ((".csv.gzip", "csv", "gzip"), (".csv.zstd", "csv", "zstd"), (".csv.gz", "csv", "gzip"),
           (".csv.zst", "csv", "zstd"), (".parquet", "parquet", None), (".csv", "csv", None))
SUFFIXES = tuple(f[0] for f in FORMATS)
ENDINGS = ".csv, .csv.gz, .csv.zst or .parquet"
CHUNK = 1 << 20


class FileProblem(Exception):
    """A file that cannot be taken at all (unknown table, encoding, empty, unreadable)."""

    def __init__(self, file: str, rule: str, message: str, row: int | None = None, column: str = "") -> None:
        super().__init__(f"{file}: {message}")
        self.file, self.rule, self.message, self.row, self.column = file, rule, message, row, column


@dataclass(frozen=True)
class Limits:
    """How large a file may be once read: rows, and bytes uncompressed (None: no limit, a trusted operator)."""

    max_rows: int | None = None
    max_bytes: int | None = None


def table_file(path: Path) -> tuple[str, str, str | None] | None:
    """(table, format, compression) a file name stands for, or None: ``Orders.CSV.GZ`` → (Orders, csv, gzip)."""
    low = path.name.lower()
    for ending, fmt, compression in FORMATS:
        if low.endswith(ending) and len(low) > len(ending):
            return path.name[: -len(ending)], fmt, compression
    return None


@dataclass(frozen=True)
class SourceFile:
    table: str
    path: Path
    sha256: str
    size: int

    @property
    def format(self) -> str:
        named = table_file(self.path)
        return named[1] if named else self.path.suffix.lstrip(".").lower()

    @property
    def compression(self) -> str | None:
        named = table_file(self.path)
        return named[2] if named else None


def _outside(path: Path, root: Path) -> Path | None:
    """Where a link leads when that is outside ``root`` (None for a plain file or a link inside)."""
    if not path.is_symlink():
        return None
    target = path.resolve()
    return None if target.is_relative_to(root) else target


def discover(folder: Path, digest: bool = True) -> list[SourceFile]:
    """The contract files in ``folder``. Refused: a file named after no table, a table given twice, a folder
    or an unreadable format named like a table (``orders.csv/``, ``nodes.txt``), a link leading outside.
    ``digest=False``: no sha256 (a read that records no load need not hash gigabytes)."""
    if not folder.is_dir():
        raise FileProblem(str(folder), "folder", "is not a folder")
    root = folder.resolve()
    found: dict[str, SourceFile] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        named = table_file(path)
        stem = named[0] if named else path.name.split(".")[0]
        if named is None and stem not in TABLES:
            continue  # named by ``ignored``
        if (target := _outside(path, root)) is not None:
            raise FileProblem(str(path), "link_outside_folder",
                              f"is a link to {target}, outside the folder: copy the file in instead "
                              "(nothing was read from it)")
        if named is None:
            raise FileProblem(str(path), "unsupported_format",
                              f"looks like table '{stem}' but is not a format the load reads ({ENDINGS})")
        table = named[0]
        if not path.is_file():
            raise FileProblem(str(path), "not_a_file", f"is a folder, not a file: table '{table}' needs a file")
        if table not in TABLES:
            raise FileProblem(
                str(path), "unknown_table",
                f"'{table}' is not a contract table (expected one of: {', '.join(sorted(TABLES))})",
            )
        if table in found:
            raise FileProblem(str(path), "duplicate_table", f"table '{table}' is given twice ({found[table].path.name})")
        if not digest:
            found[table] = SourceFile(table, path, "", path.stat().st_size)
            continue
        sha, size = hashlib.sha256(), 0
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                sha.update(chunk)
                size += len(chunk)
        found[table] = SourceFile(table, path, sha.hexdigest(), size)
    if not found:
        raise FileProblem(str(folder), "no_files", f"holds no contract file (<table> with {ENDINGS})")
    return list(found.values())


def ignored(folder: Path) -> list[Path]:
    """What in ``folder`` is not a contract file and is not loaded (hidden files aside): named in a warning."""
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.iterdir()):
        named = table_file(path)
        if path.name.startswith(".") or named is not None or path.name.split(".")[0] in TABLES:
            continue
        out.append(path)
    return out


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def _bounded(stream: _Readable, path: Path, limit: int | None) -> bytes:
    """The whole decompressed stream, refused once it passes ``limit`` bytes (a decompression bomb)."""
    parts, total = [], 0
    while chunk := stream.read(CHUNK):
        total += len(chunk)
        if limit is not None and total > limit:
            raise FileProblem(str(path), "too_large", f"expands to more than {limit:,} bytes, the limit for a file "
                              "here: split it, or raise WISMO_UPLOAD_MAX_BYTES")
        parts.append(chunk)
    return b"".join(parts)


def _raw_bytes(path: Path, compression: str | None, limits: Limits) -> bytes:
    if compression is None:
        if limits.max_bytes is not None and path.stat().st_size > limits.max_bytes:
            raise FileProblem(str(path), "too_large", f"is larger than {limits.max_bytes:,} bytes, the limit for a "
                              "file here: split it, or raise WISMO_UPLOAD_MAX_BYTES")
        return path.read_bytes()
    try:
        if compression == "gzip":
            with gzip.open(path, "rb") as g:
                return _bounded(g, path, limits.max_bytes)
        import zstandard  # only for .csv.zst

        with path.open("rb") as f, zstandard.ZstdDecompressor().stream_reader(f) as z:
            return _bounded(z, path, limits.max_bytes)
    except FileProblem:
        raise
    except Exception as err:  # noqa: BLE001 - a corrupt archive: say so, with the library's words
        raise FileProblem(str(path), "unreadable", f"cannot be decompressed ({compression}): "
                          f"{shorten(str(err))}") from None


def _decode_csv(path: Path, compression: str | None = None, limits: Limits | None = None) -> str:
    data = _raw_bytes(path, compression, limits or Limits())
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
    text = text.removeprefix("\ufeff")
    if text.count('"') % 2:
        line = _open_quote_line(text)
        raise FileProblem(str(path), "unbalanced_quote",
                          f"a quote opened on line {line} is never closed: the rest of the file would be read as one "
                          "value; fix the quoting (a quote inside a value is written twice: \"\")", row=line - 1)
    return text


def _open_quote_line(text: str) -> int:
    """The line on which the quote that is never closed was opened."""
    inside, opened = False, 1
    for n, line in enumerate(text.split("\n"), 1):
        if line.count('"') % 2:
            inside = not inside
            if inside:
                opened = n
    return opened


def _parquet_within(path: Path, limits: Limits) -> None:
    """Refuse a Parquet file whose metadata says it holds more rows or bytes than ``limits`` — before reading."""
    if limits.max_rows is None and limits.max_bytes is None:
        return
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as err:  # noqa: BLE001 - not Parquet at all
        raise FileProblem(str(path), "unreadable", f"cannot be read as Parquet: {shorten(str(err))}") from None
    size = 0  # what it expands to: the pages uncompressed, or (dictionary-encoded text) rows × the widest value seen
    for i in range(meta.num_row_groups):
        group = meta.row_group(i)
        for j in range(group.num_columns):
            chunk = group.column(j)
            stats = chunk.statistics
            width = max(len(str(stats.min)), len(str(stats.max))) if stats is not None and stats.has_min_max else 0
            size += max(chunk.total_uncompressed_size, group.num_rows * width)
    if limits.max_rows is not None and meta.num_rows > limits.max_rows:
        raise FileProblem(str(path), "too_large", f"holds {meta.num_rows:,} rows, more than the {limits.max_rows:,} a "
                          "file may hold here: split it, or raise WISMO_UPLOAD_MAX_ROWS")
    if limits.max_bytes is not None and size > limits.max_bytes:
        raise FileProblem(str(path), "too_large", f"expands to {size:,} bytes, more than the {limits.max_bytes:,} a "
                          "file may hold here: split it, or raise WISMO_UPLOAD_MAX_BYTES")


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


def read_raw(src: SourceFile, limits: Limits | None = None, sample: int | None = None) -> pl.DataFrame:
    """All columns as text, plus ``__row``; at most ``sample`` rows when given (a bounded preview)."""
    limits = limits or Limits()
    try:
        if src.format == "csv":
            text = _decode_csv(src.path, src.compression, limits)
            df = pl.read_csv(io.StringIO(text), infer_schema=False, raise_if_empty=False, n_rows=sample)
        else:
            _parquet_within(src.path, limits)
            df = as_text(pl.read_parquet(src.path, n_rows=sample))
    except FileProblem:
        raise
    except Exception as err:  # polars' own parse errors: keep its words (cut short), name the file
        raise FileProblem(str(src.path), "unreadable", f"cannot be read: {shorten(str(err), 300)}") from None
    if limits.max_rows is not None and df.height > limits.max_rows:
        raise FileProblem(str(src.path), "too_large", f"holds {df.height:,} rows, more than the {limits.max_rows:,} a "
                          "file may hold here: split it, or raise WISMO_UPLOAD_MAX_ROWS")
    df.columns = [c.strip() for c in df.columns]
    df = df.with_columns(pl.when(pl.all().str.strip_chars() != "").then(pl.all()))  # empty field = null
    return df.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))


def checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
