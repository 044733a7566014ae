"""The shared frame: sidebar filters that live in the URL, the freshness banner, page helpers."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import polars as pl
import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError
from streamlit.runtime.pages_manager import PagesManager

from governance.identity import Identity, resolve
from governance.service import Actor
from metrics.engine import GRAINS
from metrics.views import View
from services.figures import RunStatus
from ui import data
from ui.fmt import md

ALL = "All"
FILTER_KEYS = ("grain", "start", "end", "node", "carrier", "channel")


def routed() -> None:
    """Run this page inside app.py's router. Every page calls this first.

    Streamlit treats a ``pages/`` folder next to the entrypoint as a legacy multipage app
    until ``st.navigation`` has run once in the process: on a fresh server, a deep link such
    as ``/overview?node=…`` would run the page file alone, without the router and sidebar.
    Then switch the process to the router (as ``st.navigation`` itself does) and rerun the same URL:
    from then on every run starts in app.py."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


@dataclass(frozen=True)
class Page:
    status: RunStatus
    view: View
    run: str

    @property
    def as_of(self) -> dt.datetime:
        assert self.status.as_of is not None  # start() stops a page before there are figures
        return self.status.as_of


def start(title: str) -> Page:
    """The top of every figures page: router guard, title, freshness banner, the sidebar's view."""
    routed()
    st.title(title)
    status = banner()
    return Page(status, st.session_state["view"], data.run_id())


def _qp(name: str) -> str | None:
    v = st.query_params.get(name)
    return v if v else None


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def sidebar() -> View:
    """Draw the filters (defaults from the URL) and write the choices back to the URL."""
    run = data.run_id()
    values = data.dimension_values(run)
    sb = st.sidebar
    sb.header("Filters")
    grain = _qp("grain") if _qp("grain") in GRAINS else "week"
    grain = sb.selectbox("Grain", GRAINS, index=GRAINS.index(grain), key="f_grain")
    start, end = _date(_qp("start")), _date(_qp("end"))
    picked = sb.date_input("Periods starting between", value=(start, end) if start and end else (),
                           key="f_range", help="Leave empty for all history.")
    if isinstance(picked, tuple) and len(picked) == 2:
        start, end = picked
    elif not picked:
        start = end = None

    def choose(label: str, name: str) -> str | None:
        options = [ALL, *values[name]]
        current = _qp(name)
        idx = options.index(current) if current in options else 0
        got = sb.selectbox(label, options, index=idx, key=f"f_{name}")
        return None if got == ALL else got

    node, carrier, channel = choose("Node", "node"), choose("Carrier", "carrier"), choose("Sales channel", "channel")
    view = View(grain=grain, start=start, end=end, node=node, carrier=carrier, channel=channel)
    for k, v in (("grain", grain), ("start", start), ("end", end), ("node", node), ("carrier", carrier),
                 ("channel", channel)):
        if v and (k != "grain" or v != "week"):
            st.query_params[k] = str(v)
        elif k in st.query_params:
            del st.query_params[k]
    if view.ignored:
        sb.warning(f"Figures are sliced by {view.slice[0]} only; the {' and '.join(view.ignored)} "
                   "filter applies to lists, not to KPI figures.")
    return view


def link_params(**extra: str) -> dict[str, str]:
    """The current filters plus page-specific parameters, for links that keep the view."""
    out = {k: st.query_params[k] for k in FILTER_KEYS if k in st.query_params}
    out.update({k: v for k, v in extra.items() if v})
    return out


def banner() -> RunStatus:
    """Data freshness and quality in one line; returns the status."""
    s = data.status()
    run, load = s.run, s.load
    if run is None:
        st.info("No figures yet: load data (`wismo load FOLDER` or `wismo demo --load`) and they appear here.")
        st.stop()
    parts = [f"As of **{run.as_of:%Y-%m-%d %H:%M} UTC**", f"rules **{md(run.rule_version)}**"]
    if load:
        parts.append(f"last load {load.finished_at:%Y-%m-%d %H:%M} ({md(load.status)}, "
                     f"{load.warnings:,} warning rows)")
    if s.newest_scan and run.as_of - s.newest_scan > dt.timedelta(hours=24):
        parts.append(":orange[newest carrier scan older than 24 h]")
    st.caption(" · ".join(parts))
    if s.coverage.stale:
        st.error(md(s.coverage.words()))
    return s


def empty(message: str) -> None:
    st.info(message)


def download(df: pl.DataFrame, name: str, key: str) -> None:
    st.download_button("Download CSV", df.write_csv().encode(), file_name=f"{name}.csv", mime="text/csv", key=key)


def orders_behind(view: View, run: str, dimension: str, value: str, key: str) -> None:
    """The avoidable WISMO contacts attributed to one node or carrier, each a link to its order."""
    sliced = dataclasses.replace(view, **({"node": None, "carrier": None, "channel": None} | {dimension: value}))
    contacts = data.cause_contacts(run, sliced)
    listing = (contacts.filter(pl.col("avoidable").fill_null(False)).sort("created_at", descending=True)
               .select("contact_id", "order_id", "created_at", "cause_label", "contact_channel", "handled_by"))
    st.subheader(f"Avoidable WISMO contacts behind {md(value)}")
    if listing.height == 0:
        st.caption("None in the selected periods.")
        return
    st.dataframe(listing, hide_index=True, key=key, on_select="rerun", selection_mode="single-row")
    picked = st.session_state.get(key)
    rows = picked.selection.rows if picked else []
    if rows:
        oid = listing["order_id"][rows[0]]
        st.page_link("pages/order.py", label=f"Open order {oid}", icon=":material/timeline:",
                     query_params=link_params(order=oid))
    else:
        st.caption("Select a row to open its order's timeline.")


def oidc_configured() -> bool:
    """Whether Streamlit's sign-in (``st.login``) is configured: an ``[auth]`` section in the secrets."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, StreamlitSecretNotFoundError):
        return False


def identity() -> Identity | None:
    """Who this visitor is (governance/identity.py); None when sign-in is required and not done yet."""
    oidc = oidc_configured()
    user = None
    if oidc and st.user.is_logged_in:
        user = str(st.user.get("email") or st.user.get("preferred_username") or st.user.get("sub") or "")
    return resolve(data.settings(), client_ip=st.context.ip_address, headers=dict(st.context.headers),
                   oidc=oidc, oidc_user=user or None)


def sign_in_page() -> None:
    """What a visitor sees before signing in (sign-in configured): nothing of the data."""
    st.title("WISMO command centre")
    st.write("Sign in with your organisation's account to see the figures and the governance workspace.")
    st.button("Sign in", type="primary", on_click=st.login, key="sign_in")


def who_bar(ident: Identity) -> None:
    """The signed-in user and role in the sidebar (sign out when signed in through OIDC)."""
    sb = st.sidebar
    sb.caption(f"{md(ident.actor.name)} · {ident.actor.role}")
    if ident.how == "oidc":
        sb.button("Sign out", on_click=st.logout, key="sign_out")
    if ident.note:
        sb.warning(ident.note)


def current_actor() -> Actor:
    ident = identity()
    assert ident is not None  # app.py stops a page before anyone signs in
    return ident.actor
