"""Role decorators for views: ``@trainer_required``, ``@admin_required``.

Each implies ``login_required`` (a visitor who is not signed in goes to the log-in page) and
answers 403 to a signed-in person without the role. Under a route decorator, in place of
``@login_required``. What a trainer may do with one cohort or run (she manages it) is checked
in the service or the view with ``training.cohorts.can_manage``, as it depends on the row.
"""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def _role_required(has_role):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not has_role(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


#: Trainers and admins (an admin is a trainer too: ``User.is_trainer``).
trainer_required = _role_required(lambda user: user.is_trainer)
#: Admins only.
admin_required = _role_required(lambda user: user.is_admin)
