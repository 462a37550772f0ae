from datetime import timedelta

import pytest

from tests.conftest import PASSWORD
from training import accounts, sessions
from training.accounts import AccountError, Role
from training.db import utcnow
from training.extensions import db


@pytest.mark.parametrize("handle", ["mei", "王小梅", "محمد_العلي", "Nguyễn.Thị", "देवनागरी", "ខ្មែរ-01"])
def test_handles_in_any_script_are_accepted(app, handle):
    user = accounts.create_user(handle, PASSWORD)
    db.session.commit()
    assert accounts.find_user(handle).id == user.id


@pytest.mark.parametrize("handle, fragment", [
    ("mei\u200bli", "invisible"),
    ("mei\u202eli", "invisible"),
    ("mei li", "spaces"),
    ("mei😀", "emoji"),
    ("<script>", "emoji or symbols"),
    ("ab", "3 to 40"),
    ("x" * 41, "3 to 40"),
    ("   ", "Choose a handle"),
])
def test_bad_handles_are_refused_with_a_reason(app, handle, fragment):
    with pytest.raises(AccountError) as info:
        accounts.create_user(handle, PASSWORD)
    assert fragment in str(info.value)
    assert info.value.field == "handle"


def test_handles_are_unique_regardless_of_case_and_width(app):
    accounts.create_user("Mei", PASSWORD)
    db.session.commit()
    for twin in ("mei", "MEI", "Ｍｅｉ"):  # the last is full-width, NFKC folds it
        with pytest.raises(AccountError, match="taken"):
            accounts.create_user(twin, PASSWORD)


@pytest.mark.parametrize("password", ["aaaaaaaaaa", "password123", "1234567890", "qwertyuiop", "mei-handle-long1",
                                      "iloveyou2026", "我们一起去看海"])
def test_a_password_easy_to_guess_is_refused_whatever_its_length(app, password):
    with pytest.raises(AccountError, match="easy to guess|characters") as refused:
        accounts.create_user("mei-handle-long", password)
    assert refused.value.field == "password"


@pytest.mark.parametrize("password", ["我和朋友周末去爬山", "correct horse battery", "Hai lần bảy mươi ba", "violet-river-cotton",
                                      # longer than the 72 characters the estimator reads (it refuses more)
                                      "the court issued the order on a rainy tuesday in march " * 2,
                                      ("river cotton violet " * 13)[:256]])
def test_a_hard_password_is_accepted_in_any_script(app, password):
    assert accounts.create_user("mei", password).handle == "mei"


def test_passwords_are_hashed_with_argon2id(app):
    user = accounts.create_user("mei", PASSWORD)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


@pytest.mark.parametrize("password", ["short", "x" * 257, "Mei-Handle-Long"])
def test_password_rules(app, password):
    with pytest.raises(AccountError):
        accounts.create_user("mei-handle-long", password)


def test_authenticate(app, make_user):
    make_user("mei")
    assert accounts.authenticate("MEI", PASSWORD).handle == "mei"
    assert accounts.authenticate("mei", "wrong password!") is None
    assert accounts.authenticate("nobody", PASSWORD) is None
    assert accounts.authenticate("", "") is None


def test_changing_the_password_ends_the_other_sessions(app, make_user):
    user = make_user("mei")
    with app.test_request_context(headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile"}):
        sessions.start(user)
        first = user.get_id()
        sessions.start(user)
        second = user.get_id()
        db.session.commit()
        assert sessions.load_user(first).id == sessions.load_user(second).id == user.id
        current = sessions.load_user(second)
        with pytest.raises(AccountError, match="current password"):
            accounts.change_password(current, "not it at all", "a brand new password")
        accounts.change_password(current, PASSWORD, "a brand new password")
        db.session.commit()
        assert sessions.load_user(first) is None  # the other device is logged out
        assert sessions.load_user(second).id == user.id
        assert [s.device for s in sessions.of(user)] == ["Chrome, Android"]


def test_load_user_rejects_malformed_ids(app, make_user):
    user = make_user("mei")
    with app.test_request_context():
        token = sessions.start(user)
        db.session.commit()
    for bad in ("", "abc", f"{user.id}", f"{user.id}:", "1:2:3", f"x:{token}", f"{user.id + 1}:{token}"):
        assert sessions.load_user(bad) is None
    assert sessions.load_user(f"{user.id}:{token}").id == user.id


@pytest.mark.parametrize("agent, label", [
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605 Version/17.0 Mobile Safari/604.1",
     "Safari, iOS"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36 Edg/120", "Edge, Windows"),
    ("Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/116 Mobile MicroMessenger/8.0", "WeChat, Android"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox, Linux"),
    ("curl/8.0", ""), (None, ""),
])
def test_device_label(agent, label):
    assert sessions.device_label(agent) == label


def test_reset_tokens_work_once_and_only_for_admins(app, make_user):
    admin = make_user("boss", role=Role.ADMIN)
    trainer = make_user("coach", role=Role.TRAINER)
    user = make_user("mei")
    with pytest.raises(PermissionError):
        accounts.create_reset_token(trainer, user, 48)
    token = accounts.create_reset_token(admin, user, 48)
    db.session.commit()
    accounts.use_reset_token(token, "another good password")
    db.session.commit()
    assert accounts.authenticate("mei", "another good password")
    with pytest.raises(AccountError, match="not valid"):
        accounts.use_reset_token(token, "yet another password")


def test_reset_tokens_expire_and_are_replaced(app, make_user):
    admin = make_user("boss", role=Role.ADMIN)
    user = make_user("mei")
    first = accounts.create_reset_token(admin, user, 48)
    second = accounts.create_reset_token(admin, user, 48)
    db.session.commit()
    assert accounts.find_reset(first) is None  # superseded
    reset = accounts.find_reset(second)
    reset.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert accounts.find_reset(second) is None
