"""The app factory: the one place that knows every package."""
from __future__ import annotations

import logging
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from training import config as amicus_config
from training.extensions import babel, csrf, db, limiter, login_manager
from training.params import IdConverter

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the Amicus app; ``config`` overrides everything else (tests use it)."""
    app = Flask(
        "amicus",
        root_path=str(ROOT),
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    # Ids in routes stop at the database's integer: a longer number is a page not found, not a 500.
    app.url_map.converters["int"] = IdConverter
    amicus_config.load(app, config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["AMICUS_ENV"] == "production" and not app.config.get("REDIS_URL"):
        logging.getLogger("amicus").warning(
            "REDIS_URL is not set: rate limits are counted per process. Set it when running "
            "several workers (docs/deploy.md)."
        )

    proxies = int(app.config["AMICUS_TRUSTED_PROXIES"])
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    db.init_app(app)
    if click.get_current_context(silent=True) is not None:  # a `flask` command: `flask db` may be it
        add_migrations(app)
    csrf.init_app(app)
    limiter.init_app(app)

    from training import i18n, regions, timezones
    babel.init_app(app, locale_selector=i18n.select_babel_locale, timezone_selector=timezones.select_timezone,
                   default_translation_directories=str(ROOT / "training" / "translations"))

    from training import sessions
    login_manager.init_app(app)
    login_manager.user_loader(sessions.load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = i18n.LOGIN_MESSAGE
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from training import (  # noqa: F401
        account_views,
        admin_views,
        auth_views,
        cli,
        core_views,
        errors,
        message_views,
        personal_data,
        security,
        templating,
    )
    app.before_request(security.refuse_nul_characters)  # first: before anything reads the request
    app.register_blueprint(core_views.bp)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(admin_views.bp)
    message_views.register(app)
    errors.register(app)
    security.register(app)
    i18n.register(app)
    timezones.register(app)
    regions.register(app)
    templating.register(app)
    cli.register(app)

    # Packages to the right of the core: each registers its blueprints, CLI and activity kinds.
    import certificates.registration
    import courses.registration
    import quizzes.registration

    courses.registration.register(app)
    quizzes.registration.register(app)
    certificates.registration.register(app)
    return app


def add_migrations(app: Flask) -> None:
    """Bind Flask-Migrate, for ``flask db`` and tests of the migrations.

    Only commands get it: with Alembic and Mako it costs every process about 11 MB, and a
    worker serving pages never migrates (docs/deploy.md, "Memory")."""
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(ROOT / "training" / "migrations"), render_as_batch=True)


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, connection_record):
    # SQLite enforces ON DELETE CASCADE only when asked, per connection.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
