"""The lesson's own tests (SPEC 2.2.1), against the in-memory repository.

Verbatim but for the import line and `with TestClient(app) as client:`, which runs the
app's lifespan as a server would; tests/integration/test_main.py runs them on PostgreSQL.
"""

from fastapi.testclient import TestClient

from .service import app


def test_create_task():
    with TestClient(app) as client:
        r = client.post("/tasks", json={"id": 1, "title": "Deploy FastAPI agent", "completed": False})
        assert r.status_code == 201 and r.json()["title"] == "Deploy FastAPI agent"


def test_invalid_task():
    with TestClient(app) as client:
        r = client.post("/tasks", json={"id": 1, "title": "", "completed": False})
        assert r.status_code == 400
