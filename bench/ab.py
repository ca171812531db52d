"""A/B: one change alone, the default project of two checkouts of the template side by side.

`nox -s bench -- --part ab --baseline <another checkout>` renders the default project from
the baseline (A) and from this template (B), or from `--template`, runs each as its image
runs it (as service.py does), creates the same tasks in each, and loads `GET /tasks/{id}`
and `POST /tasks` on them in turn: a warm-up of each, then interleaved rounds (AB, BA,
AB...), so that drift over the run hits both alike. The figure is the CPU each request
cost the service's process tree, which the rest of the machine sways far less than the
rate. `--with-peers` adds plain FastAPI with no request log, in B's environment, as a third
app in the rounds. It prints only: BENCHMARKS.md holds whole runs of the benchmark.
"""

import subprocess
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from tooling.environment import COMMAND_TIMEOUT
from tooling.image import run_like_the_image
from tooling.pythons import installed_pythons
from tooling.template import cookiecutter_command

from .service import (
    CREATE,
    PLAIN_FASTAPI,
    READ,
    Comparison,
    create_tasks_in_each,
    load_in_turn,
    other_app,
    versions_in,
)

DEFAULT_ROUNDS = 5
A, B = "A", "B"
AB_ENDPOINTS = (READ, CREATE)


@dataclass(frozen=True)
class AbResult:
    """Both sides' runs of each endpoint (keys A, B and, with the peers, plain FastAPI's)."""

    # What each side was rendered from, and what it ran on.
    sources: dict[str, str]
    versions: dict[str, dict[str, str]]
    rounds: int
    comparisons: list[Comparison]


def render_from(template: Path, output_dir: Path) -> Path:
    """Render a checkout's default project with its own hooks and extensions; return it.

    Through the command line, in the checkout's folder: cookiecutter imports the extensions
    (local_extensions.py) from there, and two checkouts' would clash in one process.
    """
    output_dir.mkdir(parents=True)
    rendered = cookiecutter_command(
        "--no-input", "--default-config", f"--output-dir={output_dir}", str(template), cwd=template
    )
    if rendered.returncode != 0:
        msg = f"rendering {template} failed:\n{rendered.stdout}{rendered.stderr}"
        raise RuntimeError(msg)
    (project,) = output_dir.iterdir()
    return project


def described(checkout: Path) -> str:
    """The checkout's folder and, in git, its commit (`-dirty` with uncommitted changes)."""
    commit = subprocess.run(
        ["git", "-C", str(checkout), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
        timeout=COMMAND_TIMEOUT,
    )
    return f"{checkout} ({commit.stdout.strip()})" if commit.returncode == 0 else str(checkout)


def measure_ab(
    workdir: Path, baseline: Path, template: Path, rounds: int, *, with_peers: bool = False
) -> AbResult:
    """Render A from `baseline` and B from `template`, run both like the image, load them."""
    checkouts = {A: baseline, B: template}
    projects = {side: render_from(checkouts[side], workdir / side / "render") for side in checkouts}
    newest = installed_pythons()[-1]
    with ExitStack() as running:
        services = {
            side: running.enter_context(run_like_the_image(project, workdir / side / "run", newest))
            for side, project in projects.items()
        }
        if with_peers:
            services[PLAIN_FASTAPI.key] = running.enter_context(
                run_like_the_image(
                    projects[B],
                    workdir / PLAIN_FASTAPI.key,
                    newest,
                    other_app=other_app(PLAIN_FASTAPI),
                )
            )
        versions = {
            side: versions_in(services[side].venv, ["fastapi", "granian"]) for side in checkouts
        }
        script_args = {READ: create_tasks_in_each([service.url for service in services.values()])}
        comparisons = [
            Comparison(
                endpoint,
                load_in_turn(services, endpoint, workdir, script_args.get(endpoint, ()), rounds),
            )
            for endpoint in AB_ENDPOINTS
        ]
    sources = {side: described(checkout) for side, checkout in checkouts.items()}
    return AbResult(sources, versions, rounds, comparisons)
