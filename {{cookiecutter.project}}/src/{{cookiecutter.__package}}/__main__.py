"""The service's command line: `python -m {{ cookiecutter.__package }}` serves the app.

`python -m {{ cookiecutter.__package }} migrate` applies the migrations instead. Both
check the settings and the database first, and fail in one line (core/serve.py).
"""

import sys

from .core import migrate, serve

if sys.argv[1:2] == ["migrate"]:
    migrate.main()
else:
    serve.main()
