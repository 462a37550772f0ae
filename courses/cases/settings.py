"""A case exercise's settings as typed values: what courses.cases.package reads from case.yaml
and CaseExercise stores as JSON (``CaseExercise.settings`` gives them back as ``CaseSettings``).

The rubrics, the weights and the hearing stay plain mappings here: the scoring functions
(courses/cases/scoring.py) read them as the package gives them.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class StageSpec:
    """A stage of the case: when its documents are released to the teams."""

    slug: str
    titles: dict[str, str]
    opens: str | int  # "start", "trainer" (by hand), or days after the cohort starts

    @property
    def opens_at_start(self) -> bool:
        return self.opens == "start"


@dataclass(frozen=True)
class CaseSettings:
    summaries: dict[str, str] = field(default_factory=dict)
    team_size: int = 2
    pass_mark: float = 60.0
    weights: dict[str, float] = field(default_factory=lambda: {"written": 100.0, "oral": 0.0})
    stages: tuple[StageSpec, ...] = ()
    due_days: int = 7
    max_words: int | None = None
    written_rubric: dict | None = None
    oral_rubric: dict | None = None
    hearing: dict | None = None  # {"stage", "speaker_minutes", "rebuttal_minutes"}: the clerk's timer
    peer_review: bool = False

    @classmethod
    def from_json(cls, data: dict) -> CaseSettings:
        """The settings as stored (keys missing from older rows take the defaults)."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data and name != "stages"}
        return cls(**known, stages=tuple(StageSpec(**stage) for stage in data.get("stages", ())))

    def to_json(self) -> dict:
        stored = asdict(self)
        stored["stages"] = [asdict(stage) for stage in self.stages]
        return stored

    def stage(self, slug: str) -> StageSpec | None:
        return next((stage for stage in self.stages if stage.slug == slug), None)
