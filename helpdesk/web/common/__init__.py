"""Pieces every front door shares: auth glue, error mapping, headers, i18n, health."""
