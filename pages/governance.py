"""Governance: the brief's checklist, risks and controls with their KPIs' live status, actions, audit trail."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from governance.evidence import contradicted
from governance.service import CONTROL_STATUSES, STATUSES, Governance
from metrics import views
from metrics.views import KPI_IDS
from ui import data
from ui.fmt import STATUS_ICON, each, md
from ui.frame import current_actor, download, start

page = start("Governance")
view, run, status = page.view, page.run, page.status
actor = current_actor()
gov = Governance(data.store(), actor, on_figures_changed=data.recompute)
gov.seed_if_empty()
st.caption(f"Signed in as {md(actor.name)} ({actor.role}). Viewers read; editors change content; every change "
           "and every refused attempt is on the audit trail.")

owner_col, owner_btn = st.columns([4, 1])
owner_col.markdown(f"**Executive owner of post-purchase visibility:** {md(gov.executive_owner())}")
with owner_btn.popover("Change", disabled=not actor.may("admin")):
    new_owner = st.text_input("Name and title", key="gov_exec_owner")
    if st.button("Save owner", key="gov_save_owner") and new_owner:
        gov.set_executive_owner(new_owner, reason="named in the governance meeting")
        st.rerun()

period = data.reporting_period(run, view, page.as_of)
kpi_status = {t.kpi.id: t.status for t in data.tiles(run, view, period, tuple(KPI_IDS))}

st.subheader("Evaluation checklist")
found = gov.evidence()
flagged = contradicted(gov.checklist(), found)
checklist = pl.DataFrame(gov.checklist())
checklist = checklist.with_columns(
    each(checklist, "id", lambda q: found.get(q, {}).get("text", ""), "data_says"),
    each(checklist, "id", lambda q: "⚠ data contradicts 'yes'" if q in flagged else "", "check"))
if flagged:
    st.warning(f"The data contradicts the 'yes' on {', '.join(sorted(flagged))}.")
st.dataframe(checklist.select("id", "question", "status", "check", "data_says", "owner", "evidence", "next_review",
                              "notes"), hide_index=True, key="checklist")
with st.form("checklist_edit"):
    c1, c2, c3 = st.columns([1, 1, 3])
    item = c1.selectbox("Question", checklist["id"].to_list(), key="gov_item")
    new_status = c2.selectbox("Status", STATUSES, key="gov_status")
    evidence = c3.text_input("Evidence (text or link)", key="gov_evidence")
    c4, c5 = st.columns([1, 3])
    next_review = c4.date_input("Next review", value=None, key="gov_next_review")
    notes = c5.text_input("Notes", key="gov_notes")
    reason = st.text_input("Reason for the change", key="gov_reason")
    if st.form_submit_button("Save", disabled=not actor.may("editor"), key="gov_save_checklist"):
        try:
            gov.update_checklist(item, status=new_status, evidence=evidence or None, notes=notes or None,
                                 next_review=next_review, reason=reason)
            st.success(f"{item} set to {new_status}.")
            st.rerun()
        except PermissionError as err:
            st.error(str(err))

st.subheader("Risks and controls")
risks = pl.DataFrame(gov.risks())
risks = risks.with_columns(
    each(risks, "kpis", lambda ks: " ".join(f"{STATUS_ICON[kpi_status.get(k, 'none')]} {k}" for k in ks),
         "kpi_status"),
    each(risks, "kpis", lambda ks: "not effective" if any(kpi_status.get(k) == "red" for k in ks) else "effective",
         "effective"))
st.dataframe(risks.select("id", "risk", "control", "owner", "control_status", "last_tested", "kpi_status",
                          "effective"), hide_index=True, key="risks")
st.caption("A control whose linked KPI is off target (■) is shown as not effective.")
with st.form("risk_edit"):
    c1, c2, c3 = st.columns(3)
    rid = c1.selectbox("Control of risk", risks["id"].to_list(), key="gov_risk")
    cstatus = c2.selectbox("Control status", CONTROL_STATUSES, key="gov_cstatus")
    tested = c3.date_input("Last tested", value=dt.date.today(), key="gov_tested")
    rreason = st.text_input("Reason for the change", key="gov_rreason")
    if st.form_submit_button("Save", disabled=not actor.may("editor"), key="gov_save_risk"):
        try:
            gov.update_risk(rid, control_status=cstatus, last_tested=tested, reason=rreason)
            st.rerun()
        except PermissionError as err:
            st.error(str(err))

with st.expander("Add a risk", expanded=False), st.form("risk_add"):
    new_risk = st.text_input("Risk", key="gov_new_risk")
    new_control = st.text_input("Control", key="gov_new_control")
    c1, c2 = st.columns(2)
    new_owner_fn = c1.text_input("Control owner", key="gov_new_risk_owner")
    new_kpis = c2.multiselect("KPIs it protects", KPI_IDS, key="gov_new_risk_kpis")
    if st.form_submit_button("Add risk", disabled=not actor.may("editor"), key="gov_add_risk") and new_risk:
        try:
            gov.add_risk(new_risk, new_control, new_owner_fn, new_kpis, reason="added in the workspace")
            st.rerun()
        except (PermissionError, ValueError) as err:
            st.error(str(err))

st.subheader("Ownership (RACI)")
st.caption("Accountable: the executive owner of post-purchase visibility (retail). R responsible · A accountable · "
           "C consulted · I informed.")
raci = pl.DataFrame(gov.raci())
matrix = raci.pivot(on="function", index=["subject_kind", "subject_id"], values="letter").sort(
    "subject_kind", "subject_id")
st.dataframe(matrix, hide_index=True, key="raci")
with st.form("raci_edit"):
    c1, c2, c3 = st.columns(3)
    subjects = [f"{k}:{i}" for k, i in matrix.select("subject_kind", "subject_id").iter_rows()]
    subject = c1.selectbox("KPI or control", subjects, key="gov_raci_subject")
    function = c2.selectbox("Function", sorted(raci["function"].unique().to_list()), key="gov_raci_function")
    letter = c3.selectbox("Role", ["R", "A", "C", "I"], key="gov_raci_letter")
    if st.form_submit_button("Save", disabled=not actor.may("editor"), key="gov_save_raci"):
        kind, sid = subject.split(":", 1)
        try:
            gov.set_raci(kind, sid, function, letter, reason="RACI update")
            st.rerun()
        except PermissionError as err:
            st.error(str(err))

st.subheader("Actions")
actions = gov.actions()
overdue = {a["id"] for a in gov.overdue(dt.date.today())}
if actions:
    st.dataframe(pl.DataFrame(actions).with_columns(overdue=pl.col("id").is_in(list(overdue))), hide_index=True,
                 key="actions")
else:
    st.caption("No actions recorded yet.")
with st.form("action_add"):
    c1, c2, c3 = st.columns([3, 1, 1])
    text = c1.text_input("Decision or action", key="gov_action_text")
    owner = c2.text_input("Owner", key="gov_action_owner")
    due = c3.date_input("Due", value=dt.date.today() + dt.timedelta(days=7), key="gov_action_due")
    if st.form_submit_button("Add", disabled=not actor.may("editor"), key="gov_add_action") and text:
        try:
            gov.add_action(text, owner, due, dt.date.today(), reason="governance meeting")
            st.rerun()
        except PermissionError as err:
            st.error(str(err))

st.subheader("Peak readiness")
peak = pl.DataFrame(gov.peak_review())
st.dataframe(peak, hide_index=True, key="peak")
with st.form("peak_edit"):
    c1, c2, c3 = st.columns([1, 1, 3])
    pid = c1.selectbox("Item", peak["id"].to_list(), key="gov_peak_item")
    pstatus = c2.selectbox("Status", STATUSES, key="gov_peak_status")
    pnotes = c3.text_input("Notes", key="gov_peak_notes")
    if st.form_submit_button("Save", disabled=not actor.may("editor"), key="gov_save_peak"):
        try:
            gov.update_peak_item(pid, status=pstatus, notes=pnotes or None, reason="pre-peak review")
            st.rerun()
        except PermissionError as err:
            st.error(str(err))
st.markdown("**Scenario: WISMO demand at peak volume**")
rates = data.cause_rates(run, view, page.as_of)
if rates.height == 0:
    st.caption("No recent WISMO contacts or shipped orders to project from.")
else:
    c1, c2, c3, c4 = st.columns(4)
    peak_orders = c1.number_input("Shipped orders in the peak period", min_value=0, value=100_000, step=10_000,
                                  key="peak_orders")
    minutes = c2.number_input("Minutes per agent contact", min_value=0.0, value=6.0, step=0.5, key="peak_minutes")
    fix_cause = c3.selectbox("Close a cause", ["(none)", *rates["cause"].to_list()],
                             format_func=lambda c: views.CAUSE_LABELS.get(c, c), key="peak_cause")
    fix_share = c4.slider("Share of it closed", 0, 100, 50, key="peak_share") / 100
    result = views.scenario(rates, float(peak_orders), float(minutes),
                            {} if fix_cause == "(none)" else {fix_cause: fix_share})
    totals = result.select(pl.col("projected_contacts").sum(), pl.col("projected_agent_hours").sum(),
                           pl.col("after_fix").sum(), pl.col("agent_hours_after_fix").sum()).row(0)
    m1, m2, m3 = st.columns(3)
    m1.metric("Projected WISMO contacts", f"{totals[0]:,.0f}", border=True)
    m2.metric("Projected agent hours", f"{totals[1]:,.0f}", border=True)
    m3.metric("Agent hours after the fix", f"{totals[3]:,.0f}", delta=f"{totals[3] - totals[1]:,.0f}",
              delta_color="inverse", border=True)
    st.dataframe(result.with_columns(pl.col(c).round(1) for c in result.columns if c != "cause"), hide_index=True,
                 key="scenario")
    st.caption("Rates: WISMO contacts per shipped order by cause and the agent-handled share over the last 4 "
               "complete periods.")

st.subheader("Targets and thresholds")
from metrics.catalogue import Thresholds, load_catalogue  # noqa: E402

targets = data.targets(run)
cat = load_catalogue()
st.dataframe(pl.DataFrame([{"kpi": k, "title": cat.kpi(k).title, "green": v.green, "red": v.red,
                            "good": cat.kpi(k).good} for k, v in targets.items()]), hide_index=True, key="targets")
rules = data.rules(run)
st.caption(f"Cause rules in force: version {md(rules.version)} — "
           + ", ".join(f"{k} = {v:g}" for k, v in rules.thresholds.model_dump().items()))
with st.form("target_edit"):
    c1, c2, c3 = st.columns([2, 1, 1])
    tk = c1.selectbox("KPI", list(targets), format_func=lambda k: cat.kpi(k).title, key="gov_target_kpi")
    green = c2.number_input("Green at or better than", value=float(targets[tk].green), format="%.4f",
                            key="gov_target_green")
    red = c3.number_input("Red when worse than", value=float(targets[tk].red), format="%.4f", key="gov_target_red")
    treason = st.text_input("Reason", key="gov_target_reason")
    if st.form_submit_button("Set target", disabled=not actor.may("editor"), key="gov_set_target"):
        try:
            gov.set_target(tk, green=green, red=red, reason=treason)
            data.clear()
            st.rerun()
        except (PermissionError, ValueError) as err:
            st.error(str(err))
with st.form("threshold_edit"):
    c1, c2 = st.columns(2)
    name = c1.selectbox("Threshold", list(Thresholds.model_fields), key="gov_threshold")
    value = c2.number_input("New value", value=float(rules.thresholds.model_dump()[name]), key="gov_threshold_value")
    hreason = st.text_input("Reason", key="gov_threshold_reason")
    if st.form_submit_button("Set threshold and recompute", disabled=not actor.may("admin"), key="gov_set_threshold"):
        try:
            with st.spinner("Recomputing the figures with the new rule version…"):
                gov.set_thresholds(reason=hreason, **{name: value})
            data.clear()
            st.rerun()
        except (PermissionError, ValueError) as err:
            st.error(str(err))
st.caption("Editors change targets; only admins change the thresholds and carrier SLAs that alter the figures. "
           "Each change is a new version on the audit trail.")

st.subheader("Audit trail")
problems = gov.verify()
if problems:
    st.error("The audit trail was changed outside the app: " + "; ".join(problems))
else:
    st.success("Audit chain intact: no row edited or deleted outside the app.")
audit = pl.DataFrame(gov.audit(), infer_schema_length=None)
st.markdown("**Latest changes**")
for row in reversed(gov.audit()[-5:]):
    st.text(f"#{row['seq']} {row['at']} {row['actor']} ({row['role']}) {row['action']} {row['entity_id']}: "
            f"{row['old_value']} → {row['new_value']} [{row['outcome']}] {row['reason']}")
if audit.height:
    f1, f2, f3 = st.columns(3)
    who = f1.selectbox("Actor", ["All", *sorted(audit["actor"].unique().to_list())], key="audit_actor")
    what = f2.selectbox("Entity", ["All", *sorted(audit["entity"].unique().to_list())], key="audit_entity")
    outcome = f3.selectbox("Outcome", ["All", "done", "refused"], key="audit_outcome")
    for col, val in (("actor", who), ("entity", what), ("outcome", outcome)):
        if val != "All":
            audit = audit.filter(pl.col(col) == val)
    shown = audit.select("seq", "at", "actor", "role", "action", "entity_id", "old_value", "new_value", "reason",
                         "outcome")
    st.dataframe(shown, hide_index=True, key="audit")
    download(shown, "audit_trail", "dl_audit")
st.caption("Per-carrier milestone SLAs and per-node/carrier targets are still set in the data (carriers table) "
           "and metrics/catalogue.yaml.")

