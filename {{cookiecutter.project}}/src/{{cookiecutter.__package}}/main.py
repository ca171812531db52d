"""The ASGI app, built from the settings in the environment: `{{ cookiecutter.__package }}.main:app`.

`python -m {{ cookiecutter.__package }}` checks those settings and serves this app (serve.py).
"""

from .app import create_app
from .settings import get_settings

app = create_app(get_settings())
