"""Mail in and out: notifications by mail, inbound parsing, threading and quarantine."""
