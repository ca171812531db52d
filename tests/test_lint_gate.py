"""A bad workflow, dependabot.yml or Dockerfile fails the generated `lint` session."""

from __future__ import annotations

from pathlib import Path

import pytest

from .rendering import render, run_nox

pytestmark = pytest.mark.pipeline

CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"

BREAKAGES = {
    "unpinned-action": (
        ".github/workflows/ci.yml",
        CHECKOUT,
        "actions/checkout@v7",
        "unpinned-uses",
    ),
    "unknown-workflow-key": (
        ".github/workflows/ci.yml",
        "  lint:\n",
        "  lint:\n    run-in: ubuntu-latest\n",
        "'run-in' was unexpected",
    ),
    "dependabot-without-cooldown": (
        ".github/dependabot.yml",
        "    cooldown:\n      default-days: 7\n",
        "",
        "dependabot-cooldown",
    ),
    "unpinned-pip-install-in-dockerfile": (
        "Dockerfile",
        "USER ",
        "RUN pip install httpie\nUSER ",
        "DL3013",
    ),
}


@pytest.mark.parametrize(("path", "old", "new", "complaint"), BREAKAGES.values(), ids=BREAKAGES)
def test_lint_fails_on_a_broken_file(
    tmp_path: Path, path: str, old: str, new: str, complaint: str
) -> None:
    project = render(tmp_path)
    broken = project / path
    text = broken.read_text(encoding="utf-8")
    assert old in text
    broken.write_text(text.replace(old, new), encoding="utf-8")

    result = run_nox(project, "--session=lint")

    assert result.sessions == {"lint": "failed"}, result.output
    assert complaint in result.output
