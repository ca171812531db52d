"""Jinja extensions of the template: answers as literals, derived answers, the answers' check.

The check runs before cookiecutter creates anything (CheckedProjectFolder).
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from cookiecutter.exceptions import FailedHookException
from cookiecutter.utils import simple_filter
from jinja2 import Environment
from jinja2.ext import Extension

import answers

# The name of the project's folder in the template, the first thing every way of
# rendering (prompts, --no-input, config and replay files) renders.
PROJECT_FOLDER = "{{cookiecutter.project}}"


@simple_filter
def toml_string(value: object) -> str:
    """Return the value as a TOML basic string.

    JSON's escaping covers quotes, backslashes and control characters; DEL is escaped
    too because TOML forbids it raw. Other characters stay as they are, so no
    surrogate-pair escapes (which TOML rejects) are produced.
    """
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


@simple_filter
def python_string(value: object) -> str:
    """Return the value as a Python string literal quoted the way ruff format quotes it.

    Double quotes, unless the text holds more double than single quotes.
    """
    return answers.python_string(str(value))


@simple_filter
def python_versions(python_min: object) -> str:
    """The supported Python versions from python_min on, space-separated."""
    return answers.python_versions(str(python_min))


class CheckedProjectFolder(Extension):
    """Refuse bad answers when cookiecutter names the project folder, before it creates it.

    Cookiecutter runs the pre-generation hook inside the project folder: it creates the
    folder first (and every folder a `/` in the name implies, anywhere on disk), and when
    the hook fails, logs its own traceback under the hook's lines. Every way of rendering
    renders the folder's name before it creates anything; this extension has that name
    pass through `answers.problems`. Cookiecutter's command line prints the problems of a
    FailedHookException, one line each, and exits 1; its Python API raises it.
    """

    def __init__(self, environment: Environment) -> None:
        """Add the filter that checks the answers, and where the template is for the hooks.

        The hooks run in the project folder. Cookiecutter's `_repo_dir` is relative when
        the template was named by a relative path, and cruft passes none: `template_folder`
        is the absolute path of the folder this module was imported from, in both.
        """
        super().__init__(environment)
        # cruft renders two commits of the template in one process to compute an update,
        # importing this module and answers.py once: the second rendering would be checked
        # by the first one's answers.py, whose supported Pythons, say, are out of date.
        # Reloaded for each environment, it is the checkout's own. (This module's names
        # must therefore stay stable: the filters live here, their logic in answers.py.)
        importlib.reload(answers)
        environment.filters["checked_project_folder"] = checked_project_folder
        environment.globals["template_folder"] = str(Path(__file__).resolve().parent)

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        """Send the project folder's name through the check; leave other templates alone."""
        if source == PROJECT_FOLDER:
            return "{{ cookiecutter.project | checked_project_folder(cookiecutter) }}"
        return source


def checked_project_folder(project: str, all_answers: dict[str, Any]) -> str:
    """The project folder's name, if every answer is good; else refuse them all at once."""
    if found := answers.problems(all_answers):
        raise FailedHookException("\n".join(f"ERROR: {message}" for message in found))
    return project
