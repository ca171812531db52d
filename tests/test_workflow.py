"""The generated CI workflow only calls nox, is valid and hardened, and matches the noxfile."""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tooling import workflow
from tooling.documentation import documentation, page
from tooling.environment import COMMAND_TIMEOUT, tool
from tooling.nox_runs import nox_listing, nox_sessions
from tooling.template import DEFAULTS, TEMPLATE, options_on, render

ANSWERS = [
    {},
    {"include_image": "no"},
    {"python_min": "3.13", "postgres_version": "16", "include_kubernetes": "yes"},
]
DEFAULT_BRANCH_PUSH = (
    "github.event_name == 'push' && "
    "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)"
)
NOT_THE_DEFAULT_BRANCH = (
    "${{ github.ref != format('refs/heads/{0}', github.event.repository.default_branch) }}"
)
DATABASE_URL = "postgresql://postgres:postgres@localhost:5432/postgres"
LOCKED_NOX = " ".join(workflow.LOCKED_NOX)
IMAGE_ARCHIVE = "${{ runner.temp }}/image.tar"
# What the push job may do besides reading the repository: push the image, attest it.
PUSH_WRITES = {"packages": "write", "id-token": "write", "attestations": "write"}
# GitHub's schemas for the files of .github/, vendored in check-jsonschema (offline).
GITHUB_SCHEMAS = {
    ".github/workflows/ci.yml": "vendor.github-workflows",
    ".github/dependabot.yml": "vendor.dependabot",
}


class Rendered:
    """A rendered project, the answers it was rendered with and its parsed workflow."""

    def __init__(self, project: Path, answers: dict[str, str]) -> None:
        self.project = project
        self.answers = answers
        on = options_on(answers)
        self.include_image = "include_image" in on
        self.include_kubernetes = "include_kubernetes" in on  # the manifests need the image
        self.workflow = workflow.load(project / ".github" / "workflows" / "ci.yml")
        self.jobs: dict[str, workflow.Job] = self.workflow["jobs"]


@pytest.fixture(
    scope="module",
    params=ANSWERS,
    ids=["default", "without-image", "python-3.13-postgres-16-kubernetes"],
)
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    answers: dict[str, str] = request.param
    return Rendered(render(tmp_path_factory.mktemp("workflow"), **answers), answers)


def run_tool(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool(name), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=COMMAND_TIMEOUT,
    )


def with_matrix(settings: dict[str, Any], row: dict[str, str]) -> dict[str, Any]:
    """A step's `with:` as one run of the matrix sees it: its text settings expanded."""
    return {
        key: workflow.with_matrix(value, row) if isinstance(value, str) else value
        for key, value in settings.items()
    }


def assert_valid_and_zizmor_clean(folder: Path) -> None:
    """The folder's .github/ files match GitHub's schemas and zizmor finds nothing in them."""
    for path, schema in GITHUB_SCHEMAS.items():
        result = run_tool("check-jsonschema", f"--builtin-schema={schema}", path, cwd=folder)
        assert result.returncode == 0, result.stdout + result.stderr
    result = run_tool("zizmor", "--offline", "--strict-collection", ".github", cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout
    for path in GITHUB_SCHEMAS:
        assert f"completed {path}" in result.stderr


def assert_least_privilege(parsed: dict[str, Any], writers: dict[str, dict[str, str]]) -> None:
    """No permissions at the top, read-only jobs but for the writers, no kept credentials."""
    assert parsed["permissions"] == {}
    for name, job in parsed["jobs"].items():
        assert job["permissions"] == {"contents": "read", **writers.get(name, {})}, name
        for checkout in workflow.steps_using(job, "actions/checkout"):
            assert checkout["with"]["persist-credentials"] is False, name
    assert parsed["concurrency"] == {
        "group": "${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}",
        # Superseded runs of pull requests and branches go; a default-branch run never does.
        "cancel-in-progress": NOT_THE_DEFAULT_BRANCH,
    }


def test_github_files_are_valid_and_zizmor_clean(rendered: Rendered) -> None:
    assert_valid_and_zizmor_clean(rendered.project)


def test_zizmor_pedantic_finds_nothing(rendered: Rendered) -> None:
    pedantic = ["--offline", "--persona=pedantic", "--format=json", ".github"]
    result = run_tool("zizmor", *pedantic, cwd=rendered.project)

    findings = {finding["ident"] for finding in json.loads(result.stdout)}
    assert findings == set(), result.stdout


def test_workflow_calls_exactly_the_default_and_the_ci_nox_sessions(rendered: Rendered) -> None:
    calls = workflow.nox_calls(rendered.workflow)

    assert nox_sessions(rendered.project, "--sessions", *calls) == calls, "unknown session"
    # Every default session but the local-only verdict, which checks a local run; then the
    # image's, which a bare `nox` leaves out.
    defaults = nox_listing(rendered.project)
    ci_only = nox_sessions(rendered.project, "--tags", "ci")
    assert calls == [s["session"] for s in defaults if "local" not in s["tags"]] + ci_only
    assert [s["session"] for s in defaults if "local" in s["tags"]] == ["verdict"]
    assert ci_only == (["image", "push"] if rendered.include_image else [])


def test_matrix_is_the_noxfile_python_list(rendered: Rendered) -> None:
    noxfile = (rendered.project / "noxfile.py").read_text(encoding="utf-8")
    assignment = next(
        node
        for node in ast.parse(noxfile).body
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "PYTHON_VERSIONS"
    )
    python_versions = ast.literal_eval(assignment.value)

    assert python_versions[0] == rendered.answers.get("python_min", "3.11")
    for name in ("unit", "integration"):
        matrix = {"suite": [name], "python": python_versions}
        assert rendered.jobs[name]["strategy"]["matrix"] == matrix


def test_jobs_run_in_the_promised_order(rendered: Rendered) -> None:
    needs = {name: job.get("needs", []) for name, job in rendered.jobs.items()}

    expected: dict[str, Any] = {
        "lint": [],
        "unit": [],
        "integration": [],
        "coverage": ["unit", "integration"],
    }
    if rendered.include_image:
        expected |= {"build": ["lint", "coverage"], "push": "build"}
        assert rendered.jobs["push"]["if"] == DEFAULT_BRANCH_PUSH
    assert needs == expected
    assert all("if" not in job for name, job in rendered.jobs.items() if name != "push")


def test_permissions_are_least_privilege(rendered: Rendered) -> None:
    assert_least_privilege(rendered.workflow, writers={"push": PUSH_WRITES})


def test_every_action_is_pinned_alike_in_every_workflow(tmp_path: Path) -> None:
    workflows = [
        render(tmp_path) / ".github/workflows/ci.yml",
        TEMPLATE / ".github/workflows/ci.yml",
    ]
    generated, template = (workflow.pins(path) for path in workflows)

    shared = {"actions/checkout", "astral-sh/setup-uv", "actions/attest"}
    assert shared <= generated.keys()
    for action in generated.keys() & template.keys():
        assert generated[action] == template[action], action


def test_integration_has_a_healthy_postgres_and_its_url(rendered: Rendered) -> None:
    job = rendered.jobs["integration"]
    postgres = job["services"]["postgres"]

    version = rendered.answers.get("postgres_version", "18")
    assert re.fullmatch(rf"postgres:{version}@sha256:[0-9a-f]{{64}}", postgres["image"])
    dependabot_copy = rendered.project / ".github" / "postgres" / "Dockerfile"
    assert f"\nFROM {postgres['image']}\n" in dependabot_copy.read_text(encoding="utf-8")
    assert '--health-cmd "pg_isready -U postgres"' in postgres["options"]
    assert postgres["env"]["POSTGRES_PASSWORD"] in DATABASE_URL
    assert postgres["ports"] == ["5432:5432"]
    assert job["env"]["DATABASE_URL"] == DATABASE_URL


@pytest.mark.parametrize("suite", ["unit", "integration"])
def test_test_jobs_upload_their_coverage_data_and_always_their_results(
    rendered: Rendered, suite: str
) -> None:
    job = rendered.jobs[suite]
    coverage, results = workflow.steps_using(job, "actions/upload-artifact")
    # The two jobs share their steps: each run names its artifacts by its suite and Python.
    (row, *_) = workflow.matrix_rows(job)

    assert row["suite"] == suite
    assert with_matrix(coverage["with"], row) == {
        "name": f"coverage-data-{suite}-{row['python']}",
        # The data files the generated noxfile writes: .coverage.<session name>[.<suffix>]
        "path": f".coverage.{suite}-*",
        "include-hidden-files": True,
        "if-no-files-found": "error",
    }
    assert results["if"] == "always()"
    assert with_matrix(results["with"], row) == {
        "name": f"test-results-{suite}-{row['python']}",
        # The JUnit XML the generated noxfile writes: test-results/<session name>.xml
        "path": "test-results/",
        "if-no-files-found": "warn",
    }


def test_jobs_set_up_the_declared_uv_and_only_the_matrix_python(rendered: Rendered) -> None:
    for name, job in rendered.jobs.items():
        (setup_uv,) = workflow.steps_using(job, "astral-sh/setup-uv")
        assert setup_uv["with"] == {"version-file": "pyproject.toml"}, name
        pythons = workflow.steps_using(job, "actions/setup-python")
        matrix = [{"python-version": "${{ matrix.python }}"}] if "strategy" in job else []
        assert [step["with"] for step in pythons] == matrix, name


def test_the_renders_own_parity_check_passes(rendered: Rendered) -> None:
    """tools/parity.py, which the render's lint gate runs, finds nothing on a fresh render."""
    check = subprocess.run(
        [sys.executable, "-m", "tools.parity"],
        cwd=rendered.project,
        capture_output=True,
        text=True,
        check=False,
        timeout=COMMAND_TIMEOUT,
    )

    assert (check.returncode, check.stderr) == (0, "")


def test_coverage_job_combines_the_data_and_always_uploads_the_report(
    rendered: Rendered,
) -> None:
    job = rendered.jobs["coverage"]
    (download,) = workflow.steps_using(job, "actions/download-artifact")
    (upload,) = workflow.steps_using(job, "actions/upload-artifact")
    steps = job["steps"]

    assert download["with"] == {"pattern": "coverage-data-*", "merge-multiple": True}
    assert steps.index(download) < steps.index(upload)
    assert [step["run"] for step in steps if "run" in step] == [f"{LOCKED_NOX} -s coverage"]
    assert upload["if"] == "always()"
    assert upload["with"]["path"].split() == ["htmlcov/", "coverage.xml"]


def test_build_job_tests_the_image_against_postgres_and_keeps_it(rendered: Rendered) -> None:
    if not rendered.include_image:
        assert not {"build", "push"} & rendered.jobs.keys()
        return
    job = rendered.jobs["build"]
    image = workflow.step_with_id(job, "image")
    archive, results = workflow.steps_using(job, "actions/upload-artifact")

    # What `nox -s image` runs locally, against the integration job's PostgreSQL.
    assert workflow.run_steps(job) == [image]
    assert image["run"] == f"{LOCKED_NOX} -s image"
    assert job["services"] == rendered.jobs["integration"]["services"]
    assert job["env"] == {"DATABASE_URL": DATABASE_URL}
    # The tested image leaves the job by its id and as the archive `image` saved.
    assert job["outputs"] == {"image-id": "${{ steps.image.outputs.image-id }}"}
    assert image["env"] == {"IMAGE_ARCHIVE": IMAGE_ARCHIVE}
    assert job["steps"].index(image) < job["steps"].index(archive)
    assert "if" not in archive
    assert archive["with"] == {
        "name": "image",
        "path": IMAGE_ARCHIVE,
        "retention-days": 1,
        "if-no-files-found": "error",
    }
    assert results["if"] == "always()"
    assert results["with"]["path"] == "test-results/"


def test_push_job_pushes_the_image_build_tested(rendered: Rendered) -> None:
    if not rendered.include_image:
        return
    job = rendered.jobs["push"]
    (login,) = workflow.steps_using(job, "docker/login-action")
    (meta,) = workflow.steps_using(job, "docker/metadata-action")
    (download,) = workflow.steps_using(job, "actions/download-artifact")
    push = workflow.step_with_id(job, "push")
    steps = job["steps"]

    assert workflow.run_steps(job) == [push]
    assert push["run"] == f"{LOCKED_NOX} -s push"
    assert push["env"] == {
        "IMAGE_ARCHIVE": IMAGE_ARCHIVE,
        # The id build reported: the push session refuses an archive holding another image.
        "IMAGE_ID": "${{ needs.build.outputs.image-id }}",
        "IMAGE_TAGS": f"${{{{ steps.{meta['id']}.outputs.tags }}}}",
    }
    assert download["with"] == {"name": "image", "path": "${{ runner.temp }}"}
    assert max(steps.index(step) for step in (login, meta, download)) < steps.index(push)
    assert login["with"] == {
        "registry": "ghcr.io",
        "username": "${{ github.actor }}",
        "password": "${{ secrets.GITHUB_TOKEN }}",
    }
    assert meta["with"]["images"] == "ghcr.io/${{ github.repository_owner }}/task-service"
    assert meta["with"]["tags"].split() == ["type=sha,format=long,prefix=", "type=raw,value=latest"]


def test_push_job_attests_the_pushed_image_in_a_public_repository(rendered: Rendered) -> None:
    if not rendered.include_image:
        assert not workflow.uses_anywhere(rendered.workflow, "actions/attest")
        return
    job = rendered.jobs["push"]
    push = workflow.step_with_id(job, "push")
    (sbom,) = workflow.steps_using(job, "anchore/sbom-action")
    provenance, sbom_attestation = workflow.steps_using(job, "actions/attest")
    steps = job["steps"]
    subject = {
        "subject-name": "${{ steps.push.outputs.name }}",
        "subject-digest": "${{ steps.push.outputs.digest }}",
    }

    assert steps.index(push) < steps.index(sbom) < steps.index(provenance)
    assert steps.index(provenance) < steps.index(sbom_attestation)
    assert sbom["with"]["image"] == f"{subject['subject-name']}@{subject['subject-digest']}"
    assert sbom["with"]["format"] == "spdx-json"
    assert sbom["with"]["registry-password"] == "${{ secrets.GITHUB_TOKEN }}"
    # Without sbom-path or a predicate, actions/attest attests SLSA build provenance.
    assert provenance["with"] == subject | {
        "push-to-registry": True,
        "create-storage-record": False,
    }
    assert sbom_attestation["with"] == subject | {"sbom-path": sbom["with"]["output-file"]}
    # GitHub has attestations for private repositories on Enterprise Cloud only.
    for attestation in (provenance, sbom_attestation):
        assert attestation["if"] == "github.event.repository.visibility == 'public'"


def test_no_job_builds_the_image_but_through_nox(rendered: Rendered) -> None:
    text = (rendered.project / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")

    for action in ("docker/build-push-action", "docker/setup-buildx-action"):
        assert not workflow.uses_anywhere(rendered.workflow, action), action
        assert action not in text, action


def test_dependabot_watches_every_ecosystem_the_project_has(rendered: Rendered) -> None:
    dependabot = workflow.load(rendered.project / ".github" / "dependabot.yml")
    ecosystems = [update["package-ecosystem"] for update in dependabot["updates"]]

    assert ecosystems == ["uv", "github-actions", "docker"]
    (docker,) = (
        update for update in dependabot["updates"] if update["package-ecosystem"] == "docker"
    )
    image = ["/"] if rendered.include_image else []
    assert docker["directories"] == [*image, "/.github/postgres"]
    # Dependabot refuses a file with YAML anchors or aliases, which its schema check accepts.
    events = yaml.parse((rendered.project / ".github" / "dependabot.yml").read_text("utf-8"))
    assert not [event for event in events if getattr(event, "anchor", None)]


def test_image_files_and_task_go_with_the_image(rendered: Rendered) -> None:
    tasks = ast.parse((rendered.project / "tasks.py").read_text(encoding="utf-8"))
    task_names = {node.name for node in tasks.body if isinstance(node, ast.FunctionDef)}
    text = documentation(rendered.project)
    deployment = page(rendered.project, "docs/deployment.md")

    for path in ("Dockerfile", ".dockerignore"):
        assert (rendered.project / path).exists() is rendered.include_image, path
    assert ("image" in task_names) is rendered.include_image
    assert {"dev", "db", "migrate", "ci"} <= task_names
    # CI's PostgreSQL has a Dockerfile of its own (for Dependabot), image or not.
    mentions_docker = "docker" in text.lower().replace(".github/postgres/dockerfile", "")
    assert mentions_docker is rendered.include_image
    # So does the page on the image; the manifests need the image and their own answer.
    assert (rendered.project / "docs" / "deployment.md").exists() is rendered.include_image
    assert (rendered.project / "deploy").exists() is rendered.include_kubernetes
    assert ("## Deploying to Kubernetes" in deployment) is rendered.include_kubernetes
    assert ("## Deploying to Kubernetes" in text) is rendered.include_kubernetes


def test_template_workflow_calls_the_templates_default_sessions() -> None:
    template_workflow = workflow.load(TEMPLATE / ".github/workflows/ci.yml")

    # The default sessions, then those tagged for CI alone, as in a generated workflow.
    expected = [*nox_sessions(TEMPLATE), *nox_sessions(TEMPLATE, "--tags", "ci")]
    assert workflow.nox_calls(template_workflow) == expected == ["lint", "tests", "image-tests"]
    assert_least_privilege(template_workflow, writers={})


def test_template_github_files_are_valid_and_zizmor_clean() -> None:
    assert_valid_and_zizmor_clean(TEMPLATE)


def test_template_workflow_tests_on_every_supported_python() -> None:
    jobs = workflow.load(TEMPLATE / ".github/workflows/ci.yml")["jobs"]
    (setup,) = workflow.steps_using(jobs["tests"], "wntrblm/nox")

    listed = [version.strip() for version in setup["with"]["python-versions"].split(",")]
    assert listed == DEFAULTS["__supported_pythons"].split()
