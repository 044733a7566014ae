"""Governance: the workspace a cross-functional meeting runs on — owner and RACI, the ten questions with what the
data says, risks and controls with their effectiveness, carrier SLAs, targets and rules, actions, peak readiness
and the audit trail. Meeting mode (``?meeting=1``) shows one section per screen in large type, with no forms;
viewers read, editors change, admins also change what alters the figures."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import streamlit as st

from core.contract import CONTACT_CHANNELS, HANDLED_BY
from core.words import word
from governance.readable import actions_table, audit_table, raci_matrix, subject_words
from governance.service import (
    ACTION_STATUSES,
    CLOSED,
    CONTROL_STATUSES,
    STATUSES,
    TRUTH_FACT_WORDS,
    TRUTH_FACTS,
    TRUTH_SOURCES,
)
from metrics import views
from metrics.catalogue import MAX_DAYS, MAX_HOURS, UNIT_SHORT, Target, Thresholds, load_catalogue
from metrics.costs import MAX_COST
from metrics.views import KPI_IDS
from ui import cards, data
from ui.fmt import md
from ui.frame import current_actor, download, link_params, start

page = start("Governance")
view, run = page.view, page.run
actor = current_actor()
gov = data.governance(actor)
gov.seed_if_empty()
cat = load_catalogue()
meeting = st.query_params.get("meeting") == "1"
can_edit, can_admin = actor.may("editor") and not meeting, actor.may("admin") and not meeting
if "gov_toast" in st.session_state:  # a confirmation that survives the rerun after a change
    st.toast(st.session_state.pop("gov_toast"), icon=":material/check_circle:")

SECTIONS = {"owner": "Owner and RACI", "questions": "The ten questions", "risks": "Risks and controls",
            "carriers": "Carrier SLAs", "targets": "Targets and rules", "actions": "Actions",
            "peak": "Peak readiness", "audit": "Audit trail"}
ANSWER_STATUS = {"yes": "green", "partly": "amber", "no": "red", "not_assessed": "none"}
statuses = {t.kpi.id: t.status for t in data.tiles(run, views.View(grain="week"),
                                                    data.reporting_period(run, views.View(grain="week"), page.as_of))}
risks_words = {r["id"]: r["control"] for r in gov.risks()}


def changed(message: str) -> None:
    """After a change: the confirmation, fresh figures and workspace, the same URL."""
    st.session_state["gov_toast"] = message
    data.clear()
    st.rerun()


def attempt(fn, message: str) -> None:  # type: ignore[no-untyped-def]
    try:
        fn()
    except (PermissionError, ValueError, KeyError) as err:
        st.error(md(str(err).strip("'\"")))
        return
    changed(message)


# ---- the sections ------------------------------------------------------------------------------------------


def owner_and_raci() -> None:
    named = gov.owner_named()
    st.html(cards.cards([cards.card("Executive owner of post-purchase visibility", "green" if named else "red",
                                    "named" if named else "not named", [("", gov.executive_owner())],
                                    "" if named else "Name one owner with authority across retail, fulfillment, "
                                                     "service, digital and carrier management.")], big=meeting))
    if can_admin:
        with st.form("gov_owner", clear_on_submit=True):
            name = st.text_input("Name and title of the executive owner", key="gov_owner_name")
            reason = st.text_input("Reason", key="gov_owner_reason")
            if st.form_submit_button("Name the owner") and name:
                attempt(lambda: gov.set_executive_owner(name, reason=reason or "named in the governance meeting"),
                        f"{name} is the executive owner")
    matrix = raci_matrix(gov.raci(), risks_words)
    st.markdown("**Who is Responsible, Accountable, Consulted and Informed**")
    st.dataframe(matrix.drop("subject_id"), hide_index=True, key="raci", height=35 * (matrix.height + 1) + 3,
                 column_config={
        "subject": st.column_config.TextColumn("KPI or control", width="large", pinned=True)})
    st.caption("R responsible · A accountable · C consulted · I informed. Every KPI and control needs one A and an R.")
    if can_edit:
        subjects = {f"{r['subject_kind']}:{r['subject_id']}": subject_words(r["subject_kind"], r["subject_id"],
                                                                             risks_words) for r in gov.raci()}
        functions = sorted({r["function"] for r in gov.raci()})
        with st.form("gov_raci", clear_on_submit=True):
            c1, c2, c3 = st.columns([3, 2, 1])
            subject = c1.selectbox("KPI or control", list(subjects), format_func=subjects.get, key="gov_raci_subject")
            function = c2.selectbox("Function", functions, format_func=word, key="gov_raci_function")
            letter = c3.selectbox("Role", ["R", "A", "C", "I"], key="gov_raci_letter")
            if st.form_submit_button("Save the role"):
                kind, sid = str(subject).split(":", 1)
                attempt(lambda: gov.set_raci(kind, sid, str(function), str(letter), reason="RACI update"),
                        f"{word(function)} is now {letter} for {subjects[subject]}")


def questions() -> None:
    found = data.evidence(run, len(gov.audit()))
    checklist = gov.checklist()
    flagged = {q["id"] for q in checklist if q["status"] == "yes" and found.get(q["id"], {}).get("supports_yes") is False}
    if flagged:
        st.warning(f"The data does not back the “yes” on {', '.join(sorted(flagged))}.")
    items = []
    for q in checklist:
        f = found.get(q["id"], {})
        says = f.get("text", "")
        period = f.get("period", "")
        items.append(cards.card(
            f"{q['id']} {q['question']}", ANSWER_STATUS[q["status"]], word(q["status"]),
            [("What the data says", says + (f" ({period})" if period and period != "now" else "")),
             ("Left to judgement", f.get("judgement", "")), ("Evidence", q["evidence"]), ("Owner", word(q["owner"])),
             ("Next review", str(q["next_review"] or "")[:10]), ("Notes", q["notes"])],
            "The data does not back this yes." if q["id"] in flagged else ""))
    st.html(cards.cards(items, big=meeting))
    if can_edit:
        with st.form("gov_checklist", clear_on_submit=True):
            c1, c2 = st.columns([1, 1])
            item = c1.selectbox("Question", [q["id"] for q in checklist], key="gov_item",
                                format_func=lambda i: f"{i} {next(q['question'] for q in checklist if q['id'] == i)[:70]}…")
            status = c2.selectbox("Answer", STATUSES, format_func=word, key="gov_status")
            evidence = st.text_input("Evidence (text or link)", key="gov_evidence")
            c3, c4 = st.columns([1, 3])
            review = c3.date_input("Next review", value=None, key="gov_next_review")
            notes = c4.text_input("Notes", key="gov_notes")
            reason = st.text_input("Reason for the change", key="gov_reason")
            if st.form_submit_button("Save the answer", key="gov_save_checklist"):
                attempt(lambda: gov.update_checklist(str(item), status=str(status), evidence=evidence or None,
                                                     notes=notes or None, next_review=review, reason=reason),
                        f"{item} answered “{word(status)}”")


def risks_and_controls() -> None:
    items = []
    for r in gov.controls(statuses):
        e = r["effectiveness"]
        protected = "; ".join(f"{cards.MARK[statuses.get(k, 'none')]} {cat.kpi(k).title} "
                              f"({views.STATUS_WORD[statuses.get(k, 'none')]})" for k in r["kpis"])
        tested = word(r["control_status"]) + (f", last tested {str(r['last_tested'])[:10]}" if r["last_tested"] else "")
        items.append(cards.card(f"{r['id']} {r['risk']}", e.status, e.verdict,
                                [("Control", r["control"]), ("Owner", word(r["owner"])), ("Tested", tested),
                                 ("KPIs it protects", protected)]))
    st.html(cards.cards(items, big=meeting))
    st.caption("Effective: tested and operating, no KPI it protects off target. Unproven: not yet shown to work. Not "
               "effective: its test failed or a KPI it protects is off target. The brief and the export use the same "
               "rule.")
    if can_edit:
        with st.form("gov_risk", clear_on_submit=True):
            c1, c2, c3 = st.columns(3)
            rid = c1.selectbox("Control of risk", list(risks_words), key="gov_risk")
            cstatus = c2.selectbox("Tested status", CONTROL_STATUSES, format_func=word, key="gov_cstatus")
            tested_on = c3.date_input("Last tested", value=dt.date.today(), key="gov_tested")
            reason = st.text_input("Reason for the change", key="gov_rreason")
            if st.form_submit_button("Save the control"):
                attempt(lambda: gov.update_risk(str(rid), control_status=str(cstatus), last_tested=tested_on,
                                                reason=reason), f"control {rid}: {word(cstatus).lower()}")
        with st.expander("Add a risk"), st.form("gov_risk_add", clear_on_submit=True):
            risk = st.text_input("Risk", key="gov_new_risk")
            control = st.text_input("Control", key="gov_new_control")
            c1, c2 = st.columns(2)
            owner = c1.text_input("Control owner", key="gov_new_risk_owner")
            kpis = c2.multiselect("KPIs it protects", KPI_IDS, format_func=lambda k: cat.kpi(k).title,
                                  key="gov_new_risk_kpis")
            if st.form_submit_button("Add the risk") and risk:
                attempt(lambda: gov.add_risk(risk, control, owner, list(kpis), reason="added in the workspace"),
                        "risk added")


def carrier_slas() -> None:
    slas = data.carrier_slas(run)
    names = data.names(run)["carrier"]
    week = views.View(grain="week")
    card = data.scorecard(run, week, "carrier", data.reporting_period(run, week, page.as_of),
                          ("tracking_activation_ontime",))
    now = dict(card.select("carrier", "tracking_activation_ontime__status").iter_rows()) if card.height else {}
    act = cat.kpi("tracking_activation_ontime")
    values = dict(card.select("carrier", "tracking_activation_ontime").iter_rows()) if card.height else {}
    items = [cards.card(names.get(r["carrier"], r["carrier"]), now.get(r["carrier"], "none"),
                        views.STATUS_WORD[now.get(r["carrier"], "none")],
                        [("Tracking activation within", f"{r['activation SLA (h)']:g} h of the label; on time now: "
                          f"{act.display(values.get(r['carrier']))}"),
                         ("Stale after", f"{r['stale scan (h)']:g} h without a scan"),
                         ("Escalate to", r["escalation"] or "not named")],
                        "" if r["escalation"] else "No escalation contact named.") for r in slas.iter_rows(named=True)]
    st.html(cards.cards(items, big=meeting))
    if can_admin:
        with st.form("gov_sla", clear_on_submit=True):
            c1, c2, c3 = st.columns(3)
            carrier = c1.selectbox("Carrier", slas["carrier"].to_list(), format_func=lambda c: names.get(c, c),
                                   key="gov_sla_carrier")
            hours = c2.number_input("Activation SLA (hours)", min_value=0.0, max_value=MAX_HOURS, value=None,
                                    key="gov_sla_hours")
            stale = c3.number_input("Stale after (hours)", min_value=0.0, max_value=MAX_HOURS, value=None,
                                    key="gov_sla_stale")
            escalation = st.text_input("Escalate to (name or address)", key="gov_sla_escalation")
            reason = st.text_input("Reason", key="gov_sla_reason")
            if st.form_submit_button("Save the SLA"):
                attempt(lambda: gov.set_carrier_sla(str(carrier), activation_sla_hours=hours, stale_scan_hours=stale,
                                                    escalation_contact=escalation or None, reason=reason),
                        f"{names.get(carrier, carrier)}: SLA saved" + (" and figures recomputed" if hours else ""))


def targets_and_rules() -> None:
    targets = data.targets(run)
    rows = [{"KPI": cat.kpi(k).title, "On target at": f"{'≤' if cat.kpi(k).good == 'down' else '≥'} "
             f"{cat.kpi(k).display(t.green)}", "Off target beyond": cat.kpi(k).display(t.red),
             "Now": f"{cards.MARK[statuses.get(k, 'none')]} {views.STATUS_WORD[statuses.get(k, 'none')]}"}
            for k, t in targets.items() if k in KPI_IDS or k in statuses]
    st.dataframe(pl.DataFrame(rows), hide_index=True, key="targets", column_config={
        "KPI": st.column_config.TextColumn(width="large")})
    if can_edit:
        st.markdown("**Change a target** — in the unit the dashboard shows")
        k = cat.kpi(st.selectbox("KPI", KPI_IDS, format_func=lambda i: cat.kpi(i).title, key="gov_target_kpi"))
        unit, current = UNIT_SHORT[k.unit], targets[k.id]
        c1, c2 = st.columns(2)
        green = c1.number_input(f"On target at or {'below' if k.good == 'down' else 'above'} ({unit})",
                                value=round(current.green * k.scale, 4), key=f"gov_target_green_{k.id}")
        red = c2.number_input(f"Off target when {'above' if k.good == 'down' else 'below'} ({unit})",
                              value=round(current.red * k.scale, 4), key=f"gov_target_red_{k.id}")
        new = Target(green=k.from_display(green), red=k.from_display(red))
        try:
            k.check_target(new.green, new.red)
            [tile] = data.tiles(run, views.View(grain="week"), data.reporting_period(
                run, views.View(grain="week"), page.as_of), (k.id,))
            st.info(views.target_preview(tile, new), icon=":material/preview:")
            ok = True
        except ValueError as err:
            st.error(md(str(err)))
            ok = False
        reason = st.text_input("Reason", key="gov_target_reason")
        if st.button("Set the target", disabled=not ok, key="gov_set_target"):
            for key in (f"gov_target_green_{k.id}", f"gov_target_red_{k.id}", "gov_target_reason"):
                st.session_state.pop(key, None)
            attempt(lambda: gov.set_target(k.id, green=new.green, red=new.red, reason=reason),
                    f"{k.title}: on target at {'≤' if k.good == 'down' else '≥'} {k.display(new.green)}")
    rules = data.rules(run)
    st.markdown(f"**Cause rules in force: version {md(rules.version)}**")
    units = {"repeat_window_days": "days"}
    st.markdown("  \n".join(f"{word(n)}: {v:g} {units.get(n, 'hours')}"
                            for n, v in rules.thresholds.model_dump().items()))
    if can_admin:
        with st.form("gov_threshold", clear_on_submit=True):
            c1, c2 = st.columns(2)
            name = c1.selectbox("Threshold", list(Thresholds.model_fields), key="gov_threshold",
                                format_func=lambda n: f"{word(n)} ({units.get(n, 'hours')})")
            value = c2.number_input("New value", min_value=0.0, max_value=max(MAX_HOURS, MAX_DAYS), value=None,
                                    key="gov_threshold_value")
            reason = st.text_input("Reason", key="gov_threshold_reason")
            if st.form_submit_button("Set and recompute the figures") and value is not None:
                with st.spinner("Recomputing the figures with the new rule version…"):
                    attempt(lambda: gov.set_thresholds(reason=reason, **{str(name): float(value)}),
                            f"{word(name)} = {value:g}; figures recomputed")
    rates = data.costs(run)
    st.markdown(f"**Cost of a contact** ({rates.currency}) — prices WISMO and avoidable contacts on the overview, "
                "the drivers page and the brief")
    st.dataframe(pl.DataFrame([{"Channel": word(c), "Agent": by.get("agent"), "Bot": by.get("bot")}
                               for c, by in rates.per_contact.items()]), hide_index=True, key="gov_costs",
                 column_config={h: st.column_config.NumberColumn(h, format="%.2f") for h in ("Agent", "Bot")})
    if can_admin:
        with st.form("gov_cost", clear_on_submit=True):
            c1, c2, c3, c4 = st.columns(4)
            channel = c1.selectbox("Channel", list(CONTACT_CHANNELS), format_func=word, key="gov_cost_channel")
            handler = c2.selectbox("Handled by", list(HANDLED_BY), format_func=word, key="gov_cost_handler")
            amount = c3.number_input(f"Cost of one contact ({rates.currency})", min_value=0.0, max_value=MAX_COST,
                                     value=None, step=0.1, key="gov_cost_amount")
            currency = c4.text_input("Currency (ISO code)", value=rates.currency, max_chars=3, key="gov_cost_cur")
            reason = st.text_input("Reason", key="gov_cost_reason")
            if st.form_submit_button("Set the cost") and amount is not None:
                attempt(lambda: gov.set_cost(str(channel), str(handler), float(amount), currency.upper() or None,
                                             reason=reason),
                        f"a {word(channel).lower()} contact handled by {word(handler).lower()} costs "
                        f"{amount:,.2f} {currency.upper()}")
    version, truth = gov.source_of_truth()
    st.markdown("**Source-of-truth hierarchy** — which system is believed for each fact, in order"
                + ("" if version else " (a proposal: not confirmed yet)"))
    st.dataframe(pl.DataFrame([{"Fact": TRUTH_FACT_WORDS[f], "Believed, in order": " → ".join(word(x) for x in r["sources"]),
                                "Sources agree within": f"{r['tolerance_hours']:g} h"} for f, r in truth.items()]),
                 hide_index=True, key="truth")
    if can_admin:
        with st.form("gov_truth", clear_on_submit=True):
            c1, c2, c3 = st.columns([1, 2, 1])
            fact = c1.selectbox("Fact", TRUTH_FACTS, format_func=TRUTH_FACT_WORDS.get, key="gov_truth_fact")
            sources = c2.multiselect("Sources, most trusted first", TRUTH_SOURCES, format_func=word, key="gov_truth_src")
            tolerance = c3.number_input("Agree within (h)", min_value=0.0, max_value=168.0, value=24.0, key="gov_truth_h")
            reason = st.text_input("Reason", key="gov_truth_reason")
            if st.form_submit_button("Record the hierarchy"):
                change = {str(fact): {"sources": list(sources) or truth[str(fact)]["sources"],
                                      "tolerance_hours": float(tolerance)}}
                attempt(lambda: gov.set_source_of_truth(truth | change, reason=reason or "confirmed in the meeting"),
                        "source-of-truth hierarchy recorded")


def actions() -> None:
    table = actions_table(gov.actions(), dt.date.today(), risks_words)
    if table.height == 0:
        st.caption("No actions recorded yet.")
    else:
        late = table.filter(pl.col("overdue")).height
        if late:
            st.warning(f"{late} action(s) overdue.")
        st.dataframe(table.drop("id") if meeting else table, hide_index=True, key="actions", column_config={
            "action": st.column_config.TextColumn("Action", width="large"),
            "due": st.column_config.DateColumn("Due", format="D MMM YYYY"),
            "overdue": st.column_config.CheckboxColumn("Overdue"), "closing note": "Closing note"})
    if not can_edit:
        return
    serves = {"": "—", **{k: cat.kpi(k).title for k in KPI_IDS}, **{r: f"Risk {r}" for r in risks_words}}
    with st.form("gov_action_add", clear_on_submit=True):
        c1, c2, c3 = st.columns([3, 1, 1])
        text = c1.text_input("Decision or action", key="gov_action_text")
        owner = c2.text_input("Owner", key="gov_action_owner")
        due = c3.date_input("Due", value=dt.date.today() + dt.timedelta(days=7), key="gov_action_due")
        serve = st.selectbox("Serves", list(serves), format_func=serves.get, key="gov_action_serves")
        if st.form_submit_button("Add the action") and text:
            attempt(lambda: gov.add_action(text, owner, due, dt.date.today(), reason="governance meeting",
                                           serves=str(serve)), "action added")
    open_ = [a for a in gov.actions() if a["status"] not in CLOSED]
    if open_:
        with st.form("gov_action_update", clear_on_submit=True):
            c1, c2 = st.columns([3, 1])
            aid = c1.selectbox("Action", [a["id"] for a in open_], key="gov_action_pick",
                               format_func=lambda i: next(f"{a['text']} ({word(a['owner'])})" for a in open_
                                                          if a["id"] == i))
            status = c2.selectbox("Now", [s for s in ACTION_STATUSES if s != "open"], format_func=word,
                                  key="gov_action_status")
            note = st.text_input("Closing note (what was done, or why it was dropped)", key="gov_action_note")
            if st.form_submit_button("Update the action"):
                attempt(lambda: gov.update_action(str(aid), status=str(status), closing_note=note or None,
                                                  reason=note or "updated in the meeting"),
                        f"action {word(status).lower()}")


def peak_readiness() -> None:
    items = [cards.card(f"{p['id']} {p['item']}", ANSWER_STATUS[p["status"]], word(p["status"]),
                        [("Owner", word(p["owner"])), ("Reviewed on", str(p.get("reviewed_on") or "")[:10] or "not yet"),
                         ("Notes", p["notes"])]) for p in gov.peak_review()]
    st.html(cards.cards(items, big=meeting))
    if can_edit:
        with st.form("gov_peak", clear_on_submit=True):
            c1, c2 = st.columns([1, 1])
            pid = c1.selectbox("Item", [p["id"] for p in gov.peak_review()], key="gov_peak_item")
            status = c2.selectbox("Status", STATUSES, format_func=word, key="gov_peak_status")
            notes = st.text_input("Notes", key="gov_peak_notes")
            if st.form_submit_button("Save the review"):
                attempt(lambda: gov.update_peak_item(str(pid), status=str(status), notes=notes or None,
                                                     reason="pre-peak review"), f"{pid} reviewed today")
    st.markdown("**Scenario: WISMO demand at peak volume**")
    rates = data.cause_rates(run, view, page.as_of)
    if rates.height == 0:
        st.caption("No recent WISMO contacts or shipped orders to project from.")
        return
    peak_orders, minutes, fix_cause, fix_share = 100_000, 6.0, "(none)", 0.5
    if can_edit:
        c1, c2, c3, c4 = st.columns(4)
        peak_orders = c1.number_input("Shipped orders in the peak period", min_value=0, value=100_000, step=10_000,
                                      key="peak_orders")
        minutes = c2.number_input("Minutes per agent contact", min_value=0.0, value=6.0, step=0.5, key="peak_minutes")
        fix_cause = c3.selectbox("Close a cause", ["(none)", *rates["cause"].to_list()],
                                 format_func=lambda c: views.CAUSE_LABELS.get(c, c), key="peak_cause")
        fix_share = c4.slider("Share of it closed", 0, 100, 50, key="peak_share") / 100
    result = views.scenario(rates, float(peak_orders), float(minutes),
                            {} if fix_cause == "(none)" else {str(fix_cause): fix_share})
    totals = result.select(pl.col("projected_contacts").sum(), pl.col("projected_agent_hours").sum(),
                           pl.col("agent_hours_after_fix").sum(), pl.col("projected_cost").sum(),
                           pl.col("cost_after_fix").sum()).row(0)
    rates_in_force = data.costs(run)
    money = rates_in_force.money
    m1, m2, m3 = st.columns(3)
    m1.metric("Projected WISMO contacts", f"{totals[0]:,.0f}", border=True)
    m2.metric("Projected agent hours", f"{totals[1]:,.0f}", border=True)
    m3.metric("Agent hours after the fix", f"{totals[2]:,.0f}", delta=f"{totals[2] - totals[1]:,.0f}",
              delta_color="inverse", border=True)
    m4, m5, _ = st.columns(3)
    m4.metric("Projected WISMO cost", money(totals[3]), border=True,
              help="Each cause's projected contacts × what one of its recent contacts cost on average, by channel "
                   "and handler (the governed costs above).")
    m5.metric("Cost after the fix", money(totals[4]), delta=(f"{totals[4] - totals[3]:,.2f} {rates_in_force.currency}"
                                                     if abs(totals[4] - totals[3]) >= 0.005 else None),
              delta_color="inverse", border=True)
    st.caption(f"At {peak_orders:,} shipped orders and {minutes:g} minutes per agent contact, from the WISMO contacts "
               "per shipped order by cause, the agent-handled share and the average cost of a contact of the last 4 "
               "complete periods.")


def audit() -> None:
    problems = gov.verify()
    if problems:
        st.error("The audit trail was changed outside the app: " + md("; ".join(problems)))
    else:
        st.success(f"Audit chain intact: no row edited, inserted or deleted outside the app, and the governed "
                   f"settings in force are the ones recorded. Head {gov.head()} (quote it to check later: "
                   "`wismo governance verify --anchor`).")
    raw = gov.audit()
    table = audit_table(raw)
    if can_edit and table.height:
        f1, f2, f3 = st.columns(3)
        who = f1.selectbox("Who", ["All", *sorted(table["who"].unique().to_list())], key="audit_who")
        did = f2.selectbox("Did", ["All", *sorted(table["did"].unique().to_list())], key="audit_did")
        outcome = f3.selectbox("Outcome", ["All", "Done", "Refused"], key="audit_outcome")
        for col, val in (("who", who), ("did", did), ("outcome", outcome)):
            if val != "All":
                table = table.filter(pl.col(col) == val)
    st.dataframe(table.drop("seq") if meeting else table, hide_index=True, key="audit", column_config={
        "when": st.column_config.DatetimeColumn("When (UTC)", format="D MMM YYYY, HH:mm"),
        "change": st.column_config.TextColumn("From → to", width="large"),
        "reason": st.column_config.TextColumn("Why", width="medium")})
    download(pl.DataFrame(raw, infer_schema_length=None) if raw else table, "audit_trail", "dl_audit",
             "Download the audit trail (CSV)")
    with st.expander("The raw rows (JSON), with their MACs"):
        st.json(json.loads(json.dumps(raw[-50:], default=str)), expanded=False)


RENDER = {"owner": owner_and_raci, "questions": questions, "risks": risks_and_controls, "carriers": carrier_slas,
          "targets": targets_and_rules, "actions": actions, "peak": peak_readiness, "audit": audit}

# ---- the page --------------------------------------------------------------------------------------------

head, mode = st.columns([3, 1], vertical_alignment="center")
head.caption(f"{md(actor.name)} · {word(actor.role).lower()}. Viewers read; editors change content; admins also "
             "change what alters the figures. Every change and every refused attempt is on the audit trail.")
if meeting:
    mode.page_link("pages/governance.py", label="Leave meeting mode", icon=":material/close_fullscreen:",
                   query_params=link_params())
    keys = list(SECTIONS)
    section = st.query_params.get("section") if st.query_params.get("section") in SECTIONS else keys[0]
    st.html("<style>[data-testid=stMainBlockContainer] p, [data-testid=stMainBlockContainer] li "
            "{ font-size: 1.2rem; }</style>")
    for row in (keys[:4], keys[4:]):
        for col, key in zip(st.columns(4), row, strict=True):
            col.page_link("pages/governance.py", label=("▶ " if key == section else "") + SECTIONS[key],
                          query_params=link_params(meeting="1", section=key))
    st.header(SECTIONS[section])
    RENDER[section]()
    i = keys.index(section)
    prev, _, nxt = st.columns([1, 3, 1])
    if i > 0:
        prev.page_link("pages/governance.py", label=f"← {SECTIONS[keys[i - 1]]}",
                       query_params=link_params(meeting="1", section=keys[i - 1]))
    if i < len(keys) - 1:
        nxt.page_link("pages/governance.py", label=f"{SECTIONS[keys[i + 1]]} →",
                      query_params=link_params(meeting="1", section=keys[i + 1]))
else:
    mode.page_link("pages/governance.py", label="Meeting mode", icon=":material/co_present:",
                   query_params=link_params(meeting="1"))
    for tab, key in zip(st.tabs(list(SECTIONS.values())), SECTIONS, strict=True):
        with tab:
            RENDER[key]()
