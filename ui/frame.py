"""The shared frame: sidebar filters that live in the URL, the freshness banner, page helpers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError
from streamlit.runtime.pages_manager import PagesManager

from core.words import word
from governance.identity import Identity, resolve
from governance.service import Actor
from metrics import views
from metrics.engine import GRAINS
from metrics.views import View
from services.figures import RunStatus
from ui import data
from ui.fmt import md

ALL = "All"
FILTER_KEYS = ("grain", "compare", "start", "end", "node", "carrier", "channel")


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


COMPARE_WORDS = {"prev": "The period before", "4": "The 4 periods before", "yoy": "The same period last year"}


def _pick(label: str, options: list[str], name: str, default: str, words: dict[str, str] | None = None) -> str:
    """A sidebar choice that opens on the URL's value (a pasted link) and keeps its value across pages."""
    key = f"f_{name}"
    current = _qp(name)
    if current in options and st.session_state.get(key) != current and not st.session_state.get(f"{key}_seen"):
        st.session_state[key] = current
    st.session_state[f"{key}_seen"] = True
    if st.session_state.get(key) not in options:
        st.session_state[key] = current if current in options else default
    return str(st.sidebar.selectbox(label, options, key=key,
                                    format_func=(lambda o: words.get(o, o)) if words else str))


def sidebar() -> View:
    """Draw the filters (the URL's values first, then this session's) and write the choices back to the URL,
    on every page: a pasted link reproduces the view, and moving between pages keeps it."""
    run = data.run_id()
    values = data.dimension_values(run)
    sb = st.sidebar
    sb.header("Filters")
    grain = _pick("Grain", list(GRAINS), "grain", "week", {g: g.capitalize() for g in GRAINS})
    compare = _pick("Compare with", list(COMPARE_WORDS), "compare", "prev", COMPARE_WORDS)
    if "f_range" not in st.session_state:
        start, end = _date(_qp("start")), _date(_qp("end"))
        st.session_state["f_range"] = (start, end) if start and end else ()
    picked = sb.date_input("Periods starting between", key="f_range", help="Leave empty for all history.")
    start = end = None
    if isinstance(picked, tuple) and len(picked) == 2:
        start, end = picked
    names = data.names(run)

    def choose(label: str, name: str) -> str | None:
        got = _pick(label, [ALL, *values[name]], name, ALL, names.get(name, {}))
        return None if got == ALL else got

    node, carrier, channel = choose("Node", "node"), choose("Carrier", "carrier"), choose("Sales channel", "channel")
    view = View(grain=grain, start=start, end=end, node=node, carrier=carrier, channel=channel, compare=compare)
    for k, v in (("grain", grain), ("compare", compare), ("start", start), ("end", end), ("node", node),
                 ("carrier", carrier), ("channel", channel)):
        if v and not (k == "grain" and v == "week") and not (k == "compare" and v == "prev"):
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
    """What the figures are and whether they can be trusted now (by the calendar): green, amber when old,
    red after a refused load or when they miss a load or the rules in force. Returns the status."""
    s = data.status()
    run, load = s.run, s.load
    if run is None:
        st.info("No figures yet: load data (`wismo load FOLDER` or `wismo demo --load`) and they appear here.")
        st.stop()
    landed = s.coverage.newest_load
    refused = (load.load_id if load is not None and load.status == "refused"
               and (landed is None or load.finished_at > landed.finished_at) else None)
    fresh = views.freshness(dt.datetime.now(dt.UTC), as_of=run.as_of, newest_scan=s.newest_scan,
                            landed_at=landed.finished_at if landed else None, refused_after_landed=refused,
                            stale_words=s.coverage.words(), stale_hours=data.rules(run.run_id).thresholds.stale_scan_hours)
    line = (f"Figures as of {run.as_of:%-d %b %Y %H:%M} UTC · rules {md(run.rule_version)}"
            + (f" · last load {load.finished_at:%-d %b %Y %H:%M} UTC ({md(word(load.status).lower())}, "
               f"{load.warnings:,} warning rows)" if load else ""))
    if fresh.level != "green":
        box = st.error if fresh.level == "red" else st.warning
        head = "Do not rely on these figures" if fresh.level == "red" else "Old figures"
        with st.container(key=f"freshness_{fresh.level}"):
            box(f"**{head}:** " + "; ".join(md(r) for r in fresh.reasons) + ". [Open data quality](./quality)")
    st.caption(line)
    return s


def empty(message: str) -> None:
    st.info(message)


def download(df: pl.DataFrame, name: str, key: str, label: str = "Download CSV") -> None:
    """A numeric CSV (codes and numbers, the unit in the column names: see metrics.views.numeric)."""
    st.download_button(label, df.write_csv().encode(), file_name=f"{name}.csv", mime="text/csv", key=key,
                       icon=":material/download:")


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
    ip = st.context.ip_address
    return resolve(data.settings(), client_ip=ip if isinstance(ip, str) else None,  # in-process tests have none
                   headers=dict(st.context.headers), oidc=oidc, oidc_user=user or None)


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
