"""The migrations build exactly the schema the models describe, and go down again."""
import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from tests.conftest import make_app
from training.app import add_migrations
from training.extensions import db


def test_migrations_match_the_models(tmp_path):
    app = make_app(tmp_path)
    add_migrations(app)
    with app.app_context():
        if os.environ.get("DATABASE_URL"):
            db.drop_all()
        try:
            upgrade()
            with db.engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
            assert diff == [], diff
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        finally:
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.drop_all()
            db.create_all()  # leave the shared database as the other tests expect it
            db.engine.dispose()
