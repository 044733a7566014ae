"""Customer care: first-contact resolution, CSAT and repeats by channel and handler; CSAT by order state."""

from __future__ import annotations

import polars as pl
import streamlit as st

from metrics import views
from ui import charts, data
from ui.fmt import words
from ui.frame import download, start

page = start("Customer care")
view, run = page.view, page.run
contacts = data.care_contacts(run, view)
if contacts.height == 0:
    st.info("No contacts in the selected periods.")
    st.stop()
for by, title in (("channel", "By contact channel"), ("handled_by", "By handler (agent or bot)")):
    st.subheader(title)
    split = views.care_split(contacts, by)
    shown = split.with_columns(words(by))
    left, right = st.columns(2)
    with left:
        st.plotly_chart(charts.bars(shown.with_columns(pct=pl.col("fcr") * 100), by, "pct",
                                    "% first-contact resolution"), key=f"fcr_{by}")
    with right:
        st.plotly_chart(charts.bars(shown.with_columns(pct=pl.col("csat") * 100), by, "pct", "% CSAT 4–5"),
                        key=f"csat_{by}")
    st.dataframe(shown.select(by, "contacts", "fcr_units", pl.col("fcr") * 100, "repeat_or_unresolved", "rated",
                              pl.col("csat") * 100), hide_index=True, key=f"care_{by}", column_config={
        by: title.removeprefix("By ").capitalize(), "contacts": "Contacts", "fcr_units": "Judged for FCR",
        "fcr": st.column_config.NumberColumn("First-contact resolution", format="%.1f%%"),
        "repeat_or_unresolved": "Repeated or unresolved", "rated": "Rated",
        "csat": st.column_config.NumberColumn("CSAT 4–5", format="%.1f%%")})
    download(split, f"care_by_{by}", f"dl_care_{by}")
st.subheader("CSAT by the order's state when the customer got in touch")
state = views.care_split(contacts, "state_at_contact").with_columns(words("state_at_contact"), pct=pl.col("csat") * 100)
st.plotly_chart(charts.bars(state, "state_at_contact", "pct", "% CSAT 4–5"), key="csat_state")
st.caption("On track: nothing wrong yet · Late: promise date passed, order not complete · "
           "Exception: an exception was open · No order: none on the contact")
