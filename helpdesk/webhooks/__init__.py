"""Webhooks: handoff and ticket events signed and delivered to the parties' own systems."""
