"""Users, roles, parties, sites, departments, login sessions and API keys."""
