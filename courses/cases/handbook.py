"""The case exercise's part of a course's handbook (courses/handbook.py): its case file.

A participant's edition carries the documents released to one side (``applicant`` or
``respondent``), stage by stage, as a team of that side reads them: never the bench memo or any
document for judges only. The trainers' edition (``trainer``) carries every document, the bench
memo included, and the rubrics; only the course's trainers and admins may download it
(courses/views.py).
"""
from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import select

from courses.cases.models import SIDES, CaseDocument, CaseExercise
from courses.models import localized
from training.extensions import db

EDITIONS = (*SIDES, "trainer")


def case_file(activity, lang: str, edition: str) -> str | None:
    exercise = db.session.execute(select(CaseExercise).where(CaseExercise.activity_id == activity.id)).scalar_one_or_none()
    if exercise is None or edition not in EDITIONS:
        return None
    settings = exercise.settings
    documents = list(db.session.execute(select(CaseDocument).where(CaseDocument.exercise_id == exercise.id)
                                        .order_by(CaseDocument.position)).scalars())
    shown = [d for d in documents if edition == "trainer" or edition in d.roles]
    parts = []
    summary = localized(settings.summaries, lang) if settings.summaries else ""
    if summary:
        parts.append(f'<p class="case-summary">{escape(summary)}</p>')
    # (Texts to translate are kept out of f-strings: pybabel reads none.)
    if edition in SIDES:
        side = _("the applicant") if edition == "applicant" else _("the respondent")
        reads = _("The case file as a team for %(side)s reads it.", side=side)
        parts.append(f'<p class="edition">{escape(reads)}</p>')
    judges_only = _("judges and trainers only")
    for stage in settings.stages:
        in_stage = [d for d in shown if d.stage == stage.slug]
        if not in_stage:
            continue
        parts.append(f'<h3 class="case-stage">{escape(localized(stage.titles, lang))}</h3>')
        for document in in_stage:
            for_judges = edition == "trainer" and "judge" in document.roles and not set(SIDES) & set(document.roles)
            label = f' <span class="for-judges">({escape(judges_only)})</span>' if for_judges else ""
            parts.append(f'<h4 class="case-document">{escape(localized(document.titles, lang))}{label}</h4>')
            parts.append(document.html.get(lang) or next(iter(document.html.values()), ""))
    if edition == "trainer":
        for title, rubric in ((_("Rubric for the written submissions"), settings.written_rubric),
                              (_("Rubric for the oral hearing"), settings.oral_rubric)):
            if rubric is not None:
                parts.append(_rubric(title, rubric, lang))
    return "".join(parts)


def _rubric(title: str, rubric, lang: str) -> str:
    rows = []
    for criterion in rubric.criteria:
        levels = "".join(f"<li>{escape(localized(level, lang))}</li>" for level in criterion.levels)
        rows.append(f"<tr><th scope=\"row\">{escape(localized(criterion.titles, lang))}</th>"
                    f"<td class=\"num\">{criterion.weight:g}</td><td>{f'<ol>{levels}</ol>' if levels else ''}</td></tr>")
    names = (_("Criterion"), _("Weight"), _("Levels, lowest first"))
    head = "<thead><tr>" + "".join(f'<th scope="col">{escape(name)}</th>' for name in names) + "</tr></thead>"
    overall = _("One overall mark from 50 to 100.")
    table = f'<table class="rubric">{head}<tbody>{"".join(rows)}</tbody></table>' if rows else (
        f"<p>{escape(overall)}</p>")
    return f'<h3 class="case-stage">{escape(title)}</h3>{table}'
