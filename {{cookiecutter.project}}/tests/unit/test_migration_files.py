"""Migration files are found, ordered and checked for well-formed names."""

from pathlib import Path

import pytest

from {{ cookiecutter.__package }}.core.migrate import MigrationError, load_migrations


def test_shipped_migrations_start_with_the_tasks_table() -> None:
    migrations = load_migrations()
    assert migrations[0].file_name == "0001_create_tasks.sql"
    assert "CREATE TABLE tasks" in migrations[0].sql


def test_migrations_are_ordered_by_version(tmp_path: Path) -> None:
    for name in ("0010_later.sql", "0002_earlier.sql", "README.md"):
        (tmp_path / name).write_text("SELECT 1", encoding="utf-8")
    names = [migration.file_name for migration in load_migrations(tmp_path)]
    assert names == ["0002_earlier.sql", "0010_later.sql"]


@pytest.mark.parametrize("name", ["1_short.sql", "0003-dash.sql", "0003_Upper.sql", "0003_.sql"])
def test_badly_named_migration_is_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("SELECT 1", encoding="utf-8")
    with pytest.raises(MigrationError, match=r"is not named NNNN_description\.sql"):
        load_migrations(tmp_path)


def test_two_migrations_with_one_version_are_refused(tmp_path: Path) -> None:
    for name in ("0004_one.sql", "0004_other.sql"):
        (tmp_path / name).write_text("SELECT 1", encoding="utf-8")
    with pytest.raises(MigrationError, match="share a version number"):
        load_migrations(tmp_path)


def test_checksum_follows_the_sql(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("SELECT 1", encoding="utf-8")
    before = load_migrations(tmp_path)[0].checksum
    (tmp_path / "0001_a.sql").write_text("SELECT 2", encoding="utf-8")
    assert load_migrations(tmp_path)[0].checksum != before
