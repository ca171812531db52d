"""What no schema knows of deploy/: it agrees with the service, its image and itself."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from {{ cookiecutter.__package }}.app import create_app
from {{ cookiecutter.__package }}.core.serve import shutdown_seconds
from {{ cookiecutter.__package }}.settings import Settings

from .service import UNIT_SETTINGS

PROJECT = Path(__file__).parents[2]
# The pod labels every selector in deploy/ selects by.
POD_LABELS = {"app.kubernetes.io/name": "{{ cookiecutter.project }}"}


def read(path: str) -> str:
    return (PROJECT / path).read_text(encoding="utf-8")


def load(name: str) -> Any:
    return yaml.safe_load(read(f"deploy/{name}"))


@pytest.fixture(scope="module")
def pod() -> Any:
    return load("deployment.yaml")["spec"]["template"]["spec"]


def containers(pod: Any) -> dict[str, Any]:
    """The pod's containers, init containers included, by name."""
    return {each["name"]: each for each in [*pod["containers"], *pod["initContainers"]]}


def environment(container: Any) -> dict[str, Any]:
    return {variable["name"]: variable for variable in container.get("env", [])}


def service_settings(pod: Any) -> Settings:
    """The settings the service container runs with: its `env` values over the unit tests'."""
    env = environment(containers(pod)["service"]).items()
    values = {name.lower(): item["value"] for name, item in env if "value" in item}
    return Settings.model_validate(UNIT_SETTINGS.model_dump() | values)


def ports(pod: Any) -> dict[str, int]:
    """The service container's ports, by name."""
    return {port["name"]: port["containerPort"] for port in containers(pod)["service"]["ports"]}


def test_kustomize_applies_every_manifest_and_sets_the_image_by_digest(pod: Any) -> None:
    kustomization = load("kustomization.yaml")
    [image] = kustomization["images"]
    manifests = {path.name for path in (PROJECT / "deploy").glob("*.yaml")}
    assert sorted(kustomization["resources"]) == sorted(manifests - {"kustomization.yaml"})
    assert {each["image"] for each in containers(pod).values()} == {image["name"]}
    assert "newTag" not in image
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", image["digest"])


def test_the_grace_period_outlasts_the_pause_and_the_servers_own_shutdown(pod: Any) -> None:
    settings = service_settings(pod)
    pause = containers(pod)["service"]["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert pod["terminationGracePeriodSeconds"] > pause + shutdown_seconds(settings)


def test_the_probes_ask_the_health_routes_on_the_served_port(pod: Any) -> None:
    paths = {"liveness": "/health", "startup": "/health", "readiness": "/ready"}
    asked = {probe: containers(pod)["service"][f"{probe}Probe"]["httpGet"] for probe in paths}
    assert asked == {probe: {"path": path, "port": "http"} for probe, path in paths.items()}
    assert set(paths.values()) <= create_app(UNIT_SETTINGS).openapi()["paths"].keys()
    assert ports(pod)["http"] == Settings.model_fields["port"].default


def test_the_migrations_run_once_before_the_service(pod: Any) -> None:
    [migrate] = pod["initContainers"]
    service = containers(pod)["service"]
    assert migrate["command"] == ["python", "-m", "{{ cookiecutter.__package }}", "migrate"]
    assert environment(service)["RUN_MIGRATIONS"]["value"] == "false"
    for each in (migrate, service):
        secret = environment(each)["DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        assert secret == {
            "name": "{{ cookiecutter.project }}-database",
            "key": "DATABASE_URL",
        }


def test_every_container_runs_as_the_images_user_on_a_read_only_root(pod: Any) -> None:
    user = re.search(r"^USER (\d+)$", read("Dockerfile"), re.MULTILINE)
    assert user is not None

    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == int(user[1])
    for each in containers(pod).values():
        assert each["securityContext"]["readOnlyRootFilesystem"] is True
        assert each["securityContext"]["allowPrivilegeEscalation"] is False
        assert each["resources"]["limits"]["cpu"] == each["resources"]["requests"]["cpu"]
{%- if cookiecutter.include_metrics %}


def test_metrics_are_served_on_a_port_of_their_own(pod: Any) -> None:
    settings = service_settings(pod)
    assert ports(pod) == {"http": settings.port, "metrics": settings.metrics_port}
{%- else %}


def test_each_pod_serves_the_api_alone_from_one_worker(pod: Any) -> None:
    settings = service_settings(pod)
    assert ports(pod) == {"http": settings.port}
{%- endif %}
    assert settings.workers == 1
    [service_port] = load("service.yaml")["spec"]["ports"]
    assert service_port["targetPort"] == "http"


def test_each_port_lets_in_its_own_sources_alone(pod: Any) -> None:
    policy = load("network-policy.yaml")
    assert policy["kind"] == "NetworkPolicy"
    assert policy["spec"]["podSelector"] == {"matchLabels": POD_LABELS}
    assert policy["spec"]["policyTypes"] == ["Ingress"]

    rules = policy["spec"]["ingress"]
    allowed: dict[str, list[Any]] = {}
    for rule in rules:
        [port] = rule["ports"]  # a rule of its own for each port
        allowed[port["port"]] = rule["from"]
    assert allowed.keys() == ports(pod).keys()
    assert len(rules) == len(allowed)
    # Each port's sources are the user's to set: one selector each, told apart.
    assert all(len(sources) == 1 for sources in allowed.values())
{%- if cookiecutter.include_metrics %}
    assert allowed["http"] != allowed["metrics"]
{%- endif %}


def test_the_pods_spread_over_nodes_and_zones_and_still_run_on_one_node() -> None:
    template = load("deployment.yaml")["spec"]["template"]
    constraints = template["spec"]["topologySpreadConstraints"]

    assert template["metadata"]["labels"] == POD_LABELS
    keys = {each["topologyKey"] for each in constraints}
    assert keys == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}
    for each in constraints:
        assert each["whenUnsatisfiable"] == "ScheduleAnyway"
        assert each["labelSelector"] == {"matchLabels": POD_LABELS}
        assert each["matchLabelKeys"] == ["pod-template-hash"]


def test_the_docs_state_the_kubernetes_version_lint_validates_against() -> None:
    validated = re.search(r'^KUBERNETES_VERSION = "(\d+\.\d+)\.0"$', read("noxfile.py"), re.M)
    docs = ("README.md", "docs/deployment.md")
    stated = {name: re.findall(r"Kubernetes (\d+\.\d+)", read(name)) for name in docs}
    assert validated is not None
    assert stated == {name: [validated[1]] for name in docs}
