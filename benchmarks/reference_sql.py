"""The KPIs written by hand in DuckDB SQL: the benchmark's reference, and an independent second
implementation of the spec (the benchmark checks that both give the same figures).

Covers what ``wismo kpis`` prints by default — KPIs 1–8, the agent-only rate and the avoidable share of WISMO
contacts —, by week, cut by node or carrier, and the cause of every WISMO contact (``CAUSES``: the spec's
cascade, with the default thresholds). Not covered: the supporting measures.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

COMMON = """
o AS (SELECT order_id, channel, placed_at, CASE WHEN cancelled_at <= $as_of THEN cancelled_at END AS cancelled_at
      FROM orders WHERE placed_at <= $as_of),
s AS (SELECT shipment_id, order_id, node_id, carrier_id, label_created_at,
             CASE WHEN shipped_at <= $as_of THEN shipped_at END AS shipped_at
      FROM shipments WHERE label_created_at <= $as_of),
ev AS (SELECT shipment_id, status, event_at, min(received_at) AS received_at FROM tracking_events
       WHERE received_at <= $as_of GROUP BY ALL),
act AS (SELECT shipment_id, min(received_at) AS activation FROM ev WHERE status <> 'info_received' GROUP BY 1),
prim AS (SELECT * FROM (SELECT s.*, row_number() OVER (PARTITION BY order_id ORDER BY label_created_at, shipment_id)
                        AS rn FROM s) WHERE rn = 1),
firstline AS (SELECT * FROM (SELECT order_id, node_id, row_number() OVER (PARTITION BY order_id ORDER BY line_id)
                             AS rn FROM order_lines) WHERE rn = 1),
od AS (SELECT o.*, p.shipped_at AS primary_shipped, p.label_created_at AS primary_label,
              coalesce(p.node_id, fl.node_id, 'unassigned') AS node, coalesce(p.carrier_id, 'unassigned') AS carrier
       FROM o LEFT JOIN prim p USING (order_id) LEFT JOIN firstline fl USING (order_id)),
c AS (SELECT * FROM contacts WHERE created_at <= $as_of),
cd AS (SELECT c.*, coalesce(od.node, 'unattributed') AS node, coalesce(od.carrier, 'unattributed') AS carrier
       FROM c LEFT JOIN od USING (order_id)),
x AS (SELECT exception_id, order_id, node_id AS node, coalesce(carrier_id, 'unassigned') AS carrier,
             carrier_id, opened_at, CASE WHEN resolved_at <= $as_of THEN resolved_at END AS resolved_at
      FROM exceptions WHERE opened_at <= $as_of)
"""

W = "date_trunc('week', {})"


def _ratio(kpi: str, num: str, den: str) -> str:
    return f"""SELECT '{kpi}' AS kpi, coalesce(n.p, d.p) AS p, coalesce(n.d, d.d) AS d,
                      coalesce(n.v, 0) AS numerator, coalesce(d.v, 0) AS denominator
               FROM ({num}) n FULL OUTER JOIN ({den}) d ON n.p = d.p AND n.d = d.d"""


def _parts(cut: str) -> list[str]:
    dim = cut
    line_dim = "l.node_id" if cut == "node" else "'unassigned'"
    k4_pairs = ("SELECT DISTINCT order_id, node_id AS d FROM order_lines" if cut == "node"
                else "SELECT DISTINCT order_id, carrier_id AS d FROM s")
    k4_hits = ("SELECT DISTINCT order_id, node AS d FROM x" if cut == "node"
               else "SELECT DISTINCT order_id, carrier_id AS d FROM x WHERE carrier_id IS NOT NULL")
    return [
        _ratio("wismo_contact_rate",
               f"SELECT {W.format('created_at')} p, {dim} d, count(*) v FROM cd WHERE reason = 'order_status' GROUP BY ALL",
               f"SELECT {W.format('primary_shipped')} p, {dim} d, count(*) v FROM od WHERE primary_shipped IS NOT NULL GROUP BY ALL"),
        _ratio("wismo_agent_contact_rate",
               f"SELECT {W.format('created_at')} p, {dim} d, count(*) v FROM cd "
               "WHERE reason = 'order_status' AND handled_by = 'agent' GROUP BY ALL",
               f"SELECT {W.format('primary_shipped')} p, {dim} d, count(*) v FROM od WHERE primary_shipped IS NOT NULL GROUP BY ALL"),
        f"""SELECT 'tracking_activation_ontime' AS kpi, {W.format('od.primary_label')} AS p, od.{dim} AS d,
                   sum(k.decided * k.ontime) AS numerator, sum(k.decided) AS denominator
            FROM (SELECT order_id,
                         min(CASE WHEN a.activation IS NOT NULL AND a.activation <= sf.deadline THEN 1 ELSE 0 END) ontime,
                         min(CASE WHEN a.activation IS NOT NULL OR sf.deadline <= $as_of THEN 1 ELSE 0 END) decided
                  FROM (SELECT s.*, s.label_created_at + to_seconds(CAST(round(coalesce(cr.activation_sla_hours, 24)
                                * 3600) AS BIGINT)) AS deadline FROM s LEFT JOIN carriers cr USING (carrier_id)) sf
                  LEFT JOIN act a USING (shipment_id) GROUP BY 1) k
            JOIN od USING (order_id) GROUP BY ALL HAVING sum(k.decided) > 0""",
        f"""SELECT 'inventory_accuracy' AS kpi, {W.format('o.placed_at')} AS p, {line_dim} AS d,
                   sum(CASE WHEN l.line_outcome = 'fulfilled' THEN 1 ELSE 0 END) AS numerator, count(*) AS denominator
            FROM order_lines l JOIN o USING (order_id)
            WHERE l.promised_from_stock AND l.outcome_at <= $as_of AND l.line_outcome IS NOT NULL
              AND l.line_outcome <> 'cancelled_customer' GROUP BY ALL""",
        f"""SELECT 'order_exception_rate' AS kpi, {W.format('od.placed_at')} AS p, pr.d AS d,
                   count(h.order_id) AS numerator, count(*) AS denominator
            FROM od JOIN ({k4_pairs}) pr USING (order_id) LEFT JOIN ({k4_hits}) h ON h.order_id = pr.order_id AND h.d = pr.d
            WHERE od.cancelled_at IS NULL GROUP BY ALL""",
        f"""SELECT 'notification_coverage' AS kpi, {W.format('opened_at')} AS p, {dim} AS d,
                   sum(covered) AS numerator, sum(decided) AS denominator
            FROM (SELECT x.*, CASE WHEN EXISTS (
                        SELECT 1 FROM notifications n WHERE n.order_id = x.order_id AND n.sent_at <= $as_of
                          AND n.status <> 'failed'
                          AND n.notification_type IN ('delay','exception','partial_shipment','backorder','substitution')
                          AND n.sent_at >= x.opened_at AND n.sent_at <= x.opened_at + INTERVAL 24 HOUR
                          AND (fc.first_contact IS NULL OR n.sent_at < fc.first_contact)) THEN 1 ELSE 0 END AS covered,
                         fc.first_contact
                  FROM x LEFT JOIN (SELECT x.exception_id, min(c.created_at) AS first_contact FROM x JOIN c USING (order_id)
                                    WHERE c.created_at >= x.opened_at GROUP BY 1) fc USING (exception_id)) y,
                 LATERAL (SELECT CASE WHEN covered = 1 OR opened_at + INTERVAL 24 HOUR <= $as_of
                                          OR first_contact IS NOT NULL THEN 1 ELSE 0 END AS decided)
            GROUP BY ALL HAVING sum(decided) > 0 OR sum(covered) > 0""",
        f"""SELECT 'first_contact_resolution' AS kpi, {W.format('e.created_at')} AS p, e.{dim} AS d,
                   sum(CASE WHEN e.resolved_at <= $as_of AND rep.contact_id IS NULL THEN 1 ELSE 0 END) AS numerator,
                   count(*) AS denominator
            FROM cd e LEFT JOIN (
                SELECT e.contact_id FROM c e JOIN c r ON r.order_id = e.order_id
                WHERE e.reason = 'order_status' AND r.reason IN ('order_status','delivery_issue')
                  AND r.contact_id <> e.contact_id AND r.created_at > e.created_at
                  AND r.created_at <= e.created_at + INTERVAL 7 DAY
                UNION
                SELECT e.contact_id FROM c e JOIN c r ON r.customer_id = e.customer_id
                WHERE e.order_id IS NULL AND e.reason = 'order_status' AND r.reason IN ('order_status','delivery_issue')
                  AND r.contact_id <> e.contact_id AND r.created_at > e.created_at
                  AND r.created_at <= e.created_at + INTERVAL 7 DAY) rep USING (contact_id)
            WHERE e.reason = 'order_status' AND e.created_at <= $as_of - INTERVAL 7 DAY GROUP BY ALL""",
        f"""SELECT 'exception_age_days' AS kpi, cal.p, x.{dim} AS d,
                   sum(epoch(cal.snap) - epoch(x.opened_at)) / 86400.0 AS numerator, count(*) AS denominator
            FROM x, (SELECT p, least(p + INTERVAL 7 DAY, $as_of) AS snap
                     FROM (SELECT unnest(generate_series(date_trunc('week', (SELECT min(opened_at) FROM x)),
                                                          date_trunc('week', $as_of), INTERVAL 7 DAY)) AS p)) cal
            WHERE x.opened_at < cal.snap AND (x.resolved_at IS NULL OR x.resolved_at >= cal.snap) GROUP BY ALL""",
        f"""SELECT 'csat_post_purchase' AS kpi, {W.format('created_at')} AS p, {dim} AS d,
                   sum(CASE WHEN csat_score >= 4 THEN 1 ELSE 0 END) AS numerator, count(*) AS denominator
            FROM cd WHERE reason IN ('order_status','delivery_issue','return_refund','cancel_modify')
              AND csat_score IS NOT NULL GROUP BY ALL""",
    ]


def query(cut: str) -> str:
    parts = "\nUNION ALL\n".join(f"({p})" for p in _parts(cut))
    return f"WITH {COMMON}\nSELECT * FROM ({parts}) WHERE numerator <> 0 OR denominator <> 0"


KPIS = ("wismo_contact_rate", "wismo_agent_contact_rate", "tracking_activation_ontime", "inventory_accuracy",
        "order_exception_rate", "notification_coverage", "first_contact_resolution", "exception_age_days",
        "csat_post_purchase", "avoidable_wismo_share")

# the linked WISMO contacts (cause not unlinked) and the avoidable ones (any cause but true demand), by the week
# they were created and their order's node or carrier; ``ref_causes`` holds CAUSES' answer
AVOIDABLE = """SELECT 'avoidable_wismo_share' AS kpi, date_trunc('week', cd.created_at) AS p, cd.{dim} AS d,
                      count(*) FILTER (WHERE k.cause <> 'true_demand') AS numerator, count(*) AS denominator
               FROM cd JOIN ref_causes k USING (contact_id) WHERE k.cause <> 'unlinked' GROUP BY ALL"""


def run(con, cut: str, as_of: dt.datetime, avoidable: bool = True) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """Figures for week × ``cut`` from tables registered on the DuckDB connection ``con`` (without the avoidable
    share unless ``avoidable``)."""
    sql = query(cut)
    if avoidable:
        con.execute(f"CREATE OR REPLACE TEMP TABLE ref_causes AS {CAUSES}",
                    {"as_of": as_of, "sla": 24.0, "stale": 48.0})
        sql += f"\nUNION ALL\nSELECT * FROM (WITH {COMMON} {AVOIDABLE.format(dim=cut)})"
    df = pl.from_arrow(con.sql(sql, params={"as_of": as_of}).to_arrow_table())
    assert isinstance(df, pl.DataFrame)
    return (df.with_columns(period_start=pl.col("p").dt.replace_time_zone(None).dt.date(),
                            numerator=pl.col("numerator").cast(pl.Float64),
                            denominator=pl.col("denominator").cast(pl.Float64))
            .select("kpi", "period_start", pl.col("d").alias("dimension_value"), "numerator", "denominator")
            .sort("kpi", "period_start", "dimension_value"))


# ---- the causes, by hand (issue 17's reference for `wismo causes`; a second implementation of the cascade) ---

CAUSES = """
WITH w AS (SELECT contact_id, order_id, created_at AS t FROM contacts
           WHERE created_at <= $as_of AND reason = 'order_status'),
o AS (SELECT order_id, promised_delivery_date, CASE WHEN cancelled_at <= $as_of THEN cancelled_at END AS cancelled_at
      FROM orders WHERE placed_at <= $as_of),
ev AS (SELECT shipment_id, status, event_at, received_at FROM tracking_events WHERE received_at <= $as_of),
sf AS (SELECT s.shipment_id, s.order_id, s.label_created_at,
              CASE WHEN s.delivered_at <= $as_of THEN s.delivered_at END AS delivered_at,
              (SELECT min(received_at) FROM ev WHERE ev.shipment_id = s.shipment_id AND status <> 'info_received')
                AS activation,
              (SELECT min(received_at) FROM ev WHERE ev.shipment_id = s.shipment_id AND status = 'delivered')
                AS delivered_seen,
              s.label_created_at + to_microseconds(CAST(round(coalesce(c.activation_sla_hours, $sla) * 3600000000)
                                                        AS BIGINT)) AS deadline
       FROM shipments s LEFT JOIN carriers c USING (carrier_id) WHERE s.label_created_at <= $as_of),
cs AS (SELECT w.contact_id, w.t, sf.*,
              coalesce(sf.delivered_at <= w.t, false) OR coalesce(sf.delivered_seen <= w.t, false) AS delivered_t
       FROM w JOIN sf USING (order_id) WHERE sf.label_created_at <= w.t),
notes AS (SELECT order_id, notification_type, sent_at FROM notifications WHERE sent_at <= $as_of AND status <> 'failed'),
unlinked AS (SELECT contact_id FROM w WHERE order_id IS NULL OR order_id NOT IN (SELECT order_id FROM o)),
due AS (SELECT w.* FROM w JOIN o USING (order_id)
        WHERE (o.cancelled_at IS NULL OR o.cancelled_at > w.t)
          AND w.t >= CAST(o.promised_delivery_date AS TIMESTAMPTZ) + INTERVAL 1 DAY),
promise_missed AS (
  SELECT contact_id FROM cs WHERE contact_id IN (SELECT contact_id FROM due) AND NOT delivered_t
  UNION
  SELECT due.contact_id FROM due JOIN order_lines l USING (order_id)
  LEFT JOIN (SELECT shipment_id, label_created_at FROM shipments WHERE label_created_at <= $as_of) ls
    ON ls.shipment_id = l.shipment_id
  WHERE NOT coalesce(l.line_outcome IN ('cancelled_oos', 'cancelled_customer') AND l.outcome_at <= due.t, false)
    AND (ls.label_created_at IS NULL OR ls.label_created_at > due.t)),
exc_open AS (SELECT w.contact_id, w.order_id, w.t, x.exception_id, x.opened_at FROM w
             JOIN exceptions x USING (order_id)
             WHERE x.opened_at <= $as_of AND x.opened_at <= w.t
               AND (x.resolved_at IS NULL OR x.resolved_at > $as_of OR x.resolved_at > w.t)),
exception_without_notice AS (
  SELECT contact_id FROM exc_open e WHERE NOT EXISTS (
    SELECT 1 FROM notes n WHERE n.order_id = e.order_id
      AND n.notification_type IN ('delay', 'exception', 'partial_shipment', 'backorder', 'substitution')
      AND n.sent_at >= e.opened_at AND n.sent_at <= e.t)),
inventory_without_notice AS (
  SELECT w.contact_id FROM w JOIN order_lines l USING (order_id)
  WHERE l.line_outcome IN ('backordered', 'substituted', 'cancelled_oos') AND l.outcome_at <= $as_of
    AND l.outcome_at <= w.t
    AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.order_id = w.order_id
                      AND n.notification_type IN ('backorder', 'substitution')
                      AND n.sent_at >= l.outcome_at AND n.sent_at <= w.t)),
split_without_notice AS (
  SELECT contact_id FROM cs GROUP BY contact_id, order_id, t
  HAVING count(*) >= 2 AND bool_or(NOT delivered_t)
     AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.order_id = cs.order_id
                       AND n.notification_type = 'partial_shipment' AND n.sent_at <= cs.t)),
tracking_not_activated AS (
  SELECT contact_id FROM cs WHERE deadline <= t AND (activation IS NULL OR activation > t)),
tracking_stale AS (
  SELECT cs.contact_id FROM cs JOIN ev USING (shipment_id)
  WHERE cs.activation <= cs.t AND NOT cs.delivered_t AND ev.received_at <= cs.t
  GROUP BY cs.contact_id, cs.shipment_id
  HAVING max(ev.event_at) < max(cs.t) - to_microseconds(CAST($stale * 3600000000 AS BIGINT)))
SELECT contact_id,
       CASE WHEN contact_id IN (SELECT contact_id FROM unlinked) THEN 'unlinked'
            WHEN contact_id IN (SELECT contact_id FROM promise_missed) THEN 'promise_missed'
            WHEN contact_id IN (SELECT contact_id FROM exception_without_notice) THEN 'exception_without_notice'
            WHEN contact_id IN (SELECT contact_id FROM inventory_without_notice) THEN 'inventory_without_notice'
            WHEN contact_id IN (SELECT contact_id FROM split_without_notice) THEN 'split_without_notice'
            WHEN contact_id IN (SELECT contact_id FROM tracking_not_activated) THEN 'tracking_not_activated'
            WHEN contact_id IN (SELECT contact_id FROM tracking_stale) THEN 'tracking_stale'
            ELSE 'true_demand' END AS cause
FROM w ORDER BY contact_id
"""


def causes(con, as_of: dt.datetime, sla_hours: float = 24, stale_hours: float = 48) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """contact_id, cause of every WISMO contact known at as-of, by the spec's cascade written in SQL."""
    df = pl.from_arrow(con.sql(CAUSES, params={"as_of": as_of, "sla": sla_hours, "stale": stale_hours}).to_arrow_table())
    assert isinstance(df, pl.DataFrame)
    return df
