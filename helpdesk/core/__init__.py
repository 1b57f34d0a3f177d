"""Plumbing without business rules: database, time, errors, actors, outbox, Celery wiring."""
