"""Consistent backups and restores of the database, while the site runs.

SQLite: the online backup API copies a consistent snapshot page by page, so writers are not
blocked for long. PostgreSQL: pg_dump (custom format) and pg_restore.
"""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """The backup or restore could not be done; the message says why."""


def _sqlite_path(uri: str) -> Path:
    url = make_url(uri)
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _libpq_url(uri: str) -> str:
    return make_url(uri).set(drivername="postgresql").render_as_string(hide_password=False)


def backup(uri: str, out: Path) -> Path:
    """Write a consistent copy of the database at ``uri`` to ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    backend = make_url(uri).get_backend_name()
    if backend == "sqlite":
        source = sqlite3.connect(_sqlite_path(uri))
        target = sqlite3.connect(out)
        try:
            with target:
                source.backup(target)
        finally:
            source.close()
            target.close()
    elif backend == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(out), "--dbname", _libpq_url(uri)])
    else:
        raise BackupError(f"backups of {backend} databases are not supported")
    return out


def restore(uri: str, source: Path) -> None:
    """Replace the database at ``uri`` with the backup in ``source``. Stop the site first."""
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    backend = make_url(uri).get_backend_name()
    if backend == "sqlite":
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(_sqlite_path(uri))
        try:
            if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{source} is not an intact SQLite database")
            with dst:
                src.backup(dst)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not an SQLite backup: {exc}") from exc
        finally:
            src.close()
            dst.close()
    elif backend == "postgresql":
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--dbname", _libpq_url(uri), str(source)])
    else:
        raise BackupError(f"backups of {backend} databases are not supported")


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client)")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")
