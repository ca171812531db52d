"""Every answer renders a project whose `nox` is green, or is refused with one line.

The checks (answers.py) are called directly here, case by case; tests/test_refusals.py
shows a few of them through the cookiecutter command line, where nothing may be created.
"""

import ast
import sys
from pathlib import Path
from typing import Any

import pytest

import answers
from tooling.template import DEFAULT_PACKAGE, DEFAULTS, render

PUBLIC = {key: value for key, value in DEFAULTS.items() if not key.startswith("_")}
LONGEST_PROJECT = "a" * answers.MAX_PROJECT_LENGTH


def answered(**changes: Any) -> dict[str, Any]:
    """The default answers with some changed, as cookiecutter hands them on."""
    given = {**PUBLIC, "project": "task-service", **changes}
    project = str(given["project"])
    derived = {
        "__supported_pythons": DEFAULTS["__supported_pythons"],
        "__package": answers.package_name(project),
        "__python_versions": answers.python_versions(str(given["python_min"])),
        "_extensions": DEFAULTS["_extensions"],
    }
    return derived | given


REFUSED = {
    "not-an-identifier": ({"project": "123"}, "which is not a Python identifier"),
    "starts-with-a-digit": ({"project": "9lives"}, "which is not a Python identifier"),
    "spaces": ({"project": "Task Service"}, "is not a valid project slug"),
    "double-separator": ({"project": "task--service"}, "is not a valid project slug"),
    "trailing-newline": ({"project": "task-service\n"}, "holds the control character '\\n'"),
    "slash": ({"project": "a/b/c"}, "is not a valid project slug"),
    "absolute-path": ({"project": "/srv/x"}, "is not a valid project slug"),
    "parent-folder": ({"project": "../x"}, "is not a valid project slug"),
    "too-long-project": ({"project": "a" * 300}, "is longer than 35 characters"),
    "keyword": ({"project": "class"}, "which is a Python keyword"),
    "soft-keyword": ({"project": "match"}, "which is a Python keyword"),
    "stdlib": ({"project": "json"}, "which shadows the standard library module"),
    "stdlib-from-the-name": ({"project": "asyncio"}, "which shadows the standard library"),
    "a-dependency": ({"project": "fastapi"}, "is the name of a distribution the project installs"),
    "a-dependency-by-module": ({"project": "dotenv"}, "shadows the module of that name of"),
    "a-transitive-dependency": ({"project": "h11"}, "is the name of a distribution"),
    "typing-extensions": ({"project": "typing-extensions"}, "is the name of a distribution"),
    "a-tool": ({"project": "ruff"}, "is the name of a distribution"),
    "own-tests": ({"project": "tests"}, "is the name of the project's own test package"),
    "own-tasks": ({"project": "tasks"}, "is the name of the project's own tasks.py"),
    "own-noxfile": ({"project": "noxfile"}, "is the name of the project's own noxfile.py"),
    "not-an-email": ({"author_email": "you at example.com"}, "is not an e-mail address"),
    "email-without-domain": ({"author_email": "you"}, "is not an e-mail address"),
    "email-with-two-ats": ({"author_email": "a@b@c.org"}, "is not an e-mail address"),
    "newline-in-author": ({"author": "A\nB"}, "author 'A\\nB' holds the control character"),
    "tab-in-description": ({"description": "a\tb"}, "holds the control character '\\t'"),
    "nul-in-name": ({"project_name": "a\x00b"}, "holds the control character '\\x00'"),
    "escape-in-owner": ({"github_owner": "a\x1b[31m"}, "holds the control character"),
    "lone-surrogate": ({"author": "x\udce9"}, "holds text that cannot be encoded"),
    "long-project-name": (
        {"project_name": "N" * (answers.MAX_TITLE_LITERAL - 1), "project": "n"},
        "project_name 'NNNNN",
    ),
    "long-description": ({"description": "d" * 78}, "is too long for its line"),
    "long-once-escaped": ({"description": "\\" * 60}, "is too long for its line"),
    "owner-with-space": ({"github_owner": "has space"}, "is not a GitHub user"),
    "owner-dash-first": ({"github_owner": "-dash"}, "is not a GitHub user"),
    "owner-too-long": ({"github_owner": "a" * 40}, "is not a GitHub user"),
    "python-too-old": ({"python_min": "3.10"}, "python_min '3.10' is not supported"),
    "python-too-new": ({"python_min": "3.15"}, "python_min '3.15' is not supported"),
    "python-major-only": ({"python_min": "3"}, "python_min '3' is not supported"),
    "threshold-over-100": ({"coverage_threshold": "101"}, "coverage_threshold '101' is not"),
    "threshold-negative": ({"coverage_threshold": "-1"}, "coverage_threshold '-1' is not"),
    "threshold-fraction": ({"coverage_threshold": "90.5"}, "coverage_threshold '90.5' is not"),
    "threshold-words": ({"coverage_threshold": "ninety"}, "coverage_threshold 'ninety'"),
    "threshold-empty": ({"coverage_threshold": ""}, "coverage_threshold '' is not allowed"),
    "threshold-unicode-digits": ({"coverage_threshold": "٩٠"}, "coverage_threshold"),
    "postgres-too-old": ({"postgres_version": "13"}, "postgres_version '13' is not supported"),
    "postgres-words": ({"postgres_version": "latest"}, "postgres_version 'latest' is not"),
    "threshold-leading-zero": ({"coverage_threshold": "090"}, "coverage_threshold '090' is not"),
    "threshold-double-zero": ({"coverage_threshold": "00"}, "coverage_threshold '00' is not"),
    # What a YAML config or a replay file can hold that the prompt cannot give.
    "threshold-a-number": ({"coverage_threshold": 8}, "coverage_threshold 8 is a int, not text"),
    "author-a-mapping": ({"author": {"name": "x"}}, "author {'name': 'x'} is a dict, not text"),
    "name-a-list": ({"project_name": ["a"]}, "project_name ['a'] is a list, not text"),
    "description-a-boolean": ({"description": True}, "description True is a bool, not text"),
    "description-null": ({"description": None}, "description None is a NoneType, not text"),
    "image-the-word-no": ({"include_image": "no"}, "include_image 'no' is not yes or no"),
    "image-the-word-false": ({"include_image": "false"}, "include_image 'false' is not yes or"),
    "kubernetes-maybe": ({"include_kubernetes": "maybe"}, "include_kubernetes 'maybe' is not"),
    "metrics-the-word-no": ({"include_metrics": "no"}, "include_metrics 'no' is not yes or"),
    "windows-device": ({"project": "con"}, "is a name Windows keeps for a device"),
    "windows-device-with-extension": ({"project": "nul.tasks"}, "Windows keeps for a device"),
    "sitecustomize": ({"project": "sitecustomize"}, "which Python imports by itself"),
    # Standard library on some supported Python only, whichever Python runs cookiecutter.
    "stdlib-of-3.11-only": ({"project": "telnetlib"}, "shadows the standard library module"),
    "stdlib-of-3.14-only": ({"project": "annotationlib"}, "shadows the standard library"),
    "invisible-in-the-email": ({"author_email": "you@example.com\u200b"}, "or an invisible"),
    "jinja-in-the-name": ({"project_name": "Tasks {{ x }}"}, "holds '{{', which cookiecutter"),
    "jinja-comment-in-the-description": ({"description": "a {# b"}, "holds '{#', which"),
}
PRIVATE_OVERRIDES = {
    "__package": "evil",
    "__python_versions": '3.11"]; import os  #',
    "__supported_pythons": "3.9 3.10",
    "_extensions": ["local_extensions.toml_string"],
}


@pytest.mark.parametrize(("changes", "message"), REFUSED.values(), ids=REFUSED)
def test_a_bad_answer_is_refused_with_one_line(changes: dict[str, Any], message: str) -> None:
    [problem] = answers.problems(answered(**changes))

    assert message in problem
    assert "\n" not in problem
    assert len(problem) < 200


@pytest.mark.parametrize(("key", "value"), PRIVATE_OVERRIDES.items())
def test_a_private_answer_may_not_differ_from_what_the_template_derives(
    key: str, value: object
) -> None:
    [problem] = answers.problems(answered() | {key: value})

    assert problem.startswith(f"{key} must be what the template derives from the other answers")


def test_every_bad_answer_is_reported_at_once() -> None:
    found = answers.problems(answered(project="json", coverage_threshold="200", python_min="2.7"))

    assert len(found) == 3


ACCEPTED = {
    "default": {},
    "digits": {"project": "service-42"},
    "one-letter": {"project": "a"},
    "dotted": {"project": "acme.tasks"},
    "underscored": {"project": "tasks_api"},
    "longest-project": {"project": LONGEST_PROJECT},
    "threshold-0": {"coverage_threshold": "0"},
    "threshold-100": {"coverage_threshold": "100"},
    "newest-python": {"python_min": "3.14"},
    "postgres-14": {"postgres_version": "14"},
    "owner-with-hyphens": {"github_owner": "a-b-c"},
    "quotes-and-backslash": {"description": 'Says "hi" \\ and more', "author": "O'Brien"},
    "unicode": {"project_name": "Über-Fast Tâsks 🐍", "author": "Zoë Ångström"},
    "html-in-the-name": {"project_name": "</title><script>alert(1)</script>"},
    "no-email": {"author_email": ""},
    "longest-name": {"project_name": "N" * (answers.MAX_TITLE_LITERAL - 2), "project": "n"},
    "longest-description": {"description": "d" * 77},
}


@pytest.mark.parametrize("changes", ACCEPTED.values(), ids=ACCEPTED)
def test_a_good_answer_is_accepted(changes: dict[str, Any]) -> None:
    assert answers.problems(answered(**changes)) == []


def imported_packages(project: Path) -> set[str]:
    """The top-level names that the project's Python files import absolutely."""
    names: set[str] = set()
    for path in project.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.partition(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.partition(".")[0])
    return names


def test_no_project_name_can_shadow_what_the_project_imports(tmp_path: Path) -> None:
    project = render(tmp_path)
    reserved = set(answers.OWN_MODULES).union(*answers.DEPENDENCIES.values())

    third_party = imported_packages(project) - sys.stdlib_module_names - {DEFAULT_PACKAGE}

    assert third_party, "no imports found: the check would prove nothing"
    assert third_party <= reserved, third_party - reserved
