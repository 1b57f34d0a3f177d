"""Major incidents (one outage, many reports) and known-outage notices."""
