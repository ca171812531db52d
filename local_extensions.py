"""Jinja extensions of the template: answers as literals, derived answers, the answers' check.

The check runs before cookiecutter creates anything (CheckedProjectFolder).
"""

import importlib
import json
from collections.abc import Iterator
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
    """Refuse bad answers before cookiecutter writes anything, and again at the project folder.

    Cookiecutter writes its replay copy once the answers are known, then creates the
    project folder (and every folder a `/` in the name implies, anywhere on disk) before
    the pre-generation hook can run. So the answers pass through `answers.problems` as
    cookiecutter.json's last answer (`__answers_checked`) is rendered, and again as the
    folder's name is, which every way of rendering renders first, a replay file (whose
    answers are not rendered) included. Cookiecutter's command line prints the problems
    of a FailedHookException, one line each, and exits 1; its Python API raises it.
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
        environment.filters["checked_answers"] = checked_answers
        environment.filters["checked_project_folder"] = checked_project_folder
        template_folder = Path(__file__).resolve().parent
        environment.globals["template_folder"] = str(template_folder)
        defaults = json.loads((template_folder / "cookiecutter.json").read_text(encoding="utf-8"))
        hooks = (template_folder / "hooks").glob("*.py")
        own = [*strings_in(defaults), *(hook.read_text(encoding="utf-8") for hook in hooks)]
        self.own_templates = frozenset(own)
        self.answers_rendered = False

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        """Refuse an answer that holds Jinja before it is evaluated; check all at the folder.

        Cookiecutter renders each answer as a template (`{{ 7*7 }}` would become `49`,
        `{% if %}` a traceback) before anything else: until the project folder's name,
        every string template is an answer, one of cookiecutter.json's own defaults or a
        hook (rendered in an environment of its own).
        """
        if source == PROJECT_FOLDER:
            self.answers_rendered = True
            return "{{ cookiecutter.project | checked_project_folder(cookiecutter) }}"
        an_answer = name is None and not self.answers_rendered and source not in self.own_templates
        if an_answer and (delimiter := answers.jinja_delimiter(source)):
            msg = (
                f"ERROR: the answer {answers.quoted(source)} holds {delimiter!r}, which "
                "cookiecutter and cruft read as Jinja: leave it out"
            )
            raise FailedHookException(msg)
        return source


def strings_in(value: object) -> Iterator[str]:
    """Every string in a JSON value, keys of objects included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def checked_answers(all_answers: dict[str, Any]) -> str:
    """`yes`, if every answer is good; else refuse them all at once, one line each.

    cookiecutter.json's last answer: rendered once every other is known, before
    cookiecutter writes anything (its replay copy included).
    """
    refuse_bad(all_answers)
    return "yes"


def checked_project_folder(project: str, all_answers: dict[str, Any]) -> str:
    """The project folder's name, if every answer is good; else refuse them all at once."""
    refuse_bad(all_answers)
    return project


def refuse_bad(all_answers: dict[str, Any]) -> None:
    """Raise cookiecutter's FailedHookException, one line per bad answer, if any is bad."""
    if found := answers.problems(all_answers):
        raise FailedHookException("\n".join(f"ERROR: {message}" for message in found))
