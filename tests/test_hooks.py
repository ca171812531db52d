"""The pre-generation hook refuses bad answers before anything is written."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from .rendering import TEMPLATE, render, render_cli

REJECTED = [
    ({"project_name": "123"}, "gives the package name '123', which is not a Python identifier"),
    ({"project": "9lives"}, "gives the package name '9lives', which is not a Python identifier"),
    ({"project_name": "!!!"}, "project '!!!' is not a valid project slug"),
    ({"project": "Task Service"}, "project 'Task Service' is not a valid project slug"),
    ({"project": "task--service"}, "project 'task--service' is not a valid project slug"),
    ({"project": "class"}, "gives the package name 'class', which is a Python keyword"),
    ({"project": "match"}, "gives the package name 'match', which is a Python keyword"),
    ({"project": "json"}, "which shadows the standard library module of that name"),
    ({"project_name": "Asyncio"}, "which shadows the standard library module of that name"),
    ({"project": "fastapi"}, "which shadows a package the service depends on"),
    ({"project": "tests"}, "which shadows a package the service depends on"),
    ({"project": "httpx2"}, "which shadows a package the service depends on"),
    ({"python_min": "3.10"}, "python_min '3.10' is not supported: choose one of 3.11, 3.12"),
    ({"python_min": "3.15"}, "python_min '3.15' is not supported"),
    ({"python_min": "3"}, "python_min '3' is not supported"),
    ({"coverage_threshold": "101"}, "coverage_threshold '101' is not allowed"),
    ({"coverage_threshold": "-1"}, "coverage_threshold '-1' is not allowed"),
    ({"coverage_threshold": "90.5"}, "coverage_threshold '90.5' is not allowed"),
    ({"coverage_threshold": "ninety"}, "coverage_threshold 'ninety' is not allowed"),
    ({"coverage_threshold": ""}, "coverage_threshold '' is not allowed"),
    ({"postgres_version": "13"}, "postgres_version '13' is not supported"),
    ({"postgres_version": "latest"}, "postgres_version 'latest' is not supported"),
    ({"github_owner": "-dash-first"}, "github_owner '-dash-first' is not a GitHub user"),
    ({"github_owner": "has space"}, "github_owner 'has space' is not a GitHub user"),
]


@pytest.mark.parametrize(("answers", "message"), REJECTED)
def test_bad_answer_stops_before_anything_is_written(
    tmp_path: Path, answers: dict[str, str], message: str
) -> None:
    result = render_cli(tmp_path, **answers)

    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR: ")]
    assert len(errors) == 1, result.stderr
    assert message in errors[0]
    assert list(tmp_path.iterdir()) == []


def test_every_bad_answer_is_reported_at_once(tmp_path: Path) -> None:
    result = render_cli(tmp_path, project="json", coverage_threshold="200", python_min="2.7")

    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR: ")]
    assert result.returncode != 0
    assert len(errors) == 3, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_new_output_folder_is_removed_too(tmp_path: Path) -> None:
    output = tmp_path / "not-there-yet"

    result = render_cli(output, project_name="")

    assert result.returncode != 0
    assert not output.exists()


@pytest.mark.parametrize(
    "answers",
    [
        {"project_name": "My API 2"},
        {"project_name": "Ünïcode Tâsks"},
        {"project": "a"},
        {"project": "acme.tasks"},
        {"project": "tasks_api"},
        {"coverage_threshold": "0"},
        {"coverage_threshold": "100"},
        {"python_min": "3.14"},
        {"postgres_version": "14"},
        {"github_owner": "a-b-c"},
        {"description": 'Says "hi" \\ and more', "author": "O'Brien"},
    ],
)
def test_edge_answers_are_accepted(tmp_path: Path, answers: dict[str, str]) -> None:
    result = render_cli(tmp_path, **answers)

    assert result.returncode == 0, result.stdout + result.stderr
    assert len(list(tmp_path.iterdir())) == 1


def reserved_packages() -> set[str]:
    """The names in the hook's RESERVED_PACKAGES, read from its source."""
    hook = TEMPLATE / "hooks" / "pre_gen_project.py"
    for node in ast.walk(ast.parse(hook.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "RESERVED_PACKAGES":
            assert isinstance(node.value, ast.Call)
            return set(ast.literal_eval(node.value.args[0]))
    raise AssertionError(f"no RESERVED_PACKAGES in {hook}")


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

    third_party = imported_packages(project) - sys.stdlib_module_names - {"task_service"}

    assert third_party, "no imports found: the check would prove nothing"
    assert third_party <= reserved_packages(), third_party - reserved_packages()
