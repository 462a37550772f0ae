"""A case exercise's settings as typed values: what courses.cases.package reads from case.yaml
and CaseExercise stores as JSON (``CaseExercise.settings`` gives them back as ``CaseSettings``),
with its stages, rubrics, weights and hearing.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Weights:
    """How the written and the oral scores make the final one (any scale: they are normalised)."""

    written: float = 100.0
    oral: float = 0.0


@dataclass(frozen=True)
class Hearing:
    """The oral hearing: the stage it opens with, and the clerk's timer."""

    stage: str
    speaker_minutes: int = 10
    rebuttal_minutes: int = 0


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
class Criterion:
    """One line of a rubric: a criterion with its weight, and for a "criteria" rubric its
    described levels, lowest first (a judge gives level 1 to len(levels))."""

    slug: str
    titles: dict[str, str]
    weight: float
    levels: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class Rubric:
    """The judges' scoring sheet: "criteria" (levels per criterion) or "banded" (a 50-100 mark,
    overall when it has no criteria, else per sub-criterion)."""

    kind: str
    criteria: tuple[Criterion, ...] = ()

    @property
    def banded(self) -> bool:
        return self.kind == "banded"

    @classmethod
    def from_json(cls, data: dict | None) -> Rubric | None:
        if data is None:
            return None
        return cls(kind=data["kind"], criteria=tuple(
            Criterion(slug=c["slug"], titles=c.get("titles", {}), weight=c["weight"], levels=tuple(c.get("levels", ())))
            for c in data.get("criteria", ())))


@dataclass(frozen=True)
class CaseSettings:
    summaries: dict[str, str] = field(default_factory=dict)
    team_size: int = 2
    pass_mark: float = 60.0
    weights: Weights = field(default_factory=Weights)
    stages: tuple[StageSpec, ...] = ()
    due_days: int = 7
    max_words: int | None = None
    written_rubric: Rubric | None = None
    oral_rubric: Rubric | None = None
    hearing: Hearing | None = None
    peer_review: bool = False

    @classmethod
    def from_json(cls, data: dict) -> CaseSettings:
        """The settings as stored (keys missing from older rows take the defaults)."""
        typed = ("stages", "written_rubric", "oral_rubric", "weights", "hearing")
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data and name not in typed}
        return cls(**known, stages=tuple(StageSpec(**stage) for stage in data.get("stages", ())),
                   written_rubric=Rubric.from_json(data.get("written_rubric")),
                   oral_rubric=Rubric.from_json(data.get("oral_rubric")),
                   weights=Weights(**data["weights"]) if data.get("weights") else Weights(),
                   hearing=Hearing(**data["hearing"]) if data.get("hearing") else None)

    def to_json(self) -> dict:
        stored = asdict(self)  # nested dataclasses become mappings, tuples stay tuples (JSON lists)
        stored["stages"] = [asdict(stage) for stage in self.stages]
        return stored

    def stage(self, slug: str) -> StageSpec | None:
        return next((stage for stage in self.stages if stage.slug == slug), None)
