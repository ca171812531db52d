"""The ASGI app, built from the settings in the environment; each worker imports it.

Logging is configured here, per worker, before the app that logs is built.
"""

from .app import create_app
from .core.logs import configure_logging
from .settings import get_settings

configure_logging(get_settings())
app = create_app(get_settings())
