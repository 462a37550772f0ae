"""The Flask extensions, created unbound and bound to an app in ``create_app`` (Flask-Migrate,
needed only by ``flask db``, is bound by ``training.app.add_migrations``)."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from training.db import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


limiter = Limiter(key_func=get_remote_address)
