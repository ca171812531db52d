"""The platform the resources run on: database, HTTP layers, errors, logs, metrics, start-up."""
