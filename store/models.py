"""SQLAlchemy 2 typed models: the nine contract tables plus the tables loads and metrics need.

Column names and nullability mirror ``core.contract`` (a test holds them together).
Timestamps are stored in UTC.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, Float, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

TS = DateTime(timezone=True)


class Base(DeclarativeBase):
    pass


class Node(Base):
    __tablename__ = "nodes"
    node_id: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String)
    node_type: Mapped[str] = mapped_column(String)
    region: Mapped[str] = mapped_column(String)


class Carrier(Base):
    __tablename__ = "carriers"
    carrier_id: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String)
    activation_sla_hours: Mapped[float | None] = mapped_column(Float)


class Order(Base):
    __tablename__ = "orders"
    order_id: Mapped[str] = mapped_column(String, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String, index=True)
    channel: Mapped[str] = mapped_column(String)
    placed_at: Mapped[dt.datetime] = mapped_column(TS)
    promised_delivery_date: Mapped[dt.date] = mapped_column(Date)
    delivery_method: Mapped[str] = mapped_column(String)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(TS)


class OrderLine(Base):
    __tablename__ = "order_lines"
    order_id: Mapped[str] = mapped_column(String, primary_key=True)
    line_id: Mapped[str] = mapped_column(String, primary_key=True)
    sku: Mapped[str] = mapped_column(String)
    quantity: Mapped[int] = mapped_column(Integer)
    node_id: Mapped[str] = mapped_column(String)
    promised_from_stock: Mapped[bool] = mapped_column(Boolean)
    line_outcome: Mapped[str | None] = mapped_column(String)
    outcome_at: Mapped[dt.datetime | None] = mapped_column(TS)
    shipment_id: Mapped[str | None] = mapped_column(String)


class Shipment(Base):
    __tablename__ = "shipments"
    shipment_id: Mapped[str] = mapped_column(String, primary_key=True)
    order_id: Mapped[str] = mapped_column(String, index=True)
    node_id: Mapped[str] = mapped_column(String)
    carrier_id: Mapped[str] = mapped_column(String)
    service_level: Mapped[str] = mapped_column(String)
    tracking_number: Mapped[str] = mapped_column(String)
    label_created_at: Mapped[dt.datetime] = mapped_column(TS)
    shipped_at: Mapped[dt.datetime | None] = mapped_column(TS)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(TS)


class TrackingEvent(Base):
    __tablename__ = "tracking_events"
    event_id: Mapped[str] = mapped_column(String, primary_key=True)
    shipment_id: Mapped[str] = mapped_column(String, index=True)
    status: Mapped[str] = mapped_column(String)
    event_at: Mapped[dt.datetime] = mapped_column(TS)
    received_at: Mapped[dt.datetime] = mapped_column(TS)
    location: Mapped[str | None] = mapped_column(String)
    raw_status: Mapped[str | None] = mapped_column(String)


class Exception_(Base):
    __tablename__ = "exceptions"
    exception_id: Mapped[str] = mapped_column(String, primary_key=True)
    order_id: Mapped[str] = mapped_column(String, index=True)
    shipment_id: Mapped[str | None] = mapped_column(String)
    node_id: Mapped[str] = mapped_column(String)
    carrier_id: Mapped[str | None] = mapped_column(String)
    exception_type: Mapped[str] = mapped_column(String)
    source: Mapped[str] = mapped_column(String)
    owner_team: Mapped[str] = mapped_column(String)
    opened_at: Mapped[dt.datetime] = mapped_column(TS)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(TS)


class Notification(Base):
    __tablename__ = "notifications"
    notification_id: Mapped[str] = mapped_column(String, primary_key=True)
    order_id: Mapped[str] = mapped_column(String, index=True)
    shipment_id: Mapped[str | None] = mapped_column(String)
    notification_type: Mapped[str] = mapped_column(String)
    channel: Mapped[str] = mapped_column(String)
    sent_at: Mapped[dt.datetime] = mapped_column(TS)
    status: Mapped[str] = mapped_column(String)


class Contact(Base):
    __tablename__ = "contacts"
    contact_id: Mapped[str] = mapped_column(String, primary_key=True)
    order_id: Mapped[str | None] = mapped_column(String, index=True)
    customer_id: Mapped[str] = mapped_column(String)
    channel: Mapped[str] = mapped_column(String)
    handled_by: Mapped[str] = mapped_column(String)
    reason: Mapped[str] = mapped_column(String)
    created_at: Mapped[dt.datetime] = mapped_column(TS)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(TS)
    csat_score: Mapped[int | None] = mapped_column(Integer)


# --- bookkeeping of loads -------------------------------------------------------------


class LoadRun(Base):
    """One attempt to load a folder: landed or refused, with files, checksums and counts."""

    __tablename__ = "load_runs"
    load_id: Mapped[str] = mapped_column(String, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(TS)
    finished_at: Mapped[dt.datetime] = mapped_column(TS)
    as_of: Mapped[dt.datetime] = mapped_column(TS)
    status: Mapped[str] = mapped_column(String)  # landed | refused
    user_name: Mapped[str] = mapped_column(String)
    source: Mapped[str] = mapped_column(Text)
    files: Mapped[str] = mapped_column(Text)  # JSON: [{file, table, sha256, rows}]
    row_counts: Mapped[str] = mapped_column(Text)  # JSON: {table: rows written}
    blocking_failures: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[int] = mapped_column(Integer)
    # what a landed load touched, for an incremental refresh (services/refresh.py): "orders" (the families it
    # wrote are in load_touches), "all" (too many, or the nodes or carriers: the next refresh is full); NULL
    # for a refused load or one landed before this was recorded
    scope: Mapped[str | None] = mapped_column(String)
    touched_from: Mapped[dt.datetime | None] = mapped_column(TS)  # the earliest timestamp in the rows it wrote
    # the newest carrier scan (received_at) among the tracking events it wrote: the store's newest scan is the
    # newest of these, without a scan of every tracking event
    newest_scan: Mapped[dt.datetime | None] = mapped_column(TS)


class LoadTouch(Base):
    """An order (or a shipment, for tracking events) whose rows a landed load wrote."""

    __tablename__ = "load_touches"
    load_id: Mapped[str] = mapped_column(String, primary_key=True)
    kind: Mapped[str] = mapped_column(String, primary_key=True)  # order | shipment
    key: Mapped[str] = mapped_column(String, primary_key=True)


class CheckResult(Base):
    """The outcome of one rule on one table in one load (passed rules are recorded too)."""

    __tablename__ = "check_results"
    id: Mapped[str] = mapped_column(String, primary_key=True)  # load_id:table:rule:column
    load_id: Mapped[str] = mapped_column(String, index=True)
    table_name: Mapped[str] = mapped_column(String)
    rule: Mapped[str] = mapped_column(String)
    severity: Mapped[str] = mapped_column(String)  # blocking | warning
    column_name: Mapped[str] = mapped_column(String)
    checked_rows: Mapped[int] = mapped_column(Integer)
    failing_rows: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)


class RejectedRow(Base):
    """A row that failed a rule: file, row (1-based data row, header excluded), column and value."""

    __tablename__ = "rejected_rows"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    load_id: Mapped[str] = mapped_column(String, index=True)
    file: Mapped[str] = mapped_column(Text)
    row_number: Mapped[int] = mapped_column(Integer)
    table_name: Mapped[str] = mapped_column(String)
    column_name: Mapped[str] = mapped_column(String)
    rule: Mapped[str] = mapped_column(String)
    severity: Mapped[str] = mapped_column(String)
    value: Mapped[str | None] = mapped_column(Text)


Index("ix_contacts_customer", Contact.customer_id)
Index("ix_exceptions_opened", Exception_.opened_at)

CONTRACT_MODELS: dict[str, type[Base]] = {
    m.__tablename__: m
    for m in (Node, Carrier, Order, OrderLine, Shipment, TrackingEvent, Exception_, Notification, Contact)
}


# --- materialised figures (written by `wismo refresh`) ------------------------------------------


class KpiFigure(Base):
    """One KPI for one grain, cut, dimension value and period: its parts and their ratio."""

    __tablename__ = "kpi_cube"
    kpi: Mapped[str] = mapped_column(String, primary_key=True)
    grain: Mapped[str] = mapped_column(String, primary_key=True)
    dimension: Mapped[str] = mapped_column(String, primary_key=True)
    dimension_value: Mapped[str] = mapped_column(String, primary_key=True)
    period_start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    numerator: Mapped[float] = mapped_column(Float)
    denominator: Mapped[float] = mapped_column(Float)
    value: Mapped[float | None] = mapped_column(Float)
    run_id: Mapped[str] = mapped_column(String)


class ContactCause(Base):
    """The attributed cause of each WISMO contact, as of the refresh."""

    __tablename__ = "contact_causes"
    contact_id: Mapped[str] = mapped_column(String, primary_key=True)
    cause: Mapped[str] = mapped_column(String, index=True)
    avoidable: Mapped[bool | None] = mapped_column(Boolean)
    # the contact's order as the figures attribute it (primary shipment's node and carrier, sales
    # channel): drill-downs slice contacts without joining orders and shipments again
    node: Mapped[str | None] = mapped_column(String)
    carrier: Mapped[str | None] = mapped_column(String)
    channel: Mapped[str | None] = mapped_column(String)
    run_id: Mapped[str] = mapped_column(String)


class MetricRun(Base):
    """One refresh: the as-of and rule version that produced the figures, and how long it took."""

    __tablename__ = "metric_runs"
    run_id: Mapped[str] = mapped_column(String, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(TS)
    seconds: Mapped[float] = mapped_column(Float)
    as_of: Mapped[dt.datetime] = mapped_column(TS)
    rule_version: Mapped[str] = mapped_column(String)
    engine: Mapped[str] = mapped_column(String)
    figures: Mapped[int] = mapped_column(Integer)
    causes: Mapped[int] = mapped_column(Integer)
    # from which time the figures were recomputed: NULL for a full refresh, else the incremental refresh's
    # cutoff (every period before it was kept from the previous run)
    recomputed_from: Mapped[dt.datetime | None] = mapped_column(TS)


class ContactState(Base):
    """The state of a contact's order when the contact was made (on_track, late, exception, unlinked)."""

    __tablename__ = "contact_states"
    contact_id: Mapped[str] = mapped_column(String, primary_key=True)
    state_at_contact: Mapped[str] = mapped_column(String)
    fcr_resolved: Mapped[bool | None] = mapped_column(Boolean)  # KPI 6 for this contact; null: not a unit
    run_id: Mapped[str] = mapped_column(String)


class CarrierLatency(Base):
    """Carrier feed latency (received_at − event_at) percentiles per grain, carrier and period."""

    __tablename__ = "carrier_latency"
    grain: Mapped[str] = mapped_column(String, primary_key=True)
    carrier_id: Mapped[str] = mapped_column(String, primary_key=True)
    period_start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    events: Mapped[int] = mapped_column(Integer)
    p50_hours: Mapped[float] = mapped_column(Float)
    p90_hours: Mapped[float] = mapped_column(Float)
    run_id: Mapped[str] = mapped_column(String)


class ExceptionFact(Base):
    """Each exception with its notice coverage in KPI 5's terms, as of the refresh."""

    __tablename__ = "exception_facts"
    exception_id: Mapped[str] = mapped_column(String, primary_key=True)
    order_id: Mapped[str] = mapped_column(String)
    shipment_id: Mapped[str | None] = mapped_column(String)
    exception_type: Mapped[str] = mapped_column(String)
    owner_team: Mapped[str] = mapped_column(String)
    node_id: Mapped[str] = mapped_column(String)
    carrier_id: Mapped[str] = mapped_column(String)
    opened_at: Mapped[dt.datetime] = mapped_column(TS)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(TS)
    first_notice_at: Mapped[dt.datetime | None] = mapped_column(TS)
    hours_to_notice: Mapped[float | None] = mapped_column(Float)
    covered: Mapped[bool] = mapped_column(Boolean)
    decided: Mapped[bool] = mapped_column(Boolean)
    run_id: Mapped[str] = mapped_column(String)


class FeedConflict(Base):
    """A shipment whose carrier feed and order system disagree beyond the governed tolerance, as of the
    refresh: the kinds (metrics/units.py CONFLICT_KINDS, comma-separated) and both delivered times."""

    __tablename__ = "feed_conflicts"
    shipment_id: Mapped[str] = mapped_column(String, primary_key=True)
    order_id: Mapped[str] = mapped_column(String, index=True)
    node_id: Mapped[str] = mapped_column(String)
    carrier_id: Mapped[str] = mapped_column(String, index=True)
    handed_over_at: Mapped[dt.datetime] = mapped_column(TS)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(TS)
    delivered_scan_at: Mapped[dt.datetime | None] = mapped_column(TS)
    kinds: Mapped[str] = mapped_column(String)
    run_id: Mapped[str] = mapped_column(String)


class MessageCheck(Base):
    """A status message the source of truth did not support when it was sent: which source decided, and when
    (if ever, by as-of) it recorded the fact."""

    __tablename__ = "message_checks"
    notification_id: Mapped[str] = mapped_column(String, primary_key=True)
    order_id: Mapped[str] = mapped_column(String, index=True)
    shipment_id: Mapped[str | None] = mapped_column(String)
    notification_type: Mapped[str] = mapped_column(String)
    sent_at: Mapped[dt.datetime] = mapped_column(TS)
    node_id: Mapped[str] = mapped_column(String)
    carrier_id: Mapped[str] = mapped_column(String, index=True)
    decider: Mapped[str | None] = mapped_column(String)
    recorded_at: Mapped[dt.datetime | None] = mapped_column(TS)
    run_id: Mapped[str] = mapped_column(String)


class FigureFrame(Base):
    """A figure table as a refresh left it, whole, in one Arrow IPC body (store/frames.py): a page's first
    view after a refresh reads one row instead of fetching every row of the table."""

    __tablename__ = "figure_frames"
    name: Mapped[str] = mapped_column(String, primary_key=True)
    run_id: Mapped[str] = mapped_column(String)
    rows: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)


# --- governance workspace ------------------------------------------------------------------------


class GovChecklist(Base):
    """An evaluation question of the brief with its current answer."""

    __tablename__ = "gov_checklist"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String)  # yes | partly | no | not_assessed
    owner: Mapped[str] = mapped_column(String)
    evidence: Mapped[str] = mapped_column(Text)
    next_review: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text)


class GovRisk(Base):
    """A risk with its control, the control's owner and status, and the KPIs it protects."""

    __tablename__ = "gov_risks"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    risk: Mapped[str] = mapped_column(Text)
    control: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String)
    control_status: Mapped[str] = mapped_column(String)  # designed | operating | not_tested | failed
    last_tested: Mapped[dt.date | None] = mapped_column(Date)
    kpis: Mapped[str] = mapped_column(Text)  # JSON list of KPI ids


class GovAction(Base):
    """A decision or action from a governance meeting."""

    __tablename__ = "gov_actions"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    meeting_date: Mapped[dt.date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String)
    due_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String)  # open | in_progress | done | dropped
    serves: Mapped[str] = mapped_column(String, server_default="")  # a KPI id, a risk id, or ''
    closing_note: Mapped[str] = mapped_column(Text, server_default="")
    closed_at: Mapped[dt.date | None] = mapped_column(Date)


class GovAudit(Base):
    """Append-only, hash-chained record of every governance change and every refused attempt."""

    __tablename__ = "gov_audit"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(TS)
    actor: Mapped[str] = mapped_column(String)
    role: Mapped[str] = mapped_column(String)
    action: Mapped[str] = mapped_column(String)
    entity: Mapped[str] = mapped_column(String)
    entity_id: Mapped[str] = mapped_column(String)
    old_value: Mapped[str] = mapped_column(Text)  # JSON
    new_value: Mapped[str] = mapped_column(Text)  # JSON
    reason: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String)  # done | refused
    prev_hash: Mapped[str] = mapped_column(String, unique=True)
    hash: Mapped[str] = mapped_column(String)  # the row's MAC (or, scheme sha256, its plain hash)
    scheme: Mapped[str] = mapped_column(String, server_default="sha256")  # hmac-sha256:<key id> | sha256


class GovSettingsVersion(Base):
    """A governed version of targets or cause-rule thresholds: the newest per kind is in force."""

    __tablename__ = "gov_settings_versions"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String)  # targets | thresholds
    created_at: Mapped[dt.datetime] = mapped_column(TS)
    created_by: Mapped[str] = mapped_column(String)
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)  # JSON: the whole setting of that kind, not a diff


class GovRaci(Base):
    """Who is Responsible, Accountable, Consulted or Informed for a KPI or a control."""

    __tablename__ = "gov_raci"
    subject_kind: Mapped[str] = mapped_column(String, primary_key=True)  # kpi | control
    subject_id: Mapped[str] = mapped_column(String, primary_key=True)
    function: Mapped[str] = mapped_column(String, primary_key=True)
    letter: Mapped[str] = mapped_column(String)  # R | A | C | I


class GovPeakReview(Base):
    """A pre-peak review item (the brief's list) with its status."""

    __tablename__ = "gov_peak_review"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    item: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String)  # yes | partly | no | not_assessed
    owner: Mapped[str] = mapped_column(String)
    notes: Mapped[str] = mapped_column(Text)
    reviewed_on: Mapped[dt.date | None] = mapped_column(Date)


# --- threshold alerts (written by `wismo alerts`) -------------------------------------------------


class Alert(Base):
    """One breach of a KPI target or carrier milestone SLA for one slice: open until the figures clear it.

    Each channel gets it once when it opens (first_seen_at) and again only when it escalates (warning →
    critical): alert_deliveries says what each channel has had."""

    __tablename__ = "alerts"
    alert_key: Mapped[str] = mapped_column(String, primary_key=True)  # kind:kpi:dimension:value
    kind: Mapped[str] = mapped_column(String)  # kpi_target | carrier_sla | significant_shift
    kpi: Mapped[str] = mapped_column(String)
    dimension: Mapped[str] = mapped_column(String)  # all | node | carrier
    dimension_value: Mapped[str] = mapped_column(String)
    state: Mapped[str] = mapped_column(String)  # open | cleared
    severity: Mapped[str] = mapped_column(String)  # warning | critical
    period_start: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    owner: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[dt.datetime] = mapped_column(TS)
    last_seen_at: Mapped[dt.datetime] = mapped_column(TS)
    cleared_at: Mapped[dt.datetime | None] = mapped_column(TS, nullable=True)
    as_of: Mapped[dt.datetime] = mapped_column(TS)
    rule_version: Mapped[str] = mapped_column(String)


class AlertDelivery(Base):
    """One attempt to send one alert on one channel: sent, or failed with the error."""

    __tablename__ = "alert_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_key: Mapped[str] = mapped_column(String, index=True)
    channel: Mapped[str] = mapped_column(String)  # webhook | email
    severity: Mapped[str] = mapped_column(String)
    attempted_at: Mapped[dt.datetime] = mapped_column(TS)
    attempts: Mapped[int] = mapped_column(Integer)
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str] = mapped_column(Text)
