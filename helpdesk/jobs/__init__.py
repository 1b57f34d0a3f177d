"""Background jobs: long work a person asked for, with its progress (reports, exports)."""
