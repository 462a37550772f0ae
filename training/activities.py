"""The activity-kind registry.

A module of a course holds activities of several kinds: lessons now; quizzes, surveys and
case exercises as their packages land. Each package registers its kind here from the app
factory. The core never imports those packages: it only asks the registry.

Completion is the same for every kind: when a kind's own rule is met (a lesson marked done,
a quiz passed...) the kind records an ``ActivityCompletion`` row through
``training.progress.mark_complete``, so progress is a count the database can do.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActivityKind:
    name: str  # the key used in course.yaml and stored on Activity.kind
    label: str  # shown next to the activity's title
    endpoint: str  # view that shows it, called with course slug and activity slug


_KINDS: dict[str, ActivityKind] = {}


def register(kind: ActivityKind) -> None:
    _KINDS[kind.name] = kind


def get(name: str) -> ActivityKind:
    return _KINDS[name]


def names() -> list[str]:
    return sorted(_KINDS)
