"""WISMO command centre: separate true customer demand from avoidable 'where is my order' contacts."""

__version__ = "0.1.0"
