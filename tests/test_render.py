"""The rendered project is complete, parses and lints clean, and records its answers."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from .rendering import DEFAULTS, render

LEFTOVER_JINJA = re.compile(r"(?<!\$)\{\{|\{%|\{#")


def files_of(project: Path) -> list[Path]:
    return sorted(path for path in project.rglob("*") if path.is_file())


@pytest.fixture(scope="module")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("default"))


def test_default_project_has_the_promised_layout(default_project: Path) -> None:
    package = default_project / "src" / "task_service"

    assert default_project.name == "task-service"
    for expected in [
        "pyproject.toml",
        "noxfile.py",
        "tasks.py",
        "README.md",
        ".gitignore",
        ".cookiecutter.json",
        "tests/unit",
        "tests/integration",
    ]:
        assert (default_project / expected).exists(), expected
    for module in ["app", "settings", "database", "migrate", "models", "repository"]:
        assert (package / f"{module}.py").is_file(), module
    assert (package / "routes" / "tasks.py").is_file()
    assert (package / "migrations" / "0001_create_tasks.sql").is_file()


def test_no_template_syntax_is_left(default_project: Path) -> None:
    for path in files_of(default_project):
        relative = path.relative_to(default_project)
        assert not LEFTOVER_JINJA.search(str(relative)), relative
        assert not LEFTOVER_JINJA.search(path.read_text(encoding="utf-8")), relative


def test_every_python_toml_and_yaml_file_parses(default_project: Path) -> None:
    for path in files_of(default_project):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            compile(text, str(path), "exec")
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix in {".yml", ".yaml"}:
            yaml.safe_load(text)


def test_ruff_is_clean_on_the_output(default_project: Path) -> None:
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--no-cache", "."],
            cwd=default_project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_answers_are_recorded_for_re_rendering(default_project: Path, tmp_path: Path) -> None:
    recorded = json.loads((default_project / ".cookiecutter.json").read_text(encoding="utf-8"))
    answers = recorded["cookiecutter"]

    public = {key: value for key, value in DEFAULTS.items() if not key.startswith("_")}
    assert {key: answers[key] for key in public} == {
        **public,
        "project": "task-service",
    }
    assert "_output_dir" not in answers

    replayed = subprocess.run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            "--replay-file",
            str(default_project / ".cookiecutter.json"),
            f"--output-dir={tmp_path}",
            answers["_template"],
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    again = tmp_path / default_project.name
    assert [p.relative_to(again) for p in files_of(again)] == [
        p.relative_to(default_project) for p in files_of(default_project)
    ]
    for path in files_of(default_project):
        assert (again / path.relative_to(default_project)).read_bytes() == path.read_bytes()


def test_post_generation_hook_prints_next_steps(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", f"--output-dir={tmp_path}", "."],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "cd task-service" in result.stdout
    assert "nox" in result.stdout
