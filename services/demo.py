"""Realistic demo data in the contract format, deterministic for a seed.

The story an executive should recognise (defaults: 26 weeks from 2025-07-07,
50,000 orders, so the period crosses Black Friday, Christmas and a year boundary):

- five nodes: two DCs, two ship-from-store locations and a 3PL; the Chicago store
  promises stock it does not have (poor inventory accuracy at promising);
- five carriers; RegionEx activates tracking late and goes quiet between scans
  (stale scans, slow feed); PostNational has its own 36 h activation SLA, and its feed
  disagrees with the order system (parcels marked delivered with no delivered scan, delivered
  scans a day late, scans as moving after delivery), while its delivered messages go out from
  the order system before any scan: the worst status-message accuracy;
- a peak-season surge from mid-November, weather delays in mid-December;
- split shipments, backorders, substitutions, lost/damaged parcels;
- proactive notification coverage that improves over the period;
- bot containment of WISMO chats that grows while the contacts RegionEx causes stay
  flat: agent-handled WISMO falls, all-channel WISMO does not (deflection, not reduction);
- contract edge cases: offsets other than Z, duplicated and out-of-order scans, a few
  scans without an offset, unlinked contacts, failed notifications.

Everything happens on a simulated clock in hours from the start; the files show the
world as known at the end of the period (the demo's as-of): later facts are cut off.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from core.contract import TABLES

UTC = dt.UTC


@dataclass(frozen=True)
class DemoConfig:
    orders: int = 50_000
    weeks: int = 26
    seed: int = 7
    start: dt.date = dt.date(2025, 7, 7)  # a Monday

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), UTC)

    @property
    def as_of(self) -> dt.datetime:
        return self.start_at + dt.timedelta(weeks=self.weeks)


# id, name, type, region, share of orders, inventory inaccuracy at promising, processing hours (lo, hi)
NODES = [
    ("DC-EWR", "Newark DC", "dc", "northeast", 0.32, 0.015, (3, 18)),
    ("DC-RNO", "Reno DC", "dc", "west", 0.24, 0.020, (3, 20)),
    ("ST-CHI", "Chicago Michigan Ave store", "store", "midwest", 0.12, 0.140, (8, 40)),
    ("ST-ATL", "Atlanta Perimeter store", "store", "south", 0.10, 0.030, (8, 34)),
    ("3PL-DFW", "Dallas 3PL (Fulfilio)", "3pl", "south", 0.22, 0.025, (6, 30)),
]
# id, name, activation SLA override, activation delay (p_slow, slow lo, slow hi), scan gap (lo, hi) h,
# feed latency mean h, carrier-delay probability
CARRIERS = [
    ("PCW", "Parcelways", None, (0.04, 20, 40), (6, 22), 0.3, 0.04),
    ("SWX", "SwiftAir Express", None, (0.02, 20, 30), (4, 14), 0.2, 0.02),
    ("RGX", "RegionEx", None, (0.50, 26, 64), (14, 80), 5.0, 0.07),
    ("PNL", "PostNational", 36.0, (0.10, 30, 50), (8, 30), 1.0, 0.05),
    ("LMX", "LastMile Local", None, (0.03, 20, 30), (3, 10), 0.2, 0.02),
]
# carrier mix per node type
CARRIER_MIX = {
    "dc": [0.42, 0.20, 0.22, 0.16, 0.00],
    "store": [0.20, 0.05, 0.30, 0.00, 0.45],
    "3pl": [0.30, 0.05, 0.45, 0.20, 0.00],
}
SERVICES = [("ground", 0.70, 4, 6), ("2day", 0.22, 2, 3), ("overnight", 0.08, 1, 2)]  # name, share, transit d, promise d
CHANNELS = (["web", "app", "marketplace", "store", "phone"], [0.55, 0.25, 0.10, 0.05, 0.05])
OFFSETS = ["Z", "-05:00", "-06:00", "-08:00", "+01:00", "+05:30"]
PEAK = (dt.date(2025, 11, 20), dt.date(2025, 12, 22), 1.9)  # from, to, volume multiplier
BLACK_FRIDAY_WEEK = (dt.date(2025, 11, 24), dt.date(2025, 12, 1), 2.5)
WEATHER = (dt.date(2025, 12, 8), dt.date(2025, 12, 20), ("PCW", "RGX", "PNL"), 0.35)


def _hours(day: dt.date, cfg: DemoConfig) -> float:
    return (dt.datetime.combine(day, dt.time(), UTC) - cfg.start_at).total_seconds() / 3600


def generate(cfg: DemoConfig = DemoConfig()) -> dict[str, pl.DataFrame]:  # noqa: PLR0915 - one story, told in order
    """The nine contract tables, typed (timestamps UTC), as known at ``cfg.as_of``."""
    rng = np.random.default_rng(cfg.seed)
    n = cfg.orders
    horizon = cfg.weeks * 168.0
    u = rng.random

    # ---- orders --------------------------------------------------------------------------------
    days = cfg.weeks * 7
    day_w = np.ones(days)
    for d in range(days):
        day = cfg.start + dt.timedelta(days=d)
        if PEAK[0] <= day < PEAK[1]:
            day_w[d] = PEAK[2]
        if BLACK_FRIDAY_WEEK[0] <= day < BLACK_FRIDAY_WEEK[1]:
            day_w[d] = BLACK_FRIDAY_WEEK[2]
        day_w[d] *= 1.15 if day.weekday() in (0, 6) else 1.0
    day_i = rng.choice(days, size=n, p=day_w / day_w.sum())
    placed = np.sort(day_i * 24.0 + u(n) * 24.0)
    frac = placed / horizon  # 0 → 1 over the period: trends
    peak = np.isin(np.floor(placed / 24).astype(int), np.flatnonzero(day_w > 1.2))
    node_share = np.array([x[4] for x in NODES])
    onode = rng.choice(len(NODES), size=n, p=node_share / node_share.sum())
    svc = rng.choice(len(SERVICES), size=n, p=[s[1] for s in SERVICES])
    promise_days = np.array([s[3] for s in SERVICES])[svc] + (peak & (u(n) < 0.5)).astype(int)
    promised_day = np.floor(placed / 24).astype(int) + promise_days
    cancelled = u(n) < 0.012
    cancel_at = placed + 0.5 + u(n) * 5
    pickup = u(n) < 0.07
    n_lines = rng.choice([1, 2, 3], size=n, p=[0.6, 0.28, 0.12])
    customer = rng.integers(0, max(1, int(n * 0.72)), size=n)

    # ---- lines -----------------------------------------------------------------------------------
    lo = np.repeat(np.arange(n), n_lines)
    lidx = np.arange(lo.size) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines)
    lnode = onode[lo].copy()
    other = (lidx > 0) & (u(lo.size) < 0.12)  # a line promised from another node: split order
    lnode[other] = rng.choice(len(NODES), size=other.sum(), p=node_share / node_share.sum())
    from_stock = u(lo.size) < 0.965
    inacc = np.array([x[5] for x in NODES])[lnode] * (1.4 * peak[lo] + 1.0 * ~peak[lo])
    miss = from_stock & (u(lo.size) < inacc)
    outcome = np.full(lo.size, "fulfilled", dtype=object)
    kind = u(lo.size)
    outcome[miss & (kind < 0.5)] = "backordered"
    outcome[miss & (kind >= 0.5) & (kind < 0.72)] = "substituted"
    outcome[miss & (kind >= 0.72)] = "cancelled_oos"
    outcome[~from_stock & (u(lo.size) < 0.7)] = "backordered"
    outcome[cancelled[lo]] = "cancelled_customer"
    outcome_at = placed[lo] + 2 + u(lo.size) * 18
    outcome_at[cancelled[lo]] = cancel_at[lo][cancelled[lo]]

    # ---- shipments: one per (order, node, backordered?) of the lines that ship ----------------
    ships_line = ~np.isin(outcome, ["cancelled_oos", "cancelled_customer"])
    lines = pl.DataFrame({"o": lo, "li": lidx, "node": lnode, "bo": outcome == "backordered", "ship": ships_line})
    groups = (lines.filter("ship").group_by("o", "node", "bo").agg(pl.col("li").min().alias("first"))
              .sort("o", "first"))
    so = groups["o"].to_numpy()
    snode = groups["node"].to_numpy()
    sbo = groups["bo"].to_numpy()
    m = so.size
    sidx = np.arange(m)
    proc_lo = np.array([x[6][0] for x in NODES])[snode]
    proc_hi = np.array([x[6][1] for x in NODES])[snode]
    proc = (proc_lo + u(m) * (proc_hi - proc_lo)) * np.where(peak[so], 1.6, 1.0)
    label = placed[so] + proc + np.where(sbo, 96 + u(m) * 150, 0.0)
    shipped = label + 1 + u(m) * 7
    ntype = np.array([x[2] for x in NODES])[snode]
    scar = np.empty(m, dtype=int)
    for kind_name, mix in CARRIER_MIX.items():
        sel = ntype == kind_name
        scar[sel] = rng.choice(len(CARRIERS), size=sel.sum(), p=mix)
    cid = np.array([c[0] for c in CARRIERS])
    transit_days = np.array([s[2] for s in SERVICES])[svc[so]]
    transit = transit_days * 24 * (0.75 + u(m) * 0.4)
    wx_from, wx_to, wx_carriers, wx_p = WEATHER
    in_weather = (shipped >= _hours(wx_from, cfg)) & (shipped < _hours(wx_to, cfg)) & np.isin(cid[scar], wx_carriers)
    weather = in_weather & (u(m) < wx_p)
    cdelay = ~weather & (u(m) < np.array([c[6] for c in CARRIERS])[scar] * np.where(peak[so], 1.8, 1.0))
    lost = u(m) < 0.003
    damaged = ~lost & (u(m) < 0.004)
    address = ~lost & ~damaged & (u(m) < 0.006)
    delay_h = np.where(weather, 24 + u(m) * 60, 0) + np.where(cdelay, 20 + u(m) * 60, 0) + np.where(address, 24, 0)
    delivered = shipped + transit + delay_h
    delivered[lost] = np.inf

    # ---- tracking events -------------------------------------------------------------------------
    p_slow = np.array([c[3][0] for c in CARRIERS])[scar]
    slow_lo = np.array([c[3][1] for c in CARRIERS])[scar]
    slow_hi = np.array([c[3][2] for c in CARRIERS])[scar]
    act_delay = np.where(u(m) < p_slow, slow_lo + u(m) * (slow_hi - slow_lo), 0.5 + u(m) * 5)
    first_scan = np.minimum(shipped + act_delay, delivered - 3)
    gap_lo = np.array([c[4][0] for c in CARRIERS])[scar]
    gap_hi = np.array([c[4][1] for c in CARRIERS])[scar]
    gap = gap_lo + u(m) * (gap_hi - gap_lo)
    last_leg = np.where(lost, first_scan + 30, delivered - 4)
    k = np.clip(np.floor((last_leg - first_scan) / gap), 0, 8).astype(int)
    ev_s: list[Any] = [sidx]
    ev_status: list[Any] = ["info_received"]
    ev_at: list[Any] = [label + u(m) * 0.3]
    ev_raw: list[Any] = ["LABEL_CREATED"]
    ev_s.append(sidx)
    ev_status.append("in_transit")
    ev_at.append(first_scan)
    ev_raw.append("ORIGIN_SCAN")
    rep = np.repeat(sidx, k)
    step = np.arange(rep.size) - np.repeat(np.cumsum(k) - k, k) + 1
    ev_s.append(rep)
    ev_status.append("in_transit")
    ev_at.append(first_scan[rep] + step * gap[rep] + u(rep.size) * 2)
    ev_raw.append("IN_TRANSIT")
    att = sidx[address]
    ev_s.append(att)
    ev_status.append("attempt_failed")
    ev_at.append(delivered[att] - 24 - 2)
    ev_raw.append("DELIVERY_ATTEMPTED")
    fin = sidx[~lost]
    pk = pickup[so[fin]]
    ev_s += [fin, fin]
    ev_status += [np.where(pk, "available_for_pickup", "out_for_delivery"), "delivered"]
    ev_at += [delivered[fin] - 2 - u(fin.size) * 6, delivered[fin]]
    ev_raw += [np.where(pk, "READY_FOR_PICKUP", "OUT_FOR_DELIVERY"), "DELIVERED"]
    e_s = np.concatenate(ev_s)
    e_status = np.concatenate([np.broadcast_to(np.asarray(x, dtype=object), a.shape) for x, a in zip(ev_status, ev_s, strict=True)])
    e_raw = np.concatenate([np.broadcast_to(np.asarray(x, dtype=object), a.shape) for x, a in zip(ev_raw, ev_s, strict=True)])
    e_at = np.concatenate(ev_at)
    lat_mean = np.array([c[5] for c in CARRIERS])[scar[e_s]]
    e_recv = e_at + rng.exponential(lat_mean) + np.where(u(e_s.size) < 0.02, 6 + u(e_s.size) * 24, 0)
    dup = u(e_s.size) < 0.015  # the same scan sent twice, the copy later
    e_s, e_status, e_raw, e_at = (np.concatenate([a, a[dup]]) for a in (e_s, e_status, e_raw, e_at))
    e_recv = np.concatenate([e_recv, e_recv[dup] + 0.2 + u(dup.sum()) * 12])
    nonx = e_status != "info_received"
    activation = np.full(m, np.inf)
    np.minimum.at(activation, e_s[nonx], e_recv[nonx])

    # ---- exceptions ---------------------------------------------------------------------------
    x_parts = []

    def exc(ship_rows, line_rows, etype, source, owner, opened, resolved, with_carrier=True):  # type: ignore[no-untyped-def]  # local helper over numpy arrays
        if ship_rows is not None:
            x_parts.append(dict(o=so[ship_rows], s=ship_rows, node=snode[ship_rows],
                                car=scar[ship_rows] if with_carrier else np.full(ship_rows.size, -1),
                                type=etype, source=source, owner=owner, opened=opened, resolved=resolved))
        else:
            x_parts.append(dict(o=lo[line_rows], s=np.full(line_rows.size, -1), node=lnode[line_rows],
                                car=np.full(line_rows.size, -1), type=etype, source=source, owner=owner,
                                opened=opened, resolved=resolved))

    eta = shipped + transit
    for flag, etype in ((cdelay, "carrier_delay"), (weather, "weather_delay")):
        r = sidx[flag]
        exc(r, None, etype, "carrier", "carrier_management", eta[r] - u(r.size) * 12, delivered[r] + u(r.size) * 6)
    r = sidx[lost]
    exc(r, None, "lost", "carrier", "carrier_management", shipped[r] + 96 + u(r.size) * 60,
        np.where(u(r.size) < 0.9, shipped[r] + 200 + u(r.size) * 240, np.inf))
    r = sidx[damaged]
    exc(r, None, "damaged", "care", "customer_care", delivered[r] + 2 + u(r.size) * 40,
        np.where(u(r.size) < 0.95, delivered[r] + 60 + u(r.size) * 120, np.inf))
    r = sidx[address]
    exc(r, None, "address_issue", "carrier", "customer_care", delivered[r] - 25, delivered[r] - u(r.size) * 6)
    late = (label - placed[so] > 36) & ~sbo
    r = sidx[late]
    exc(r, None, "missed_processing_window", "wms", "fulfillment", placed[so[r]] + 36, label[r], with_carrier=False)
    inv = np.flatnonzero(np.isin(outcome, ["backordered", "cancelled_oos"]))
    bo_ship_label = np.full(lo.size, np.inf)
    sb = pl.DataFrame({"o": so, "node": snode, "bo": sbo, "label": label})
    lj = lines.with_row_index("r").join(sb, on=["o", "node", "bo"], how="left").sort("r")
    line_ship_label = lj["label"].fill_null(np.inf).to_numpy()
    bo_ship_label[inv] = line_ship_label[inv]
    exc(None, inv, "inventory_shortage", "oms", "inventory", outcome_at[inv],
        np.where(outcome[inv] == "backordered", bo_ship_label[inv], outcome_at[inv] + 4 + u(inv.size) * 40))
    xo = np.concatenate([p["o"] for p in x_parts])
    xs = np.concatenate([p["s"] for p in x_parts])
    xnode = np.concatenate([p["node"] for p in x_parts])
    xcar = np.concatenate([p["car"] for p in x_parts])
    xtype = np.concatenate([np.full(p["o"].size, p["type"], dtype=object) for p in x_parts])
    xsource = np.concatenate([np.full(p["o"].size, p["source"], dtype=object) for p in x_parts])
    xowner = np.concatenate([np.full(p["o"].size, p["owner"], dtype=object) for p in x_parts])
    xopen = np.concatenate([p["opened"] for p in x_parts])
    xres = np.concatenate([p["resolved"] for p in x_parts])
    xn = xo.size

    # ---- notifications ------------------------------------------------------------------------
    coverage = 0.30 + 0.58 * frac  # proactive notices improve over the period
    n_parts = []

    def note(orders, ships, ntype, sent):  # type: ignore[no-untyped-def]  # local helper over numpy arrays
        n_parts.append((orders, ships, np.broadcast_to(np.asarray(ntype, dtype=object), orders.shape), sent))

    live = ~cancelled
    note(np.arange(n), np.full(n, -1), "order_confirmation", placed + 0.02)
    note(so, sidx, "shipment_confirmation", shipped + u(m) * 2)
    fin_d = sidx[~lost]
    # last-mile and delivered messages are triggered by the carrier's scan as received, a few minutes later;
    # PostNational's delivered messages come from the order system's delivered_at instead (see "feeds" below)
    jitter = np.random.default_rng(cfg.seed + 101)
    seen_last = np.full(m, np.inf)
    seen_delivered = np.full(m, np.inf)
    last_mile = np.isin(e_status, ["out_for_delivery", "available_for_pickup"])
    np.minimum.at(seen_last, e_s[last_mile], e_recv[last_mile])
    np.minimum.at(seen_delivered, e_s[e_status == "delivered"], e_recv[e_status == "delivered"])
    pnl = cid[scar] == "PNL"
    note(so[fin_d], fin_d, np.where(pickup[so[fin_d]], "pickup_ready", "out_for_delivery"),
         seen_last[fin_d] + 0.05 + jitter.random(fin_d.size) * 0.5)
    note(so[fin_d], fin_d, "delivered", np.where(pnl[fin_d], delivered[fin_d] + 0.1,
                                                 seen_delivered[fin_d] + 0.05 + jitter.random(fin_d.size) * 0.5))
    ontime_notice = u(xn) < coverage[xo]
    late_notice = ~ontime_notice & (u(xn) < 0.3)
    proactive_type = np.where(np.isin(xtype, ["carrier_delay", "weather_delay"]), "delay",
                              np.where(xtype == "inventory_shortage", "backorder", "exception"))
    sent = np.where(ontime_notice, xopen + 0.2 + u(xn) * 18, xopen + 30 + u(xn) * 40)
    pick = ontime_notice | late_notice
    note(xo[pick], xs[pick], proactive_type[pick], sent[pick])
    subs = np.flatnonzero(outcome == "substituted")
    sub_ok = u(subs.size) < coverage[lo[subs]]
    note(lo[subs][sub_ok], np.full(sub_ok.sum(), -1), "substitution", outcome_at[subs][sub_ok] + 0.5 + u(sub_ok.sum()) * 5)
    n_ship = np.bincount(so, minlength=n)
    first_ship = np.full(n, np.inf)
    np.minimum.at(first_ship, so, shipped)
    split_orders = np.flatnonzero(n_ship >= 2)
    split_ok = u(split_orders.size) < coverage[split_orders]
    note(split_orders[split_ok], np.full(split_ok.sum(), -1), "partial_shipment", first_ship[split_orders][split_ok] + 1)
    no_ = np.concatenate([p[0] for p in n_parts])
    ns_ = np.concatenate([p[1] for p in n_parts])
    ntype_ = np.concatenate([p[2] for p in n_parts])
    nsent = np.concatenate([p[3] for p in n_parts])
    nn = no_.size
    nstatus = np.where(u(nn) < 0.035, "failed", np.where(u(nn) < 0.6, "delivered", "sent"))
    nchan = rng.choice(["email", "sms", "push"], size=nn, p=[0.6, 0.25, 0.15])
    noticed_x = np.zeros(n, dtype=bool)  # any covered notice on the order (for contact propensity)
    noticed_x[xo[ontime_notice]] = True

    # ---- contacts -----------------------------------------------------------------------------
    c_parts = []

    def want(orders, t, p, reason, avoidable):  # type: ignore[no-untyped-def]  # local helper over numpy arrays
        keep = u(orders.size) < p
        c_parts.append((orders[keep], t[keep], np.full(keep.sum(), reason, dtype=object),
                        np.full(keep.sum(), avoidable)))

    last_deliv = np.full(n, -np.inf)
    np.maximum.at(last_deliv, so, delivered)
    last_deliv[n_ship == 0] = np.inf
    promise_end = (promised_day + 1) * 24.0
    idx = np.arange(n)
    want(idx[live], placed[live] + 20 + u(live.sum()) * 90, 0.032, "order_status", False)  # true demand
    missed = live & (last_deliv > promise_end + 2)
    t = promise_end[missed] + 1 + u(missed.sum()) * 30
    ok = t < last_deliv[missed]
    want(idx[missed][ok], t[ok], 0.30, "order_status", True)
    x_unnoticed = ~ontime_notice & (xres > xopen + 12)
    t = xopen[x_unnoticed] + 6 + u(x_unnoticed.sum()) * 40
    ok = t < xres[x_unnoticed]
    want(xo[x_unnoticed][ok], t[ok], 0.22, "order_status", True)
    r = xtype == "lost"
    want(xo[r], xopen[r] + 6 + u(r.sum()) * 30, 0.5, "delivery_issue", True)
    r = xtype == "damaged"
    want(xo[r], xopen[r] + 1, 0.6, "delivery_issue", True)
    sla = np.array([c[2] or 24.0 for c in CARRIERS])[scar]
    slow_act = activation > label + sla + 4
    t = label[slow_act] + sla[slow_act] + 1 + u(slow_act.sum()) * 20
    ok = t < activation[slow_act]
    want(so[slow_act][ok], t[ok], 0.20, "order_status", True)
    quiet = gap > 52
    t = first_scan[quiet] + gap[quiet] * 0.8 + u(quiet.sum()) * gap[quiet] * 0.2
    ok = t < delivered[quiet]
    want(so[quiet][ok], t[ok], 0.14, "order_status", True)
    t = first_ship[split_orders] + 24 + u(split_orders.size) * 48
    want(split_orders, t, 0.10 * (1 - split_ok), "order_status", True)
    d_ok = live & np.isfinite(last_deliv)
    want(idx[d_ok], last_deliv[d_ok] + 24 + u(d_ok.sum()) * 200, 0.03, "return_refund", False)
    want(idx, placed + 0.5 + u(n) * 10, 0.012, "cancel_modify", False)
    for reason, p in (("product", 0.008), ("billing", 0.004), ("other", 0.004)):
        want(idx, placed + u(n) * 300, p, reason, False)
    co = np.concatenate([p[0] for p in c_parts])
    ct = np.concatenate([p[1] for p in c_parts])
    creason = np.concatenate([p[2] for p in c_parts])
    cavoid = np.concatenate([p[3] for p in c_parts])
    rep = (creason == "order_status") & (u(co.size) < np.where(cavoid, 0.2, 0.05))
    co = np.concatenate([co, co[rep]])
    ct = np.concatenate([ct, ct[rep] + 6 + u(rep.sum()) * 130])
    creason = np.concatenate([creason, np.where(u(rep.sum()) < 0.7, "order_status", "delivery_issue")])
    cavoid = np.concatenate([cavoid, cavoid[rep]])
    cn = co.size
    cfrac = np.clip(ct / horizon, 0, 1)
    # bots contain more and more WISMO chats; RegionEx customers are not helped by it
    bot = (creason == "order_status") & (u(cn) < 0.06 + 0.42 * cfrac)
    cchan = np.where(bot, rng.choice(["chat", "messaging"], size=cn, p=[0.75, 0.25]),
                     rng.choice(["phone", "chat", "email", "social", "messaging"], size=cn,
                                p=[0.45, 0.30, 0.17, 0.04, 0.04]))
    cres = ct + np.where(bot, 0.05 + u(cn) * 0.2, rng.exponential(8, cn))
    cres[u(cn) < 0.04] = np.inf
    rated = u(cn) < 0.3
    good = u(cn) < np.where(cavoid, 0.42, 0.86)
    csat = np.where(good, rng.choice([4, 5], size=cn), rng.choice([1, 2, 3], size=cn))
    unlinked = (creason == "order_status") & (u(cn) < 0.06)

    # ---- as known at as-of: cut off the future ------------------------------------------------
    H = horizon

    def ts(h: np.ndarray) -> pl.Series:
        h = np.asarray(h, dtype=float)
        us = np.where(np.isfinite(h) & (h <= H), np.round(h * 3_600_000_000), np.nan)
        base = int(cfg.start_at.timestamp() * 1_000_000)
        s = pl.Series(us).cast(pl.Int64, strict=False) + base
        return s.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")

    width = len(str(n))
    oid = np.char.add("O", np.char.zfill(np.arange(n).astype(str), width))
    sid = np.char.add("S", np.char.zfill(sidx.astype(str), width + 1))
    nodes = pl.DataFrame({"node_id": [x[0] for x in NODES], "name": [x[1] for x in NODES],
                          "node_type": [x[2] for x in NODES], "region": [x[3] for x in NODES]})
    carriers = pl.DataFrame({"carrier_id": [c[0] for c in CARRIERS], "name": [c[1] for c in CARRIERS],
                             "activation_sla_hours": [c[2] for c in CARRIERS]},
                            schema_overrides={"activation_sla_hours": pl.Float64})
    node_ids = np.array([x[0] for x in NODES])
    orders = pl.DataFrame({
        "order_id": oid, "customer_id": np.char.add("CU", customer.astype(str)),
        "channel": rng.choice(CHANNELS[0], size=n, p=CHANNELS[1]), "placed_at": ts(placed),
        "promised_delivery_date": pl.Series(np.datetime64(cfg.start, "D") + promised_day.astype("timedelta64[D]")),
        "delivery_method": np.where(pickup, "pickup", "ship"),
        "cancelled_at": ts(np.where(cancelled, cancel_at, np.inf)),
    })
    ship_label_ok = label <= H
    shipments = pl.DataFrame({
        "shipment_id": sid, "order_id": oid[so], "node_id": node_ids[snode], "carrier_id": cid[scar],
        "service_level": np.array([s[0] for s in SERVICES])[svc[so]],
        "tracking_number": np.char.add(np.char.add(cid[scar], "1Z"), np.char.zfill((sidx * 7919 + 104729).astype(str), 12)),
        "label_created_at": ts(label), "shipped_at": ts(shipped), "delivered_at": ts(delivered),
    }).filter(pl.Series(ship_label_ok))
    line_ship = lj.select(pl.col("o"), pl.col("label")).with_columns(
        ship=pl.when(pl.Series(ships_line) & (pl.col("label") <= H)).then(True).otherwise(False))
    sid_of = (groups.with_row_index("s").join(lines.with_row_index("r"), on=["o", "node", "bo"], how="right")
              .sort("r")["s"].to_numpy())
    has_sid = line_ship["ship"].to_numpy() & ~np.isnan(sid_of.astype(float))
    line_sid = _opt(np.char.add("S", np.char.zfill(np.nan_to_num(sid_of.astype(float)).astype(int).astype(str),
                                                   width + 1)), has_sid)
    known_outcome = outcome_at <= H
    order_lines = pl.DataFrame({
        "order_id": oid[lo], "line_id": np.char.add("L", (lidx + 1).astype(str)),
        "sku": np.char.add("SKU-", rng.integers(10000, 99999, size=lo.size).astype(str)),
        "quantity": rng.choice([1, 1, 1, 2, 3], size=lo.size), "node_id": node_ids[lnode],
        "promised_from_stock": from_stock,
        "line_outcome": _opt(outcome.astype(str), known_outcome),
        "outcome_at": ts(outcome_at), "shipment_id": line_sid,
    })
    # fulfilled is known when its shipment is labelled
    order_lines = order_lines.with_columns(
        outcome_at=pl.when(pl.col("line_outcome") == "fulfilled").then(None).otherwise(pl.col("outcome_at")))
    order_lines = order_lines.join(shipments.select("shipment_id", "label_created_at"), on="shipment_id", how="left")
    order_lines = order_lines.with_columns(
        line_outcome=pl.when((pl.col("line_outcome") == "fulfilled") & pl.col("label_created_at").is_null())
        .then(None).otherwise(pl.col("line_outcome")),
        outcome_at=pl.coalesce("outcome_at", "label_created_at"),
    ).with_columns(outcome_at=pl.when(pl.col("line_outcome").is_null()).then(None).otherwise(pl.col("outcome_at")))
    order_lines = order_lines.drop("label_created_at")
    # ---- feeds that disagree: PostNational marks parcels delivered into lockers without a delivered scan
    # (12 %), scans some delivered a day or two after the order system did (4 %) and scans a few as moving
    # after delivering them (3 %)
    pick = np.random.default_rng(cfg.seed + 102)
    draw = pick.random(m)
    p_ok = pnl & ~lost
    no_scan, late_scan, moving = p_ok & (draw < 0.12), p_ok & (draw >= 0.12) & (draw < 0.16), p_ok & (draw >= 0.16) & (draw < 0.19)
    keep = ~((e_status == "delivered") & no_scan[e_s])
    e_s, e_status, e_raw, e_at, e_recv = (a[keep] for a in (e_s, e_status, e_raw, e_at, e_recv))
    shift = np.where((e_status == "delivered") & late_scan[e_s], 30 + pick.random(e_s.size) * 20, 0.0)
    e_at, e_recv = e_at + shift, e_recv + shift
    again = sidx[moving]
    back = 6 + pick.random(again.size) * 14
    e_s = np.concatenate([e_s, again])
    e_status = np.concatenate([e_status, np.full(again.size, "in_transit", dtype=object)])
    e_raw = np.concatenate([e_raw, np.full(again.size, "IN_TRANSIT", dtype=object)])
    e_at = np.concatenate([e_at, delivered[again] + back])
    e_recv = np.concatenate([e_recv, delivered[again] + back + 0.5 + pick.random(again.size)])
    evid = np.arange(e_s.size)
    events = pl.DataFrame({
        "event_id": np.char.add("E", np.char.zfill(evid.astype(str), len(str(e_s.size)))),
        "shipment_id": sid[e_s], "status": e_status.astype(str), "event_at": ts(e_at), "received_at": ts(e_recv),
        "location": rng.choice(["Newark NJ", "Reno NV", "Chicago IL", "Atlanta GA", "Dallas TX", "Memphis TN",
                                "Louisville KY", "Denver CO"], size=e_s.size),
        "raw_status": e_raw.astype(str),
    }).filter(pl.col("received_at").is_not_null() & pl.col("event_at").is_not_null()
              & pl.col("shipment_id").is_in(shipments["shipment_id"].implode()))
    exceptions = pl.DataFrame({
        "exception_id": np.char.add("X", np.char.zfill(np.arange(xn).astype(str), width)),
        "order_id": oid[xo], "shipment_id": _opt(sid[np.maximum(xs, 0)], xs >= 0),
        "node_id": node_ids[xnode],
        "carrier_id": _opt(cid[np.maximum(xcar, 0)], xcar >= 0),
        "exception_type": xtype.astype(str), "source": xsource.astype(str), "owner_team": xowner.astype(str),
        "opened_at": ts(xopen), "resolved_at": ts(xres),
    }).filter(pl.col("opened_at").is_not_null())
    exceptions = exceptions.with_columns(shipment_id=pl.when(
        pl.col("shipment_id").is_in(shipments["shipment_id"].implode())).then(pl.col("shipment_id")))
    notifications = pl.DataFrame({
        "notification_id": np.char.add("N", np.char.zfill(np.arange(nn).astype(str), width + 1)),
        "order_id": oid[no_], "shipment_id": _opt(sid[np.maximum(ns_, 0)], ns_ >= 0),
        "notification_type": ntype_.astype(str), "channel": nchan, "sent_at": ts(nsent), "status": nstatus,
    }).filter(pl.col("sent_at").is_not_null()).with_columns(shipment_id=pl.when(
        pl.col("shipment_id").is_in(shipments["shipment_id"].implode())).then(pl.col("shipment_id")))
    contacts = pl.DataFrame({
        "contact_id": np.char.add("CT", np.char.zfill(np.arange(cn).astype(str), width + 1)),
        "order_id": _opt(oid[co], ~unlinked),
        "customer_id": np.char.add("CU", customer[co].astype(str)), "channel": cchan,
        "handled_by": np.where(bot, "bot", "agent"), "reason": creason.astype(str),
        "created_at": ts(ct), "resolved_at": ts(cres),
        "csat_score": _opt(csat, rated & np.isfinite(cres) & (cres <= H)).cast(pl.Int64),
    }).filter(pl.col("created_at").is_not_null()).sort("created_at")
    return {
        "nodes": nodes, "carriers": carriers, "orders": orders.select(_names("orders")),
        "order_lines": order_lines.select(_names("order_lines")), "shipments": shipments,
        "tracking_events": events, "exceptions": exceptions, "notifications": notifications, "contacts": contacts,
    }


def _opt(values: np.ndarray, mask: np.ndarray) -> pl.Series:
    """``values`` where ``mask`` holds, null elsewhere."""
    return pl.select(pl.when(pl.Series(mask)).then(pl.Series(values))).to_series()


def _names(table: str) -> list[str]:
    return TABLES[table].names


def render(frames: dict[str, pl.DataFrame], seed: int) -> dict[str, pl.DataFrame]:
    """Text as the files hold it: most timestamps in Z, some at other offsets, a few scans
    from a feed that drops the offset (a warning, read as UTC)."""
    rng = np.random.default_rng(seed + 1)
    out = {}
    for name, df in frames.items():
        cols = []
        pick = pl.Series(rng.choice(len(OFFSETS), size=df.height, p=[0.7, 0.1, 0.06, 0.08, 0.04, 0.02]))
        naive = pl.Series(rng.random(df.height) < (0.0005 if name == "tracking_events" else 0.0))
        for c in TABLES[name].columns:
            col = pl.col(c.name)
            if c.kind == "timestamp":
                shifted = pl.lit(None, pl.String)
                for i, off in enumerate(OFFSETS):
                    if off == "Z":
                        txt = col.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
                    else:
                        sign = -1 if off[0] == "-" else 1
                        hh, mm = int(off[1:3]), int(off[4:6])
                        local = col.dt.offset_by(f"{sign * (hh * 60 + mm)}m")
                        txt = local.dt.strftime("%Y-%m-%dT%H:%M:%S") + pl.lit(off)
                    shifted = pl.when(pick == i).then(txt).otherwise(shifted)
                shifted = pl.when(naive).then(col.dt.strftime("%Y-%m-%dT%H:%M:%S")).otherwise(shifted)
                cols.append(pl.when(col.is_null()).then(None).otherwise(shifted).alias(c.name))
            else:
                cols.append(col)
        out[name] = df.select(cols)
    return out


def write(frames: dict[str, pl.DataFrame], out: Path, fmt: str = "csv", seed: int = 7) -> list[Path]:
    """Write the tables as ``<table>.csv`` (text as rendered) or ``<table>.parquet`` (typed)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for stale in out.glob("*.*"):
        if stale.suffix in (".csv", ".parquet") and stale.stem in frames:
            stale.unlink()
    if fmt == "parquet":
        for name, df in frames.items():
            paths.append(out / f"{name}.parquet")
            df.write_parquet(paths[-1])
        return paths
    for name, df in render(frames, seed).items():
        paths.append(out / f"{name}.csv")
        df.write_csv(paths[-1])
    return paths


# when a row first arrives, and the columns it gains later (a row that arrived before them holds them empty)
ARRIVES = {"orders": "placed_at", "order_lines": None, "shipments": "label_created_at",
           "tracking_events": "received_at", "exceptions": "opened_at", "notifications": "sent_at",
           "contacts": "created_at"}
LATER = {"orders": ("cancelled_at",), "shipments": ("shipped_at", "delivered_at"),
         "order_lines": ("line_outcome", "outcome_at"), "exceptions": ("resolved_at",), "contacts": ("resolved_at",)}
LATE_OK = ("tracking_events", "contacts", "notifications", "exceptions")  # no other row refers to them


def split(frames: dict[str, pl.DataFrame], at: dt.datetime, late: float = 0.0, late_days: float = 3.0,
          seed: int = 0) -> tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]]:
    """The data as two extracts, the way a daily load arrives: the *base* (every row that had arrived by
    ``at``, as it stood then: a shipment not yet delivered, an exception not yet resolved, a line without
    its outcome) and the *delta* (the rows new since, and those that changed since, as they stand now).
    ``late``: the share of the tracking scans, exceptions, notifications and contacts of the ``late_days``
    before ``at`` held back from the base although they had happened (a feed that delivers late). Every
    reference holds in the base alone."""
    labels = frames["shipments"].select("shipment_id", label="label_created_at")
    placed = frames["orders"].select("order_id", placed="placed_at")
    base = {t: frames[t] for t in ("nodes", "carriers")}
    delta = {t: frames[t].clear() for t in ("nodes", "carriers")}
    for table, col in ARRIVES.items():
        df = frames[table]
        if col is None:  # a line arrives with its order, and names its shipment once that exists
            arrival = df.join(placed, on="order_id", how="left", maintain_order="left")["placed"]
        elif "shipment_id" in df.columns and table != "shipments":
            arrival = (df.join(labels, on="shipment_id", how="left", maintain_order="left")
                       .select(pl.max_horizontal(col, "label"))).to_series()
        else:
            arrival = df[col]
        arrived = (arrival <= at).fill_null(False)
        if table in LATE_OK and late > 0:
            recent = (arrival > at - dt.timedelta(days=late_days)).fill_null(False)
            held = pl.Series(range(df.height)).shuffle(seed=seed) < int(df.height * late)
            arrived = arrived & ~(held & recent)
        as_then = [pl.when(pl.col("outcome_at" if c == "line_outcome" else c) <= at).then(pl.col(c)).alias(c)
                   for c in LATER.get(table, ())]
        if table == "order_lines":
            shipped = labels.filter(pl.col("label") <= at)["shipment_id"].implode()
            as_then.append(pl.when(pl.col("shipment_id").is_in(shipped)).then(pl.col("shipment_id"))
                           .alias("shipment_id"))
        then = df.filter(arrived).with_columns(as_then)
        base[table] = then
        delta[table] = df.join(then, on=list(df.columns), how="anti", nulls_equal=True, maintain_order="left")
    return base, delta
