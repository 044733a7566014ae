"""The router and shared frame of the dashboard: pages are layout only (see pages/)."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="WISMO command centre", page_icon=":package:", layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview", default=True),
]

nav = st.navigation(PAGES)
nav.run()
