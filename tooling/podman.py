"""Build and run a rendered project's image with Podman, as its `nox -s image` does.

Two modes, chosen by IMAGE_BASES. `registry`, where a registry answers (the template's
GitHub workflow): the Dockerfile's own base images, pulled by digest. `stand-in`, the
default, for machines no registry answers: the base images (pinned by digest, which a
local image cannot satisfy) are replaced, in the render's copy only, by a stand-in made
here from Debian packages (`mmdebstrap`): Debian's Python in a virtual environment at
/usr/local, as the official image has Python and pip there. Its Python can differ from
the real base's: the image built on it is not the one that ships.

Network: the build uses the host's network (the package index as this machine reaches
it); the gate's containers run in a network namespace of the test's own, with the
throwaway PostgreSQL the gate starts there, and nothing else reachable. The gate's build
runs in that namespace too, on the layers a build just before it cached.
"""

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from .environment import COMMAND_TIMEOUT
from .nox_runs import NoxRun, run_nox

# The stand-in's recipe; its hash names the image, so a changed recipe makes a new one.
DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
PACKAGES = "python3,python3-venv,ca-certificates"
STAND_IN_STEPS = "RUN python3 -m venv /usr/local\nENV LANG=C.UTF-8\n"
RECIPE = f"{DEBIAN_SUITE} {PACKAGES} {STAND_IN_STEPS}"
STAND_IN = f"localhost/stand-in/python:{hashlib.sha256(RECIPE.encode()).hexdigest()[:12]}"
BASE_IMAGE_LINE = re.compile(r"^FROM python:\S+", re.MULTILINE)
# Podman as the machines here need it: runc (crun fails on their cgroups), limits root
# may not raise, and netavark, which needs no CNI plugins.
CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
[network]
network_backend = "netavark"
"""
# Outgoing HTTPS here is verified against the system bundle, which holds certificates
# a container's own bundle lacks: the build gets it as its CA-certificates secret.
SYSTEM_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
SHARED = Path(tempfile.gettempdir()) / "cookiecutter-fastapi-nox-podman"
BASES_MODES = ("stand-in", "registry")
TOOLS = ("podman", "ip", "nsenter", "docker-registry", "skopeo")
HOW_TO_GET_THEM = (
    "apt-get install podman buildah runc iptables netavark aardvark-dns mmdebstrap "
    "uidmap fuse-overlayfs docker-registry skopeo (as .ci/run does), or deselect these "
    "tests with -m 'not image'"
)
# A registry (Debian's docker-registry) on the loopback of a namespace of the test's own.
REGISTRY = "127.0.0.1:5000"
REGISTRY_CONFIG = f"""\
version: 0.1
storage:
  filesystem:
    rootdirectory: {{storage}}
http:
  addr: {REGISTRY}
"""
# It speaks plain HTTP, as a registry on a loopback may.
REGISTRIES_CONF = f'[[registry]]\nlocation = "{REGISTRY}"\ninsecure = true\n'
REGISTRY_STARTUP = 30
BUILD_TIMEOUT = 900


@cache
def podman_environment() -> dict[str, str]:
    """The variables that make Podman work here, for the commands that run it.

    Its settings file is written once per process, whole or not at all: other test
    processes may be reading it meanwhile.
    """
    SHARED.mkdir(exist_ok=True)
    conf = SHARED / "containers.conf"
    descriptor, written = tempfile.mkstemp(dir=SHARED, suffix=".conf")
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(CONTAINERS_CONF)
    Path(written).replace(conf)
    env = {"CONTAINERS_CONF": str(conf)}
    if SYSTEM_CA_BUNDLE.is_file():
        env["BUILD_CA_CERTIFICATES"] = str(SYSTEM_CA_BUNDLE)
    return env


def bases_mode() -> str:
    """Where the base images come from: IMAGE_BASES, `stand-in` unless it says otherwise."""
    mode = os.environ.get("IMAGE_BASES", "stand-in")
    if mode not in BASES_MODES:
        expected = ", ".join(BASES_MODES)
        pytest.fail(f"IMAGE_BASES={mode!r}: expected one of {expected}", pytrace=False)
    return mode


def require_podman() -> None:
    """Fail in one line unless this machine can build and run images (never a skip)."""
    tools = TOOLS + (("mmdebstrap",) if bases_mode() == "stand-in" else ())
    if missing := [name for name in tools if shutil.which(name) is None]:
        pytest.fail(f"{', '.join(missing)} not installed: {HOW_TO_GET_THEM}", pytrace=False)
    if os.geteuid() != 0:
        pytest.fail("the image tests run as root (network namespaces of their own)", pytrace=False)


def podman(*args: str, timeout: float = BUILD_TIMEOUT) -> subprocess.CompletedProcess[str]:
    """Run podman with this machine's settings; fail the test, quoting it, if it fails."""
    done = subprocess.run(
        ["podman", *args],
        env=os.environ | podman_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"podman {' '.join(args)}: {done.stdout}{done.stderr}"
    return done


def containers_of(image: str) -> list[str]:
    """The names of the containers of `image` that exist, running or not."""
    listed = podman("ps", "--all", f"--filter=ancestor={image}", "--format={{.Names}}")
    return listed.stdout.split()


def ensure_stand_in() -> str:
    """The stand-in base image, made once per machine (one maker at a time); its name."""
    SHARED.mkdir(exist_ok=True)
    with (SHARED / "stand-in.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        exists = subprocess.run(
            ["podman", "image", "exists", STAND_IN],
            env=os.environ | podman_environment(),
            check=False,
            timeout=COMMAND_TIMEOUT,
        )
        if exists.returncode != 0:
            make_stand_in()
    return STAND_IN


def make_stand_in() -> None:
    """Bootstrap Debian with its Python, import it, and add the official image's layout."""
    with tempfile.TemporaryDirectory(dir=SHARED) as folder:
        tarball = Path(folder) / "debian.tar"
        bootstrapped = subprocess.run(
            [
                "mmdebstrap",
                "--variant=minbase",
                f"--include={PACKAGES}",
                "--quiet",
                DEBIAN_SUITE,
                str(tarball),
                DEBIAN_MIRROR,
            ],
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT,
            check=False,
        )
        assert bootstrapped.returncode == 0, bootstrapped.stderr
        debian = f"{STAND_IN}-debian"
        podman("import", "--quiet", str(tarball), debian)
        (Path(folder) / "Containerfile").write_text(
            f"FROM {debian}\n{STAND_IN_STEPS}", encoding="utf-8"
        )
        podman(
            "build",
            "--quiet",
            "--pull=never",
            "--network=host",
            "--format=docker",
            f"--tag={STAND_IN}",
            folder,
        )
        podman("rmi", debian)


def choose_bases(project: Path) -> None:
    """In stand-in mode, point the render's Dockerfile's base images at the stand-in."""
    if bases_mode() == "registry":
        return
    dockerfile = project / "Dockerfile"
    text = dockerfile.read_text(encoding="utf-8")
    replaced, count = BASE_IMAGE_LINE.subn(f"FROM {ensure_stand_in()}", text)
    assert count, "the Dockerfile names no python base image"
    dockerfile.write_text(replaced, encoding="utf-8")


@contextmanager
def network_namespace() -> Iterator[Path]:
    """A network namespace with nothing but its loopback, removed afterwards; its path."""
    name = f"image-test-{uuid.uuid4().hex[:12]}"
    subprocess.run(["ip", "netns", "add", name], check=True, timeout=COMMAND_TIMEOUT)
    try:
        subprocess.run(
            ["ip", "-n", name, "link", "set", "lo", "up"], check=True, timeout=COMMAND_TIMEOUT
        )
        yield Path("/run/netns") / name
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False, timeout=COMMAND_TIMEOUT)


def run_image_gate(project: Path, env: dict[str, str] | None = None) -> NoxRun:
    """Run the project's `nox -s image`, its containers in a namespace of their own.

    Beforehand, on the host's network: the session's environment is installed and the
    image built with the session's own options (base images pulled, in registry mode), so
    that the session, run without a network, installs nothing and builds on cached
    layers. `env` adds to its environment.
    """
    choose_bases(project)
    env = podman_environment() | (env or {})
    prepared = run_nox(project, "-s", "image", "--install-only", env=env)
    assert prepared.returncode == 0, prepared.output
    options = ["--network=host", "--format=docker"]
    if "BUILD_CA_CERTIFICATES" in env:
        options.append(f"--secret=id=ca-certificates,src={env['BUILD_CA_CERTIFICATES']}")
    podman("build", "--quiet", *options, str(project))
    with network_namespace() as namespace:
        return run_nox(
            project,
            "--reuse-venv=yes",
            "--no-install",
            "-s",
            "image",
            env=env | {"UV_OFFLINE": "1"},
            prefix=("nsenter", f"--net={namespace}"),
        )


@dataclass(frozen=True)
class Pushed:
    """What `nox -s push` did, what it reported (GITHUB_OUTPUT) and the manifest it pushed."""

    run: NoxRun
    outputs: dict[str, str]
    manifest: bytes


def push_to_a_registry(project: Path, archive: Path, image_id: str, tags: list[str]) -> Pushed:
    """Run the project's `nox -s push` into a registry of the test's own, as CI's push job does."""
    folder = Path(tempfile.mkdtemp(dir=SHARED))
    with network_namespace() as namespace, registry_in(namespace, folder):
        conf = folder / "registries.conf"
        conf.write_text(REGISTRIES_CONF, encoding="utf-8")
        output = folder / "github-output"
        env = podman_environment() | {
            "CONTAINERS_REGISTRIES_CONF": str(conf),
            "IMAGE_ARCHIVE": str(archive),
            "IMAGE_ID": image_id,
            "IMAGE_TAGS": "\n".join(f"{REGISTRY}/{tag}" for tag in tags),
            "GITHUB_OUTPUT": str(output),
        }
        run = run_nox(project, "-s", "push", env=env, prefix=("nsenter", f"--net={namespace}"))
        text = output.read_text(encoding="utf-8") if output.exists() else ""
        outputs = dict(line.split("=", 1) for line in text.splitlines())
        manifest = b""
        if {"name", "digest"} <= outputs.keys():
            manifest = subprocess.run(
                [
                    "nsenter",
                    f"--net={namespace}",
                    "skopeo",
                    "inspect",
                    "--raw",
                    "--tls-verify=false",
                    f"docker://{outputs['name']}@{outputs['digest']}",
                ],
                capture_output=True,
                timeout=60,
                check=True,
            ).stdout
    shutil.rmtree(folder, ignore_errors=True)
    return Pushed(run, outputs, manifest)


@contextmanager
def registry_in(namespace: Path, folder: Path) -> Iterator[None]:
    """A container registry serving on REGISTRY inside the namespace until the block ends."""
    config = folder / "registry.yml"
    config.write_text(REGISTRY_CONFIG.format(storage=folder / "storage"), encoding="utf-8")
    with (folder / "registry.log").open("wb") as log:
        server = subprocess.Popen(
            ["nsenter", f"--net={namespace}", "docker-registry", "serve", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(namespace, REGISTRY)
        yield
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_for_port(namespace: Path, address: str) -> None:
    """Return once something listens on `address` (host:port) inside the namespace."""
    host, _, port = address.rpartition(":")
    probe = f"import socket; socket.create_connection(({host!r}, {port}), timeout=1).close()"
    deadline = time.monotonic() + REGISTRY_STARTUP
    while time.monotonic() < deadline:
        if (
            subprocess.run(
                ["nsenter", f"--net={namespace}", sys.executable, "-c", probe],
                capture_output=True,
                check=False,
                timeout=COMMAND_TIMEOUT,
            ).returncode
            == 0
        ):
            return
        time.sleep(0.2)
    msg = f"nothing listens on {address} after {REGISTRY_STARTUP} s"
    raise TimeoutError(msg)
