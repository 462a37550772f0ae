"""Configuration: defaults, then instance/config.py, then environment variables.

Every setting can be given as ``AMICUS_<NAME>``; ``SECRET_KEY``, ``DATABASE_URL`` and
``REDIS_URL`` are also read without the prefix because that is how hosts usually name them.
docs/deploy.md lists them all.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

ENVIRONMENTS = ("development", "testing", "production")


class ConfigError(RuntimeError):
    """The configuration cannot run safely; the message says what to set."""


def defaults(instance_path: str) -> dict:
    return {
        "AMICUS_ENV": "production",
        "SECRET_KEY": None,
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(Path(instance_path) / "amicus.sqlite"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": True,
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 14,
        # A participant may read a lesson for hours before pressing "Mark complete":
        # the token lives as long as the session instead of one hour.
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 512 * 1024,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        # The time zone of people who have not chosen one (an IANA name): most of Amicus's
        # people are in mainland China (docs/deploy.md). Each account may choose its own.
        "AMICUS_TIMEZONE": "Asia/Shanghai",
        "AMICUS_LANGUAGES": ["en", "zh"],
        "AMICUS_SITE_NAME": "Amicus",
        # Where "Leave quickly" goes: a neutral site that loads fast in mainland China.
        "AMICUS_QUICK_EXIT_URL": "https://www.baidu.com/s?wd=%E5%A4%A9%E6%B0%94",
        # A profile name from argon2.profiles; the default is RFC 9106's low-memory choice.
        "AMICUS_PASSWORD_PROFILE": "RFC_9106_LOW_MEMORY",
        # Log-in attempts per account (and per address on the code, reset and register pages).
        "AMICUS_LOGIN_LIMIT": "10 per minute",
        # FAILED log-ins per address: a workshop's room shares one address (docs/security.md).
        "AMICUS_LOGIN_ADDRESS_LIMIT": "60 per 5 minutes",
        "AMICUS_JOIN_LIMIT": "20 per minute",
        # Card numbers per address that open NO card (a room answers on one address; quizzes/surveys/cards).
        "AMICUS_CARD_ADDRESS_LIMIT": "30 per 10 minutes",
        # Failed log-ins in a row that lock an account, and for how long (admins can unlock).
        "AMICUS_LOCKOUT_AFTER": 10,
        "AMICUS_LOCKOUT_MINUTES": 30,
        "AMICUS_RESET_LINK_HOURS": 48,
        # Roles that must log in with an authenticator-app code (others may choose to).
        "AMICUS_TWO_FACTOR_ROLES": ["trainer", "admin"],
        "AMICUS_BACKUP_DIR": str(Path(instance_path) / "backups"),
        # How many reverse proxies in front set X-Forwarded-*; 0 trusts none of those headers.
        "AMICUS_TRUSTED_PROXIES": 0,
        # Key of the pseudonyms that match survey answers (docs/surveys.md); default: derived
        # from SECRET_KEY. Set it separately so that rotating SECRET_KEY keeps pre/post matching.
        "AMICUS_SURVEY_SECRET": None,
        # Results of fewer respondents than this are not shown (small groups identify people).
        "AMICUS_MIN_CELL": 5,
        # Survey answers older than this many months are deleted by `flask surveys purge`.
        "AMICUS_SURVEY_RETENTION_MONTHS": 36,
        # The public address (https://amicus.example.org), for every link printed on a certificate,
        # exported or handed out (training/public_links.py); required in production. Unset in
        # development and tests: links are made from the address of the request.
        "AMICUS_BASE_URL": None,
        # Who issues certificates, as printed on them and on the public verification page.
        "AMICUS_ORGANISATION": "Amicus",
        "AMICUS_VERIFY_LIMIT": "30 per minute",
        # Background jobs (certificate ZIPs): "rq" runs them in `flask jobs worker` processes
        # through Redis, "thread" in the web process. Default: rq when REDIS_URL is set.
        "AMICUS_JOBS": None,
        # Messages (training/messages.py, docs/messages.md). The site name messages use: a neutral
        # one keeps a shared phone's notifications quiet (default: AMICUS_SITE_NAME).
        "AMICUS_MESSAGE_SITE_NAME": "",
        # Email through SMTP; without a host, email is not offered and only in-app messages exist.
        "AMICUS_SMTP_HOST": "",
        "AMICUS_SMTP_PORT": 587,
        "AMICUS_SMTP_SECURITY": "starttls",  # starttls, ssl (port 465) or none (a relay on localhost)
        "AMICUS_SMTP_USER": "",
        "AMICUS_SMTP_PASSWORD": "",
        "AMICUS_MAIL_FROM": "",  # the sender, e.g. "Amicus <no-reply@amicus.example.org>"
        # Emails to one person per hour (beyond it the message waits in her in-app list only),
        # and the pauses before sending again after the SMTP server failed (then: failed).
        "AMICUS_MAIL_PER_HOUR": 20,
        "AMICUS_MAIL_RETRY_SECONDS": [5, 60],
        # Text messages (training/sms.py): "" (off), file (development: JSON lines in AMICUS_SMS_FILE),
        # webhook (POST to a gateway of your own), aliyun or tencent (their SMS APIs, which send
        # only templates registered with them: one for an update, one for a code).
        "AMICUS_SMS_BACKEND": "",
        "AMICUS_SMS_FILE": str(Path(instance_path) / "sms-outbox.jsonl"),
        "AMICUS_SMS_WEBHOOK_URL": "",
        "AMICUS_SMS_WEBHOOK_TOKEN": "",
        "AMICUS_SMS_KEY_ID": "",  # Aliyun AccessKey ID / Tencent SecretId
        "AMICUS_SMS_KEY_SECRET": "",  # Aliyun AccessKey secret / Tencent SecretKey
        "AMICUS_SMS_SIGN_NAME": "",  # the signature registered with the provider
        "AMICUS_SMS_TEMPLATE_UPDATE": "",  # template id: "You have an update on {site}"
        "AMICUS_SMS_TEMPLATE_CODE": "",  # template id: "{site} code: {code}"
        "AMICUS_SMS_APP_ID": "",  # Tencent's SmsSdkAppId
        "AMICUS_SMS_REGION": "",  # Tencent's region (default ap-guangzhou); Aliyun: cn-hangzhou
        "AMICUS_SMS_ENDPOINT": "",  # the provider's API address, if not its public default
        # Text messages to one person per hour (beyond it the update stays in-app), and
        # confirmation codes one person may ask for per hour.
        "AMICUS_SMS_PER_HOUR": 5,
        "AMICUS_SMS_CODES_PER_HOUR": 5,
        # "Forgot your password?" requests per address (and per email address).
        "AMICUS_RESET_REQUEST_LIMIT": "5 per hour",
        "RATELIMIT_HEADERS_ENABLED": False,
        "RATELIMIT_STRATEGY": "fixed-window",
    }


def load(app: Flask, overrides: dict | None) -> None:
    """Fill ``app.config`` in order: defaults, instance file, environment, explicit overrides."""
    app.config.from_mapping(defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    for plain in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
        if os.environ.get(plain):
            app.config[plain] = os.environ[plain]
    _from_environment(app)
    if os.environ.get("AMICUS_ENV"):
        app.config["AMICUS_ENV"] = os.environ["AMICUS_ENV"]
    if app.config.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(app.config["DATABASE_URL"])
    if overrides:  # explicit settings (tests, scripts) win over the environment
        app.config.update(overrides)
        if overrides.get("DATABASE_URL") and "SQLALCHEMY_DATABASE_URI" not in overrides:
            app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(overrides["DATABASE_URL"])
    _derive(app)


def _from_environment(app: Flask) -> None:
    """``AMICUS_<NAME>`` sets the setting AMICUS_<NAME> when there is one, else <NAME>
    (AMICUS_SECRET_KEY, AMICUS_SQLALCHEMY_ECHO). Values are read as the default's type: text
    stays text ("0123" as a key), numbers and booleans as JSON, lists as JSON or comma-separated."""
    for name, raw in sorted(os.environ.items()):
        if not name.startswith("AMICUS_"):
            continue
        key = name if name in app.config else name[len("AMICUS_"):]
        default = app.config.get(key)
        if default is None or isinstance(default, str):
            value = raw
        else:
            try:
                value = json.loads(raw)
            except ValueError:
                value = raw
            if isinstance(default, list) and not isinstance(value, list):
                value = [part.strip() for part in raw.split(",") if part.strip()]
        app.config[key] = value


def database_uri(url: str) -> str:
    """Map a plain ``postgres://`` or ``postgresql://`` URL onto the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _derive(app: Flask) -> None:
    cfg = app.config
    env = cfg["AMICUS_ENV"]
    if env not in ENVIRONMENTS:
        raise ConfigError(f"AMICUS_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}.")
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite has no pool to ping and our file database is local.
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {
            k: v for k, v in cfg["SQLALCHEMY_ENGINE_OPTIONS"].items() if k != "pool_pre_ping"
        }
    if not cfg.get("SECRET_KEY"):
        if env == "production":
            raise ConfigError(
                "SECRET_KEY is not set. Set the environment variable SECRET_KEY (or AMICUS_SECRET_KEY) "
                "to a long random value, e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`, "
                "or set AMICUS_ENV=development for a local trial."
            )
        cfg["SECRET_KEY"] = "development-only-not-secret"
    _check_base_url(cfg.get("AMICUS_BASE_URL"), env)
    if env != "production":
        cfg["SESSION_COOKIE_SECURE"] = False
        cfg["REMEMBER_COOKIE_SECURE"] = False
    cfg["RATELIMIT_STORAGE_URI"] = cfg.get("REDIS_URL") or "memory://"
    if not cfg.get("AMICUS_JOBS"):
        cfg["AMICUS_JOBS"] = "rq" if cfg.get("REDIS_URL") else "thread"
    if cfg["AMICUS_JOBS"] not in ("rq", "thread", "inline"):
        raise ConfigError(f"AMICUS_JOBS must be rq, thread or inline, not {cfg['AMICUS_JOBS']!r}.")
    if cfg["AMICUS_JOBS"] == "rq" and not cfg.get("REDIS_URL"):
        raise ConfigError("AMICUS_JOBS=rq needs REDIS_URL.")
    if env == "testing":
        cfg.setdefault("TESTING", True)
    _check_timezone(cfg.get("AMICUS_TIMEZONE"))


def _check_timezone(name: str | None) -> None:
    """AMICUS_TIMEZONE must be an IANA zone name: a typo would show every time in the wrong zone."""
    from training.timezones import known_zones

    if name not in known_zones():
        raise ConfigError(f"AMICUS_TIMEZONE must be a time zone name such as Asia/Shanghai or UTC, not {name!r}.")


def _check_base_url(url: str | None, env: str) -> None:
    """Production needs the public address; any address given must be a plain http(s) one."""
    if not url:
        if env == "production":
            raise ConfigError(
                "AMICUS_BASE_URL is not set. Set it to the address people use to reach this site, e.g. "
                "AMICUS_BASE_URL=https://amicus.example.org: it is printed on every certificate (its "
                "verification link and QR code) and in every link Amicus hands out. Or set "
                "AMICUS_ENV=development for a local trial."
            )
        return
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            f"AMICUS_BASE_URL must be the site's public address, such as https://amicus.example.org "
            f"(http or https, a host, optionally a port and a path), not {url!r}."
        )
