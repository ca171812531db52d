"""The image that ships, started as production starts it and checked from outside."""

import json
import os

import httpx2

from .container import GRACE_PERIOD, Container, engine, started


def test_health_and_readiness(service: Container) -> None:
    assert httpx2.get(f"{service.url}/health").status_code == httpx2.codes.OK
    assert httpx2.get(f"{service.url}/ready").status_code == httpx2.codes.OK


def test_a_task_created_is_read_back(service: Container) -> None:
    created = httpx2.post(f"{service.url}/tasks", json={"title": "Ship the image"})
    assert created.status_code == httpx2.codes.CREATED, created.text

    read = httpx2.get(f"{service.url}/tasks/{created.json()['id']}")
    assert read.status_code == httpx2.codes.OK
    assert read.json() == created.json()


def test_the_healthcheck_passes_on_the_port_the_service_listens_on(service: Container) -> None:
    # What the engine runs for the HEALTHCHECK, run now (the engine waits `interval`).
    details = json.loads(engine("image", "inspect", os.environ["IMAGE"]).stdout)[0]
    # Docker reports it in the image's Config, Podman beside it.
    healthcheck = details["Config"].get("Healthcheck") or details.get("Healthcheck") or {}
    test = healthcheck.get("Test") or []
    assert test[:1] == ["CMD"], (
        f"the image has no exec-form HEALTHCHECK ({test!r}); Podman keeps one only when "
        "building in Docker's format"
    )

    verdict = service.exec(*test[1:])

    assert verdict.returncode == 0, (
        f"the HEALTHCHECK fails with PORT={service.port}: {verdict.stderr.strip()[-500:]}"
    )


def test_runs_as_an_unprivileged_user(service: Container) -> None:
    user = service.exec("id", "-u")

    assert user.returncode == 0, user.stderr
    assert user.stdout.strip() != "0", "the image runs as root: its final stage needs a USER"


def test_only_tmp_is_writable(service: Container) -> None:
    assert service.exec("touch", "/tmp/written").returncode == 0  # noqa: S108 (the container's)
    for folder in ("/", "/opt/venv", "/home"):
        written = service.exec("touch", f"{folder.rstrip('/')}/written")
        assert written.returncode != 0, f"{folder} is writable"
        assert "Read-only file system" in written.stderr


def test_bad_settings_stop_it_in_one_line() -> None:
    with started(DB_POOL_MAX_SIZE="none") as container:
        state = container.wait_until_exited()
        output = container.logs().strip().splitlines()

    assert state["ExitCode"] != 0
    assert len(output) == 1, output
    assert "DB_POOL_MAX_SIZE" in output[0]


def test_sigterm_stops_it_cleanly() -> None:
    with started() as container:
        container.wait_until_serving()
        stopped = engine("stop", f"--time={GRACE_PERIOD}", container.name)
        state = container.state()

    assert stopped.returncode == 0, stopped.stderr
    # Killed at the end of the grace period, it would exit with 137.
    assert state["ExitCode"] == 0, f"exit status {state['ExitCode']} after SIGTERM"
