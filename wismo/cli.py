"""The ``wismo`` command. Every subcommand has ``--help``."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="WISMO command centre: separate true demand from avoidable 'where is my order' contacts.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The store: where it is, its schema version, its row counts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
gov_app = typer.Typer(help="The governance workspace: checklist, risks and controls, actions, audit trail.",
                      no_args_is_help=True)
app.add_typer(gov_app, name="governance")


def _governance():  # type: ignore[no-untyped-def]
    from core.settings import get_settings
    from governance.service import Actor, Governance

    settings = get_settings()
    user = settings.who()
    gov = Governance(_store(), Actor(user, settings.role_of(user)))
    gov.seed_if_empty()
    return gov


@gov_app.command("export")
def governance_export(fmt: Annotated[str, typer.Option("--format", help="json.")] = "json") -> None:
    """Print checklist, risks and controls, actions and the audit trail with its chain check."""
    import json

    if fmt != "json":
        raise typer.BadParameter("only json is supported")
    typer.echo(json.dumps(_governance().export(), indent=1, default=str))


@gov_app.command("import")
def governance_import(
    file: Annotated[Path, typer.Argument(help="A JSON document shaped like `wismo governance export`.")],
    reason: Annotated[str, typer.Option(help="Why: kept on the audit trail for every change.")] = "import",
) -> None:
    """Apply checklist answers, control statuses, RACI, peak review and new actions from a file
    (editors and admins; every change is audited)."""
    import json

    try:
        counts = _governance().import_(json.loads(file.read_text()), reason=reason)
    except (PermissionError, ValueError, KeyError) as err:
        typer.echo(f"refused: {err}", err=True)
        raise typer.Exit(1) from None
    typer.echo("imported: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@gov_app.command("set-target")
def governance_set_target(
    kpi: Annotated[str, typer.Argument(help="KPI id, e.g. wismo_contact_rate.")],
    green: Annotated[float, typer.Option(help="On target at or better than this (as a ratio, e.g. 0.06).")],
    red: Annotated[float, typer.Option(help="Off target when worse than this.")],
    reason: Annotated[str, typer.Option(help="Why: kept on the audit trail.")],
    node: Annotated[str | None, typer.Option(help="A target for this fulfillment node only.")] = None,
    carrier: Annotated[str | None, typer.Option(help="A target for this carrier only.")] = None,
) -> None:
    """Set a KPI's red/amber/green thresholds, overall or for one node or carrier (editors and admins):
    a new, audited targets version. `wismo alerts` evaluates every target set."""
    if node and carrier:
        raise typer.BadParameter("give --node or --carrier, not both")
    dimension, value = ("node", node) if node else ("carrier", carrier) if carrier else ("all", "all")
    try:
        version = _governance().set_target(kpi, green=green, red=red, reason=reason, dimension=dimension,
                                           value=value)
    except (PermissionError, ValueError, KeyError) as err:
        typer.echo(f"refused: {err}", err=True)
        raise typer.Exit(1) from None
    where = f" for {dimension} {value}" if dimension != "all" else ""
    typer.echo(f"targets version {version}: {kpi}{where} green {green}, red {red}")


@gov_app.command("set-threshold")
def governance_set_threshold(
    name: Annotated[str, typer.Argument(help="activation_sla_hours, stale_scan_hours, notify_window_hours or "
                                             "repeat_window_days.")],
    value: Annotated[float, typer.Argument(help="The new value.")],
    reason: Annotated[str, typer.Option(help="Why: kept on the audit trail.")],
) -> None:
    """Change a cause-rule / KPI threshold (admin only): a new, audited rule version; figures are recomputed."""
    try:
        version = _governance().set_thresholds(reason=reason, **{name: value})
    except (PermissionError, ValueError) as err:
        typer.echo(f"refused: {err}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"thresholds version {version}: {name} = {value}; figures refreshed")


@gov_app.command("set-carrier-sla")
def governance_set_carrier_sla(
    carrier: Annotated[str, typer.Argument(help="carrier_id")],
    reason: Annotated[str, typer.Option(help="Why: kept on the audit trail.")],
    activation_hours: Annotated[float | None, typer.Option(help="Tracking activation SLA in hours.")] = None,
    stale_hours: Annotated[float | None, typer.Option(help="Hours without a scan before escalation.")] = None,
    escalation: Annotated[str | None, typer.Option(help="Who to escalate to.")] = None,
) -> None:
    """Set a carrier's milestone SLA (admin only); an activation change recomputes the figures."""
    try:
        version = _governance().set_carrier_sla(carrier, activation_sla_hours=activation_hours,
                                                stale_scan_hours=stale_hours, escalation_contact=escalation,
                                                reason=reason)
    except (PermissionError, ValueError, KeyError) as err:
        typer.echo(f"refused: {err}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"carrier SLAs version {version}: {carrier} updated")


@gov_app.command("verify")
def governance_verify() -> None:
    """Check the audit trail's hash chain; exit 1 if a row was edited or deleted outside the app."""
    problems = _governance().verify()
    for p in problems:
        typer.echo(f"TAMPERED: {p}")
    if problems:
        raise typer.Exit(1)
    typer.echo("audit chain intact")

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = Path("data/demo")


def _as_of(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    import polars as pl

    from data_checks.parse import parse_timestamps

    ts, _ = parse_timestamps(pl.lit(value))
    got = pl.select(ts).item()
    if got is None:
        raise typer.BadParameter(f"'{value}' is not an ISO 8601 timestamp (e.g. 2026-01-05T00:00:00Z)")
    return got


def _store(url: str | None = None):  # type: ignore[no-untyped-def]
    from store import open_store

    return open_store(url)


def _print_report(report) -> None:  # type: ignore[no-untyped-def]
    for f in report.blocking + report.warnings:
        tag = "REFUSED" if f.severity == "blocking" else "warning"
        limit = 20 if f.severity == "blocking" else 3
        typer.echo(f"{tag:8} {f.table}.{f.column} [{f.rule}] {f.message}: {f.failing} row(s) in {f.file}")
        for r, v in list(zip(f.rows, f.values or [None] * len(f.rows), strict=False))[:limit]:
            typer.echo(f"         row {r} (line {r + 1}): {v!r}")
        if len(f.rows) > limit:
            typer.echo(f"         … and {len(f.rows) - limit} more (see the rejects file)")
    passed = sum(1 for f in report.findings if f.passed)
    typer.echo(f"checks: {passed} passed, {len(report.blocking)} blocking failed, {len(report.warnings)} warnings")


@app.command()
def demo(
    orders: Annotated[int, typer.Option(help="Number of orders.", min=100)] = 50_000,
    weeks: Annotated[int, typer.Option(help="Weeks of history (from --start).", min=2)] = 26,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 7,
    start: Annotated[str, typer.Option(help="First day (a Monday), YYYY-MM-DD.")] = "2025-07-07",
    out: Annotated[Path, typer.Option(help="Folder for the contract files.")] = DEMO_DIR,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    load: Annotated[bool, typer.Option("--load", help="Also load the files into the store.")] = False,
) -> None:
    """Generate realistic demo data in the contract format (and optionally load it)."""
    from services.demo import DemoConfig, generate, write

    cfg = DemoConfig(orders=orders, weeks=weeks, seed=seed, start=dt.date.fromisoformat(start))
    frames = generate(cfg)
    write(frames, out, fmt, seed)
    rows = ", ".join(f"{k} {v.height:,}" for k, v in frames.items())
    typer.echo(f"wrote {out}/ ({fmt}): {rows}")
    typer.echo(f"as-of of this data: {cfg.as_of:%Y-%m-%dT%H:%M:%SZ}")
    if load:
        _load(out, cfg.as_of)


def _load(folder: Path, as_of: dt.datetime | None) -> None:
    from core.settings import get_settings
    from services.loading import counts
    from services.loading import load as run_load

    settings = get_settings()
    store = _store()
    typer.echo(f"store: {store.display_url}")
    result = run_load(folder, store, user=settings.who(), as_of=as_of, rejects_dir=settings.rejects_dir,
                      progress=sys.stderr.isatty())
    _print_report(result.report)
    if not result.landed:
        typer.echo(f"load {result.load_id} REFUSED: nothing was written. Rejects: {result.rejects_file}", err=True)
        raise typer.Exit(1)
    typer.echo(f"load {result.load_id} landed: " + ", ".join(f"{k} {v:,}" for k, v in result.written.items()))
    typer.echo("store rows: " + ", ".join(f"{k} {v:,}" for k, v in counts(store).items()))
    _after_load(store)


def _after_load(store) -> None:  # type: ignore[no-untyped-def]
    """A landed load refreshes the materialised figures."""
    _refresh(store, None, "polars")


def _refresh(store, as_of, engine: str) -> None:  # type: ignore[no-untyped-def]
    from metrics.cube import refresh as run_refresh

    r = run_refresh(store, as_of=as_of, engine=engine)
    typer.echo(f"figures refreshed: {r.figures:,} KPI rows, {r.causes:,} contact causes, as-of "
               f"{r.as_of:%Y-%m-%dT%H:%M:%SZ}, rules {r.rule_version}, {r.seconds:.1f} s")


@app.command()
def refresh(
    as_of: Annotated[str | None, typer.Option(help="As-of for the figures (default: the newest load's).")] = None,
    engine: Annotated[str | None, typer.Option(help="polars, duckdb, spark or pushdown (inside the PostgreSQL "
                                                    "store); default WISMO_ENGINE or polars.")] = None,
) -> None:
    """Recompute the figures the dashboard reads (every KPI, grain and cut; every contact's cause).

    With --engine pushdown (PostgreSQL store) the figures are computed inside the database and only
    they come back; with spark, on local[*], a cluster (WISMO_SPARK_MASTER) or Spark Connect
    (WISMO_SPARK_REMOTE)."""
    from core.settings import get_settings

    try:
        _refresh(_store(), _as_of(as_of), engine or get_settings().engine)
    except ValueError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None


@app.command()
def brief(
    out: Annotated[Path, typer.Option("--out", help="FILE.pdf (two A4 pages) or FILE.html (one page, reads on "
                                                    "a phone).")],
    week: Annotated[str | None, typer.Option(help="ISO week YYYY-Www (default: the newest complete week, as on "
                                                  "the overview).")] = None,
    as_of: Annotated[str | None, typer.Option(help="Recompute the store's figures at this as-of first (as "
                                                   "`wismo refresh --as-of` does; the dashboard then shows the "
                                                   "same figures).")] = None,
) -> None:
    """Write the weekly executive brief: the eight KPIs against target, reduction or deflection, causes,
    worst nodes and carriers, exception backlog, data quality and governance.

    The figures are the dashboard's for the same as-of and rule version (printed in the footer).
    Exits 1 when there are no figures for the week."""
    from reporting.brief import gather
    from reporting.render import render

    if week and as_of:
        raise typer.BadParameter("give --week or --as-of, not both")
    store = _store()
    when = _as_of(as_of)
    if when is not None:
        from metrics.cube import latest_run

        run = latest_run(store)
        if not run or run["as_of"] != when:
            _refresh(store, when, "polars")
    try:
        got = gather(store, week)
        path = render(got, out)
    except (LookupError, ValueError) as err:
        typer.echo(f"no brief: {err}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"brief {got.week} written to {path} (as of {got.as_of:%Y-%m-%dT%H:%M:%SZ}, rules {got.rule_version})")


@app.command()
def alerts(
    as_of: Annotated[str | None, typer.Option(help="Recompute the store's figures at this as-of first (as "
                                                   "`wismo refresh --as-of` does).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Evaluate and print what would be sent; change and "
                                                            "send nothing.")] = False,
) -> None:
    """Evaluate every KPI target (overall and per node/carrier where set) and carrier milestone SLA on the
    latest figures; send each new or escalated breach once to the configured channels.

    Channels: WISMO_ALERT_WEBHOOKS (JSON list of URLs; Slack/Teams compatible) and WISMO_SMTP_HOST with
    WISMO_ALERT_TO / WISMO_ALERT_RECIPIENTS. A delivery that still fails after retries is reported,
    kept as due for the next run, and the command exits 1."""
    from alerts.channels import configured
    from alerts.service import run
    from core.settings import get_settings

    store = _store()
    when = _as_of(as_of)
    if when is not None and not dry_run:
        from metrics.cube import latest_run

        latest = latest_run(store)
        if not latest or latest["as_of"] != when:
            _refresh(store, when, "polars")
    settings = get_settings()
    channels = configured()
    report = run(store, channels, settings.public_url, dry_run=dry_run, attempts=settings.alert_attempts)
    if report.week is None:
        typer.echo("no figures yet: nothing to evaluate", err=True)
        raise typer.Exit(1)
    open_now = report.opened + report.escalated + report.still_open
    typer.echo(f"week of {report.week}: {len(open_now)} breach(es) open — {len(report.opened)} new, "
               f"{len(report.escalated)} escalated, {len(report.still_open)} still open from an earlier run; "
               f"{len(report.cleared)} cleared")
    for b in report.opened + report.escalated:
        typer.echo(f"  {b.message}")
    if not channels:
        typer.echo("no channel configured (WISMO_ALERT_WEBHOOKS, WISMO_SMTP_HOST): alerts kept in the store only")
    if dry_run:
        typer.echo(f"dry run: {len(report.due)} delivery(ies) due, nothing sent or changed")
        return
    typer.echo(f"sent {len(report.sent)}, failed {len(report.failed)}")
    for b, outcome in report.failed:
        typer.echo(f"  FAILED {outcome.channel} after {outcome.attempts} attempt(s): {b.key}: {outcome.error}",
                   err=True)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def load(
    folder: Annotated[Path, typer.Argument(help="Folder of <table>.csv / <table>.parquet files (and the extracts "
                                                "that --mapping files name).")],
    as_of: Annotated[str | None, typer.Option(help="The load's as-of time (default: now).")] = None,
    mapping: Annotated[list[Path] | None, typer.Option(help="A column-mapping YAML (repeatable): maps one extract in "
                                                            "FOLDER to a contract table (see `wismo mapping suggest`).")]
    = None,
) -> None:
    """Check a folder and load it into the store: all of it, or (on any blocking failure) nothing.

    A refused load exits 1, writes no contract row and writes a rejects CSV naming file,
    row, column, rule and value of every failing row. Loading the same files twice changes
    nothing (primary keys upsert). With --mapping, the mapped extracts are converted first (into
    a staged folder under data/imports/, kept); a value the mapping cannot convert refuses the load."""
    if not mapping:
        _load(folder, _as_of(as_of))
        return
    from connectors.mapped import copy_native, stage
    from connectors.staging import import_folder
    from core.settings import get_settings

    try:
        staged = stage(folder, mapping)
    except ValueError as err:
        typer.echo(f"refused: {err}", err=True)
        raise typer.Exit(1) from None
    target = import_folder(get_settings().imports_dir, "mapped")
    _stage_or_refuse(staged, target, skip=False, kind="mapped")
    copy_native(folder, target, set(staged.frames))
    _load(target, _as_of(as_of))


def _stage_or_refuse(staged, target: Path, *, skip: bool, kind: str, extra: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Print what an import or mapping made; refuse (exit 1, nothing written or loaded) on any issue
    unless ``skip``; else write the contract files to ``target``."""
    from connectors.staging import write_folder
    from core.settings import get_settings

    for note, n in staged.notes.items():
        typer.echo(f"  {note}" + (f": {n:,}" if n > 1 else ""))
    if staged.issues:
        rejects = get_settings().rejects_dir
        rejects.mkdir(parents=True, exist_ok=True)
        path = rejects / f"{target.name}.unmapped.csv"
        staged.issues_frame().write_csv(path)
        for i in staged.issues[:20]:
            typer.echo(f"UNMAPPED {i.file} row {i.row} [{i.rule}] {i.field}={i.value!r}: {i.message}", err=True)
        if len(staged.issues) > 20:
            typer.echo(f"         … and {len(staged.issues) - 20} more (see {path})", err=True)
        if not skip:
            typer.echo(f"{kind} REFUSED: {len(staged.issues):,} value(s) could not be mapped; nothing was written. "
                       f"All of them: {path}", err=True)
            raise typer.Exit(1)
        typer.echo(f"{len(staged.issues):,} unmapped record(s) left out (--skip-unmapped); listed in {path}")
    for t, df in staged.frames.items():
        typer.echo(f"{t}: {df.height:,} rows")
    write_folder(staged.frames, target, extra=extra)


import_app = typer.Typer(help="Turn what your systems already produce into contract rows: carrier tracking "
                                "payloads (AfterShip, EasyPost, Shippo) and help-desk tickets (Zendesk, Gorgias).",
                           no_args_is_help=True)
app.add_typer(import_app, name="import")
mapping_app = typer.Typer(help="Column mappings for CSV/Parquet extracts (applied by `wismo load --mapping`).",
                          no_args_is_help=True)
app.add_typer(mapping_app, name="mapping")


def _json_files(paths: list[Path]) -> list[Path]:
    out = []
    for p in paths:
        if p.is_dir():
            out += sorted(x for x in p.iterdir() if x.suffix.lower() == ".json")
        elif p.exists():
            out.append(p)
        else:
            raise typer.BadParameter(f"{p} does not exist")
    if not out:
        raise typer.BadParameter("no JSON file given")
    return out


def _deliver_import(staged, out: Path | None, skip: bool, as_of: str | None, kind: str) -> None:  # type: ignore[no-untyped-def]
    from connectors.staging import import_folder
    from core.settings import get_settings

    target = out or import_folder(get_settings().imports_dir, kind)
    _stage_or_refuse(staged, target, skip=skip, kind=f"import {kind}")
    if out:
        typer.echo(f"contract files written to {out} (not loaded): inspect them, then `wismo load {out}`")
        return
    _load(target, _as_of(as_of))


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
    as_of: Annotated[str | None, typer.Option(help="The load's as-of time (default: now).")] = None,
) -> None:
    """Vendor tracking payloads → tracking_events (and delivered times on shipments), matched to the store's
    shipments by tracking number, through the normal checks and all-or-nothing load.

    Statuses map through connectors/config/<format>.yaml (the vendor's code kept in raw_status); times are
    converted to UTC (local checkpoint times by their location); exact duplicates are dropped. An unknown
    status, a time with no known zone or a tracking number no shipment carries refuses the import (exit 1)
    and is listed, unless --skip-unmapped."""
    from connectors import tracking
    from store import bulk

    try:
        imported = tracking.parse(fmt, _json_files(files), default_tz)
    except (ValueError, KeyError) as err:
        raise typer.BadParameter(str(err)) from None
    typer.echo(f"{imported.trackings:,} {fmt} tracking object(s), {imported.events.height:,} scans")
    staged = tracking.to_contract(imported, bulk.read_table(_store(), "shipments"), place_all=out is not None)
    _deliver_import(staged, out, skip_unmapped, as_of, f"tracking-{fmt}")


@import_app.command("contacts")
def import_contacts(
    file: Annotated[Path, typer.Argument(help="A Zendesk or Gorgias tickets JSON export, or a CSV extract.")],
    fmt: Annotated[str, typer.Option("--format", help="zendesk, gorgias or csv.")],
    config: Annotated[Path | None, typer.Option(help="zendesk/gorgias: your tag/intent → reason, channel and "
                                                     "satisfaction tables (default: connectors/config/<format>.yaml).")]
    = None,
    mapping: Annotated[Path | None, typer.Option(help="csv: the column mapping to contacts (see `wismo mapping "
                                                      "suggest FILE --table contacts`).")] = None,
    out: Annotated[Path | None, typer.Option(help="Write contacts.csv here instead of loading.")] = None,
    skip_unmapped: Annotated[bool, typer.Option(help="Load what maps and list the rest, instead of refusing.")]
    = False,
    as_of: Annotated[str | None, typer.Option(help="The load's as-of time (default: now).")] = None,
) -> None:
    """Help-desk tickets → contacts (reason from tags/intents, channel, bot or agent, csat_score, order id),
    through the normal checks and all-or-nothing load. A tag set, channel or rating the tables do not list
    refuses the import (exit 1) and is listed, unless --skip-unmapped."""
    if fmt == "csv":
        from connectors.mapping import apply_file, read_mapping
        from connectors.staging import Staged

        if mapping is None:
            raise typer.BadParameter("--format csv needs --mapping FILE (start from `wismo mapping suggest`)")
        m = read_mapping(mapping)
        if m.table != "contacts":
            raise typer.BadParameter(f"{mapping} maps to {m.table}, not contacts")
        df, issues = apply_file(m, file)
        staged = Staged({"contacts": df}, issues, {})
    else:
        from connectors.contacts import load_map, parse

        try:
            staged = parse(fmt, file, load_map(fmt, config))
        except ValueError as err:
            raise typer.BadParameter(str(err)) from None
    _deliver_import(staged, out, skip_unmapped, as_of, f"contacts-{fmt}")


@mapping_app.command("suggest")
def mapping_suggest(
    file: Annotated[Path, typer.Argument(help="A CSV or Parquet extract.")],
    table: Annotated[str, typer.Option(help="The contract table it feeds, e.g. orders.")],
    out: Annotated[Path | None, typer.Option(help="Write the YAML here (default: print it).")] = None,
) -> None:
    """Propose a column mapping from the extract's header and sample values, for you to edit: renames,
    time formats and zones, enum value maps. Lines it is unsure of say `# check:`."""
    from connectors.mapping import suggest

    try:
        text = suggest(file, table)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None
    if out:
        out.write_text(text)
        typer.echo(f"mapping written to {out}: edit it, then `wismo load FOLDER --mapping {out}`")
    else:
        typer.echo(text, nl=False)


@app.command()
def check(
    folder: Annotated[Path, typer.Argument(help="Folder of <table>.csv / <table>.parquet files.")],
    as_of: Annotated[str | None, typer.Option(help="The as-of time for the checks (default: now).")] = None,
    rejects: Annotated[Path | None, typer.Option(help="Write every failing row to this CSV.")] = None,
) -> None:
    """Run the load's checks without writing anything; exit 1 on a blocking failure.

    References resolve against the folder plus the configured store."""
    from services.loading import run_checks, utcnow

    report = run_checks(folder, _store(), _as_of(as_of) or utcnow(), progress=sys.stderr.isatty())
    _print_report(report)
    if rejects:
        report.rejects().write_csv(rejects)
        typer.echo(f"rejects: {rejects}")
    if not report.ok:
        raise typer.Exit(1)


def _kpi_text(df, fmt: str) -> str:  # type: ignore[no-untyped-def]
    """The exact output format of ``wismo kpis`` (kept stable: acceptance checks read it)."""
    import polars as pl

    from metrics.catalogue import load_catalogue

    cat = load_catalogue()
    scaled = {k.id for k in cat.kpis if cat.measure(k.numerator).scale != 1}
    out = df.with_columns(
        period_start=pl.col("period_start").dt.strftime("%Y-%m-%d"),
        numerator=pl.when(pl.col("kpi").is_in(list(scaled))).then(pl.col("numerator").cast(pl.String))
        .otherwise(pl.col("numerator").cast(pl.Int64).cast(pl.String)),
        denominator=pl.col("denominator").cast(pl.Int64).cast(pl.String),
    )
    if fmt == "json":
        import json

        recs = out.with_columns(numerator=df["numerator"], denominator=df["denominator"].cast(pl.Int64)).to_dicts()
        for r in recs:
            if r["kpi"] not in scaled:
                r["numerator"] = int(r["numerator"])
        return json.dumps(recs, indent=1)
    if fmt == "table":
        with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=200, tbl_hide_dataframe_shape=True):
            return str(out)
    return out.write_csv()


@app.command()
def kpis(
    as_of: Annotated[str, typer.Option(help="Use only what was known at this time (ISO 8601).")],
    source: Annotated[str | None, typer.Option(help="A folder of contract files or a database URL "
                                                    "(default: the configured store).")] = None,
    grain: Annotated[str, typer.Option(help="day, week or month.")] = "week",
    by: Annotated[str, typer.Option(help="all, node or carrier (or channel: the order's sales channel).")] = "all",
    fmt: Annotated[str, typer.Option("--format", help="csv, json or table.")] = "csv",
    engine: Annotated[str | None, typer.Option(help="polars, duckdb, spark or pushdown (inside the PostgreSQL "
                                                    "store); default WISMO_ENGINE or polars.")] = None,
) -> None:
    """The eight KPIs plus wismo_agent_contact_rate and avoidable_wismo_share, per period and dimension.

    CSV columns: kpi,period_start,dimension,dimension_value,numerator,denominator,value.
    A row per KPI, period and dimension value with a non-zero numerator or denominator;
    value is empty when the denominator is 0."""
    from metrics.engine import Request, compute
    from metrics.engines import inputs, open_backend
    from services.sources import SourceError

    when = _as_of(as_of)
    assert when is not None
    try:
        be = open_backend(engine, source=source)
        df = compute(inputs(be, source), Request(as_of=when, grain=grain, cut=by), backend=be)
    except (SourceError, ValueError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    typer.echo(_kpi_text(df, fmt), nl=False)


@app.command()
def causes(
    as_of: Annotated[str, typer.Option(help="Use only what was known at this time (ISO 8601).")],
    source: Annotated[str | None, typer.Option(help="A folder of contract files or a database URL "
                                                    "(default: the configured store).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    engine: Annotated[str | None, typer.Option(help="polars, duckdb, spark or pushdown (inside the PostgreSQL "
                                                    "store); default WISMO_ENGINE or polars.")] = None,
) -> None:
    """The cause of every WISMO contact known at as-of: columns contact_id,cause,avoidable.

    avoidable is true or false, and empty for unlinked contacts."""
    import polars as pl

    from metrics.engine import causes as attribute
    from metrics.engines import inputs, open_backend
    from services.sources import SourceError

    when = _as_of(as_of)
    assert when is not None
    try:
        be = open_backend(engine, source=source)
        df = attribute(inputs(be, source), when, backend=be)
    except (SourceError, ValueError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    if fmt == "json":
        typer.echo(df.write_json())
        return
    out = df.with_columns(avoidable=pl.when(pl.col("avoidable")).then(pl.lit("true"))
                          .when(~pl.col("avoidable")).then(pl.lit("false")))
    typer.echo(out.write_csv(), nl=False)


@db_app.command("status")
def db_status() -> None:
    """Show the store's URL (password hidden), schema revision and row counts."""
    from alembic.runtime.migration import MigrationContext

    from services.loading import counts

    store = _store()
    with store.engine.connect() as conn:
        rev = MigrationContext.configure(conn).get_current_revision()
    typer.echo(f"store: {store.display_url}\nschema revision: {rev}")
    for k, v in counts(store).items():
        typer.echo(f"  {k:16} {v:>12,}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the store or migrate it to the newest schema (also done on first use)."""
    store = _store()
    typer.echo(f"store {store.display_url} is at the newest schema")


@app.command()
def dashboard(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
    headless: Annotated[bool, typer.Option(help="Do not open a browser.")] = False,
) -> None:
    """Serve the dashboard (streamlit) on the configured store."""
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port)]
    if headless:
        cmd += ["--server.headless", "true"]
    # Streamlit reads .streamlit/config.toml from its working directory: run it from the project, with the
    # store's URL resolved here (a relative SQLite path means relative to where the user ran wismo).
    env = os.environ.copy() | {"WISMO_DATABASE_URL": _store().url.render_as_string(hide_password=False)}
    typer.echo(f"dashboard: http://localhost:{port}  (Ctrl+C to stop)")
    raise typer.Exit(subprocess.call(cmd, env=env, cwd=ROOT))


@app.command()
def up(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
    headless: Annotated[bool, typer.Option(help="Do not open a browser.")] = False,
) -> None:
    """First run: create the store, generate and load the demo data if the store is empty,
    then serve the dashboard."""
    from services.demo import DemoConfig
    from services.loading import counts

    store = _store()
    if counts(store)["orders"] == 0:
        typer.echo("empty store: generating and loading the demo data (about a minute)…")
        demo(orders=50_000, weeks=26, seed=7, start="2025-07-07", out=DEMO_DIR, fmt="csv", load=False)
        _load(DEMO_DIR, DemoConfig().as_of)
    dashboard(port=port, headless=headless)


if __name__ == "__main__":
    app()
