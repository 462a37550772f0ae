"""The Flask extensions, created unbound and bound to an app in ``create_app``."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from training.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


class _Limiter(Limiter):
    """Flask-Limiter whose before-request check is skipped when it has nothing to check.

    Amicus limits single views with ``@limiter.limit`` (log-in, codes, certificate checks);
    those limits are checked by the decorator's wrapper when the view runs, not by the
    before-request hook, which checks only application-wide, default and meta limits. With none
    of those configured (``RATELIMIT_APPLICATION``, ``RATELIMIT_DEFAULT``, ``RATELIMIT_META``),
    the hook would still resolve and filter the limits of every page, about 7 % of a page's
    work, to find nothing."""

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        if in_middleware and not (self.limit_manager.application_limits or self.limit_manager.default_limits
                                  or self._meta_limits):
            return
        super()._check_request_limit(callable_name, in_middleware)


limiter = _Limiter(key_func=get_remote_address)
