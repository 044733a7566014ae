"""Fulfillment nodes: ranked worst first on a KPI, the worst one in detail, down to the orders behind it."""

from __future__ import annotations

from metrics.catalogue import load_catalogue
from ui.drill import ranking
from ui.frame import start

page = start("Fulfillment nodes")
ranking(page, "node", [k.id for k in load_catalogue().kpis if k.number and "node" in k.cuts])
