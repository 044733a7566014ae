"""What every ``wismo`` command shares: the settings (read once, here), the store, the engine, the as-of
parser, and the printing of check reports. The commands live in wismo/cli.py, wismo/governance_cli.py
and wismo/import_cli.py.

Exit codes: 0 done; 1 refused or failed (bad data, a failed delivery, a refused change, no figures);
2 a usage error; 3 a load landed but its figures could not be recomputed (they are stale: the banner,
the brief and alerts say so, and the next command that needs figures retries); 4 the store could not be
used — another writer held its lock past the wait, or the database could not be reached — said in one line,
nothing written (a load refused this way is recorded when the store can take the record).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import typer
from typer.core import TyperGroup

from core.contract import TABLES
from core.settings import EngineConfig, Settings
from data_checks.parse import parse_timestamps

if TYPE_CHECKING:  # the commands import what they use when they run: `wismo kpis` never loads the store's
    # models, the load's checks (Great Expectations), the governance workspace or the brief's renderers
    from data_checks.runner import CheckReport
    from governance.service import Actor, Governance
    from services.refresh import RefreshResult
    from store.db import Store

EXIT_REFUSED, EXIT_USAGE, EXIT_STALE, EXIT_STORE = 1, 2, 3, 4


class Commands(TyperGroup):
    """The command tree, saying a store problem (locked, unreachable) in one line with exit code 4 instead of a
    driver's traceback."""

    def invoke(self, ctx: Any) -> Any:  # typer's own (vendored) click Context
        try:
            return super().invoke(ctx)
        except Exception as err:
            from store.errors import explain

            problem = explain(err)
            if problem is None:
                raise
            typer.echo(f"error: {problem}", err=True)
            raise typer.Exit(EXIT_STORE) from None


@cache
def settings() -> Settings:
    """WISMO_* and .env, read once per command."""
    return Settings()


@cache
def store() -> Store:
    from store import open_store

    return open_store(settings().database_url)


def engine(name: str | None = None) -> EngineConfig:
    """The configured engine (WISMO_ENGINE), or ``--engine``."""
    try:
        return settings().engine_config(name)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None


def actor() -> Actor:
    from governance.service import Actor

    s = settings()
    user = s.who()
    return Actor(user, s.role_of(user))


@contextmanager
def refused() -> Iterator[None]:
    """A refused change (a role, a value out of range, an unknown id) ends the command with one line, exit 1."""
    try:
        yield
    except (PermissionError, ValueError, KeyError) as err:
        typer.echo(f"refused: {err}", err=True)
        raise typer.Exit(EXIT_REFUSED) from None


def require(needed: str, doing: str) -> None:
    """The dashboard's roles on a command that changes what everyone sees (loading, refreshing at a chosen
    as-of, sending alerts): with WISMO_ROLES set, a viewer is refused before anything is read or written.
    A guard against mistakes, not a wall: the command line runs with the database's own credentials
    (see "Who is trusted" in docs/architecture.md)."""
    who = actor()
    if not who.may(needed):
        typer.echo(f"refused: {who.name} is a {who.role} (WISMO_ROLES); {doing} needs an {needed} or admin. "
                   "Nothing was read or written.", err=True)
        raise typer.Exit(EXIT_REFUSED)


def governance() -> Governance:
    """The workspace as the command's user; a change that alters the figures recomputes them with the
    configured engine."""
    from governance.audit import Seal
    from governance.service import Governance

    gov = Governance(store(), actor(), on_figures_changed=lambda: recompute(None),
                     seal=Seal.configured(store(), settings()))
    gov.seed_if_empty()
    return gov


def as_of(value: str | None) -> dt.datetime | None:
    """An ISO 8601 instant from the command line (UTC when it has no offset)."""
    if value is None:
        return None
    ts, _ = parse_timestamps(pl.lit(value))
    got = pl.select(ts).item()
    if got is None:
        raise typer.BadParameter(f"'{value}' is not an ISO 8601 timestamp (e.g. 2026-01-05T00:00:00Z)")
    assert isinstance(got, dt.datetime)
    return got


def recompute(when: dt.datetime | None, engine_name: str | None = None, full: bool = False) -> RefreshResult:
    from services.refresh import refresh

    r = refresh(store(), engine(engine_name), as_of=when, full=full)
    say_refreshed(r)
    return r


def say_refreshed(r: RefreshResult) -> None:
    how = (f"recomputed from {r.recomputed_from:%Y-%m-%d %H:%M} UTC, earlier periods kept" if r.recomputed_from
           else f"full: {r.why_full}")
    typer.echo(f"figures refreshed ({how}): {r.figures:,} KPI rows, {r.causes:,} contact causes written, as-of "
               f"{r.as_of:%Y-%m-%dT%H:%M:%SZ}, rules {r.rule_version}, engine {r.engine}, {r.seconds:.1f} s")


def print_report(report: CheckReport) -> None:
    for f in report.blocking + report.warnings:
        tag = "REFUSED" if f.severity == "blocking" else "warning"
        limit = 5 if f.severity == "blocking" else 3
        typer.echo(f"{tag:8} {f.table}.{f.column} [{f.rule}] {f.message}: {f.failing} row(s) in {f.file}")
        table = TABLES.get(f.table)
        ref = table.column(f.column).ref or "" if table and f.column in table.names else ""
        if f.severity == "blocking" and (fix := f.fix(ref)):
            typer.echo(f"         fix: {fix}")
        for r, v in list(zip(f.rows, f.values or [None] * len(f.rows), strict=False))[:limit]:
            line = f" (line {r + 1})" if f.file.lower().endswith(".csv") else ""  # data row r under a header
            typer.echo(f"         row {r}{line}: {v!r}")
        if len(f.rows) > limit:
            typer.echo(f"         … and {len(f.rows) - limit} more (in the {'rejects' if tag == 'REFUSED' else 'warnings'}"
                       " file named below)")
    passed = sum(1 for f in report.findings if f.passed)
    typer.echo(f"checks: {passed} passed, {len(report.blocking)} blocking failed, {len(report.warnings)} warnings")


def load_folder(folder: Path, when: dt.datetime | None) -> None:
    """Check and land ``folder``, then recompute the figures with the configured engine."""
    from services.loading import counts, load_and_refresh

    s = settings()
    typer.echo(f"store: {store().display_url}")
    got = load_and_refresh(folder, store(), user=s.who(), engine=engine(), as_of=when, rejects_dir=s.rejects_dir,
                           progress=typer.get_text_stream("stderr").isatty(), earliest=s.earliest_date)
    result = got.load
    print_report(result.report)
    if not result.landed:
        typer.echo(f"load {result.load_id} REFUSED: nothing was written. Rejects: {result.rejects_file}", err=True)
        raise typer.Exit(EXIT_REFUSED)
    typer.echo(f"load {result.load_id} landed: " + ", ".join(f"{k} {v:,}" for k, v in result.written.items()))
    typer.echo("store rows: " + ", ".join(f"{k} {v:,}" for k, v in counts(store()).items()))
    if result.warnings_file:
        typer.echo(f"warning rows: {result.warnings_file}")
    if got.refresh_error:
        typer.echo(f"figures NOT refreshed: {got.refresh_error}. The load is in the store; the previous figures "
                   "stay in place and are marked stale. Fix the cause, then run `wismo refresh`.", err=True)
        raise typer.Exit(EXIT_STALE)
    r = got.refresh
    assert r is not None
    say_refreshed(r)
