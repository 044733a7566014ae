"""Threshold alerts: breaches of KPI targets and carrier milestone SLAs, de-duplicated, kept in the
store and sent to webhooks and e-mail."""
