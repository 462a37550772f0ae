"""Background jobs: RQ through Redis in production, a thread of the web process otherwise
(and "inline", in the request itself, for tests).

A job is a function named by its import path ("certificates.batch.build_zip") with plain
arguments; it runs inside an app context and keeps its progress in the database, so that any
app process behind the load balancer can report on it. `flask --app wsgi jobs worker` runs the
jobs queued in Redis (docs/deploy.md).
"""
from __future__ import annotations

import importlib
import logging
import threading

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from training.extensions import db

QUEUE = "amicus"
log = logging.getLogger("amicus.jobs")


def _function(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def enqueue(path: str, *args):
    """Run ``path(*args)`` in the background; returns the RQ job or the thread."""
    app = current_app._get_current_object()
    _function(path)  # a wrong path fails here, in the request, not later in a worker
    if app.config["AMICUS_JOBS"] == "rq":
        return _queue(app).enqueue(run, path, *args, job_timeout=3600, result_ttl=0)
    if app.config["AMICUS_JOBS"] == "inline":  # tests: done before the response
        _function(path)(*args)
        return None
    thread = threading.Thread(target=_run_in_app, args=(app, path, args), daemon=True,
                              name=f"amicus-job-{path}")
    thread.start()
    return thread


def _queue(app: Flask):
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(app.config["REDIS_URL"]))


def _run_in_app(app: Flask, path: str, args: tuple) -> None:
    with app.app_context():
        run(path, *args)


def run(path: str, *args) -> None:
    """Run one job in the current app context (the RQ worker and the thread both call this)."""
    try:
        _function(path)(*args)
    except Exception:  # the job records its own failure; this keeps the worker alive
        log.exception("job %s%r failed", path, args)
        db.session.rollback()
    finally:
        db.session.remove()


jobs_cli = AppGroup("jobs", help="Background jobs (certificate ZIPs).")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run queued jobs from Redis (needs REDIS_URL); several workers may run at once."""
    from rq import SimpleWorker

    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without it jobs run inside the web process.")
    queue = _queue(app)
    click.echo(f"Waiting for jobs on {app.config['REDIS_URL']} (queue {QUEUE}); Ctrl-C stops.")
    SimpleWorker([queue], connection=queue.connection).work(burst=burst)
