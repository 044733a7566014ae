"""The words people read for the codes the contract and the workspace use: one table, so that no page, brief
or alert shows a snake_case code. Cause labels live with the cause rules (metrics/rules.yaml), KPI titles and
units in the catalogue (metrics/catalogue.yaml); downloads keep the codes.
"""

from __future__ import annotations

WORDS: dict[str, str] = {
    # node types, sales channels, delivery methods
    "dc": "Distribution centre", "store": "Store", "3pl": "3PL", "dropship": "Drop-ship",
    "web": "Web", "app": "App", "marketplace": "Marketplace", "phone": "Phone", "ship": "Ship", "pickup": "Pickup",
    # line outcomes
    "fulfilled": "Fulfilled", "backordered": "Backordered", "substituted": "Substituted",
    "cancelled_oos": "Cancelled: out of stock", "cancelled_customer": "Cancelled by the customer",
    # carrier scans
    "info_received": "Label created (info received)", "in_transit": "In transit", "out_for_delivery": "Out for delivery",
    "attempt_failed": "Delivery attempt failed", "available_for_pickup": "Ready for pickup", "delivered": "Delivered",
    "exception": "Exception", "returned": "Returned",
    # exceptions
    "carrier_delay": "Carrier delay", "weather_delay": "Weather delay", "lost": "Lost", "damaged": "Damaged",
    "address_issue": "Address issue", "inventory_shortage": "Inventory shortage",
    "missed_processing_window": "Missed processing window", "other": "Other",
    "carrier": "Carrier", "wms": "Warehouse system", "oms": "Order system", "care": "Customer care",
    "fulfillment": "Fulfillment", "carrier_management": "Carrier management", "inventory": "Inventory",
    "customer_care": "Customer care", "digital": "Digital", "retail": "Retail", "it_digital": "IT / digital",
    # notifications
    "order_confirmation": "Order confirmation", "shipment_confirmation": "Shipment confirmation",
    "pickup_ready": "Ready for pickup", "delay": "Delay notice", "partial_shipment": "Partial shipment notice",
    "backorder": "Backorder notice", "substitution": "Substitution notice",
    "email": "E-mail", "sms": "SMS", "push": "Push", "sent": "Sent", "failed": "Failed",
    # contacts
    "chat": "Chat", "social": "Social", "messaging": "Messaging", "agent": "Agent", "bot": "Bot",
    "order_status": "Where is my order", "delivery_issue": "Delivery issue", "return_refund": "Return or refund",
    "cancel_modify": "Cancel or change", "product": "Product", "billing": "Billing",
    # the order's state when the customer asked
    "on_track": "On track", "late": "Late (promise passed)", "unlinked": "No order",
    # governance
    "yes": "Yes", "partly": "Partly", "no": "No", "not_assessed": "Not assessed",
    "designed": "Designed", "operating": "Operating", "not_tested": "Not tested",
    "open": "Open", "in_progress": "In progress", "done": "Done", "dropped": "Dropped",
    "viewer": "Viewer", "editor": "Editor", "admin": "Admin", "refused": "Refused",
    # load checks
    "landed": "Landed", "blocking": "Blocking", "warning": "Warning",
    # rule thresholds
    "activation_sla_hours": "Tracking activation SLA", "stale_scan_hours": "Stale scan threshold",
    "notify_window_hours": "Notice window", "repeat_window_days": "Repeat-contact window",
    "transit_notice_hours": "Shipment confirmation deadline", "split_notice_hours": "Partial-shipment notice deadline",
    "backorder_notice_hours": "Backorder notice deadline", "pickup_notice_hours": "Pickup-ready notice deadline",
    # feed conflicts (metrics/units.py CONFLICT_KINDS)
    "delivered_unconfirmed": "Delivered in the order system, no carrier delivered scan",
    "delivered_unrecorded": "Scanned delivered by the carrier, not delivered in the order system",
    "delivered_apart": "Delivered times further apart than the tolerance",
    "shipped_unscanned": "Shipped, no carrier scan within the activation SLA",
    "moving_after_delivered": "Scanned as moving after a delivered scan",
    # sources of truth
    "carrier_scan": "Carrier scan", "order_system": "Order system", "warehouse": "Warehouse system",
    "inventory_system": "Inventory system",
    # cuts
    "node": "Node", "all": "All",
}


def word(code: object) -> str:
    """The words for a code ('' for none); an unknown code reads as itself, with spaces."""
    if code is None:
        return ""
    text = str(code)
    return WORDS.get(text, text.replace("_", " "))
