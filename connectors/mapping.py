"""Column mappings: a YAML file per source that turns any CSV/Parquet extract into a contract table.

    table: orders
    file: oms_orders.csv            # the source, relative to the folder being loaded
    columns:
      order_id: Order Number        # a plain rename
      placed_at: {from: Created, format: "%d/%m/%Y %H:%M", timezone: Europe/London}
      channel: {from: Channel, values: {Web: web, App: app}}
      promised_from_stock: {from: In stock, values: {Y: true, N: false}}
      delivery_method: {value: ship}  # a constant

A nullable contract column the mapping does not name is left empty.

A value a ``values`` table does not list, a time that does not fit its ``format``, a zone that does
not exist: each is reported with its row, never guessed. Everything else (types, enums, ranges,
references) is left to the load's own checks, on the mapped rows.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.staging import STAMP, Issue
from core.contract import TABLES
from core.dataset import ROW, FileProblem, Limits, SourceFile, read_raw

TIME_FORMATS = ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M:%S",
                "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%d.%m.%Y %H:%M", "%Y/%m/%d %H:%M:%S"]
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y"]


class ColumnMap(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    source: str | None = Field(default=None, alias="from")
    value: Any = None  # a constant for every row
    format: str | None = None  # strptime format of a timestamp or date
    timezone: str | None = None  # the zone of timestamps written without an offset
    values: dict[str, Any] | None = None  # source value → contract value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        if v is not None:
            ZoneInfo(v)
        return v


class Mapping(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    table: str
    file: str | None = None
    columns: dict[str, ColumnMap]

    @field_validator("table")
    @classmethod
    def _table(cls, v: str) -> str:
        if v not in TABLES:
            raise ValueError(f"{v!r} is not a contract table ({', '.join(sorted(TABLES))})")
        return v

    @field_validator("columns", mode="before")
    @classmethod
    def _shorthand(cls, v: dict) -> dict:
        return {k: {"from": c} if isinstance(c, str) else c for k, c in (v or {}).items()}

    def model_post_init(self, _context: object) -> None:
        unknown = set(self.columns) - set(TABLES[self.table].names)
        if unknown:
            raise ValueError(f"{sorted(unknown)} are not columns of {self.table} ({', '.join(TABLES[self.table].names)})")
        for name, c in self.columns.items():
            if (c.source is None) == (c.value is None):
                raise ValueError(f"{name}: give either 'from' (a source column) or 'value' (a constant)")


def read_mapping(path: Path) -> Mapping:
    try:
        return Mapping.model_validate(yaml.safe_load(path.read_text()))
    except (yaml.YAMLError, ValueError) as err:
        raise ValueError(f"{path}: {err}") from None


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _convert(raw: pl.Series, c: ColumnMap, kind: str) -> tuple[list[str | None], list[tuple[int, str, str]]]:
    """(converted values, [(index, value, problem)])."""
    out: list[str | None] = []
    bad: list[tuple[int, str, str]] = []
    zone = None
    if c.timezone:
        zone = ZoneInfo(c.timezone)
    lookup = {str(k): _text(v) for k, v in (c.values or {}).items()}
    for i, v in enumerate(raw.to_list()):
        if v is None:
            out.append(None)
            continue
        if c.values is not None:
            if v not in lookup:
                bad.append((i, v, f"'{v}' is not in the mapping's values ({', '.join(sorted(lookup))})"))
                out.append(None)
                continue
            v = lookup[v]
        if c.format or (zone and kind == "timestamp"):
            try:
                if kind == "date":
                    out.append(dt.datetime.strptime(v, c.format or "%Y-%m-%d").date().isoformat())
                    continue
                t = dt.datetime.strptime(v, c.format) if c.format else dt.datetime.fromisoformat(v)
            except ValueError:
                bad.append((i, v, f"'{v}' does not fit the format {c.format or 'ISO 8601'}"))
                out.append(None)
                continue
            if t.tzinfo is None:
                t = t.replace(tzinfo=zone or dt.UTC)
            out.append(t.astimezone(dt.UTC).strftime(STAMP.replace("%.f", ".%f")))
            continue
        out.append(v)
    return out, bad


def apply(mapping: Mapping, raw: pl.DataFrame, file: str) -> tuple[pl.DataFrame, list[Issue]]:
    """The contract table (as text, rows in source order) from a source read as text; the issues."""
    table = TABLES[mapping.table]
    kinds = {c.name: c.kind for c in table.columns}
    issues: list[Issue] = []
    rows = raw[ROW].to_list() if ROW in raw.columns else list(range(1, raw.height + 1))
    cols: dict[str, list] = {}
    for name, c in mapping.columns.items():
        if c.source is not None:
            if c.source not in raw.columns:
                issues.append(Issue(file, 0, c.source, "", "missing_source_column",
                                    f"column {c.source!r} (mapped to {name}) is not in the file; it has: "
                                    f"{', '.join(x for x in raw.columns if x != ROW)}"))
                continue
            values, bad = _convert(raw[c.source], c, kinds[name])
            issues += [Issue(file, rows[i], c.source, v, "unmapped_value", f"{name}: {why}") for i, v, why in bad]
            cols[name] = values
        else:
            cols[name] = [_text(c.value)] * raw.height
    for col in table.columns:  # a nullable column the mapping leaves out is empty, not missing
        if col.name not in mapping.columns and (col.nullable or col.optional):
            cols[col.name] = [None] * raw.height
    df = pl.DataFrame({k: pl.Series(k, v, dtype=pl.String) for k, v in cols.items()}, height=raw.height)
    return df.select([col.name for col in table.columns if col.name in df.columns]), issues


def apply_file(mapping: Mapping, path: Path, limits: Limits | None = None) -> tuple[pl.DataFrame, list[Issue]]:
    """The extract at ``path`` mapped to its table; ``limits`` bound what it may expand to (an upload)."""
    src = SourceFile(mapping.table, path, "", 0)
    try:
        raw = read_raw(src, limits)
    except FileProblem as p:
        raise ValueError(f"{path.name} {p.message}") from None
    return apply(mapping, raw, str(path))


# ---- suggest ------------------------------------------------------------------------------------

SYNONYMS = {
    "order_id": ["order number", "order no", "order", "order ref", "order_reference", "ordernumber"],
    "customer_id": ["customer", "customer number", "client id", "buyer id", "requester"],
    "placed_at": ["created", "order date", "ordered at", "created at", "purchase timestamp", "order_purchase_timestamp",
                  "purchased at", "purchase date", "purchased"],
    "promised_delivery_date": ["promise date", "estimated delivery", "eta", "order_estimated_delivery_date",
                               "delivery promise"],
    "delivered_at": ["delivery date", "delivered", "order_delivered_customer_date"],
    "shipped_at": ["ship date", "shipped", "dispatched at", "order_delivered_carrier_date"],
    "tracking_number": ["tracking", "tracking no", "tracking code", "awb"],
    "carrier_id": ["carrier", "courier", "carrier code", "slug"],
    "node_id": ["node", "warehouse", "dc", "fulfillment center", "store", "location id"],
    "created_at": ["created", "opened", "date", "timestamp"],
    "csat_score": ["csat", "satisfaction", "rating", "review_score", "score"],
    "quantity": ["qty", "units", "items", "order_items_qty", "item qty", "quantity ordered", "pieces"],
    "sku": ["product id", "item id", "product code", "article", "ean", "product"],
    "label_created_at": ["label created", "label date", "approved at", "order_aproved_at", "order_approved_at"],
    "line_id": ["line", "line number", "item number", "order_item_id", "position"],
    "cancelled_at": ["canceled at", "cancelled", "cancel date", "cancellation date"],
}
ID_TOKENS = {"id", "key", "number", "no", "nr", "code", "ref", "reference"}  # an id only ever matches one of these


def _id_like(header: str) -> bool:
    words = _norm(header).split()
    return bool(words) and (words[-1] in ID_TOKENS or words[-1].endswith("id"))


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


def _q(text: str) -> str:
    """A YAML scalar that stays the given text."""
    return json.dumps(text, ensure_ascii=False)


def _guess_format(samples: list[str], kind: str) -> str | None:
    formats = DATE_FORMATS + TIME_FORMATS if kind == "date" else TIME_FORMATS
    for f in formats:
        try:
            for s in samples:
                dt.datetime.strptime(s, f)
        except ValueError:
            continue
        return f
    return None


@dataclass
class _Guess:
    """What the suggestion makes of one contract column: its source column (or none), format, zone, value table."""

    column: str
    kind: str
    required: bool
    source: str | None = None
    format: str | None = None
    timezone: str | None = None
    values: dict[str, str | bool] | None = None
    notes: list[str] = field(default_factory=list)


def suggest(path: Path, table: str, sample: int = 500, limits: Limits | None = None, sql: bool = False) -> str:
    """A mapping for ``path`` → ``table`` — YAML, or with ``sql`` a SQL mapping (docs/mappings.md) — from its
    header and its first ``sample`` rows (read no further), for the user to edit. Lines the suggestion is not
    sure of carry a ``check:`` comment."""
    if table not in TABLES:
        raise ValueError(f"{table!r} is not a contract table ({', '.join(sorted(TABLES))})")
    try:
        raw = read_raw(SourceFile(table, path, "", 0), limits, sample=sample).drop(ROW)
    except FileProblem as p:
        raise ValueError(f"{path.name} {p.message}") from None
    guesses, unused = _guess(raw, table)
    return (_as_sql if sql else _as_yaml)(path, table, guesses, unused)


def _guess(head: pl.DataFrame, table: str) -> tuple[list[_Guess], list[str]]:
    headers = list(head.columns)
    by_norm = {_norm(h): h for h in headers}
    used: set[str] = set()
    keys = TABLES[table].key
    key = keys[0] if len(keys) == 1 else None  # `id` stands for a table's own single key, never part of one
    out = []
    for col in TABLES[table].columns:
        g = _Guess(col.name, col.kind, not (col.nullable or col.optional))
        out.append(g)
        candidates = [col.name.replace("_", " "), *SYNONYMS.get(col.name, [])]
        hit = next((by_norm[_norm(c)] for c in candidates if _norm(c) in by_norm and by_norm[_norm(c)] not in used),
                   None)
        sure = hit is not None
        own_key = hit is None and col.name == key and "id" in by_norm and by_norm["id"] not in used
        if own_key:
            hit = by_norm["id"]  # an export's own key column, e.g. `id` of an orders extract is the order id
        is_id = col.name.endswith("_id")
        if hit is None:
            # a fuzzy match only between like kinds: an id never matches a name or a city, nor a value an id
            pool = [n for n in by_norm if by_norm[n] not in used and _id_like(by_norm[n]) == is_id]
            close = difflib.get_close_matches(_norm(col.name), pool, n=1, cutoff=0.75)
            hit = by_norm[close[0]] if close else None
        if hit is None:
            continue
        used.add(hit)
        g.source = hit
        if not sure:
            g.notes.append(f"{hit!r} taken as the {table} key" if own_key else "the name only resembles it")
        samples = [v for v in head[hit].drop_nulls().to_list()][:200]
        if col.kind in ("timestamp", "date") and samples:
            iso = dt.date.fromisoformat if col.kind == "date" else dt.datetime.fromisoformat
            try:
                for v in samples[:50]:
                    iso(v)
            except ValueError:
                g.format = _guess_format(samples, col.kind)
                if g.format is None:
                    g.notes.append(f"values such as {samples[0]!r} fit no known format: add one")
            if col.kind == "timestamp" and not any(re.search(r"(Z|[+-]\d\d:?\d\d)$", v) for v in samples[:50]):
                g.timezone = "UTC"
                g.notes.append("times carry no offset: set their zone")
        if col.values and samples:
            g.values = {}
            for v in sorted(set(samples))[:30]:
                m = difflib.get_close_matches(_norm(v).replace(" ", "_"), list(col.values), n=1, cutoff=0.5)
                g.values[v] = m[0] if m else "?"
                if not m:
                    g.notes.append(f"map {v!r}")
        if col.kind == "bool" and samples:
            truthy = {"1", "y", "yes", "true", "t"}
            g.values = {v: v.lower() in truthy for v in sorted(set(samples))[:6]}
    return out, [h or "(unnamed)" for h in headers if h not in used]


def _as_yaml(path: Path, table: str, guesses: list[_Guess], unused: list[str]) -> str:
    lines = [f"# Suggested by `wismo mapping suggest {path.name} --table {table}`: check every line.",
             f"table: {table}", f"file: {path.name}", "columns:"]
    for g in guesses:
        if g.source is None:
            need = "required; " if g.required else ""
            lines.append(f"  # {g.column}: {{from: ?}}  # {need}no column looks like it: map one or set a value")
            continue
        spec = [f"from: {_q(g.source)}"]
        if g.format:
            spec.append(f'format: "{g.format}"')
        if g.timezone:
            spec.append(f"timezone: {g.timezone}")
        if g.values is not None:
            spec.append("values: {" + ", ".join(
                f"{_q(k)}: {str(v).lower() if isinstance(v, bool) else (_q(v) if v == '?' else v)}"
                for k, v in g.values.items()) + "}")
        comment = f"  # check: {'; '.join(g.notes)}" if g.notes else ""
        lines.append(f"  {g.column}: {{{', '.join(spec)}}}{comment}")
    if unused:
        lines.append(f"# not mapped: {', '.join(unused)}")
    return "\n".join(lines) + "\n"


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _as_sql(path: Path, table: str, guesses: list[_Guess], unused: list[str]) -> str:
    from connectors.sql_mapping import relation

    named = relation(path)
    source = named[0] if named else "extract"
    exprs = []
    for g in guesses:
        if g.source is None:
            need = "required: " if g.required else ""
            exprs.append((f"NULL AS {g.column}", f"{need}no column looks like it"))
            continue
        col = '"' + g.source.replace('"', '""') + '"'
        if g.values is not None:
            cases = " ".join(f"WHEN {_sql_text(k)} THEN "
                             f"{str(v).lower() if isinstance(v, bool) else _sql_text(str(v))}"
                             for k, v in g.values.items())
            expr = f"CASE {col} {cases} END"
        elif g.kind in ("timestamp", "date"):
            parsed = f"strptime({col}, {_sql_text(g.format)})" if g.format else f"{col}::TIMESTAMP"
            if g.kind == "date":
                expr = f"{parsed}::DATE" if g.format else f"{col}::DATE"
            else:
                expr = f"{parsed} AT TIME ZONE {_sql_text(g.timezone)}" if g.timezone else f"{col}::TIMESTAMPTZ"
        else:
            expr = col
        exprs.append((f"{expr} AS {g.column}", "; ".join(g.notes)))
    body = "\n".join(f"       {e}{',' if i < len(exprs) - 1 else ''}" + (f"  -- check: {n}" if n else "")
                     for i, (e, n) in enumerate(exprs))
    lines = [f"-- Suggested by `wismo mapping suggest {path.name} --table {table} --sql`: check every line.",
             f"-- table: {table}", "SELECT " + body.lstrip(), f"FROM {source}"]
    if unused:
        lines.append(f"-- not mapped: {', '.join(unused)}")
    return "\n".join(lines) + "\n"
