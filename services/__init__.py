"""Services: loading, refreshing the figures, reading them for the dashboard, the brief and alerts; the demo data."""
