"""account front door."""
