"""Recomputing the figures into the store, with the engine the installation (or ``--engine``) chose, and
telling whether the figures in the store cover the newest load and the rules in force.

As-of rule: a refresh without ``as_of`` uses the newer of the newest landed load's as-of and the last
refresh's (a re-refresh after a governed change keeps the figures' as-of); with neither, now.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass

import polars as pl

from core.contract import TABLES
from core.settings import EngineConfig
from metrics import incremental
from metrics.catalogue import RuleSet
from metrics.cube import build
from metrics.engine import ENGINE_COLUMNS
from metrics.engines import holds_tables, open_backend
from metrics.governed import apply_carrier_slas
from services import governed
from store import bulk, frames, queries, scope
from store.db import Store

CUBE_KEYS = {t: frames.KEYS[t] for t in frames.FIGURES} | {"metric_runs": ("run_id",), "figure_frames": ("name",)}
REPLACED = [t for t in CUBE_KEYS if t != "metric_runs"]


@dataclass(frozen=True)
class RefreshResult:
    run_id: str
    as_of: dt.datetime
    rule_version: str
    engine: str
    seconds: float
    figures: int
    causes: int
    recomputed_from: dt.datetime | None = None  # None: a full refresh
    why_full: str = ""  # why a full refresh was needed ("" for an incremental one)


def default_as_of(store: Store) -> dt.datetime:
    return queries.newest_as_of(store) or dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Plan:
    """An incremental refresh: the loads it takes in, the cutoff, and what it reads from the store."""

    loads: tuple[str, ...]
    cutoff: dt.datetime
    first: dict[str, dt.datetime]  # per grain, the first recomputed period
    tables: dict[str, pl.DataFrame]


def plan(store: Store, rules: RuleSet, as_of: dt.datetime, carriers: pl.DataFrame) -> Plan | str:
    """How to bring the figures from the last refresh to ``as_of`` incrementally, or why a full refresh is
    needed (metrics/incremental.py says why the result is exact)."""
    previous = queries.latest_run(store)
    if previous is None:
        return "no figures yet"
    if previous.rule_version != rules.version:
        return f"the rules changed ({previous.rule_version} → {rules.version})"
    if as_of < previous.as_of:
        return "the as-of moved back"
    pending = scope.pending_loads(store, previous.started_at)
    if any(p.scope != "orders" for p in pending):
        return "a load since changed a node or carrier, touched too many orders, or predates incremental refresh"
    look = incremental.lookback(rules, carriers)
    loads = tuple(p.load_id for p in pending)
    loads_from = min((p.touched_from for p in pending if p.touched_from is not None), default=None)
    # read once, from a guess that holds the families up to two weeks old; the changed families' own
    # timestamps then give the cutoff, and a family that lived longer makes a second, wider read
    guess = incremental.read_from(incremental.cutoff(previous.as_of, look, loads_from, None)
                                  - incremental.GUESS_SPAN, look)
    tables, touched = scope.read_families(store, loads, guess, ENGINE_COLUMNS)
    floor = incremental.family_floor(tables, touched, previous.as_of - look)
    cut = incremental.cutoff(previous.as_of, look, loads_from, floor)
    if incremental.read_from(cut, look) < guess:
        tables, _ = scope.read_families(store, loads, incremental.read_from(cut, look), ENGINE_COLUMNS)
    return Plan(loads, cut, incremental.starts(cut), tables)


def refresh(store: Store, engine: EngineConfig, as_of: dt.datetime | None = None,
            rules: RuleSet | None = None, full: bool = False,
            tables: dict[str, pl.DataFrame] | None = None) -> RefreshResult:
    """Recompute the figures into the store, in one transaction: a refresh that fails leaves the previous
    figures in place (``coverage`` then reports them stale).

    Incremental where it can be (the engine reads frames, the rules and carriers are unchanged, the as-of
    does not move back, and every load since recorded what it touched): only the periods new data or the
    later as-of can change are recomputed, the rest kept. ``full=True`` recomputes everything.
    ``tables``: the whole store's rows, already in memory (a first load hands over what it wrote): a full
    refresh from them, without reading the store back.

    Without ``rules``, the rules in force: the repo's defaults with the newest governed thresholds."""
    rules = rules or governed.rules(store)
    as_of = as_of or default_as_of(store)
    begun = dt.datetime.now(dt.UTC)  # a load landing from here on is not covered by this run
    started = time.perf_counter()
    run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    slas = governed.carrier_slas(store)
    be = open_backend(engine, store_url=store.url.render_as_string(hide_password=False))
    given, tables = tables, None
    overrides: dict[str, pl.DataFrame] | None = None
    how: Plan | str = "asked for a full refresh"
    try:
        if holds_tables(be, tuple(TABLES)):
            # the engine holds the tables (inside PostgreSQL, a Spark catalog): only the carriers, with their
            # governed SLAs, go over from here
            held = be.table("carriers")
            assert held is not None
            tables, overrides = None, apply_carrier_slas({"carriers": be.collect(held)}, slas)
            how = "the engine computes inside the store"
        else:
            if given is not None:
                how = "the first load's rows, as loaded"
            elif not full:
                carriers = apply_carrier_slas({"carriers": bulk.read_table(store, "carriers")}, slas)["carriers"]
                how = plan(store, rules, as_of, carriers)
            rows = how.tables if isinstance(how, Plan) else given if given is not None \
                else bulk.read_tables(store, TABLES, ENGINE_COLUMNS)
            tables = apply_carrier_slas(rows, slas)
        built = build(tables, as_of, rules, be, run_id, overrides, how.first if isinstance(how, Plan) else None)
    finally:
        close = getattr(be, "close", None)
        if close:
            close()
    seconds = time.perf_counter() - started
    if isinstance(how, Plan):
        built = incremental.keep_recomputed(built, how.first)
    figures, n_causes = built["kpi_cube"].height, built["contact_causes"].height
    built["metric_runs"] = pl.DataFrame(
        [{"run_id": run_id, "started_at": begun, "seconds": seconds, "as_of": as_of,
          "rule_version": rules.version, "engine": engine.name, "figures": figures, "causes": n_causes,
          "recomputed_from": how.cutoff if isinstance(how, Plan) else None}],
        schema_overrides={"started_at": pl.Datetime("us", "UTC"), "as_of": pl.Datetime("us", "UTC"),
                          "recomputed_from": pl.Datetime("us", "UTC")})
    if isinstance(how, Plan):
        assert tables is not None
        remove = incremental.replaced_keys(tables)
        remove_from = {t: {g: d.date() for g, d in how.first.items()} for t in incremental.PERIOD_FACTS}
        built["figure_frames"] = frames.rows(_patched_frames(store, built, tables, remove, remove_from), run_id)
        bulk.write(store, built, CUBE_KEYS, list(CUBE_KEYS), remove=remove, remove_from=remove_from)
    else:
        whole = {t: built[t] for t in frames.FIGURES} | (
            frames.inputs(tables) if tables is not None else frames.from_store(store, ("contacts", "order_channels")))
        built["figure_frames"] = frames.rows(whole, run_id)
        bulk.write(store, built, CUBE_KEYS, list(CUBE_KEYS), replace=REPLACED)
    return RefreshResult(run_id, as_of, rules.version, engine.name, seconds, figures, n_causes,
                         how.cutoff if isinstance(how, Plan) else None, how if isinstance(how, str) else "")


def _patched_frames(store: Store, built: dict[str, pl.DataFrame], tables: dict[str, pl.DataFrame],
                    remove: dict[str, pl.DataFrame], remove_from: dict[str, dict[str, dt.date]]
                    ) -> dict[str, pl.DataFrame]:
    """The previous run's frames changed as this incremental refresh changes the tables (read from the tables
    when the previous run kept none)."""
    previous = queries.latest_run(store)
    old = (previous and frames.read_run(store, previous.run_id)) or frames.from_store(store)
    now = frames.inputs(tables)
    out = {t: frames.patched(old[t], frames.shaped(t, built[t]), frames.KEYS[t], remove.get(t), remove_from.get(t))
           for t in frames.FIGURES}
    out["contacts"] = frames.patched(old["contacts"], now["contacts"], frames.KEYS["contacts"])
    out["order_channels"] = frames.patched(old["order_channels"], now["order_channels"], ("channel",))
    return out


@dataclass(frozen=True)
class Coverage:
    """Whether the figures in the store are current: they cover the newest landed load and were computed
    with the rules in force."""

    run: queries.RunRow | None
    newest_load: queries.LoadRow | None
    rule_version: str  # in force now

    @property
    def missing_load(self) -> bool:
        """A load landed after the figures were computed (its refresh failed or was killed)."""
        return (self.newest_load is not None
                and (self.run is None or self.newest_load.finished_at > self.run.started_at))

    @property
    def old_rules(self) -> bool:
        return self.run is not None and self.run.rule_version != self.rule_version

    @property
    def stale(self) -> bool:
        return self.missing_load or self.old_rules

    def words(self) -> str:
        """What is wrong, in one sentence ('' when current)."""
        if self.missing_load and self.newest_load is not None:
            since = (f"the figures (as of {self.run.as_of:%Y-%m-%d %H:%M} UTC) do not include it"
                     if self.run else "there are no figures yet")
            return (f"Figures are stale: load {self.newest_load.load_id} landed at "
                    f"{self.newest_load.finished_at:%Y-%m-%d %H:%M} UTC and {since}; run `wismo refresh`.")
        if self.old_rules and self.run is not None:
            return (f"Figures are stale: computed with rules {self.run.rule_version}, rules {self.rule_version} "
                    "are in force; run `wismo refresh`.")
        return ""


def coverage(store: Store) -> Coverage:
    return Coverage(queries.latest_run(store), queries.latest_load(store, "landed"), governed.rules(store).version)


def ensure_current(store: Store, engine: EngineConfig) -> tuple[Coverage, str | None]:
    """Refresh when the figures are stale (a load's refresh that died is retried by the next command that
    needs figures). Returns the coverage after, and the refresh's error if it failed again."""
    cov = coverage(store)
    if not cov.stale:
        return cov, None
    try:
        refresh(store, engine)
    except Exception as err:  # noqa: BLE001 - any failure leaves the previous figures; it is reported
        return coverage(store), f"{type(err).__name__}: {err}"
    return coverage(store), None
