"""The brief's charts as PNG images, drawn with matplotlib (no browser, no network).

``matplotlib.figure.Figure`` is used without pyplot: no global state, safe in threads.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure

from metrics.catalogue import STATUS_COLOUR
from reporting.brief import CauseLine

AVOIDABLE, TRUE_DEMAND, MUTED = "#D55E00", "#0072B2", "#BBBBBB"


def _png(fig: Figure, dpi: int = 200) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, transparent=False, facecolor="white")
    return buf.getvalue()


def sparkline(values: list[float], green: float, status: str) -> bytes:
    """Twelve weeks of a KPI in display units, the green target dashed, the newest point in its status colour."""
    fig = Figure(figsize=(1.6, 0.42))
    ax = fig.add_axes((0.02, 0.08, 0.96, 0.84))
    ax.axis("off")
    if values:
        xs = list(range(len(values)))
        ax.plot(xs, values, color="#444444", linewidth=1.1)
        ax.plot(xs[-1:], values[-1:], "o", color=STATUS_COLOUR.get(status, "#999999"), markersize=3.5)
        ax.axhline(green, color=STATUS_COLOUR["green"], linewidth=0.8, linestyle=(0, (2, 2)))
        lo, hi = min([*values, green]), max([*values, green])
        pad = (hi - lo) * 0.15 or abs(hi) * 0.1 or 1.0
        ax.set_ylim(lo - pad, hi + pad)
    return _png(fig)


def cause_bars(causes: list[CauseLine]) -> bytes:
    """WISMO contacts by cause: this week (avoidable orange, true demand blue) beside last week (grey)."""
    rows = list(reversed(causes))
    fig = Figure(figsize=(6.4, 0.32 * max(len(rows), 1) + 0.7))
    ax = fig.add_axes((0.34, 0.16, 0.62, 0.80))
    ys = range(len(rows))
    ax.barh([y + 0.2 for y in ys], [r.last_week for r in rows], height=0.38, color=MUTED, label="before")
    ax.barh([y - 0.2 for y in ys], [r.this_week for r in rows], height=0.38,
            color=[AVOIDABLE if r.avoidable else TRUE_DEMAND for r in rows], label="this week")
    for y, r in zip(ys, rows, strict=True):
        ax.text(r.this_week, y - 0.2, f" {r.this_week:,}", va="center", fontsize=7)
    ax.set_yticks(list(ys), [r.label for r in rows], fontsize=7.5)
    ax.tick_params(axis="x", labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlabel("WISMO contacts", fontsize=7.5)
    return _png(fig)


def backlog_bars(buckets: list[tuple[str, int]]) -> bytes:
    """Open exceptions at as-of by age."""
    fig = Figure(figsize=(3.0, 1.5))
    ax = fig.add_axes((0.14, 0.2, 0.82, 0.72))
    labels = [b for b, _ in buckets]
    counts = [c for _, c in buckets]
    ax.bar(labels, counts, color=["#56B4E9", "#0072B2", "#E69F00", "#D55E00"][: len(labels)])
    for x, c in enumerate(counts):
        ax.text(x, c, f"{c:,}", ha="center", va="bottom", fontsize=7)
    ax.tick_params(labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
