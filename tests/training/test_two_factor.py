"""Two-factor log-in, signed-in devices and deleting one's account: services and views."""
import re
import time

import pyotp
import pytest

from tests.conftest import PASSWORD, csrf_token, login
from training import twofactor
from training.accounts import AccountError, Role, User
from training.audit import AuditEntry
from training.extensions import db
from training.sessions import UserSession

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code_at(step: int, secret: str = SECRET) -> str:
    return pyotp.TOTP(secret).at(step * 30)


def now_step() -> int:
    return int(time.time() // 30)


def turn_on(client, secret: str = SECRET) -> list[str]:
    """Set two-factor up through the pages; returns the recovery codes shown."""
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and "QR code" in page.get_data(as_text=True)
    with client.session_transaction() as session:
        session["totp_setup"] = secret  # the secret the "app" scanned
    response = client.post("/account/two-factor", data={"code": code_at(now_step() - 1, secret)})
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    return re.findall(r'<code class="code">([0-9a-f]{5}-[0-9a-f]{5})</code>', response.get_data(as_text=True))


# --- The code check ---------------------------------------------------------------------------

def test_a_code_matches_its_step_and_the_steps_beside_it_once():
    step = 1_000_000
    now = step * 30 + 5
    assert twofactor.matching_step(SECRET, code_at(step), None, now) == step
    assert twofactor.matching_step(SECRET, code_at(step - 1), None, now) == step - 1
    assert twofactor.matching_step(SECRET, code_at(step + 1), None, now) == step + 1
    assert twofactor.matching_step(SECRET, code_at(step - 2), None, now) is None  # too old
    assert twofactor.matching_step(SECRET, code_at(step), step, now) is None  # already used
    assert twofactor.matching_step(SECRET, " " + code_at(step)[:3] + " " + code_at(step)[3:], None, now) == step
    for bad in ("", "12345", "1234567", "abcdef", None):
        assert twofactor.matching_step(SECRET, bad, None, now) is None


def test_enable_needs_a_right_code_and_makes_ten_recovery_codes(app, make_user):
    user = make_user("mei")
    with pytest.raises(AccountError, match="not right"):
        twofactor.enable(user, SECRET, "000000" if code_at(now_step()) != "000000" else "111111")
    assert not user.has_two_factor
    codes = twofactor.enable(user, SECRET, code_at(now_step()))
    db.session.commit()
    assert user.has_two_factor and len(codes) == 10 and len(set(codes)) == 10
    assert twofactor.recovery_codes_left(user) == 10
    with pytest.raises(AccountError, match="already on"):
        twofactor.enable(user, SECRET, code_at(now_step()))


def test_verify_refuses_a_replayed_code_and_spends_recovery_codes(app, make_user):
    user = make_user("mei")
    codes = twofactor.enable(user, SECRET, code_at(now_step() - 1))
    db.session.commit()
    assert twofactor.verify(user, code_at(now_step() - 1)) is None  # the code used to turn it on
    assert twofactor.verify(user, code_at(now_step())) == "totp"
    assert twofactor.verify(user, code_at(now_step())) is None  # the same code again
    assert twofactor.verify(user, codes[0].upper()) == "recovery"
    assert twofactor.verify(user, codes[0]) is None
    assert twofactor.recovery_codes_left(user) == 9


def test_wrong_codes_lock_the_account(app, make_user):
    app.config["AMICUS_LOCKOUT_AFTER"] = 3
    user = make_user("mei")
    twofactor.enable(user, SECRET, code_at(now_step() - 1))
    wrong = next(c for c in ("000000", "111111", "222222") if c != code_at(now_step()) and c != code_at(now_step() + 1))
    for _ in range(3):
        assert twofactor.verify(user, wrong) is None
    db.session.commit()
    assert user.is_locked
    assert twofactor.verify(user, code_at(now_step())) is None  # locked: even the right code


def test_disable_is_refused_for_roles_that_require_it(app, make_user):
    app.config["AMICUS_TWO_FACTOR_ROLES"] = ["trainer", "admin"]
    trainer = make_user("coach", role=Role.TRAINER)
    twofactor.enable(trainer, SECRET, code_at(now_step() - 1))
    with pytest.raises(AccountError, match="must keep"):
        twofactor.disable(trainer, PASSWORD, code_at(now_step()))
    participant = make_user("mei")
    twofactor.enable(participant, SECRET, code_at(now_step() - 1))
    with pytest.raises(AccountError, match="current password"):
        twofactor.disable(participant, "wrong password!", code_at(now_step()))
    twofactor.disable(participant, PASSWORD, code_at(now_step()))
    assert not participant.has_two_factor and twofactor.recovery_codes_left(participant) == 0


# --- Logging in with a code -------------------------------------------------------------------

def test_log_in_with_a_code_then_with_a_recovery_code(app, client, make_user):
    make_user("mei")
    login(client, "mei")
    codes = turn_on(client)
    assert len(codes) == 10
    client.post("/logout")

    response = client.post("/login?next=/account", data={"handle": "mei", "password": PASSWORD})
    assert response.status_code == 302 and "/login/code" in response.headers["Location"]
    assert client.get("/account").status_code == 302  # the password alone does not log in
    bad = client.post("/login/code?next=/account", data={"code": "12345x"})
    assert bad.status_code == 401 and "not right" in bad.get_data(as_text=True)
    response = client.post("/login/code?next=/account", data={"code": code_at(now_step())})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200
    client.post("/logout")

    client.post("/login", data={"handle": "mei", "password": PASSWORD})
    response = client.post("/login/code", data={"code": codes[3]}, follow_redirects=True)
    assert "9 are left" in response.get_data(as_text=True)
    client.post("/logout")
    client.post("/login", data={"handle": "mei", "password": PASSWORD})
    assert client.post("/login/code", data={"code": codes[3]}).status_code == 401  # spent


def test_the_code_step_expires_and_needs_the_password_first(app, client, make_user):
    make_user("mei")
    assert client.get("/login/code").status_code == 302  # no password given
    login(client, "mei")
    turn_on(client)
    client.post("/logout")
    client.post("/login", data={"handle": "mei", "password": PASSWORD})
    with client.session_transaction() as session:
        session["login_code"] = {**session["login_code"], "at": session["login_code"]["at"] - 301}
    response = client.post("/login/code", data={"code": code_at(now_step())})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/account").status_code == 302


def test_trainers_must_set_up_two_factor_before_anything_else(app, client, make_user):
    app.config["AMICUS_TWO_FACTOR_ROLES"] = ["trainer", "admin"]
    make_user("coach", role=Role.TRAINER)
    response = login(client, "coach")
    assert response.headers["Location"] == "/account/two-factor"
    for path in ("/cohorts", "/learning", "/account"):
        held = client.get(path)
        assert held.status_code == 302 and held.headers["Location"] == "/account/two-factor", path
    assert "must keep" not in client.get("/account/two-factor").get_data(as_text=True)
    turn_on(client)
    assert client.get("/cohorts").status_code == 200
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "must keep two-factor log-in on" in page and "Turn off two-factor log-in</button>" not in page
    assert client.post("/account/two-factor/off", data={"off-password": PASSWORD,
                                                        "off-code": code_at(now_step())}).status_code == 422


def test_setting_up_refuses_a_wrong_code_and_keeps_the_secret(app, client, make_user):
    make_user("mei")
    login(client, "mei")
    client.get("/account/two-factor")
    with client.session_transaction() as session:
        secret = session["totp_setup"]
    wrong = next(c for c in ("000000", "111111", "222222") if c not in {code_at(now_step() + d, secret) for d in (-1, 0, 1)})
    response = client.post("/account/two-factor", data={"code": wrong})
    assert response.status_code == 422 and "not right" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert session["totp_setup"] == secret  # the app keeps working with what it scanned
    assert db.session.query(User).filter_by(handle="mei").one().totp_secret is None


def test_a_secret_being_set_up_does_not_pass_to_the_next_person_on_the_browser(app, client, make_user):
    make_user("mei")
    make_user("lan")
    login(client, "mei")
    client.get("/account/two-factor")
    with client.session_transaction() as session:
        begun = session["totp_setup"]
    client.post("/logout")
    login(client, "lan")
    client.get("/account/two-factor")
    with client.session_transaction() as session:
        assert session["totp_setup"] != begun


def test_new_recovery_codes_replace_the_old_and_turning_off_is_audited(app, client, make_user):
    make_user("mei")
    login(client, "mei")
    old = turn_on(client)
    response = client.post("/account/two-factor/recovery-codes", data={"renew-code": code_at(now_step())})
    new = re.findall(r'<code class="code">([0-9a-f]{5}-[0-9a-f]{5})</code>', response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    user = db.session.query(User).filter_by(handle="mei").one()
    assert twofactor.verify(user, old[0]) is None
    db.session.rollback()
    response = client.post("/account/two-factor/off", data={"off-password": PASSWORD, "off-code": new[0]})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.query(User).filter_by(handle="mei").one().totp_secret is None
    actions = [e.action for e in db.session.query(AuditEntry).order_by(AuditEntry.id)]
    assert actions == ["account.two_factor_on", "account.two_factor_off"]


def test_an_admin_turns_off_a_lost_phone(app, client, make_user):
    admin = make_user("boss", role=Role.ADMIN)
    user = make_user("mei")
    twofactor.enable(user, SECRET, code_at(now_step()))
    db.session.commit()
    login(client, "boss")
    page = client.get("/admin/users").get_data(as_text=True)
    response = client.post(f"/admin/users/{user.id}/two-factor/reset", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret is None
    entry = db.session.query(AuditEntry).filter_by(action="account.two_factor_reset").one()
    assert entry.actor_id == admin.id and "mei" in entry.target


# --- Signed-in devices ------------------------------------------------------------------------

def test_a_participant_sees_her_devices_and_ends_the_others(app, make_user):
    make_user("mei")
    phone, laptop = app.test_client(), app.test_client()
    phone.post("/login", data={"handle": "mei", "password": PASSWORD},
               headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile"})
    login(laptop, "mei")
    page = laptop.get("/account").get_data(as_text=True)
    assert "Chrome, Android" in page and "(this device)" in page
    response = laptop.post("/account/sessions/end-others", follow_redirects=True)
    assert "1 other device has been logged out" in response.get_data(as_text=True)
    assert phone.get("/account").status_code == 302  # logged out
    assert laptop.get("/account").status_code == 200
    laptop.post("/logout")
    assert db.session.query(UserSession).count() == 0


def test_changing_the_password_logs_out_the_other_devices(app, make_user):
    make_user("mei")
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "mei")
    login(laptop, "mei")
    laptop.post("/account", data={"current_password": PASSWORD, "password": "a new long password",
                                  "confirm": "a new long password"})
    assert phone.get("/account").status_code == 302
    assert laptop.get("/account").status_code == 200


def test_the_set_up_page_names_apps_that_install_in_mainland_china(app, client, make_user):
    # No Google Play there: name apps in Apple's China store and the Chinese Android stores.
    make_user("coach", role=Role.TRAINER)
    login(client, "coach")
    page = client.get("/account/two-factor", headers={"Accept-Language": "en"}).get_data(as_text=True)
    for name in ("Microsoft Authenticator", "Tencent Authenticator", "Alibaba Cloud app", "mainland China"):
        assert name in page, name
    page = client.get("/account/two-factor", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    for name in ("Microsoft Authenticator", "腾讯身份验证器", "阿里云 App", "虚拟 MFA", "中国大陆"):
        assert name in page, name
    assert "FreeOTP" not in page and "Google" not in page
