"""Demo data for ``make run``: sites, parties, services, people and tickets in natural Japanese."""
