"""``wismo import …`` and ``wismo mapping …``: what retailers' systems produce (tracking aggregators, help
desks, any extract) turned into contract files, then checked and loaded like any folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from connectors import tracking
from connectors.contacts import load_map, parse_many
from connectors.mapped import copy_native, stage
from connectors.mapping import apply_file, read_mapping, suggest
from connectors.onboarding import scratch
from connectors.staging import Staged, import_folder, write_folder
from core.dataset import Limits
from services.loading import run_checks, spreadsheet_safe
from store import bulk
from wismo.context import EXIT_REFUSED, as_of, load_folder, print_report, require, settings, store


def show_staged(staged: Staged, unit: str = "", where: str = "") -> None:
    """What an import or mapping made (its summary), its caveats (five) and what it could not map (twenty)."""
    for note, n in staged.notes.items():
        typer.echo(f"  {note}: {n:,}{unit}")
    for w in staged.warnings[:5]:
        typer.echo(f"WARNING {w.file} record {w.row} [{w.rule}] {w.field}={w.value!r}: {w.message}", err=True)
    if len(staged.warnings) > 5:
        typer.echo(f"        … and {len(staged.warnings) - 5:,} more warning(s) like these", err=True)
    for i in staged.issues[:20]:
        typer.echo(f"UNMAPPED {i.file} row {i.row} [{i.rule}] {i.field}={i.value!r}: {i.message}", err=True)
    if len(staged.issues) > 20:
        typer.echo(f"         … and {len(staged.issues) - 20} more{where}", err=True)


def stage_or_refuse(staged: Staged, target: Path, *, skip: bool, kind: str, extra: bool = True) -> None:
    """Print what an import or mapping made; refuse (exit 1, nothing written or loaded) on any issue
    unless ``skip``; else write the contract files to ``target``."""
    if staged.issues:
        rejects = settings().rejects_dir
        rejects.mkdir(parents=True, exist_ok=True)
        path = rejects / f"{target.name}.unmapped.csv"
        spreadsheet_safe(staged.issues_frame()).write_csv(path)
    show_staged(staged, where=f" (see {path})" if staged.issues else "")
    if staged.issues:
        if not skip:
            typer.echo(f"{kind} REFUSED: {len(staged.issues):,} value(s) could not be mapped; nothing was written. "
                       f"All of them: {path}", err=True)
            raise typer.Exit(EXIT_REFUSED)
        typer.echo(f"{notes_bad(staged):,} record(s) with an issue left out (--skip-unmapped), nothing of them "
                   f"written; listed in {path}")
    for t, df in staged.frames.items():
        typer.echo(f"{t}: {df.height:,} rows")
    write_folder(staged.frames, target, extra=extra)


def notes_bad(staged: Staged) -> int:
    """Records that an issue keeps out (one record can have several issues)."""
    return len({(i.file, i.row) for i in staged.issues}) or len(staged.issues)


import_app = typer.Typer(help="Turn what your systems already produce into contract rows: carrier tracking "
                                "payloads (AfterShip, EasyPost, Shippo) and help-desk tickets (Zendesk, Gorgias).",
                           no_args_is_help=True)
mapping_app = typer.Typer(help="Column mappings for CSV/Parquet extracts (applied by `wismo load --mapping`).",
                          no_args_is_help=True)


JSON_NAMES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")


def _json_files(paths: list[Path]) -> list[Path]:
    out = []
    for p in paths:
        if p.is_dir():
            out += sorted(x for x in p.iterdir() if x.is_file() and x.name.lower().endswith(JSON_NAMES))
        elif p.exists():
            out.append(p)
        else:
            raise typer.BadParameter(f"{p} does not exist")
    if not out:
        raise typer.BadParameter("no JSON file given")
    return out


def _deliver_import(staged: Staged, out: Path | None, skip: bool, when: str | None, kind: str) -> None:
    target = out or import_folder(settings().imports_dir, kind)
    stage_or_refuse(staged, target, skip=skip, kind=f"import {kind}")
    if out:
        typer.echo(f"contract files written to {out} (not loaded): inspect them, then `wismo load {out}`")
        return
    load_folder(target, as_of(when))


@import_app.command("tracking")
def import_tracking(
    files: Annotated[list[Path], typer.Argument(help="JSON files or folders of them: tracking objects or webhook "
                                                     "bodies, one object or a list.")],
    fmt: Annotated[str, typer.Option("--format", help="aftership, easypost or shippo.")],
    out: Annotated[Path | None, typer.Option(help="Write the contract files here instead of loading (with the "
                                                  "tracking number beside each event).")] = None,
    skip_unmapped: Annotated[bool, typer.Option(help="Load what maps and list the rest, instead of refusing.")]
    = False,
    default_tz: Annotated[str | None, typer.Option(help="IANA zone for local times whose location names none.")]
    = None,
    when: Annotated[str | None, typer.Option("--as-of", help="The load's as-of time (default: now).")] = None,
) -> None:
    """Vendor tracking payloads → tracking_events (and delivered times on shipments), matched to the store's
    shipments by tracking number, through the normal checks and all-or-nothing load.

    Statuses map through connectors/config/<format>.yaml (the vendor's code kept in raw_status); times are
    converted to UTC (local checkpoint times by their location); exact duplicates are dropped. An unknown
    status, a time with no known zone or a tracking number no shipment carries refuses the import (exit 1)
    and is listed, unless --skip-unmapped."""
    if out is None:
        require("editor", "loading data")
    try:
        imported = tracking.parse(fmt, _json_files(files), default_tz)
    except (ValueError, KeyError) as err:
        raise typer.BadParameter(str(err)) from None
    typer.echo(f"{imported.trackings:,} {fmt} tracking object(s), {imported.events.height:,} scans")
    staged = tracking.to_contract(imported, bulk.read_table(store(), "shipments"), place_all=out is not None)
    _deliver_import(staged, out, skip_unmapped, when, f"tracking-{fmt}")


@import_app.command("contacts")
def import_contacts(
    files: Annotated[list[Path], typer.Argument(help="Zendesk or Gorgias exports — JSON, JSON Lines (Airbyte or "
                                                     "Singer records too), gzipped or not, or folders of any mix — "
                                                     "or one CSV extract.")],
    fmt: Annotated[str, typer.Option("--format", help="zendesk, gorgias or csv.")],
    config: Annotated[Path | None, typer.Option(help="zendesk/gorgias: your tag/intent → reason, channel and "
                                                     "satisfaction tables (default: connectors/config/<format>.yaml).")]
    = None,
    mapping: Annotated[Path | None, typer.Option(help="csv: the column mapping to contacts (see `wismo mapping "
                                                      "suggest FILE --table contacts`).")] = None,
    out: Annotated[Path | None, typer.Option(help="Write contacts.csv here instead of loading.")] = None,
    skip_unmapped: Annotated[bool, typer.Option(help="Load what maps and list the rest, instead of refusing.")]
    = False,
    when: Annotated[str | None, typer.Option("--as-of", help="The load's as-of time (default: now).")] = None,
) -> None:
    """Help-desk tickets → contacts (reason from tags/intents, channel, bot or agent, csat_score, order id),
    through the normal checks and all-or-nothing load.

    Untagged tickets take the config's default_reason and unlisted channels its default_channel (both
    counted); deleted, spam and trashed tickets, message objects, the sample ticket and tickets an agent
    opened are left out and counted. The summary accounts for every record read. A rating the table does
    not list, or a time that is not a time, refuses the import (exit 1) and is listed, unless
    --skip-unmapped: then those records are left out and the rest load."""
    if out is None:
        require("editor", "loading data")
    if fmt == "csv":
        if mapping is None:
            raise typer.BadParameter("--format csv needs --mapping FILE (start from `wismo mapping suggest`)")
        if len(files) != 1:
            raise typer.BadParameter("--format csv takes one CSV file")
        m = read_mapping(mapping)
        if m.table != "contacts":
            raise typer.BadParameter(f"{mapping} maps to {m.table}, not contacts")
        df, issues = apply_file(m, files[0])
        staged = Staged({"contacts": df}, issues, {})
    else:
        try:
            staged = parse_many(fmt, _json_files(files), load_map(fmt, config))
        except ValueError as err:
            raise typer.BadParameter(str(err)) from None
    _deliver_import(staged, out, skip_unmapped, when, f"contacts-{fmt}")


@mapping_app.command("suggest")
def mapping_suggest(
    file: Annotated[Path, typer.Argument(help="A CSV or Parquet extract.")],
    table: Annotated[str, typer.Option(help="The contract table it feeds, e.g. orders.")],
    out: Annotated[Path | None, typer.Option(help="Write the mapping here (default: print it).")] = None,
    sql: Annotated[bool, typer.Option("--sql", help="A SQL mapping (a SELECT run by DuckDB; docs/mappings.md) "
                                                    "instead of YAML: the place to add WHERE, COALESCE, DISTINCT …")]
    = False,
) -> None:
    """Propose a column mapping from the extract's header and sample values, for you to edit: renames,
    time formats and zones, enum value maps. Lines it is unsure of say `check:`."""
    s = settings()
    try:
        text = suggest(file, table, limits=Limits(s.upload_max_rows, s.upload_max_bytes), sql=sql)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None
    if out:
        out.write_text(text)
        typer.echo(f"mapping written to {out}: edit it, then `wismo load FOLDER --mapping {out}`")
    else:
        typer.echo(text, nl=False)


def check_mapped(folder: Path, mappings: list[Path], when: dt.datetime, rejects: Path | None) -> None:
    """Run the mappings and the load's checks on what they make, in a temporary folder; keep nothing."""
    staged = stage(folder, mappings)
    show_staged(staged, unit=" rows")
    with scratch("wismo-onboarding-") as target:
        write_folder(staged.frames, target / "staged", extra=False)
        try:
            copy_native(folder, target / "staged", set(staged.frames))
        except ValueError as err:
            typer.echo(f"refused: {err}", err=True)
            raise typer.Exit(EXIT_REFUSED) from None
        report = run_checks(target / "staged", store(), when, earliest=settings().earliest_date)
    print_report(report)
    if rejects:
        spreadsheet_safe(report.rejects()).write_csv(rejects)
        typer.echo(f"rejects: {rejects}")
    if staged.issues or not report.ok:
        typer.echo(f"dry run: the load would be REFUSED ({len(staged.issues):,} value(s) the mappings could not "
                   f"map, {len(report.blocking):,} blocking check(s)); nothing was written", err=True)
        raise typer.Exit(EXIT_REFUSED)
    typer.echo("dry run: the load would land; nothing was written")


def load_mapped(folder: Path, mappings: list[Path], when: str | None) -> None:
    """Convert the mapped extracts of ``folder`` (staged under the imports folder, kept), then load them with
    the folder's contract files."""
    try:
        staged = stage(folder, mappings)
    except ValueError as err:
        typer.echo(f"refused: {err}", err=True)
        raise typer.Exit(EXIT_REFUSED) from None
    target = import_folder(settings().imports_dir, "mapped")
    stage_or_refuse(staged, target, skip=False, kind="mapped")
    copy_native(folder, target, set(staged.frames))
    load_folder(target, as_of(when))
