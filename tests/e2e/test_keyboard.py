"""The participant's path with the keyboard only: skip link, log in, enrol, read, complete, take
the quiz. Every element reached shows where the focus is."""
from playwright.sync_api import expect

from tests.conftest import PASSWORD, new_course
from training import accounts
from training.extensions import db

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
  return {text: (label || el.innerText || el.value || el.getAttribute('aria-label') || '').trim(), tag: el.tagName,
          type: el.type || '', id: el.id, visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
}"""


def tab_to(page, text: str, limit: int = 60) -> None:
    """Press Tab until the focused element reads ``text`` (or has that id); its focus must be visible."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        seen.append(focused["text"] or focused["id"])
        if focused["text"] == text or focused["id"] == text:
            assert focused["visible"], f"no visible focus on {focused}"
            return
    raise AssertionError(f"{text!r} cannot be reached with Tab on {page.url}; reached: {seen}")


def follow(page, key: str = "Enter") -> None:
    """Press a key that opens a page (a focused link or a form's button), and wait for the page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def test_the_participant_path_by_keyboard(page_factory, live_server, tmp_path):
    new_course(tmp_path, slug="keys-course", modules=1, lessons=2, sequential=False,
               quiz="::Q:: Which court issued the 2022 provisions? {=Supreme People's Court ~A district court}")
    accounts.create_user("keys-mei", PASSWORD)
    db.session.commit()
    page = page_factory()
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["text"] == "Skip to content"
    tab_to(page, "Log in")
    follow(page)
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert page.evaluate(FOCUSED)["id"] == "handle"  # the form's first field has the focus
    page.keyboard.type("keys-mei")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    follow(page)
    expect(page.get_by_role("heading", name="My learning")).to_be_visible()

    tab_to(page, "Courses")
    follow(page)
    tab_to(page, "Course keys-course")
    follow(page)
    tab_to(page, "Enrol in this course")
    follow(page)  # to the first lesson
    expect(page.get_by_role("heading", name="Lesson 1")).to_be_visible()
    tab_to(page, "Mark as complete")
    follow(page)
    expect(page.get_by_role("heading", name="Lesson 2")).to_be_visible()
    tab_to(page, "Mark as complete")
    follow(page)

    page.goto("/courses/keys-course/quizzes/check")
    tab_to(page, "Start the quiz")
    follow(page)
    expect(page.get_by_text("Which court issued the 2022 provisions?")).to_be_visible()
    for _ in range(20):  # Tab into the radio group, where the arrow keys choose
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED)["type"] == "radio":
            break
    for _ in range(3):
        if page.evaluate(FOCUSED)["text"] == "Supreme People's Court":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(page.get_by_label("Supreme People's Court")).to_be_checked()
    tab_to(page, "Submit and finish")
    follow(page)
    expect(page.get_by_text("You have completed this quiz.")).to_be_visible()
    expect(page.get_by_text("You have completed the course.")).to_be_visible()
