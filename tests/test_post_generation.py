"""The post-generation hook's steps (the generation package), run on their own (no rendering)."""

import json
from pathlib import Path
from typing import Any

import pytest

from generation import cruft_state, locking, options
from tooling.template import TEMPLATE
from tooling.template_history import git, start_repository

PUBLIC_URL = "https://github.com/acme/cookiecutter-fastapi-nox.git"


def template_checkout(folder: Path, origin: str) -> tuple[Path, str]:
    """A git checkout of a one-answer template whose origin is `origin`; and its commit."""
    folder.mkdir(parents=True)
    (folder / "cookiecutter.json").write_text('{"project": "tasks"}', encoding="utf-8")
    commit = start_repository(folder, "A template")
    git(folder, "remote", "add", "origin", origin)
    return folder, commit


def recorded(project: Path, answers: dict[str, str], template: Path) -> Any:
    project.mkdir()
    cruft_state.record_answers(project, answers, template)
    return json.loads((project / ".cruft.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "origin",
    [PUBLIC_URL, "ssh://git@github.com/acme/template.git", "git@github.com:acme/template.git"],
)
def test_a_public_template_is_recorded_with_its_commit_and_no_path_of_this_machine(
    tmp_path: Path, origin: str
) -> None:
    template, commit = template_checkout(tmp_path / "template", origin)
    answers = {
        "project": "tasks",
        "_template": "gh:acme/cookiecutter-fastapi-nox",
        "_output_dir": "/home/me/code",
        "_repo_dir": str(template),
        "_checkout": "main",
    }

    state = recorded(tmp_path / "project", answers, template)

    assert state == {
        "template": origin,
        "commit": commit,
        "checkout": "main",
        "context": {"cookiecutter": {"project": "tasks", "_template": origin, "_commit": commit}},
        "directory": None,
    }


@pytest.mark.parametrize(
    "origin", ["/home/me/template", "../template", "file:///home/me/template", "C:/template"]
)
def test_a_template_from_a_folder_of_this_machine_is_not_recorded(
    tmp_path: Path, origin: str
) -> None:
    template, _commit = template_checkout(tmp_path / "template", origin)
    answers = {"project": "tasks", "_template": str(template), "_repo_dir": str(template)}

    state = recorded(tmp_path / "project", answers, template)

    assert state == {
        "checkout": None,
        "context": {"cookiecutter": {"project": "tasks"}},
        "directory": None,
    }


def test_a_template_folder_inside_another_checkout_is_not_taken_for_that_checkout(
    tmp_path: Path,
) -> None:
    _repository, _commit = template_checkout(tmp_path / "code", PUBLIC_URL)
    template = tmp_path / "code" / "downloaded-template"
    template.mkdir()
    (template / "cookiecutter.json").write_text('{"project": "tasks"}', encoding="utf-8")

    state = recorded(tmp_path / "project", {"project": "tasks"}, template)

    assert "template" not in state
    assert "commit" not in state


def test_the_answers_keep_the_order_of_cookiecutter_json(tmp_path: Path) -> None:
    template = tmp_path / "template"
    template.mkdir()
    (template / "cookiecutter.json").write_text('{"b": "", "a": "", "_c": ""}', "utf-8")

    state = recorded(tmp_path / "project", {"_c": "3", "a": "1", "b": "2"}, template)

    assert list(state["context"]["cookiecutter"]) == ["b", "a", "_c"]


PACKAGE = "acme_tasks"
METRICS_FILES = [
    f"src/{PACKAGE}/core/metrics.py",
    f"src/{PACKAGE}/core/metrics_port.py",
    f"src/{PACKAGE}/core/routes/metrics.py",
    "tests/metrics_text.py",
    "tests/unit/test_metrics.py",
    "tests/unit/test_metrics_port.py",
]
# What no option owns: it stays whatever the answers.
KEPT = ["README.md", f"src/{PACKAGE}/core/http_layer.py"]
IMAGE_FILES = [
    ".dockerignore",
    "Dockerfile",
    "docs/deployment.md",
    "tests/image/test_image.py",
    "tools/locked_uv.py",
]
KUBERNETES_FILES = ["deploy/deployment.yaml", "tests/unit/test_deploy.py"]
RESILIENCE_FILES = ["tests/integration/resilience/test_shutdown.py"]
OPTION_FILES = sorted(KEPT + IMAGE_FILES + KUBERNETES_FILES + METRICS_FILES + RESILIENCE_FILES)


def remaining(project: Path) -> list[str]:
    return sorted(str(path.relative_to(project)) for path in project.rglob("*") if path.is_file())


@pytest.mark.parametrize(
    ("include_image", "include_kubernetes", "include_metrics", "include_resilience_tests", "left"),
    [
        (True, True, True, True, OPTION_FILES),
        (True, True, True, False, KEPT + IMAGE_FILES + KUBERNETES_FILES + METRICS_FILES),
        (True, False, True, False, KEPT + IMAGE_FILES + METRICS_FILES),
        (True, True, False, False, KEPT + IMAGE_FILES + KUBERNETES_FILES),
        # The manifests run the image: without it there are none, whatever the other says.
        (False, True, True, False, KEPT + METRICS_FILES),
        (False, False, True, False, KEPT + METRICS_FILES),
        (False, False, False, False, KEPT),
    ],
)
def test_switched_off_options_lose_their_files(
    tmp_path: Path,
    include_image: bool,
    include_kubernetes: bool,
    include_metrics: bool,
    include_resilience_tests: bool,
    left: list[str],
) -> None:
    for name in OPTION_FILES:  # their contents do not matter
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("", encoding="utf-8")
    answers = {
        "include_image": include_image,
        "include_kubernetes": include_kubernetes,
        "include_metrics": include_metrics,
        "include_resilience_tests": include_resilience_tests,
        "__package": PACKAGE,
    }

    options.remove_switched_off_files(tmp_path, TEMPLATE, answers)

    assert remaining(tmp_path) == sorted(left)


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
def test_a_failed_lock_is_explained_in_one_line(stderr: str, reason: str) -> None:
    assert locking.why_uv_failed(stderr) == reason
