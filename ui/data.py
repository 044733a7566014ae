"""Thin cached loaders for the pages: they call the metrics layer's views, nothing else.

Each loader takes the newest refresh's run id, so a refresh invalidates the cache. Results are shared
by every session as they are (``st.cache_resource``: polars frames are immutable; pages only read
them): no pickling per call, and no polars (de)serialisation in many script threads at once, which
stalled the server under 20 concurrent sessions (benchmarks/serving.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading

import polars as pl
import streamlit as st

from metrics import views
from metrics.views import View
from store import open_store


@st.cache_resource
def store():  # type: ignore[no-untyped-def]
    return open_store()


@st.cache_resource(ttl=30, show_spinner=False)
def status() -> dict:
    return views.status(store())


def run_id() -> str:
    run = status().get("run")
    return run["run_id"] if run else "none"


@st.cache_resource(ttl=600, show_spinner=False)
def dimension_values(run: str) -> dict[str, list[str]]:
    return views.dimension_values(store())


@st.cache_resource(ttl=600, show_spinner=False)
def figures(run: str, kpis: tuple[str, ...], view: View, dimension: str = "all") -> pl.DataFrame:
    return views.figures(store(), list(kpis), view, dimension)


@st.cache_resource(ttl=600, show_spinner=False)
def reporting_period(run: str, view: View, as_of: dt.datetime | None) -> dt.date | None:
    return views.reporting_period(store(), view, as_of)


@st.cache_resource(ttl=600, show_spinner=False)
def tiles(run: str, view: View, period: dt.date | None, kpis: tuple[str, ...] = tuple(views.KPI_IDS)):
    return views.tiles(store(), view, period, list(kpis))


@st.cache_resource(ttl=600, show_spinner=False)
def deflection(run: str, view: View) -> pl.DataFrame:
    return views.deflection(store(), view)


@st.cache_resource(ttl=600, show_spinner=False)
def scorecard(run: str, view: View, dimension: str, period: dt.date | None,
              kpis: tuple[str, ...] | None = None) -> pl.DataFrame:
    return views.scorecard(store(), view, dimension, period, list(kpis) if kpis else None)


def cause_contacts(run: str, view: View) -> pl.DataFrame:
    """One cached frame per period range; node, carrier and channel slices are cut from it."""
    return views.slice_contacts(_contacts(run, unsliced(view)), view)


def unsliced(view: View) -> View:
    return dataclasses.replace(view, node=None, carrier=None, channel=None)


@st.cache_resource(ttl=600, show_spinner=False)
def _contacts(run: str, view: View) -> pl.DataFrame:
    return views.cause_contacts(store(), view)


@st.cache_resource(ttl=600, show_spinner=False)
def latency(run: str, view: View) -> pl.DataFrame:
    return views.latency(store(), view)


@st.cache_resource(ttl=600, show_spinner=False)
def exception_facts(run: str) -> pl.DataFrame:
    return views.exception_facts(store())


@st.cache_resource(ttl=600, show_spinner=False)
def care_contacts(run: str, view: View) -> pl.DataFrame:
    return views.care_contacts(store(), view)


@st.cache_resource(ttl=60, show_spinner=False)
def loads(run: str) -> pl.DataFrame:
    return views.loads(store())


@st.cache_resource(ttl=60, show_spinner=False)
def check_summary(run: str, load_id: str | None) -> pl.DataFrame:
    return views.check_summary(store(), load_id)


@st.cache_resource(ttl=60, show_spinner=False)
def rejected(run: str) -> pl.DataFrame:
    return views.rejected(store())


@st.cache_resource(ttl=60, show_spinner=False)
def order_timeline(run: str, order_id: str) -> dict[str, pl.DataFrame]:
    return views.order_timeline(store(), order_id)


@st.cache_resource(ttl=60, show_spinner=False)
def overdue_actions(run: str, today: dt.date) -> list[dict]:
    from governance.service import Actor, Governance

    return Governance(store(), Actor("dashboard", "viewer")).overdue(today)


@st.cache_resource(ttl=60, show_spinner=False)
def targets(run: str) -> dict:
    from metrics.governed import effective_targets

    return effective_targets(store())


@st.cache_resource(ttl=60, show_spinner=False)
def carrier_slas(run: str) -> pl.DataFrame:
    return views.carrier_slas(store())


@st.cache_resource(ttl=600, show_spinner=False)
def cause_rates(run: str, view: View, as_of: dt.datetime | None) -> pl.DataFrame:
    return views.cause_rates(store(), view, as_of)


CARRIER_KPIS = ("tracking_activation_ontime", "stale_in_transit", "ontime_delivery", "order_exception_rate",
                "wismo_contact_rate", "notification_coverage")
AVOIDABLE_SHARE = ("avoidable_wismo_share",)  # the drivers page's share per node and carrier


@st.cache_resource(show_spinner=False)
def warm(run: str, view: View, as_of: dt.datetime | None) -> threading.Thread:
    """Compute, in the background and once per refresh and view, the heavy figures the other pages read,
    so that the first visitor after a refresh finds them cached (a page asking for one still being
    computed waits for it: Streamlit computes each cached value once)."""
    def work() -> None:
        try:
            period = reporting_period(run, view, as_of)
            for load in (lambda: _contacts(run, unsliced(view)), lambda: scorecard(run, view, "node", period),
                         lambda: scorecard(run, view, "carrier", period, CARRIER_KPIS),
                         lambda: scorecard(run, view, "node", period, AVOIDABLE_SHARE),
                         lambda: scorecard(run, view, "carrier", period, AVOIDABLE_SHARE),
                         lambda: latency(run, view), lambda: exception_facts(run), lambda: care_contacts(run, view),
                         lambda: deflection(run, view)):
                load()
        except Exception:  # noqa: BLE001 - a page computing the same figure reports the error itself
            logging.getLogger(__name__).exception("warming the dashboard caches failed")

    # no script-run context on purpose: a waiting visitor's rerun must not stop the warm-up
    thread = threading.Thread(target=work, name=f"wismo-warm-{run}", daemon=True)
    _warming.append(thread)
    thread.start()
    return thread


_warming: list[threading.Thread] = []


def brief_pdf(week: str) -> bytes:
    """The weekly brief for ``week`` as PDF bytes (made when the user clicks download; not cached:
    it carries the governance state of the moment)."""
    from reporting.brief import gather
    from reporting.render import pdf_bytes

    return pdf_bytes(gather(store(), week))


def clear() -> None:
    """Forget every cached figure (after a change that alters them); the store connection stays. A warm-up
    still running finishes first, so that it cannot put back a figure computed before the change."""
    while _warming:
        _warming.pop().join(timeout=120)
    warm.clear()
    for loader in (status, dimension_values, figures, reporting_period, tiles, deflection, scorecard, _contacts,
                   latency, exception_facts, care_contacts, loads, check_summary, rejected, order_timeline,
                   overdue_actions, targets, carrier_slas, cause_rates):
        loader.clear()
