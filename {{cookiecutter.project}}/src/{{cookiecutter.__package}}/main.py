"""The ASGI app the server runs: `uvicorn {{ cookiecutter.__package }}.main:app`."""

from .app import create_app

app = create_app()
