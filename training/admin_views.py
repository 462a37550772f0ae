"""Admin pages: the overview, accounts (staff accounts made here, one-time links), helplines, the audit log."""
from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from training import accounts, audit, twofactor
from training.accounts import ROLE_LABELS, Role, User
from training.extensions import db
from training.forms import ConfirmForm, HelplineForm, StaffAccountForm
from training.params import page_number
from training.public_links import public_url
from training.roles import admin_required
from training.support import Helpline, save_helpline

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("")
@admin_required
def overview():
    """Where an admin lands after log-in: accounts at a glance, the latest audit entries."""
    latest = audit.described(list(db.session.execute(audit.search().limit(5)).scalars()))
    return render_template("admin/overview.html", counts=accounts.account_counts(), role_labels=ROLE_LABELS,
                           latest=latest)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_account():
    """A trainer's or admin's account, and the one-time link its holder chooses a password with."""
    form = StaffAccountForm()
    if form.validate_on_submit():
        hours = current_app.config["AMICUS_RESET_LINK_HOURS"]
        try:
            user, token = accounts.create_staff_account(current_user, form.handle.data, form.role.data, hours)
        except accounts.AccountError as error:
            db.session.rollback()
            field = getattr(form, error.field or "handle", form.handle)
            field.errors = [*field.errors, error.message]
        else:
            audit.record(current_user, "account.create", f"user {user.id} ({user.handle})", request.remote_addr,
                         role=user.role)
            db.session.commit()
            return render_template("admin/setup_link.html", user=user, hours=hours,
                                   link=public_url("accounts.reset", token=token),
                                   two_factor=twofactor.required_for(user))
    return render_template("admin/new_account.html", form=form), 200 if not form.errors else 422


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
    page = db.paginate(query, page=page_number(request.args), per_page=50, error_out=False)
    return render_template("admin/users.html", page=page, search=search, role=role,
                           roles=ROLE_LABELS, form=ConfirmForm())


def _posted_user(user_id: int) -> User:
    """The account an admin's button on the Users page acts on (the form's CSRF token checked)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return db.get_or_404(User, user_id)


def _record(user: User, action: str) -> None:
    audit.record(current_user, action, f"user {user.id} ({user.handle})", request.remote_addr)
    db.session.commit()


@bp.post("/users/<int:user_id>/unlock")
@admin_required
def unlock(user_id: int):
    user = _posted_user(user_id)
    accounts.unlock(current_user, user)
    _record(user, "account.unlock")
    return redirect(url_for("admin.users", q=user.handle))


@bp.post("/users/<int:user_id>/two-factor/reset")
@admin_required
def reset_two_factor(user_id: int):
    """For someone who lost the phone and the recovery codes: she logs in with her password and
    sets two-factor up again (required roles are asked to at once)."""
    user = _posted_user(user_id)
    twofactor.reset(current_user, user)
    _record(user, "account.two_factor_reset")
    flash(_("Two-factor log-in is off for %(handle)s, whose sessions have ended.", handle=user.handle), "success")
    return redirect(url_for("admin.users", q=user.handle))


@bp.post("/users/<int:user_id>/reset-link")
@admin_required
def reset_link(user_id: int):
    user = _posted_user(user_id)
    hours = current_app.config["AMICUS_RESET_LINK_HOURS"]
    token = accounts.create_reset_token(current_user, user, hours)
    _record(user, "account.reset_link")
    link = public_url("accounts.reset", token=token)
    return render_template("admin/reset_link.html", user=user, link=link, hours=hours)


@bp.route("/helplines", methods=["GET", "POST"])
@admin_required
def helplines():
    """The helplines participants see on the support page; add one here."""
    form = HelplineForm()
    if form.validate_on_submit():
        if _save(form, None):
            db.session.commit()
            return redirect(url_for("admin.helplines"))
    rows = list(db.session.execute(select(Helpline).order_by(Helpline.region, Helpline.position, Helpline.id)).scalars())
    return render_template("admin/helplines.html", rows=rows, form=form), 200 if not form.errors else 422


@bp.route("/helplines/<int:helpline_id>", methods=["GET", "POST"])
@admin_required
def helpline(helpline_id: int):
    row = db.get_or_404(Helpline, helpline_id)
    form = HelplineForm(obj=None if request.method == "POST" else _as_form_data(row))
    if form.validate_on_submit():
        if _save(form, row):
            db.session.commit()
            return redirect(url_for("admin.helplines"))
    return render_template("admin/helpline.html", row=row, form=form), 200 if not form.errors else 422


def _as_form_data(row: Helpline):
    return SimpleNamespace(region=row.region, name_en=row.names.get("en", ""), name_zh=row.names.get("zh", ""),
                           contact=row.contact, notes_en=row.notes.get("en", ""), notes_zh=row.notes.get("zh", ""),
                           position=row.position, active=row.active)


def _save(form: HelplineForm, row: Helpline | None) -> bool:
    try:
        saved = save_helpline(current_user, row, region=form.region.data or "",
                      names={"en": form.name_en.data or "", "zh": form.name_zh.data or ""}, contact=form.contact.data,
                      notes={"en": form.notes_en.data or "", "zh": form.notes_zh.data or ""},
                      position=form.position.data or 0, active=bool(form.active.data))
    except ValueError:
        db.session.rollback()
        form.name_en.errors = [*form.name_en.errors, _("Give the helpline a name in at least one language.")]
        return False
    db.session.flush()
    audit.record(current_user, "helpline.save", f"helpline {saved.id} ({saved.contact})", request.remote_addr)
    return True


@bp.get("/audit")
@admin_required
def audit_log():
    """The audit log, newest first, filtered by action and by who did it."""
    action = request.args.get("action") or None
    actor = (request.args.get("actor") or "").strip()[:40] or None
    page = db.paginate(audit.search(action, actor), page=page_number(request.args), per_page=100, error_out=False)
    return render_template("admin/audit.html", page=page, entries=audit.described(page.items), actions=audit.ACTIONS,
                           action=action, actor=actor or "")
