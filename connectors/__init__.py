"""Bring your own data: vendor tracking payloads, help-desk exports and column mappings → contract files.

Every connector is a pure transform from what a vendor or an extract gives to contract tables,
with every value it cannot map reported (file, record, field, value, rule) instead of guessed.
The result is written as a contract folder and loaded through the same checks and all-or-nothing
load as native files (connectors/staging.py).
"""
