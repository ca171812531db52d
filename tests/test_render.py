"""The rendered project is complete, parses and lints clean, and records its answers."""

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

import answers
from tooling.documentation import documentation, page
from tooling.environment import COMMAND_TIMEOUT, tool
from tooling.network import free_port
from tooling.nox_runs import nox_listing, run_nox
from tooling.static_checks import (
    assert_every_file_parses,
    assert_no_template_syntax,
    assert_ruff_clean,
    files_of,
)
from tooling.template import (
    DEFAULT_PACKAGE,
    DEFAULTS,
    TEMPLATE,
    cookiecutter_command,
    render,
    render_cli,
)

# The default, then every option value one at a time.
RENDER_CASES = {
    "default": {},
    "python-3.12": {"python_min": "3.12"},
    "python-3.13": {"python_min": "3.13"},
    "python-3.14": {"python_min": "3.14"},
    "no-image": {"include_image": "no"},
    "kubernetes": {"include_kubernetes": "yes"},
    "no-metrics": {"include_metrics": "no"},
    "resilience-tests": {"include_resilience_tests": "yes"},
    "coverage-100": {"coverage_threshold": "100"},
    "postgres-14": {"postgres_version": "14"},
    "name-with-spaces-and-capitals": {"project_name": "ACME Order Tracker"},
    "name-with-digits": {"project_name": "Service 42"},
    "name-with-hyphens-and-accents": {"project_name": "Über-Fast Tasks"},
    "dotted-project": {"project": "acme.tasks"},
    "quotes-in-free-text": {"description": 'A "quoted" \\ description', "author": "O'Brien"},
    # The longest answers the checks allow (answers.py): the code must still lint clean.
    "longest-project": {"project": "p" * answers.MAX_PROJECT_LENGTH},
    "longest-name": {"project_name": "N" * (answers.MAX_TITLE_LITERAL - 2), "project": "n"},
    "longest-description": {"description": "d" * (answers.MAX_DESCRIPTION_LITERAL - 2)},
    "markup-in-the-name": {"project_name": "</title><script>alert(1)</script>"},
    "unicode-everywhere": {"project_name": "Zoë's Tâsks 🐍", "author": "Zoë Ångström"},
    # What ruff takes for look-alikes of ASCII: typographic quotes and dashes, fullwidth
    # letters, a Cyrillic letter among Latin ones.
    "typography": {
        "project_name": "Zo\u00eb\u2019s Tasks \u2013 \uff46ast",
        "description": "T\u0430sks \u201cfor\u201d the team \u2014 fast",
    },
}


@pytest.fixture(scope="module")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module", params=list(RENDER_CASES.values()), ids=list(RENDER_CASES))
def any_project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("render"), **request.param)


def test_default_project_has_the_promised_layout(default_project: Path) -> None:
    package = default_project / "src" / DEFAULT_PACKAGE

    assert default_project.name == "task-service"
    for expected in [
        "pyproject.toml",
        "noxfile.py",
        "tasks.py",
        "README.md",
        ".gitignore",
        ".cruft.json",
        "tests/unit",
        "tests/integration",
    ]:
        assert (default_project / expected).exists(), expected
    # The app and its settings; the task resource in a package of its own; the platform.
    for module in [
        "app",
        "settings",
        "tasks/router",
        "tasks/schemas",
        "tasks/repository",
        "tasks/errors",
        "core/database",
        "core/migrate",
    ]:
        assert (package / f"{module}.py").is_file(), module
    assert (package / "core" / "migrations" / "0001_create_tasks.sql").is_file()
    # Kubernetes is an answer away (include_kubernetes), not in the default.
    assert not (default_project / "deploy").exists()


def test_no_template_syntax_is_left(any_project: Path) -> None:
    assert_no_template_syntax(any_project)


def test_every_python_toml_and_yaml_file_parses(any_project: Path) -> None:
    assert_every_file_parses(any_project)


def test_ruff_is_clean_on_the_output(any_project: Path) -> None:
    assert_ruff_clean(any_project)


def test_answers_are_recorded_for_updates_and_re_rendering(
    default_project: Path, tmp_path: Path
) -> None:
    text = (default_project / ".cruft.json").read_text(encoding="utf-8")
    state = json.loads(text)
    recorded = state["context"]["cookiecutter"]

    public = {key: value for key, value in DEFAULTS.items() if not key.startswith("_")}
    assert {key: recorded[key] for key in public} == {**public, "project": "task-service"}
    # Nothing about the machine it was rendered on (where the template came from is
    # recorded only when it is public: tests/test_post_generation.py).
    assert not {"_output_dir", "_repo_dir"} & recorded.keys()
    assert str(TEMPLATE) not in text
    assert str(default_project.parent) not in text

    # The README's re-render: `context` is a cookiecutter replay file.
    replay = tmp_path / "answers.json"
    replay.write_text(json.dumps(state["context"]), encoding="utf-8")
    replayed = cookiecutter_command(
        "--replay-file", str(replay), f"--output-dir={tmp_path / 'again'}", str(TEMPLATE)
    )
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    again = tmp_path / "again" / default_project.name
    assert [p.relative_to(again) for p in files_of(again)] == [
        p.relative_to(default_project) for p in files_of(default_project)
    ]
    # uv.lock is made anew at each render, from the package index as it is then: a
    # release in between changes it. Every other file is the same, byte for byte.
    for path in files_of(default_project):
        if path.name != "uv.lock":
            assert (again / path.relative_to(default_project)).read_bytes() == path.read_bytes()


@pytest.mark.parametrize(
    "authors",
    [{"author": "", "author_email": ""}, {"author_email": ""}, {"author": ""}],
    ids=["neither", "name-only", "email-only"],
)
def test_the_wheel_builds_whoever_the_author_is(tmp_path: Path, authors: dict[str, str]) -> None:
    project = render(tmp_path, **authors)

    built = subprocess.run(
        [tool("uv"), "build", "--wheel", f"--out-dir={tmp_path / 'dist'}"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        timeout=COMMAND_TIMEOUT,
    )

    assert built.returncode == 0, built.stderr
    assert len(list((tmp_path / "dist").glob("*.whl"))) == 1


MISSING_LOCK = "no uv.lock: run `uv lock` (it needs the package index) and commit uv.lock"


def test_the_render_ships_a_lock_for_every_supported_python(default_project: Path) -> None:
    lock = load_toml(default_project / "uv.lock")
    pyproject = load_toml(default_project / "pyproject.toml")

    assert lock["requires-python"] == pyproject["project"]["requires-python"]
    assert "task-service" in {package["name"] for package in lock["package"]}


def test_without_a_package_index_the_render_succeeds_and_the_first_gate_says_how_to_lock(
    tmp_path: Path,
) -> None:
    unreachable = {"UV_DEFAULT_INDEX": f"http://127.0.0.1:{free_port()}/simple"}
    # One try is enough to fail; uv's retries would only make the test slower.
    result = render_cli(tmp_path, env=unreachable | {"UV_HTTP_RETRIES": "0"})

    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    [warning] = [line for line in output.splitlines() if MISSING_LOCK in line]
    assert warning.startswith(f"WARNING: {MISSING_LOCK} (uv lock: ")
    project = tmp_path / "task-service"
    assert not (project / "uv.lock").exists()
    assert (project / "noxfile.py").is_file()

    gate = run_nox(project, "--session=lint")

    assert gate.sessions == {"lint": "aborted"}
    assert gate.output.count(MISSING_LOCK) == 1, gate.output


def test_post_generation_hook_prints_next_steps(tmp_path: Path) -> None:
    result = render_cli(tmp_path)

    assert result.returncode == 0, result.stderr
    assert "cd task-service" in result.stdout
    assert "nox" in result.stdout


@pytest.fixture(scope="module")
def kubernetes_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("kubernetes"), include_kubernetes="yes")


def test_the_kubernetes_answer_adds_the_manifests_their_test_and_their_docs(
    kubernetes_project: Path, default_project: Path
) -> None:
    assert sorted(path.name for path in (kubernetes_project / "deploy").iterdir()) == [
        "deployment.yaml",
        "horizontal-pod-autoscaler.yaml",
        "kustomization.yaml",
        "network-policy.yaml",
        "pod-disruption-budget.yaml",
        "service.yaml",
    ]
    assert (kubernetes_project / "tests" / "unit" / "test_deploy.py").is_file()
    pyproject = (kubernetes_project / "pyproject.toml").read_text(encoding="utf-8")
    assert "kubernetes-validate" in pyproject
    assert "## Deploying to Kubernetes" in documentation(kubernetes_project)
    # Without it, the image stays and nothing says Kubernetes' manifests.
    assert not (default_project / "tests" / "unit" / "test_deploy.py").exists()
    pyproject = (default_project / "pyproject.toml").read_text(encoding="utf-8")
    assert "kubernetes-validate" not in pyproject
    text = documentation(default_project)
    assert "## Deploying to Kubernetes" not in text
    assert "network-policy" not in text
    assert "## Container image" in page(default_project, "docs/deployment.md")
    assert (default_project / "Dockerfile").is_file()


def test_each_port_of_the_pods_has_its_network_policy_rule_and_the_pods_spread(
    kubernetes_project: Path,
) -> None:
    deploy = kubernetes_project / "deploy"
    pod = yaml.safe_load((deploy / "deployment.yaml").read_text(encoding="utf-8"))["spec"][
        "template"
    ]["spec"]
    [service] = pod["containers"]
    policy = yaml.safe_load((deploy / "network-policy.yaml").read_text(encoding="utf-8"))
    environment = {variable["name"]: variable.get("value") for variable in service["env"]}

    ports = {port["name"]: port["containerPort"] for port in service["ports"]}
    assert ports == {"http": 8000, "metrics": int(environment["METRICS_PORT"])}
    admitted = [rule["ports"] for rule in policy["spec"]["ingress"]]
    assert admitted == [[{"port": "http"}], [{"port": "metrics"}]]
    spread = pod["topologySpreadConstraints"]
    assert [each["topologyKey"] for each in spread] == [
        "kubernetes.io/hostname",
        "topology.kubernetes.io/zone",
    ]
    assert {each["whenUnsatisfiable"] for each in spread} == {"ScheduleAnyway"}


def test_a_template_named_by_a_relative_path_renders(tmp_path: Path) -> None:
    """As `nox -s bake` names it: the hooks run in the project, not where cookiecutter ran."""
    result = cookiecutter_command("--no-input", f"--output-dir={tmp_path}", ".", cwd=TEMPLATE)

    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "task-service" / ".cruft.json").is_file()


def load_toml(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("python_min", "versions"),
    [
        ("3.11", ["3.11", "3.12", "3.13", "3.14"]),
        ("3.12", ["3.12", "3.13", "3.14"]),
        ("3.13", ["3.13", "3.14"]),
        ("3.14", ["3.14"]),
    ],
)
def test_python_minimum_sets_the_matrix(
    tmp_path: Path, python_min: str, versions: list[str]
) -> None:
    project = render(tmp_path, python_min=python_min)

    noxfile = (project / "noxfile.py").read_text(encoding="utf-8")
    pyproject = load_toml(project / "pyproject.toml")
    assert f"PYTHON_VERSIONS = {json.dumps(versions)}" in noxfile
    assert pyproject["project"]["requires-python"] == f">={python_min}"
    classifiers = pyproject["project"]["classifiers"]
    assert [c.rsplit(" ", 1)[1] for c in classifiers if c.count("::") == 2 and "3." in c] == (
        versions
    )


@pytest.mark.parametrize("python_min", ["3.11", "3.14"])
def test_lint_and_coverage_run_on_any_supported_python(tmp_path: Path, python_min: str) -> None:
    project = render(tmp_path, python_min=python_min)
    supported = DEFAULTS["__supported_pythons"].split()
    own = f"{sys.version_info.major}.{sys.version_info.minor}"

    listed = nox_listing(project, "--sessions", "lint", "coverage")

    # nox's own Python when the project supports it, else any supported one installed.
    expected = None if own in supported[supported.index(python_min) :] else f">={python_min}"
    assert [session["python"] for session in listed] == [expected, expected]


@pytest.mark.parametrize(
    ("answers", "folder", "package"),
    [
        ({}, "task-service", "task_service"),
        ({"project_name": "ACME Order Tracker"}, "acme-order-tracker", "acme_order_tracker"),
        ({"project_name": "Service 42"}, "service-42", "service_42"),
        ({"project_name": "Über-Fast Tasks"}, "uber-fast-tasks", "uber_fast_tasks"),
        ({"project": "acme.tasks"}, "acme.tasks", "acme_tasks"),
    ],
)
def test_names_derive_from_the_project_name(
    tmp_path: Path, answers: dict[str, str], folder: str, package: str
) -> None:
    project = render(tmp_path, **answers)

    assert project.name == folder
    assert (project / "src" / package / "app.py").is_file()
    assert load_toml(project / "pyproject.toml")["project"]["name"] == folder
    assert f"python -m {package}\n" in page(project, "docs/operations.md")


def test_free_text_answers_are_escaped(tmp_path: Path) -> None:
    description = 'Says "hi" \\ and more, 🐍'
    project = render(tmp_path, description=description, author="O'Brien")

    metadata = load_toml(project / "pyproject.toml")["project"]
    assert metadata["description"] == description
    assert metadata["authors"][0]["name"] == "O'Brien"


def test_coverage_threshold_is_the_gate(tmp_path: Path) -> None:
    project = render(tmp_path, coverage_threshold="75")

    report = load_toml(project / "pyproject.toml")["tool"]["coverage"]["report"]
    assert report["fail_under"] == 75
