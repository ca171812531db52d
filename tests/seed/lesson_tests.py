"""The lesson's own tests (SPEC 2.2.1), which the template's suite runs against renders.

Verbatim but for the import line and `with TestClient(app) as client:`, which runs the
app's lifespan as a server would. Copied into a render's tests/integration/ as
test_main.py (tooling/seed.py), where DATABASE_URL names the test database before
the module imports the app from `asgi.py` (conftest.py); `task_service` becomes the render's package.
"""

from fastapi.testclient import TestClient

from task_service.main import app


def test_create_task():
    with TestClient(app) as client:
        r = client.post("/tasks", json={"id": 1, "title": "Deploy FastAPI agent", "completed": False})
        assert r.status_code == 201 and r.json()["title"] == "Deploy FastAPI agent"


def test_invalid_task():
    with TestClient(app) as client:
        r = client.post("/tasks", json={"id": 1, "title": "", "completed": False})
        assert r.status_code == 400
