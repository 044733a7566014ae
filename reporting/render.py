"""The brief as a two-page A4 PDF (fpdf2) or one self-contained HTML page (Jinja2), from one ``Brief``.

Both carry the same figures and charts (PNG, embedded); the PDF prints, the HTML reads on a phone.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace
from jinja2 import Environment, FileSystemLoader, select_autoescape

from core.words import word
from metrics.catalogue import STATUS_WORD, load_catalogue
from reporting import charts
from reporting.brief import Brief, CauseLine

TEMPLATES = Path(__file__).parent / "templates"
FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"  # DejaVu ships with matplotlib: offline, Unicode
JUDGED_RGB = {"better": (0, 158, 115), "worse": (213, 94, 0), "unchanged": (110, 110, 110)}  # IBCS: good/bad
STATUS_RGB = {"green": (0, 158, 115), "amber": (200, 130, 0), "red": (213, 94, 0), "none": (120, 120, 120)}
INK, GREY = (30, 30, 30), (110, 110, 110)
LISTED = 6  # controls and actions listed by name; the rest are counted (the brief stays two pages)


def control_line(r: dict) -> str:
    """A control in words: its verdict, the two facts behind it (tested status; KPIs off target), owner, text."""
    off = ", ".join(load_catalogue().kpi(k).title for k in r["off_target"])
    return (f"{r['id']} {r['status']} — tested: {word(r['tested']).lower()}; "
            + (f"off target: {off}" if off else "protected KPIs not off target")
            + f" ({word(r['owner'])}): {r['control']}")


def _cause_judgement(c: CauseLine) -> str:
    """Fewer avoidable contacts is better; true demand and unlinked are not judged."""
    if not c.avoidable or round(c.change) == 0:
        return "unchanged"
    return "better" if c.change < 0 else "worse"


def render(brief: Brief, out: Path) -> Path:
    """Write the brief to ``out``: .pdf or .html by its suffix."""
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        raise ValueError(f"{out}: the brief is written as .pdf or .html")
    out.parent.mkdir(parents=True, exist_ok=True)
    data = pdf_bytes(brief) if suffix == ".pdf" else html(brief).encode()
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)  # a reader never sees half a brief
    return out


# ---- HTML ----------------------------------------------------------------------------------------


def html(brief: Brief) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))

    def b64(png: bytes) -> str:
        return "data:image/png;base64," + base64.b64encode(png).decode()

    return env.get_template("brief.html.j2").render(
        b=brief, words=STATUS_WORD, control_line=control_line,
        sparks={k.id: b64(charts.sparkline(k.spark, k.green, k.status)) for k in brief.kpis},
        cause_chart=b64(charts.cause_bars(brief.causes)) if brief.causes else None,
        backlog_chart=b64(charts.backlog_bars(brief.backlog_buckets)),
    )


# ---- PDF -----------------------------------------------------------------------------------------


class _Pdf(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(12, 11, 12)
        self.set_auto_page_break(True, margin=14)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font("DejaVu", "", 6.5)
        self.set_text_color(*GREY)
        self.cell(0, 4, f"{self.footer_text} · page {self.page_no()}/{{nb}}", align="C")

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("DejaVu", "B", 10.5)
        self.set_text_color(*INK)
        self.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")

    def para(self, text: str, size: float = 8.5) -> None:
        self.set_font("DejaVu", "", size)
        self.set_text_color(*INK)
        self.multi_cell(0, 4.2, text, new_x="LMARGIN", new_y="NEXT")


def pdf_bytes(brief: Brief) -> bytes:
    pdf = _Pdf(brief.footer)
    pdf.set_title(f"WISMO weekly brief {brief.week}")
    pdf.set_author("WISMO command centre")
    pdf.add_page()
    _page_one(pdf, brief)
    pdf.add_page()
    _page_two(pdf, brief)
    return bytes(pdf.output())


def _header(pdf: _Pdf, brief: Brief) -> None:
    pdf.set_font("DejaVu", "B", 15)
    pdf.set_text_color(*INK)
    pdf.cell(0, 8, f"WISMO weekly brief · {brief.week}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8.5)
    pdf.set_text_color(*GREY)
    end = brief.period.toordinal() + 6
    pdf.cell(0, 5, f"Week {brief.period:%d %b %Y} – {type(brief.period).fromordinal(end):%d %b %Y} · "
                   f"for {brief.executive_owner}", new_x="LMARGIN", new_y="NEXT")
    if brief.stale:
        pdf.set_font("DejaVu", "B", 9)
        pdf.set_text_color(*STATUS_RGB["red"])
        pdf.multi_cell(0, 4.5, brief.stale, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*INK)


def _page_one(pdf: _Pdf, brief: Brief) -> None:
    _header(pdf, brief)
    pdf.heading("The eight KPIs against target")
    head = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
    pdf.set_font("DejaVu", "", 8)
    with pdf.table(col_widths=(60, 21, 21, 21, 35, 28), line_height=6.6, headings_style=head,
                   text_align=("LEFT", "RIGHT", "RIGHT", "LEFT", "RIGHT", "CENTER"), borders_layout="HORIZONTAL_LINES",
                   padding=0.8) as table:
        table.row(["KPI", "This week", "Target", "Status", f"Change on the {brief.compared_with}", "Last 12 weeks"])
        for k in brief.kpis:
            row = table.row()
            title = k.title + (f" (week of {k.period:%d %b})" if k.period else "")
            row.cell(title)
            row.cell(k.value)
            row.cell(("≤ " if k.good == "down" else "≥ ") + k.target)
            row.cell(STATUS_WORD[k.status], style=FontFace(color=STATUS_RGB[k.status], emphasis="BOLD"))
            row.cell((f"{k.change} {k.judgement}" if k.judgement != "unchanged" else k.change)
                     + ("\nsignificant shift" if k.signal == "significant shift" else ""),
                     style=FontFace(color=JUDGED_RGB[k.judgement]))
            row.cell(img=io.BytesIO(charts.sparkline(k.spark, k.green, k.status)), img_fill_width=True)
    pdf.heading("Reduction or deflection?")
    pdf.para(brief.verdict)
    pdf.heading("Avoidable WISMO contacts by cause")
    if brief.cost:
        pdf.para(brief.cost)
    if not brief.causes:
        pdf.para(f"No WISMO contacts in the week or the {brief.compared_with}.")
        return
    y = pdf.get_y()
    pdf.set_font("DejaVu", "", 7.5)
    with pdf.table(col_widths=(48, 14, 14, 14), width=90, align="LEFT", line_height=5, headings_style=head,
                   text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"), borders_layout="HORIZONTAL_LINES",
                   padding=0.6) as table:
        table.row(["Cause", "This week", "Before", "Change"])
        for c in brief.causes:
            row = table.row()
            row.cell(c.label + ("" if c.avoidable else " ·"), style=FontFace(
                color=(213, 94, 0) if c.avoidable else INK))
            row.cell(f"{c.this_week:,}")
            row.cell(f"{c.last_week:,.0f}")
            row.cell(f"{c.change:+,.0f}", style=FontFace(color=JUDGED_RGB[_cause_judgement(c)]))
    after = pdf.get_y()
    pdf.image(io.BytesIO(charts.cause_bars(brief.causes)), x=104, y=y, w=94)
    pdf.set_y(after + 1)
    pdf.set_font("DejaVu", "", 6.5)
    pdf.set_text_color(*GREY)
    pdf.cell(0, 4, "Orange: avoidable (a process gap); · marks true demand and unlinked contacts.",
             new_x="LMARGIN", new_y="NEXT")


def _slice_table(pdf: _Pdf, title: str, rows: list, x: float, y: float) -> float:
    """A small table at (x, y); returns where it ends. Tables align to the left margin: move it."""
    margin = pdf.l_margin
    pdf.set_left_margin(x)
    try:
        return _slice_rows(pdf, title, rows, x, y)
    finally:
        pdf.set_left_margin(margin)


def _slice_rows(pdf: _Pdf, title: str, rows: list, x: float, y: float) -> float:
    pdf.set_xy(x, y)
    pdf.set_font("DejaVu", "B", 8.5)
    pdf.cell(90, 5, title, new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    if not rows:
        pdf.cell(90, 5, "No figures for the week.", new_x="LEFT", new_y="NEXT")
        return pdf.get_y()
    pdf.set_x(x)
    with pdf.table(col_widths=(34, 28, 28), width=90, align="LEFT", line_height=5.5,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
                   text_align=("LEFT", "RIGHT", "RIGHT"), borders_layout="HORIZONTAL_LINES", padding=0.6) as table:
        table.row(["", "Avoidable / 100", "Shipped orders"])
        for r in rows:
            row = table.row()
            row.cell(r.name)
            row.cell(r.value, style=FontFace(color=STATUS_RGB[r.status], emphasis="BOLD"))
            row.cell(f"{r.shipped:,}")
    return pdf.get_y()


def _page_two(pdf: _Pdf, brief: Brief) -> None:
    pdf.heading("Can customers trust what they are told?")
    pdf.para("\n".join([*brief.trust, brief.scenarios]).strip() or "No figures for the week.")
    pdf.heading("Where avoidable contacts come from: worst three")
    y = pdf.get_y()
    end = max(_slice_table(pdf, "Fulfillment nodes", brief.worst_nodes, 12, y),
              _slice_table(pdf, "Carriers", brief.worst_carriers, 108, y))
    pdf.set_xy(12, end + 2)
    pdf.heading(f"Exception backlog at as-of: {brief.backlog_open:,} open")
    y = pdf.get_y()
    avg = f"{brief.backlog_avg_age:.1f} d" if brief.backlog_avg_age is not None else "–"
    pdf.para(f"Average age {avg}; {brief.backlog_over_7d:,} older than 7 days.\n"
             + " · ".join(f"{b}: {c:,}" for b, c in brief.backlog_buckets))
    pdf.image(io.BytesIO(charts.backlog_bars(brief.backlog_buckets)), x=120, y=y - 6, w=70)
    pdf.set_y(max(pdf.get_y(), y + 30))
    pdf.heading("Data quality of the week's loads")
    if not brief.loads:
        pdf.para("No load in the week.")
    for load in brief.loads:
        refused = load["status"] == "refused"
        pdf.para(f"{load['load_id']} · {load['status']} · finished {load['finished_at']:%Y-%m-%d %H:%M} UTC · "
                 f"{load['blocking_failures']:,} blocking failures · {load['warnings']:,} warning rows"
                 + (" — REFUSED: nothing was written" if refused else ""))
    pdf.heading("Governance")
    c = brief.checklist
    pdf.para(f"Checklist: {c.get('yes', 0)} yes · {c.get('partly', 0)} partly · {c.get('no', 0)} no · "
             f"{c.get('not_assessed', 0)} not assessed.")
    pdf.set_font("DejaVu", "B", 8.5)
    pdf.cell(0, 5, f"Controls not shown effective ({len(brief.controls_not_effective)})", new_x="LMARGIN",
             new_y="NEXT")
    for r in brief.controls_not_effective[:LISTED]:
        pdf.para(control_line(r), 8)
    _more(pdf, len(brief.controls_not_effective))
    pdf.set_font("DejaVu", "B", 8.5)
    pdf.cell(0, 5, f"Overdue actions ({len(brief.overdue_actions)})", new_x="LMARGIN", new_y="NEXT")
    for a in brief.overdue_actions[:LISTED]:
        pdf.para(f"{a['id']} · due {a['due']} · {a['owner']}: {a['text']}", 8)
    _more(pdf, len(brief.overdue_actions))


def _more(pdf: _Pdf, n: int) -> None:
    if n > LISTED:
        pdf.para(f"… and {n - LISTED} more in the governance workspace.", 8)
