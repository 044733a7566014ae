"""From a connector's frames to a contract folder, and from there through the normal load.

The folder holds contract files (``<table>.csv``; timestamps ISO 8601 UTC), so what an import
produced can be inspected, checked and loaded like any extract; rows keep the order of their
source, so a row number the checks report is the row of the source too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from core.contract import TABLES
from core.dataset import as_text

STAMP = "%Y-%m-%dT%H:%M:%S%.fZ"


@dataclass(frozen=True)
class Issue:
    """A value an import or a mapping could not map (the same shape for every connector)."""

    file: str
    row: int  # the record or row in the source (1-based); 0: the whole file
    field: str
    value: str
    rule: str
    message: str


@dataclass
class Staged:
    frames: dict[str, pl.DataFrame]
    issues: list[Issue] = field(default_factory=list)
    notes: dict[str, int] = field(default_factory=dict)

    def issues_frame(self) -> pl.DataFrame:
        return pl.DataFrame([vars(i) for i in self.issues], schema={
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
