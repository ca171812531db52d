"""`python -m {{ cookiecutter.__package }}`: the service's command line (core/cli.py)."""

from .core.cli import main

main()
