"""App-layer helpers shared by the pages: cached loaders and formatting. No aggregation here."""
