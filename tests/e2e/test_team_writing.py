"""Two teammates type in their team's submission at the same time, each in her own browser: the
later save does not replace the other's text and does not say "Saved"; she sees both texts at
once, merges them, and the version history keeps both."""
from __future__ import annotations

from playwright.sync_api import expect

from courses.cases import services
from tests.conftest import new_course, new_user
from tests.courses.cases.helpers import setup_moot
from tests.e2e.test_moot import log_in
from training.extensions import db

SUBMISSION = "/courses/moot-course/cases/moot/submission"
ANA = "The applicant faces a real danger: he came to her workplace."
BOB = "The messages after the warning letter show he will do it again."


def test_teammates_typing_at_once_lose_nothing(page_factory, live_server, tmp_path):
    moot = setup_moot(new_user, lambda slug, **kwargs: new_course(tmp_path, slug, **kwargs))
    ana, bob = page_factory(), page_factory()
    log_in(ana, "ana1")
    log_in(bob, "bob")
    ana.goto(SUBMISSION)
    bob.goto(SUBMISSION)  # both editors start from the same, empty, text

    ana.get_by_label("Submission", exact=True).fill(ANA)
    expect(ana.locator("#save-status")).to_have_text("Saved")
    bob.get_by_label("Submission", exact=True).fill(BOB)
    conflict = bob.locator("#conflict")
    expect(conflict).to_be_visible()
    expect(bob.locator("#save-status")).not_to_have_text("Saved")
    expect(bob.locator("#save-status")).to_contain_text("ana1 saved the team's text while you were writing")
    expect(bob.get_by_label("Your text, not saved as the team's")).to_have_value(BOB)
    expect(bob.get_by_label("The team's text now")).to_have_value(ANA)
    db.session.expire_all()
    assert services.read_submission(moot["t1"]).text == ANA, "Bob's later save replaced nothing"
    db.session.rollback()

    # Bob merges: both texts in his editor, saved as the team's from Ana's version.
    bob.get_by_role("button", name="Put both in the editor").click()
    expect(conflict).to_be_hidden()
    expect(bob.get_by_label("Submission", exact=True)).to_have_value(f"{ANA}\n\n{BOB}")
    expect(bob.locator("#save-status")).to_have_text("Saved")

    # Ana typed on meanwhile, from her old version: she too is shown the conflict, not "Saved".
    ana.get_by_label("Submission", exact=True).press("End")
    ana.get_by_label("Submission", exact=True).type(" She is afraid.")
    expect(ana.locator("#conflict")).to_be_visible()
    expect(ana.get_by_label("The team's text now")).to_have_value(f"{ANA}\n\n{BOB}")
    expect(ana.locator("#save-status")).not_to_have_text("Saved")
    ana.get_by_role("button", name="Take the team's text").click()
    expect(ana.locator("#save-status")).to_have_text("Saved")

    db.session.expire_all()
    row = services.read_submission(moot["t1"])
    assert row.text == f"{ANA}\n\n{BOB}"
    history = [v.text for v, _who in services.versions(row)]
    db.session.rollback()
    assert f"{ANA}\n\n{BOB}" in history and BOB in history and ANA in history
    assert f"{ANA} She is afraid." in history, "Ana's unmerged words are kept as a version"
