"""`python -m {{ cookiecutter.__package }}`: check the settings and the database, then serve."""

from .serve import main

main()
