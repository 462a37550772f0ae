"""Activity kinds: each kind of activity a course module holds is one class, registered once.

A kind (lesson, quiz, survey, case exercise) subclasses ``ActivityKind`` in its own package,
sets ``name``, ``label`` and ``endpoint``, overrides what it owns, and its package's
registration calls ``register(TheKind())`` when the app is built. Everything else asks the
registry: the package reader (``courses.package``) calls ``parse`` for each entry of the kind
in course.yaml, the sync (``courses.sync``) calls ``write``, the pages open an activity with
``courses.services.activity_context`` (outline, find, the course's access rule, then the
kind's ``check_access`` and ``load``), and progress asks ``derived_done`` for kinds whose
completion is found rather than recorded. The core never imports a kind's package.

Completion is the same for every kind unless it says otherwise: when the kind's own rule is
met (a lesson read, a quiz passed, a case's submission in) the kind records an
``ActivityCompletion`` row through ``training.progress.mark_complete``, so progress is a count
the database can do. A kind whose completion lies in its own rows instead (a survey, answered
under a pseudonym) overrides ``derived_done``.

``parse`` and ``write`` import the kind's package reader when they are called, not when the
kind is registered: a worker serving pages never reads a package (issue #22).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar


class ActivityKind:
    """One kind of activity. Subclasses set the three names and override the methods they own."""

    name: ClassVar[str]  # the key in course.yaml (``- quiz: ...``) and Activity.kind
    label: ClassVar[Any]  # shown beside the activity's title (a lazy translation)
    endpoint: ClassVar[str]  # the view that shows it, called with the course's and the activity's slugs

    def parse(self, reader, ctx, entry, rel: str):
        """The activity's spec from its ``entry`` in course.yaml (None after reporting an error
        with ``reader.error``). ``ctx`` is the course's ``CourseContext``; ``rel`` the file read."""
        raise NotImplementedError(f"the {self.name} kind reads no course.yaml entry")

    def write(self, course, activity, spec) -> None:
        """Store the kind's own content for ``activity`` at sync (in the sync's transaction)."""

    def check_access(self, outline, activity, user) -> None:
        """The kind's own rule, after the course's (enrolled, module unlocked): raise a refusal
        (``courses.services.CourseAccessError``) to refuse. Most kinds have none."""

    def load(self, course, outline, activity, user, locale: str):
        """What the kind's pages need once access is granted (its context object)."""
        return None

    #: The cohort matrix: how a completed activity of the kind shows ("done" or "passed"), and the
    #: other states its ``matrix_states`` reads.
    matrix_complete: ClassVar[str] = "done"
    matrix_others: ClassVar[tuple[str, ...]] = ()

    def matrix_states(self, cohort_id: int, course_id: int):
        """A SELECT of (user id, activity id, state) for the cohort's people: what the matrix shows
        of the kind besides complete (``matrix_others``). None (the default): done or not started."""
        return None

    def waiting(self, user_id: int, activity_ids: list[int]) -> set[int] | None:
        """Of these activities (not done), those where she has nothing to do until a trainer acts
        (a quiz's essay waiting for a mark): they open the next module of a sequential course and
        "Continue" goes past them. None (the default): the kind never waits on a trainer."""
        return None

    def demo_complete(self, course, slug: str, user, trainer) -> None:
        """For the demo site (`flask demo load`): complete the activity as participant ``user``
        would, through the services its pages use (``trainer`` marks what needs marking)."""
        raise NotImplementedError(f"the demo cannot complete a {self.name!r} activity")

    def handbook(self, course, activity, lang: str, edition: str = "") -> str | None:
        """What the activity puts in the course's handbook (courses/handbook.py) in ``lang``:
        sanitised HTML, "" when it has no version in that language, or None (the default) when
        the kind prints nothing: the handbook lists it as done on the site. ``edition`` is the
        handbook's reader: "" (anyone), a case's side, or "trainer" (courses.handbook.EDITIONS)."""
        return None

    def handbook_answers(self, course, activity, lang: str) -> str | None:
        """The answers to what ``handbook`` printed, for the key at the end of the handbook (a
        quiz's right answers); None (the default): nothing to answer."""
        return None

    def derived_done(self, user_ids: list[int], activity_ids: list[int]) -> set[tuple[int, int]] | None:
        """For a kind whose completion is found in its own rows, not recorded: the (user id,
        activity id) pairs done. None (the default): completions are recorded rows."""
        return None

    @property
    def derives_completion(self) -> bool:
        return overrides(self, "derived_done")


def overrides(kind: ActivityKind, method: str) -> bool:
    """Whether ``kind`` has its own ``method`` (so callers ask only the kinds that answer)."""
    return getattr(type(kind), method) is not getattr(ActivityKind, method)


_KINDS: dict[str, ActivityKind] = {}


def register(kind: ActivityKind) -> None:
    """Register ``kind`` (an instance); registering a kind's name again replaces it."""
    for attribute in ("name", "label", "endpoint"):
        if not getattr(kind, attribute, None):
            raise TypeError(f"{type(kind).__name__} sets no {attribute}")
    _KINDS[kind.name] = kind


def unregister(name: str) -> None:
    _KINDS.pop(name, None)


def get(name: str) -> ActivityKind:
    return _KINDS[name]


def names() -> list[str]:
    return sorted(_KINDS)


def kinds() -> Iterable[ActivityKind]:
    return list(_KINDS.values())
