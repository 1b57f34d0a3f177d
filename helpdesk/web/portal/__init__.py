"""portal front door."""
