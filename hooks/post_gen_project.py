"""Finish the rendered project: drop what the answers switched off, record the answers, lock.

Runs inside the new project folder; its steps are the template's `generation` package,
one module each. Only the lock needs the network (the package index): without it the
project is still complete, and the hook says how to make the lock later.
"""

import json
import sys
from pathlib import Path


def main() -> None:
    """Finish the project in the current directory."""
    # The answers arrive as one JSON document so that no answer can break this file's syntax.
    answers = json.loads({{cookiecutter | jsonify | tojson}})
    template = Path({{template_folder | default(cookiecutter._repo_dir) | tojson}})
    project = Path.cwd()
    sys.dont_write_bytecode = True  # no __pycache__/ in the template or the new project
    sys.path.insert(0, str(template))
    from generation import cruft_state, locking, next_steps, options  # importable once on the path

    options.remove_switched_off_files(project, template, answers)
    cruft_state.record_answers(project, answers, template)
    locking.lock(project, answers["__python_versions"].split())
    next_steps.warn_of_missing_postgres(project)
    if "_repo_dir" in answers:
        # Cookiecutter, not cruft: cruft also runs this hook in each render it makes to
        # compute an update or a diff, where these steps would be wrong.
        next_steps.print_next_steps(project)


if __name__ == "__main__":
    main()
