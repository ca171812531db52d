"""The ASGI app each worker imports: logging set up, then the app built, from the settings."""

from .app import create_app
from .core.logs import configure_logging
from .settings import get_settings

configure_logging(get_settings())
app = create_app(get_settings())
