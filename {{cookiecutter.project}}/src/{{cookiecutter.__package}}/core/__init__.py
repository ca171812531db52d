"""The platform the resources run on: database, HTTP layers, errors, logs, {% if cookiecutter.include_metrics %}metrics, {% endif %}start-up."""
