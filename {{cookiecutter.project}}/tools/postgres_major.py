"""The PostgreSQL major version the project runs on: CI's service container and local tests."""

POSTGRES_MAJOR = {{ cookiecutter.postgres_version }}
