"""The lesson's verbatim tests (tests/seed/lesson_tests.py), put into a render to run there."""

from pathlib import Path

LESSON_TESTS = Path(__file__).parents[1] / "tests" / "seed" / "lesson_tests.py"
LESSON_IMPORT = "from task_service.main import app"
# Where they go: beside the integration tests, whose conftest.py names the test database.
IN_A_RENDER = Path("tests/integration/test_main.py")


def add_the_lesson_tests(project: Path, package: str) -> Path:
    """Copy the lesson's tests into the project, importing its own package; their path."""
    text = LESSON_TESTS.read_text(encoding="utf-8")
    assert text.count(LESSON_IMPORT) == 1, "the lesson's tests import the app once"
    target = project / IN_A_RENDER
    target.write_text(text.replace(LESSON_IMPORT, f"from {package}.asgi import app"), "utf-8")
    return target
