"""Data onboarding: bring an extract, a tracking payload or a ticket export; see the mapping, the mapped
rows and the load's checks before anything is loaded."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from connectors import onboarding
from connectors.mapping import suggest
from core.contract import TABLES
from ui import data
from ui.fmt import md
from ui.frame import current_actor, routed

routed()
st.title("Data onboarding")
st.caption("Nothing is loaded until you press **Load**: first the mapping, the mapped rows, what could not be "
           "mapped and the load's own checks. The same runs from the command line: `wismo import tracking`, "
           "`wismo import contacts`, `wismo mapping suggest`, `wismo load --mapping`.")

actor = current_actor()
data.swept_uploads()
kind = st.radio("What is it?", list(onboarding.KINDS), format_func=onboarding.KINDS.get, horizontal=True,
                key="ob_kind")
fmt = None
if kind in onboarding.FORMATS:
    fmt = st.selectbox("Format", onboarding.FORMATS[kind], key="ob_fmt")
limits = data.upload_limits()
if not actor.may("editor"):
    st.info("Uploading a file is for editors and admins: you can read how each format maps onto the contract.")
    upload = None
else:
    upload = st.file_uploader(
        "File", type=["json", "jsonl", "ndjson", "gz"] if kind != "extract" else ["csv", "parquet"], key="ob_file",
        help=f"At most {limits.max_rows:,} rows and {limits.max_bytes / 2**20:,.0f} MB once read "
             "(WISMO_UPLOAD_MAX_ROWS, WISMO_UPLOAD_MAX_BYTES).")
if upload is None:
    if fmt:
        st.subheader(f"How {fmt} maps onto the contract")
        st.dataframe(onboarding.mapping_table(fmt), hide_index=True, key="ob_table")
    st.stop()
assert upload is not None

with onboarding.scratch() as folder:  # this run's copy of the upload, removed when the run ends
    path = folder / Path(upload.name).name
    path.write_bytes(upload.getvalue())
    mapping_text = None
    try:
        if kind == "extract":
            table = st.selectbox("Contract table it feeds", sorted(TABLES), key="ob_table_pick")
            language = st.radio("Mapping", ["Columns (YAML)", "SQL"], horizontal=True, key="ob_language",
                                help="SQL: SELECTs over the uploaded file (docs/mappings.md), run by DuckDB with "
                                     "no access to anything but this file.")
            if language == "SQL":
                mapping_text = st.text_area(
                    "SQL mapping: one '-- table: NAME' line before each SELECT; name each contract column with AS",
                    value=onboarding.sql_template(path, table), height=300, key=f"ob_sql_{table}_{upload.name}")
                suffix = "sql"
            else:
                mapping_text = st.text_area(
                    "Column mapping (YAML): suggested from the header and the first 500 rows; edit it",
                    value=suggest(path, table, limits=limits), height=300, key=f"ob_map_{table}_{upload.name}")
                suffix = "mapping.yaml"
            st.download_button("Download this mapping", mapping_text, file_name=f"{table}.{suffix}",
                               key="ob_dl_map")
        elif fmt:
            with st.expander(f"How {fmt} maps onto the contract"):
                st.dataframe(onboarding.mapping_table(fmt), hide_index=True)
        staged = onboarding.preview(kind, fmt, path, data.store(), mapping_text, limits)
    except ValueError as err:
        st.error(f"The file cannot be used: {md(err)}")
        st.stop()

for table, df in staged.frames.items():
    st.subheader(f"{table}: {df.height:,} mapped rows")
    st.dataframe(df.head(200), hide_index=True)
if staged.notes:
    st.markdown("**What was read**\n\n" + "\n".join(f"- {md(note)}: {n:,}" for note, n in staged.notes.items()))
if staged.warnings:
    st.warning(f"{len(staged.warnings):,} value(s) mapped with a caveat (they load; worth a look).")
    st.dataframe(staged.issues_frame(warnings=True), hide_index=True, key="ob_warnings")
holes = onboarding.gaps(staged)
if staged.issues:
    st.error(f"{len(staged.issues):,} value(s) could not be mapped: fix the mapping (or the source) first.")
    st.dataframe(staged.issues_frame(), hide_index=True, key="ob_issues")
elif holes:
    st.warning("Mapped, but the load would refuse rows:\n\n" + "\n".join(f"- {md(h)}" for h in holes))
elif any("default" in note or note.startswith("left out") for note in staged.notes):
    st.success("Nothing refused: every record read is mapped, given a default or left out, as counted above.")
else:
    st.success("Every value mapped.")

if st.button("Run the load's checks", key="ob_check", disabled=bool(staged.issues)):
    with st.spinner("Checking…"):
        st.session_state["ob_checked"] = onboarding.check(staged, data.store())
checked = st.session_state.get("ob_checked")
if checked is not None:
    blocking = checked.filter(checked["severity"] == "blocking")
    if blocking.height:
        st.error(f"{blocking.height} blocking rule(s) fail: the load would be refused.")
    else:
        st.success(f"The checks pass ({checked.height} warning rule(s)).")
    st.dataframe(checked, hide_index=True, key="ob_checks")

can_load = not staged.issues and checked is not None and not checked.filter(
    checked["severity"] == "blocking").height
if st.button("Load", type="primary", disabled=not can_load, key="ob_load",
             help="Editors and admins, after the checks pass."):
    with st.spinner("Loading and recomputing the figures…"):
        got = data.load_staged(data.stage_upload(staged), actor.name)
    result = got.load
    if result.landed:
        data.clear()
        loaded = ", ".join(f"{t} {n:,}" for t, n in result.written.items())
        if got.refresh_error:
            st.error(f"Loaded: {loaded}; the figures could NOT be recomputed ({md(got.refresh_error)}): they are "
                     "stale until `wismo refresh` succeeds.")
        else:
            st.success(f"Loaded: {loaded}. Figures refreshed.")
    else:
        st.error(f"The load was refused; nothing was written. Rejects: {md(result.rejects_file)}")
