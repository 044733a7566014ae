"""The drill-down shared by the node and carrier pages — ranked worst first on the KPI a tile led here with,
the worst one opened — and the "select a row, open its order" list every list of contacts or exceptions
uses."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import polars as pl
import streamlit as st

from metrics import views
from metrics.catalogue import STATUS_COLOUR, STATUS_WORD, load_catalogue
from ui import charts, data, tiles
from ui.cards import MARK
from ui.fmt import md, words
from ui.frame import Page, download, link_params

CONTACT_COLUMNS: dict[str, st.column_config.Column | str] = {
    "order_id": "Order", "created_at": st.column_config.DatetimeColumn("Asked at (UTC)", format="D MMM YYYY, HH:mm"),
    "cause_label": "Cause", "contact_channel": "Channel", "handled_by": "Handled by", "contact_id": "Contact"}
SIGNAL_WORDS = {"significant shift": "significant", "within normal variation": "noise"}
DIMENSION_WORDS = {"node": ("node", "nodes"), "carrier": ("carrier", "carriers")}


def order_list(listing: pl.DataFrame, key: str, columns: dict[str, st.column_config.Column | str] | None = None,
               empty: str = "None in the selected periods.") -> None:
    """A list of rows that each name an order: select one, open its timeline (two clicks)."""
    if listing.height == 0:
        st.caption(empty)
        return
    st.dataframe(listing, hide_index=True, key=key, on_select="rerun", selection_mode="single-row",
                 column_config=columns or {})
    picked = st.session_state.get(key)
    rows = picked.selection.rows if picked else []
    order = listing["order_id"][rows[0]] if rows and rows[0] < listing.height else None
    if order:
        st.page_link("pages/order.py", label=f"Open order {order}", icon=":material/timeline:",
                     query_params=link_params(order=str(order)))
    else:
        st.caption("Select a row to open its order's timeline.")


def ranking(page: Page, dimension: str, kpis: list[str], detail_extra: Callable[[str], None] | None = None) -> None:
    """The ranked scorecard of ``dimension`` on the KPI in the URL (worst first), the worst one (or the one
    chosen) in detail: its tiles against the comparison, its trend against the network and the target, and the
    avoidable contacts behind it."""
    cat = load_catalogue()
    view, run = page.view, page.run
    one, many = DIMENSION_WORDS[dimension]
    asked = st.query_params.get("kpi")
    kpi_id = asked if asked in kpis else kpis[0]
    if asked and asked not in kpis:
        st.info(f"{cat.kpi(asked).title} has no {one} cut; ranked by {cat.kpi(kpi_id).title} instead.")
    kpi_id = st.selectbox("Ranked by", kpis, index=kpis.index(kpi_id), format_func=lambda k: cat.kpi(k).title,
                          key=f"{dimension}_rank_kpi")
    st.query_params["kpi"] = kpi_id
    kpi = cat.kpi(kpi_id)
    period = data.reporting_period(run, view, page.as_of)
    card = data.ranked(run, view, dimension, period, kpi_id, tuple(kpis))
    card = card.filter(pl.any_horizontal(pl.col(k).is_not_null() for k in kpis))  # no figure at all: not listed
    if period is None or card.height == 0:
        st.info(f"No figures for any {one} in the selected periods.")
        st.stop()

    st.subheader(f"{views.capital(many)} ranked by {kpi.title}, worst first")
    st.caption(views.capital(views.period_words(period, view.grain)) + ".")
    target = data.targets(run)[kpi_id]
    shown = card.select(
        pl.col("name").alias(one.capitalize()),
        pl.col(f"{kpi_id}__status").replace_strict({s: f"{MARK[s]} {w}" for s, w in STATUS_WORD.items()})
        .alias("Status"),
        pl.col("signal").replace_strict(SIGNAL_WORDS, default="–").alias("Latest change"),
        *[(pl.col(k) * cat.kpi(k).scale).alias(cat.kpi(k).short) for k in kpis])
    styled = shown.to_pandas().style.apply(
        lambda col: [f"background-color: {STATUS_COLOUR[s]}33" for s in card[f"{kpi_id}__status"].to_list()],
        subset=["Status", kpi.short])
    columns = {cat.kpi(k).short: st.column_config.NumberColumn(
        cat.kpi(k).short, help=cat.kpi(k).title, width=6 * len(cat.kpi(k).short) + 26,
        format={"per_100": "%.2f", "percent": "%.1f%%", "days": "%.1f d"}[cat.kpi(k).unit]) for k in kpis}
    columns[one.capitalize()] = st.column_config.TextColumn(one.capitalize(), pinned=True, width=124)
    columns["Status"] = st.column_config.TextColumn("Status", width=86)
    columns["Latest change"] = st.column_config.TextColumn(
        "Latest change", width=104, help=f"{kpi.title}: is this period's value outside the control limits of the "
        f"{one}'s own last 12 periods, or the 8th in a row on one side of their centre (a significant shift), or "
        "the wobble its volume makes anyway? – : too little history.")
    event = st.dataframe(styled, hide_index=True, key=f"{dimension}_ranking", on_select="rerun",
                         selection_mode="single-row", column_config=columns)
    st.caption(f"Ordered by how far each {one} is from the target ({'≤' if kpi.good == 'down' else '≥'} "
               f"{kpi.display(target.green)}). Select a row to open that {one}.")
    download(views.numeric(card, dimension, kpis), f"{many}_{period}", f"dl_{dimension}_ranking")

    ids = card[dimension].to_list()
    rows = event.selection.rows if event and event.selection else []
    chosen = ids[rows[0]] if rows else None
    if chosen:
        st.query_params[f"{dimension}_detail"] = chosen
    detail = chosen or st.query_params.get(f"{dimension}_detail")
    detail = detail if detail in ids else ids[0]  # the worst one, unless one was chosen
    name = dict(zip(card[dimension].to_list(), card["name"].to_list(), strict=True))[detail]

    st.subheader(f"{md(name)}" + (" — the worst" if detail == ids[0] else ""))
    sliced = dataclasses.replace(view, **({"node": None, "carrier": None, "channel": None} | {dimension: detail}))
    missing = data.missing_inputs(run)
    cards = [tiles.tile(t, [], tiles.note(t, missing)) for t in data.tiles(run, sliced, period, tuple(kpis))]
    st.html(tiles.grid(cards))
    trend = views.with_interval(data.figures(run, (kpi_id,), sliced), kpi)
    network = data.figures(run, (kpi_id,), dataclasses.replace(view, node=None, carrier=None, channel=None))
    if trend.height:
        st.plotly_chart(charts.against_target(trend, network, name, kpi, target.green), key=f"{dimension}_trend",
                        config={"displayModeBar": False})
    if detail_extra:
        detail_extra(detail)
    st.subheader(f"Avoidable WISMO contacts behind {md(name)}")
    contacts = data.cause_contacts(run, sliced)
    listing = (contacts.filter(pl.col("avoidable").fill_null(False)).sort("created_at", descending=True)
               .select("order_id", "created_at", "cause_label", "contact_channel", "handled_by", "contact_id")
               .with_columns(words("contact_channel"), words("handled_by")))
    order_list(listing, f"{dimension}_contacts", CONTACT_COLUMNS)
