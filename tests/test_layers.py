"""Migrations that do not depend on the code of the day.

The packages' import direction (training <- courses <- quizzes <- certificates) is checked by
import-linter's contracts in pyproject.toml, run by `make lint` (docs/architecture.md): migrations
are no package, so it cannot see them, and this test does.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPLICATION = ("training", "courses", "quizzes", "certificates")
MIGRATIONS = ROOT / "training" / "migrations"


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in a file, function-level ones included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_migrations_import_no_application_code():
    # A migration must do tomorrow what it did when it was written, whatever the application's
    # modules become: what it needs (a table's columns, a list of codes) is copied into it, and
    # the models' UTCDateTime is written as the sa.DateTime it stores.
    files = sorted(MIGRATIONS.rglob("*.py"))
    assert len(files) > 10
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {module}"
             for path in files
             for line, module in imported(path) if module.split(".")[0] in APPLICATION]
    assert wrong == []
