"""Thin cached loaders for the pages: they call the metrics layer's views, nothing else.

Each loader takes the newest refresh's run id, so a refresh invalidates the cache. Results are shared
by every session as they are (``st.cache_resource``: polars frames are immutable; pages only read
them): no pickling per call, and no polars (de)serialisation in many script threads at once, which
stalled the server under 20 concurrent sessions (benchmarks/serving.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import polars as pl
import streamlit as st

from connectors import onboarding
from connectors.staging import Staged, import_folder
from core.dataset import Limits
from core.settings import EngineConfig, Settings
from governance.audit import Seal
from governance.service import Actor, Governance
from metrics import views
from metrics.catalogue import RuleSet
from metrics.costs import Costs
from metrics.views import View
from reporting.brief import gather
from reporting.render import pdf_bytes
from services import figures as read
from services import governed
from services.loading import LoadAndRefresh, load_and_refresh
from services.refresh import refresh
from store import open_store, queries
from store.db import Store
from store.errors import explain


@st.cache_resource
def settings() -> Settings:
    """The dashboard's settings, read once per server process (WISMO_* and .env)."""
    return Settings()


@st.cache_resource
def store() -> Store:
    return open_store(settings().database_url)


@st.cache_resource(ttl=30, show_spinner=False)
def status() -> read.RunStatus:
    """The newest refresh and load, checked every 30 s, and the newest scan, computed once per load: every
    session waits while a cached value is computed, so the 30-second one stays cheap."""
    s = read.status(store())
    return dataclasses.replace(s, newest_scan=newest_scan(s.load.load_id if s.load else None))


@st.cache_resource(ttl=3600, show_spinner=False)
def newest_scan(load_id: str | None) -> dt.datetime | None:
    return queries.newest_scan(store())


def run_id() -> str:
    return status().run_id


@st.cache_resource(ttl=600, show_spinner=False)
def dimension_values(run: str) -> dict[str, list[str]]:
    return read.dimension_values(store())


@st.cache_resource(ttl=600, show_spinner=False)
def names(run: str) -> dict[str, dict[str, str]]:
    """Node and carrier names by id (what people read; ids stay in URLs and downloads)."""
    return read.names(store())


@st.cache_resource(ttl=600, show_spinner=False)
def figures(run: str, kpis: tuple[str, ...], view: View, dimension: str = "all") -> pl.DataFrame:
    return read.figures(store(), list(kpis), view, dimension)


@st.cache_resource(ttl=600, show_spinner=False)
def reporting_period(run: str, view: View, as_of: dt.datetime | None) -> dt.date | None:
    return read.reporting_period(store(), view, as_of)


@st.cache_resource(ttl=600, show_spinner=False)
def tiles(run: str, view: View, period: dt.date | None,
          kpis: tuple[str, ...] = tuple(views.KPI_IDS)) -> list[views.Tile]:
    return read.tiles(store(), view, period, list(kpis), compare=view.compare)


@st.cache_resource(ttl=600, show_spinner=False)
def costs(run: str) -> Costs:
    return governed.costs(store())


@st.cache_resource(ttl=600, show_spinner=False)
def demand_cost(run: str, view: View, period: dt.date) -> tuple[pl.DataFrame, Costs]:
    return read.demand_cost(store(), view, period)


@st.cache_resource(ttl=600, show_spinner=False)
def missing_inputs(run: str) -> dict[str, tuple[str, ...]]:
    """KPI id → the inputs the store lacks for it (its figure shows "no data")."""
    return read.missing_inputs(store())


@st.cache_resource(ttl=600, show_spinner=False)
def deflection(run: str, view: View) -> pl.DataFrame:
    return read.deflection(store(), view)


@st.cache_resource(ttl=600, show_spinner=False)
def scorecard(run: str, view: View, dimension: str, period: dt.date | None,
              kpis: tuple[str, ...] | None = None) -> pl.DataFrame:
    return read.scorecard(store(), view, dimension, period, list(kpis) if kpis else None)


def cause_contacts(run: str, view: View) -> pl.DataFrame:
    """One cached frame per period range; node, carrier and channel slices are cut from it."""
    return views.slice_contacts(_contacts(run, unsliced(view)), view)


def unsliced(view: View) -> View:
    return dataclasses.replace(view, node=None, carrier=None, channel=None)


@st.cache_resource(ttl=600, show_spinner=False)
def _contacts(run: str, view: View) -> pl.DataFrame:
    return read.cause_contacts(store(), view)


@st.cache_resource(ttl=600, show_spinner=False)
def latency(run: str, view: View) -> pl.DataFrame:
    return read.latency(store(), view)


@st.cache_resource(ttl=600, show_spinner=False)
def exception_facts(run: str) -> pl.DataFrame:
    return read.exception_facts(store())


@st.cache_resource(ttl=600, show_spinner=False)
def feed_checks(run: str, carrier: str | None = None, order_id: str | None = None, period: dt.date | None = None,
                grain: str = "week") -> tuple[pl.DataFrame, pl.DataFrame]:
    return read.feed_checks(store(), carrier=carrier, order_id=order_id, period=period, grain=grain)


@st.cache_resource(ttl=600, show_spinner=False)
def scenario_matrix(run: str, view: View, dimension: str) -> pl.DataFrame:
    return read.scenario_matrix(store(), view, dimension)


@st.cache_resource(ttl=600, show_spinner=False)
def care_contacts(run: str, view: View) -> pl.DataFrame:
    return read.care_contacts(store(), view)


@st.cache_resource(ttl=60, show_spinner=False)
def loads(run: str) -> pl.DataFrame:
    return read.loads(store())


@st.cache_resource(ttl=60, show_spinner=False)
def check_summary(run: str, load_id: str | None) -> pl.DataFrame:
    return read.check_summary(store(), load_id)


@st.cache_resource(ttl=60, show_spinner=False)
def rejected(run: str) -> pl.DataFrame:
    return read.rejected(store())


@st.cache_resource(ttl=60, show_spinner=False)
def order_timeline(run: str, order_id: str) -> dict[str, pl.DataFrame]:
    return read.order_timeline(store(), order_id)


def governance(actor: Actor) -> Governance:
    """The workspace as ``actor`` sees and changes it: the configured audit seal; a change that alters the
    figures recomputes them with the configured engine."""
    return Governance(store(), actor, on_figures_changed=recompute, seal=Seal.configured(store(), settings()))


@st.cache_resource(ttl=60, show_spinner=False)
def overdue_actions(run: str, today: dt.date) -> list[dict]:
    return Governance(store(), Actor("dashboard", "viewer")).overdue(today)


@st.cache_resource(ttl=300, show_spinner=False)
def evidence(run: str, audit_rows: int) -> dict[str, dict]:
    """What the data says per checklist question, for the figures of ``run`` and the workspace as of its
    ``audit_rows``-th change (a change to the workspace asks again)."""
    return Governance(store(), Actor("dashboard", "viewer")).evidence()


@st.cache_resource(ttl=60, show_spinner=False)
def targets(run: str) -> dict:
    return governed.targets(store())


@st.cache_resource(ttl=60, show_spinner=False)
def rules(run: str) -> RuleSet:
    return governed.rules(store())


@st.cache_resource(ttl=60, show_spinner=False)
def carrier_slas(run: str) -> pl.DataFrame:
    return read.carrier_slas(store())


@st.cache_resource(ttl=600, show_spinner=False)
def cause_rates(run: str, view: View, as_of: dt.datetime | None) -> pl.DataFrame:
    return read.cause_rates(store(), view, as_of)


def brief_pdf(week: str, compare: str = "prev") -> bytes:
    """The weekly brief for ``week`` as PDF bytes, against the overview's comparison (made when the user
    clicks download; not cached: it carries the governance state of the moment)."""
    return pdf_bytes(gather(store(), week, compare=compare))


@st.cache_resource(ttl=600, show_spinner=False)
def milestones(run: str, view: View, period: dt.date, carrier: str) -> views.Milestones:
    return read.milestones(store(), view, period, carrier)


@st.cache_resource(ttl=600, show_spinner=False)
def cause_comparison(run: str, view: View, period: dt.date) -> pl.DataFrame:
    return read.cause_comparison(store(), view, period)


@st.cache_resource(ttl=600, show_spinner=False)
def ranked(run: str, view: View, dimension: str, period: dt.date | None, kpi: str,
           kpis: tuple[str, ...]) -> pl.DataFrame:
    return read.ranked(store(), view, dimension, period, kpi, list(kpis))


def engine() -> EngineConfig:
    return settings().engine_config()


def recompute() -> None:
    """Recompute the figures with the configured engine (after a governed change that alters them)."""
    refresh(store(), engine())
    clear()


def store_problem() -> str | None:
    """Why the store cannot be used right now (unreachable, locked past the wait), in one line; None when it can."""
    try:
        store()
        status()
    except Exception as err:
        problem = explain(err)
        if problem is None:
            raise
        return str(problem)
    return None


def stage_upload(staged: Staged) -> Path:
    """An upload's mapped rows as contract files under the imports folder (kept, as `wismo import` keeps its own:
    the load names them)."""
    return onboarding.stage_to(staged, import_folder(settings().imports_dir, "upload"))


def upload_limits() -> Limits:
    s = settings()
    return Limits(s.upload_max_rows, s.upload_max_bytes)


@st.cache_resource(show_spinner=False)
def swept_uploads() -> int:
    """Once per server process: remove upload folders a killed server left behind."""
    return len(onboarding.sweep())


def load_staged(folder: Path, user: str) -> LoadAndRefresh:
    """Check and land a staged folder, then recompute the figures with the configured engine."""
    s = settings()
    return load_and_refresh(folder, store(), user=user, engine=engine(), rejects_dir=s.rejects_dir,
                            earliest=s.earliest_date)


def clear() -> None:
    """Forget every cached figure (after a change that alters them); the store connection stays."""
    for loader in (status, newest_scan, dimension_values, names, figures, reporting_period, tiles, deflection, scorecard, _contacts,
                   latency, exception_facts, care_contacts, loads, check_summary, rejected, order_timeline,
                   overdue_actions, targets, rules, carrier_slas, cause_rates, cause_comparison, ranked, milestones, evidence):
        loader.clear()
