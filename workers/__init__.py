"""The Celery process: thin tasks that call domain services; imports helpdesk, never the reverse."""
