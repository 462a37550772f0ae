"""Pages declared read-only (training.read_only): they read in a read-only transaction ended
with COMMIT, and a write in one fails loudly, on SQLite and PostgreSQL alike."""
import logging

from flask import Blueprint
from sqlalchemy import event, select, text, update

from tests.conftest import login
from training.accounts import User
from training.extensions import db
from training.progress import Enrolment, enrol
from training.read_only import read_only


def statements_of(client, path: str) -> list[str]:
    """The first word of each statement the request ``path`` sent, in order (BEGIN and COMMIT
    included: SQLAlchemy sends those as calls, recorded here as they happen)."""
    seen: list[str] = []

    def statement(conn, cursor, sql, parameters, context, executemany):
        seen.append(sql.split()[0].upper())

    def begin(conn):
        seen.append("BEGIN")

    def commit(conn):
        seen.append("COMMIT")

    def rollback(conn):
        seen.append("ROLLBACK")

    listeners = (("before_cursor_execute", statement), ("begin", begin), ("commit", commit), ("rollback", rollback))
    for name, fn in listeners:
        event.listen(db.engine, name, fn)
    try:
        assert client.get(path).status_code == 200
    finally:
        for name, fn in listeners:
            event.remove(db.engine, name, fn)
    return seen


def test_the_pages_read_most_are_declared_read_only_and_the_lesson_page_is_not(app):
    functions = app.view_functions
    for endpoint in ("courses.catalog", "courses.show", "courses.learning"):
        assert getattr(functions[endpoint], "read_only", False), endpoint
    assert not getattr(functions["courses.lesson"], "read_only", False)  # it writes "Resume"


def test_a_read_only_page_ends_its_transaction_with_commit_and_writes_nothing(app, make_course, make_user):
    course = make_course(modules=1, lessons=2, sequential=False)
    enrol(make_user("mei"), course.id)
    db.session.commit()
    client = app.test_client()
    login(client, "mei")
    for path in ("/courses/test-course", "/learning", "/courses"):
        seen = statements_of(client, path)
        assert seen[-1] == "COMMIT", (path, seen)  # not the request's ROLLBACK: prepared statements stay
        assert not {"INSERT", "UPDATE", "DELETE"} & set(seen), (path, seen)
        if db.engine.dialect.name == "postgresql":
            assert "SET" in seen, seen  # SET TRANSACTION READ ONLY
    # The lesson page writes where to resume, and keeps it.
    seen = statements_of(client, "/courses/test-course/lessons/002-lesson")
    assert "UPDATE" in seen and seen[-1] == "COMMIT", seen
    db.session.expire_all()
    assert db.session.execute(select(Enrolment.last_activity_id)).scalar_one() is not None


def add_writing_pages(app) -> None:
    """Pages declared read-only that write anyway, in each way a view can."""
    pages = Blueprint("writing_pages", __name__)

    @pages.get("/test/flush")
    @read_only
    def flush():
        db.session.get(User, 1).region = "east-asia"
        db.session.flush()
        return "written"

    @pages.get("/test/add")
    @read_only
    def add():
        db.session.add(Enrolment(user_id=1, course_id=1))
        return "added"

    @pages.get("/test/statement")
    @read_only
    def statement():
        db.session.execute(update(User).values(region="east-asia"))
        return "updated"

    @pages.get("/test/raw")
    @read_only
    def raw():
        db.session.connection().execute(text("UPDATE users SET region = 'east-asia'"))
        return "updated"

    @pages.get("/test/reads")
    @read_only
    def reads():
        user = db.session.get(User, 1)
        user.region = user.region  # set to what it was: no change to write
        return user.handle

    app.register_blueprint(pages)


class Errors(logging.Handler):
    """The exceptions the site logs (training.errors logs every unexpected one)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.errors = []

    def emit(self, record):
        if record.exc_info:
            self.errors.append(str(record.exc_info[1]))


def test_a_write_in_a_read_only_page_fails_loudly_and_changes_nothing(app, make_user):
    add_writing_pages(app)
    mei_id = make_user("mei").id
    db.session.remove()
    client = app.test_client()
    paths = ["/test/flush", "/test/add", "/test/statement"]
    if db.engine.dialect.name == "postgresql":
        paths.append("/test/raw")  # past the session: the database refuses it (read-only transaction)
    errors = Errors()
    logging.getLogger("amicus").addHandler(errors)
    try:
        for path in paths:
            errors.errors.clear()
            assert client.get(path).status_code == 500, path
            logged = "\n".join(errors.errors)
            assert "declared read-only" in logged or "read-only transaction" in logged, (path, logged)
    finally:
        logging.getLogger("amicus").removeHandler(errors)
    db.session.remove()
    assert db.session.get(User, mei_id).region in (None, "")
    assert db.session.execute(select(Enrolment)).first() is None
    # Reading (an attribute set to the value it had) is not writing.
    response = client.get("/test/reads")
    assert response.status_code == 200 and response.get_data(as_text=True) == "mei"
    # The declaration ends with the page: the next statements of the session may write.
    with app.test_request_context():
        db.session.execute(update(User).values(region="east-asia"))
        db.session.commit()
    assert db.session.get(User, mei_id).region == "east-asia"
