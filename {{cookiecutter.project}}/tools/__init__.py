"""Checks and helpers for the project's own tooling: CI, the image, the gates."""
