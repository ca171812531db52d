"""The ASGI app, built from the settings in the environment.

The start command (serve.py) checks those settings and serves this app:
`python -m {{ cookiecutter.__package }}`.
"""

from .app import create_app
from .settings import get_settings

app = create_app(get_settings())
