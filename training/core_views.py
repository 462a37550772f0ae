"""The home page, the health check and the language choice."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text

from training import sessions
from training.extensions import db, limiter
from training.redirects import local_target

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    if current_user.is_authenticated:
        from training.auth_views import landing

        return redirect(landing(current_user))
    return render_template("home.html")


@bp.get("/support")
def support():
    """Helplines and support services; the reader's region first."""
    from training.i18n import current_language
    from training.support import helplines_for, localized_text

    return render_template("support.html", groups=helplines_for(current_user), locale=current_language(),
                           text=localized_text)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        current_app.logger.exception("health check failed")
        sessions.read_no_user()  # what follows (the headers) must not ask the database who is signed in
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok")


def _local_target(target: str | None) -> str:
    return local_target(target, url_for("core.home"))


@bp.post("/privacy/neutral-titles")
def set_neutral_titles():
    """Tabs and history then show only "Notes" for every page (a cookie: works before log-in)."""
    response = redirect(_local_target(request.form.get("next")))
    if request.form.get("on") == "1":
        response.set_cookie("neutral", "1", max_age=365 * 24 * 3600, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
    else:
        response.delete_cookie("neutral")
    return response


@bp.post("/language")
def set_language():
    """Remember the chosen language: on the account if signed in, else in a cookie."""
    lang = request.form.get("lang", "")
    response = redirect(_local_target(request.form.get("next")))
    if lang in current_app.config["AMICUS_LANGUAGES"]:
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
    return response


@bp.get("/cohorts/offline-sw.js", endpoint="cohort_worker")
@bp.get("/courses/offline-sw.js", endpoint="course_worker")
def offline_worker():
    """The service worker that keeps the pages someone chose to keep on her device (the paper-form
    entry and tablet pages under /cohorts/, a course kept for reading under /courses/), served
    from the folder whose pages it may keep (a worker's scope is at most its own folder)."""
    scope = request.path.split("/")[1]
    response = current_app.send_static_file("js/offline-sw.js")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = f"/{scope}/"
    return response
