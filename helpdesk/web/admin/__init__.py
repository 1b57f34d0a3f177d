"""admin front door."""
