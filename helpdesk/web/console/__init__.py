"""console front door."""
