"""Each combination of the yes/no options renders clean; one switched off leaves no trace."""

from pathlib import Path

import pytest

from tooling.static_checks import (
    assert_every_file_parses,
    assert_no_template_syntax,
    assert_ruff_clean,
    files_of,
)
from tooling.template import options_on, render

# The distinct renders: the manifests need the image, so without it include_kubernetes
# changes nothing.
COMBINATIONS = {
    f"image-{image}-kubernetes-{kubernetes}-metrics-{metrics}-resilience-{resilience}": {
        "include_image": image,
        "include_kubernetes": kubernetes,
        "include_metrics": metrics,
        "include_resilience_tests": resilience,
    }
    for image, kubernetes in [("yes", "yes"), ("yes", "no"), ("no", "no")]
    for metrics in ["yes", "no"]
    for resilience in ["yes", "no"]
}

# What belongs to an option alone, matched case-insensitively. Not "Dockerfile" nor
# "Kubernetes" alone: .github/postgres/Dockerfile names CI's PostgreSQL for Dependabot in
# every render, and docs/operations.md speaks of orchestrators in general.
MARKERS = {
    "include_image": [
        "hadolint",
        "podman",
        "ghcr.io",
        "nox -s image",
        "IMAGE_TAG",
        "IMAGE_ARCHIVE",
        "CONTAINER_ENGINE",
        ".dockerignore",
        "docs/deployment.md",
        "locked_uv",
        "image_python",
        "the image",
    ],
    "include_kubernetes": [
        "kubernetes-validate",
        "KUBERNETES_VERSION",
        "Kubernetes manifests",
        "Kubernetes' schemas",
        "kustomiz",
        "kubectl",
        "deploy/",
        "test_deploy",
    ],
    "include_metrics": ["prometheus", "metric", "scrape", "histogram"],
    "include_resilience_tests": ["resilience", "test_replicas"],
}
# Made anew (the lock) or a record of every answer (the cruft state), on or off.
NOT_SEARCHED = {"uv.lock", ".cruft.json"}
# Known traces, (option, file, marker), each with why it stays: the image's tests and the
# replica scenario say what deploy/ runs.
KNOWN_TRACES = {
    ("include_kubernetes", "tests/image/container.py", "deploy/"),
    ("include_kubernetes", "tests/integration/resilience/test_replicas.py", "deploy/"),
}
# Words that hold a marker but mean something else, (option, file, word), left out of that
# file's lines before they are searched: what the HorizontalPodAutoscaler scales on (its
# `metrics:`, the pods' CPU) and the cluster's metrics-server it reads are Kubernetes'.
OTHER_MEANINGS = {
    ("include_metrics", "deploy/horizontal-pod-autoscaler.yaml", "metrics:"),
    ("include_metrics", "docs/deployment.md", "metrics-server"),
}


def switched_off(answers: dict[str, str]) -> list[str]:
    return sorted(MARKERS.keys() - options_on(answers))


def traces(project: Path, options: list[str]) -> list[str]:
    """Each line of the render that names a switched-off option, as `file:line: marker`."""
    found = []
    for path in files_of(project):
        relative = path.relative_to(project).as_posix()
        if path.name in NOT_SEARCHED:
            continue
        # Line 0 is the file's own path.
        lines = [relative.lower(), *path.read_text(encoding="utf-8").lower().splitlines()]
        for option in options:
            searched = lines
            for other, file, word in OTHER_MEANINGS:
                if (other, file) == (option, relative):
                    searched = [line.replace(word.lower(), "") for line in searched]
            for marker in MARKERS[option]:
                if (option, relative, marker) in KNOWN_TRACES:
                    continue
                found += [
                    f"{relative}:{number}: {marker!r} ({option} is off)"
                    for number, line in enumerate(searched)
                    if marker.lower() in line
                ]
    return found


@pytest.fixture(scope="module", params=list(COMBINATIONS.values()), ids=list(COMBINATIONS))
def combination(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str]]:
    answers: dict[str, str] = request.param
    return render(tmp_path_factory.mktemp("options"), **answers), answers


def test_the_combination_renders_clean(combination: tuple[Path, dict[str, str]]) -> None:
    project, _ = combination

    assert_no_template_syntax(project)
    assert_every_file_parses(project)
    assert_ruff_clean(project)


def test_a_switched_off_option_leaves_no_trace(combination: tuple[Path, dict[str, str]]) -> None:
    project, answers = combination

    assert traces(project, switched_off(answers)) == []


def test_the_markers_are_the_options_own() -> None:
    """Each marker is found with its option on: a marker nothing renders proves nothing."""
    project = Path(__file__).resolve().parents[1] / "{{cookiecutter.project}}"
    text = "\n".join(
        f"{path.relative_to(project)}\n{path.read_text(encoding='utf-8')}".lower()
        for path in files_of(project)
        if path.name not in NOT_SEARCHED
    )
    for option, markers in MARKERS.items():
        for marker in markers:
            assert marker.lower() in text, (option, marker)
    for option, file, word in OTHER_MEANINGS:  # none left over once its file changes
        assert word in (project / file).read_text(encoding="utf-8"), (option, file, word)
