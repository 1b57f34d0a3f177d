"""Business calendars, targets, clocks and breaches."""
