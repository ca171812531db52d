"""The command line: `python -m {{ cookiecutter.__package }}` serves, `... migrate` migrates."""

import sys

from .core import migrate, serve

if sys.argv[1:2] == ["migrate"]:
    migrate.main()
else:
    serve.main()
