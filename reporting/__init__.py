"""The weekly executive brief (content, charts, PDF and HTML) and threshold alerts."""
