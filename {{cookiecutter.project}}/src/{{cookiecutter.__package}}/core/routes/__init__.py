"""The routes every service has: health probes, {% if cookiecutter.include_metrics %}metrics, {% endif %}documentation pages."""
