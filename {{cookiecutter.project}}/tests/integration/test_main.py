"""The lesson's own tests (SPEC 2.2.1), against PostgreSQL.

Verbatim but for the import line and `with TestClient(app) as client:`, which runs the
app's lifespan as a server would. `main.app` is built from the environment, where
DATABASE_URL names the test database (conftest.py).
"""

from fastapi.testclient import TestClient

from {{ cookiecutter.__package }}.main import app


def test_create_task():
    with TestClient(app) as client:
        r = client.post("/tasks", json={"id": 1, "title": "Deploy FastAPI agent", "completed": False})
        assert r.status_code == 201 and r.json()["title"] == "Deploy FastAPI agent"


def test_invalid_task():
    with TestClient(app) as client:
        r = client.post("/tasks", json={"id": 1, "title": "", "completed": False})
        assert r.status_code == 400
