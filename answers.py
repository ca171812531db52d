"""Why a set of cookiecutter answers cannot render a project whose `nox` is green.

Every check returns one line that says what is wrong and what is allowed. They run before
cookiecutter creates anything (local_extensions.checked_project_folder) and again in the
pre-generation hook; the template's tests import them.
"""

import json
import keyword
import re
import unicodedata
from collections.abc import Callable, Mapping
from email.errors import HeaderParseError, MessageDefect
from email.headerregistry import Address
from pathlib import Path

import jinja2
from slugify import slugify

TEMPLATE = Path(__file__).parent
DEFAULTS = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
SUPPORTED_PYTHONS: list[str] = DEFAULTS["__supported_pythons"].split()
SUPPORTED_POSTGRES = range(14, 19)
# The distributions the project installs (its lock's closure, every group) and the
# top-level modules of each; tests/test_dependency_names.py keeps the file current.
DEPENDENCIES: dict[str, list[str]] = json.loads(
    (TEMPLATE / "dependency_names.json").read_text(encoding="utf-8")
)
# The standard library's modules on every supported Python, whichever runs cookiecutter;
# tests/test_dependency_names.py keeps the file current.
STDLIB_MODULES = frozenset(
    json.loads((TEMPLATE / "stdlib_module_names.json").read_text(encoding="utf-8"))
)
# The project's own top-level modules, besides its package.
OWN_MODULES = {
    "tests": "the project's own test package",
    "tasks": "the project's own tasks.py",
    "noxfile": "the project's own noxfile.py",
    "local_postgres": "the project's own local_postgres.py",
    "tools": "the project's own tools/ package",
}
# Modules Python imports by itself at start-up when they exist (the site module).
STARTUP_MODULES = frozenset({"sitecustomize", "usercustomize"})
# Names Windows keeps for devices, with any extension: no file or folder can take one.
WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{n}" for n in "123456789"}
    | {f"lpt{n}" for n in "123456789"}
)
# Jinja's delimiters: cookiecutter (and cruft, when it renders the template again) would
# evaluate an answer that holds one, or fail on it.
JINJA_DELIMITERS = ("{{", "}}", "{%", "%}", "{#", "#}")

# A PEP 508 distribution name that is also a valid container image name: lower case
# letters and digits, single separators between them.
PROJECT_PATTERN = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*")
GITHUB_OWNER_PATTERN = re.compile(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}")
# Long enough for any real name, short enough that the generated code's longest line that
# holds it (an import of the package) stays within ruff's 100 characters.
MAX_PROJECT_LENGTH = 35
# The project name and the description go into the code as string literals, on lines of
# their own: `API_TITLE = "..."` and `        description="...",` (app.py).
MAX_TITLE_LITERAL = 100 - len("API_TITLE = ")
MAX_DESCRIPTION_LITERAL = 100 - len("        description=,")
# How much of a bad answer a message quotes.
QUOTED = 40

Answers = Mapping[str, object]


def quoted(value: object) -> str:
    """The answer as Python would write it, cut short."""
    text = repr(value)
    return text if len(text) <= QUOTED else f"{text[: QUOTED - 4]}...{text[-1]}"


def normalised(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def python_string(value: str) -> str:
    """The Python string literal local_extensions.python_string writes for the value."""
    quote = "'" if value.count('"') > value.count("'") else '"'
    parts = []
    for char in value:
        if char in {"\\", quote}:
            parts.append("\\" + char)
        elif char.isprintable():
            parts.append(char)
        else:
            parts.append(repr(char)[1:-1])
    return quote + "".join(parts) + quote


def python_versions(python_min: str) -> str:
    """The Python versions a project supports: python_min and every newer supported one."""
    if python_min not in SUPPORTED_PYTHONS:
        return ""
    return " ".join(SUPPORTED_PYTHONS[SUPPORTED_PYTHONS.index(python_min) :])


def package_name(project: str) -> str:
    """The Python package name derived from the project slug."""
    return str(slugify(project, separator="_"))


# The yes/no answers: booleans. Cookiecutter makes them booleans from the prompt and the
# command line; a replay or config file must say true or false, not a word in quotes.
BOOLEAN_ANSWERS = (
    "include_image",
    "include_kubernetes",
    "include_metrics",
    "include_resilience_tests",
)


def check_type(key: str, value: object) -> str | None:
    """Why an answer is not of its kind: a yes/no answer must be a boolean, the others text."""
    if key in BOOLEAN_ANSWERS:
        if isinstance(value, bool):
            return None
        return (
            f"{key} {quoted(value)} is not yes or no: answer yes or no (in a replay or config "
            "file, true or false without quotes)"
        )
    if isinstance(value, str):
        return None
    return (
        f"{key} {quoted(value)} is a {type(value).__name__}, not text: in a replay or config "
        "file, write it in quotes"
    )


def jinja_delimiter(text: str) -> str | None:
    """The first of Jinja's delimiters the text holds, if any."""
    return next((delimiter for delimiter in JINJA_DELIMITERS if delimiter in text), None)


def check_text(key: str, value: object) -> str | None:
    """Why a text answer cannot go into files: a control character, an unpaired surrogate."""
    if not isinstance(value, str):
        return None
    if delimiter := jinja_delimiter(value):
        return (
            f"{key} {quoted(value)} holds {delimiter!r}, which cookiecutter and cruft read "
            "as Jinja: leave it out"
        )
    for char in value:
        if unicodedata.category(char) == "Cc":
            return f"{key} {quoted(value)} holds the control character {char!r}: use plain text"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return f"{key} {quoted(value)} holds text that cannot be encoded (an unpaired surrogate)"
    return None


def check_project(project: str) -> str | None:
    """Why the project slug cannot name a folder, distribution and image."""
    if len(project) > MAX_PROJECT_LENGTH:
        return (
            f"project {quoted(project)} is longer than {MAX_PROJECT_LENGTH} characters: give a "
            "shorter one (by default it is the project_name, slugified)"
        )
    if not PROJECT_PATTERN.fullmatch(project):
        return (
            f"project {quoted(project)} is not a valid project slug: use lower-case letters, "
            "digits and single '-', '_' or '.' between them (e.g. 'task-service')"
        )
    if project.partition(".")[0] in WINDOWS_DEVICES:
        return (
            f"project {quoted(project)} is a name Windows keeps for a device, which no folder "
            "can take there: choose another project name"
        )
    if normalised(project) in DEPENDENCIES:
        return (
            f"project {quoted(project)} is the name of a distribution the project installs: "
            "choose another project name"
        )
    return None


def check_package(package: str, project: str) -> str | None:
    """Why the package name derived from the project cannot be imported safely."""
    gives = f"project {quoted(project)} gives the package name {quoted(package)}"
    if not package.isidentifier():
        return (
            f"{gives}, which is not a Python identifier: start the project name with a letter "
            "(e.g. 'service-123')"
        )
    if keyword.iskeyword(package) or keyword.issoftkeyword(package):
        return f"{gives}, which is a Python keyword: choose another project name"
    if package in STDLIB_MODULES:
        return (
            f"{gives}, which shadows the standard library module of that name: choose another "
            "project name"
        )
    if package in STARTUP_MODULES:
        return (
            f"{gives}, which Python imports by itself at every start: choose another project name"
        )
    if package in OWN_MODULES:
        return f"{gives}, which is the name of {OWN_MODULES[package]}: choose another project name"
    for distribution, modules in DEPENDENCIES.items():
        if package in modules:
            return (
                f"{gives}, which shadows the module of that name of {distribution}, which the "
                "project installs: choose another project name"
            )
    return None


def check_literal_length(key: str, value: str, limit: int) -> str | None:
    """Why a text answer does not fit on its line of the generated code."""
    literal = python_string(value)
    if len(literal) > limit:
        return (
            f"{key} {quoted(value)} is too long for its line of the generated code: at most "
            f"{limit - 2} characters (escapes count)"
        )
    return None


def check_author(author: str, email: str) -> str | None:
    """Why the author and e-mail cannot go into the package metadata (hatchling's check)."""
    if any(not char.isprintable() or char.isspace() for char in email):
        return (
            f"author_email {quoted(email)} is not an e-mail address (it holds a space or an "
            "invisible character): use name@example.com"
        )
    try:
        address = Address(display_name=author, addr_spec=email) if email else None
    except (HeaderParseError, IndexError, ValueError, MessageDefect):
        return f"author_email {quoted(email)} is not an e-mail address: use name@example.com"
    if address is not None and "." not in address.domain:
        return f"author_email {quoted(email)} is not an e-mail address: use name@example.com"
    return None


def check_github_owner(owner: str) -> str | None:
    """Why the GitHub owner is not a valid GitHub user or organisation name."""
    if not GITHUB_OWNER_PATTERN.fullmatch(owner):
        return (
            f"github_owner {quoted(owner)} is not a GitHub user or organisation name: use "
            "letters, digits and single hyphens, at most 39 characters"
        )
    return None


def check_python_min(python_min: str) -> str | None:
    """Why the oldest Python version is not one the template supports."""
    if python_min not in SUPPORTED_PYTHONS:
        return (
            f"python_min {quoted(python_min)} is not supported: choose one of "
            f"{', '.join(SUPPORTED_PYTHONS)}"
        )
    return None


def check_coverage_threshold(threshold: str) -> str | None:
    """Why the coverage threshold is not an integer percentage."""
    # No leading zero: TOML refuses `fail_under = 090`, and YAML reads 010 as octal.
    if not re.fullmatch(r"0|[1-9][0-9]?|100", threshold):
        return (
            f"coverage_threshold {quoted(threshold)} is not allowed: give an integer from 0 to 100"
        )
    return None


def check_postgres_version(version: str) -> str | None:
    """Why the PostgreSQL version is not a supported major version."""
    if not re.fullmatch(r"[0-9]{2}", version) or int(version) not in SUPPORTED_POSTGRES:
        return (
            f"postgres_version {quoted(version)} is not supported: choose a major version from "
            f"{SUPPORTED_POSTGRES.start} to {SUPPORTED_POSTGRES.stop - 1}"
        )
    return None


# What the template derives from the public answers; an answer may not set them.
DERIVED: dict[str, Callable[[Answers], object]] = {
    "__supported_pythons": lambda _answers: DEFAULTS["__supported_pythons"],
    "__package": lambda answers: package_name(str(answers["project"])),
    "__python_versions": lambda answers: python_versions(str(answers["python_min"])),
    "__postgres_image": lambda answers: rendered_default("__postgres_image", answers),
    "_extensions": lambda _answers: DEFAULTS["_extensions"],
    "__answers_checked": lambda _answers: "yes",
}


def rendered_default(key: str, answers: Answers) -> str:
    """A private answer as cookiecutter.json's expression for it renders with these answers."""
    # Not HTML: the text goes into YAML and a Dockerfile, as cookiecutter renders it.
    template = jinja2.Environment(autoescape=False).from_string(DEFAULTS[key])  # noqa: S701
    return template.render(cookiecutter=answers)


def check_private(key: str, answers: Answers) -> str | None:
    """Why a private answer differs from what the template derives from the public ones."""
    derived = DERIVED[key](answers)
    if key in answers and answers[key] != derived:
        return (
            f"{key} must be what the template derives from the other answers, "
            f"{quoted(derived)}: leave it out (in a replay file, write that)"
        )
    return None


def problems(answers: Answers) -> list[str]:
    """One line per bad answer, in the order the questions are asked; none if all are good."""
    public = [key for key in DEFAULTS if not key.startswith("_")]
    kinds = [check_type(key, answers.get(key)) for key in public]
    if any(kinds):
        return [message for message in kinds if message]
    text = [check_text(key, answers.get(key)) for key in public]
    if any(text):
        return [message for message in text if message]
    project = str(answers["project"])
    found = [
        check_project(project) or check_package(package_name(project), project),
        check_literal_length("project_name", str(answers["project_name"]), MAX_TITLE_LITERAL),
        check_literal_length("description", str(answers["description"]), MAX_DESCRIPTION_LITERAL),
        check_author(str(answers["author"]), str(answers["author_email"])),
        check_github_owner(str(answers["github_owner"])),
        check_python_min(str(answers["python_min"])),
        check_coverage_threshold(str(answers["coverage_threshold"])),
        check_postgres_version(str(answers["postgres_version"])),
        *(check_private(key, answers) for key in DERIVED),
    ]
    return [message for message in found if message]
