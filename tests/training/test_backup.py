"""A backup taken while the site runs restores to exactly the same data."""
import os
import shutil

import pytest
from sqlalchemy import select

from training.accounts import User
from training.extensions import db


def snapshot():
    return sorted((u.handle, u.password_hash, u.role) for u in db.session.execute(select(User)).scalars())


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")) and shutil.which("pg_dump") is None,
                    reason="pg_dump is not installed")
def test_backup_then_restore_gives_back_the_same_data(app, make_user, tmp_path):
    make_user("mei")
    make_user("coach", role="trainer")
    before = snapshot()
    out = tmp_path / "backup.bin"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", "create", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0

    make_user("intruder")
    db.session.execute(db.delete(User).where(User.handle == "mei"))
    db.session.commit()
    assert snapshot() != before

    result = runner.invoke(args=["backup", "restore", "--yes", str(out)])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert snapshot() == before


def test_restoring_something_that_is_not_a_backup_fails_clearly(app, tmp_path):
    if os.environ.get("DATABASE_URL"):
        pytest.skip("the SQLite check; pg_restore reports its own error")
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database")
    result = app.test_cli_runner().invoke(args=["backup", "restore", "--yes", str(bogus)])
    assert result.exit_code == 1 and "is not an SQLite backup" in result.output
