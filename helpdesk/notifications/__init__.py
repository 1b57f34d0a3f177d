"""In-app notifications: what a person should know about their tickets."""
