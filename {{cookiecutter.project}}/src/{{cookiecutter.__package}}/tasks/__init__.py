"""The task resource: its routes, request and response schemas, storage and errors."""
