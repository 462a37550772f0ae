import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, csrf_token, empty_database, login, make_app
from training.accounts import User
from training.accounts import create_user
from training.extensions import db


def user_count():
    return db.session.execute(select(func.count(User.id))).scalar_one()


def register(client, handle="mei", password=PASSWORD, **extra):
    data = {"handle": handle, "password": password, "confirm": password, "profession": "lawyer"}
    data.update(extra)
    return client.post("/register", data=data)


def test_register_logs_in_and_shows_my_learning(client):
    response = register(client, region="Sichuan", email="")
    assert response.status_code == 302 and response.headers["Location"] == "/learning"
    page = client.get("/learning").get_data(as_text=True)
    assert "Welcome, mei" in page and "You are not enrolled" in page
    user = db.session.execute(select(User)).scalar_one()
    assert (user.profession, user.region, user.email, user.role) == ("lawyer", "Sichuan", None, "participant")


@pytest.mark.parametrize("data, message", [
    ({"handle": "mei\u200b"}, "invisible"),
    ({"handle": "🙂🙂🙂"}, "no emoji"),
    ({"handle": "x" * 500}, "Field cannot be longer"),
    ({"password": "short", "confirm": "short"}, "10 to 256"),
    ({"confirm": "something else"}, "The two passwords differ"),
    ({"profession": "astronaut"}, "Not a valid choice"),
    ({"email": "not-an-email"}, "email"),
    ({"region": "r" * 65}, "Field cannot be longer"),
])
def test_register_refuses_bad_input_and_writes_nothing(client, data, message):
    payload = {"handle": "mei", "password": PASSWORD, "confirm": PASSWORD, "profession": "lawyer"}
    payload.update(data)
    response = client.post("/register", data=payload)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert user_count() == 0


def test_register_twice_with_the_same_handle(client, app):
    assert register(client).status_code == 302
    other = app.test_client()
    response = register(other, handle="MEI")
    assert response.status_code == 422 and "That handle is taken" in response.get_data(as_text=True)
    assert user_count() == 1


def test_unicode_handles_register_and_log_in(client, app):
    for handle in ("王小梅", "محمد", "Nguyễn"):
        c = app.test_client()
        assert register(c, handle=handle).status_code == 302
        c.post("/logout")
        assert login(c, handle).headers["Location"] == "/learning"


def test_login_logout(client, make_user):
    make_user("mei")
    response = client.post("/login", data={"handle": "mei", "password": "wrong password"})
    assert response.status_code == 401
    assert "do not match an account" in response.get_data(as_text=True)
    unknown = client.post("/login", data={"handle": "nobody", "password": "wrong password"})
    assert unknown.get_data(as_text=True).count("do not match an account") == 1  # same answer
    login(client, "mei")
    assert client.get("/account").status_code == 200
    client.post("/logout")
    assert client.get("/account").status_code == 302


def test_login_redirects_only_to_local_paths(client, make_user):
    make_user("mei")
    for target, expected in [("/courses", "/courses"), ("https://evil.example/", "/learning"),
                             ("//evil.example/", "/learning"), ("/\\evil.example", "/learning")]:
        client.post("/logout")
        response = client.post(f"/login?next={target}", data={"handle": "mei", "password": PASSWORD})
        assert response.headers["Location"] == expected


def test_changing_the_password_logs_out_other_devices(app, make_user):
    make_user("mei")
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "mei")
    login(laptop, "mei")
    response = laptop.post("/account", data={"current_password": "wrong one!", "password": "new password 42",
                                             "confirm": "new password 42"})
    assert response.status_code == 422 and "current password is not right" in response.get_data(as_text=True)
    response = laptop.post("/account", data={"current_password": PASSWORD, "password": "new password 42",
                                             "confirm": "new password 42"})
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200  # this device stays in
    assert phone.get("/account").status_code == 302  # the other is logged out
    assert login(phone, "mei", "new password 42")


def test_admin_makes_a_one_time_reset_link(app, client, make_user):
    make_user("boss", role="admin")
    make_user("mei")
    login(client, "boss")
    mei = db.session.execute(select(User).where(User.handle == "mei")).scalar_one()
    page = client.post(f"/admin/users/{mei.id}/reset-link").get_data(as_text=True)
    link = page.split('id="reset-link" class="copy" readonly value="')[1].split('"')[0]
    path = link.split("localhost", 1)[1]
    visitor = app.test_client()
    assert visitor.get(path).status_code == 200
    response = visitor.post(path, data={"password": "fresh password 9", "confirm": "fresh password 9"})
    assert response.status_code == 302
    assert login(visitor, "mei", "fresh password 9")
    assert visitor.get(path).status_code == 404  # used up
    assert app.test_client().get("/reset/not-a-real-token").status_code == 404


def test_admin_user_list_filters(client, make_user):
    make_user("boss", role="admin")
    make_user("coach", role="trainer")
    make_user("mei")
    login(client, "boss")
    page = client.get("/admin/users?role=trainer").get_data(as_text=True)
    assert "coach" in page and ">mei<" not in page
    page = client.get("/admin/users?q=ME").get_data(as_text=True)
    assert ">mei<" in page and "coach" not in page


def test_csrf_is_required_on_every_form(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
        try:
            client = app.test_client()
            response = client.post("/register", data={"handle": "mei", "password": PASSWORD, "confirm": PASSWORD,
                                                       "profession": "lawyer"})
            assert response.status_code == 400
            assert "The form had expired" in response.get_data(as_text=True)
            assert user_count() == 0
            token = csrf_token(client.get("/register").get_data(as_text=True))
            response = client.post("/register", data={"handle": "mei", "password": PASSWORD, "confirm": PASSWORD,
                                                       "profession": "lawyer", "csrf_token": token})
            assert response.status_code == 302
            assert client.post("/logout").status_code == 400  # logout is a form too
        finally:
            empty_database()


def test_a_signed_csrf_token_is_reused_and_stays_bound_to_its_session(tmp_path):
    """The layout's token is signed once per session token (training.security.csrf_token): the
    same token on every page of a session, accepted by forms, and refused in another session."""
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
        try:
            create_user("mei", PASSWORD)
            create_user("lin", PASSWORD)
            db.session.commit()
            mei, li = app.test_client(), app.test_client()
            for client, handle in ((mei, "mei"), (li, "lin")):
                token = csrf_token(client.get("/login").get_data(as_text=True))
                assert client.post("/login", data={"handle": handle, "password": PASSWORD,
                                                   "csrf_token": token}).status_code == 302
            first = csrf_token(mei.get("/courses").get_data(as_text=True))
            again = csrf_token(mei.get("/account").get_data(as_text=True))
            assert first == again  # reused, not signed again
            assert csrf_token(li.get("/courses").get_data(as_text=True)) != first
            # Another session's token is refused; her own is accepted.
            assert li.post("/language", data={"lang": "zh", "csrf_token": first}).status_code == 400
            assert mei.post("/language", data={"lang": "zh", "csrf_token": first}).status_code == 302
            # Logging out starts a new session token: the old signed token no longer works.
            assert mei.post("/logout", data={"csrf_token": first}).status_code == 302
            assert mei.post("/language", data={"lang": "en", "csrf_token": first}).status_code == 400
        finally:
            empty_database()


def test_pages_skip_the_limiters_request_hook_only_while_no_site_wide_limit_is_set(tmp_path, monkeypatch):
    from training.extensions import limiter

    resolved = []
    resolve = limiter.limit_manager.resolve_limits
    monkeypatch.setattr(limiter.limit_manager, "resolve_limits",
                        lambda *a, **k: resolved.append(a[1]) or resolve(*a, **k))
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, AMICUS_LOGIN_LIMIT="3 per minute")
    with app.app_context():
        db.create_all()
        try:
            client = app.test_client()
            assert client.get("/courses").status_code == 200
            assert resolved == []  # nothing site-wide to check: the hook returned at once
            # The view's own limit still runs, in its decorator.
            codes = [client.post("/login", data={"handle": "x", "password": "bad password"}).status_code
                     for _ in range(4)]
            assert codes == [401, 401, 401, 429]
        finally:
            empty_database()
    # A site-wide default limit, if an operator sets one, is checked on every page.
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute")
    try:
        with app.app_context():
            db.create_all()
            client = app.test_client()
            assert [client.get("/courses").status_code for _ in range(3)] == [200, 200, 429]
            empty_database()
    finally:
        limiter.limit_manager.set_default_limits([])


def test_login_is_rate_limited_per_address_and_account(tmp_path):
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, AMICUS_LOGIN_LIMIT="3 per minute")
    with app.app_context():
        db.create_all()
        try:
            create_user("mei", PASSWORD)
            db.session.commit()
            client = app.test_client()
            codes = [client.post("/login", data={"handle": "mei", "password": "bad password"}).status_code
                     for _ in range(4)]
            assert codes == [401, 401, 401, 429]
            page = client.post("/login", data={"handle": "mei", "password": "bad password"}).get_data(as_text=True)
            assert "Too many attempts" in page
            # Another address trying the same account is limited too (per-account limit).
            other = app.test_client()
            response = other.post("/login", data={"handle": "MEI", "password": PASSWORD},
                                  environ_base={"REMOTE_ADDR": "10.9.9.9"})
            assert response.status_code == 429
        finally:
            empty_database()


def test_repeated_failures_lock_the_account_without_telling_who_exists(app, client, make_user):
    from datetime import timedelta

    from training.db import utcnow

    app.config["AMICUS_LOCKOUT_AFTER"] = 3
    make_user("mei")
    make_user("boss", role="admin")
    for _ in range(3):
        client.post("/login", data={"handle": "mei", "password": "wrong password"})
    mei = db.session.execute(select(User).where(User.handle == "mei")).scalar_one()
    assert mei.is_locked
    locked = client.post("/login", data={"handle": "mei", "password": PASSWORD})
    unknown = client.post("/login", data={"handle": "nobody-here", "password": PASSWORD})
    assert locked.status_code == unknown.status_code == 401
    message = "do not match an account, or the account is locked for a while"
    assert message in locked.get_data(as_text=True) and message in unknown.get_data(as_text=True)

    admin = app.test_client()
    login(admin, "boss")
    page = admin.get("/admin/users?q=mei").get_data(as_text=True)
    assert "Locked after failed log-ins" in page
    admin.post(f"/admin/users/{mei.id}/unlock")
    db.session.refresh(mei)
    assert not mei.is_locked and mei.failed_logins == 0
    assert login(client, "mei")

    # A lock ends by itself after its time.
    client.post("/logout")
    for _ in range(3):
        client.post("/login", data={"handle": "mei", "password": "wrong password"})
    db.session.refresh(mei)
    mei.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert login(client, "mei")


def test_a_participant_downloads_everything_held_about_her(app, client, make_course, make_user):
    import io
    import json
    import zipfile

    from courses.services import get_course
    from quizzes import services as quiz_services
    from quizzes.surveys import services as survey_services
    from tests.conftest import QUIZ_GIFT, SURVEY_YAML
    from training.progress import enrol

    course = make_course(modules=1, lessons=1, sequential=False, quiz=QUIZ_GIFT, surveys=SURVEY_YAML)
    mei = make_user("mei", region="Sichuan")
    other = make_user("otto")
    for person in (mei, other):
        enrol(person, course.id)
        attempt = quiz_services.start_attempt(quiz_services.quiz_context(get_course("test-course"), "check", person, "en"), person)
        db.session.flush()
        quiz_services.save_answers(attempt, person, {attempt.question_ids[1]: "72" if person is mei else "1"})
        quiz_services.finish(attempt, person)
        survey_services.submit(survey_services.survey_context(get_course("test-course"), "pre", person, "en"), person,
                               {"year": "1" if person is mei else "0"})
    db.session.commit()
    login(client, "mei")
    response = client.get("/account/my-data.zip")
    assert response.mimetype == "application/zip"
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.data)).read("data.json"))
    assert data["account"]["handle"] == "mei" and data["account"]["region"] == "Sichuan"
    assert [e["course"] for e in data["enrolments"]] == ["test-course"]
    [attempt] = data["quiz_attempts"]
    assert {a["question"]: a["answer"] for a in attempt["answers"]} == {"Q2": "72"}
    assert data["survey_answers"] == [{"course": "test-course", "instrument": "instrument", "phase": "pre",
                                       "state": "submitted", "submitted_on": data["survey_answers"][0]["submitted_on"],
                                       "answers": {"year": 1}}]
    assert "otto" not in json.dumps(data)  # nothing of anyone else


def test_the_user_list_pages_by_fifty(client, make_user):
    make_user("boss", role="admin")
    for n in range(55):
        make_user(f"person-{n:02d}")
    login(client, "boss")
    first = client.get("/admin/users?role=participant").get_data(as_text=True)
    assert "<span>1 / 2</span>" in first and 'href="/admin/users?page=2&amp;q=&amp;role=participant"' in first
    second = client.get("/admin/users?page=2&role=participant").get_data(as_text=True)
    assert "<span>2 / 2</span>" in second and "person-54" in second and "person-00" not in second
