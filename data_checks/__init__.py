"""Data checks of every load: the contract's blocking and warning rules.

Column rules (required columns, types, enums, ranges, nulls, primary keys) run as
Great Expectations suites, one per table (``suites.py``); rules across rows and
tables (references, timestamp order, duplicates, freshness) run in polars
(``relations.py``). Both report ``Finding`` records through ``runner.check``.
Great Expectations is imported only here, never when a page renders.
"""
