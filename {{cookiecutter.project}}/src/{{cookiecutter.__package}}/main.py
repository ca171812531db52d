"""The ASGI app, built from the settings in the environment, and the process's logging.

The start command, `python -m {{ cookiecutter.__package }}` (serve.py), checks those
settings and serves this app. Each server worker imports this module, so each configures
its own logging here, before the app that logs is built.
"""

from .app import create_app
from .core.logs import configure_logging
from .settings import get_settings

configure_logging(get_settings())
app = create_app(get_settings())
