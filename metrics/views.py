"""What the dashboard pages draw, shaped here so that pages are layout only.

Reads the materialised figures (``kpi_cube`` and the drill-down facts) and, for a
single order's timeline, the contract tables. Every query takes bound parameters;
no SQL is assembled from values a user chose.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy import text

from metrics.catalogue import Kpi, Target, load_catalogue
from metrics.governed import effective_targets
from store.db import Store

UTC_US = pl.Datetime("us", "UTC")
KPI_IDS = [k.id for k in load_catalogue().kpis if k.number]  # the eight, in the spec's order
CAUSE_ORDER = ["promise_missed", "exception_without_notice", "inventory_without_notice", "split_without_notice",
               "tracking_not_activated", "tracking_stale", "true_demand", "unlinked"]
CAUSE_LABELS = {
    "promise_missed": "Promise missed", "exception_without_notice": "Exception, no notice",
    "inventory_without_notice": "Backorder/substitution, no notice", "split_without_notice": "Split, no notice",
    "tracking_not_activated": "Tracking not activated", "tracking_stale": "Tracking stale",
    "true_demand": "True demand", "unlinked": "Unlinked (no order)",
}


@dataclass(frozen=True)
class View:
    """What the sidebar selects. One slice at a time comes from the cube; node, carrier and channel
    are single choices (None = all)."""

    grain: str = "week"
    start: dt.date | None = None
    end: dt.date | None = None
    node: str | None = None
    carrier: str | None = None
    channel: str | None = None

    @property
    def slice(self) -> tuple[str, str]:
        """(dimension, value) the cube answers for the 'all' figures under the filters."""
        chosen = [(d, v) for d, v in (("node", self.node), ("carrier", self.carrier), ("channel", self.channel)) if v]
        return chosen[0] if chosen else ("all", "all")

    @property
    def ignored(self) -> list[str]:
        """Filters set beyond the first: the cube holds one slice at a time."""
        chosen = [d for d, v in (("node", self.node), ("carrier", self.carrier), ("channel", self.channel)) if v]
        return chosen[1:]


BOOLEANS = {c: pl.Boolean() for c in ("avoidable", "covered", "decided", "fcr_resolved", "promised_from_stock")}


def _sql(store: Store, sql: str, params: dict | None = None, schema: dict | None = None) -> pl.DataFrame:
    with store.engine.connect() as conn:
        result = conn.execute(text(sql), params or {})
        names = list(result.keys())
        rows = result.all()
    df = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None) if rows else pl.DataFrame(
        schema={n: (schema or {}).get(n, pl.String) for n in names})
    from store.bulk import _from_sql

    return _from_sql(df, BOOLEANS | (schema or {}))


# ---- freshness and run facts ----------------------------------------------------------------------


def status(store: Store) -> dict:
    """Last load, open warnings, as-of and rule version of the figures (bookkeeping rows only: cheap)."""
    run = _sql(store, "SELECT run_id, as_of, rule_version, started_at, seconds FROM metric_runs "
                      "ORDER BY started_at DESC LIMIT 1", schema={"as_of": UTC_US, "started_at": UTC_US})
    load = _sql(store, "SELECT load_id, finished_at, status, warnings, blocking_failures FROM load_runs "
                       "ORDER BY finished_at DESC LIMIT 1", schema={"finished_at": UTC_US})
    out: dict = {"run": run.row(0, named=True) if run.height else None,
                 "load": load.row(0, named=True) if load.height else None}
    if out["run"]:
        out["as_of"] = out["run"]["as_of"]
    return out


def newest_scan(store: Store) -> dt.datetime | None:
    """The newest carrier scan received (a scan of every tracking event: 0.65 s at 1M orders on SQLite;
    it changes only with a load, so callers cache it per load)."""
    newest = _sql(store, "SELECT max(received_at) AS newest FROM tracking_events", schema={"newest": UTC_US})
    return newest["newest"][0] if newest.height else None


# ---- KPI figures ----------------------------------------------------------------------------------


def figures(store: Store, kpis: list[str], view: View, dimension: str = "all",
            values: list[str] | None = None) -> pl.DataFrame:
    """Cube rows for the KPIs at the view's grain and period range.

    ``dimension='all'`` honours the view's slice (node, carrier or channel filter);
    ``node`` / ``carrier`` / ``channel`` give every value of that dimension (or ``values``)."""
    dim, val = view.slice if dimension == "all" else (dimension, None)
    sql = ("SELECT kpi, period_start, dimension_value, numerator, denominator, value FROM kpi_cube "
           "WHERE grain = :grain AND dimension = :dim")
    params: dict = {"grain": view.grain, "dim": dim}
    if val:
        sql += " AND dimension_value = :val"
        params["val"] = val
    df = _sql(store, sql, params, {"period_start": pl.Date}).filter(pl.col("kpi").is_in(kpis))
    if values:
        df = df.filter(pl.col("dimension_value").is_in(values))
    if view.start:
        df = df.filter(pl.col("period_start") >= view.start)
    if view.end:
        df = df.filter(pl.col("period_start") <= view.end)
    return df.with_columns(pl.col("numerator").cast(pl.Float64), pl.col("denominator").cast(pl.Float64),
                           pl.col("value").cast(pl.Float64)).sort("kpi", "dimension_value", "period_start")


def period_end(start: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return start + dt.timedelta(days=1)
    if grain == "week":
        return start + dt.timedelta(days=7)
    return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def reporting_period(store: Store, view: View, as_of: dt.datetime | None) -> dt.date | None:
    """The newest complete period (its end at or before as-of) in the view, else the newest one."""
    periods = figures(store, ["wismo_contact_rate"], view)["period_start"].unique().sort().to_list()
    if not periods:
        return None
    if as_of:
        done = [p for p in periods if period_end(p, view.grain) <= as_of.date()]
        if done:
            return done[-1]
    return periods[-1]


@dataclass(frozen=True)
class Tile:
    kpi: Kpi
    target: Target  # in force: the catalogue default or the newest governed one
    period: dt.date | None  # the period the value is for (the newest with a value, up to the reporting one)
    value: float | None
    previous: float | None
    status: str
    numerator: float | None
    denominator: float | None
    spark: list[float | None]

    @property
    def delta(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    def delta_text(self) -> str | None:
        d = self.delta
        if d is None:
            return None
        if self.kpi.unit == "per_100":
            return f"{d * 100:+.2f}"
        if self.kpi.unit == "percent":
            return f"{d * 100:+.1f} pts"
        return f"{d:+.1f} d"


def tiles(store: Store, view: View, period: dt.date | None, kpis: list[str] = KPI_IDS, spark: int = 12) -> list[Tile]:
    """One tile per KPI: its value in the reporting period (or the newest period before it with a value,
    e.g. first-contact resolution, which needs the repeat window to pass), the period before, status, sparkline."""
    cat = load_catalogue()
    targets = effective_targets(store)
    df = figures(store, kpis, view)
    out = []
    for kid in kpis:
        k = cat.kpi(kid)
        s = df.filter(pl.col("kpi") == kid)
        if period is not None:
            s = s.filter(pl.col("period_start") <= period)
        s = s.sort("period_start")
        valued = s.filter(pl.col("value").is_not_null())
        cur = valued.tail(1)
        prev = valued.slice(max(valued.height - 2, 0), 1) if valued.height >= 2 else valued.head(0)
        value = cur["value"][0] if cur.height else None
        out.append(Tile(k, targets[kid], cur["period_start"][0] if cur.height else None, value,
                        prev["value"][0] if prev.height else None, k.status(value, targets[kid]),
                        cur["numerator"][0] if cur.height else None, cur["denominator"][0] if cur.height else None,
                        s.tail(spark)["value"].to_list()))
    return out


def movers(tile_list: list[Tile], n: int = 3) -> list[tuple[Tile, str]]:
    """The KPIs that moved most against their previous period (relative change), with better/worse."""
    moved = []
    for t in tile_list:
        if t.delta is None or not t.previous:
            continue
        rel = t.delta / abs(t.previous)
        worse = rel > 0 if t.kpi.good == "down" else rel < 0
        moved.append((abs(rel), t, "worse" if worse else "better"))
    moved.sort(key=lambda x: -x[0])
    return [(t, w) for _, t, w in moved[:n]]


def deflection(store: Store, view: View) -> pl.DataFrame:
    """All-channel, agent-handled and avoidable WISMO contacts per 100 shipped orders per period."""
    kpis = ["wismo_contact_rate", "wismo_agent_contact_rate", "avoidable_wismo_rate"]
    df = figures(store, kpis, view).with_columns(per_100=pl.col("value") * 100)
    labels = {"wismo_contact_rate": "All channels", "wismo_agent_contact_rate": "Agent-handled",
              "avoidable_wismo_rate": "Avoidable"}
    return df.with_columns(series=pl.col("kpi").replace_strict(labels)).select(
        "period_start", "series", "per_100", "numerator", "denominator").sort("series", "period_start")


def verdict(series: pl.DataFrame, period: dt.date | None, grain: str = "week") -> str:
    """Plain words: is a fall in contacts real reduction, or deflection to automation?

    Compares the mean of the last ``window`` periods (to ``period``) with the ``window`` before:
    real reduction needs avoidable contacts per shipped order to fall; a growing bot share of
    WISMO contacts without that fall is deflection."""
    window = 2 if grain == "month" else 4
    if period is None or series.height == 0:
        return "Not enough history to judge yet."
    wide = (series.filter(pl.col("period_start") <= period)
            .pivot(on="series", index="period_start", values="per_100").sort("period_start"))
    needed = {"All channels", "Agent-handled", "Avoidable"}
    if not needed <= set(wide.columns) or wide.height < 2 * window:
        return "Not enough history to judge yet."
    recent, before = wide.tail(window), wide.slice(wide.height - 2 * window, window)

    def mean(df: pl.DataFrame, col: str) -> float:
        return float(df[col].mean() or 0.0)  # type: ignore[arg-type]

    def rel(col: str) -> float:
        b = mean(before, col)
        return (mean(recent, col) - b) / b if b else 0.0

    total, avoid = rel("All channels"), rel("Avoidable")
    share_now = mean(recent, "Agent-handled") / mean(recent, "All channels") if mean(recent, "All channels") else 0
    share_before = (mean(before, "Agent-handled") / mean(before, "All channels")
                    if mean(before, "All channels") else 0)
    bot_gain = share_before - share_now
    words = (f"Last {window} periods against the {window} before: WISMO contacts per 100 shipped orders "
             f"{total:+.0%}, avoidable {avoid:+.0%}; agents handled {share_now:.0%} of them (was {share_before:.0%}).")
    if total <= -0.05 and avoid <= -0.05:
        return "Real reduction: fewer customers ask, and fewer because of a process gap. " + words
    if bot_gain >= 0.03 and avoid > -0.05:
        return ("Deflection, not reduction: automation takes a growing share of WISMO contacts, "
                "but avoidable contacts have not fallen. " + words)
    if total <= -0.05:
        return "Fewer contacts, but avoidable demand has not fallen with them. " + words
    if total >= 0.05:
        return "WISMO demand is rising. " + words
    return "Stable. " + words


def scorecard(store: Store, view: View, dimension: str, period: dt.date | None,
              kpis: list[str] | None = None) -> pl.DataFrame:
    """One row per node (or carrier), one column per KPI value in the period, plus a status per KPI."""
    cat = load_catalogue()
    kpis = kpis or KPI_IDS
    df = figures(store, kpis, View(grain=view.grain, start=view.start, end=view.end), dimension)
    if period is not None:
        df = df.filter(pl.col("period_start") == period)
    if df.height == 0:
        return pl.DataFrame({dimension: []}, schema={dimension: pl.String})
    wide = df.pivot(on="kpi", index="dimension_value", values="value").rename({"dimension_value": dimension})
    for kid in kpis:
        if kid not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(kid))
    targets = effective_targets(store)

    # statuses in Python, not map_elements (Python inside polars' pool deadlocked a busy server)
    statuses = [pl.Series(f"{k}__status", [cat.kpi(k).status(v, targets[k]) for v in wide[k].to_list()],
                          dtype=pl.String) for k in kpis]
    return wide.select(dimension, *kpis).with_columns(statuses).sort(dimension)


def carrier_slas(store: Store) -> pl.DataFrame:
    """Each carrier's milestone SLA in force: governed, else the carriers table, else the default."""
    from metrics.governed import carrier_slas as governed
    from metrics.governed import effective_rules

    th = effective_rules(store).thresholds
    own = _sql(store, "SELECT carrier_id, activation_sla_hours FROM carriers ORDER BY carrier_id",
               schema={"activation_sla_hours": pl.Float64})
    slas = governed(store)
    rows = []
    for cid, hours in own.iter_rows():
        g = slas.get(cid, {})
        rows.append({"carrier": cid,
                     "activation SLA (h)": g.get("activation_sla_hours") or hours or th.activation_sla_hours,
                     "stale scan (h)": g.get("stale_scan_hours") or th.stale_scan_hours,
                     "escalation": g.get("escalation_contact", "")})
    return pl.DataFrame(rows, schema={"carrier": pl.String, "activation SLA (h)": pl.Float64,
                                      "stale scan (h)": pl.Float64, "escalation": pl.String})


def latency(store: Store, view: View) -> pl.DataFrame:
    df = _sql(store, "SELECT carrier_id, period_start, events, p50_hours, p90_hours FROM carrier_latency "
                     "WHERE grain = :grain", {"grain": view.grain},
              {"period_start": pl.Date, "events": pl.Int64, "p50_hours": pl.Float64, "p90_hours": pl.Float64})
    if view.start:
        df = df.filter(pl.col("period_start") >= view.start)
    if view.end:
        df = df.filter(pl.col("period_start") <= view.end)
    return df.sort("carrier_id", "period_start")


# ---- causes of WISMO contacts ---------------------------------------------------------------------


def cause_contacts(store: Store, view: View, as_of: dt.datetime | None = None) -> pl.DataFrame:
    """Each attributed WISMO contact in the view's range with its cause, channel, handler and order, and
    the order's node, carrier and sales channel as the figures attribute them (written with the causes
    at refresh): the view's filters slice on those, and a caller can slice a cached frame further."""
    sql = ("SELECT c.contact_id, c.order_id, c.created_at, c.channel AS contact_channel, c.handled_by, "
           "k.cause, k.avoidable, k.node, k.carrier, k.channel AS sales_channel FROM contact_causes k "
           "JOIN contacts c ON c.contact_id = k.contact_id")
    df = _sql(store, sql, schema={"created_at": UTC_US})
    if df.height == 0:
        return df.with_columns(cause_label=pl.col("cause"))
    if view.start:
        df = df.filter(pl.col("created_at") >= dt.datetime.combine(view.start, dt.time(), dt.UTC))
    if view.end:
        df = df.filter(pl.col("created_at") < dt.datetime.combine(period_end(view.end, view.grain), dt.time(),
                                                                   dt.UTC))
    df = df.with_columns(cause_label=pl.col("cause").replace_strict(CAUSE_LABELS, default=pl.col("cause")))
    return slice_contacts(df, view)


def slice_contacts(contacts: pl.DataFrame, view: View) -> pl.DataFrame:
    """The contacts of the view's node, carrier and sales channel (each one when chosen)."""
    for col, val in (("sales_channel", view.channel), ("node", view.node), ("carrier", view.carrier)):
        if val:
            contacts = contacts.filter(pl.col(col) == val)
    return contacts


def pareto(contacts: pl.DataFrame) -> pl.DataFrame:
    """Contacts per cause, most first, with the cumulative share."""
    if contacts.height == 0:
        return pl.DataFrame(schema={"cause": pl.String, "cause_label": pl.String, "contacts": pl.UInt32,
                                    "share": pl.Float64, "cumulative": pl.Float64, "avoidable": pl.Boolean})
    df = contacts.group_by("cause", "cause_label").agg(contacts=pl.len(), avoidable=pl.col("avoidable").first())
    df = df.sort(["contacts", "cause"], descending=[True, False])
    return df.with_columns(share=pl.col("contacts") / pl.col("contacts").sum()).with_columns(
        cumulative=pl.col("share").cum_sum())


def cause_trend(contacts: pl.DataFrame, grain: str) -> pl.DataFrame:
    every = {"day": "1d", "week": "1w", "month": "1mo"}[grain]
    return (contacts.with_columns(period_start=pl.col("created_at").dt.truncate(every).dt.date())
            .group_by("period_start", "cause", "cause_label").agg(contacts=pl.len())
            .sort("period_start", "cause"))


def cause_split(contacts: pl.DataFrame, by: str) -> pl.DataFrame:
    """Avoidable share and counts by a contact attribute (contact_channel or handled_by)."""
    linked = contacts.filter(pl.col("cause") != "unlinked")
    return (linked.group_by(by).agg(contacts=pl.len(), avoidable=pl.col("avoidable").sum())
            .with_columns(avoidable_share=pl.col("avoidable") / pl.col("contacts")).sort(by))


def avoidable_split(contacts: pl.DataFrame) -> pl.DataFrame:
    """Avoidable vs true demand vs unlinked counts."""
    kind = (pl.when(pl.col("cause") == "unlinked").then(pl.lit("Unlinked"))
            .when(pl.col("avoidable")).then(pl.lit("Avoidable")).otherwise(pl.lit("True demand")))
    return contacts.group_by(kind.alias("kind")).agg(contacts=pl.len()).sort("kind")


# ---- exceptions and communication ---------------------------------------------------------------------

AGE_BUCKETS = [(0, 1, "< 1 d"), (1, 3, "1–3 d"), (3, 7, "3–7 d"), (7, 10**6, "> 7 d")]


def exception_facts(store: Store) -> pl.DataFrame:
    return _sql(store, "SELECT * FROM exception_facts", schema={
        "opened_at": UTC_US, "resolved_at": UTC_US, "first_notice_at": UTC_US, "hours_to_notice": pl.Float64})


def backlog(facts: pl.DataFrame, as_of: dt.datetime, view: View | None = None) -> pl.DataFrame:
    """Exceptions open at as-of with their age in days and bucket."""
    df = facts.filter((pl.col("opened_at") <= as_of) & pl.col("resolved_at").is_null())
    if view and view.node:
        df = df.filter(pl.col("node_id") == view.node)
    if view and view.carrier:
        df = df.filter(pl.col("carrier_id") == view.carrier)
    age = (pl.lit(as_of) - pl.col("opened_at")).dt.total_seconds() / 86400
    bucket = pl.lit(None, pl.String)
    for lo, hi, label in reversed(AGE_BUCKETS):
        bucket = pl.when((age >= lo) & (age < hi)).then(pl.lit(label)).otherwise(bucket)
    return df.with_columns(age_days=age, bucket=bucket).sort("age_days", descending=True)


def count_by(df: pl.DataFrame, by: str) -> pl.DataFrame:
    return df.group_by(by).agg(count=pl.len()).sort(["count", by], descending=[True, False])


def bucket_counts(open_now: pl.DataFrame) -> pl.DataFrame:
    order = [b[2] for b in AGE_BUCKETS]
    counts = open_now.group_by("bucket").agg(count=pl.len())
    return pl.DataFrame({"bucket": order}).join(counts, on="bucket", how="left").with_columns(
        pl.col("count").fill_null(0))


def coverage_by_type(facts: pl.DataFrame, view: View) -> pl.DataFrame:
    """Notification coverage and median hours to the first notice by exception type."""
    df = _in_range(facts, "opened_at", view).filter(pl.col("decided"))
    return (df.group_by("exception_type").agg(
        decided=pl.len(), covered=pl.col("covered").sum(), median_hours_to_notice=pl.col("hours_to_notice").median())
        .with_columns(coverage=pl.col("covered") / pl.col("decided")).sort("coverage"))


def uncovered(facts: pl.DataFrame, view: View, limit: int = 200) -> pl.DataFrame:
    return (_in_range(facts, "opened_at", view).filter(pl.col("decided") & ~pl.col("covered"))
            .sort("opened_at", descending=True).head(limit)
            .select("exception_id", "order_id", "exception_type", "node_id", "carrier_id", "opened_at",
                    "first_notice_at", "hours_to_notice"))


def _in_range(df: pl.DataFrame, col: str, view: View) -> pl.DataFrame:
    if view.start:
        df = df.filter(pl.col(col) >= dt.datetime.combine(view.start, dt.time(), dt.UTC))
    if view.end:
        df = df.filter(pl.col(col) < dt.datetime.combine(period_end(view.end, view.grain), dt.time(), dt.UTC))
    if view.node and "node_id" in df.columns:
        df = df.filter(pl.col("node_id") == view.node)
    if view.carrier and "carrier_id" in df.columns:
        df = df.filter(pl.col("carrier_id") == view.carrier)
    return df


# ---- customer care ---------------------------------------------------------------------------------


def care_contacts(store: Store, view: View) -> pl.DataFrame:
    sql = ("SELECT c.contact_id, c.order_id, c.channel, c.handled_by, c.reason, c.created_at, c.csat_score, "
           "s.state_at_contact, s.fcr_resolved FROM contacts c JOIN contact_states s ON s.contact_id = c.contact_id")
    return _in_range(_sql(store, sql, schema={"created_at": UTC_US}), "created_at", view)


def care_split(contacts: pl.DataFrame, by: str) -> pl.DataFrame:
    """FCR, repeat-or-unresolved and CSAT (post-purchase, 4–5 of 5) by a contact attribute."""
    post = pl.col("reason").is_in(["order_status", "delivery_issue", "return_refund", "cancel_modify"])
    rated = post & pl.col("csat_score").is_not_null()
    return (contacts.group_by(by).agg(
        contacts=pl.len(), fcr_units=pl.col("fcr_resolved").is_not_null().sum(),
        fcr_resolved=pl.col("fcr_resolved").fill_null(False).sum(),
        rated=rated.sum(), satisfied=(rated & (pl.col("csat_score") >= 4)).sum())
        .with_columns(fcr=pl.when(pl.col("fcr_units") > 0).then(pl.col("fcr_resolved") / pl.col("fcr_units")),
                      repeat_or_unresolved=pl.col("fcr_units") - pl.col("fcr_resolved"),
                      csat=pl.when(pl.col("rated") > 0).then(pl.col("satisfied") / pl.col("rated")))
        .sort(by))


# ---- data quality -----------------------------------------------------------------------------------


def loads(store: Store, limit: int = 50) -> pl.DataFrame:
    return _sql(store, "SELECT load_id, started_at, finished_at, as_of, status, user_name, source, row_counts, "
                       "blocking_failures, warnings FROM load_runs ORDER BY finished_at DESC LIMIT :n",
                {"n": limit}, {"started_at": UTC_US, "finished_at": UTC_US, "as_of": UTC_US})


def check_summary(store: Store, load_id: str | None = None) -> pl.DataFrame:
    """Rules by table for one load (default the newest): rows checked, failing, pass rate."""
    if load_id is None:
        newest = loads(store, 1)
        if newest.height == 0:
            return pl.DataFrame()
        load_id = newest["load_id"][0]
    df = _sql(store, "SELECT table_name, rule, severity, column_name, checked_rows, failing_rows, message "
                     "FROM check_results WHERE load_id = :id", {"id": load_id})
    return df.with_columns(passed=pl.col("failing_rows") == 0).sort("passed", "severity", "table_name", "rule")


def rejected(store: Store, limit: int = 500) -> pl.DataFrame:
    return _sql(store, "SELECT load_id, file, row_number, table_name, column_name, rule, severity, value "
                       "FROM rejected_rows ORDER BY load_id DESC, row_number LIMIT :n", {"n": limit})


# ---- one order --------------------------------------------------------------------------------------


def order_timeline(store: Store, order_id: str) -> dict[str, pl.DataFrame]:
    """Everything about one order, and one time axis of its events."""
    p = {"id": order_id}
    ts_cols = {c: UTC_US for c in ("placed_at", "cancelled_at", "outcome_at", "label_created_at", "shipped_at",
                                   "delivered_at", "event_at", "received_at", "opened_at", "resolved_at", "sent_at",
                                   "created_at")} | {"promised_delivery_date": pl.Date}
    out = {
        "order": _sql(store, "SELECT * FROM orders WHERE order_id = :id", p, ts_cols),
        "lines": _sql(store, "SELECT * FROM order_lines WHERE order_id = :id ORDER BY line_id", p, ts_cols),
        "shipments": _sql(store, "SELECT * FROM shipments WHERE order_id = :id ORDER BY label_created_at", p,
                          ts_cols),
        "scans": _sql(store, "SELECT e.* FROM tracking_events e JOIN shipments s ON s.shipment_id = e.shipment_id "
                             "WHERE s.order_id = :id ORDER BY e.event_at", p, ts_cols),
        "exceptions": _sql(store, "SELECT * FROM exceptions WHERE order_id = :id ORDER BY opened_at", p, ts_cols),
        "notifications": _sql(store, "SELECT * FROM notifications WHERE order_id = :id ORDER BY sent_at", p,
                              ts_cols),
        "contacts": _sql(store, "SELECT c.*, k.cause, k.avoidable FROM contacts c LEFT JOIN contact_causes k "
                                "ON k.contact_id = c.contact_id WHERE c.order_id = :id ORDER BY c.created_at",
                         p, ts_cols),
    }
    marks = []

    def add(df: pl.DataFrame, time_col: str, lane: str, label: pl.Expr) -> None:
        if df.height and time_col in df.columns:
            marks.append(df.filter(pl.col(time_col).is_not_null()).select(
                at=pl.col(time_col), lane=pl.lit(lane), what=label.cast(pl.String)))

    o = out["order"]
    add(o, "placed_at", "Order", pl.lit("placed"))
    add(o, "cancelled_at", "Order", pl.lit("cancelled"))
    add(pl.DataFrame({"promised_end": [dt.datetime.combine(o["promised_delivery_date"][0] + dt.timedelta(days=1),
                                                           dt.time(), dt.UTC)]}) if o.height else pl.DataFrame(),
        "promised_end", "Order", pl.lit("promise date ends"))
    add(out["lines"], "outcome_at", "Lines", pl.col("line_id") + pl.lit(": ") + pl.col("line_outcome"))
    s = out["shipments"]
    add(s, "label_created_at", "Shipments", pl.col("shipment_id") + pl.lit(" labelled"))
    add(s, "shipped_at", "Shipments", pl.col("shipment_id") + pl.lit(" shipped"))
    add(s, "delivered_at", "Shipments", pl.col("shipment_id") + pl.lit(" delivered"))
    add(out["scans"], "event_at", "Carrier scans", pl.col("shipment_id") + pl.lit(": ") + pl.col("status"))
    add(out["exceptions"], "opened_at", "Exceptions", pl.col("exception_type") + pl.lit(" opened"))
    add(out["exceptions"], "resolved_at", "Exceptions", pl.col("exception_type") + pl.lit(" resolved"))
    add(out["notifications"], "sent_at", "Notifications",
        pl.col("notification_type") + pl.lit(" (") + pl.col("status") + pl.lit(")"))
    add(out["contacts"], "created_at", "Contacts",
        pl.col("reason") + pl.lit(" → ") + pl.col("cause").fill_null("—"))
    out["timeline"] = (pl.concat(marks) if marks else pl.DataFrame(schema={"at": UTC_US, "lane": pl.String,
                                                                          "what": pl.String})).sort("at")
    return out


def dimension_values(store: Store) -> dict[str, list[str]]:
    """The values the sidebar offers: nodes, carriers and order channels in the data."""
    return {
        "node": _sql(store, "SELECT node_id FROM nodes ORDER BY node_id")["node_id"].to_list(),
        "carrier": _sql(store, "SELECT carrier_id FROM carriers ORDER BY carrier_id")["carrier_id"].to_list(),
        "channel": _sql(store, "SELECT DISTINCT channel FROM orders ORDER BY channel")["channel"].to_list(),
    }


# ---- peak readiness --------------------------------------------------------------------------------


def cause_rates(store: Store, view: View, as_of: dt.datetime | None, periods: int = 4) -> pl.DataFrame:
    """WISMO contacts per shipped order by cause over the last ``periods`` complete periods, with the
    share handled by agents: the basis of the peak scenario."""
    period = reporting_period(store, view, as_of)
    if period is None:
        return pl.DataFrame(schema={"cause": pl.String, "contacts": pl.Int64, "agent_contacts": pl.Int64,
                                    "per_order": pl.Float64, "agent_share": pl.Float64})
    shipped = figures(store, ["wismo_contact_rate"], View(grain=view.grain)).filter(
        pl.col("period_start") <= period).sort("period_start").tail(periods)
    first = shipped["period_start"].min()
    orders = float(shipped["denominator"].sum())
    contacts = cause_contacts(store, View(grain=view.grain, start=first, end=period))  # type: ignore[arg-type]
    return scenario_rates(contacts, orders)


def scenario_rates(contacts: pl.DataFrame, shipped_orders: float) -> pl.DataFrame:
    """Per cause: contacts, agent-handled contacts, contacts per shipped order, agent share. Pure."""
    if contacts.height == 0 or not shipped_orders:
        return pl.DataFrame(schema={"cause": pl.String, "contacts": pl.Int64, "agent_contacts": pl.Int64,
                                    "per_order": pl.Float64, "agent_share": pl.Float64})
    return (contacts.group_by("cause").agg(contacts=pl.len().cast(pl.Int64),
                                           agent_contacts=(pl.col("handled_by") == "agent").sum().cast(pl.Int64))
            .with_columns(per_order=pl.col("contacts") / shipped_orders,
                          agent_share=pl.col("agent_contacts") / pl.col("contacts"))
            .sort("contacts", descending=True))


def scenario(rates: pl.DataFrame, peak_orders: float, handle_minutes: float, close: dict[str, float]) -> pl.DataFrame:
    """Projected WISMO contacts and agent hours by cause for ``peak_orders`` shipped orders, at today's
    rates, with ``close[cause]`` (0–1) of a cause's contacts removed (e.g. notices that close a gap). Pure."""
    closed = pl.col("cause").replace_strict(close, default=0.0, return_dtype=pl.Float64)
    return rates.with_columns(
        projected_contacts=pl.col("per_order") * peak_orders,
        after_fix=pl.col("per_order") * peak_orders * (1 - closed),
    ).with_columns(
        projected_agent_hours=pl.col("projected_contacts") * pl.col("agent_share") * handle_minutes / 60,
        agent_hours_after_fix=pl.col("after_fix") * pl.col("agent_share") * handle_minutes / 60,
    ).select("cause", "per_order", "agent_share", "projected_contacts", "projected_agent_hours", "after_fix",
             "agent_hours_after_fix")
