"""The responsibility ledger: which party owns each ticket at every instant."""
