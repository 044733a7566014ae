"""The router and shared frame of the dashboard. Pages (pages/) are layout only."""

from __future__ import annotations

import pandas  # noqa: F401 - whole before any page runs: see below
import streamlit as st

from ui import data
from ui.frame import identity, sidebar, sign_in_page, who_bar

# pandas is imported here, by the first script run, while every other script waits on the import: imported
# lazily instead (by Streamlit for a table, by plotly for a chart), sessions starting together on a fresh
# server saw it half-imported — plotly takes pandas from sys.modules as it finds it — and pages failed with
# "partially initialized module 'pandas'" (12 sessions at once: every time; tests/browser).
st.set_page_config(page_title="WISMO command centre", page_icon=":package:", layout="wide")
st.html("""<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; }
@media (max-width: 640px) { [data-testid="stMainBlockContainer"] h1 { font-size: 1.7rem; }
  [data-testid="stMainBlockContainer"] { padding-top: 1.2rem; } }
</style>""")


def home() -> None:
    """``/`` opens the overview at ``/overview``, with the link's filters (alerts and bookmarks use either)."""
    st.switch_page(OVERVIEW, query_params=st.query_params.to_dict())


OVERVIEW = st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview")
PAGES = {
    "Executive review": [
        st.Page(home, title="Home", url_path="home", default=True, visibility="hidden"),
        OVERVIEW,
        st.Page("pages/drivers.py", title="Demand drivers", icon=":material/troubleshoot:", url_path="drivers"),
    ],
    "Operations": [
        st.Page("pages/nodes.py", title="Fulfillment nodes", icon=":material/warehouse:", url_path="nodes"),
        st.Page("pages/carriers.py", title="Carriers", icon=":material/local_shipping:", url_path="carriers"),
        st.Page("pages/exceptions.py", title="Exceptions", icon=":material/report:", url_path="exceptions"),
        st.Page("pages/communication.py", title="Customer communication", icon=":material/campaign:",
                url_path="communication"),
        st.Page("pages/care.py", title="Customer care", icon=":material/support_agent:", url_path="care"),
    ],
    "Governance": [
        st.Page("pages/governance.py", title="Governance", icon=":material/gavel:", url_path="governance"),
    ],
    "Data": [
        st.Page("pages/data_quality.py", title="Data quality", icon=":material/fact_check:", url_path="quality"),
        st.Page("pages/order.py", title="Order timeline", icon=":material/timeline:", url_path="order"),
        st.Page("pages/onboarding.py", title="Data onboarding", icon=":material/upload_file:", url_path="onboarding"),
    ],
}

ident = identity()
if ident is None:  # sign-in is configured and nobody is signed in: no page, no figures
    st.navigation([st.Page(sign_in_page, title="Sign in", url_path="signin")], position="hidden").run()
    st.stop()
nav = st.navigation(PAGES)
who_bar(ident)
if (problem := data.store_problem()) is not None:  # a database that is down: one line, not a traceback
    st.error(f"The dashboard cannot read its store: {problem}. It retries on the next page you open.",
             icon=":material/cloud_off:")
    st.stop()
if data.status().run is not None:  # the filters on every page, so that moving between pages keeps them
    st.session_state["view"] = sidebar()
nav.run()
