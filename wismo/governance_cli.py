"""``wismo governance …``: the governance workspace from the command line (roles and audit as in the app)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from governance.audit import Anchor
from metrics.catalogue import load_catalogue
from wismo.context import EXIT_REFUSED, governance, refused

gov_app = typer.Typer(help="The governance workspace: checklist, risks and controls, actions, audit trail.",
                      no_args_is_help=True)


@gov_app.command("export")
def governance_export(fmt: Annotated[str, typer.Option("--format", help="json.")] = "json") -> None:
    """Print checklist, risks and controls, actions and the audit trail with its chain check."""
    if fmt != "json":
        raise typer.BadParameter("only json is supported")
    typer.echo(json.dumps(governance().export(), indent=1, default=str))


@gov_app.command("import")
def governance_import(
    file: Annotated[Path, typer.Argument(help="A JSON document shaped like `wismo governance export`.")],
    reason: Annotated[str, typer.Option(help="Why: kept on the audit trail for every change.")] = "import",
) -> None:
    """Apply checklist answers, control statuses, RACI, peak review and new actions from a file
    (editors and admins; every change is audited)."""
    with refused():
        counts = governance().import_(json.loads(file.read_text()), reason=reason)
    typer.echo("imported: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@gov_app.command("set-target")
def governance_set_target(
    kpi: Annotated[str, typer.Argument(help="KPI id, e.g. wismo_contact_rate.")],
    green: Annotated[float, typer.Option(help="On target at or better than this, in the KPI's unit: per 100 shipped "
                                              "orders (6 = 6 per 100), percent (95 = 95 %) or days.")],
    red: Annotated[float, typer.Option(help="Off target when worse than this, in the same unit.")],
    reason: Annotated[str, typer.Option(help="Why: kept on the audit trail.")],
    node: Annotated[str | None, typer.Option(help="A target for this fulfillment node only.")] = None,
    carrier: Annotated[str | None, typer.Option(help="A target for this carrier only.")] = None,
) -> None:
    """Set a KPI's red/amber/green thresholds in the unit the dashboard shows, overall or for one node or carrier
    (editors and admins): a new, audited targets version. A value outside the unit's range (a rate above 100 %,
    say), or a green worse than the red, is refused. `wismo alerts` evaluates every target set."""
    if node and carrier:
        raise typer.BadParameter("give --node or --carrier, not both")
    dimension, value = ("node", node) if node else ("carrier", carrier) if carrier else ("all", "all")
    with refused():
        k = load_catalogue().kpi(kpi)
        version = governance().set_target(kpi, green=k.from_display(green), red=k.from_display(red), reason=reason,
                                          dimension=dimension, value=value)
    where = f" for {dimension} {value}" if dimension != "all" else ""
    typer.echo(f"targets version {version}: {k.title}{where}: on target at {'≤' if k.good == 'down' else '≥'} "
               f"{k.display(k.from_display(green))}, off target beyond {k.display(k.from_display(red))}")


@gov_app.command("add-action")
def governance_add_action(
    text: Annotated[str, typer.Argument(help="The decision or action, in words.")],
    owner: Annotated[str, typer.Option(help="Who does it (a person or a function).")],
    due: Annotated[str, typer.Option(help="Due date, YYYY-MM-DD.")],
    serves: Annotated[str, typer.Option(help="The KPI id or risk id it serves (e.g. R3).")] = "",
    reason: Annotated[str, typer.Option(help="Why: kept on the audit trail.")] = "governance meeting",
) -> None:
    """Record a meeting's action (editors and admins): open, with an owner and a due date."""
    with refused():
        action = governance().add_action(text, owner, dt.date.fromisoformat(due), dt.date.today(), reason=reason,
                                         serves=serves)
    typer.echo(f"action {action} open, due {due}")


@gov_app.command("close-action")
def governance_close_action(
    action: Annotated[str, typer.Argument(help="The action's id (A-…), from `wismo governance export`.")],
    note: Annotated[str, typer.Option(help="The closing note: what was done, or why it was dropped.")],
    dropped: Annotated[bool, typer.Option("--dropped", help="Dropped rather than done.")] = False,
    start: Annotated[bool, typer.Option("--start", help="Only mark it in progress (the note is its reason).")]
    = False,
) -> None:
    """Close an action as done (or --dropped) with a closing note, or mark it in progress (--start); audited.
    A closed action no longer counts as overdue."""
    gov = governance()
    with refused():
        if start:
            gov.update_action(action, status="in_progress", reason=note)
        else:
            gov.close_action(action, note, dropped=dropped)
    typer.echo(f"action {action}: {'in progress' if start else 'dropped' if dropped else 'done'}")


@gov_app.command("set-threshold")
def governance_set_threshold(
    name: Annotated[str, typer.Argument(help="activation_sla_hours, stale_scan_hours, notify_window_hours, "
                                             "repeat_window_days, or a communication scenario's deadline: "
                                             "transit_notice_hours, split_notice_hours, backorder_notice_hours, "
                                             "pickup_notice_hours.")],
    value: Annotated[float, typer.Argument(help="The new value.")],
    reason: Annotated[str, typer.Option(help="Why: kept on the audit trail.")],
) -> None:
    """Change a cause-rule / KPI threshold (admin only): a new, audited rule version; figures are recomputed."""
    with refused():
        version = governance().set_thresholds(reason=reason, **{name: value})
    typer.echo(f"thresholds version {version}: {name} = {value}; figures refreshed")


@gov_app.command("set-truth")
def governance_set_truth(
    fact: Annotated[str, typer.Argument(help="shipped, in_transit, out_for_delivery, delivered, exception, "
                                             "order_status or inventory.")],
    sources: Annotated[str, typer.Option(help="The sources believed, most trusted first, comma-separated: "
                                              "carrier_scan, order_system, warehouse, inventory_system, care.")],
    tolerance: Annotated[float, typer.Option(help="Hours within which two sources agree (0–168).")],
    reason: Annotated[str, typer.Option(help="Why: kept on the audit trail.")],
) -> None:
    """Record which source is believed for one fact (admin only): a new, audited version of the source-of-truth
    hierarchy and of the rule set; the feed-conflict and message-accuracy figures are recomputed."""
    with refused():
        version = governance().set_source_of_truth(
            {fact: {"sources": [x.strip() for x in sources.split(",") if x.strip()], "tolerance_hours": tolerance}},
            reason=reason)
    typer.echo(f"source-of-truth version {version}: {fact} believed from {sources} within {tolerance:g} h; "
               "figures refreshed")


@gov_app.command("set-cost")
def governance_set_cost(
    channel: Annotated[str, typer.Argument(help="phone, chat, email, social or messaging.")],
    handled_by: Annotated[str, typer.Argument(help="agent or bot.")],
    amount: Annotated[float, typer.Argument(help="What one such contact costs, in the currency.")],
    reason: Annotated[str, typer.Option(help="Why: kept on the audit trail.")],
    currency: Annotated[str | None, typer.Option(help="ISO 4217 code (EUR, USD, GBP …) for every amount.")] = None,
) -> None:
    """Set what one contact costs by channel and handler (admin only): a new, audited costs version. The
    overview, drivers page and brief price WISMO and avoidable contacts with it (defaults and their basis:
    metrics/costs.yaml)."""
    with refused():
        version = governance().set_cost(channel, handled_by, amount, currency, reason=reason)
    typer.echo(f"costs version {version}: a {channel} contact handled by {handled_by} costs {amount:,.2f}"
               + (f" {currency}" if currency else ""))


@gov_app.command("set-carrier-sla")
def governance_set_carrier_sla(
    carrier: Annotated[str, typer.Argument(help="carrier_id")],
    reason: Annotated[str, typer.Option(help="Why: kept on the audit trail.")],
    activation_hours: Annotated[float | None, typer.Option(help="Tracking activation SLA in hours.")] = None,
    stale_hours: Annotated[float | None, typer.Option(help="Hours without a scan before escalation.")] = None,
    escalation: Annotated[str | None, typer.Option(help="Who to escalate to.")] = None,
) -> None:
    """Set a carrier's milestone SLA (admin only); an activation change recomputes the figures."""
    with refused():
        version = governance().set_carrier_sla(carrier, activation_sla_hours=activation_hours,
                                                stale_scan_hours=stale_hours, escalation_contact=escalation,
                                                reason=reason)
    typer.echo(f"carrier SLAs version {version}: {carrier} updated")


@gov_app.command("verify")
def governance_verify(
    anchor: Annotated[list[str] | None, typer.Option(
        help="A head copied from a brief, alert or export ('#SEQ MAC' or SEQ:MAC); repeatable.")] = None,
) -> None:
    """Check the audit trail: every row's MAC under the audit key, the chain's links, the heads recorded outside
    the database (the anchor file beside the store and any --anchor), and that the governed settings in force
    are the ones the trail recorded. Exit 1 if anything was edited, inserted, re-hashed or deleted."""
    try:
        given = [Anchor.parse(a) for a in anchor or []]
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None
    gov = governance()
    problems = gov.verify(given)
    for p in problems:
        typer.echo(f"TAMPERED: {p}")
    if problems:
        raise typer.Exit(EXIT_REFUSED)
    anchors = len(gov.seal.anchors()) + len(given)
    typer.echo(f"audit chain intact: head {gov.head() or '(empty)'}; {anchors} recorded heads checked")
