"""The service: app factory, settings, database access, models and routes."""
