"""The template's own Python: no command it waits for goes without a time limit."""

import ast
from pathlib import Path

import pytest

TEMPLATE = Path(__file__).resolve().parents[1]
# The template's Python that runs commands: its tests and their library, the bench, the hooks.
FOLDERS = ("tests", "tooling", "bench", "generation", "hooks")
WAITING_CALLS = {"run", "check_call", "check_output"}


def commands_without_a_time_limit(source: str) -> list[int]:
    """The lines of the subprocess calls that wait for their command and give it no timeout."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in WAITING_CALLS
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "subprocess"
        and not any(keyword.arg in {"timeout", None} for keyword in node.keywords)
    ]


@pytest.mark.parametrize(
    ("source", "lines"),
    [
        ("subprocess.run(['git'], check=True)", [1]),
        ("x = 1\nsubprocess.check_output(\n    ['uv'],\n)", [2]),
        ("subprocess.run(['git'], timeout=5)", []),
        ("subprocess.run(['git'], **limits)", []),  # the caller's keywords may hold one
        ("subprocess.Popen(['granian'])", []),  # a server: its owner waits, with a limit
    ],
)
def test_a_command_without_a_time_limit_is_found(source: str, lines: list[int]) -> None:
    assert commands_without_a_time_limit(source) == lines


def test_every_command_the_template_waits_for_has_a_time_limit() -> None:
    found = {
        str(path.relative_to(TEMPLATE)): lines
        for folder in FOLDERS
        for path in sorted((TEMPLATE / folder).rglob("*.py"))
        if (lines := commands_without_a_time_limit(path.read_text(encoding="utf-8")))
    }
    assert found == {}
