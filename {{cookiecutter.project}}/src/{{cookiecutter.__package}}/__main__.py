"""Check the settings and the database, then serve (serve.py).

`python -m {{ cookiecutter.__package }}`
"""

from .serve import main

main()
