"""Formats users expect, a colour-blind-safe palette, and text that stays text."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import polars as pl

from core.words import WORDS
from metrics.catalogue import Kpi

# Okabe–Ito: distinguishable with the common colour-vision deficiencies
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]
STATUS_ICON = {"green": "●", "amber": "▲", "red": "■", "none": "○"}

_MD = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~$:@])")  # Markdown's own punctuation, escaped
# What GitHub-flavoured Markdown turns into a live link by itself, escapes or not: a bare URL ("://"), "www."
# and an e-mail address ("@"). A word joiner (U+2060, invisible, no width) inside each breaks the pattern.
_AUTOLINK = re.compile(r"(://|(?<![\w.])www\.|@)", re.IGNORECASE)
_JOINER = "\u2060"


def words(col: str) -> pl.Expr:
    """A column of codes as the words people read (core/words.py), computed by polars (no Python per row)."""
    return pl.col(col).replace_strict(WORDS, default=pl.col(col).cast(pl.String).str.replace_all("_", " "),
                                      return_dtype=pl.String)


def md(text: object) -> str:
    """Escape text from data or users before it goes into any Markdown (no links, no HTML, no styling)."""
    unlinked = _AUTOLINK.sub(lambda m: m.group(1)[0] + _JOINER + m.group(1)[1:], str(text))
    return _MD.sub(r"\\\1", unlinked)


def plot_text(col: str) -> pl.Expr:
    """Chart labels: plotly reads a few HTML tags in text; make them inert."""
    return pl.col(col).cast(pl.String).str.replace_all("<", "&lt;", literal=True).str.replace_all(
        ">", "&gt;", literal=True)


def value(kpi: Kpi, v: float | None) -> str:
    return kpi.display(v)


def scale(kpi: Kpi) -> float:
    """Multiplier from the stored ratio to what users read (per 100, percent, days)."""
    return 100.0 if kpi.unit in ("per_100", "percent") else 1.0


def unit_label(kpi: Kpi) -> str:
    return {"per_100": "per 100 shipped orders", "percent": "%", "days": "days"}[kpi.unit]


def spark(kpi: Kpi, values: list[float | None]) -> list[float]:
    """Sparkline points in display units; periods with no value (zero denominator) are skipped."""
    return [v * scale(kpi) for v in values if v is not None]


def each(df: pl.DataFrame, col: str, fn: Callable[[Any], object], name: str | None = None) -> pl.Series:
    """``fn`` of every value of a column, as a text column, computed in Python.

    Not ``map_elements``: that runs Python inside polars' thread pool, which needs the GIL there; with
    many sessions' scripts calling polars at once the server deadlocked (benchmarks/serving.py)."""
    return pl.Series(name or col, [fn(v) for v in df[col].to_list()], dtype=pl.String)
