"""The service: its resources (tasks/), the platform they run on (core/), and the app."""
