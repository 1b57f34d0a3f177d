"""api front door."""
