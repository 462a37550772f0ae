"""Admin pages: the list of accounts and one-time password-reset links."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from training import accounts
from training.accounts import Role, User
from training.extensions import db
from training.forms import ConfirmForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


@bp.get("/users")
@admin_required
def users():
    query = select(User).order_by(User.handle_key)
    search = (request.args.get("q") or "").strip()[:80]
    role = request.args.get("role")
    if search:
        query = query.where(User.handle_key.contains(search.casefold(), autoescape=True))
    if role in Role.__members__.values():
        query = query.where(User.role == role)
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("admin/users.html", page=page, search=search, role=role,
                           roles=list(Role), form=ConfirmForm())


@bp.post("/users/<int:user_id>/reset-link")
@admin_required
def reset_link(user_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    user = db.get_or_404(User, user_id)
    hours = current_app.config["AMICUS_RESET_LINK_HOURS"]
    token = accounts.create_reset_token(current_user, user, hours)
    db.session.commit()
    link = url_for("accounts.reset", token=token, _external=True)
    return render_template("admin/reset_link.html", user=user, link=link, hours=hours)
