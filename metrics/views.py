"""What the dashboard pages, the brief and alerts show, shaped here from frames so that pages are layout
only. Pure: frames in, frames (or small records) out; the services read the store and hand the frames
over (services/figures.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from core.contract import POST_PURCHASE_REASONS, TABLES
from core.words import WORDS, word
from metrics.catalogue import STATUS_WORD, UNIT_SUFFIX, Kpi, Target, Thresholds, load_catalogue, load_rules
from metrics.context import UNASSIGNED, UNATTRIBUTED
from metrics.costs import Costs, priced
from metrics.signal import Signal, interval, judge

KPI_IDS = [k.id for k in load_catalogue().kpis if k.number]  # the eight, in the spec's order
CAUSE_ORDER = load_rules().display_order
CAUSE_LABELS = load_rules().labels
NO_DIMENSION = (UNATTRIBUTED, UNASSIGNED)  # a unit with no order; an order with no shipment yet: nobody to manage


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
    compare: str = "prev"  # what a period is compared with (COMPARISONS)

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


# ---- KPI figures ----------------------------------------------------------------------------------


def select_figures(rows: pl.DataFrame, kpis: list[str], view: View, values: list[str] | None = None) -> pl.DataFrame:
    """Figures rows (``kpi_cube`` of one grain and dimension) of the KPIs, within the view's period range
    (and of ``values`` of the dimension), sorted."""
    df = rows.filter(pl.col("kpi").is_in(kpis))
    if values:
        df = df.filter(pl.col("dimension_value").is_in(values))
    if view.start:
        df = df.filter(pl.col("period_start") >= view.start)
    if view.end:
        df = df.filter(pl.col("period_start") <= view.end)
    return df.with_columns(pl.col("numerator").cast(pl.Float64), pl.col("denominator").cast(pl.Float64),
                           pl.col("value").cast(pl.Float64)).sort("kpi", "dimension_value", "period_start")


def without_inputs(df: pl.DataFrame, missing: dict[str, tuple[str, ...]]) -> pl.DataFrame:
    """The figures with no value for the KPIs whose inputs are missing (``missing``: KPI id → what it lacks):
    a 0 % activation with no carrier scan loaded is an artefact, shown as "no data", never coloured."""
    gone = sorted(k for k, lacks in missing.items() if lacks)
    if not gone or df.height == 0:
        return df
    return df.with_columns(value=pl.when(pl.col("kpi").is_in(gone)).then(pl.lit(None, pl.Float64))
                           .otherwise(pl.col("value")))


def needs_words(needs: tuple[str, ...]) -> str:
    """What a KPI lacks, in words: "no carrier milestone scans (tracking_events)", "no csat_score in contacts"."""
    parts = []
    for need in needs:
        table, _, column = need.partition(".")
        parts.append(f"no {column} in {table}" if column else f"no {TABLES[table].description} ({table})")
    return "; ".join(parts)


def coverage_matrix(missing: dict[str, tuple[str, ...]]) -> pl.DataFrame:
    """KPI × input: "yes" where the store has the input, "missing" where it lacks it, empty where the KPI does
    not need it; the eight KPIs first, in the spec's order, then the supporting measures."""
    kpis = [k for k in load_catalogue().kpis if k.needs]
    kpis.sort(key=lambda k: (k.number is None, k.number or 0))
    inputs = sorted({n for k in kpis for n in k.needs}, key=lambda n: (n.partition(".")[0], n))
    rows = [{"KPI": k.title, "figure": "no data" if missing.get(k.id) else "measured",
             "what is missing": needs_words(missing[k.id]) if missing.get(k.id) else "",
             **{n: ("missing" if n in missing.get(k.id, ()) else "yes") if n in k.needs else "" for n in inputs}}
            for k in kpis]
    return pl.DataFrame(rows, schema={"KPI": pl.String, "figure": pl.String, "what is missing": pl.String,
                                      **{n: pl.String for n in inputs}})


def period_end(start: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return start + dt.timedelta(days=1)
    if grain == "week":
        return start + dt.timedelta(days=7)
    return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def reporting_period(figures: pl.DataFrame, grain: str, as_of: dt.datetime | None) -> dt.date | None:
    """The newest complete period (its end at or before as-of) among the figures' periods, else the newest."""
    periods = figures["period_start"].unique().sort().to_list()
    if not periods:
        return None
    if as_of:
        done = [p for p in periods if period_end(p, grain) <= as_of.date()]
        if done:
            periods = done
    last: dt.date = periods[-1]
    return last


# ---- comparison periods -----------------------------------------------------------------------------

COMPARISONS = {"prev": "the period before", "4": "the 4 periods before", "yoy": "the same period a year before"}


def shift(period: dt.date, grain: str, n: int) -> dt.date:
    """The start of the period ``n`` periods after ``period`` (before, for negative ``n``)."""
    if grain == "day":
        return period + dt.timedelta(days=n)
    if grain == "week":
        return period + dt.timedelta(weeks=n)
    months = period.year * 12 + period.month - 1 + n
    return dt.date(months // 12, months % 12 + 1, 1)


def capital(text: str) -> str:
    """The first letter upper case, the rest as written ("week of 29 Dec" → "Week of 29 Dec")."""
    return text[:1].upper() + text[1:]


def period_words(period: dt.date, grain: str) -> str:
    """How a period reads: "week of 29 Dec 2025", "December 2025", "Mon 29 Dec 2025"."""
    if grain == "week":
        return f"week of {period:%-d %b %Y}"
    if grain == "month":
        return f"{period:%B %Y}"
    return f"{period:%a %-d %b %Y}"


@dataclass(frozen=True)
class Window:
    """The periods a value is compared with: period starts ``first`` to ``last``, inclusive."""

    first: dt.date
    last: dt.date
    grain: str
    mode: str

    @property
    def words(self) -> str:
        if self.first == self.last:
            return period_words(self.first, self.grain)
        unit = {"day": "days", "week": "weeks", "month": "months"}[self.grain]
        if self.grain == "month":
            return f"{unit} {self.first:%b %Y} – {self.last:%b %Y}"
        return f"{unit} of {self.first:%-d %b} – {self.last:%-d %b %Y}"


def comparison(period: dt.date, grain: str, mode: str = "prev") -> Window:
    """The comparison window of ``period``: the period before, the 4 before, or the same period a year before
    (the same ISO week one year earlier: 52 weeks back; a day: 364 days back, the same weekday)."""
    if mode == "prev":
        p = shift(period, grain, -1)
        return Window(p, p, grain, mode)
    if mode == "4":
        return Window(shift(period, grain, -4), shift(period, grain, -1), grain, mode)
    if mode == "yoy":
        p = shift(period, grain, {"day": -364, "week": -52, "month": -12}[grain])
        return Window(p, p, grain, mode)
    raise ValueError(f"unknown comparison {mode!r} ({', '.join(COMPARISONS)})")


def window_value(rows: pl.DataFrame, window: Window) -> float | None:
    """One KPI's value over a window: numerators and denominators summed first, divided last (a snapshot KPI:
    the mean over the window's snapshots, weighted by their counts); None without a denominator."""
    w = rows.filter((pl.col("period_start") >= window.first) & (pl.col("period_start") <= window.last))
    den = float(w["denominator"].sum()) if w.height else 0.0
    return float(w["numerator"].sum()) / den if den else None


# ---- tiles ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    kpi: Kpi
    target: Target  # in force: the catalogue default or the newest governed one
    period: dt.date | None  # the period the value is for (the newest with a value, up to the reporting one)
    value: float | None
    status: str
    numerator: float | None
    denominator: float | None
    spark: list[float | None]  # the last periods' values, oldest first
    window: Window | None = None  # what the value is compared with
    previous: float | None = None  # the value over that window
    signal: Signal | None = None  # the latest value against the control limits of the periods before it

    @property
    def delta(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def judgement(self) -> str:
        """better / worse / unchanged against the comparison (by which direction is good)."""
        return self.kpi.judge_change(self.delta)

    def delta_text(self) -> str | None:
        """The change with its unit: "+4.99 per 100"."""
        return None if self.delta is None else self.kpi.display_change(self.delta)

    def change_words(self) -> str:
        """The change, its judgement and what it is compared with, in one phrase."""
        if self.window is None:
            return "nothing to compare with"
        if self.delta is None:
            return f"no figure for the {self.window.words} to compare with"
        return f"{self.delta_text()} ({self.judgement}) against the {self.window.words}"


def with_interval(df: pl.DataFrame, kpi: Kpi) -> pl.DataFrame:
    """The figures with the 95 % interval of each period's value (``lo``, ``hi``; null for exception age, whose
    spread the figures do not keep, and for a period with no value)."""
    bounds = [interval(kpi.unit, n, d) if v is not None else None
              for n, d, v in zip(df["numerator"].to_list(), df["denominator"].to_list(), df["value"].to_list(),
                                 strict=True)]
    return df.with_columns(pl.Series("lo", [b[0] if b else None for b in bounds], dtype=pl.Float64),
                           pl.Series("hi", [b[1] if b else None for b in bounds], dtype=pl.Float64))


def row_signals(df: pl.DataFrame, kpi: Kpi, period: dt.date) -> pl.DataFrame:
    """Per dimension value, whether its figure in ``period`` is a significant shift against its own trailing
    periods (metrics/signal.py): dimension_value, signal ('significant shift', 'within normal variation', or
    null with too little history or no figure in the period)."""
    rows = []
    for value, s in df.filter(pl.col("period_start") <= period).sort("period_start").group_by(
            "dimension_value", maintain_order=True):
        if s.height == 0 or s["period_start"][-1] != period or s["value"][-1] is None:
            continue
        verdict = judge(kpi.unit, list(zip(s["numerator"].to_list(), s["denominator"].to_list(),
                                           s["value"].to_list(), strict=True))).verdict
        rows.append({"dimension_value": value[0], "signal": None if verdict == "too little history" else verdict})
    return pl.DataFrame(rows, schema={"dimension_value": pl.String, "signal": pl.String})


def tiles(df: pl.DataFrame, targets: dict[str, Target], period: dt.date | None, kpis: list[str] = KPI_IDS,
          spark: int = 12, grain: str = "week", compare: str = "prev") -> list[Tile]:
    """One tile per KPI from its figures: its value in the reporting period (or the newest period before it
    with a value, e.g. first-contact resolution, which needs the repeat window to pass), status, sparkline,
    and its value over the comparison window of that period."""
    cat = load_catalogue()
    out = []
    for kid in kpis:
        k = cat.kpi(kid)
        s = df.filter(pl.col("kpi") == kid)
        if period is not None:
            s = s.filter(pl.col("period_start") <= period)
        s = s.sort("period_start")
        cur = s.filter(pl.col("value").is_not_null()).tail(1)
        value = cur["value"][0] if cur.height else None
        when = cur["period_start"][0] if cur.height else None
        window = comparison(when, grain, compare) if when is not None else None
        upto = s.filter(pl.col("period_start") <= when) if when is not None else s.clear()
        history = list(zip(upto["numerator"].to_list(), upto["denominator"].to_list(), upto["value"].to_list(),
                           strict=True))
        out.append(Tile(k, targets[kid], when, value, k.status(value, targets[kid]),
                        cur["numerator"][0] if cur.height else None, cur["denominator"][0] if cur.height else None,
                        s.tail(spark)["value"].to_list(), window,
                        window_value(s, window) if window is not None else None,
                        judge(k.unit, history) if value is not None else None))
    return out


def target_preview(tile: Tile, target: Target) -> str:
    """What a new target would do to the tile's status, in words (the figure stays what it is)."""
    k = tile.kpi
    if tile.value is None or tile.period is None:
        return f"{k.title} has no figure yet to judge against the new target."
    now, then = STATUS_WORD[tile.status], STATUS_WORD[k.status(tile.value, target)]
    move = f"would move from {now} to {then}" if now != then else f"would stay {now}"
    sign = "≤" if k.good == "down" else "≥"
    return (f"{k.title} {move} in the period of {tile.period:%-d %b %Y} ({k.display(tile.value)} against "
            f"{sign} {k.display(target.green)}).")


def movers(tile_list: list[Tile], n: int = 3) -> list[Tile]:
    """The KPIs that moved most against their comparison window: significant shifts first (metrics/signal.py),
    then by relative change, biggest first."""
    moved = [t for t in tile_list if t.delta is not None and t.previous and t.judgement != "unchanged"]
    moved.sort(key=lambda t: (not (t.signal and t.signal.significant), -abs((t.delta or 0.0) / (t.previous or 1.0))))
    return moved[:n]


# ---- worst first ---------------------------------------------------------------------------------------


def worst_first(card: pl.DataFrame, dimension: str, kpi: Kpi, target: Target) -> pl.DataFrame:
    """The scorecard's rows ordered by how far each is worse than the KPI's target (worst first; no value
    last; ties by name), with that distance as ``gap``."""
    gaps = pl.Series("gap", [kpi.gap(v, target) for v in card[kpi.id].to_list()], dtype=pl.Float64)
    pseudo = pl.col(dimension).is_in(list(NO_DIMENSION))  # "no order", "not assigned yet": nobody to manage
    return (card.with_columns(gaps, _pseudo=pseudo)
            .sort(["_pseudo", "gap", dimension], descending=[False, True, False], nulls_last=True).drop("_pseudo"))


# ---- freshness -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    """Whether the figures can be trusted now, by the calendar: green, amber (old) or red (refused or
    stale), with the reasons in words."""

    level: str
    reasons: tuple[str, ...] = ()


def _age(now: dt.datetime, then: dt.datetime) -> str:
    hours = (now - then).total_seconds() / 3600
    return f"{hours:.0f} hours ago" if hours < 48 else f"{hours / 24:.0f} days ago"


def freshness(now: dt.datetime, *, as_of: dt.datetime | None, newest_scan: dt.datetime | None,
              landed_at: dt.datetime | None, refused_after_landed: str | None, stale_words: str,
              stale_hours: float) -> Freshness:
    """Red when the newest load was refused (``refused_after_landed``: its id) or the figures miss a load or
    the rules in force (``stale_words``); amber when, by the calendar, the figures' as-of, the newest carrier
    scan or the newest load are older than the governed stale-scan hours."""
    red, amber = [], []
    if refused_after_landed:
        red.append(f"the newest load ({refused_after_landed}) was refused, so nothing of it is in the figures")
    if stale_words:
        red.append(stale_words.removeprefix("Figures are stale: ").rstrip("."))
    limit = dt.timedelta(hours=stale_hours)
    if as_of is not None and now - as_of > limit:
        amber.append(f"the figures are as of {as_of:%-d %b %Y}, {_age(now, as_of)}")
    if newest_scan is not None and now - newest_scan > limit:
        amber.append(f"the newest carrier scan arrived {_age(now, newest_scan)}")
    if landed_at is not None and now - landed_at > limit:
        amber.append(f"the newest load landed {_age(now, landed_at)}")
    if amber:
        amber[-1] += f" (older than {stale_hours:g} h is stale)"
    level = "red" if red else "amber" if amber else "green"
    return Freshness(level, tuple(red + amber))


DEFLECTION_KPIS = ["wismo_contact_rate", "wismo_agent_contact_rate", "avoidable_wismo_rate"]


def deflection(figures: pl.DataFrame) -> pl.DataFrame:
    """All-channel, agent-handled and avoidable WISMO contacts per 100 shipped orders per period."""
    df = figures.filter(pl.col("kpi").is_in(DEFLECTION_KPIS)).with_columns(per_100=pl.col("value") * 100)
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
        value = df[col].mean()
        return float(value) if isinstance(value, (int, float)) else 0.0

    def rel(col: str) -> float:
        b = mean(before, col)
        return (mean(recent, col) - b) / b if b else 0.0

    total, avoid = rel("All channels"), rel("Avoidable")
    share_now = mean(recent, "Agent-handled") / mean(recent, "All channels") if mean(recent, "All channels") else 0
    share_before = (mean(before, "Agent-handled") / mean(before, "All channels")
                    if mean(before, "All channels") else 0)
    bot_gain = share_before - share_now
    span = Window(recent["period_start"][0], recent["period_start"][-1], grain, "4").words
    was = Window(before["period_start"][0], before["period_start"][-1], grain, "4").words
    words = (f"The {span} against the {was}: WISMO contacts per 100 shipped orders {total:+.0%}, avoidable "
             f"{avoid:+.0%}; agents handled {share_now:.0%} of them (was {share_before:.0%}).")
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


def cause_comparison(contacts: pl.DataFrame, this: tuple[dt.datetime, dt.datetime],
                     before: tuple[dt.datetime, dt.datetime], before_periods: int = 1) -> pl.DataFrame:
    """WISMO contacts by cause created in ``this`` window [start, end) and, per period, in ``before`` (a
    window of ``before_periods`` periods): avoidable causes first, most this period first, then true demand
    and unlinked."""
    t = (pl.col("created_at") >= this[0]) & (pl.col("created_at") < this[1])
    b = (pl.col("created_at") >= before[0]) & (pl.col("created_at") < before[1])
    rank = {c: i for i, c in enumerate(CAUSE_ORDER)}
    got = (contacts.group_by("cause").agg(this_period=t.sum().cast(pl.Int64),
                                          comparison=b.sum().cast(pl.Float64) / before_periods)
           .filter((pl.col("this_period") > 0) | (pl.col("comparison") > 0)))
    avoidable = {c.id: c.avoidable for c in load_rules().causes}
    return (got.with_columns(cause_label=pl.col("cause").replace_strict(CAUSE_LABELS, default=pl.col("cause")),
                             avoidable=pl.col("cause").replace_strict(avoidable, default=None,
                                                                      return_dtype=pl.Boolean),
                             change=pl.col("this_period") - pl.col("comparison"),
                             _r=pl.col("cause").replace_strict(rank, default=99, return_dtype=pl.Int64))
            .with_columns(_g=pl.when(pl.col("avoidable")).then(0).when(pl.col("avoidable").not_()).then(1)
                          .otherwise(2))
            .sort(["_g", "this_period", "_r"], descending=[False, True, False])
            .select("cause", "cause_label", "avoidable", "this_period", "comparison", "change"))


def numeric(card: pl.DataFrame, dimension: str, kpis: list[str]) -> pl.DataFrame:
    """A scorecard for download: numbers in the units people read, each column named with its unit
    (``wismo_contact_rate_per_100``, ``inventory_accuracy_pct``, ``exception_age_days_days``), status codes."""
    cat = load_catalogue()
    cols: list[pl.Expr] = [pl.col(dimension)]
    for k in (cat.kpi(i) for i in kpis):
        cols += [(pl.col(k.id) * k.scale).alias(f"{k.id}_{UNIT_SUFFIX[k.unit]}"), pl.col(f"{k.id}__status")
                 .alias(f"{k.id}_status")]
    return card.select(cols)


def start_of(period: dt.date) -> dt.datetime:
    return dt.datetime.combine(period, dt.time(), dt.UTC)


def scorecard(df: pl.DataFrame, targets: dict[str, Target], dimension: str, period: dt.date | None,
              kpis: list[str] | None = None) -> pl.DataFrame:
    """One row per node (or carrier), one column per KPI value in the period, plus a status per KPI."""
    cat = load_catalogue()
    kpis = kpis or KPI_IDS
    df = df.filter(pl.col("kpi").is_in(kpis))
    if period is not None:
        df = df.filter(pl.col("period_start") == period)
    if df.height == 0:
        return pl.DataFrame({dimension: []}, schema={dimension: pl.String})
    wide = df.pivot(on="kpi", index="dimension_value", values="value").rename({"dimension_value": dimension})
    for kid in kpis:
        if kid not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(kid))

    # statuses in Python, not map_elements (Python inside polars' pool deadlocked a busy server)
    statuses = [pl.Series(f"{k}__status", [cat.kpi(k).status(v, targets[k]) for v in wide[k].to_list()],
                          dtype=pl.String) for k in kpis]
    return wide.select(dimension, *kpis).with_columns(statuses).sort(dimension)


def carrier_slas(carriers: pl.DataFrame, governed: dict[str, dict[str, object]], th: Thresholds) -> pl.DataFrame:
    """Each carrier's milestone SLA in force: governed, else the carriers table, else the default."""
    rows = []
    for cid, hours in carriers.select("carrier_id", "activation_sla_hours").iter_rows():
        g = governed.get(cid, {})
        rows.append({"carrier": cid,
                     "activation SLA (h)": g.get("activation_sla_hours") or hours or th.activation_sla_hours,
                     "stale scan (h)": g.get("stale_scan_hours") or th.stale_scan_hours,
                     "escalation": g.get("escalation_contact", "")})
    return pl.DataFrame(rows, schema={"carrier": pl.String, "activation SLA (h)": pl.Float64,
                                      "stale scan (h)": pl.Float64, "escalation": pl.String})


@dataclass(frozen=True)
class Milestones:
    """One carrier's milestone SLA in force and how it did in a period."""

    activation_hours: float
    stale_hours: float
    escalation: str
    late_activations: int | None  # decided orders not activated within the SLA
    decided: int | None
    p50_hours: float | None  # feed latency
    p90_hours: float | None


def milestones(carrier: str, period: dt.date, slas: pl.DataFrame, activation: pl.DataFrame,
               latency: pl.DataFrame) -> Milestones:
    """``slas``: carrier_slas(); ``activation``: tracking-activation figures by carrier; ``latency``: feed
    latency by carrier and period."""
    sla = slas.filter(pl.col("carrier") == carrier)
    act = activation.filter((pl.col("dimension_value") == carrier) & (pl.col("period_start") == period))
    lat = latency.filter((pl.col("carrier_id") == carrier) & (pl.col("period_start") == period))
    return Milestones(
        float(sla["activation SLA (h)"][0]) if sla.height else float("nan"),
        float(sla["stale scan (h)"][0]) if sla.height else float("nan"),
        str(sla["escalation"][0] or "") if sla.height else "",
        int(act["denominator"][0] - act["numerator"][0]) if act.height else None,
        int(act["denominator"][0]) if act.height else None,
        float(lat["p50_hours"][0]) if lat.height else None, float(lat["p90_hours"][0]) if lat.height else None)


def in_periods(df: pl.DataFrame, view: View, col: str = "period_start") -> pl.DataFrame:
    """Rows whose period is within the view's range."""
    if view.start:
        df = df.filter(pl.col(col) >= view.start)
    if view.end:
        df = df.filter(pl.col(col) <= view.end)
    return df


# ---- causes of WISMO contacts ---------------------------------------------------------------------


def cause_contacts(df: pl.DataFrame, view: View) -> pl.DataFrame:
    """The attributed WISMO contacts created in the view's range, with a plain-words cause, sliced by the
    view's node, carrier and sales channel (those of the order, as the figures attribute them)."""
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


def span_words(view: View, contacts: pl.DataFrame) -> str:
    """The periods a list of contacts covers, in words: the view's range, else the contacts' own."""
    first, last = view.start, view.end
    if (first is None or last is None) and contacts.height:
        times = contacts["created_at"].dt.date()
        first = first or reporting_start(min(times.to_list()), view.grain)
        last = last or reporting_start(max(times.to_list()), view.grain)
    if first is None or last is None:
        return "the selected periods"
    return Window(first, last, view.grain, "span").words


def reporting_start(day: dt.date, grain: str) -> dt.date:
    """The start of the period holding ``day``."""
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def pareto(contacts: pl.DataFrame, avoidable_only: bool = False) -> pl.DataFrame:
    """Contacts per cause, most first, with the cumulative share (of the avoidable ones only, when asked:
    the process gaps to close)."""
    if avoidable_only:
        contacts = contacts.filter(pl.col("avoidable").fill_null(False))
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
    df = in_range(facts, "opened_at", view).filter(pl.col("decided"))
    return (df.group_by("exception_type").agg(
        decided=pl.len(), covered=pl.col("covered").sum(), median_hours_to_notice=pl.col("hours_to_notice").median())
        .with_columns(coverage=pl.col("covered") / pl.col("decided")).sort("coverage"))


def uncovered(facts: pl.DataFrame, view: View, limit: int = 200) -> pl.DataFrame:
    return (in_range(facts, "opened_at", view).filter(pl.col("decided") & ~pl.col("covered"))
            .sort("opened_at", descending=True).head(limit)
            .select("exception_id", "order_id", "exception_type", "node_id", "carrier_id", "opened_at",
                    "first_notice_at", "hours_to_notice"))


def in_range(df: pl.DataFrame, col: str, view: View) -> pl.DataFrame:
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


def care_split(contacts: pl.DataFrame, by: str) -> pl.DataFrame:
    """FCR, repeat-or-unresolved and CSAT (post-purchase, 4–5 of 5) by a contact attribute."""
    post = pl.col("reason").is_in(list(POST_PURCHASE_REASONS))
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


def check_summary(results: pl.DataFrame) -> pl.DataFrame:
    """One load's rules by table: rows checked, failing, passed; failures first."""
    if results.height == 0:
        return results.with_columns(passed=pl.lit(None, pl.Boolean))
    return results.with_columns(passed=pl.col("failing_rows") == 0).sort("passed", "severity", "table_name", "rule")


def pass_rates(checks: pl.DataFrame) -> pl.DataFrame:
    """Per table: rules checked, passed, and the share passed in percent."""
    return (checks.group_by("table_name").agg(rules=pl.len(), passed=pl.col("passed").sum())
            .with_columns(pass_rate=pl.col("passed") / pl.col("rules") * 100).sort("table_name"))


# ---- one order --------------------------------------------------------------------------------------


def _words(col: str) -> pl.Expr:
    return pl.col(col).replace_strict(WORDS, default=pl.col(col).cast(pl.String), return_dtype=pl.String)


def order_timeline(out: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """One order's rows, and one time axis of its events in words (``timeline``: at, lane, what)."""
    out = dict(out)
    marks = []

    def add(df: pl.DataFrame, time_col: str, lane: str, label: pl.Expr) -> None:
        if df.height and time_col in df.columns:
            marks.append(df.filter(pl.col(time_col).is_not_null()).select(
                at=pl.col(time_col), lane=pl.lit(lane), what=label.cast(pl.String)))

    o = out["order"]
    add(o, "placed_at", "Order", pl.lit("Placed"))
    add(o, "cancelled_at", "Order", pl.lit("Cancelled"))
    add(pl.DataFrame({"promised_end": [dt.datetime.combine(o["promised_delivery_date"][0] + dt.timedelta(days=1),
                                                           dt.time(), dt.UTC)]}) if o.height else pl.DataFrame(),
        "promised_end", "Order", pl.lit("Promised delivery date ends"))
    add(out["lines"], "outcome_at", "Lines", pl.lit("Line ") + pl.col("line_id") + pl.lit(": ") + _words("line_outcome"))
    s = out["shipments"]
    add(s, "label_created_at", "Shipments", pl.lit("Shipment ") + pl.col("shipment_id") + pl.lit(" labelled"))
    add(s, "shipped_at", "Shipments", pl.lit("Shipment ") + pl.col("shipment_id") + pl.lit(" handed to the carrier"))
    add(s, "delivered_at", "Shipments", pl.lit("Shipment ") + pl.col("shipment_id") + pl.lit(" delivered"))
    scans = out["scans"]
    where = (pl.lit(" (") + pl.col("location") + pl.lit(")")).fill_null("") if "location" in scans.columns else pl.lit("")
    add(scans, "event_at", "Carrier scans", _words("status") + where + pl.lit(" · shipment ") + pl.col("shipment_id"))
    add(out["exceptions"], "opened_at", "Exceptions", _words("exception_type") + pl.lit(" opened"))
    add(out["exceptions"], "resolved_at", "Exceptions", _words("exception_type") + pl.lit(" resolved"))
    add(out["notifications"], "sent_at", "Notifications",
        _words("notification_type") + pl.lit(" by ") + _words("channel") + pl.lit(" (") + _words("status").str.to_lowercase()
        + pl.lit(")"))
    c = out["contacts"]
    if c.height:
        c = c.with_columns(cause_words=pl.col("cause").replace_strict(CAUSE_LABELS, default=None, return_dtype=pl.String))
        add(c, "created_at", "Contacts",
            _words("reason") + pl.lit(" (") + _words("channel").str.to_lowercase() + pl.lit(", ")
            + _words("handled_by").str.to_lowercase() + pl.lit(")")
            + (pl.lit(" — cause: ") + pl.col("cause_words")).fill_null(""))
        out["contacts"] = c
    out["timeline"] = (pl.concat(marks) if marks else pl.DataFrame(
        schema={"at": pl.Datetime("us", "UTC"), "lane": pl.String, "what": pl.String})).sort("at")
    return out


@dataclass(frozen=True)
class OrderSummary:
    """An order as a care agent would read it aloud."""

    status: str
    placed: dt.datetime
    promised: dt.date
    nodes: tuple[str, ...]
    carriers: tuple[str, ...]
    tracking: tuple[str, ...]
    sales_channel: str


def order_summary(rows: dict[str, pl.DataFrame], as_of: dt.datetime, names: dict[str, dict[str, str]]) -> OrderSummary:
    """Where the order stands at as-of, in words: cancelled, delivered, partly delivered, in transit, not shipped
    yet — and late when its promised date has ended before it was complete."""
    o = rows["order"].row(0, named=True)
    ships, lines = rows["shipments"], rows["lines"]
    delivered = ships.filter(pl.col("delivered_at").is_not_null()).height
    shipped = ships.filter(pl.col("shipped_at").is_not_null()).height
    if o["cancelled_at"] is not None:
        status = f"Cancelled on {o['cancelled_at']:%-d %b %Y}"
    elif ships.height and delivered == ships.height:
        last: dt.datetime = max(ships["delivered_at"].to_list())
        late = (last.date() - o["promised_delivery_date"]).days
        status = f"Delivered on {last:%-d %b %Y}" + (f", {late} day{'s' * (late > 1)} after the promised date"
                                                    if late > 0 else "")
    elif delivered:
        status = f"Partly delivered ({delivered} of {ships.height} shipments)"
    elif shipped:
        status = "In transit" + (f" ({shipped} of {ships.height} shipments handed over)" if shipped < ships.height else "")
    elif ships.height:
        status = "Labelled, not handed to a carrier yet"
    else:
        status = "Not shipped yet"
    end = start_of(o["promised_delivery_date"] + dt.timedelta(days=1))
    if o["cancelled_at"] is None and not (ships.height and delivered == ships.height) and as_of >= end:
        status += f" — late: the promised date ({o['promised_delivery_date']:%-d %b}) has passed"
    node_ids = sorted(set(ships["node_id"].to_list()) | set(lines["node_id"].to_list() if lines.height else []))
    return OrderSummary(status, o["placed_at"], o["promised_delivery_date"],
                        tuple(names.get("node", {}).get(n, n) for n in node_ids),
                        tuple(names.get("carrier", {}).get(c, c) for c in sorted(set(ships["carrier_id"].to_list()))),
                        tuple(str(t) for t in ships["tracking_number"].to_list()), word(o["channel"]))


# ---- peak readiness --------------------------------------------------------------------------------


def scenario_rates(contacts: pl.DataFrame, shipped_orders: float, costs: Costs | None = None) -> pl.DataFrame:
    """Per cause: contacts, agent-handled contacts, contacts per shipped order, agent share and the average cost
    of one of its contacts (by each contact's channel and handler; 0 without ``costs``). Pure."""
    if contacts.height == 0 or not shipped_orders:
        return pl.DataFrame(schema={"cause": pl.String, "contacts": pl.Int64, "agent_contacts": pl.Int64,
                                    "per_order": pl.Float64, "agent_share": pl.Float64, "cost_each": pl.Float64})
    rated = priced(contacts, costs) if costs else contacts.with_columns(rate=pl.lit(0.0))
    return (rated.group_by("cause").agg(contacts=pl.len().cast(pl.Int64),
                                        agent_contacts=(pl.col("handled_by") == "agent").sum().cast(pl.Int64),
                                        cost_each=pl.col("rate").mean())
            .with_columns(per_order=pl.col("contacts") / shipped_orders,
                          agent_share=pl.col("agent_contacts") / pl.col("contacts"))
            .sort(["contacts", "cause"], descending=[True, False]))


def scenario(rates: pl.DataFrame, peak_orders: float, handle_minutes: float, close: dict[str, float]) -> pl.DataFrame:
    """Projected WISMO contacts, agent hours and cost by cause for ``peak_orders`` shipped orders, at today's
    rates and average cost per contact, with ``close[cause]`` (0–1) of a cause's contacts removed (e.g. notices
    that close a gap). Pure."""
    closed = pl.col("cause").replace_strict(close, default=0.0, return_dtype=pl.Float64)
    return rates.with_columns(
        projected_contacts=pl.col("per_order") * peak_orders,
        after_fix=pl.col("per_order") * peak_orders * (1 - closed),
    ).with_columns(
        projected_agent_hours=pl.col("projected_contacts") * pl.col("agent_share") * handle_minutes / 60,
        agent_hours_after_fix=pl.col("after_fix") * pl.col("agent_share") * handle_minutes / 60,
        projected_cost=pl.col("projected_contacts") * pl.col("cost_each"),
        cost_after_fix=pl.col("after_fix") * pl.col("cost_each"),
    ).select("cause", "per_order", "agent_share", "projected_contacts", "projected_agent_hours", "after_fix",
             "agent_hours_after_fix", "projected_cost", "cost_after_fix")


# ---- feeds and status messages (issue 20, part 3) ---------------------------------------------------------

SOURCE_WORDS = {"carrier_scan": "the carrier's scans", "warehouse": "the warehouse system",
                "order_system": "the order system"}


def in_period(df: pl.DataFrame, col: str, period: dt.date, grain: str) -> pl.DataFrame:
    """Rows whose ``col`` falls in the period starting ``period``."""
    return df.filter((pl.col(col) >= start_of(period)) & (pl.col(col) < start_of(period_end(period, grain))))


def conflict_counts(conflicts: pl.DataFrame) -> pl.DataFrame:
    """Shipments per kind of feed conflict (a shipment with two kinds counts under each), most first."""
    kinds = conflicts.select(pl.col("kinds").str.split(",")).explode("kinds")
    return (kinds.group_by("kinds").agg(pl.len().alias("shipments")).rename({"kinds": "kind"})
            .sort(["shipments", "kind"], descending=[True, False]))


def conflict_listing(conflicts: pl.DataFrame) -> pl.DataFrame:
    """One row per conflicted shipment with its kinds in words."""
    return conflicts.with_columns(what=pl.col("kinds").str.split(",").list.eval(
        pl.element().replace_strict(WORDS, default=pl.element())).list.join("; "))


def message_listing(checks: pl.DataFrame) -> pl.DataFrame:
    """Each unsupported status message with why, in words: sent before the deciding source recorded the fact
    (and when it did), or never recorded by as-of."""
    source = pl.col("decider").replace_strict(SOURCE_WORDS, default="no trusted source")
    minutes = (pl.col("recorded_at") - pl.col("sent_at")).dt.total_minutes()
    later = (pl.when(minutes < 60).then(pl.concat_str(minutes.cast(pl.String), pl.lit(" min later")))
             .otherwise(pl.concat_str((minutes / 60).round(1).cast(pl.String), pl.lit(" h later"))))
    return checks.with_columns(why=pl.when(pl.col("recorded_at").is_null())
                               .then(pl.concat_str(pl.lit("sent although "), source, pl.lit(" had not recorded it")))
                               .when(pl.col("recorded_at") > pl.col("sent_at"))
                               .then(pl.concat_str(pl.lit("premature: "), source, pl.lit(" recorded it "), later))
                               .otherwise(pl.concat_str(pl.lit("not supported by "), source)))


# ---- communication scenarios (issue 20, part 4) ----------------------------------------------------------


def scenario_matrix(overall: pl.DataFrame, by_dim: pl.DataFrame, targets: dict[str, Target],
                    slice_targets: dict[tuple[str, str, str], Target], dimension: str,
                    missing: frozenset[str] = frozenset()) -> pl.DataFrame:
    """Each scenario's coverage over the figures' periods, overall and per node or carrier: scenario (KPI id),
    dimension_value ('all' first), covered, decided, value, status against the governed target (a slice's
    own target where one is set). A scenario in ``missing`` (its inputs are not loaded) has no value."""
    cat = load_catalogue()
    both = pl.concat([overall.with_columns(dimension_value=pl.lit("all")), by_dim]).select(
        "kpi", "dimension_value", "numerator", "denominator")
    summed = (both.group_by("kpi", "dimension_value").agg(pl.col("numerator").sum().alias("covered"),
                                                          pl.col("denominator").sum().alias("decided"))
              .with_columns(value=pl.when((pl.col("decided") > 0) & ~pl.col("kpi").is_in(list(missing)))
                            .then(pl.col("covered") / pl.col("decided"))))
    order = {k.id: i for i, k in enumerate(cat.scenarios)}
    rows = []
    for r in summed.iter_rows(named=True):
        target = slice_targets.get((r["kpi"], dimension, r["dimension_value"]), targets[r["kpi"]])
        rows.append(r | {"status": cat.kpi(r["kpi"]).status(r["value"], target), "order": order[r["kpi"]],
                         "first": r["dimension_value"] != "all"})
    schema = {"kpi": pl.String, "dimension_value": pl.String, "covered": pl.Float64, "decided": pl.Float64,
              "value": pl.Float64, "status": pl.String, "order": pl.Int64, "first": pl.Boolean}
    out = pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
    return out.sort("order", "first", "dimension_value").drop("order", "first")


def trust_line(kpi: Kpi, value: float | None, target: Target, by: pl.DataFrame, names: dict[str, str]) -> str:
    """One sentence on a feed or message measure for the brief: the value against its target and the worst
    carrier (``by``: dimension_value, value of the period)."""
    if value is None:
        return f"{kpi.title}: no figure for the week."
    sign = "≥" if kpi.good == "up" else "≤"
    worst = by.drop_nulls("value").filter(~pl.col("dimension_value").is_in([UNASSIGNED, UNATTRIBUTED])).sort(
        ["value", "dimension_value"], descending=[kpi.good == "down", False])
    tail = (f"; worst carrier {names.get(worst['dimension_value'][0], worst['dimension_value'][0])} "
            f"{kpi.display(worst['value'][0])}" if worst.height else "")
    return f"{kpi.title}: {kpi.display(value)} (target {sign} {kpi.display(target.green)}){tail}."


def scenario_line(matrix: pl.DataFrame, targets: dict[str, Target]) -> str:
    """The network's communication scenarios off target, worst first, in one sentence (``scenario_matrix``)."""
    cat = load_catalogue()
    net = matrix.filter((pl.col("dimension_value") == "all") & pl.col("value").is_not_null())
    if net.height == 0:
        return "No communication scenario was decided in the week."
    off = net.filter(pl.col("status").is_in(["red", "amber"])).sort("value")
    if off.height == 0:
        return f"Every communication scenario met its target ({net.height} decided)."
    parts = [f"{cat.kpi(r['kpi']).scenario_label.lower()} {cat.kpi(r['kpi']).display(r['value'])} of "
             f"{int(r['decided']):,} (target ≥ {cat.kpi(r['kpi']).display(targets[r['kpi']].green)})"
             for r in off.iter_rows(named=True)]
    return "Communication scenarios below target: " + "; ".join(parts) + "."
