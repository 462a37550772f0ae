"""A course kept on a participant's device for reading without a connection (issue #20).

``manifest`` lists what static/js/reader.js asks the service worker (static/js/offline-sw.js) to
keep: the course page, each lesson open to her now (and, for a lesson with a content warning, the
warning and the page past it), the images the lessons show, and the site's own styles and scripts;
with the size it comes to, shown before she chooses. A lesson still locked (a sequential course)
is kept when it opens: the course page, opened online, asks again and keeps what is new. Only lessons: quizzes, surveys and case exercises need the
site. What she marks complete offline is sent when she is back online, to the same address as
online (marking complete twice changes nothing).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import func, select

from courses.models import Activity, Course, CourseAsset, LessonContent
from training.extensions import db

#: The site's own files every kept page uses (templates/base.html, courses' pages).
STATIC = ("css/amicus.css", "js/quick-exit.js", "js/timezone.js", "js/reader.js", "img/favicon.svg")
#: A page's own HTML around the lesson (header, footer, forms), for the size shown.
PAGE_BYTES = 9_000
_IMG = re.compile(r'<img\b[^>]*?\bsrc="(/courses/[^"]+/assets/[^"]+)"')


@dataclass
class Kept:
    urls: list[str]
    bytes: int
    locked: int = 0  # lessons not open to her yet: kept when they open


def manifest(course: Course, user, lang: str) -> Kept:
    from courses import services

    outline = services.course_outline(course, user, lang)
    open_ids = [a.id for a in outline.activities if a.kind == "lesson" and not a.locked]
    locked = sum(1 for a in outline.activities if a.kind == "lesson" and a.locked)
    lessons = list(db.session.execute(select(Activity).where(Activity.id.in_(open_ids))
                                      .order_by(Activity.position)).scalars())
    contents: dict[int, LessonContent] = {}  # hers in her language, else the lesson's other one
    for row in db.session.execute(select(LessonContent).where(
            LessonContent.activity_id.in_([a.id for a in lessons]))).scalars():
        if row.lang == lang or row.activity_id not in contents:
            contents[row.activity_id] = row
    urls = [url_for("courses.show", slug=course.slug)]
    size = PAGE_BYTES
    images: set[str] = set()
    for lesson in lessons:
        page = url_for("courses.lesson", slug=course.slug, activity=lesson.slug)
        urls.append(page)
        if lesson.content_warnings:
            urls.append(f"{page}?continue=1")
            size += PAGE_BYTES
        content = contents.get(lesson.id)
        size += PAGE_BYTES + (len(content.html.encode()) if content else 0)
        if content:
            images.update(_IMG.findall(content.html))
    prefix = f"/courses/{course.slug}/assets/"
    paths = ["assets/" + src[len(prefix):] for src in images if src.startswith(prefix)]
    if paths:
        size += db.session.execute(select(func.coalesce(func.sum(func.length(CourseAsset.data)), 0)).where(
            CourseAsset.course_id == course.id, CourseAsset.path.in_(paths))).scalar_one()
    urls += sorted(images)
    urls += [url_for("static", filename=name) for name in STATIC]
    return Kept(urls=urls, bytes=size, locked=locked)
