"""Checks and helpers for the project's own tooling: CI, {% if cookiecutter.include_image %}the image, {% endif %}the gates."""
