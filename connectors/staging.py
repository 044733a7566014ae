"""From a connector's frames to a contract folder, and from there through the normal load.

The folder holds contract files (``<table>.csv``; timestamps ISO 8601 UTC), so what an import
produced can be inspected, checked and loaded like any extract; rows keep the order of their
source, so a row number the checks report is the row of the source too.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from core.contract import TABLES, shorten
from core.dataset import as_text

STAMP = "%Y-%m-%dT%H:%M:%S%.fZ"
MAX_DEPTH = 64  # JSON nested deeper than this is no vendor's export


MAX_JSON_BYTES = 512 * 1024 * 1024  # a JSON export read whole (after gunzip): larger is split by the exporter
LINES = (".jsonl", ".ndjson")  # JSON Lines: one document per line (Airbyte, Singer, warehouse unloads)


def _text(path: Path) -> str:
    """The file's text, gunzipped when it is gzip (by its magic bytes), refused past ``MAX_JSON_BYTES``."""
    with path.open("rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    opener = gzip.open if gz else open
    with opener(path, "rb") as f:  # type: ignore[operator]
        try:
            raw = f.read(MAX_JSON_BYTES + 1)
        except (OSError, EOFError) as err:
            raise ValueError(f"is not a readable gzip file: {err}") from None
    if len(raw) > MAX_JSON_BYTES:
        raise ValueError(f"holds more than {MAX_JSON_BYTES // 2**20:,} MiB of JSON: export it in parts")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"is not UTF-8: {err.reason} at byte {err.start}") from None


def _parse(text: str, line: int | None = None) -> Any:
    where = f"line {line}" if line is not None else ""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        at = where or f"line {err.lineno}, column {err.colno}"
        raise ValueError(f"is not JSON: {err.msg} ({at})") from None
    except RecursionError:
        raise ValueError(f"is nested more than {MAX_DEPTH} levels deep{' on ' + where if where else ''}: "
                         "not a vendor export") from None
    stack = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"is nested more than {MAX_DEPTH} levels deep{' on ' + where if where else ''}: "
                             "not a vendor export")
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack += [(c, depth + 1) for c in children if isinstance(c, (dict, list))]
    return doc


def read_json(path: Path) -> Any:
    """A JSON document, or the list of a JSON Lines file's documents (``.jsonl``/``.ndjson``, or text whose
    first line is a whole document followed by more); either may be gzipped. ValueError (with the reason and
    line in words) when it is not UTF-8 JSON or is nested deeper than ``MAX_DEPTH`` levels (a hostile file
    would otherwise exhaust the parser's recursion)."""
    text = _text(path)
    name = path.name.lower().removesuffix(".gz")
    if not name.endswith(LINES):
        try:
            return _parse(text)
        except ValueError as err:
            first = text.lstrip().split("\n", 1)[0]
            if "Extra data" not in str(err) or not _is_document(first):
                raise
    return [_parse(line, n) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _is_document(line: str) -> bool:
    try:
        json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return False
    return True


@dataclass(frozen=True)
class Issue:
    """A value an import or a mapping could not map (the same shape for every connector)."""

    file: str
    row: int  # the record or row in the source (1-based); 0: the whole file
    field: str
    value: str
    rule: str
    message: str

    def __post_init__(self) -> None:  # a value is echoed in terminals, rejects files and pages: never all of it
        object.__setattr__(self, "value", shorten(self.value) or "")


@dataclass
class Staged:
    frames: dict[str, pl.DataFrame]
    issues: list[Issue] = field(default_factory=list)
    notes: dict[str, int] = field(default_factory=dict)
    warnings: list[Issue] = field(default_factory=list)  # mapped, but worth a look (e.g. a time with no offset)

    def issues_frame(self, warnings: bool = False) -> pl.DataFrame:
        return pl.DataFrame([vars(i) for i in (self.warnings if warnings else self.issues)], schema={
            "file": pl.String, "row": pl.Int64, "field": pl.String, "value": pl.String, "rule": pl.String,
            "message": pl.String})


def write_folder(frames: dict[str, pl.DataFrame], folder: Path, extra: bool = True) -> list[Path]:
    """One ``<table>.csv`` per frame: the contract's columns first; with ``extra``, the connector's
    helper columns after them (e.g. the tracking number beside each event)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table, df in frames.items():
        names = [c.name for c in TABLES[table].columns if c.name in df.columns]
        rest = [c for c in df.columns if c not in names] if extra else []
        path = folder / f"{table}.csv"
        as_text(df.select(*names, *rest), utc_z=True).write_csv(path)
        written.append(path)
    return written


def import_folder(root: Path, kind: str) -> Path:
    """A fresh folder for one import under ``root`` (kept: the load names its files)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    return root / f"{stamp}-{kind}"
