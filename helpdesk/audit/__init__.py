"""Append-only, hash-chained trail of who did what."""
