"""The ``wismo`` command. Every subcommand has ``--help``; exit codes are listed in wismo/context.py."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from alerts.channels import configured
from alerts.service import run as run_alerts
from metrics import views
from reporting.brief import gather
from reporting.render import render
from services.demo import DemoConfig, generate, write
from services.loading import counts, run_checks, spreadsheet_safe, utcnow
from services.refresh import coverage, ensure_current
from store import queries
from store.db import schema_revision
from wismo.context import (
    EXIT_REFUSED,
    EXIT_STALE,
    EXIT_USAGE,
    Commands,
    as_of,
    engine,
    load_folder,
    print_report,
    recompute,
    require,
    settings,
    store,
)
from wismo.figures_cli import causes, kpis
from wismo.governance_cli import gov_app
from wismo.import_cli import check_mapped, import_app, load_mapped, mapping_app

app = typer.Typer(
    help="WISMO command centre: separate true demand from avoidable 'where is my order' contacts.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, cls=Commands,
)
db_app = typer.Typer(help="The store: where it is, its schema version, its row counts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(gov_app, name="governance")
app.add_typer(import_app, name="import")
app.add_typer(mapping_app, name="mapping")
app.command()(kpis)
app.command()(causes)

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = Path("data/demo")


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
    if load:
        require("editor", "loading data")
    cfg = DemoConfig(orders=orders, weeks=weeks, seed=seed, start=dt.date.fromisoformat(start))
    frames = generate(cfg)
    write(frames, out, fmt, seed)
    rows = ", ".join(f"{k} {v.height:,}" for k, v in frames.items())
    typer.echo(f"wrote {out}/ ({fmt}): {rows}")
    typer.echo(f"as-of of this data: {cfg.as_of:%Y-%m-%dT%H:%M:%SZ}")
    if load:
        load_folder(out, cfg.as_of)


@app.command()
def refresh(
    at: Annotated[str | None, typer.Option("--as-of", help="As-of for the figures (default: the newest load's).")]
    = None,
    engine_name: Annotated[str | None, typer.Option("--engine", help="polars, duckdb, spark or pushdown (inside the PostgreSQL "
                                                    "store); default WISMO_ENGINE or polars.")] = None,
    full: Annotated[bool, typer.Option("--full", help="Recompute every period, not only those the loads since "
                                                      "the last refresh (or a later as-of) can change.")] = False,
) -> None:
    """Recompute the figures the dashboard reads (every KPI, grain and cut; every contact's cause).

    Incremental by default: only the periods that the loads since the last refresh, or a later as-of, can
    change are recomputed (from the earliest time they touch, less the longest window a definition looks
    back); the earlier periods are kept. A full refresh runs when there are no figures yet, the rules or a
    carrier changed, the as-of moved back, or the engine computes inside the store (pushdown, Spark).

    With --engine pushdown (PostgreSQL store) the figures are computed inside the database and only
    they come back; with spark, on local[*], a cluster (WISMO_SPARK_MASTER) or Spark Connect
    (WISMO_SPARK_REMOTE)."""
    require("editor", "refreshing the figures")
    try:
        recompute(as_of(at), engine_name, full=full)
    except ValueError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(EXIT_USAGE) from None


@app.command()
def brief(
    out: Annotated[Path, typer.Option("--out", help="FILE.pdf (two A4 pages) or FILE.html (one page, reads on "
                                                    "a phone).")],
    week: Annotated[str | None, typer.Option(help="ISO week YYYY-Www (default: the newest complete week, as on "
                                                  "the overview).")] = None,
    at: Annotated[str | None, typer.Option("--as-of", help="Recompute the store's figures at this as-of first (as "
                                                   "`wismo refresh --as-of` does; the dashboard then shows the "
                                                   "same figures).")] = None,
    compare: Annotated[str, typer.Option(help="What each KPI and cause is compared with: prev (the week before), "
                                              "4 (the 4 weeks before, per week) or yoy (the same week a year "
                                              "before).")] = "prev",
) -> None:
    """Write the weekly executive brief: the eight KPIs against target, reduction or deflection, causes,
    worst nodes and carriers, exception backlog, data quality and governance.

    The figures are the dashboard's for the same as-of and rule version (printed in the footer).
    Exits 1 when there are no figures for the week."""
    if week and at:
        raise typer.BadParameter("give --week or --as-of, not both")
    _current_figures(as_of(at))
    try:
        if compare not in views.COMPARISONS:
            raise ValueError(f"--compare must be one of {', '.join(views.COMPARISONS)}")
        got = gather(store(), week, compare=compare)
        path = render(got, out)
    except (LookupError, ValueError) as err:
        typer.echo(f"no brief: {err}", err=True)
        raise typer.Exit(EXIT_REFUSED) from None
    typer.echo(f"brief {got.week} written to {path} (as of {got.as_of:%Y-%m-%dT%H:%M:%SZ}, rules {got.rule_version})")
    if got.stale:
        typer.echo(f"warning: {got.stale}", err=True)


def _current_figures(when: dt.datetime | None) -> str:
    """Figures at ``when`` (recomputed when the store's are at another as-of), or current ones: stale
    figures are refreshed first. Returns what is still wrong ('' when the figures are current)."""
    run = queries.latest_run(store())
    if when is not None and (run is None or run.as_of != when):
        recompute(when)
    cov, error = ensure_current(store(), engine())
    if error:
        typer.echo(f"figures are stale and could not be refreshed: {error}", err=True)
    return cov.words()


@app.command()
def alerts(
    at: Annotated[str | None, typer.Option("--as-of", help="Recompute the store's figures at this as-of first (as "
                                                   "`wismo refresh --as-of` does).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Evaluate and print what would be sent; change and "
                                                            "send nothing.")] = False,
    allow_stale: Annotated[bool, typer.Option("--allow-stale", help="Evaluate and send even when the figures do "
                                                                   "not cover the newest load or rules.")] = False,
) -> None:
    """Evaluate every KPI target (overall and per node/carrier where set) and carrier milestone SLA on the
    latest figures; send each new or escalated breach once to the configured channels.

    Channels: WISMO_ALERT_WEBHOOKS (JSON list of URLs; Slack/Teams compatible) and WISMO_SMTP_HOST with
    WISMO_ALERT_TO / WISMO_ALERT_RECIPIENTS. A delivery that still fails after retries is reported,
    kept as due for the next run, and the command exits 1."""
    if not dry_run:
        require("editor", "sending alerts")
    stale = coverage(store()).words() if dry_run else _current_figures(as_of(at))
    if stale and not allow_stale:
        typer.echo(f"alerts REFUSED: {stale} (--allow-stale evaluates them anyway)", err=True)
        raise typer.Exit(EXIT_STALE)
    s = settings()
    channels = configured(s)
    report = run_alerts(store(), channels, s.public_url, dry_run=dry_run, attempts=s.alert_attempts,
                        significant=s.alert_significant)
    if report.week is None:
        typer.echo("no figures yet: nothing to evaluate", err=True)
        raise typer.Exit(EXIT_REFUSED)
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
        raise typer.Exit(EXIT_REFUSED)


@app.command()
def load(
    folder: Annotated[Path, typer.Argument(help="Folder of <table>.csv / <table>.parquet files (and the extracts "
                                                "that --mapping files name).")],
    at: Annotated[str | None, typer.Option("--as-of", help="The load's as-of time (default: now).")] = None,
    mapping: Annotated[list[Path] | None, typer.Option(help="A column-mapping YAML (one extract in FOLDER → one "
                                                            "table; see `wismo mapping suggest`) or a SQL mapping "
                                                            "(.sql: SELECTs over FOLDER's extracts, run by DuckDB; "
                                                            "see docs/mappings.md); repeatable.")]
    = None,
) -> None:
    """Check a folder and load it into the store: all of it, or (on any blocking failure) nothing.

    A refused load exits 1, writes no contract row and writes a rejects CSV naming file,
    row, column, rule and value of every failing row. Loading the same files twice changes
    nothing (primary keys upsert). The figures are then recomputed with the configured engine; if that
    fails the load stays landed and the command exits 3. With --mapping, the mapped extracts are converted first (into
    a staged folder under data/imports/, kept); a value the mapping cannot convert refuses the load."""
    require("editor", "loading data")
    if mapping:
        load_mapped(folder, mapping, at)
    else:
        load_folder(folder, as_of(at))


@app.command()
def check(
    folder: Annotated[Path, typer.Argument(help="Folder of <table>.csv (.csv.gz, .csv.zst) / <table>.parquet files.")],
    at: Annotated[str | None, typer.Option("--as-of", help="The as-of time for the checks (default: now).")] = None,
    rejects: Annotated[Path | None, typer.Option(help="Write every failing row to this CSV.")] = None,
    mapping: Annotated[list[Path] | None, typer.Option(help="A column mapping (YAML) or SQL mapping (.sql) to run "
                                                            "first, as `wismo load --mapping` would (repeatable).")]
    = None,
) -> None:
    """Run the load's checks without writing anything; exit 1 on a blocking failure.

    References resolve against the folder plus the configured store. With --mapping, the mappings run
    first (a dry run of `wismo load FOLDER --mapping …`): what each made, what it could not map, then the
    load's checks on the result; nothing is kept."""
    if mapping:
        check_mapped(folder, mapping, as_of(at) or utcnow(), rejects)
        return
    report = run_checks(folder, store(), as_of(at) or utcnow(), progress=sys.stderr.isatty(),
                        earliest=settings().earliest_date)
    print_report(report)
    if rejects:
        spreadsheet_safe(report.rejects()).write_csv(rejects)
        typer.echo(f"rejects: {rejects}")
    if not report.ok:
        raise typer.Exit(EXIT_REFUSED)


@db_app.command("status")
def db_status() -> None:
    """Show the store's URL (password hidden), schema revision and row counts."""
    typer.echo(f"store: {store().display_url}\nschema revision: {schema_revision(store())}")
    for k, v in counts(store()).items():
        typer.echo(f"  {k:16} {v:>12,}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the store or migrate it to the newest schema (also done on first use)."""
    typer.echo(f"store {store().display_url} is at the newest schema")


@app.command()
def dashboard(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
    address: Annotated[str, typer.Option(help="Address to listen on: 127.0.0.1 (this machine only) or 0.0.0.0 "
                                              "(the network: configure sign-in first, else it is read-only).")]
    = "127.0.0.1",
    headless: Annotated[bool, typer.Option(help="Do not open a browser (the default on a machine without a "
                                                "display).")] = False,
) -> None:
    """Serve the dashboard (streamlit) on the configured store."""
    show = not headless and bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                                 or sys.platform in ("darwin", "win32"))
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
           "--server.address", address, "--server.headless", "false" if show else "true"]
    # Streamlit reads .streamlit/config.toml from its working directory: run it from the project, with the
    # store's URL resolved here (a relative SQLite path means relative to where the user ran wismo).
    env = os.environ.copy() | {"WISMO_DATABASE_URL": store().url.render_as_string(hide_password=False)}
    host = "localhost" if address in ("127.0.0.1", "localhost", "::1") else address
    typer.echo(f"dashboard: http://{host}:{port}  (Ctrl+C to stop)")
    raise typer.Exit(subprocess.call(cmd, env=env, cwd=ROOT))


@app.command()
def up(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
    address: Annotated[str, typer.Option(help="Address to listen on (default: this machine only).")] = "127.0.0.1",
    headless: Annotated[bool, typer.Option(help="Do not open a browser.")] = False,
) -> None:
    """First run: create the store, generate and load the demo data if the store is empty,
    then serve the dashboard."""
    if counts(store())["orders"] == 0:
        typer.echo("empty store: generating and loading the demo data (about a minute)…")
        demo(orders=50_000, weeks=26, seed=7, start="2025-07-07", out=DEMO_DIR, fmt="csv", load=False)
        load_folder(DEMO_DIR, DemoConfig().as_of)
    dashboard(port=port, address=address, headless=headless)


if __name__ == "__main__":
    app()
