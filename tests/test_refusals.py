"""A bad answer stops cookiecutter in one line, with nothing created anywhere.

However the answers arrive (on the command line, from a config file's defaults, from a
replay file), they are checked before cookiecutter creates the project folder, and the
command prints one line per bad answer and exits 1. The pre-generation hook checks them
again, for a rendering that switched the first check off.
"""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from cookiecutter.environment import StrictEnvironment

from tooling.environment import COMMAND_TIMEOUT
from tooling.template import TEMPLATE, cookiecutter_command, render, render_cli


def assert_refused(result: subprocess.CompletedProcess[str], *messages: str) -> None:
    """Exit status 1, and exactly one line per message, each holding its message."""
    assert result.returncode == 1, result.stdout + result.stderr
    lines = (result.stdout + result.stderr).splitlines()
    assert len(lines) == len(messages), lines
    for line, message in zip(lines, messages, strict=True):
        assert line.startswith("ERROR: "), line
        assert message in line, line


def assert_nothing_in(folder: Path) -> None:
    assert not folder.exists() or list(folder.iterdir()) == []


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"project": "a/b/c"}, "project 'a/b/c' is not a valid project slug"),
        ({"project": "../escaped"}, "project '../escaped' is not a valid project slug"),
        ({"project": "x" * 300}, "is longer than 35 characters"),
        ({"author_email": "nope"}, "author_email 'nope' is not an e-mail address"),
        ({"project": "tests"}, "the project's own test package"),
        # Refused before cookiecutter evaluates them: none becomes 49, a traceback or a dump.
        ({"project_name": "{{ 7*7 }}"}, "the answer '{{ 7*7 }}' holds '{{', which"),
        ({"description": "{% if %}"}, "the answer '{% if %}' holds '{%', which"),
        ({"author": "{{ cookiecutter.nothing }}"}, "holds '{{', which cookiecutter and cruft"),
        ({"coverage_threshold": "{# 90 #}"}, "the answer '{# 90 #}' holds '{#'"),
    ],
    ids=[
        "slashes",
        "parent-folder",
        "too-long",
        "not-an-email",
        "own-module",
        "jinja-expression",
        "jinja-syntax-error",
        "jinja-undefined",
        "jinja-comment",
    ],
)
def test_a_bad_answer_on_the_command_line_creates_nothing(
    tmp_path: Path, answers: dict[str, Any], message: str
) -> None:
    output = tmp_path / "output"

    assert_refused(render_cli(output, **answers), message)
    assert_nothing_in(output)
    assert sorted(tmp_path.iterdir()) == []


def test_a_bad_answer_leaves_no_replay_copy(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()

    refused = render_cli(tmp_path / "output", env={"HOME": str(home)}, project="a/b")

    assert_refused(refused, "project 'a/b' is not a valid project slug")
    assert list(home.iterdir()) == []  # cookiecutter's replay copy goes under ~


def test_an_absolute_path_creates_nothing_there(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"

    result = render_cli(tmp_path / "output", project=str(elsewhere))

    assert_refused(result, f"project '{str(elsewhere)[:20]}")
    assert not elsewhere.exists()


def test_every_bad_answer_is_reported_at_once(tmp_path: Path) -> None:
    result = render_cli(tmp_path, project="json", coverage_threshold="200", python_min="2.7")

    assert_refused(
        result,
        "which shadows the standard library module",
        "python_min '2.7' is not supported",
        "coverage_threshold '200' is not allowed",
    )


def test_answers_from_a_config_file_are_checked_too(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump({"default_context": {"author_email": "not-an-address"}}), "utf-8"
    )

    result = cookiecutter_command(
        "--no-input", f"--config-file={config}", f"--output-dir={tmp_path / 'out'}", str(TEMPLATE)
    )

    assert_refused(result, "author_email 'not-an-address' is not an e-mail address")
    assert_nothing_in(tmp_path / "out")


def render_from_a_replay(tmp_path: Path, **changes: object) -> subprocess.CompletedProcess[str]:
    """Render from the replay file of a default render, with these answers changed."""
    project = render(tmp_path / "first")
    replay = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))["context"]
    replay["cookiecutter"].update(changes)
    replay_file = tmp_path / "replay.json"
    replay_file.write_text(json.dumps(replay), encoding="utf-8")
    return cookiecutter_command(
        "--replay-file", str(replay_file), f"--output-dir={tmp_path / 'out'}", str(TEMPLATE)
    )


def test_answers_from_a_replay_file_are_checked_too(tmp_path: Path) -> None:
    result = render_from_a_replay(tmp_path, project="a/b")

    assert_refused(
        result,
        "project 'a/b' is not a valid project slug",
        "__package must be what the template derives from the other answers",
    )
    assert_nothing_in(tmp_path / "out")


def test_a_yes_or_no_answer_in_words_in_a_replay_file_is_refused(tmp_path: Path) -> None:
    result = render_from_a_replay(tmp_path, include_image="no")

    assert_refused(result, "include_image 'no' is not yes or no")
    assert_nothing_in(tmp_path / "out")


def test_the_hook_refuses_what_the_first_check_let_through(tmp_path: Path) -> None:
    """Run the pre-generation hook as cookiecutter would, on answers it never checked."""
    state = json.loads((render(tmp_path / "good") / ".cruft.json").read_text("utf-8"))
    answers = state["context"]["cookiecutter"] | {
        "author_email": "nope",
        "_repo_dir": str(TEMPLATE),
        "_extensions": [],  # what the hook is there for: the first check switched off
    }
    hook = (TEMPLATE / "hooks" / "pre_gen_project.py").read_text(encoding="utf-8")
    environment = StrictEnvironment(context={"cookiecutter": answers})
    script = tmp_path / "pre_gen_project.py"
    script.write_text(environment.from_string(hook).render(cookiecutter=answers), "utf-8")

    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        check=False,
        timeout=COMMAND_TIMEOUT,
    )

    assert_refused(
        result,
        "author_email 'nope' is not an e-mail address",
        "_extensions must be what the template derives from the other answers",
    )
