"""The post-generation hook's steps, imported and run on their own (no rendering)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from .support.template import TEMPLATE


@pytest.fixture(scope="module")
def hook() -> ModuleType:
    """hooks/post_gen_project.py as a module: it reads the answers only when it runs."""
    spec = importlib.util.spec_from_file_location(
        "post_gen_project", TEMPLATE / "hooks" / "post_gen_project.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_replay_file_keeps_a_fetched_template_and_no_path_of_this_machine(
    hook: ModuleType, tmp_path: Path
) -> None:
    answers = {
        "project": "tasks",
        "_template": "gh:acme/cookiecutter-fastapi-nox",
        "_output_dir": "/home/me/code",
        "_repo_dir": "/home/me/.cookiecutters/cookiecutter-fastapi-nox",
        "_checkout": "main",
    }

    hook.record_answers(tmp_path, answers)

    recorded = json.loads((tmp_path / ".cookiecutter.json").read_text(encoding="utf-8"))
    assert recorded == {
        "cookiecutter": {"project": "tasks", "_template": "gh:acme/cookiecutter-fastapi-nox"}
    }


def test_the_replay_file_leaves_out_a_template_folder_of_this_machine(
    hook: ModuleType, tmp_path: Path
) -> None:
    hook.record_answers(tmp_path, {"project": "tasks", "_template": "/home/me/template"})

    recorded = json.loads((tmp_path / ".cookiecutter.json").read_text(encoding="utf-8"))
    assert recorded == {"cookiecutter": {"project": "tasks"}}


def test_switching_the_image_off_removes_its_files(hook: ModuleType, tmp_path: Path) -> None:
    for name in ("Dockerfile", ".dockerignore", "README.md"):
        (tmp_path / name).write_text("", encoding="utf-8")

    hook.remove_switched_off_files(tmp_path, {"include_image": False})

    assert sorted(path.name for path in tmp_path.iterdir()) == ["README.md"]


@pytest.mark.parametrize(
    ("stderr", "reason"),
    [
        (
            "error: Failed to fetch: `https://pypi.org/simple/fastapi/`\n"
            "  Caused by: Request failed after 3 retries\n"
            "cause: Connection refused (os error 111)\n",
            "Failed to fetch: `https://pypi.org/simple/fastapi/`: "
            "Connection refused (os error 111)",
        ),
        ("", "no output"),
    ],
)
def test_a_failed_lock_is_explained_in_one_line(hook: ModuleType, stderr: str, reason: str) -> None:
    assert hook.why_uv_failed(stderr) == reason
