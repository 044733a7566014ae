"""A folder whose extracts are mapped by column-mapping files (YAML renames, or SQL SELECTs run by DuckDB)
→ a staged contract folder."""

from __future__ import annotations

import shutil
from pathlib import Path

from connectors.mapping import apply_file, read_mapping
from connectors.sql_mapping import is_sql
from connectors.sql_mapping import run as run_sql
from connectors.staging import Issue, Staged
from core.contract import TABLES
from core.dataset import table_file


def stage(folder: Path, mapping_files: list[Path]) -> Staged:
    """Each mapping's source file mapped to its table; the folder's own contract files kept as they are
    (returned as ``notes`` of what was copied). Two sources for one table are refused."""
    frames = {}
    issues: list[Issue] = []
    notes: dict[str, int] = {}
    for mf in mapping_files:
        if is_sql(mf):
            got = run_sql(folder, mf)
            issues += got.issues
            notes |= got.notes
            for table, df in got.frames.items():
                if table in frames:
                    issues.append(Issue(str(mf), 0, "table", table, "duplicate_table", f"two sources map to {table}"))
                frames[table] = df
            continue
        m = read_mapping(mf)
        if m.file is None:
            issues.append(Issue(str(mf), 0, "file", "", "no_source", "the mapping names no 'file' to read"))
            continue
        src = folder / m.file
        if not src.resolve().is_relative_to(folder.resolve()):
            issues.append(Issue(str(mf), 0, "file", m.file, "outside_folder",
                                f"{m.file} leads outside {folder}: a mapping reads files of its folder only"))
            continue
        if not src.is_file():
            issues.append(Issue(str(mf), 0, "file", m.file, "no_source", f"{src} does not exist"))
            continue
        if m.table in frames:
            issues.append(Issue(str(mf), 0, "table", m.table, "duplicate_table", f"two sources map to {m.table}"))
            continue
        df, found = apply_file(m, src)
        frames[m.table] = df
        issues += found
        notes[f"{src.name} → {m.table} ({df.height:,} rows, mapping {mf.name})"] = df.height
    return Staged(frames, issues, notes)


def native_files(folder: Path, mapped: set[str]) -> list[Path]:
    """The folder's files already in the contract (``<table>.csv|parquet``) for tables no mapping makes."""
    return [p for p in sorted(folder.iterdir()) if (named := table_file(p)) is not None and named[0] in TABLES
            and named[0] not in mapped]


def copy_native(folder: Path, target: Path, mapped: set[str]) -> list[Path]:
    """Copy the folder's contract files to ``target``; a link leading outside the folder is refused."""
    root = folder.resolve()
    for p in native_files(folder, mapped):
        if p.is_symlink() and not p.resolve().is_relative_to(root):
            raise ValueError(f"{p} is a link to {p.resolve()}, outside the folder: copy the file in instead")
    target.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy2(p, target / p.name)) for p in native_files(folder, mapped)]
