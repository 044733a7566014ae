"""Overview: where post-purchase visibility stands."""

from __future__ import annotations

import streamlit as st

from ui import data

st.title("WISMO command centre")
st.caption("Separate true customer demand from avoidable 'where is my order' contacts.")

counts = data.row_counts()
if counts["orders"] == 0:
    st.info("The store is empty: run `wismo demo --load` or `wismo load FOLDER` to bring data in.")
    st.stop()

cols = st.columns(4)
for col, (label, table) in zip(cols, [("Orders", "orders"), ("Shipments", "shipments"),
                                      ("Carrier scans", "tracking_events"), ("Contacts", "contacts")]):
    col.metric(label, f"{counts[table]:,}")

st.subheader("Latest loads")
st.dataframe(data.latest_loads(), hide_index=True, key="loads")
