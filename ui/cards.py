"""Cards for the governance workspace: a status colour and word on each, the full text wrapped (questions and
controls are sentences, not cells). Larger type in meeting mode. Text from data or users is escaped."""

from __future__ import annotations

import html

from metrics.catalogue import STATUS_COLOUR

MARK = {"green": "●", "amber": "▲", "red": "■", "none": "○"}

CSS = """
<style>
.gv-list { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 440px), 1fr)); gap: 0.7rem; }
.gv { border: 1px solid var(--gv-c); border-left: 6px solid var(--gv-c); border-radius: 0.5rem; padding: 0.55rem 0.8rem;
      background: color-mix(in srgb, var(--gv-c) 8%, transparent); display: flex; flex-direction: column; gap: 0.3rem; }
.gv-head { display: flex; justify-content: space-between; align-items: baseline; gap: 0.6rem; }
.gv-title { font-weight: 650; font-size: 0.98rem; line-height: 1.3; }
.gv-pill { background: var(--gv-c); color: #111; border-radius: 1rem; padding: 0.05rem 0.55rem; font-size: 0.78rem;
           font-weight: 700; white-space: nowrap; }
.gv-line { font-size: 0.86rem; line-height: 1.35; }
.gv-line b { font-weight: 650; }
.gv-flag { font-weight: 700; color: #D55E00; }
.gv-big .gv-list { grid-template-columns: 1fr; }
.gv-big .gv-title { font-size: 1.35rem; } .gv-big .gv-line { font-size: 1.15rem; } .gv-big .gv-pill { font-size: 1rem; }
</style>
"""


def card(title: str, status: str, word: str, lines: list[tuple[str, str]], flag: str = "") -> str:
    """One card: ``lines`` are (label, text) pairs ('' label: the text alone)."""
    body = "".join(f'<div class="gv-line">{f"<b>{html.escape(label)}:</b> " if label else ""}{html.escape(text)}</div>'
                   for label, text in lines if text)
    return (f'<section class="gv" data-status="{status}" style="--gv-c:{STATUS_COLOUR[status]}">'
            f'<div class="gv-head"><span class="gv-title">{html.escape(title)}</span>'
            f'<span class="gv-pill">{MARK[status]} {html.escape(word)}</span></div>'
            + (f'<div class="gv-line gv-flag">⚠ {html.escape(flag)}</div>' if flag else "") + body + "</section>")


def cards(items: list[str], big: bool = False) -> str:
    return CSS + f'<div class="{"gv-big" if big else ""}"><div class="gv-list">' + "".join(items) + "</div></div>"
