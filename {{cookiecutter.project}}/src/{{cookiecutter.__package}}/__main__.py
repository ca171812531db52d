"""The service's command line: `python -m {{ cookiecutter.__package }}` serves the app.

With `migrate`, it applies the migrations instead (core/migrate.py).
"""

import sys

from .core import migrate, serve

if sys.argv[1:2] == ["migrate"]:
    migrate.main()
else:
    serve.main()
