"""The metrics layer: the KPI catalogue as data, portable unit sets, cause attribution, one engine."""
