import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, csrf_token, empty_database, login, make_app
from training.accounts import User, create_user
from training.extensions import db


def user_count():
    return db.session.execute(select(func.count(User.id))).scalar_one()


def register(client, handle="mei", password=PASSWORD, **extra):
    data = {"handle": handle, "password": password, "confirm": password, "profession": "lawyer"}
    data.update(extra)
    return client.post("/register", data=data)


def test_register_logs_in_and_shows_my_learning(client):
    response = register(client, region="sichuan", email="")
    assert response.status_code == 302 and response.headers["Location"] == "/learning"
    page = client.get("/learning").get_data(as_text=True)
    assert "Welcome, mei" in page and "You are not enrolled" in page
    user = db.session.execute(select(User)).scalar_one()
    assert (user.profession, user.region, user.email, user.role) == ("lawyer", "sichuan", None, "participant")


@pytest.mark.parametrize("data, message", [
    ({"handle": "mei\u200b"}, "invisible"),
    ({"handle": "🙂🙂🙂"}, "no emoji"),
    ({"handle": "x" * 500}, "Field cannot be longer"),
    ({"password": "short", "confirm": "short"}, "8 to 256"),
    ({"confirm": "something else"}, "The two passwords differ"),
    ({"profession": "astronaut"}, "Not a valid choice"),
    ({"email": "not-an-email"}, "email"),
    ({"region": "r" * 65}, "Choose a region from the list"),
    ({"region": "Chengdu"}, "Choose a region from the list"),
    ({"region": "Sichuan"}, "Choose a region from the list"),  # the list sends codes, not names
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


def test_register_shows_every_error_in_one_round(client, app, make_user):
    """A taken handle, a weak password, passwords that differ and a bad email all at once, not
    one per submit; only the form's own error on a field it refused."""
    make_user("mei")
    response = client.post("/register", data={"handle": "MEI", "password": "aaaaaaaaaa", "confirm": "aaaaaaaaab",
                                              "profession": "lawyer", "email": "not-an-email"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("That handle is taken", "easy to guess", "The two passwords differ", "does not look like an email"):
        assert message in page, message
    assert user_count() == 1
    response = client.post("/register", data={"handle": "", "password": "", "confirm": "", "profession": "lawyer"})
    page = response.get_data(as_text=True)
    assert page.count("This field is required") == 3 and "Choose a handle" not in page


def test_register_with_a_stale_form_says_only_that(client, app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/register", data={"handle": "mei", "password": "aaaaaaaaaa", "confirm": "aaaaaaaaaa",
                                                  "profession": "lawyer", "csrf_token": "stale"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "The form had expired" in page and "easy to guess" not in page
    assert user_count() == 0


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
    response = laptop.post("/account", data={"current_password": "wrong one!", "password": "aaaaaaaaaa",
                                             "confirm": "aaaaaaaaab"})
    page = response.get_data(as_text=True)  # all three at once
    assert "current password is not right" in page and "easy to guess" in page and "The two passwords differ" in page
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
    page = visitor.post(path, data={"password": "aaaaaaaaaa", "confirm": "aaaaaaaaab"}).get_data(as_text=True)
    assert "easy to guess" in page and "The two passwords differ" in page
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


def test_a_csrf_token_is_bound_to_its_session_and_renewed_at_log_out(tmp_path):
    """The layout's token (Flask-WTF's) is accepted by forms of its own session only, and a
    token seen before logging out no longer works after it."""
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
            # Another session's token is refused; her own is accepted.
            assert li.post("/language", data={"lang": "zh", "csrf_token": first}).status_code == 400
            assert mei.post("/language", data={"lang": "zh", "csrf_token": first}).status_code == 302
            # Logging out starts a new session token: the old signed token no longer works.
            assert mei.post("/logout", data={"csrf_token": first}).status_code == 302
            assert mei.post("/language", data={"lang": "en", "csrf_token": first}).status_code == 400
        finally:
            empty_database()


def test_a_site_wide_limit_is_checked_on_every_page_and_a_views_own_limit_in_its_view(tmp_path):
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, AMICUS_LOGIN_LIMIT="3 per minute")
    with app.app_context():
        db.create_all()
        try:
            client = app.test_client()
            assert [client.get("/courses").status_code for _ in range(5)] == [200] * 5  # no site-wide limit
            codes = [client.post("/login", data={"handle": "x", "password": "bad password"}).status_code
                     for _ in range(4)]
            assert codes == [401, 401, 401, 429]
        finally:
            empty_database()
    # A site-wide default limit, if an operator sets one, is checked on every page.
    from training.extensions import limiter

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


def test_the_per_account_limit_counts_every_spelling_of_a_handle(tmp_path):
    """Full-width letters, other case and spaces around are one account for the limit, as for
    the lookup: each guess comes from another address, so only the per-account limit can stop it."""
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, AMICUS_LOGIN_LIMIT="3 per minute")
    with app.app_context():
        db.create_all()
        try:
            create_user("rl1", PASSWORD)
            db.session.commit()
            spellings = ["rl1", "ｒｌ１", "RL1", " Ｒｌ1 ", "rl1"]
            codes = [app.test_client().post("/login", data={"handle": handle, "password": "bad password"},
                                            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code
                     for n, handle in enumerate(spellings)]
            assert codes == [401, 401, 401, 429, 429]
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
    assert data["account"]["handle"] == "mei" and data["account"]["region"] == "sichuan"
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
