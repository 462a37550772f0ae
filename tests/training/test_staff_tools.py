"""Staff find their tools (issue #27): where each role lands after log-in, staff accounts made in
the browser, the question bank linked from the course page, admin pages in the reader's language."""
from datetime import date

import pyotp
import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, login
from training import accounts, cohorts
from training.audit import AuditEntry, record
from training.extensions import db


def users():
    return db.session.execute(select(func.count(accounts.User.id))).scalar_one()


@pytest.mark.parametrize("role, lands", [("participant", "/learning"), ("trainer", "/cohorts"), ("admin", "/admin")])
def test_each_role_lands_on_its_page_and_next_still_wins(app, client, make_user, role, lands):
    make_user("someone", role=role)
    assert login(client, "someone").headers["Location"] == lands
    assert client.get("/").headers["Location"] == lands
    client.post("/logout")
    response = client.post("/login?next=/account", data={"handle": "someone", "password": PASSWORD})
    assert response.headers["Location"] == "/account"
    client.post("/logout")
    response = client.post("/login?next=//evil.example/", data={"handle": "someone", "password": PASSWORD})
    assert response.headers["Location"] == lands


def setup_secret(client) -> str:
    with client.session_transaction() as session:
        return session["totp_setup"]


def test_a_trainer_who_must_set_up_two_factor_lands_on_cohorts_or_next_afterwards(app, make_user):
    app.config["AMICUS_TWO_FACTOR_ROLES"] = ["trainer", "admin"]
    make_user("coach", role="trainer")
    make_user("coach2", role="trainer")
    client = app.test_client()
    response = client.post("/login?next=/courses", data={"handle": "coach", "password": PASSWORD})
    assert response.headers["Location"] == "/account/two-factor?next=/courses"
    client.get("/account/two-factor?next=/courses")
    codes = client.post("/account/two-factor?next=/courses", data={"code": pyotp.TOTP(setup_secret(client)).now()})
    assert codes.status_code == 200 and 'href="/courses">I have kept them' in codes.get_data(as_text=True)
    other = app.test_client()
    assert login(other, "coach2").headers["Location"] == "/account/two-factor"
    other.get("/account/two-factor")
    codes = other.post("/account/two-factor", data={"code": pyotp.TOTP(setup_secret(other)).now()})
    assert 'href="/cohorts">I have kept them' in codes.get_data(as_text=True)


def test_an_admin_creates_a_trainer_who_sets_a_password_and_must_set_up_two_factor(app, client, make_user):
    app.config["AMICUS_TWO_FACTOR_ROLES"] = ["trainer", "admin"]
    boss = make_user("boss", role="admin")
    boss.totp_secret = pyotp.random_base32()  # the admin has hers; log in past it below
    db.session.commit()
    client.post("/login", data={"handle": "boss", "password": PASSWORD})
    client.post("/login/code", data={"code": pyotp.TOTP(boss.totp_secret).now()})
    assert client.get("/admin/users/new").status_code == 200
    response = client.post("/admin/users/new", data={"handle": "Lin-Coach", "role": "trainer"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    link = page.split('id="setup-link" class="copy" readonly value="')[1].split('"')[0]
    assert "/reset/" in link and "sets up two-factor log-in" in page
    made = accounts.find_user("lin-coach")
    assert made.role == "trainer" and not made.has_two_factor
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "account.create")).scalar_one()
    assert (entry.actor_handle, entry.target, entry.detail) == ("boss", f"user {made.id} (Lin-Coach)", {"role": "trainer"})
    # Nobody can log in with a password before the holder chooses one through the link.
    newcomer = app.test_client()
    path = "/reset/" + link.split("/reset/")[1]
    assert newcomer.post(path, data={"password": "violet river cotton lamp", "confirm": "violet river cotton lamp"}
                         ).status_code == 302
    response = newcomer.post("/login", data={"handle": "Lin-Coach", "password": "violet river cotton lamp"})
    assert response.headers["Location"] == "/account/two-factor"
    assert newcomer.get("/cohorts").headers["Location"] == "/account/two-factor"
    assert app.test_client().get(path).status_code == 404  # the link worked once


@pytest.mark.parametrize("data, message", [
    ({"handle": "boss", "role": "trainer"}, "That handle is taken"),
    ({"handle": "two words", "role": "trainer"}, "cannot contain spaces"),
    ({"handle": "", "role": "trainer"}, "This field is required"),
    ({"handle": "newbie", "role": "participant"}, "Not a valid choice"),
    ({"handle": "newbie", "role": "guest"}, "Not a valid choice"),
    ({"handle": "newbie", "role": "superuser"}, "Not a valid choice"),
])
def test_a_staff_account_with_bad_input_is_refused_and_nothing_is_made(client, make_user, data, message):
    make_user("boss", role="admin")
    login(client, "boss")
    before = users()
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert users() == before
    assert db.session.execute(select(func.count(AuditEntry.id))).scalar_one() == 0


@pytest.mark.parametrize("role", ["participant", "trainer"])
def test_only_admins_create_staff_accounts(client, make_user, role):
    someone = make_user("someone", role=role)
    login(client, "someone")
    assert client.post("/admin/users/new", data={"handle": "sneaky", "role": "admin"}).status_code == 403
    assert accounts.find_user("sneaky") is None
    with pytest.raises(PermissionError):
        accounts.create_staff_account(someone, "sneaky", "admin", 48)


def test_the_course_page_links_the_question_bank_for_those_who_may_use_it(app, make_course, make_user):
    course = make_course(modules=1, lessons=1, sequential=False)
    runner = make_user("runner", role="trainer")
    make_user("elsewhere", role="trainer")
    make_user("boss", role="admin")
    make_user("mei")
    cohorts.create_cohort(runner, course.id, "Spring", date.today(), None)
    db.session.commit()
    for handle, sees in [("runner", True), ("boss", True), ("elsewhere", False), ("mei", False), (None, False)]:
        client = app.test_client()
        if handle:
            login(client, handle)
        page = client.get("/courses/test-course").get_data(as_text=True)
        assert ('href="/courses/test-course/questions"' in page) is sees, handle
        if sees:
            assert client.get("/courses/test-course/questions").status_code == 200


def test_admin_pages_name_roles_and_what_entries_are_about_in_chinese(app, client, make_user):
    boss = make_user("boss", role="admin")
    mei = make_user("mei")
    gone = make_user("gone")
    gone_id = gone.id
    # As recorded before this change ("user 5"), by a deleted account, and from the server.
    record(mei, "account.two_factor_on", f"user {mei.id}", "10.0.0.1")
    record(boss, "account.unlock", f"user {gone_id} (gone)", "10.0.0.2")
    record(boss, "account.reset_link", f"user {mei.id} (mei)", "server command line")
    record(None, "survey.purge", "survey answers before 2023-01-01", None)
    db.session.commit()
    from training.personal_data import erase

    erase(gone, keep_certificates=True, actor=boss)
    db.session.commit()
    login(client, "boss")
    client.post("/language", data={"lang": "zh"})
    audit = client.get("/admin/audit").get_data(as_text=True)
    rows = audit.split("<tbody>")[1]
    assert f"user {mei.id}" not in rows and "user " not in rows
    assert "<td>mei（学员）</td>" in rows and "<td>账户 mei</td>" in rows  # two-factor on: who and about whom
    assert "<td>已删除的账户</td>" in rows  # the unlocked account, deleted since
    assert "<td>服务器命令行</td>" in rows and "<td>服务器（命令行）</td>" in rows
    assert "<td>2023-01-01 之前的问卷回答</td>" in rows
    assert "<td>boss（管理员）</td>" in rows
    users_page = client.get("/admin/users").get_data(as_text=True)
    assert "<td>管理员</td>" in users_page and "<td>学员</td>" in users_page
    assert '<option value="trainer" >培训师</option>' in users_page
    overview = client.get("/admin").get_data(as_text=True)
    assert "学员</a>: 1" in overview and "管理员</a>: 1" in overview and "账户 mei" in overview


def test_the_overview_counts_locked_accounts_and_staff_without_two_factor(app, client, make_user):
    from datetime import timedelta

    from training.db import utcnow

    make_user("boss", role="admin")
    make_user("coach", role="trainer")
    make_user("mei").locked_until = utcnow() + timedelta(minutes=5)
    db.session.commit()
    login(client, "boss")
    page = client.get("/admin").get_data(as_text=True)
    assert "1 account is locked after failed log-ins." in page
    assert "2 trainers or administrators have not set up two-factor log-in yet." in page
    assert 'href="/admin/users/new"' in page
