"""KPI tiles as one HTML grid: status as colour and word, the value with its unit, the target, the change
against a named comparison (coloured by better or worse, not by up or down), a sparkline with the target
line (Tufte), and the drill-downs that mean something for the KPI. Four per row; two on a phone.

Everything from data is escaped (``html.escape``); colours are the Okabe–Ito palette the catalogue names.
"""

from __future__ import annotations

import base64
import html
from urllib.parse import urlencode

from metrics.catalogue import STATUS_COLOUR, STATUS_WORD
from metrics.views import Tile, needs_words

STATUS_MARK = {"green": "●", "amber": "▲", "red": "■", "none": "○"}
JUDGED = {"better": "#009E73", "worse": "#D55E00", "unchanged": "#999999"}

CSS = """
<style>
.wt-grid { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 0.75rem; }
@media (max-width: 900px) { .wt-grid { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0.5rem; } }
.wt { border: 1px solid var(--wt-c); border-left: 6px solid var(--wt-c); border-radius: 0.5rem;
      padding: 0.55rem 0.7rem 0.45rem; background: color-mix(in srgb, var(--wt-c) 9%, transparent);
      display: flex; flex-direction: column; gap: 0.2rem; min-width: 0; }
.wt-title { font-size: 0.86rem; font-weight: 600; line-height: 1.2; }
.wt-row { display: flex; align-items: baseline; justify-content: space-between; gap: 0.4rem; flex-wrap: wrap; }
.wt-value { font-size: 1.75rem; font-weight: 700; line-height: 1.1; }
.wt-value small { font-size: 0.8rem; font-weight: 500; opacity: 0.8; margin-left: 0.15rem; }
.wt-pill { background: var(--wt-c); color: #111; border-radius: 1rem; padding: 0.05rem 0.5rem; font-size: 0.75rem;
           font-weight: 700; white-space: nowrap; }
.wt-sub { font-size: 0.76rem; opacity: 0.85; line-height: 1.25; }
.wt-judge { border-radius: 0.3rem; padding: 0 0.3rem; color: #111; font-weight: 700; }
.wt-spark { width: 100%; height: 34px; display: block; }
.wt-links { font-size: 0.76rem; display: flex; gap: 0.8rem; flex-wrap: wrap; }
.wt-links a { text-decoration: none; }
@media (max-width: 640px) {
  .wt { padding: 0.4rem 0.45rem; } .wt-value { font-size: 1.35rem; } .wt-title { font-size: 0.78rem; }
  .wt-sub, .wt-links { font-size: 0.7rem; } .wt-spark { height: 24px; }
}
</style>
"""


def sparkline(values: list[float | None], target: float, colour: str) -> str:
    """An inline SVG line of the values (display units) with the target as a dashed line and the last point
    marked; gaps where a period has no value."""
    pts = [(i, v) for i, v in enumerate(values) if v is not None]
    if not pts:
        return ""
    lo, hi = min([v for _, v in pts] + [target]), max([v for _, v in pts] + [target])
    span = (hi - lo) or abs(hi) or 1.0
    lo, hi = lo - span * 0.12, hi + span * 0.12
    n = max(len(values) - 1, 1)

    def xy(i: int, v: float) -> str:
        return f"{i / n * 100:.2f},{(1 - (v - lo) / (hi - lo)) * 30 + 2:.2f}"

    line = " ".join(xy(i, v) for i, v in pts)
    ty = (1 - (target - lo) / (hi - lo)) * 30 + 2
    last = pts[-1]
    lx, ly = xy(*last).split(",")
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 34" preserveAspectRatio="none">'
           f'<line x1="0" x2="100" y1="{ty:.2f}" y2="{ty:.2f}" stroke="#8a8a8a" stroke-dasharray="3 2" '
           f'stroke-width="1" vector-effect="non-scaling-stroke"/>'
           f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2" '
           f'vector-effect="non-scaling-stroke"/>'
           f'<circle cx="{lx}" cy="{ly}" r="2.4" fill="{colour}"/></svg>')
    # an image, not inline SVG: the dashboard's HTML sanitiser keeps data-URI images and drops <svg>
    return (f'<img class="wt-spark" alt="the last {len(values)} periods against the target (dashed)" '
            f'src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}">')


def tile(t: Tile, links: list[tuple[str, str]], note: str = "") -> str:
    """One tile. ``links``: (words, URL) drill-downs; ``note``: e.g. that the value is for an earlier period."""
    k, colour = t.kpi, STATUS_COLOUR[t.status]
    number, unit = k.display_parts(t.value)
    sign = "≤" if k.good == "down" else "≥"
    if t.delta is None:
        change = html.escape(t.change_words())
    else:
        judged = t.judgement
        change = (f'{html.escape(t.delta_text() or "")} <span class="wt-judge" style="background:{JUDGED[judged]}">'
                  f'{judged}</span> vs the {html.escape(t.window.words if t.window else "")}')
    sig = t.signal
    if sig is not None and sig.verdict != "too little history":
        words_ = html.escape(sig.verdict)
        change += f' · <strong title="{html.escape(sig.why)}">{words_}</strong>' if sig.significant else f" · {words_}"
    anchors = " ".join(f'<a href="{html.escape(url)}">{html.escape(words)} →</a>'
                       for words, url in links)
    return (f'<section class="wt" data-kpi="{k.id}" data-status="{t.status}" style="--wt-c:{colour}">'
            f'<div class="wt-title">{html.escape(k.title)}</div>'
            f'<div class="wt-row"><span class="wt-value">{html.escape(number)}<small>{html.escape(unit)}</small>'
            f'</span><span class="wt-pill">{STATUS_MARK[t.status]} {STATUS_WORD[t.status]}</span></div>'
            f'<div class="wt-sub">Target {sign} {html.escape(k.display(t.target.green))}'
            f'{" · " + html.escape(note) if note else ""}</div>'
            f'<div class="wt-sub">{change}</div>'
            f'{sparkline([None if v is None else v * k.scale for v in t.spark], t.target.green * k.scale, colour)}'
            f'{f"<div class=wt-links>{anchors}</div>" if anchors else ""}</section>')


def note(t: Tile, missing: dict[str, tuple[str, ...]], earlier: str = "") -> str:
    """A tile's footnote: which input a "no data" figure lacks, or that its value is for an earlier period."""
    if t.status == "none" and missing.get(t.kpi.id):
        return "no data: " + needs_words(missing[t.kpi.id])
    return f"value for the {earlier}" if earlier else ""


def grid(tiles: list[str]) -> str:
    return CSS + '<div class="wt-grid">' + "".join(tiles) + "</div>"


def href(page: str, params: dict[str, str]) -> str:
    """A link to a page of the app with query parameters (relative: it keeps the host and any prefix)."""
    query = urlencode({k: v for k, v in params.items() if v})
    return f"./{page}" + (f"?{query}" if query else "")
