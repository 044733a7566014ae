"""``wismo governance …``: the governance workspace from the command line (roles and audit as in the app)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from wismo.context import EXIT_REFUSED, governance

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
    try:
        counts = governance().import_(json.loads(file.read_text()), reason=reason)
    except (PermissionError, ValueError, KeyError) as err:
        typer.echo(f"refused: {err}", err=True)
        raise typer.Exit(EXIT_REFUSED) from None
    typer.echo("imported: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@gov_app.command("set-target")
def governance_set_target(
    kpi: Annotated[str, typer.Argument(help="KPI id, e.g. wismo_contact_rate.")],
    green: Annotated[float, typer.Option(help="On target at or better than this (as a ratio, e.g. 0.06).")],
    red: Annotated[float, typer.Option(help="Off target when worse than this.")],
    reason: Annotated[str, typer.Option(help="Why: kept on the audit trail.")],
    node: Annotated[str | None, typer.Option(help="A target for this fulfillment node only.")] = None,
    carrier: Annotated[str | None, typer.Option(help="A target for this carrier only.")] = None,
) -> None:
    """Set a KPI's red/amber/green thresholds, overall or for one node or carrier (editors and admins):
    a new, audited targets version. `wismo alerts` evaluates every target set."""
    if node and carrier:
        raise typer.BadParameter("give --node or --carrier, not both")
    dimension, value = ("node", node) if node else ("carrier", carrier) if carrier else ("all", "all")
    try:
        version = governance().set_target(kpi, green=green, red=red, reason=reason, dimension=dimension,
                                           value=value)
    except (PermissionError, ValueError, KeyError) as err:
        typer.echo(f"refused: {err}", err=True)
        raise typer.Exit(EXIT_REFUSED) from None
    where = f" for {dimension} {value}" if dimension != "all" else ""
    typer.echo(f"targets version {version}: {kpi}{where} green {green}, red {red}")


@gov_app.command("set-threshold")
def governance_set_threshold(
    name: Annotated[str, typer.Argument(help="activation_sla_hours, stale_scan_hours, notify_window_hours or "
                                             "repeat_window_days.")],
    value: Annotated[float, typer.Argument(help="The new value.")],
    reason: Annotated[str, typer.Option(help="Why: kept on the audit trail.")],
) -> None:
    """Change a cause-rule / KPI threshold (admin only): a new, audited rule version; figures are recomputed."""
    try:
        version = governance().set_thresholds(reason=reason, **{name: value})
    except (PermissionError, ValueError) as err:
        typer.echo(f"refused: {err}", err=True)
        raise typer.Exit(EXIT_REFUSED) from None
    typer.echo(f"thresholds version {version}: {name} = {value}; figures refreshed")


@gov_app.command("set-carrier-sla")
def governance_set_carrier_sla(
    carrier: Annotated[str, typer.Argument(help="carrier_id")],
    reason: Annotated[str, typer.Option(help="Why: kept on the audit trail.")],
    activation_hours: Annotated[float | None, typer.Option(help="Tracking activation SLA in hours.")] = None,
    stale_hours: Annotated[float | None, typer.Option(help="Hours without a scan before escalation.")] = None,
    escalation: Annotated[str | None, typer.Option(help="Who to escalate to.")] = None,
) -> None:
    """Set a carrier's milestone SLA (admin only); an activation change recomputes the figures."""
    try:
        version = governance().set_carrier_sla(carrier, activation_sla_hours=activation_hours,
                                                stale_scan_hours=stale_hours, escalation_contact=escalation,
                                                reason=reason)
    except (PermissionError, ValueError, KeyError) as err:
        typer.echo(f"refused: {err}", err=True)
        raise typer.Exit(EXIT_REFUSED) from None
    typer.echo(f"carrier SLAs version {version}: {carrier} updated")


@gov_app.command("verify")
def governance_verify() -> None:
    """Check the audit trail's hash chain; exit 1 if a row was edited or deleted outside the app."""
    problems = governance().verify()
    for p in problems:
        typer.echo(f"TAMPERED: {p}")
    if problems:
        raise typer.Exit(EXIT_REFUSED)
    typer.echo("audit chain intact")
