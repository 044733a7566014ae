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

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = Path("data/demo")


def _as_of(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    from data_checks.parse import parse_timestamps

    import polars as pl

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
    from wismo.demo import DemoConfig, generate, write

    cfg = DemoConfig(orders=orders, weeks=weeks, seed=seed, start=dt.date.fromisoformat(start))
    frames = generate(cfg)
    write(frames, out, fmt, seed)
    rows = ", ".join(f"{k} {v.height:,}" for k, v in frames.items())
    typer.echo(f"wrote {out}/ ({fmt}): {rows}")
    typer.echo(f"as-of of this data: {cfg.as_of:%Y-%m-%dT%H:%M:%SZ}")
    if load:
        _load(out, cfg.as_of)


def _load(folder: Path, as_of: dt.datetime | None) -> None:
    from wismo.loading import counts, load as run_load
    from wismo.settings import get_settings

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
    """Hook for work that follows a landed load (the metrics refresh)."""
    refresh_hook = globals().get("_refresh_after_load")
    if refresh_hook:
        refresh_hook(store)


@app.command()
def load(
    folder: Annotated[Path, typer.Argument(help="Folder of <table>.csv / <table>.parquet files.")],
    as_of: Annotated[str | None, typer.Option(help="The load's as-of time (default: now).")] = None,
) -> None:
    """Check a folder and load it into the store: all of it, or (on any blocking failure) nothing.

    A refused load exits 1, writes no contract row and writes a rejects CSV naming file,
    row, column, rule and value of every failing row. Loading the same files twice changes
    nothing (primary keys upsert)."""
    _load(folder, _as_of(as_of))


@app.command()
def check(
    folder: Annotated[Path, typer.Argument(help="Folder of <table>.csv / <table>.parquet files.")],
    as_of: Annotated[str | None, typer.Option(help="The as-of time for the checks (default: now).")] = None,
    rejects: Annotated[Path | None, typer.Option(help="Write every failing row to this CSV.")] = None,
) -> None:
    """Run the load's checks without writing anything; exit 1 on a blocking failure.

    References resolve against the folder plus the configured store."""
    from wismo.loading import run_checks, utcnow

    report = run_checks(folder, _store(), _as_of(as_of) or utcnow(), progress=sys.stderr.isatty())
    _print_report(report)
    if rejects:
        report.rejects().write_csv(rejects)
        typer.echo(f"rejects: {rejects}")
    if not report.ok:
        raise typer.Exit(1)


@db_app.command("status")
def db_status() -> None:
    """Show the store's URL (password hidden), schema revision and row counts."""
    from alembic.runtime.migration import MigrationContext

    from wismo.loading import counts

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
    raise typer.Exit(subprocess.call(cmd, env=os.environ.copy()))


@app.command()
def up(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
    headless: Annotated[bool, typer.Option(help="Do not open a browser.")] = False,
) -> None:
    """First run: create the store, generate and load the demo data if the store is empty,
    then serve the dashboard."""
    from wismo.demo import DemoConfig
    from wismo.loading import counts

    store = _store()
    if counts(store)["orders"] == 0:
        typer.echo("empty store: generating and loading the demo data (about a minute)…")
        demo(orders=50_000, weeks=26, seed=7, start="2025-07-07", out=DEMO_DIR, fmt="csv", load=False)
        _load(DEMO_DIR, DemoConfig().as_of)
    dashboard(port=port, headless=headless)


if __name__ == "__main__":
    app()
