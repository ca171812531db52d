"""Refuse bad cookiecutter answers before any project file is written.

The checks (answers.py) have already run once, when cookiecutter named the project folder
(local_extensions.CheckedProjectFolder); this hook runs them again for a rendering whose
`_extensions` answer switched that off. Cookiecutter runs it inside the (still empty)
project folder and removes that folder when it exits non-zero.
"""

import json
import sys

# The answers arrive as one JSON document so that no answer can break this file's syntax.
ANSWERS = json.loads({{cookiecutter | jsonify | tojson}})
# Where answers.py is (local_extensions.CheckedProjectFolder says; when that extension is
# switched off, cookiecutter's `_repo_dir` has to do).
TEMPLATE_FOLDER = {{template_folder | default(cookiecutter._repo_dir) | tojson}}


def main() -> int:
    """Print every bad answer on stderr and return the exit status."""
    sys.path.insert(0, TEMPLATE_FOLDER)
    from answers import problems  # importable once the path is set

    messages = problems(ANSWERS)
    for message in messages:
        print(f"ERROR: {message}", file=sys.stderr)
    return 1 if messages else 0


if __name__ == "__main__":
    sys.exit(main())
