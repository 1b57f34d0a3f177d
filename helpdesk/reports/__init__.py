"""Read side only: the supervisor's dashboard, service-level reports, downloads of ticket lists."""
