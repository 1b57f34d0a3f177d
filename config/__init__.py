"""Settings classes, free of secrets. Per-host values arrive as ``HELPDESK_*`` variables."""
