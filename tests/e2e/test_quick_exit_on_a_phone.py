"""The "Leave quickly" button floats over the page: on a phone, scrolled to the end of any page,
it covers no text and no control (the page leaves room for it below its last line)."""
import pytest

from tests.e2e.test_safety_and_chinese import log_in, setup_course

# Text and controls under the button, once the page is scrolled to its end.
COVERED = """() => {
  window.scrollTo(0, document.documentElement.scrollHeight);
  const exit = document.getElementById('quick-exit').getBoundingClientRect();
  const covered = [];
  for (const el of document.body.querySelectorAll('a, button, input, select, textarea, label, p, li, h1, h2, h3, dt, dd, td, th, span, strong, em')) {
    if (el.id === 'quick-exit' || el.closest('#quick-exit') || el.closest('.skip-link')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    // The element's own text, or the element itself if it is a control.
    const control = ['A', 'BUTTON', 'INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName);
    const rects = [];
    if (control) rects.push(el.getBoundingClientRect());
    else for (const node of el.childNodes) {
      if (node.nodeType === 3 && node.textContent.trim()) {
        const range = document.createRange(); range.selectNodeContents(node);
        rects.push(...range.getClientRects());
      }
    }
    for (const r of rects) {
      if (r.width && r.height && r.left < exit.right && r.right > exit.left && r.top < exit.bottom && r.bottom > exit.top) {
        covered.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.value || '').trim().slice(0, 40)}"`);
        break;
      }
    }
  }
  return covered;
}"""


@pytest.mark.parametrize("language", ["en", "zh"])
def test_leave_quickly_covers_nothing_on_a_phone(page_factory, live_server, tmp_path, language):
    setup_course(tmp_path, f"phone-{language}")
    for width, height in ((375, 667), (320, 568)):
        visitor = page_factory(viewport=(width, height))
        visitor.context.set_extra_http_headers({"Accept-Language": language})
        person = page_factory(viewport=(width, height))
        person.context.set_extra_http_headers({"Accept-Language": language})
        log_in(person, f"phone-{language}-user")
        problems = []
        for page, path in ((visitor, "/"), (visitor, "/register"), (visitor, "/login"), (visitor, "/support"),
                           (visitor, "/verify"), (person, "/courses"), (person, "/learning"), (person, "/account"),
                           (person, f"/courses/phone-{language}"),
                           (person, f"/courses/phone-{language}/lessons/001-lesson")):
            page.goto(path)
            covered = page.evaluate(COVERED)
            if covered:
                problems.append(f"{path} at {width} px: {covered}")
        assert not problems, "\n".join(problems)
