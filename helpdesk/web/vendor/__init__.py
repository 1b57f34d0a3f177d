"""vendor front door."""
