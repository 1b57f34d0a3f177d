"""Responsibility between parties: segments, handoffs, the demarcation matrix."""
