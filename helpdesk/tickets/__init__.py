"""Tickets: inquiries, fault reports, requests, security incidents and their conversation."""
