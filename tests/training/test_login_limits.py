"""Log-in limits (issue #23): a workshop's room logs in together from one address, while guessing
against one account, or against many from one address, is still stopped; the 429 page says when
to try again, in the site's layout and the reader's language."""
import re

import pytest

from tests.conftest import PASSWORD, empty_database, make_app
from training.accounts import create_user, find_user
from training.extensions import db, limiter

VENUE = {"REMOTE_ADDR": "203.0.113.7"}  # the workshop's one shared connection


@pytest.fixture
def limited_app(tmp_path):
    """The app with the shipped limits switched on (tests otherwise run without them)."""
    app = make_app(tmp_path, RATELIMIT_ENABLED=True)
    with app.app_context():
        db.create_all()
        limiter.reset()
        try:
            yield app
        finally:
            limiter.reset()
            empty_database()


def attempt(app, handle, password, address=VENUE, **headers):
    return app.test_client().post("/login", data={"handle": handle, "password": password},
                                  environ_base=address, headers=headers)


def accounts(prefix, count):
    for n in range(count):
        create_user(f"{prefix}{n}", PASSWORD)
    db.session.commit()
    return [f"{prefix}{n}" for n in range(count)]


def test_a_room_of_fifty_logs_in_from_one_address(limited_app):
    """Fifty people at one venue log in within two minutes; one in five mistypes first."""
    handles = accounts("room", 50)
    mistyped = [attempt(limited_app, handle, "not my password").status_code for handle in handles[::5]]
    assert mistyped == [401] * 10
    codes = [attempt(limited_app, handle, PASSWORD).status_code for handle in handles]
    assert codes == [302] * 50


def test_twenty_wrong_passwords_lock_one_account(limited_app):
    accounts("target", 1)
    codes = [attempt(limited_app, "target0", f"guess number {n}").status_code for n in range(20)]
    # Ten are checked (the tenth locks the account), the rest refused by the per-account limit.
    assert codes == [401] * 10 + [429] * 10
    assert find_user("target0").is_locked
    limiter.reset()  # the limit's window has passed; the lock-out has not
    assert attempt(limited_app, "target0", PASSWORD, {"REMOTE_ADDR": "198.51.100.1"}).status_code == 401


def test_two_hundred_wrong_passwords_over_many_accounts_from_one_address_are_stopped(limited_app):
    """Five guesses each at forty accounts: no account's limit or lock-out is reached, so only
    the per-address ceiling on failures can stop the run, after exactly that many guesses."""
    handles = accounts("spray", 40)
    codes = [attempt(limited_app, handle, f"common guess {n}").status_code for n in range(5) for handle in handles]
    assert len(codes) == 200
    assert codes == [401] * 60 + [429] * 140
    assert not any(find_user(handle).is_locked for handle in handles)
    # Stopped means stopped: the right password from that address is not even checked now...
    assert attempt(limited_app, handles[0], PASSWORD).status_code == 429
    # ...while the same person elsewhere logs in.
    assert attempt(limited_app, handles[0], PASSWORD, {"REMOTE_ADDR": "198.51.100.2"}).status_code == 302


def test_successful_log_ins_do_not_use_up_the_address_ceiling(tmp_path):
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, AMICUS_LOGIN_ADDRESS_LIMIT="3 per 5 minutes")
    with app.app_context():
        db.create_all()
        limiter.reset()
        try:
            handles = accounts("ok", 6)
            assert [attempt(app, h, PASSWORD).status_code for h in handles] == [302] * 6
            assert [attempt(app, h, "wrong password").status_code for h in handles[:4]] == [401, 401, 401, 429]
        finally:
            limiter.reset()
            empty_database()


@pytest.mark.parametrize("language, wanted", [
    ("en", ["Too many attempts", r"Please try again in [45] minutes\.", "Log in"]),
    ("zh", ["尝试次数过多", r"请在 [45] 分钟后再试。", "登录"]),
])
def test_the_429_page_is_in_the_layout_and_language_and_says_when(limited_app, language, wanted):
    for n in range(60):
        attempt(limited_app, f"nobody{n}", "wrong password")
    response = attempt(limited_app, "nobody", "wrong password", **{"Accept-Language": language})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert '<nav class="site-nav"' in page and 'class="error-page"' in page  # the site's layout
    for text in wanted:
        assert re.search(text, page), text
    # The five-minute window began with the first failure: the header says what is left, in seconds.
    assert 180 < int(response.headers["Retry-After"]) <= 300
